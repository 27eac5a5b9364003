//! Fan-out: dispatcher shards that take what the hub routes, address each frame to its
//! audience's connections on this node (member lists cached, refreshed when membership
//! changes) and offer each connection all its frames of one round at once.
//!
//! - Several shards, each a task on the hub's fan-out threads; a conversation always goes
//!   to the same shard, so its events keep the seq order they were announced in, and
//!   different conversations fan out in parallel.
//! - No shard ever awaits the database. On a member-cache miss the conversation's frames
//!   wait in the shard (in order) while a look-up runs as a task of its own; the shard goes
//!   on with other conversations and addresses the waiting frames once the look-up
//!   answers.

use crate::audiences::Audiences;
use crate::envelope::{Audience, Effect, Envelope, Frame};
use crate::hub::{Delivery, Inner, Outbound};
use foldhash::HashMap;
use palaver_domain::user::UserId;
use std::collections::VecDeque;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use uuid::Uuid;

/// Member lists kept at most per shard; beyond that the cache starts over.
const MEMBER_CACHE_LIMIT: usize = 50_000;
/// How long a member list is trusted without a membership event.
const MEMBER_CACHE_TTL: Duration = Duration::from_secs(60);
/// Envelopes a shard takes at once at most.
const ROUND: usize = 1024;

/// The senders to every shard: routes an envelope to the shard of its conversation.
#[derive(Clone)]
pub(crate) struct Shards {
    senders: Arc<[mpsc::UnboundedSender<Envelope>]>,
}

/// What a member look-up answered: the list, or `None` if it could not be read.
type Resolved = (Uuid, Option<Arc<[Uuid]>>);

impl Shards {
    /// Makes `count` shard queues; the receivers go to [`run_shard`].
    pub fn new(count: usize) -> (Self, Vec<mpsc::UnboundedReceiver<Envelope>>) {
        let (senders, receivers): (Vec<_>, Vec<_>) =
            (0..count.max(1)).map(|_| mpsc::unbounded_channel()).unzip();
        (
            Self {
                senders: senders.into(),
            },
            receivers,
        )
    }

    /// Queues an envelope for its shard. Fails only once the shards have stopped, with the
    /// hub.
    pub fn send(&self, envelope: Envelope) {
        let index = key(&envelope).map_or(0, |key| {
            (key.as_u64_pair().1 % self.senders.len() as u64) as usize
        });
        let _ = self.senders[index].send(envelope);
    }
}

/// What decides an envelope's shard: its conversation (or, for a revocation, its user).
fn key(envelope: &Envelope) -> Option<Uuid> {
    match envelope {
        Envelope::Deliver {
            audience: Audience::Members {
                conversation_id, ..
            },
            ..
        } => Some(*conversation_id),
        Envelope::Deliver { frame, .. } => frame.conversation_id,
        Envelope::CloseSessions { user, .. } => Some(*user),
        Envelope::Presence(_) => None,
    }
}

