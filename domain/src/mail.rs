//! Mail delivery rules.

use chrono::Duration;

/// The wait before retrying a mail that failed `attempts` times: doubling from `base`,
/// capped at `cap`, so a long relay outage is retried at least once per `cap`.
pub fn retry_delay(attempts: u32, base: Duration, cap: Duration) -> Duration {
    let doublings = attempts.saturating_sub(1).min(30);
    let factor = 1i64 << doublings;
    base.checked_mul(factor as i32).map_or(cap, |d| d.min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_up_to_the_cap() {
        let (base, cap) = (Duration::seconds(5), Duration::hours(1));
        assert_eq!(retry_delay(1, base, cap), Duration::seconds(5));
        assert_eq!(retry_delay(2, base, cap), Duration::seconds(10));
        assert_eq!(retry_delay(4, base, cap), Duration::seconds(40));
        assert_eq!(retry_delay(30, base, cap), cap);
        assert_eq!(retry_delay(u32::MAX, base, cap), cap);
    }
}
