//! Meter readings, the billing basis.
//!
//! A device's history is a sequence of entries: accepted readings, and customer service's
//! corrections that start a new baseline (a meter reset or replaced, a wrong entry). Every
//! entry holds the value of every meter after it. The rules here decide whether a submission
//! is accepted, and compute consumption over a period across corrections.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// Meter name → count.
pub type MeterValues = BTreeMap<String, i64>;

/// The calendar day of `at` in the device site's time zone: what "once a day" counts.
pub fn local_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrectionKind {
    /// The meter restarted from (near) zero.
    MeterReset,
    /// The meter was replaced by a new one.
    MeterReplaced,
    /// An accepted value was wrong; the correction states the true count.
    WrongEntry,
}

impl CorrectionKind {
    pub const ALL: &'static [CorrectionKind] = &[
        CorrectionKind::MeterReset,
        CorrectionKind::MeterReplaced,
        CorrectionKind::WrongEntry,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MeterReset => "meter-reset",
            Self::MeterReplaced => "meter-replaced",
            Self::WrongEntry => "wrong-entry",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "meter-reset" => Some(Self::MeterReset),
            "meter-replaced" => Some(Self::MeterReplaced),
            "wrong-entry" => Some(Self::WrongEntry),
            _ => None,
        }
    }
}

crate::label!(impl CorrectionKind as "CorrectionKindDto", "correction kind");
crate::label!(serde CorrectionKind);

crate::label!(
    /// What an entry of a device's meter history is: a reading, or a correction (a new
    /// baseline customer service recorded).
    pub enum ReadingKind as "ReadingKind", "reading kind" {
        Reading = "reading",
        Correction = "correction",
    }
);

crate::label!(
    /// Who gave a reading: the customer on the portal, customer service taking it by phone,
    /// or customer service correcting the history.
    pub enum ReadingSource as "ReadingSource", "reading source" {
        Customer = "customer",
        Phone = "phone",
        CustomerService = "customer-service",
    }
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    Reading,
    /// `final_values`: for a reset or replacement, the old meters' last counts where known.
    Correction {
        kind: CorrectionKind,
        final_values: MeterValues,
    },
}

/// One entry of a device's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub day: NaiveDate,
    pub kind: EntryKind,
    pub values: MeterValues,
}

/// Why a submission is refused; each carries the facts a user needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadingError {
    #[error("the device has no meter '{meter}'")]
    UnknownMeter { meter: String },
    #[error("the meter '{meter}' is missing: every meter of the device is read together")]
    MissingMeter { meter: String },
    #[error("the value of '{meter}' must be a whole number of at least 0")]
    InvalidValue { meter: String },
    #[error(
        "'{meter}' is {submitted}, lower than its last accepted value {previous} of {previous_day}"
    )]
    LowerThanPrevious {
        meter: String,
        previous: i64,
        previous_day: NaiveDate,
        submitted: i64,
    },
    #[error("a reading for this device was accepted today ({day}) already")]
    AlreadyToday { day: NaiveDate },
    #[error(
        "'{meter}' rose by {increase} since {previous_day}, more than the model can print in that time (at most {max_increase}); confirm it if it is right"
    )]
    Implausible {
        meter: String,
        previous: i64,
        previous_day: NaiveDate,
        submitted: i64,
        increase: i64,
        max_increase: i64,
    },
}

/// Checks the shape of a submission: exactly the device's meters, whole non-negative numbers.
/// `raw` holds each value as sent, `None` where it was not a whole number.
pub fn parse_values(
    meters: &[String],
    raw: &BTreeMap<String, Option<i64>>,
) -> Result<MeterValues, ReadingError> {
    if let Some(unknown) = raw.keys().find(|m| !meters.contains(m)) {
        return Err(ReadingError::UnknownMeter {
            meter: unknown.clone(),
        });
    }
    if let Some(missing) = meters.iter().find(|m| !raw.contains_key(*m)) {
        return Err(ReadingError::MissingMeter {
            meter: missing.clone(),
        });
    }
    raw.iter()
        .map(|(meter, value)| match value {
            Some(v) if *v >= 0 => Ok((meter.clone(), *v)),
            _ => Err(ReadingError::InvalidValue {
                meter: meter.clone(),
            }),
        })
        .collect()
}

