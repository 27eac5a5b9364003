//! Presence announced in windows, so that a storm (thousands connecting at once, a node
//! coming back) costs one delivery per recipient rather than one per change per recipient.
//!
//! The presence task takes the first change, waits [`PRESENCE_WINDOW`] for more, and then
//! handles the window at once: each user's changes collapse into their latest, their
//! `last_seen_at` is recorded once, and every recipient is offered all the window's
//! presence frames for them in one delivery (one queue item, one wake-up of their
//! connection, written together). Each change is still its own `presence` frame.

use crate::audiences::Audiences;
use crate::envelope::Frame;
use crate::frames;
use crate::hub::{Delivery, Inner, Outbound};
use crate::presence::Transition;
use chrono::{DateTime, Utc};
use foldhash::HashMap;
use palaver_domain::user::UserId;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::mpsc;
use uuid::Uuid;

/// How long the presence task gathers changes before announcing them.
pub const PRESENCE_WINDOW: Duration = Duration::from_millis(50);

/// The changes of one window: each user's latest, in the order users first changed.
#[derive(Debug, Default)]
pub(crate) struct PresenceWindow {
    order: Vec<Uuid>,
    latest: HashMap<Uuid, Change>,
}

/// A user's standing at the end of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Change {
    pub user: Uuid,
    pub online: bool,
    pub at: DateTime<Utc>,
    /// When to store as `last_seen_at`, if this node stores it for the user.
    pub record: Option<DateTime<Utc>>,
}

impl PresenceWindow {
    pub fn add(&mut self, transition: Transition) {
        let record = transition.record.then_some(transition.at);
        match self.latest.get_mut(&transition.user) {
            Some(change) => {
                change.online = transition.online;
                change.at = transition.at;
                change.record = change.record.max(record);
            }
            None => {
                self.order.push(transition.user);
                self.latest.insert(
                    transition.user,
                    Change {
                        user: transition.user,
                        online: transition.online,
                        at: transition.at,
                        record,
                    },
                );
            }
        }
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The window's changes, one per user, in the order users first changed.
    pub fn drain(&mut self) -> Vec<Change> {
        let mut latest = std::mem::take(&mut self.latest);
        std::mem::take(&mut self.order)
            .into_iter()
            .filter_map(|user| latest.remove(&user))
            .collect()
    }
}

/// The presence frames of one window, by recipient, in the order they were addressed.
#[derive(Default)]
pub(crate) struct PresenceRound {
    frames: HashMap<Uuid, Delivery>,
}

impl PresenceRound {
    pub fn address(&mut self, recipients: &[UserId], frame: &Outbound) {
        for recipient in recipients {
            self.frames
                .entry(recipient.as_uuid())
                .or_default()
                .push(frame.clone());
        }
    }

    /// Each recipient's frames, as one delivery.
    pub fn into_deliveries(self) -> HashMap<Uuid, Delivery> {
        self.frames
    }
}

/// The presence task: tells this node's connections who shares a conversation with a user
/// whose status changed, window by window, and records when users were last seen.
pub(crate) async fn announce_presence(
    hub: Weak<Inner>,
    mut transitions: mpsc::UnboundedReceiver<Transition>,
    audiences: Arc<dyn Audiences>,
) {
    let mut window = PresenceWindow::default();
    while let Some(first) = transitions.recv().await {
        window.add(first);
        let mut taken = 1;
        tokio::time::sleep(PRESENCE_WINDOW).await;
        while let Ok(next) = transitions.try_recv() {
            window.add(next);
            taken += 1;
        }
        let Some(hub) = hub.upgrade() else { return };
        let handled = Handled(&hub, taken);
        announce_window(&hub, &mut window, audiences.as_ref()).await;
        drop(handled);
    }
}

/// Counts the window's transitions as handled when dropped: after the window, or should
/// announcing it panic, so that a graceful stop never waits for them in vain.
struct Handled<'a>(&'a Inner, usize);

impl Drop for Handled<'_> {
    fn drop(&mut self) {
        self.0.presence_handled(self.1);
    }
}

/// Announces the window's changes and records when this node's users were last seen.
async fn announce_window(hub: &Inner, window: &mut PresenceWindow, audiences: &dyn Audiences) {
    let mut round = PresenceRound::default();
    for change in window.drain() {
        let user = UserId::from_uuid(change.user);
        if let Some(at) = change.record
            && let Err(error) = hub.record_last_seen(user, at).await
        {
            tracing::warn!(%error, "recording last_seen_at failed");
        }
        if !hub.has_connections() {
            continue;
        }
        let contacts = match audiences.contacts(user).await {
            Ok(contacts) => contacts,
            Err(error) => {
                tracing::warn!(%error, "cannot read a user's contacts; presence not announced");
                continue;
            }
        };
        let frame: Outbound = Arc::new(Frame::plain(frames::presence(
            user,
            change.online,
            change.at,
        )));
        round.address(&contacts, &frame);
    }
    for (recipient, frames) in round.into_deliveries() {
        hub.deliver_to(recipient, frames);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn transition(user: Uuid, online: bool, seconds: i64, record: bool) -> Transition {
        Transition {
            user,
            online,
            at: DateTime::<Utc>::UNIX_EPOCH + TimeDelta::seconds(seconds),
            record,
        }
    }

    #[test]
    fn each_users_changes_collapse_into_their_latest() {
        let (ada, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let mut window = PresenceWindow::default();
        window.add(transition(ada, true, 1, true));
        window.add(transition(bob, true, 2, false));
        window.add(transition(ada, false, 3, true));
        window.add(transition(ada, true, 4, false));
        let changes = window.drain();
        assert_eq!(changes.len(), 2);
        assert_eq!((changes[0].user, changes[0].online), (ada, true));
        assert_eq!(changes[0].at.timestamp(), 4);
        // The latest time this node was asked to record, even if the last change was not.
        assert_eq!(changes[0].record.map(|at| at.timestamp()), Some(3));
        assert_eq!((changes[1].user, changes[1].record), (bob, None));
        assert!(window.is_empty(), "a drained window starts afresh");
    }

    #[test]
    fn a_recipient_gets_every_change_of_the_window_in_one_delivery() {
        let (ada, bob, cyd) = (UserId::generate(), UserId::generate(), UserId::generate());
        let mut round = PresenceRound::default();
        let ada_online: Outbound = Arc::new(Frame::plain(frames::presence(ada, true, Utc::now())));
        let bob_online: Outbound = Arc::new(Frame::plain(frames::presence(bob, true, Utc::now())));
        round.address(&[cyd, bob], &ada_online);
        round.address(&[cyd], &bob_online);
        let deliveries = round.into_deliveries();
        assert_eq!(deliveries.len(), 2);
        let to_cyd = &deliveries[&cyd.as_uuid()];
        assert_eq!(to_cyd.len(), 2, "one frame per change, in one delivery");
        assert!(Arc::ptr_eq(&to_cyd[0], &ada_online) && Arc::ptr_eq(&to_cyd[1], &bob_online));
        assert_eq!(deliveries[&bob.as_uuid()].len(), 1);
    }
}
