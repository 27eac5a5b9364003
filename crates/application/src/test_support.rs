//! Fixtures shared by the use-case unit tests.

use crate::accounts::SessionStarter;
use chrono::{DateTime, Duration, Utc};
use palaver_domain::auth::{AccessToken, Actor, SessionId};
use palaver_domain::conversation::Notification;
use palaver_domain::ports::{
    Clock, MockClock, MockNotifier, MockPresenceDirectory, MockSecretGenerator,
    MockSessionRepository, MockTokenIssuer,
};
use palaver_domain::secret::SecretToken;
use palaver_domain::user::{PasswordHash, Role, User, UserId, UserKind, Username};
use std::sync::Arc;

/// A throttle that lets everything through (its own tests are in accounts/throttle.rs).
pub fn generous_throttle() -> crate::accounts::Throttle {
    let mut counter = palaver_domain::ports::MockAttemptCounter::new();
    counter.expect_hit().returning(|_, _| {
        Ok(palaver_domain::ports::AttemptCount {
            attempts: 1,
            resets_in: std::time::Duration::from_secs(60),
        })
    });
    counter.expect_clear().returning(|_| Ok(()));
    let window = std::time::Duration::from_secs(60);
    crate::accounts::Throttle::new(
        Arc::new(counter),
        crate::accounts::ThrottleLimits {
            login_per_account: 10,
            login_per_address: 10,
            login_window: window,
            reset_per_email: 10,
            reset_per_address: 10,
            reset_window: window,
        },
    )
}

pub const ACCESS_TOKEN: &str = "signed.access.token";
pub const REFRESH_TTL_DAYS: i64 = 30;

pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_750_000_000, 0).expect("valid timestamp")
}

pub fn fixed_clock() -> Arc<dyn Clock> {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    Arc::new(clock)
}

/// A stand-in for a real hash: tests only compare them.
pub fn hash_of(password: &str) -> PasswordHash {
    PasswordHash::from_stored(format!("hash:{password}"))
}

pub fn refresh_secret() -> SecretToken {
    SecretToken::presented("fresh-refresh-secret")
}

pub fn user(name: &str) -> User {
    User {
        id: UserId::generate(),
        username: Username::parse(name).expect("valid username"),
        email: None,
        phone: None,
        first_name: None,
        last_name: None,
        avatar_url: None,
        role: Role::User,
        kind: UserKind::Person,
        password_hash: hash_of("correct horse"),
        created_at: now() - Duration::days(1),
        updated_at: now() - Duration::days(1),
        last_seen_at: None,
    }
}

pub fn admin(name: &str) -> User {
    User {
        role: Role::Admin,
        ..user(name)
    }
}

pub fn actor_for(user: &User) -> Actor {
    Actor {
        user_id: user.id,
        session_id: SessionId::generate(),
        role: user.role,
        kind: user.kind,
    }
}

fn token_issuer(times: usize) -> MockTokenIssuer {
    let mut tokens = MockTokenIssuer::new();
    tokens.expect_issue().times(times).returning(|_, _, _| {
        Ok(AccessToken {
            token: ACCESS_TOKEN.into(),
            expires_in_secs: 900,
        })
    });
    tokens
}

fn secrets(times: usize) -> MockSecretGenerator {
    let mut secrets = MockSecretGenerator::new();
    secrets
        .expect_generate()
        .times(times)
        .returning(refresh_secret);
    secrets
}

/// A starter whose repository must record exactly one new session, with a hashed token
/// that expires after the refresh lifetime.
pub fn starter_expecting_one_session() -> SessionStarter {
    let mut sessions = MockSessionRepository::new();
    sessions
        .expect_create()
        .withf(|session, token| {
            token.session_id == session.id
                && token.token_hash == refresh_secret().hash()
                && token.expires_at == now() + Duration::days(REFRESH_TTL_DAYS)
                && session.revoked_at.is_none()
        })
        .times(1)
        .returning(|_, _| Ok(()));
    starter_with(sessions, 1, 1)
}

pub fn starter_expecting_no_session() -> SessionStarter {
    let mut sessions = MockSessionRepository::new();
    sessions.expect_create().never();
    starter_with(sessions, 0, 0)
}

/// A starter over the given sessions mock that signs `issues` access tokens and makes
/// `generates` refresh secrets.
pub fn starter_with(
    sessions: MockSessionRepository,
    issues: usize,
    generates: usize,
) -> SessionStarter {
    SessionStarter::new(
        Arc::new(sessions),
        Arc::new(token_issuer(issues)),
        Arc::new(secrets(generates)),
        fixed_clock(),
        Duration::days(REFRESH_TTL_DAYS),
    )
}

