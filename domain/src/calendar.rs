//! Business time: an account's office hours, holidays and time zone, and the response clock
//! of a service case counted in office time.
//!
//! The arithmetic walks days, not minutes, and whole weeks at a time where a week has no
//! holiday and no clock change: then one UTC offset places all its office hours. Every instant
//! is UTC; elsewhere local times are converted per day in the calendar's zone, so
//! daylight-saving changes are handled where they happen and the server's own time zone never
//! matters.

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, Days, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;

use crate::Invalid;
use crate::Message;

/// Office hours of one interval of a day, local time, `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// A public holiday: one date, or the same day every year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Holiday {
    Date(NaiveDate),
    Yearly { month: u32, day: u32 },
}

impl Holiday {
    fn falls_on(self, date: NaiveDate) -> bool {
        match self {
            Holiday::Date(d) => d == date,
            Holiday::Yearly { month, day } => date.month() == month && date.day() == day,
        }
    }
}

/// An account's business calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    tz: Tz,
    /// Monday first.
    week: [Vec<Interval>; 7],
    holidays: BTreeSet<Holiday>,
    /// Office minutes in a week without holidays.
    week_minutes: i64,
    /// The yearly holidays as bits, for a quick test: day `d` of month `m` is bit
    /// `(m % 2) * 32 + d` of word `m / 2`.
    yearly_mask: [u64; 7],
    /// The holidays of one date, sorted.
    dated: Vec<NaiveDate>,
}

/// A calendar must leave some office time in any stretch this long, or no deadline exists.
const MAX_DAYS_SEARCHED: u64 = 3 * 366;

impl Calendar {
    /// `week[0]` is Monday. Each day's intervals must not overlap; the week needs office hours.
    pub fn new(
        tz: Tz,
        week: [Vec<Interval>; 7],
        holidays: impl IntoIterator<Item = Holiday>,
    ) -> Result<Self, Invalid> {
        let mut week = week;
        for (i, day) in week.iter_mut().enumerate() {
            day.sort();
            if day.iter().any(|iv| iv.start >= iv.end) {
                return Err(Invalid::new(
                    "office_hours",
                    Message::new("invalid-interval-backwards").with("day", i + 1),
                ));
            }
            if day.windows(2).any(|w| w[0].end > w[1].start) {
                return Err(Invalid::new(
                    "office_hours",
                    Message::new("invalid-intervals-overlap").with("day", i + 1),
                ));
            }
        }
        if week.iter().all(Vec::is_empty) {
            return Err(Invalid::new(
                "office_hours",
                Message::new("invalid-week-no-office-hours"),
            ));
        }
        let holidays: BTreeSet<Holiday> = holidays.into_iter().collect();
        for h in &holidays {
            if let Holiday::Yearly { month, day } = h
                && NaiveDate::from_ymd_opt(2024, *month, *day).is_none()
            {
                return Err(Invalid::new(
                    "holidays",
                    Message::new("invalid-not-a-day")
                        .with("month", month)
                        .with("day", day),
                ));
            }
        }
        let week_minutes = week
            .iter()
            .flatten()
            .map(|iv| (iv.end - iv.start).num_minutes())
            .sum();
        let mut yearly_mask = [0u64; 7];
        for h in &holidays {
            if let Holiday::Yearly { month, day } = *h {
                yearly_mask[month as usize / 2] |= 1 << ((month % 2) * 32 + day);
            }
        }
        let dated = holidays
            .iter()
            .filter_map(|h| match *h {
                Holiday::Date(d) => Some(d),
                Holiday::Yearly { .. } => None,
            })
            .collect();
        Ok(Self {
            tz,
            week,
            holidays,
            week_minutes,
            yearly_mask,
            dated,
        })
    }

    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    fn holiday_on(&self, date: NaiveDate) -> Option<Holiday> {
        let yearly = self.yearly_mask[date.month() as usize / 2]
            & (1 << ((date.month() % 2) * 32 + date.day()))
            != 0;
        if !yearly && self.dated.binary_search(&date).is_err() {
            return None;
        }
        self.holidays.iter().copied().find(|h| h.falls_on(date))
    }

