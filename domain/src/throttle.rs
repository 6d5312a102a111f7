//! Slowing down password guessing: after a few free failures, each further failure blocks
//! the key (an address, or a client) for longer, up to a cap. Blocks always end, and a
//! quiet window forgets old failures, so the real user is never locked out for good.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed in a window before blocking starts.
    pub free_failures: u32,
    /// Failures older than this (counted from the window's first) are forgotten.
    pub window: Duration,
    /// The first block; each further failure doubles it.
    pub base_block: Duration,
    pub max_block: Duration,
}

impl ThrottlePolicy {
    /// Sign-ins for one address from one client: the strict limit.
    pub const PER_ADDRESS_AND_CLIENT: ThrottlePolicy = ThrottlePolicy {
        free_failures: 5,
        window: Duration::minutes(15),
        base_block: Duration::seconds(30),
        max_block: Duration::minutes(15),
    };
    /// Sign-ins for one address from anywhere: a higher ceiling, so a stranger elsewhere
    /// cannot lock the user out of their own client for long, yet guessing from many
    /// clients is still bounded.
    pub const PER_ADDRESS: ThrottlePolicy = ThrottlePolicy {
        free_failures: 50,
        window: Duration::minutes(15),
        base_block: Duration::seconds(30),
        max_block: Duration::minutes(15),
    };
    /// For one client address: an office behind one NAT signs in often, so more are free.
    pub const PER_CLIENT: ThrottlePolicy = ThrottlePolicy {
        free_failures: 30,
        window: Duration::minutes(15),
        base_block: Duration::seconds(30),
        max_block: Duration::minutes(15),
    };
    /// Unauthenticated mails (registration, resent confirmations) to one address: a few an hour.
    pub const MAILS_PER_ADDRESS: ThrottlePolicy = ThrottlePolicy {
        free_failures: 3,
        window: Duration::hours(1),
        base_block: Duration::hours(1),
        max_block: Duration::hours(1),
    };
    /// Unauthenticated mails requested by one client, to any addresses: enough for an office
    /// registering its people, too few to use fleetdesk as a mail cannon.
    pub const MAILS_PER_CLIENT: ThrottlePolicy = ThrottlePolicy {
        free_failures: 100,
        window: Duration::hours(1),
        base_block: Duration::hours(1),
        max_block: Duration::hours(1),
    };
}

/// Failures of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleState {
    pub failures: u32,
    pub window_started: DateTime<Utc>,
    pub blocked_until: Option<DateTime<Utc>>,
}

/// How long the key must still wait, if it is blocked at `now`.
pub fn blocked_for(state: Option<&ThrottleState>, now: DateTime<Utc>) -> Option<Duration> {
    let until = state?.blocked_until?;
    (until > now).then(|| until - now)
}

/// The state after one more failure at `now`.
pub fn after_failure(
    policy: &ThrottlePolicy,
    state: Option<&ThrottleState>,
    now: DateTime<Utc>,
) -> ThrottleState {
    let fresh = ThrottleState {
        failures: 0,
        window_started: now,
        blocked_until: None,
    };
    let current = match state {
        Some(s)
            if now - s.window_started <= policy.window || blocked_for(Some(s), now).is_some() =>
        {
            *s
        }
        _ => fresh,
    };
    let failures = current.failures.saturating_add(1);
    let blocked_until = (failures > policy.free_failures).then(|| {
        let doublings = (failures - policy.free_failures - 1).min(20);
        let block = policy.base_block * 2i32.pow(doublings);
        now + block.min(policy.max_block)
    });
    ThrottleState {
        failures,
        window_started: current.window_started,
        blocked_until,
    }
}

/// What claiming one attempt decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The attempt may be evaluated; it is counted already (as a failure until refunded).
    Allowed(ThrottleState),
    /// The key is blocked: nothing changes, wait this long.
    Blocked(Duration),
    /// This attempt is past the free ones: it is not evaluated, and the key is blocked from
    /// now on (store the state).
    Refused(ThrottleState, Duration),
}

/// Counts one attempt at `now` *before* it is evaluated, so simultaneous attempts cannot
/// all slip through between a check and a later count: of any number of attempts in a
/// window, at most `free_failures` are ever allowed.
pub fn claim(policy: &ThrottlePolicy, state: Option<&ThrottleState>, now: DateTime<Utc>) -> Claim {
    if let Some(wait) = blocked_for(state, now) {
        return Claim::Blocked(wait);
    }
    let next = after_failure(policy, state, now);
    match blocked_for(Some(&next), now) {
        Some(wait) => Claim::Refused(next, wait),
        None => Claim::Allowed(next),
    }
}

/// An allowed attempt that succeeded does not count against the key.
pub fn refund(state: &ThrottleState) -> ThrottleState {
    ThrottleState {
        failures: state.failures.saturating_sub(1),
        ..*state
    }
}

/// A steady request rate with bursts (the generic cell rate algorithm): `per_minute`
/// requests are admitted at once, and then one every `60 s / per_minute`. The state is one
/// instant per key, the theoretical arrival time of its next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_minute: u32,
}

impl Rate {
    fn interval(self) -> Duration {
        Duration::microseconds(60_000_000 / i64::from(self.per_minute.max(1)))
    }

