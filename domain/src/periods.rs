//! Reading periods: the months meter readings are billed by. An account's period closes on
//! its closing day (1–28; the last day of the month unless customer service set one) and
//! the next opens the day after. Readings count by their local day. A reminder is due in the
//! last days before a period closes, for each device not yet read in it.

use std::fmt;

use chrono::{Datelike, Days, NaiveDate};

use crate::Invalid;
use crate::Message;
use crate::readings::{Entry, EntryKind, usage};

/// The latest closing day an account may choose: every month has it.
pub const LAST_CLOSING_DAY: u32 = 28;

/// The day of the month a period closes: a fixed day, or the month's last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClosingDay {
    #[default]
    MonthEnd,
    /// 1 to [`LAST_CLOSING_DAY`].
    Day(u32),
}

impl ClosingDay {
    /// `None` is the month's end; otherwise 1 to 28.
    pub fn parse(day: Option<i64>) -> Result<Self, Invalid> {
        match day {
            None => Ok(ClosingDay::MonthEnd),
            Some(d) if (1..=i64::from(LAST_CLOSING_DAY)).contains(&d) => {
                Ok(ClosingDay::Day(d.unsigned_abs() as u32))
            }
            Some(_) => Err(Invalid::new(
                "closing_day",
                Message::new("invalid-closing-day").with("max", LAST_CLOSING_DAY),
            )),
        }
    }

    /// As stored and shown: the day, or `None` for the month's end.
    pub fn day(self) -> Option<u32> {
        match self {
            ClosingDay::MonthEnd => None,
            ClosingDay::Day(d) => Some(d),
        }
    }
}

/// A reading period, named by the month it closes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    month: u32,
}

impl Period {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1..=12).contains(&month) && (1..=9999).contains(&year)).then_some(Self { year, month })
    }

    /// `YYYY-MM`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let invalid = || Invalid::new("period", Message::new("invalid-must-month-yyyy-mm"));
        let (y, m) = s.split_once('-').ok_or_else(invalid)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(invalid());
        }
        let year = y.parse().map_err(|_| invalid())?;
        let month = m.parse().map_err(|_| invalid())?;
        Period::new(year, month).ok_or_else(invalid)
    }

    fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The period's last day (included).
    pub fn closes(self, closing: ClosingDay) -> NaiveDate {
        let first = self.first_day();
        match closing {
            ClosingDay::Day(d) => first + Days::new(u64::from(d - 1)),
            ClosingDay::MonthEnd => self.next().first_day().pred_opt().unwrap_or(NaiveDate::MIN),
        }
    }

    /// The period's first day: the day after the previous period closed.
    pub fn opens(self, closing: ClosingDay) -> NaiveDate {
        let closed = self.previous().closes(closing);
        closed.succ_opt().unwrap_or(closed)
    }

    /// The period `day` belongs to.
    pub fn containing(day: NaiveDate, closing: ClosingDay) -> Self {
        let same_month = Self {
            year: day.year(),
            month: day.month(),
        };
        if day > same_month.closes(closing) {
            same_month.next()
        } else {
            same_month
        }
    }

    /// Is a reminder due on `today` for this period: from `days` before it closes until it
    /// closes?
    pub fn reminder_due(self, closing: ClosingDay, today: NaiveDate, days: u32) -> bool {
        let closes = self.closes(closing);
        let from = closes
            .checked_sub_days(Days::new(u64::from(days)))
            .unwrap_or(NaiveDate::MIN);
        (from..=closes).contains(&today)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// One meter of one device over a period, as billing takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterUsage {
    pub meter: String,
    /// The count when the period opened (after the last entry before it); `None` when the
    /// device had no entry before the period.
    pub opening: Option<i64>,
    /// The count when the period closed (after its last entry up to then).
    pub closing: Option<i64>,
    /// What the meter counted in the period, across resets, replacements and corrections:
    /// not always `closing - opening`.
    pub usage: i64,
}