    fn intervals_on(&self, date: NaiveDate) -> &[Interval] {
        &self.week[date.weekday().num_days_from_monday() as usize]
    }

    /// A local time of `date` as an instant. A time the clocks skip (spring forward) is the
    /// first instant after the gap; a time they pass twice (fall back) is its first pass for
    /// a start and its second for an end, so an interval keeps its real length.
    fn instant(&self, date: NaiveDate, time: NaiveTime, is_end: bool) -> DateTime<Utc> {
        let local = NaiveDateTime::new(date, time);
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::Ambiguous(first, second) => {
                if is_end { second } else { first }.with_timezone(&Utc)
            }
            LocalResult::None => {
                // Gaps are whole quarter hours of at most a few hours: find where the day resumes.
                (1..=16)
                    .find_map(|q| {
                        self.tz
                            .from_local_datetime(&(local + Duration::minutes(15 * q)))
                            .earliest()
                    })
                    .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
            }
        }
    }

    /// The office periods of a local date as instants (none on a holiday).
    fn periods_on(&self, date: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        if self.holiday_on(date).is_some() {
            return Vec::new();
        }
        self.intervals_on(date)
            .iter()
            .map(|iv| {
                (
                    self.instant(date, iv.start, false),
                    self.instant(date, iv.end, true),
                )
            })
            .filter(|(s, e)| s < e)
            .collect()
    }

    /// The UTC offset of the seven local days from `date` when the clocks do not change in
    /// them: then each of their office hours is its local time less that offset. The offset is read a little before the first day, in the middle and a
    /// little after the last: two clock changes are never within five days of each other (the
    /// test `clock_changes_are_far_apart` checks the zone data; a week is the closest, in
    /// Gaza's Ramadan rules), so no two fit between neighbouring readings, and three equal
    /// readings mean no change at all.
    fn steady_week(&self, date: NaiveDate) -> Option<chrono::FixedOffset> {
        // Every zone's offset is within ±15 hours of UTC.
        let margin = Duration::hours(15);
        let before = NaiveDateTime::new(date, NaiveTime::MIN).checked_sub_signed(margin)?;
        let after = NaiveDateTime::new(date.checked_add_days(Days::new(7))?, NaiveTime::MIN)
            .checked_add_signed(margin)?;
        let middle = before + (after - before) / 2;
        let offset = self.tz.offset_from_utc_datetime(&before).fix();
        let same = [middle, after]
            .iter()
            .all(|t| self.tz.offset_from_utc_datetime(t).fix() == offset);
        same.then_some(offset)
    }

    /// Is `at` within office hours (start included, end included)?
    pub fn is_office_time(&self, at: DateTime<Utc>) -> bool {
        let date = at.with_timezone(&self.tz).date_naive();
        [date.pred_opt(), Some(date)]
            .into_iter()
            .flatten()
            .flat_map(|d| self.periods_on(d))
            .any(|(s, e)| s <= at && at <= e)
    }
}

/// Why the clock started when it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartReason {
    /// Opened during office hours: the clock started at once.
    OpenedInOfficeHours,
    /// Opened outside office hours: the clock started at the next opening.
    NextOpening,
}

/// Office time counted toward a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub minutes: i64,
}

/// A deadline and how it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseClock {
    pub opened: DateTime<Utc>,
    pub clock_start: DateTime<Utc>,
    pub start_reason: StartReason,
    pub deadline: DateTime<Utc>,
    pub counted: Vec<Counted>,
    /// Holidays between the start and the deadline that had office hours by weekday.
    pub skipped_holidays: Vec<(NaiveDate, Holiday)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("the calendar leaves no office time within three years")]
    NoOfficeTime,
}

impl ClockError {
    /// The refusal as a person reads it.
    pub fn message(&self) -> crate::Message {
        match self {
            ClockError::NoOfficeTime => crate::Message::new("clock-no-office-time"),
        }
    }
}

