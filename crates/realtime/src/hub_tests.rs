//! The hub against mocked ports: who gets what, the member cache, slow clients and
//! revoked sessions.

use super::CloseCode;
use super::hub::{Hub, HubPorts, HubSettings, Registration};
use chrono::Utc;
use palaver_domain::auth::{Actor, SessionId};
use palaver_domain::conversation::{
    ConversationEvent, ConversationId, EventPayload, MemberRole, Notification,
};
use palaver_domain::ports::{MockConversationRepository, MockUserRepository, Notifier};
use palaver_domain::user::{Role, UserId};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

fn actor(user: UserId) -> Actor {
    Actor {
        user_id: user,
        session_id: SessionId::generate(),
        role: Role::User,
        kind: palaver_domain::user::UserKind::Person,
    }
}

/// A hub whose conversation has `members` (as the store says at each look-up), counting
/// the look-ups.
async fn hub_with(
    members: Arc<Mutex<Vec<UserId>>>,
    outbound_queue: usize,
) -> (Hub, Arc<AtomicUsize>) {
    let lookups = Arc::new(AtomicUsize::new(0));
    let mut conversations = MockConversationRepository::new();
    let counted = lookups.clone();
    conversations.expect_member_ids().returning(move |_| {
        counted.fetch_add(1, Ordering::SeqCst);
        Ok(members.lock().unwrap().clone())
    });
    conversations
        .expect_contact_ids()
        .returning(|_| Ok(Vec::new()));
    let mut users = MockUserRepository::new();
    users.expect_record_last_seen().returning(|_, _| Ok(()));
    let audiences = Arc::new(crate::RepositoryAudiences(Arc::new(conversations)));
    let hub = single_node_hub(audiences, users, outbound_queue).await;
    (hub, lookups)
}

/// A hub of one node on these ports.
async fn single_node_hub(
    audiences: Arc<dyn crate::Audiences>,
    users: MockUserRepository,
    outbound_queue: usize,
) -> Hub {
    Hub::start(
        HubPorts {
            audiences,
            users: Arc::new(users),
            bus: None,
        },
        HubSettings {
            outbound_queue,
            presence_heartbeat: Duration::from_secs(5),
        },
    )
    .await
    .unwrap()
}

fn event(conversation_id: ConversationId, seq: i64, payload: EventPayload) -> Notification {
    Notification::Event(ConversationEvent {
        conversation_id,
        seq,
        created_at: Utc::now(),
        payload,
    })
}

fn message_deleted_event(conversation_id: ConversationId, seq: i64) -> Notification {
    event(
        conversation_id,
        seq,
        EventPayload::MessageDeleted {
            message_id: palaver_domain::conversation::MessageId::generate(),
        },
    )
}

/// A registration read one frame at a time (the hub offers several at once).
struct Client {
    registration: Registration,
    pending: std::collections::VecDeque<String>,
}

impl Client {
    fn new(registration: Registration) -> Self {
        Self {
            registration,
            pending: Default::default(),
        }
    }
}

impl std::ops::Deref for Client {
    type Target = Registration;
    fn deref(&self) -> &Registration {
        &self.registration
    }
}

impl std::ops::DerefMut for Client {
    fn deref_mut(&mut self) -> &mut Registration {
        &mut self.registration
    }
}

async fn next_text(client: &mut Client) -> String {
    while client.pending.is_empty() {
        let delivery = tokio::time::timeout(WAIT, client.registration.outbound.recv())
            .await
            .expect("a frame in time")
            .expect("an open queue");
        client
            .pending
            .extend(delivery.iter().map(|frame| frame.text.to_string()));
    }
    client.pending.pop_front().unwrap_or_default()
}

fn nothing_queued(client: &mut Client) -> bool {
    client.pending.is_empty() && client.registration.outbound.try_recv().is_err()
}

