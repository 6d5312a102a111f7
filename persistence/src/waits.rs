//! How long work waited for what it needs to run — a pooled connection, a thread — as a
//! histogram any thread records into without a lock. While nothing saturates the waits stay
//! in the lowest buckets; a pool or a set of threads too small for the load shows here first.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// The buckets' upper bounds, in seconds.
pub const WAIT_BUCKETS: [f64; 10] = [
    0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5,
];

/// Waits by bucket, their number and their sum.
#[derive(Debug)]
pub struct Waits {
    /// Waits up to each bound and above the one before (made cumulative when read).
    buckets: [AtomicU64; WAIT_BUCKETS.len()],
    count: AtomicU64,
    nanos: AtomicU64,
}

/// [`Waits`] as read at one moment, the buckets cumulative (as Prometheus has them).
#[derive(Debug, Clone, PartialEq)]
pub struct WaitsSnapshot {
    pub cumulative: [u64; WAIT_BUCKETS.len()],
    pub count: u64,
    pub seconds: f64,
}

impl Default for Waits {
    fn default() -> Self {
        Self::new()
    }
}

impl Waits {
    pub const fn new() -> Self {
        Self {
            buckets: [const { AtomicU64::new(0) }; WAIT_BUCKETS.len()],
            count: AtomicU64::new(0),
            nanos: AtomicU64::new(0),
        }
    }

    pub fn record(&self, wait: Duration) {
        let seconds = wait.as_secs_f64();
        if let Some(i) = WAIT_BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.buckets[i].fetch_add(1, Relaxed);
        }
        let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(nanos, Relaxed);
        self.count.fetch_add(1, Relaxed);
    }

    pub fn snapshot(&self) -> WaitsSnapshot {
        let mut cumulative = [0; WAIT_BUCKETS.len()];
        let mut sum = 0;
        for (total, bucket) in cumulative.iter_mut().zip(&self.buckets) {
            sum += bucket.load(Relaxed);
            *total = sum;
        }
        WaitsSnapshot {
            cumulative,
            // A wait recorded while this is read may be in a bucket but not yet counted.
            count: self.count.load(Relaxed).max(sum),
            seconds: Duration::from_nanos(self.nanos.load(Relaxed)).as_secs_f64(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_fall_in_the_first_bucket_that_holds_them_and_count_on_up() {
        let waits = Waits::new();
        for micros in [50, 100, 700, 30_000, 4_000_000] {
            waits.record(Duration::from_micros(micros));
        }
        let s = waits.snapshot();
        assert_eq!(s.cumulative, [2, 2, 3, 3, 3, 3, 3, 4, 4, 4]);
        assert_eq!(
            s.count, 5,
            "a wait above the last bound is counted all the same"
        );
        assert!((s.seconds - 4.03085).abs() < 1e-9, "{}", s.seconds);
    }
}