/// The response deadline of a case opened at `opened` with `minutes` of office time to
/// respond in, counted from the next office period (or at once, inside office hours).
pub fn response_deadline(
    calendar: &Calendar,
    opened: DateTime<Utc>,
    minutes: u32,
) -> Result<ResponseClock, ClockError> {
    walk(calendar, opened, minutes, true)
}

/// The response clock's walk: day by day, and by whole weeks where `whole_weeks` allows
/// (always, but in the test that compares both ways).
fn walk(
    calendar: &Calendar,
    opened: DateTime<Utc>,
    minutes: u32,
    whole_weeks: bool,
) -> Result<ResponseClock, ClockError> {
    let mut remaining = i64::from(minutes);
    let mut cursor = opened;
    let mut clock_start = None;
    let mut counted = Vec::new();
    let mut skipped_holidays = Vec::new();
    let opened_day = opened.with_timezone(&calendar.tz).date_naive();
    // Start the day before: a period that began yesterday (local) may still be running.
    let first = opened_day.pred_opt().unwrap_or(NaiveDate::MIN);
    let mut offset = 0;
    while offset < MAX_DAYS_SEARCHED {
        let Some(date) = first.checked_add_days(Days::new(offset)) else {
            break;
        };
        // A whole week that ends before the deadline (it has no more office time than a week
        // without holidays) and needs no conversion per day: it starts after the day the case
        // was opened, so all of it lies after `cursor`.
        if whole_weeks
            && date > opened_day
            && remaining > calendar.week_minutes
            && let Some(utc_offset) = calendar.steady_week(date)
        {
            let local_minus_utc = i64::from(utc_offset.local_minus_utc());
            for day in 0..7 {
                let Some(d) = date.checked_add_days(Days::new(day)) else {
                    break;
                };
                let intervals = calendar.intervals_on(d);
                if intervals.is_empty() {
                    continue;
                }
                if let Some(holiday) = calendar.holiday_on(d) {
                    skipped_holidays.push((d, holiday));
                    continue;
                }
                for iv in intervals {
                    let (start, end) = (
                        i64::from(iv.start.num_seconds_from_midnight()),
                        i64::from(iv.end.num_seconds_from_midnight()),
                    );
                    // Beyond chrono's calendar (some 260,000 years out): no deadline exists.
                    let (Some(from), Some(to)) = (
                        utc_of(d, start - local_minus_utc),
                        utc_of(d, end - local_minus_utc),
                    ) else {
                        return Err(ClockError::NoOfficeTime);
                    };
                    let minutes = (end - start) / 60;
                    clock_start.get_or_insert(from);
                    counted.push(Counted { from, to, minutes });
                    remaining -= minutes;
                    cursor = to;
                }
            }
            offset += 7;
            continue;
        }
        offset += 1;
        if date >= opened_day
            && !calendar.intervals_on(date).is_empty()
            && let Some(holiday) = calendar.holiday_on(date)
        {
            skipped_holidays.push((date, holiday));
        }
        for (start, end) in calendar.periods_on(date) {
            if end <= cursor {
                continue;
            }
            let from = start.max(cursor);
            clock_start.get_or_insert(from);
            let available = (end - from).num_minutes();
            if remaining <= available {
                let deadline = from + Duration::minutes(remaining);
                counted.push(Counted {
                    from,
                    to: deadline,
                    minutes: remaining,
                });
                let clock_start = clock_start.unwrap_or(from);
                return Ok(ResponseClock {
                    opened,
                    clock_start,
                    start_reason: if clock_start == opened {
                        StartReason::OpenedInOfficeHours
                    } else {
                        StartReason::NextOpening
                    },
                    deadline,
                    counted,
                    skipped_holidays,
                });
            }
            counted.push(Counted {
                from,
                to: end,
                minutes: available,
            });
            remaining -= available;
            cursor = end;
        }
    }
    Err(ClockError::NoOfficeTime)
}