#[tokio::test]
async fn an_event_reaches_every_connection_of_every_member_and_nobody_else() {
    let (ada, bob, eve) = (UserId::generate(), UserId::generate(), UserId::generate());
    let (hub, _) = hub_with(Arc::new(Mutex::new(vec![ada, bob])), 8).await;
    let mut ada_phone = Client::new(hub.register(&actor(ada)));
    let mut ada_laptop = Client::new(hub.register(&actor(ada)));
    let mut bob_phone = Client::new(hub.register(&actor(bob)));
    let mut eve_phone = Client::new(hub.register(&actor(eve)));
    let conversation = ConversationId::generate();

    hub.notify(message_deleted_event(conversation, 1));
    for registration in [&mut ada_phone, &mut ada_laptop, &mut bob_phone] {
        assert!(next_text(registration).await.contains("message.deleted"));
    }
    // The next frame eve gets proves the first one was never meant for her.
    hub.notify(Notification::ConversationDeleted {
        conversation_id: conversation,
        user_ids: vec![eve],
    });
    assert!(
        next_text(&mut eve_phone)
            .await
            .contains("conversation.deleted")
    );
}

#[tokio::test]
async fn typing_skips_the_typist_and_read_reaches_everyone() {
    let (ada, bob) = (UserId::generate(), UserId::generate());
    let (hub, _) = hub_with(Arc::new(Mutex::new(vec![ada, bob])), 8).await;
    let mut ada_phone = Client::new(hub.register(&actor(ada)));
    let mut bob_phone = Client::new(hub.register(&actor(bob)));
    let conversation_id = ConversationId::generate();
    hub.notify(Notification::Typing {
        conversation_id,
        user_id: ada,
        is_typing: true,
    });
    hub.notify(Notification::Read {
        conversation_id,
        user_id: ada,
        seq: 3,
    });
    assert!(next_text(&mut bob_phone).await.contains("\"typing\""));
    assert!(next_text(&mut bob_phone).await.contains("\"read\""));
    assert!(next_text(&mut ada_phone).await.contains("\"read\""));
    assert!(nothing_queued(&mut ada_phone), "the typist hears no echo");
}

#[tokio::test]
async fn member_lists_are_cached_until_membership_changes() {
    let (ada, bob) = (UserId::generate(), UserId::generate());
    let members = Arc::new(Mutex::new(vec![ada]));
    let (hub, lookups) = hub_with(members.clone(), 16).await;
    let mut ada_phone = Client::new(hub.register(&actor(ada)));
    let mut bob_phone = Client::new(hub.register(&actor(bob)));
    let conversation = ConversationId::generate();

    hub.notify(message_deleted_event(conversation, 1));
    hub.notify(message_deleted_event(conversation, 2));
    next_text(&mut ada_phone).await;
    next_text(&mut ada_phone).await;
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        1,
        "the second event used the cache"
    );

    members.lock().unwrap().push(bob);
    hub.notify(event(
        conversation,
        3,
        EventPayload::MemberJoined {
            user_id: bob,
            role: MemberRole::Member,
        },
    ));
    assert!(next_text(&mut bob_phone).await.contains("member.joined"));
    assert_eq!(lookups.load(Ordering::SeqCst), 2);

    members.lock().unwrap().retain(|u| *u != bob);
    hub.notify(event(
        conversation,
        4,
        EventPayload::MemberLeft { user_id: bob },
    ));
    assert!(
        next_text(&mut bob_phone).await.contains("member.left"),
        "the leaver hears of it too"
    );
    hub.notify(message_deleted_event(conversation, 5));
    assert!(next_text(&mut ada_phone).await.contains("member.joined"));
    assert!(next_text(&mut ada_phone).await.contains("member.left"));
    assert!(next_text(&mut ada_phone).await.contains("\"seq\":5"));
    assert!(
        nothing_queued(&mut bob_phone),
        "gone members hear nothing more"
    );
}

#[tokio::test]
async fn a_full_queue_closes_that_client_alone() {
    let (ada, bob) = (UserId::generate(), UserId::generate());
    let (hub, _) = hub_with(Arc::new(Mutex::new(vec![ada, bob])), 2).await;
    let mut slow = Client::new(hub.register(&actor(ada)));
    let mut fast = Client::new(hub.register(&actor(bob)));
    let conversation = ConversationId::generate();
    for seq in 1..=5 {
        hub.notify(message_deleted_event(conversation, seq));
        next_text(&mut fast).await;
    }
    tokio::time::timeout(WAIT, slow.close.wait_for(Option::is_some))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(*slow.close.borrow(), Some(CloseCode::Policy));
    assert_eq!(*fast.close.borrow(), None);
}