/// A notifier that must hear exactly this one notification, and nothing else.
pub fn notifier_hearing(expected: Notification) -> Arc<MockNotifier> {
    let mut notifier = MockNotifier::new();
    notifier
        .expect_notify()
        .withf(move |heard| *heard == expected)
        .times(1)
        .return_const(());
    Arc::new(notifier)
}

/// A notifier that must hear nothing at all.
pub fn silent_notifier() -> Arc<MockNotifier> {
    let mut notifier = MockNotifier::new();
    notifier.expect_notify().never();
    Arc::new(notifier)
}

/// A presence directory in which exactly `online` are connected.
pub fn presence_with(online: Vec<UserId>) -> Arc<MockPresenceDirectory> {
    let mut presence = MockPresenceDirectory::new();
    let all = online.clone();
    presence
        .expect_online_users()
        .returning(move || Ok(all.clone()));
    presence.expect_online_among().returning(move |ids| {
        Ok(ids
            .iter()
            .copied()
            .filter(|id| online.contains(id))
            .collect())
    });
    Arc::new(presence)
}

pub mod conversations {
    //! Fixtures for the conversation and message use-cases.

    use super::now;
    use palaver_domain::conversation::{
        ClientId, Conversation, ConversationEvent, ConversationId, ConversationKind,
        ConversationName, EventPayload, Member, MemberRole, Message, MessageContent, MessageId,
    };
    use palaver_domain::ports::{MockConversationRepository, MockNotifier};
    use palaver_domain::user::{User, UserId};
    use std::sync::Arc;

    pub fn conversation(kind: ConversationKind, owner: Option<&User>) -> Conversation {
        Conversation {
            id: ConversationId::generate(),
            kind,
            name: (kind != ConversationKind::Direct)
                .then(|| ConversationName::parse("Team").expect("valid name")),
            owner_id: owner.map(|o| o.id),
            created_at: now(),
            updated_at: now(),
            last_seq: 10,
            member_count: 3,
        }
    }

    pub fn member(conversation: &Conversation, user: &User, role: MemberRole) -> Member {
        Member {
            conversation_id: conversation.id,
            user_id: user.id,
            role,
            joined_at: now(),
            last_read_seq: 0,
            last_delivered_seq: 0,
        }
    }

    pub fn message(conversation: &Conversation, sender: &User, seq: i64) -> Message {
        Message {
            id: MessageId::generate(),
            conversation_id: conversation.id,
            seq,
            sender_id: Some(sender.id),
            sender_kind: sender.kind,
            content: Some(MessageContent::parse("hello").expect("valid content")),
            reply_to_id: None,
            client_id: Some(ClientId::parse("c-1").expect("valid client id")),
            created_at: now(),
            edited_at: None,
            deleted_at: None,
            attachments: Vec::new(),
            thread_root_id: None,
            annotations: Default::default(),
        }
    }

    pub fn event(
        conversation: &Conversation,
        seq: i64,
        payload: EventPayload,
    ) -> ConversationEvent {
        ConversationEvent {
            conversation_id: conversation.id,
            seq,
            created_at: now(),
            payload,
        }
    }

    /// A store in which `conversation` exists and each `(user, role)` is a member.
    pub fn store_with(
        conversation: &Conversation,
        members: &[(&User, MemberRole)],
    ) -> MockConversationRepository {
        let mut store = MockConversationRepository::new();
        let found = conversation.clone();
        store
            .expect_find()
            .returning(move |id| Ok((id == found.id).then(|| found.clone())));
        let members: Vec<Member> = members
            .iter()
            .map(|(user, role)| member(conversation, user, *role))
            .collect();
        store
            .expect_find_member()
            .returning(move |id, user: UserId| {
                Ok(members
                    .iter()
                    .find(|m| m.conversation_id == id && m.user_id == user)
                    .cloned())
            });
        store
            .expect_members_named()
            .returning(|_, _| Ok(Vec::new()));
        store
    }

    /// A notifier that must hear exactly `times` notifications.
    pub fn notifier_expecting(times: usize) -> Arc<MockNotifier> {
        let mut notifier = MockNotifier::new();
        notifier.expect_notify().times(times).return_const(());
        Arc::new(notifier)
    }
}

/// Leaving conversations over a store where the user is in none.
pub fn leave_none() -> crate::conversations::LeaveAllConversations {
    let mut store = palaver_domain::ports::MockConversationRepository::new();
    store.expect_memberships_of().returning(|_| Ok(vec![]));
    crate::conversations::LeaveAllConversations::new(
        Arc::new(store),
        Arc::new(palaver_domain::ports::MockNotifier::new()),
        fixed_clock(),
    )
}

/// A rate limiter that lets everything through.
pub fn unlimited() -> Arc<palaver_domain::ports::MockSendRateLimiter> {
    let mut limiter = palaver_domain::ports::MockSendRateLimiter::new();
    limiter.expect_check().returning(|_, _| Ok(()));
    Arc::new(limiter)
}