    /// Admits a request at `now` given the key's state: the new state, or how long to wait.
    pub fn admit(
        self,
        tat: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, Duration> {
        let interval = self.interval();
        let tolerance = Duration::minutes(1) - interval;
        let tat = tat.map_or(now, |t| t.max(now));
        let wait = tat - now - tolerance;
        if wait > Duration::zero() {
            Err(wait)
        } else {
            Ok(tat + interval)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn a_rate_admits_its_burst_then_one_per_interval() {
        let rate = Rate { per_minute: 6 };
        let mut tat = None;
        for _ in 0..6 {
            tat = Some(rate.admit(tat, at(0)).unwrap());
        }
        assert_eq!(rate.admit(tat, at(0)), Err(Duration::seconds(10)));
        assert_eq!(rate.admit(tat, at(9)), Err(Duration::seconds(1)));
        let after = rate.admit(tat, at(10)).unwrap();
        assert!(rate.admit(Some(after), at(10)).is_err());
        // A quiet minute gives the whole burst back.
        let mut tat = Some(after);
        for _ in 0..6 {
            tat = Some(rate.admit(tat, at(75)).unwrap());
        }
        assert!(rate.admit(tat, at(75)).is_err());
    }

    proptest! {
        /// However requests arrive, no minute admits more than the rate's burst plus the
        /// requests its refill allows, and a refused one is told a wait that then admits it.
        #[test]
        fn no_window_of_a_minute_admits_more_than_twice_the_rate(
            per_minute in 1u32..120,
            gaps in proptest::collection::vec(0i64..3_000, 1..400),
        ) {
            let rate = Rate { per_minute };
            let mut tat = None;
            let mut now = at(0);
            let mut admitted = Vec::new();
            for gap in gaps {
                now += Duration::milliseconds(gap);
                match rate.admit(tat, now) {
                    Ok(next) => { tat = Some(next); admitted.push(now); }
                    Err(wait) => {
                        prop_assert!(wait > Duration::zero());
                        prop_assert!(rate.admit(tat, now + wait).is_ok());
                    }
                }
            }
            for (i, start) in admitted.iter().enumerate() {
                let in_minute = admitted[i..].iter().take_while(|t| **t < *start + Duration::minutes(1)).count();
                prop_assert!(in_minute <= 2 * per_minute as usize, "{} in a minute at {}/min", in_minute, per_minute);
            }
        }
    }

    #[test]
    fn blocks_start_after_the_free_failures_and_double() {
        let p = ThrottlePolicy::PER_ADDRESS_AND_CLIENT;
        let mut state = None;
        for _ in 0..5 {
            state = Some(after_failure(&p, state.as_ref(), at(0)));
            assert_eq!(blocked_for(state.as_ref(), at(0)), None);
        }
        state = Some(after_failure(&p, state.as_ref(), at(0)));
        assert_eq!(
            blocked_for(state.as_ref(), at(0)),
            Some(Duration::seconds(30))
        );
        state = Some(after_failure(&p, state.as_ref(), at(0)));
        assert_eq!(
            blocked_for(state.as_ref(), at(0)),
            Some(Duration::seconds(60))
        );
        assert_eq!(blocked_for(state.as_ref(), at(60)), None, "a block ends");
    }

    #[test]
    fn a_quiet_window_forgets() {
        let p = ThrottlePolicy::PER_ADDRESS_AND_CLIENT;
        let mut state = None;
        for _ in 0..7 {
            state = Some(after_failure(&p, state.as_ref(), at(0)));
        }
        let later = after_failure(&p, state.as_ref(), at(3600));
        assert_eq!(later.failures, 1);
        assert_eq!(later.blocked_until, None);
    }

    /// Claims one attempt, storing what the claim says to store.
    fn step(p: &ThrottlePolicy, state: &mut Option<ThrottleState>, now: DateTime<Utc>) -> bool {
        match claim(p, state.as_ref(), now) {
            Claim::Allowed(next) => {
                *state = Some(next);
                true
            }
            Claim::Refused(next, _) => {
                *state = Some(next);
                false
            }
            Claim::Blocked(_) => false,
        }
    }

    #[test]
    fn claims_allow_the_free_attempts_then_refuse_and_refunds_give_back() {
        let p = ThrottlePolicy::PER_ADDRESS_AND_CLIENT;
        let mut state = None;
        let allowed = (0..30).filter(|_| step(&p, &mut state, at(0))).count();
        assert_eq!(allowed, 5);
        assert_eq!(
            blocked_for(state.as_ref(), at(0)),
            Some(Duration::seconds(30)),
            "refused attempts beyond the first do not lengthen the block"
        );
        // Successes are refunded: a user who signs in often is never blocked.
        let mut state = None;
        for _ in 0..100 {
            assert!(step(&p, &mut state, at(0)));
            state = state.as_ref().map(refund);
        }
    }

    proptest! {
        /// However attempts interleave in time, no more than the free ones are allowed in a
        /// window.
        #[test]
        fn claims_never_allow_more_than_the_free_attempts_per_window(
            times in proptest::collection::vec(0i64..900, 1..100)
        ) {
            let p = ThrottlePolicy::PER_ADDRESS_AND_CLIENT;
            let mut sorted = times;
            sorted.sort_unstable();
            let mut state = None;
            let allowed = sorted.iter().filter(|t| step(&p, &mut state, at(**t))).count();
            prop_assert!(allowed <= p.free_failures as usize);
        }

        /// However many failures, a block never exceeds the cap: nobody is locked out for good.
        #[test]
        fn blocks_are_capped(times in proptest::collection::vec(0i64..100_000, 1..200)) {
            let p = ThrottlePolicy::PER_ADDRESS;
            let mut sorted = times;
            sorted.sort_unstable();
            let mut state = None;
            for t in sorted {
                let next = after_failure(&p, state.as_ref(), at(t));
                if let Some(wait) = blocked_for(Some(&next), at(t)) {
                    prop_assert!(wait <= p.max_block);
                }
                state = Some(next);
            }
        }
    }
}
