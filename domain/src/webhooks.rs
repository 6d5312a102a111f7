//! Webhooks' rules: where a delivery may go (public addresses only, outside development), and
//! when a failed delivery is tried again — backing off, with jitter, for a bounded window.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, Duration, Utc};

crate::label!(
    /// Where one delivery stands.
    pub enum DeliveryStatus as "DeliveryStatus", "delivery status" {
        Pending = "pending",
        Delivered = "delivered",
        /// Given up after the retry window.
        Failed = "failed",
    }
);

/// May a delivery connect to `ip`? Only to a public unicast address: never loopback, private
/// (RFC 1918, unique-local), link-local (where cloud metadata services answer), shared
/// (carrier-grade NAT), multicast, documentation, benchmarking or reserved ranges — nor to an
/// IPv6 address that embeds one of those IPv4 addresses.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let special = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (100.64.0.0/10), where some clouds answer metadata requests.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments (192.0.0.0/24) and benchmarking (198.18.0.0/15).
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        // Reserved (240.0.0.0/4).
        || a >= 240;
    !special
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address: judge that one.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return is_public_v4(Ipv4Addr::from((u32::from(s[6]) << 16) | u32::from(s[7])));
    }
    if s[0] == 0x2002 {
        return is_public_v4(Ipv4Addr::from((u32::from(s[1]) << 16) | u32::from(s[2])));
    }
    let special = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local (fc00::/7), where some clouds answer metadata requests, link-local
        // (fe80::/10), documentation (2001:db8::/32), the old IPv4-compatible (::/96) and
        // discard-only (100::/64) ranges.
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || s[0..6] == [0, 0, 0, 0, 0, 0]
        || s[0..4] == [0x100, 0, 0, 0];
    !special
}

/// When failed deliveries are tried again: `base` after the first failure, doubling up to
/// `max`, each delay jittered down by up to half so that many failing subscriptions do not
/// retry in step; after `window` from the delivery's creation it is given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub max: Duration,
    pub window: Duration,
}

impl RetryPolicy {
    /// After failed attempt number `attempts` (1 for the first) at `now` of a delivery made
    /// at `created`: when to try again, or `None` to give up. `jitter` is in `[0, 1)`.
    pub fn next_attempt(
        &self,
        attempts: u32,
        created: DateTime<Utc>,
        now: DateTime<Utc>,
        jitter: f64,
    ) -> Option<DateTime<Utc>> {
        let give_up_at = created + self.window;
        if now >= give_up_at {
            return None;
        }
        let doublings = attempts.saturating_sub(1).min(30);
        let full = self
            .base
            .checked_mul(1 << doublings)
            .map_or(self.max, |d| d.min(self.max));
        let jitter = jitter.clamp(0.0, 1.0);
        // Whole milliseconds: a delay of up to half of `full` is taken off.
        let off = (full.num_milliseconds() as f64 * jitter / 2.0) as i64;
        let delay = (full - Duration::milliseconds(off)).max(Duration::milliseconds(1));
        Some((now + delay).min(give_up_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_public_unicast_addresses_are_targets() {
        for public in [
            "93.184.215.14",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:93.184.215.14",
            "2002:5db8:d70e::1",
        ] {
            assert!(is_public(ip(public)), "{public}");
        }
        for special in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.100.100.200",
            "192.0.0.170",
            "192.0.2.1",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::1",
            "::127.0.0.1",
        ] {
            assert!(!is_public(ip(special)), "{special}");
        }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            base: Duration::seconds(10),
            max: Duration::hours(1),
            window: Duration::hours(24),
        }
    }

    #[test]
    fn retries_back_off_and_end_with_the_window() {
        let created = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let p = policy();
        assert_eq!(
            p.next_attempt(1, created, created, 0.0),
            Some(created + Duration::seconds(10))
        );
        assert_eq!(
            p.next_attempt(3, created, created, 0.0),
            Some(created + Duration::seconds(40))
        );
        assert_eq!(
            p.next_attempt(3, created, created, 0.999),
            Some(created + Duration::milliseconds(20_020))
        );
        assert_eq!(
            p.next_attempt(40, created, created, 0.0),
            Some(created + Duration::hours(1))
        );
        // The last try falls on the window's end; after it, none.
        let late = created + Duration::hours(23) + Duration::minutes(50);
        assert_eq!(
            p.next_attempt(20, created, late, 0.0),
            Some(created + Duration::hours(24))
        );
        assert_eq!(
            p.next_attempt(21, created, created + Duration::hours(24), 0.0),
            None
        );
    }

    proptest! {
        /// A retry is always later than the failure and never after the window; a delivery
        /// failing at every try is given up within the window plus one attempt.
        #[test]
        fn retries_stay_inside_the_window(
            jitters in proptest::collection::vec(0.0f64..1.0, 1..200),
        ) {
            let created = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
            let p = policy();
            let mut now = created;
            let mut attempts = 0;
            for jitter in jitters {
                attempts += 1;
                match p.next_attempt(attempts, created, now, jitter) {
                    Some(next) => {
                        prop_assert!(next > now);
                        prop_assert!(next <= created + p.window);
                        prop_assert!(next - now <= p.max);
                        now = next;
                    }
                    None => {
                        prop_assert!(now >= created + p.window);
                        return Ok(());
                    }
                }
            }
        }
    }
}