/// The instant `seconds` after the start of `date` in UTC (office hours are whole minutes; a
/// time zone's offset moves an instant at most a day either way).
fn utc_of(date: NaiveDate, seconds: i64) -> Option<DateTime<Utc>> {
    let (date, seconds) = match seconds {
        ..0 => (date.pred_opt()?, seconds + 86_400),
        86_400.. => (date.succ_opt()?, seconds - 86_400),
        _ => (date, seconds),
    };
    let time = NaiveTime::from_num_seconds_from_midnight_opt(u32::try_from(seconds).ok()?, 0)?;
    Some(NaiveDateTime::new(date, time).and_utc())
}

/// Office hours `start`–`end` ("08:00", "17:00") for the given weekdays: a convenience for
/// building calendars.
pub fn weekdays(days: &[Weekday], intervals: &[(u32, u32, u32, u32)]) -> [Vec<Interval>; 7] {
    let mut week: [Vec<Interval>; 7] = Default::default();
    for day in days {
        week[day.num_days_from_monday() as usize] = intervals
            .iter()
            .filter_map(|&(h1, m1, h2, m2)| {
                Some(Interval {
                    start: NaiveTime::from_hms_opt(h1, m1, 0)?,
                    end: NaiveTime::from_hms_opt(h2, m2, 0)?,
                })
            })
            .collect();
    }
    week
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday::*;
    use proptest::prelude::*;

    const WORKDAYS: &[Weekday] = &[Mon, Tue, Wed, Thu, Fri];

    fn nine_to_five(tz: Tz, holidays: Vec<Holiday>) -> Calendar {
        Calendar::new(tz, weekdays(WORKDAYS, &[(9, 0, 17, 0)]), holidays).unwrap()
    }

    fn with_lunch(tz: Tz) -> Calendar {
        Calendar::new(tz, weekdays(WORKDAYS, &[(8, 0, 12, 0), (13, 0, 17, 0)]), []).unwrap()
    }

    /// A local time in `tz` as an instant.
    fn local(tz: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        tz.with_ymd_and_hms(y, m, d, h, min, 0)
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    }

    const STOCKHOLM: Tz = chrono_tz::Europe::Stockholm;
    const NEW_YORK: Tz = chrono_tz::America::New_York;

    #[test]
    fn friday_evening_with_eight_office_hours_is_due_monday() {
        let cal = nine_to_five(STOCKHOLM, vec![]);
        // Friday 2026-11-20 18:00: after hours, so the clock starts Monday 09:00.
        let clock = response_deadline(&cal, local(STOCKHOLM, 2026, 11, 20, 18, 0), 8 * 60).unwrap();
        assert_eq!(clock.start_reason, StartReason::NextOpening);
        assert_eq!(clock.clock_start, local(STOCKHOLM, 2026, 11, 23, 9, 0));
        assert_eq!(clock.deadline, local(STOCKHOLM, 2026, 11, 23, 17, 0));
        assert_eq!(clock.counted.iter().map(|c| c.minutes).sum::<i64>(), 480);
    }

    #[test]
    fn inside_office_hours_the_clock_starts_at_once() {
        let cal = nine_to_five(STOCKHOLM, vec![]);
        let clock =
            response_deadline(&cal, local(STOCKHOLM, 2026, 11, 23, 15, 30), 4 * 60).unwrap();
        assert_eq!(clock.start_reason, StartReason::OpenedInOfficeHours);
        // 1.5 hours on Monday, 2.5 on Tuesday.
        assert_eq!(clock.deadline, local(STOCKHOLM, 2026, 11, 24, 11, 30));
        assert_eq!(clock.counted.len(), 2);
    }

    #[test]
    fn a_tuesday_holiday_is_skipped() {
        // Tuesday 2026-11-24 a holiday; a yearly one on Wednesday the 25th as well.
        let cal = nine_to_five(
            STOCKHOLM,
            vec![
                Holiday::Date(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()),
                Holiday::Yearly { month: 11, day: 25 },
            ],
        );
        let clock = response_deadline(&cal, local(STOCKHOLM, 2026, 11, 23, 16, 0), 2 * 60).unwrap();
        assert_eq!(
            clock.deadline,
            local(STOCKHOLM, 2026, 11, 26, 10, 0),
            "Monday 1 h, then Thursday 1 h"
        );
        let skipped: Vec<NaiveDate> = clock.skipped_holidays.iter().map(|(d, _)| *d).collect();
        assert_eq!(
            skipped,
            vec![
                NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
                NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
            ]
        );
    }

    #[test]
    fn a_lunch_break_does_not_count() {
        let cal = with_lunch(STOCKHOLM);
        let clock = response_deadline(&cal, local(STOCKHOLM, 2026, 11, 23, 11, 0), 2 * 60).unwrap();
        assert_eq!(
            clock.deadline,
            local(STOCKHOLM, 2026, 11, 23, 14, 0),
            "11–12, then 13–14"
        );
        let opened_at_lunch =
            response_deadline(&cal, local(STOCKHOLM, 2026, 11, 23, 12, 30), 30).unwrap();
        assert_eq!(
            opened_at_lunch.clock_start,
            local(STOCKHOLM, 2026, 11, 23, 13, 0)
        );
        assert_eq!(opened_at_lunch.start_reason, StartReason::NextOpening);
    }

    #[test]
    fn daylight_saving_weekends_keep_office_hours_local() {
        for (tz, spring_friday, autumn_friday) in [
            (STOCKHOLM, (2026, 3, 27), (2026, 10, 23)),
            (NEW_YORK, (2026, 3, 6), (2026, 10, 30)),
        ] {
            let cal = nine_to_five(tz, vec![]);
            for (y, m, d) in [spring_friday, autumn_friday] {
                // Friday 16:00 with 2 office hours: 1 on Friday, 1 on Monday, local 10:00
                // whatever the clocks did over the weekend.
                let clock = response_deadline(&cal, local(tz, y, m, d, 16, 0), 120).unwrap();
                let monday = NaiveDate::from_ymd_opt(y, m, d).unwrap() + Days::new(3);
                assert_eq!(
                    clock.deadline,
                    local(tz, monday.year(), monday.month(), monday.day(), 10, 0),
                    "{tz} {y}-{m}-{d}"
                );
                let total: i64 = clock.counted.iter().map(|c| c.minutes).sum();
                assert_eq!(total, 120);
            }
        }
    }

    #[test]
    fn an_interval_across_the_change_keeps_its_real_length() {
        // Office hours 01:00–04:00 on Sunday 2026-03-29 in Stockholm: 02:00–03:00 does not exist.
        let cal = Calendar::new(STOCKHOLM, weekdays(&[Sun], &[(1, 0, 4, 0)]), []).unwrap();
        let clock = response_deadline(&cal, local(STOCKHOLM, 2026, 3, 29, 0, 0), 600).unwrap();
        assert_eq!(
            clock.counted[0].minutes, 120,
            "three local hours, two real ones"
        );
        // And on 2026-10-25 02:00–03:00 happens twice: four real hours.
        let clock = response_deadline(&cal, local(STOCKHOLM, 2026, 10, 25, 0, 0), 600).unwrap();
        assert_eq!(clock.counted[0].minutes, 240);
    }

    #[test]
    fn bad_calendars_are_refused() {
        assert!(Calendar::new(STOCKHOLM, Default::default(), []).is_err());
        assert!(
            Calendar::new(
                STOCKHOLM,
                weekdays(&[Mon], &[(9, 0, 12, 0), (11, 0, 13, 0)]),
                []
            )
            .is_err()
        );
        assert!(Calendar::new(STOCKHOLM, weekdays(&[Mon], &[(12, 0, 9, 0)]), []).is_err());
        assert!(
            Calendar::new(
                STOCKHOLM,
                weekdays(&[Mon], &[(9, 0, 12, 0)]),
                [Holiday::Yearly { month: 2, day: 30 }]
            )
            .is_err()
        );
        // Every day of the year a holiday: no deadline exists, and the search stops.
        let every_day =
            (1..=12).flat_map(|month| (1..=31).map(move |day| Holiday::Yearly { month, day }));
        let every_day: Vec<Holiday> = every_day.filter(|h| matches!(h, Holiday::Yearly { month, day } if NaiveDate::from_ymd_opt(2024, *month, *day).is_some())).collect();
        let never =
            Calendar::new(STOCKHOLM, weekdays(&[Mon], &[(9, 0, 12, 0)]), every_day).unwrap();
        assert_eq!(
            response_deadline(&never, local(STOCKHOLM, 2026, 11, 23, 8, 0), 60),
            Err(ClockError::NoOfficeTime)
        );
    }

    /// What `Calendar::steady_week` relies on: in every zone, two clock changes are more than
    /// five days apart (sampled every six hours over the years deadlines fall in).
    #[test]
    fn clock_changes_are_far_apart() {
        let start = Utc
            .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
            .unwrap()
            .naive_utc();
        let samples = 4 * 366 * 20;
        for tz in chrono_tz::TZ_VARIANTS {
            let mut last_offset = tz.offset_from_utc_datetime(&start).fix();
            let mut last_change: Option<i64> = None;
            for i in 1..samples {
                let at = start + Duration::hours(6 * i);
                let offset = tz.offset_from_utc_datetime(&at).fix();
                if offset != last_offset {
                    if let Some(previous) = last_change {
                        assert!(
                            (i - previous) * 6 > 5 * 24,
                            "{tz}: clock changes {} hours apart near {at}",
                            (i - previous) * 6
                        );
                    }
                    last_change = Some(i);
                    last_offset = offset;
                }
            }
        }
    }

    fn calendars() -> impl Strategy<Value = Calendar> {
        prop_oneof![
            Just(nine_to_five(
                STOCKHOLM,
                vec![
                    Holiday::Yearly { month: 12, day: 25 },
                    Holiday::Yearly { month: 1, day: 1 }
                ]
            )),
            Just(with_lunch(NEW_YORK)),
            Just(
                Calendar::new(
                    chrono_tz::Australia::Sydney,
                    weekdays(&[Mon, Wed, Fri, Sat], &[(7, 30, 11, 0), (12, 0, 15, 45)]),
                    []
                )
                .unwrap()
            ),
            // Clock changes a week apart some years (the Ramadan rules).
            Just(
                Calendar::new(
                    chrono_tz::Asia::Gaza,
                    weekdays(&[Sun, Mon, Tue, Wed, Thu], &[(8, 0, 15, 0)]),
                    []
                )
                .unwrap()
            ),
        ]
    }

    /// Any instant of 2026–2027, DST changes included.
    fn instants() -> impl Strategy<Value = DateTime<Utc>> {
        (0i64..2 * 365 * 24 * 60)
            .prop_map(|m| Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(m))
    }

    proptest! {
        #[test]
        fn the_deadline_lies_in_office_hours(cal in calendars(), opened in instants(), minutes in 1u32..20_000) {
            let clock = response_deadline(&cal, opened, minutes).unwrap();
            prop_assert!(cal.is_office_time(clock.deadline), "{:?}", clock.deadline);
            prop_assert!(cal.is_office_time(clock.clock_start));
            prop_assert_eq!(clock.counted.iter().map(|c| c.minutes).sum::<i64>(), i64::from(minutes));
        }

        #[test]
        fn whole_weeks_count_as_their_days_would(cal in calendars(), opened in instants(), minutes in 1u32..60_000) {
            prop_assert_eq!(
                response_deadline(&cal, opened, minutes),
                walk(&cal, opened, minutes, false)
            );
        }

        #[test]
        fn adding_a_then_b_equals_adding_a_plus_b(cal in calendars(), opened in instants(), a in 1u32..5_000, b in 1u32..5_000) {
            let first = response_deadline(&cal, opened, a).unwrap().deadline;
            let then = response_deadline(&cal, first, b).unwrap().deadline;
            prop_assert_eq!(then, response_deadline(&cal, opened, a + b).unwrap().deadline);
        }

        #[test]
        fn a_later_start_never_gives_an_earlier_deadline(cal in calendars(), t in instants(), later in 0i64..20_000, minutes in 1u32..5_000) {
            let early = response_deadline(&cal, t, minutes).unwrap().deadline;
            let late = response_deadline(&cal, t + Duration::minutes(later), minutes).unwrap().deadline;
            prop_assert!(early <= late);
        }
    }
}
