//! The response clock over a long stretch: a deadline 2,000 office hours out, in a calendar
//! with lunch breaks and holidays. Run with `make bench`.
//!
//! A plain timing loop (no benchmark framework): it warms up, then times batches of calls and
//! reports the fastest and the median time per call.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc, Weekday};
use fleetdesk_domain::calendar::{Calendar, Holiday, response_deadline, weekdays};

const OFFICE_MINUTES: u32 = 2_000 * 60;
const BATCH: u32 = 20;
const BATCHES: usize = 50;

fn calendar() -> Calendar {
    use Weekday::*;
    let week = weekdays(&[Mon, Tue, Wed, Thu, Fri], &[(8, 0, 12, 0), (13, 0, 17, 0)]);
    let yearly = [
        (1, 1),
        (1, 6),
        (5, 1),
        (6, 6),
        (12, 24),
        (12, 25),
        (12, 26),
        (12, 31),
    ]
    .map(|(month, day)| Holiday::Yearly { month, day });
    let dated = [
        "2027-03-26",
        "2027-03-29",
        "2027-05-06",
        "2027-06-25",
        "2028-04-14",
    ]
    .map(|d| {
        d.parse()
            .map(Holiday::Date)
            .unwrap_or_else(|e| panic!("{d}: {e}"))
    });
    let holidays = yearly.into_iter().chain(dated);
    Calendar::new(chrono_tz::Europe::Stockholm, week, holidays)
        .unwrap_or_else(|e| panic!("the benchmark calendar is valid: {e}"))
}

fn main() {
    let calendar = calendar();
    // Friday evening: the clock starts on Monday and runs for about a year of office days.
    let opened = Utc.with_ymd_and_hms(2026, 11, 20, 18, 30, 0).single();
    let Some(opened) = opened else {
        panic!("a valid instant");
    };
    let clock = response_deadline(&calendar, opened, OFFICE_MINUTES)
        .unwrap_or_else(|e| panic!("a deadline exists: {e}"));
    let days = (clock.deadline - clock.clock_start).num_days();
    println!(
        "response_deadline, {} office hours: clock start {}, deadline {} ({days} calendar days, {} counted periods, {} holidays skipped)",
        OFFICE_MINUTES / 60,
        clock.clock_start,
        clock.deadline,
        clock.counted.len(),
        clock.skipped_holidays.len(),
    );

    let warm_until = Instant::now() + Duration::from_millis(300);
    while Instant::now() < warm_until {
        black_box(response_deadline(&calendar, black_box(opened), OFFICE_MINUTES).ok());
    }
    let mut per_call: Vec<Duration> = (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..BATCH {
                black_box(response_deadline(&calendar, black_box(opened), OFFICE_MINUTES).ok());
            }
            start.elapsed() / BATCH
        })
        .collect();
    per_call.sort();
    println!(
        "time per call over {} calls: fastest {:?}, median {:?}, slowest batch {:?}",
        BATCH as usize * BATCHES,
        per_call[0],
        per_call[BATCHES / 2],
        per_call[BATCHES - 1],
    );
}
