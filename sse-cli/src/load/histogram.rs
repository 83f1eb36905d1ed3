//! [`Histogram`]: latencies in nanoseconds, in a fixed number of log-linear buckets (32 per
//! power of two: quantiles within about 3%), so recording is O(1) and memory is bounded
//! however long a run is.

/// Sub-buckets per power of two (a power of two itself).
const SUB_BITS: u32 = 5;
const SUB: u64 = 1 << SUB_BITS;
/// Values below `SUB` have a bucket each; then `SUB` buckets per power of two up to 2^63.
const BUCKETS: usize = (SUB + (64 - SUB_BITS as u64) * SUB) as usize;

/// Counts of values (nanoseconds) in log-linear buckets.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Box<[u64]>,
    total: u64,
    max: u64,
    sum: u128,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            total: 0,
            max: 0,
            sum: 0,
        }
    }
}

/// The bucket of `value`.
fn bucket(value: u64) -> usize {
    if value < SUB {
        return value as usize;
    }
    let exponent = 63 - u64::from(value.leading_zeros()); // >= SUB_BITS
    let sub = (value >> (exponent - u64::from(SUB_BITS))) & (SUB - 1);
    (SUB + (exponent - u64::from(SUB_BITS)) * SUB + sub) as usize
}

/// The smallest value of bucket `index`, and its width.
fn bucket_range(index: usize) -> (u64, u64) {
    let index = index as u64;
    if index < SUB {
        return (index, 1);
    }
    let exponent = (index - SUB) / SUB + u64::from(SUB_BITS);
    let sub = (index - SUB) % SUB;
    let shift = exponent - u64::from(SUB_BITS);
    ((1 << exponent) | (sub << shift), 1 << shift)
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one value.
    pub fn record(&mut self, value: u64) {
        self.record_n(value, 1);
    }

    /// Records `n` times the same value.
    pub fn record_n(&mut self, value: u64, n: u64) {
        if let Some(count) = self.counts.get_mut(bucket(value)) {
            *count += n;
        }
        self.total += n;
        self.max = self.max.max(value);
        self.sum += u128::from(value) * u128::from(n);
    }

    /// Adds `other`'s values.
    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine += theirs;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    /// Values recorded.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The largest value recorded (exact).
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The mean (exact), 0 if empty.
    pub fn mean(&self) -> u64 {
        if self.total == 0 {
            return 0;
        }
        u64::try_from(self.sum / u128::from(self.total)).unwrap_or(u64::MAX)
    }

    /// The value at quantile `q` (0..=1): the middle of the bucket holding it, at most the
    /// maximum; 0 if empty.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let (low, width) = bucket_range(index);
                return (low + width / 2).min(self.max);
            }
        }
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_every_value_in_order() {
        let mut last = 0;
        for value in (0..10_000).chain([u64::MAX / 3, u64::MAX - 1, u64::MAX]) {
            let b = bucket(value);
            assert!(b < BUCKETS && b >= last, "{value}");
            let (low, width) = bucket_range(b);
            assert!(
                low <= value && value - low < width,
                "{value}: {low} + {width}"
            );
            last = b;
        }
    }

    #[test]
    fn quantiles_are_within_a_few_percent() {
        let mut h = Histogram::new();
        for value in 1..=100_000u64 {
            h.record(value * 1000);
        }
        for (q, exact) in [
            (0.5, 50_000_000.0),
            (0.99, 99_000_000.0),
            (1.0, 100_000_000.0),
        ] {
            let got = h.quantile(q) as f64;
            assert!(
                (got - exact).abs() / exact < 0.035,
                "q{q}: {got} vs {exact}"
            );
        }
        assert_eq!(h.max(), 100_000_000);
        let mut other = Histogram::new();
        other.record_n(7, 3);
        h.merge(&other);
        assert_eq!(h.len(), 100_003);
        assert_eq!(h.quantile(0.0), 7);
    }
}