/// One shard: takes envelopes in the order they were routed, and member lists as their
/// look-ups answer.
pub(crate) async fn run_shard(
    hub: Weak<Inner>,
    mut queue: mpsc::UnboundedReceiver<Envelope>,
    audiences: Arc<dyn Audiences>,
    origin: tokio::runtime::Handle,
) {
    let (answer, mut answers) = mpsc::unbounded_channel::<Resolved>();
    let mut shard = Shard::default();
    let mut envelopes = Vec::with_capacity(ROUND);
    let mut round = Round::default();
    loop {
        let mut lookups = Vec::new();
        tokio::select! {
            taken = queue.recv_many(&mut envelopes, ROUND) => {
                if taken == 0 {
                    return;
                }
                let Some(hub) = hub.upgrade() else { return };
                let connected = hub.has_connections();
                for envelope in envelopes.drain(..) {
                    match envelope {
                        Envelope::Deliver { audience, frame } => {
                            lookups.extend(shard.address(connected, audience, frame, &mut round));
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
            Some(first) = answers.recv() => {
                let Some(hub) = hub.upgrade() else { return };
                let mut next = Some(first);
                while let Some((conversation, list)) = next {
                    lookups.extend(shard.resolved(conversation, list, &mut round));
                    next = answers.try_recv().ok();
                }
                round.flush(&hub);
            }
        }
        for conversation in lookups {
            let (audiences, answer) = (audiences.clone(), answer.clone());
            origin.spawn(async move {
                let list = match audiences
                    .members(crate::envelope::conversation(conversation))
                    .await
                {
                    Ok(ids) => Some(ids.iter().map(UserId::as_uuid).collect()),
                    Err(error) => {
                        tracing::warn!(%error, conversation_id = %conversation, "cannot read the members; frames not delivered live");
                        None
                    }
                };
                let _ = answer.send((conversation, list));
            });
        }
    }
}

/// A shard's state, with no I/O: the member cache, and the frames of conversations whose
/// members are being looked up.
#[derive(Default)]
pub(crate) struct Shard {
    members: MemberCache,
    waiting: HashMap<Uuid, VecDeque<(Audience, Outbound)>>,
}

impl Shard {
    /// Addresses a frame into `round`, or holds it while its conversation's members are
    /// looked up. Returns the conversation whose look-up must start.
    pub fn address(
        &mut self,
        connected: bool,
        audience: Audience,
        frame: Outbound,
        round: &mut Round,
    ) -> Option<Uuid> {
        // Behind frames already waiting on the same conversation, in order.
        if let Some(conversation) = key_of(&audience, &frame)
            && let Some(waiting) = self.waiting.get_mut(&conversation)
        {
            waiting.push_back((audience, frame));
            return None;
        }
        self.members.observe(&frame);
        self.address_now(connected, audience, frame, round)
    }

    /// Takes in a look-up's answer and addresses what waited for it, up to a frame that
    /// makes the list stale again (a membership change that came in after the look-up
    /// started): that one starts another look-up.
    pub fn resolved(
        &mut self,
        conversation: Uuid,
        list: Option<Arc<[Uuid]>>,
        round: &mut Round,
    ) -> Option<Uuid> {
        let mut waiting = self.waiting.remove(&conversation).unwrap_or_default();
        let Some(list) = list else {
            // Not readable: these frames are skipped; clients catch up with `sync` (or
            // the gap filling of the next event).
            return None;
        };
        self.members.insert(conversation, list);
        let mut first = true;
        while let Some((audience, frame)) = waiting.pop_front() {
            // The first frame was observed when it started the look-up.
            if !first {
                self.members.observe(&frame);
            }
            first = false;
            if let Some(lookup) = self.address_now(true, audience, frame, round) {
                // Stale again: the rest wait behind this one for the new look-up.
                if let Some(held) = self.waiting.get_mut(&lookup) {
                    held.extend(waiting);
                }
                return Some(lookup);
            }
        }
        None
    }

    fn address_now(
        &mut self,
        connected: bool,
        audience: Audience,
        frame: Outbound,
        round: &mut Round,
    ) -> Option<Uuid> {
        match audience {
            Audience::Users(users) => {
                for user in users {
                    round.add(user, &frame);
                }
                None
            }
            Audience::Members {
                conversation_id,
                except,
                also,
            } => {
                if !connected {
                    return None;
                }
                let Some(list) = self.members.cached(conversation_id) else {
                    self.waiting.entry(conversation_id).or_default().push_back((
                        Audience::Members {
                            conversation_id,
                            except,
                            also,
                        },
                        frame,
                    ));
                    return Some(conversation_id);
                };
                for &user in list.iter().chain(also.iter()) {
                    if Some(user) != except {
                        round.add(user, &frame);
                    }
                }
                None
            }
        }
    }
}

/// The conversation a frame belongs to, for keeping frames in order behind a look-up.
fn key_of(audience: &Audience, frame: &Frame) -> Option<Uuid> {
    match audience {
        Audience::Members {
            conversation_id, ..
        } => Some(*conversation_id),
        Audience::Users(_) => frame.conversation_id,
    }
}

/// The frames of one round, by recipient, in the order they were addressed.
#[derive(Default)]
pub(crate) struct Round {
    frames: HashMap<Uuid, Delivery>,
}

impl Round {
    fn add(&mut self, user: Uuid, frame: &Outbound) {
        self.frames.entry(user).or_default().push(frame.clone());
    }

    fn flush(&mut self, hub: &Inner) {
        if self.frames.is_empty() {
            return;
        }
        let mut deliveries = 0;
        for (user, frames) in self.frames.drain() {
            deliveries += frames.len();
            hub.deliver_to(user, frames);
        }
        metrics::counter!("palaver_fanout_deliveries_total").increment(deliveries as u64);
    }

    /// Each recipient's frames (for tests).
    #[cfg(test)]
    pub fn take(&mut self) -> HashMap<Uuid, Delivery> {
        std::mem::take(&mut self.frames)
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

    fn cached(&self, conversation_id: Uuid) -> Option<Arc<[Uuid]>> {
        self.lists
            .get(&conversation_id)
            .filter(|(_, read_at)| read_at.elapsed() < MEMBER_CACHE_TTL)
            .map(|(list, _)| list.clone())
    }

    fn insert(&mut self, conversation_id: Uuid, list: Arc<[Uuid]>) {
        if self.lists.len() >= MEMBER_CACHE_LIMIT {
            self.lists.clear();
            self.last_seq.clear();
        }
        self.lists.insert(conversation_id, (list, Instant::now()));
    }
}

#[cfg(test)]
#[path = "fanout_tests.rs"]
mod tests;