/// What the checks of a reading concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// Implausible, accepted on the submitter's word: customer service should look at it.
    pub flagged: bool,
}

/// Decides a reading of `values` submitted at `now` (local day `today`), given the device's
/// latest entry and the day of its latest accepted reading. `rated_per_minute` bounds how far
/// a meter can plausibly advance; `confirmed` accepts an implausible rise, flagged.
pub fn check_reading(
    values: &MeterValues,
    latest: Option<&Entry>,
    last_reading_day: Option<NaiveDate>,
    today: NaiveDate,
    now: DateTime<Utc>,
    rated_per_minute: i64,
    confirmed: bool,
) -> Result<Accepted, ReadingError> {
    if last_reading_day == Some(today) {
        return Err(ReadingError::AlreadyToday { day: today });
    }
    let Some(latest) = latest else {
        return Ok(Accepted { flagged: false });
    };
    for (meter, &submitted) in values {
        let previous = latest.values.get(meter).copied().unwrap_or(0);
        if submitted < previous {
            return Err(ReadingError::LowerThanPrevious {
                meter: meter.clone(),
                previous,
                previous_day: latest.day,
                submitted,
            });
        }
    }
    let minutes = ((now - latest.at).num_seconds().max(0) + 59) / 60;
    let max_increase = rated_per_minute.saturating_mul(minutes.max(1));
    let implausible = values.iter().find_map(|(meter, &submitted)| {
        let previous = latest.values.get(meter).copied().unwrap_or(0);
        let increase = submitted - previous;
        (increase > max_increase).then(|| ReadingError::Implausible {
            meter: meter.clone(),
            previous,
            previous_day: latest.day,
            submitted,
            increase,
            max_increase,
        })
    });
    match implausible {
        Some(_) if confirmed => Ok(Accepted { flagged: true }),
        Some(refusal) => Err(refusal),
        None => Ok(Accepted { flagged: false }),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrectionError {
    #[error(transparent)]
    Reading(#[from] ReadingError),
    #[error("a correction names at least one meter")]
    NoMeters,
    #[error("final counts belong to a reset or a replacement, not to a wrong entry")]
    FinalValuesNotAllowed,
    #[error("'{meter}' has a final count but is not corrected")]
    FinalOfUncorrectedMeter { meter: String },
}

impl ReadingError {
    /// The refusal as a person reads it.
    pub fn message(&self) -> crate::Message {
        use crate::Message as M;
        match self {
            ReadingError::UnknownMeter { meter } => {
                M::new("reading-unknown-meter").with("meter", meter)
            }
            ReadingError::MissingMeter { meter } => {
                M::new("reading-missing-meter").with("meter", meter)
            }
            ReadingError::InvalidValue { meter } => {
                M::new("reading-invalid-value").with("meter", meter)
            }
            ReadingError::LowerThanPrevious {
                meter,
                previous,
                previous_day,
                submitted,
            } => M::new("reading-lower-than-previous")
                .with("meter", meter)
                .with("submitted", submitted)
                .with("previous", previous)
                .with("previous_day", previous_day),
            ReadingError::AlreadyToday { day } => M::new("reading-already-today").with("day", day),
            ReadingError::Implausible {
                meter,
                previous_day,
                increase,
                max_increase,
                ..
            } => M::new("reading-implausible")
                .with("meter", meter)
                .with("increase", increase)
                .with("previous_day", previous_day)
                .with("max_increase", max_increase),
        }
    }
}

impl CorrectionError {
    /// The refusal as a person reads it.
    pub fn message(&self) -> crate::Message {
        use crate::Message as M;
        match self {
            CorrectionError::Reading(e) => e.message(),
            CorrectionError::NoMeters => M::new("correction-no-meters"),
            CorrectionError::FinalValuesNotAllowed => M::new("correction-final-values"),
            CorrectionError::FinalOfUncorrectedMeter { meter } => {
                M::new("correction-final-of-uncorrected").with("meter", meter)
            }
        }
    }
}

/// Checks a correction: it names some of the device's meters with their new baselines and,
/// for a reset or replacement only, the old meters' final counts (of corrected meters).
/// Returns the new baselines and the final counts.
pub fn parse_correction(
    kind: CorrectionKind,
    meters: &[String],
    values: &BTreeMap<String, Option<i64>>,
    finals: &BTreeMap<String, Option<i64>>,
) -> Result<(MeterValues, MeterValues), CorrectionError> {
    if values.is_empty() {
        return Err(CorrectionError::NoMeters);
    }
    if kind == CorrectionKind::WrongEntry && !finals.is_empty() {
        return Err(CorrectionError::FinalValuesNotAllowed);
    }
    // A correction names only the meters it corrects: check against those it names.
    let named = |raw: &BTreeMap<String, Option<i64>>| -> Vec<String> {
        raw.keys().filter(|m| meters.contains(m)).cloned().collect()
    };
    let corrected = parse_values(&named(values), values)?;
    let final_values = parse_values(&named(finals), finals)?;
    if let Some(meter) = final_values.keys().find(|m| !corrected.contains_key(*m)) {
        return Err(CorrectionError::FinalOfUncorrectedMeter {
            meter: meter.clone(),
        });
    }
    Ok((corrected, final_values))
}

/// The values after a correction: the corrected meters take their new baselines, the others
/// keep their latest counts.
pub fn corrected_values(latest: &MeterValues, corrected: &MeterValues) -> MeterValues {
    let mut out = latest.clone();
    out.extend(corrected.iter().map(|(m, v)| (m.clone(), *v)));
    out
}

/// Consumption per meter over the local days `from..=to`: the sum, over every entry of those
/// days, of what the meter counted since the entry before it. A reading counts its rise; a
/// reset or replacement counts the old meter's rise up to its last known count and then
/// starts from the new baseline; a wrong-entry correction takes back the excess (or adds the
/// shortfall) of the value it corrects. Periods add up: usage(a..=b) + usage(b+1..=c) =
/// usage(a..=c). `entries` must be in order.
pub fn usage(entries: &[Entry], meters: &[String], from: NaiveDate, to: NaiveDate) -> MeterValues {
    let mut total: MeterValues = meters.iter().map(|m| (m.clone(), 0)).collect();
    for pair in entries.windows(2) {
        let (before, entry) = (&pair[0], &pair[1]);
        if entry.day < from || entry.day > to {
            continue;
        }
        for meter in meters {
            let prev = before.values.get(meter).copied().unwrap_or(0);
            let now = entry.values.get(meter).copied().unwrap_or(0);
            let counted = match &entry.kind {
                EntryKind::Reading => now - prev,
                EntryKind::Correction {
                    kind: CorrectionKind::WrongEntry,
                    ..
                } => now - prev,
                // The old meter counted up to its last known count (nothing, where unknown or
                // where this meter was not corrected); the new one starts from its baseline.
                EntryKind::Correction { final_values, .. } => final_values
                    .get(meter)
                    .map_or(0, |last| (last - prev).max(0)),
            };
            if let Some(sum) = total.get_mut(meter) {
                *sum += counted;
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn at(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, 10, 0, 0).unwrap()
    }

    fn values(pairs: &[(&str, i64)]) -> MeterValues {
        pairs.iter().map(|(m, v)| ((*m).to_owned(), *v)).collect()
    }

    fn reading(d: u32, black: i64) -> Entry {
        Entry {
            at: at(d),
            day: day(d),
            kind: EntryKind::Reading,
            values: values(&[("black", black)]),
        }
    }

    #[test]
    fn the_local_day_follows_the_sites_time_zone() {
        let late = Utc.with_ymd_and_hms(2026, 11, 21, 23, 30, 0).unwrap();
        assert_eq!(
            local_day(late, chrono_tz::Europe::Stockholm),
            NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
        );
        assert_eq!(
            local_day(late, chrono_tz::America::New_York),
            NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
        );
    }

    #[test]
    fn values_must_match_the_devices_meters() {
        let meters = vec!["black".to_owned(), "colour".to_owned()];
        let raw = |pairs: &[(&str, Option<i64>)]| {
            pairs.iter().map(|(m, v)| ((*m).to_owned(), *v)).collect()
        };
        assert!(parse_values(&meters, &raw(&[("black", Some(1)), ("colour", Some(2))])).is_ok());
        assert_eq!(
            parse_values(
                &meters,
                &raw(&[("black", Some(1)), ("colour", Some(2)), ("total", Some(3))])
            ),
            Err(ReadingError::UnknownMeter {
                meter: "total".into()
            })
        );
        assert_eq!(
            parse_values(&meters, &raw(&[("black", Some(1))])),
            Err(ReadingError::MissingMeter {
                meter: "colour".into()
            })
        );
        assert_eq!(
            parse_values(&meters, &raw(&[("black", Some(-1)), ("colour", Some(2))])),
            Err(ReadingError::InvalidValue {
                meter: "black".into()
            })
        );
        assert_eq!(
            parse_values(&meters, &raw(&[("black", None), ("colour", Some(2))])),
            Err(ReadingError::InvalidValue {
                meter: "black".into()
            })
        );
    }

    #[test]
    fn readings_never_go_down_and_come_once_a_day() {
        let latest = reading(1, 1000);
        let check = |v: i64, today: u32, last: Option<NaiveDate>| {
            check_reading(
                &values(&[("black", v)]),
                Some(&latest),
                last,
                day(today),
                at(today),
                100,
                false,
            )
        };
        assert_eq!(
            check(1000, 2, Some(day(1))),
            Ok(Accepted { flagged: false }),
            "equal is accepted"
        );
        assert_eq!(
            check(999, 2, Some(day(1))),
            Err(ReadingError::LowerThanPrevious {
                meter: "black".into(),
                previous: 1000,
                previous_day: day(1),
                submitted: 999
            })
        );
        assert_eq!(
            check(1001, 1, Some(day(1))),
            Err(ReadingError::AlreadyToday { day: day(1) })
        );
        assert!(
            check_reading(
                &values(&[("black", 5)]),
                None,
                None,
                day(1),
                at(1),
                100,
                false
            )
            .is_ok()
        );
    }

    #[test]
    fn an_extra_digit_is_implausible_unless_confirmed() {
        let latest = reading(1, 123_456);
        // A day later at 100 pages a minute, at most 144 000 more pages: 1 234 560 is a typo.
        let typo = values(&[("black", 1_234_560)]);
        let refused = check_reading(
            &typo,
            Some(&latest),
            Some(day(1)),
            day(2),
            at(2),
            100,
            false,
        );
        assert!(
            matches!(
                refused,
                Err(ReadingError::Implausible {
                    max_increase: 144_000,
                    ..
                })
            ),
            "{refused:?}"
        );
        let confirmed = check_reading(&typo, Some(&latest), Some(day(1)), day(2), at(2), 100, true);
        assert_eq!(confirmed, Ok(Accepted { flagged: true }));
        let busy_day = values(&[("black", 123_456 + 144_000)]);
        assert_eq!(
            check_reading(
                &busy_day,
                Some(&latest),
                Some(day(1)),
                day(2),
                at(2),
                100,
                false
            ),
            Ok(Accepted { flagged: false })
        );
    }

    #[test]
    fn corrections_name_some_meters_and_finals_only_where_they_apply() {
        let meters = vec!["black".to_owned(), "colour".to_owned()];
        let raw = |pairs: &[(&str, Option<i64>)]| {
            pairs
                .iter()
                .map(|(m, v)| ((*m).to_owned(), *v))
                .collect::<BTreeMap<_, _>>()
        };
        let none = raw(&[]);
        assert_eq!(
            parse_correction(
                CorrectionKind::MeterReset,
                &meters,
                &raw(&[("black", Some(0))]),
                &raw(&[("black", Some(180))])
            ),
            Ok((values(&[("black", 0)]), values(&[("black", 180)])))
        );
        assert_eq!(
            parse_correction(CorrectionKind::MeterReset, &meters, &none, &none),
            Err(CorrectionError::NoMeters)
        );
        assert_eq!(
            parse_correction(
                CorrectionKind::WrongEntry,
                &meters,
                &raw(&[("black", Some(5))]),
                &raw(&[("black", Some(9))])
            ),
            Err(CorrectionError::FinalValuesNotAllowed)
        );
        assert_eq!(
            parse_correction(
                CorrectionKind::MeterReplaced,
                &meters,
                &raw(&[("black", Some(0))]),
                &raw(&[("colour", Some(9))])
            ),
            Err(CorrectionError::FinalOfUncorrectedMeter {
                meter: "colour".into()
            })
        );
        assert_eq!(
            parse_correction(
                CorrectionKind::MeterReset,
                &meters,
                &raw(&[("toner", Some(0))]),
                &none
            ),
            Err(CorrectionError::Reading(ReadingError::UnknownMeter {
                meter: "toner".into()
            }))
        );
        assert_eq!(
            parse_correction(
                CorrectionKind::MeterReset,
                &meters,
                &raw(&[("black", Some(-3))]),
                &none
            ),
            Err(CorrectionError::Reading(ReadingError::InvalidValue {
                meter: "black".into()
            }))
        );
    }

    #[test]
    fn usage_counts_across_a_reset() {
        let reset = Entry {
            at: at(3),
            day: day(3),
            kind: EntryKind::Correction {
                kind: CorrectionKind::MeterReset,
                final_values: values(&[("black", 180)]),
            },
            values: values(&[("black", 0)]),
        };
        let entries = vec![reading(1, 100), reading(2, 150), reset, reading(4, 40)];
        let meters = vec!["black".to_owned()];
        assert_eq!(
            usage(&entries, &meters, day(1), day(4))["black"],
            50 + 30 + 40
        );
        assert_eq!(usage(&entries, &meters, day(4), day(4))["black"], 40);
        assert_eq!(usage(&entries, &meters, day(1), day(2))["black"], 50);
    }

    #[test]
    fn a_wrong_entry_is_taken_back() {
        let fix = Entry {
            at: at(3),
            day: day(3),
            kind: EntryKind::Correction {
                kind: CorrectionKind::WrongEntry,
                final_values: MeterValues::new(),
            },
            values: values(&[("black", 160)]),
        };
        let entries = vec![reading(1, 100), reading(2, 1600), fix, reading(4, 200)];
        let meters = vec!["black".to_owned()];
        assert_eq!(
            usage(&entries, &meters, day(1), day(4))["black"],
            100,
            "the true rise from 100 to 200"
        );
    }

    /// A history built from readings that each passed the rules, with corrections between.
    fn history() -> impl Strategy<Value = Vec<Entry>> {
        proptest::collection::vec((0i64..5_000, 0u8..10, 0i64..3_000), 1..25).prop_map(|steps| {
            let start = Entry {
                day: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
                at: Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap(),
                ..reading(1, 0)
            };
            let mut entries = vec![start];
            let mut d = 1u32;
            for (rise, kind, baseline) in steps {
                d += 1;
                let last = entries.last().unwrap().values["black"];
                let entry = match kind {
                    0 => Entry {
                        at: at(1),
                        day: day(1),
                        kind: EntryKind::Correction {
                            kind: CorrectionKind::MeterReset,
                            final_values: values(&[("black", last + rise)]),
                        },
                        values: values(&[("black", baseline)]),
                    },
                    1 => Entry {
                        at: at(1),
                        day: day(1),
                        kind: EntryKind::Correction {
                            kind: CorrectionKind::WrongEntry,
                            final_values: MeterValues::new(),
                        },
                        values: values(&[("black", baseline)]),
                    },
                    _ => Entry {
                        at: at(1),
                        day: day(1),
                        kind: EntryKind::Reading,
                        values: values(&[("black", last + rise)]),
                    },
                };
                let (date, time) = (
                    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(u64::from(d)),
                    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
                        + chrono::Duration::days(i64::from(d)),
                );
                entries.push(Entry {
                    day: date,
                    at: time,
                    ..entry
                });
            }
            entries
        })
    }

    proptest! {
        /// Whatever was submitted, the sequence of accepted readings never goes down.
        #[test]
        fn accepted_readings_never_decrease(submissions in proptest::collection::vec(0i64..10_000, 1..40)) {
            let mut accepted: Vec<Entry> = Vec::new();
            for (i, v) in submissions.into_iter().enumerate() {
                let d = u32::try_from(i % 28).unwrap() + 1;
                let today = day(d);
                let latest = accepted.last();
                let last_day = latest.map(|e| e.day);
                let entry = Entry { at: at(d), day: today, kind: EntryKind::Reading, values: values(&[("black", v)]) };
                if check_reading(&entry.values, latest, last_day, today, at(d), 1_000_000, false).is_ok() {
                    accepted.push(entry);
                }
            }
            prop_assert!(accepted.windows(2).all(|w| w[0].values["black"] <= w[1].values["black"]));
            prop_assert!(accepted.windows(2).all(|w| w[0].day != w[1].day));
        }

        /// Usage over adjacent periods adds up to usage over the whole.
        #[test]
        fn usage_is_additive(entries in history(), split in 0u64..30) {
            let meters = vec!["black".to_owned()];
            let first = entries.first().unwrap().day;
            let last = entries.last().unwrap().day;
            let mid = first + chrono::Days::new(split);
            let whole = usage(&entries, &meters, first, last)["black"];
            let parts = usage(&entries, &meters, first, mid)["black"] + usage(&entries, &meters, mid.succ_opt().unwrap(), last)["black"];
            prop_assert_eq!(whole, parts);
        }

        /// Without corrections, usage is the last count minus the first.
        #[test]
        fn usage_without_corrections_is_the_difference(rises in proptest::collection::vec(0i64..5_000, 1..30)) {
            let mut entries = vec![reading(1, 7)];
            for (i, rise) in rises.iter().enumerate() {
                let prev = entries.last().unwrap().values["black"];
                entries.push(reading(u32::try_from(i).unwrap() % 27 + 2, prev + rise));
            }
            for (i, e) in entries.iter_mut().enumerate() {
                e.day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(i as u64);
            }
            let meters = vec!["black".to_owned()];
            let total = usage(&entries, &meters, entries[0].day, entries.last().unwrap().day)["black"];
            prop_assert_eq!(total, entries.last().unwrap().values["black"] - 7);
        }

        /// Across resets, usage is the sum of what each meter counted before and after.
        #[test]
        fn usage_across_resets_sums_the_segments(entries in history()) {
            let meters = vec!["black".to_owned()];
            let total = usage(&entries, &meters, entries[0].day, entries.last().unwrap().day)["black"];
            let mut expected = 0;
            for w in entries.windows(2) {
                expected += match &w[1].kind {
                    EntryKind::Correction { kind: CorrectionKind::MeterReset, final_values } => final_values["black"] - w[0].values["black"],
                    _ => w[1].values["black"] - w[0].values["black"],
                };
            }
            prop_assert_eq!(total, expected);
        }
    }
}
