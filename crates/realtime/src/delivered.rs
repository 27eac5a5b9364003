//! Which events of each conversation one connection has sent, so that none goes out twice
//! and none is taken for sent when it was not.

/// The seqs of one conversation a connection has sent, exactly: a sorted list of disjoint,
/// non-adjacent runs `first..=last`. Live events arrive in order and extend the last run;
/// a `sync` from an older cursor, or a gap filled from the log, fills in below or between.
/// Recording seq 1 on top of `[4]` gives `[1], [4]`: 2 and 3 stay unsent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    runs: Vec<(i64, i64)>,
}

impl Delivered {
    /// Whether `seq` was sent.
    #[cfg(test)]
    pub fn contains(&self, seq: i64) -> bool {
        let index = self.runs.partition_point(|&(_, last)| last < seq);
        self.runs.get(index).is_some_and(|&(first, _)| first <= seq)
    }

    /// The highest seq sent, if any.
    pub fn last(&self) -> Option<i64> {
        self.runs.last().map(|&(_, last)| last)
    }

    /// Records `seq` as sent; false if it already was.
    pub fn insert(&mut self, seq: i64) -> bool {
        // The first run that ends at or after seq - 1: the only one seq may join or lie in.
        let index = self
            .runs
            .partition_point(|&(_, last)| last < seq.saturating_sub(1));
        match self.runs.get(index).copied() {
            Some((first, last)) if first <= seq && seq <= last => false,
            // Just after this run: extend it, and join the next one if it now touches.
            Some((first, last)) if last + 1 == seq => {
                self.runs[index] = (first, seq);
                if let Some(&(next_first, next_last)) = self.runs.get(index + 1)
                    && next_first == seq + 1
                {
                    self.runs[index] = (first, next_last);
                    self.runs.remove(index + 1);
                }
                true
            }
            // Just before this run.
            Some((first, last)) if seq + 1 == first => {
                self.runs[index] = (seq, last);
                true
            }
            _ => {
                self.runs.insert(index, (seq, seq));
                true
            }
        }
    }

    /// The runs, lowest first (for tests and logs).
    #[cfg(test)]
    pub fn runs(&self) -> &[(i64, i64)] {
        &self.runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivered(seqs: &[i64]) -> Delivered {
        let mut delivered = Delivered::default();
        for &seq in seqs {
            delivered.insert(seq);
        }
        delivered
    }

    #[test]
    fn an_older_seq_recorded_after_a_newer_one_does_not_cover_what_lies_between() {
        let delivered = delivered(&[4, 1]);
        assert_eq!(delivered.runs(), [(1, 1), (4, 4)]);
        assert!(delivered.contains(1) && delivered.contains(4));
        assert!(!delivered.contains(2) && !delivered.contains(3));
        assert_eq!(delivered.last(), Some(4));
    }

    #[test]
    fn runs_grow_both_ways_and_join_when_they_meet() {
        let mut delivered = delivered(&[7, 8, 5]);
        assert_eq!(delivered.runs(), [(5, 5), (7, 8)]);
        assert!(delivered.insert(6));
        assert_eq!(delivered.runs(), [(5, 8)]);
        assert!(delivered.insert(4));
        assert!(delivered.insert(9));
        assert_eq!(delivered.runs(), [(4, 9)]);
        assert!(!delivered.contains(3) && !delivered.contains(10));
    }

    #[test]
    fn a_repeat_is_reported_and_changes_nothing() {
        let mut delivered = delivered(&[1, 2, 3, 10]);
        assert!(!delivered.insert(2));
        assert!(!delivered.insert(10));
        assert_eq!(delivered.runs(), [(1, 3), (10, 10)]);
    }

    #[test]
    fn a_seq_filling_a_hole_of_one_joins_both_sides() {
        let mut delivered = delivered(&[1, 3, 5]);
        assert!(delivered.insert(2));
        assert_eq!(delivered.runs(), [(1, 3), (5, 5)]);
        assert!(delivered.insert(4));
        assert_eq!(delivered.runs(), [(1, 5)]);
    }

    #[test]
    fn the_set_matches_a_plain_set_for_any_order() {
        use std::collections::BTreeSet;
        // A fixed pseudo-random order over 1..=200, with repeats.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut delivered = Delivered::default();
        let mut plain = BTreeSet::new();
        for _ in 0..1_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let seq = i64::try_from(state % 200).unwrap() + 1;
            assert_eq!(delivered.insert(seq), plain.insert(seq));
            for probe in 0..=201 {
                assert_eq!(delivered.contains(probe), plain.contains(&probe));
            }
            let runs = delivered.runs();
            assert!(runs.windows(2).all(|pair| pair[0].1 + 1 < pair[1].0));
        }
        assert_eq!(delivered.last(), plain.last().copied());
    }
}
