use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::sync::mpsc;
use tracing::warn;

/// How many payloads may wait between `publish` and the sending task. Past this the newest
/// are dropped (and logged), so a stalled server costs bounded memory.
pub(crate) const OUTBOX_CAPACITY: usize = 65_536;

/// The queue between `publish` and a bus's one sending task: `publish` never waits, and
/// the payloads of one node leave in the order they were published.
pub(crate) struct Outbox {
    sender: mpsc::Sender<Vec<u8>>,
    /// Whether the last push was dropped; set on the first drop of a run so that a run of
    /// drops logs twice (when it starts and when it ends), not once per payload.
    dropping: AtomicBool,
    dropped: AtomicU64,
}

impl Outbox {
    pub(crate) fn new(capacity: usize) -> (Self, mpsc::Receiver<Vec<u8>>) {
        let (sender, receiver) = mpsc::channel(capacity);
        let outbox = Self {
            sender,
            dropping: AtomicBool::new(false),
            dropped: AtomicU64::new(0),
        };
        (outbox, receiver)
    }

    pub(crate) fn push(&self, payload: Vec<u8>) {
        match self.sender.try_send(payload) {
            Ok(()) => {
                if self.dropping.swap(false, Ordering::AcqRel) {
                    let dropped = self.dropped.swap(0, Ordering::AcqRel);
                    warn!(dropped, "cluster bus outbox accepts payloads again");
                }
            }
            Err(error) => {
                self.dropped.fetch_add(1, Ordering::AcqRel);
                if !self.dropping.swap(true, Ordering::AcqRel) {
                    let reason = match error {
                        mpsc::error::TrySendError::Full(_) => "the outbox is full",
                        mpsc::error::TrySendError::Closed(_) => "the sending task has stopped",
                    };
                    warn!(
                        reason,
                        capacity = self.sender.max_capacity(),
                        "cluster bus is dropping published payloads"
                    );
                }
            }
        }
    }
}

/// Counts what a sending task drops while its server is unreachable, and logs an outage
/// once when it starts and once when it ends rather than once per payload.
#[derive(Debug, Default)]
pub(crate) struct Losses {
    dropped: u64,
    in_outage: bool,
}

impl Losses {
    /// `count` payloads could not be sent; logs the start of an outage.
    pub(crate) fn dropped(&mut self, count: usize, reason: &dyn std::fmt::Display) {
        self.dropped = self.dropped.saturating_add(count as u64);
        if !self.in_outage {
            self.in_outage = true;
            warn!(%reason, "cluster bus cannot send; dropping published payloads until it can");
        }
    }

    /// Sending works again; logs how much the outage cost, if there was one.
    pub(crate) fn recovered(&mut self) {
        if self.in_outage {
            warn!(dropped = self.dropped, "cluster bus sends again");
            self.in_outage = false;
            self.dropped = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_outbox_drops_without_blocking_and_keeps_order() {
        let (outbox, mut receiver) = Outbox::new(2);
        for payload in [b"1", b"2", b"3", b"4"] {
            outbox.push(payload.to_vec());
        }
        assert_eq!(outbox.dropped.load(Ordering::Acquire), 2);
        assert_eq!(receiver.try_recv().unwrap(), b"1");
        assert_eq!(receiver.try_recv().unwrap(), b"2");
        assert!(receiver.try_recv().is_err());

        outbox.push(b"5".to_vec());
        assert_eq!(receiver.try_recv().unwrap(), b"5");
        assert_eq!(outbox.dropped.load(Ordering::Acquire), 0);
    }

    #[test]
    fn a_closed_outbox_drops_without_panicking() {
        let (outbox, receiver) = Outbox::new(2);
        drop(receiver);
        outbox.push(b"lost".to_vec());
        assert_eq!(outbox.dropped.load(Ordering::Acquire), 1);
    }
}
