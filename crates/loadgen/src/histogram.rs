//! A log-linear histogram of microseconds: 16 buckets per power of two, so a quantile is
//! read to within about 3 %. Small enough for every connection to keep its own.

const SUB_BITS: u32 = 4;
const SUB: u64 = 1 << SUB_BITS;
const BUCKETS: usize = (SUB as usize) * (64 - SUB_BITS as usize + 1);

#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: vec![0; BUCKETS],
            total: 0,
        }
    }
}

fn bucket(value: u64) -> usize {
    if value < SUB {
        return value as usize;
    }
    let power = 63 - value.leading_zeros(); // >= SUB_BITS
    let shift = power - SUB_BITS;
    let sub = (value >> shift) & (SUB - 1);
    (SUB as usize) * (shift as usize + 1) + sub as usize
}

/// The middle of the values that fall in the bucket.
fn middle(index: usize) -> u64 {
    let sub = SUB as usize;
    if index < sub {
        return index as u64;
    }
    let shift = (index / sub - 1) as u32;
    let low = (SUB + (index % sub) as u64) << shift;
    low + ((1u64 << shift) >> 1)
}

impl Histogram {
    pub fn record(&mut self, value: u64) {
        self.counts[bucket(value)] += 1;
        self.total += 1;
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.total += other.total;
    }

    pub fn len(&self) -> u64 {
        self.total
    }

    /// The value below which `q` (0 to 1) of the recorded values lie; `None` if empty.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((self.total as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Some(middle(index));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_every_value_in_order() {
        let mut last = 0;
        for value in (0..100_000u64).chain([u64::MAX / 2, u64::MAX]) {
            let index = bucket(value);
            assert!(index >= last && index < BUCKETS, "{value}");
            last = index;
        }
        for value in [1u64, 15, 16, 17, 1000, 123_456, 9_999_999] {
            let found = middle(bucket(value));
            let error = found.abs_diff(value) as f64 / value as f64;
            assert!(error <= 1.0 / 16.0, "{value} read back as {found}");
        }
    }

    #[test]
    fn quantiles_of_a_uniform_spread() {
        let mut histogram = Histogram::default();
        for value in 1..=10_000u64 {
            histogram.record(value);
        }
        let p50 = histogram.quantile(0.5).unwrap_or_default() as f64;
        let p99 = histogram.quantile(0.99).unwrap_or_default() as f64;
        assert!((p50 / 5000.0 - 1.0).abs() < 0.04, "{p50}");
        assert!((p99 / 9900.0 - 1.0).abs() < 0.04, "{p99}");
        assert_eq!(Histogram::default().quantile(0.5), None);
    }
}
