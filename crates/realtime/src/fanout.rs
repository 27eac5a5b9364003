//! Fan-out: the dispatcher that takes what the hub routes, addresses each frame to its
//! audience's connections on this node (member lists cached, refreshed when membership
//! changes) and offers each connection all its frames of one round at once.

use crate::audiences::Audiences;
use crate::envelope::{Audience, Effect, Envelope, Frame};
use crate::hub::{Delivery, Inner, Outbound};
use palaver_domain::user::UserId;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use uuid::Uuid;

/// Member lists kept at most; beyond that the cache starts over.
const MEMBER_CACHE_LIMIT: usize = 50_000;
/// How long a member list is trusted without a membership event.
const MEMBER_CACHE_TTL: Duration = Duration::from_secs(60);

/// The dispatcher: one task per node, taking envelopes in the order they were routed.
/// Each conversation's events come in seq order from the writer that assigned them, so
/// nothing is held or reordered here. It takes whatever is waiting at once and offers each
/// connection everything for it in one delivery.
pub(crate) async fn dispatch(
    hub: std::sync::Weak<Inner>,
    mut queue: mpsc::UnboundedReceiver<Envelope>,
    audiences: Arc<dyn Audiences>,
) {
    let mut members = MemberCache::default();
    let mut envelopes = Vec::with_capacity(ROUND);
    let mut round = Round::default();
    while queue.recv_many(&mut envelopes, ROUND).await > 0 {
        let Some(hub) = hub.upgrade() else { return };
        for envelope in envelopes.drain(..) {
            match envelope {
                Envelope::Deliver { audience, frame } => {
                    let (audiences, members) = (audiences.as_ref(), &mut members);
                    round
                        .address(&hub, members, audiences, audience, frame)
                        .await;
                }
                Envelope::CloseSessions { user, sessions } => {
                    // What was addressed before the revocation goes out first.
                    round.flush(&hub);
                    hub.close_sessions(user, sessions.as_deref());
                }
                Envelope::Presence(report) => hub.apply_presence(report),
            }
        }
        round.flush(&hub);
    }
}

/// Envelopes the dispatcher takes at once at most.
const ROUND: usize = 1024;

/// The frames of one dispatcher round, by recipient, in the order they were addressed.
#[derive(Default)]
struct Round {
    frames: HashMap<Uuid, Delivery>,
}

impl Round {
    /// Adds a frame for its audience's connections on this node.
    async fn address(
        &mut self,
        hub: &Inner,
        members: &mut MemberCache,
        audiences: &dyn Audiences,
        audience: Audience,
        frame: Outbound,
    ) {
        members.observe(&frame);
        match audience {
            Audience::Users(users) => {
                for user in users {
                    self.add(user, &frame);
                }
            }
            Audience::Members {
                conversation_id,
                except,
                also,
            } => {
                if !hub.has_connections() {
                    return;
                }
                let Some(list) = members.get(audiences, conversation_id).await else {
                    return;
                };
                for &user in list.iter().chain(also.iter()) {
                    if Some(user) != except {
                        self.add(user, &frame);
                    }
                }
            }
        }
    }

    fn add(&mut self, user: Uuid, frame: &Outbound) {
        self.frames.entry(user).or_default().push(frame.clone());
    }

    fn flush(&mut self, hub: &Inner) {
        let mut deliveries = 0;
        for (user, frames) in self.frames.drain() {
            deliveries += frames.len();
            hub.deliver_to(user, frames);
        }
        metrics::counter!("palaver_fanout_deliveries_total").increment(deliveries as u64);
    }
}

/// Member lists by conversation, read from the database once and kept until membership
/// may have changed: a membership event, an event that overtook one not seen yet (which
/// might be a membership change), or [`MEMBER_CACHE_TTL`] for anything missed entirely
/// (a bus outage).
#[derive(Default)]
struct MemberCache {
    lists: HashMap<Uuid, (Arc<[Uuid]>, Instant)>,
    /// The highest seq seen per conversation.
    last_seq: HashMap<Uuid, i64>,
}

impl MemberCache {
    fn observe(&mut self, frame: &Frame) {
        if frame.effect != Effect::None
            && let Some(conversation) = frame.conversation_id
        {
            self.lists.remove(&conversation);
        }
        if let Some(position) = frame.position {
            if self.last_seq.len() >= MEMBER_CACHE_LIMIT {
                self.lists.clear();
                self.last_seq.clear();
            }
            let last = self.last_seq.entry(position.conversation_id).or_insert(0);
            if position.seq > *last + 1 {
                self.lists.remove(&position.conversation_id);
            }
            *last = (*last).max(position.seq);
        }
    }

    /// The conversation's members. `None` if they cannot be read: the frame is skipped,
    /// and clients catch up with `sync` (or the gap filling of the next event).
    async fn get(
        &mut self,
        audiences: &dyn Audiences,
        conversation_id: Uuid,
    ) -> Option<Arc<[Uuid]>> {
        if let Some((list, read_at)) = self.lists.get(&conversation_id)
            && read_at.elapsed() < MEMBER_CACHE_TTL
        {
            return Some(list.clone());
        }
        match audiences
            .members(crate::envelope::conversation(conversation_id))
            .await
        {
            Ok(ids) => {
                if self.lists.len() >= MEMBER_CACHE_LIMIT {
                    self.lists.clear();
                    self.last_seq.clear();
                }
                let list: Arc<[Uuid]> = ids.iter().map(UserId::as_uuid).collect();
                self.lists
                    .insert(conversation_id, (list.clone(), Instant::now()));
                Some(list)
            }
            Err(error) => {
                tracing::warn!(%error, %conversation_id, "cannot read the members; frame not delivered live");
                None
            }
        }
    }
}
