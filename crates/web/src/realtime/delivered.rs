//! Which events of each conversation one connection has sent, so that none goes out twice.

use std::collections::HashMap;
use uuid::Uuid;

/// The seqs of a conversation a connection has sent: one unbroken run, as live events
/// arrive in order, gaps are filled from the log, and a sync fills what lies before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Delivered {
    pub first: i64,
    pub last: i64,
}

impl Delivered {
    pub(crate) fn covers(&self, seq: i64) -> bool {
        (self.first..=self.last).contains(&seq)
    }

    pub(crate) fn record(delivered: &mut HashMap<Uuid, Delivered>, conversation: Uuid, seq: i64) {
        delivered
            .entry(conversation)
            .and_modify(|d| {
                d.first = d.first.min(seq);
                d.last = d.last.max(seq);
            })
            .or_insert(Delivered {
                first: seq,
                last: seq,
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_grows_both_ways() {
        let (mut delivered, conversation) = (HashMap::new(), Uuid::now_v7());
        Delivered::record(&mut delivered, conversation, 7);
        Delivered::record(&mut delivered, conversation, 8);
        Delivered::record(&mut delivered, conversation, 5);
        let run = delivered[&conversation];
        assert_eq!(run, Delivered { first: 5, last: 8 });
        assert!(run.covers(5) && run.covers(8));
        assert!(!run.covers(4) && !run.covers(9));
    }
}