#[tokio::test]
async fn revoked_sessions_close_only_their_own_connections() {
    let ada = UserId::generate();
    let (hub, _) = hub_with(Arc::new(Mutex::new(vec![ada])), 8).await;
    let (phone, laptop) = (actor(ada), actor(ada));
    let mut on_phone = Client::new(hub.register(&phone));
    let mut on_laptop = Client::new(hub.register(&laptop));
    hub.notify(Notification::SessionsRevoked {
        user_id: ada,
        session_ids: vec![phone.session_id],
    });
    tokio::time::timeout(WAIT, on_phone.close.wait_for(Option::is_some))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(*on_phone.close.borrow(), Some(CloseCode::SessionRevoked));
    assert_eq!(*on_laptop.close.borrow(), None);

    hub.notify(Notification::AccountDeleted { user_id: ada });
    tokio::time::timeout(WAIT, on_laptop.close.wait_for(Option::is_some))
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn presence_counts_devices_and_shutting_down_closes_everything() {
    use palaver_domain::ports::PresenceDirectory;
    let ada = UserId::generate();
    let (hub, _) = hub_with(Arc::new(Mutex::new(vec![ada])), 8).await;
    let phone = Client::new(hub.register(&actor(ada)));
    let mut laptop = Client::new(hub.register(&actor(ada)));
    assert_eq!(hub.presence().online_users().await.unwrap(), vec![ada]);
    hub.unregister(ada, phone.id);
    assert_eq!(hub.presence().online_users().await.unwrap(), vec![ada]);
    hub.shut_down();
    assert_eq!(
        *laptop.close.borrow_and_update(),
        Some(CloseCode::GoingAway)
    );
    hub.unregister(ada, laptop.id);
    assert!(hub.presence().online_users().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_event_that_overtakes_another_rereads_the_members() {
    let (ada, bob) = (UserId::generate(), UserId::generate());
    let members = Arc::new(Mutex::new(vec![ada, bob]));
    let (hub, lookups) = hub_with(members.clone(), 16).await;
    let mut ada_phone = Client::new(hub.register(&actor(ada)));
    let mut bob_phone = Client::new(hub.register(&actor(bob)));
    let conversation = ConversationId::generate();
    hub.notify(message_deleted_event(conversation, 1));
    next_text(&mut bob_phone).await;

    // Seq 2 (bob's removal, say) has not arrived yet when seq 3 does.
    members.lock().unwrap().retain(|u| *u != bob);
    hub.notify(message_deleted_event(conversation, 3));
    next_text(&mut ada_phone).await;
    assert!(next_text(&mut ada_phone).await.contains("\"seq\":3"));
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        2,
        "the cached list was not trusted"
    );
    assert!(nothing_queued(&mut bob_phone), "bob is no longer a member");
}

/// Audiences whose member look-up of one conversation waits until released.
struct GatedAudiences {
    gated: ConversationId,
    gate: Arc<tokio::sync::Semaphore>,
    members: Vec<UserId>,
}

#[async_trait::async_trait]
impl crate::Audiences for GatedAudiences {
    async fn members(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<UserId>, palaver_domain::RepositoryError> {
        if conversation == self.gated {
            let _permit = self.gate.acquire().await;
        }
        Ok(self.members.clone())
    }

    async fn contacts(&self, _: UserId) -> Result<Vec<UserId>, palaver_domain::RepositoryError> {
        Ok(self.members.clone())
    }
}

/// The next frame that is not presence (hers arrives whenever its window closes).
async fn next_event_text(client: &mut Client) -> String {
    loop {
        let text = next_text(client).await;
        if !text.contains("\"type\":\"presence\"") {
            return text;
        }
    }
}

async fn gated_hub(audiences: GatedAudiences) -> Hub {
    let mut users = MockUserRepository::new();
    users.expect_record_last_seen().returning(|_, _| Ok(()));
    single_node_hub(Arc::new(audiences), users, 64).await
}

#[tokio::test]
async fn a_slow_member_look_up_stalls_only_its_own_conversation() {
    let ada = UserId::generate();
    let (slow, fast) = (ConversationId::generate(), ConversationId::generate());
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let hub = gated_hub(GatedAudiences {
        gated: slow,
        gate: gate.clone(),
        members: vec![ada],
    })
    .await;
    let mut ada_client = Client::new(hub.register(&actor(ada)));
    hub.notify(message_deleted_event(slow, 1));
    hub.notify(message_deleted_event(slow, 2));
    hub.notify(message_deleted_event(fast, 1));
    let first = next_event_text(&mut ada_client).await;
    assert!(first.contains(&fast.as_uuid().to_string()), "{first}");
    gate.add_permits(1);
    for seq in [1, 2] {
        let text = next_event_text(&mut ada_client).await;
        assert!(text.contains(&slow.as_uuid().to_string()), "{text}");
        assert!(text.contains(&format!("\"seq\":{seq}")), "{text}");
    }
}

#[tokio::test]
async fn a_connect_storm_reaches_each_contact_in_one_delivery() {
    const STORM: usize = 200;
    let watcher = UserId::generate();
    let crowd: Vec<UserId> = (0..STORM).map(|_| UserId::generate()).collect();
    let hub = gated_hub(GatedAudiences {
        gated: ConversationId::generate(),
        gate: Arc::new(tokio::sync::Semaphore::new(0)),
        members: vec![watcher],
    })
    .await;
    let mut watching = hub.register(&actor(watcher));
    // All connect before the presence task runs again: one window.
    let _crowd: Vec<Registration> = crowd
        .iter()
        .map(|user| hub.register(&actor(*user)))
        .collect();
    let mut heard: Vec<usize> = Vec::new();
    while heard.iter().sum::<usize>() < STORM + 1 {
        let delivery = tokio::time::timeout(WAIT, watching.outbound.recv())
            .await
            .expect("presence in time")
            .expect("an open queue");
        heard.push(delivery.len());
    }
    // The watcher's own connect may have been announced alone, before the storm.
    assert!(heard.len() <= 2, "deliveries of sizes {heard:?}");
    assert_eq!(heard.iter().sum::<usize>(), STORM + 1);
}

#[tokio::test]
async fn a_stop_waits_for_every_socket_task_and_closes_late_registrations() {
    let (ada, bob) = (UserId::generate(), UserId::generate());
    let (hub, _) = hub_with(Arc::new(Mutex::new(vec![ada, bob])), 8).await;
    let mut early = hub.register(&actor(ada));
    let early_task = hub.socket_task(ada, early.id);
    hub.shut_down();
    early.close.changed().await.unwrap();
    assert_eq!(*early.close.borrow(), Some(CloseCode::GoingAway));

    // A client reconnecting while the server stops is closed too.
    let mut late = hub.register(&actor(bob));
    let late_task = hub.socket_task(bob, late.id);
    tokio::time::timeout(WAIT, late.close.changed())
        .await
        .expect("a late registration is closed at once")
        .unwrap();
    assert_eq!(*late.close.borrow(), Some(CloseCode::GoingAway));

    let mut ended = Box::pin(hub.socket_tasks_ended());
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(ended.as_mut().poll(&mut cx).is_pending());
    drop(early_task);
    assert!(ended.as_mut().poll(&mut cx).is_pending());
    // Dropping a task also leaves the hub (neither had unregistered itself).
    assert!(hub.has_connections());
    drop(late_task);
    tokio::time::timeout(WAIT, ended)
        .await
        .expect("no socket task is left");
    assert!(!hub.has_connections());
}

// Two threads, and a slow store: a hub that called itself settled before recording would
// be seen doing so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_settles_once_the_last_seen_of_a_closed_connection_is_recorded() {
    let ada = UserId::generate();
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let mut conversations = MockConversationRepository::new();
    conversations
        .expect_contact_ids()
        .returning(|_| Ok(Vec::new()));
    let mut users = MockUserRepository::new();
    let seen = recorded.clone();
    users.expect_record_last_seen().returning(move |user, _| {
        std::thread::sleep(Duration::from_millis(100));
        seen.lock().unwrap().push(user);
        Ok(())
    });
    let audiences = Arc::new(crate::RepositoryAudiences(Arc::new(conversations)));
    let hub = single_node_hub(audiences, users, 64).await;
    let connection = hub.register(&actor(ada));
    hub.unregister(ada, connection.id);
    tokio::time::timeout(WAIT, hub.presence_settled())
        .await
        .expect("the presence changes are handled");
    // Her connect and her disconnect fall in one window: one record, of the later.
    assert_eq!(*recorded.lock().unwrap(), vec![ada]);
    // Nothing queued: settled at once.
    tokio::time::timeout(WAIT, hub.presence_settled())
        .await
        .unwrap();
}