/// What billing needs of one device's history over `from..=to`: per meter, the opening and
/// closing counts and the usage. `entries` must be in order and may run past `to`.
pub fn meter_usage(
    entries: &[Entry],
    meters: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<MeterUsage> {
    let before = entries.iter().rfind(|e| e.day < from);
    let until = entries.iter().rfind(|e| e.day <= to);
    let used = usage(entries, meters, from, to);
    meters
        .iter()
        .map(|meter| MeterUsage {
            meter: meter.clone(),
            opening: before.and_then(|e| e.values.get(meter).copied()),
            closing: until.and_then(|e| e.values.get(meter).copied()),
            usage: used.get(meter).copied().unwrap_or(0),
        })
        .collect()
}

/// The readings and corrections of `from..=to`, counted.
pub fn entries_in(entries: &[Entry], from: NaiveDate, to: NaiveDate) -> (usize, usize) {
    let inside = entries.iter().filter(|e| e.day >= from && e.day <= to);
    inside.fold((0, 0), |(readings, corrections), e| match e.kind {
        EntryKind::Reading => (readings + 1, corrections),
        EntryKind::Correction { .. } => (readings, corrections + 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    #[test]
    fn a_period_runs_from_the_day_after_the_last_closing_to_its_own() {
        assert_eq!(p("2026-03").opens(ClosingDay::MonthEnd), d(2026, 3, 1));
        assert_eq!(p("2026-03").closes(ClosingDay::MonthEnd), d(2026, 3, 31));
        assert_eq!(p("2028-02").closes(ClosingDay::MonthEnd), d(2028, 2, 29));
        assert_eq!(p("2026-03").opens(ClosingDay::Day(20)), d(2026, 2, 21));
        assert_eq!(p("2026-03").closes(ClosingDay::Day(20)), d(2026, 3, 20));
        assert_eq!(p("2026-01").opens(ClosingDay::Day(20)), d(2025, 12, 21));
        assert_eq!(
            Period::containing(d(2026, 3, 21), ClosingDay::Day(20)),
            p("2026-04")
        );
        assert_eq!(
            Period::containing(d(2026, 12, 25), ClosingDay::Day(20)),
            p("2027-01")
        );
        assert_eq!(p("2026-03").to_string(), "2026-03");
    }

    #[test]
    fn periods_and_closing_days_parse_strictly() {
        for bad in [
            "2026-3",
            "2026-13",
            "26-03",
            "2026-00",
            "2026/03",
            "",
            "2026-03-01",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(ClosingDay::parse(None), Ok(ClosingDay::MonthEnd));
        assert_eq!(ClosingDay::parse(Some(28)), Ok(ClosingDay::Day(28)));
        for bad in [0, 29, 31, -1] {
            assert!(ClosingDay::parse(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_reminder_is_due_in_the_last_days_before_the_close() {
        let march = p("2026-03");
        let due = |day| march.reminder_due(ClosingDay::MonthEnd, d(2026, 3, day), 3);
        assert!(!due(27));
        assert!(due(28));
        assert!(due(31));
        assert!(!march.reminder_due(ClosingDay::MonthEnd, d(2026, 4, 1), 3));
    }

    #[test]
    fn a_reset_in_the_period_is_billed_across() {
        use crate::readings::{CorrectionKind, MeterValues};
        use chrono::TimeZone;
        let black = |v: i64| MeterValues::from([("black".to_owned(), v)]);
        let entry = |day: NaiveDate, kind, v| Entry {
            at: chrono::Utc.from_utc_datetime(&day.and_hms_opt(10, 0, 0).unwrap()),
            day,
            kind,
            values: black(v),
        };
        let entries = [
            entry(d(2026, 2, 27), EntryKind::Reading, 1000),
            entry(d(2026, 3, 10), EntryKind::Reading, 1500),
            entry(
                d(2026, 3, 15),
                EntryKind::Correction {
                    kind: CorrectionKind::MeterReset,
                    final_values: black(1800),
                },
                0,
            ),
            entry(d(2026, 3, 31), EntryKind::Reading, 300),
            entry(d(2026, 4, 2), EntryKind::Reading, 400),
        ];
        let march = p("2026-03");
        let (from, to) = (
            march.opens(ClosingDay::MonthEnd),
            march.closes(ClosingDay::MonthEnd),
        );
        let meters = ["black".to_owned()];
        assert_eq!(
            meter_usage(&entries, &meters, from, to),
            [MeterUsage {
                meter: "black".into(),
                opening: Some(1000),
                closing: Some(300),
                usage: 500 + 300 + 300,
            }]
        );
        assert_eq!(entries_in(&entries, from, to), (2, 1));
        let first = meter_usage(&entries[1..], &meters, from, to);
        assert_eq!(first[0].opening, None, "no count before the period");
    }

    proptest! {
        /// Every day belongs to exactly one period, and consecutive periods abut.
        #[test]
        fn periods_tile_the_calendar(
            offset in 0u64..20_000,
            closing in proptest::option::of(1i64..=28),
        ) {
            let closing = ClosingDay::parse(closing).unwrap();
            let day = d(2000, 1, 1) + Days::new(offset);
            let period = Period::containing(day, closing);
            prop_assert!(period.opens(closing) <= day && day <= period.closes(closing));
            prop_assert_eq!(period.closes(closing).succ_opt().unwrap(), period.next().opens(closing));
            prop_assert_eq!(Period::parse(&period.to_string()).unwrap(), period);
        }
    }
}
