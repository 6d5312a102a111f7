//! Meter readings: submissions under the rules of `domain::readings` and customer service's
//! corrections.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::Principal;
use fleetdesk_domain::policy::Action;
use fleetdesk_domain::readings::{
    self as rules, CorrectionError, CorrectionKind, Entry, EntryKind, MeterValues, ReadingError,
    ReadingKind, ReadingSource,
};
use fleetdesk_persistence::devices::{self as repo, DeviceContext, ReadingRow};
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::{Conn, DbError, Statements};
use serde_json::json;

use crate::app::devices::{active, device_event_of, device_for_entry, meters_of};
use crate::auth::Actor;
use crate::error::{ApiError, ErrorCode, Text};

/// Meter values as a request gave them: a count, or null for a meter left out.
pub type RawValues = BTreeMap<String, Option<i64>>;

/// A correction as customer service gives it.
pub struct NewCorrection {
    pub kind: CorrectionKind,
    pub values: RawValues,
    pub final_values: RawValues,
    pub reason: String,
}

/// What the submitter can do about a refused reading of `device_id`, as the portal tells them:
/// each step an `action`, a sentence (its catalogue key), and where it applies the request
/// that does it.
pub fn next_steps(e: &ReadingError, device_id: &str) -> Vec<(serde_json::Value, &'static str)> {
    let case = json!({
        "method": "POST",
        "path": "/api/v1/cases",
        "body": { "device_id": device_id, "category": "meter_query" },
    });
    let step = |action: &str, request: Option<&serde_json::Value>| match request {
        Some(request) => json!({ "action": action, "description": "", "request": request }),
        None => json!({ "action": action, "description": "" }),
    };
    match e {
        ReadingError::UnknownMeter { .. }
        | ReadingError::MissingMeter { .. }
        | ReadingError::InvalidValue { .. } => {
            vec![(step("fix_values", None), "step-send-every-meter")]
        }
        ReadingError::LowerThanPrevious { .. } => vec![
            (step("fix_values", None), "step-read-counter-again"),
            (step("open_case", Some(&case)), "step-meter-query-reset"),
        ],
        ReadingError::AlreadyToday { .. } => vec![
            (step("wait", None), "step-one-a-day"),
            (step("open_case", Some(&case)), "step-meter-query-today"),
        ],
        ReadingError::Implausible { .. } => {
            let confirm = json!({
                "method": "POST",
                "path": format!("/api/v1/devices/{device_id}/meter-readings"),
                "body": { "confirm_implausible": true },
            });
            vec![
                (step("confirm", Some(&confirm)), "step-confirm-implausible"),
                (step("fix_values", None), "step-read-again-if-not"),
            ]
        }
    }
}

/// A refused reading of `device_id` as problem details, with the facts of the refusal and
/// what to do next.
pub fn refusal_of(device_id: &str) -> impl Fn(ReadingError) -> ApiError + '_ {
    move |e| {
        let steps = next_steps(&e, device_id);
        let texts: Vec<&'static str> = steps.iter().map(|(_, key)| *key).collect();
        let steps: Vec<serde_json::Value> = steps.into_iter().map(|(step, _)| step).collect();
        let error = refusal(e).with_facts(json!({ "next_steps": steps }));
        texts
            .into_iter()
            .enumerate()
            .fold(error, |error, (i, key)| {
                error.with_fact_text(format!("/next_steps/{i}/description"), Text::key(key))
            })
    }
}

pub fn refusal(e: ReadingError) -> ApiError {
    let unprocessable = |code, facts| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, e.message()).with_facts(facts)
    };
    match &e {
        ReadingError::UnknownMeter { meter } => unprocessable(
            ErrorCode::MeterReadingUnknownMeter,
            json!({ "meter": meter }),
        ),
        ReadingError::MissingMeter { meter } => unprocessable(
            ErrorCode::MeterReadingMissingMeter,
            json!({ "meter": meter }),
        ),
        ReadingError::InvalidValue { meter } => unprocessable(
            ErrorCode::MeterReadingInvalidValue,
            json!({ "meter": meter }),
        ),
        ReadingError::LowerThanPrevious {
            meter,
            previous,
            previous_day,
            submitted,
        } => unprocessable(
            ErrorCode::MeterReadingLowerThanPrevious,
            json!({ "meter": meter, "previous_value": previous, "previous_date": previous_day, "submitted_value": submitted }),
        ),
        ReadingError::AlreadyToday { day } => {
            ApiError::conflict(ErrorCode::MeterReadingAlreadyToday, e.message())
                .with_facts(json!({ "date": day }))
        }
        ReadingError::Implausible {
            meter,
            previous,
            previous_day,
            submitted,
            increase,
            max_increase,
        } => unprocessable(
            ErrorCode::MeterReadingImplausible,
            json!({
                "meter": meter, "previous_value": previous, "previous_date": previous_day, "submitted_value": submitted,
                "increase": increase, "max_plausible_increase": max_increase,
                "hint": "if the value is right, submit it again with \"confirm_implausible\": true"
            }),
        ),
    }
}

/// A refused correction as problem details.
pub fn correction_refusal(device_id: &str) -> impl Fn(CorrectionError) -> ApiError + '_ {
    move |e| match e {
        CorrectionError::Reading(e) => refusal_of(device_id)(e),
        CorrectionError::NoMeters => ApiError::invalid_field("values", e.message()),
        CorrectionError::FinalValuesNotAllowed
        | CorrectionError::FinalOfUncorrectedMeter { .. } => {
            ApiError::invalid_field("final_values", e.message())
        }
    }
}

pub fn values_of(text: &str) -> Result<MeterValues, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::internal_from(e))
}

pub fn entry_of(row: &ReadingRow) -> Result<Entry, ApiError> {
    let kind = match *row.kind {
        ReadingKind::Reading => EntryKind::Reading,
        ReadingKind::Correction => EntryKind::Correction {
            kind: *row.correction_kind.ok_or_else(|| ApiError::internal())?,
            final_values: row
                .final_values
                .as_deref()
                .map(values_of)
                .transpose()?
                .unwrap_or_default(),
        },
    };
    Ok(Entry {
        at: row.recorded_at(),
        day: row.local_day,
        kind,
        values: values_of(&row.meter_values)?,
    })
}

/// The raw values as sent: `None` where a value is not a whole number.
pub fn time_zone(name: &str) -> Result<fleetdesk_domain::sites::Tz, ApiError> {
    fleetdesk_domain::sites::TimeZone::parse(name)
        .map(|tz| tz.tz())
        .map_err(|e| ApiError::internal_from(e))
}

/// How often an entry is decided again when another entry (or the device's removal) came
/// between reading the device and adding it: each time one of the contenders wins.
const ENTRY_ATTEMPTS: usize = 5;

/// The time an entry is recorded at: `now`, or just after the newest entry where that was
/// recorded later — by a request that began after this one but was added first, or a process
/// whose clock runs ahead. Entries are thus recorded in the order they are added, which is the
/// order the newest entry, usage and every later check read them in.
fn recorded_at(now: DateTime<Utc>, latest: Option<&ReadingRow>) -> DateTime<Utc> {
    match latest {
        Some(row) if row.recorded_at() >= now => {
            row.recorded_at() + chrono::Duration::microseconds(1)
        }
        _ => now,
    }
}

/// Decides an entry of device `id` with `decide` until it is added on the version its checks
/// read (`add_entry`'s compare-and-set): what `decide` refuses is the answer, and once added,
/// the entry. Concurrent entries for a device thus take turns without a lock held across round
/// trips (see `Db::write_entries`). Outside a transaction on PostgreSQL the entry is added
/// together with other requests' entries (`Statements::add_entry`). `decide` is given the time
/// the entry is recorded at ([`recorded_at`]).
fn add_decided(
    c: &mut Statements<'_>,
    actor: &impl Actor,
    action: Action,
    id: &str,
    mut decide: impl FnMut(
        &mut Conn,
        &Principal,
        &DeviceContext,
        Option<ReadingRow>,
        DateTime<Utc>,
    ) -> Result<(ReadingRow, EventKind, serde_json::Value), ApiError>,
    now: DateTime<Utc>,
) -> Result<ReadingRow, ApiError> {
    for _ in 0..ENTRY_ATTEMPTS {
        let conn = c.conn()?;
        let (who, ctx, latest) = device_for_entry(conn, actor, action, id)?;
        active(&ctx.device)?;
        let at = recorded_at(now, latest.as_ref());
        let (row, kind, payload) = decide(conn, &who, &ctx, latest, at)?;
        let event = device_event_of(kind, &ctx.device, &who.user_id, payload, at);
        let added = c
            .add_entry(ctx.entries_version, &row, event)
            .map_err(|e| match e {
                // Another process accepted a reading for this day first: the database decides.
                DbError::UniqueViolation(_) if row.kind == ReadingKind::Reading => {
                    refusal_of(id)(ReadingError::AlreadyToday { day: row.local_day })
                }
                other => other.into(),
            })?;
        if added {
            return Ok(row);
        }
    }
    log::warn!("device {id}: entries kept coming in between; gave up after {ENTRY_ATTEMPTS}");
    Err(ApiError::unavailable())
}

/// Submits a reading for device `id`: at most one a day (the site's day), never below the last,
/// an implausible jump only when confirmed. With `c` of `Db::write_entries` the reading is added
/// in the next batch of entries on PostgreSQL.
pub fn submit(
    c: &mut Statements<'_>,
    actor: &impl Actor,
    id: &str,
    (raw, confirm_implausible): (RawValues, bool),
    now: DateTime<Utc>,
) -> Result<ReadingRow, ApiError> {
    let decide = |c: &mut Conn,
                  who: &Principal,
                  ctx: &DeviceContext,
                  latest_row: Option<ReadingRow>,
                  now: DateTime<Utc>| {
        let values =
            rules::parse_values(&meters_of(&ctx.device.meters)?, &raw).map_err(refusal_of(id))?;
        let today = rules::local_day(now, time_zone(&ctx.time_zone)?);
        // The newest accepted reading's day: the newest entry's when it is a reading (one query
        // for the usual case), else looked up behind the correction.
        let last_day = match &latest_row {
            None => None,
            Some(row) if row.kind == ReadingKind::Reading => Some(row.local_day),
            Some(_) => repo::last_reading_day(c, id)?,
        };
        let latest = latest_row.as_ref().map(entry_of).transpose()?;
        let accepted = rules::check_reading(
            &values,
            latest.as_ref(),
            last_day,
            today,
            now,
            i64::from(ctx.rated_units_per_minute),
            confirm_implausible,
        )
        .map_err(refusal_of(id))?;
        let row = ReadingRow {
            id: fleetdesk_persistence::new_id(),
            device_id: id.to_owned(),
            kind: Stored(ReadingKind::Reading),
            local_day: today,
            meter_values: serde_json::to_string(&values).map_err(|e| ApiError::internal_from(e))?,
            source: Stored(if who.staff_role.is_some() {
                ReadingSource::Phone
            } else {
                ReadingSource::Customer
            }),
            correction_kind: None,
            final_values: None,
            reason: None,
            flagged: accepted.flagged,
            recorded_by: who.user_id.clone(),
            recorded_at: now.naive_utc(),
        };
        let payload = json!({ "reading_id": row.id, "local_day": today, "values": values, "flagged": accepted.flagged });
        Ok((row, EventKind::MeterReadingAccepted, payload))
    };
    add_decided(c, actor, Action::SubmitReading, id, decide, now)
}

/// Customer service corrects a device's meter history with a new baseline (a reset, a replaced
/// meter, or a wrong entry).
pub fn correct(
    c: &mut Conn,
    actor: &impl Actor,
    id: &str,
    NewCorrection {
        kind,
        values: raw,
        final_values: raw_final,
        reason,
    }: NewCorrection,
    now: DateTime<Utc>,
) -> Result<ReadingRow, ApiError> {
    let decide = |_: &mut Conn,
                  who: &Principal,
                  ctx: &DeviceContext,
                  latest: Option<ReadingRow>,
                  now: DateTime<Utc>| {
        let meters = meters_of(&ctx.device.meters)?;
        let (corrected, final_values) = rules::parse_correction(kind, &meters, &raw, &raw_final)
            .map_err(correction_refusal(id))?;
        let latest = latest.as_ref().map(entry_of).transpose()?;
        let Some(latest) = latest else {
            return Err(ApiError::conflict(
                ErrorCode::NothingToCorrect,
                Text::key("detail-device-no-readings-correct-yet"),
            ));
        };
        let row = ReadingRow {
            id: fleetdesk_persistence::new_id(),
            device_id: id.to_owned(),
            kind: Stored(ReadingKind::Correction),
            local_day: rules::local_day(now, time_zone(&ctx.time_zone)?),
            meter_values: serde_json::to_string(&rules::corrected_values(
                &latest.values,
                &corrected,
            ))
            .map_err(|e| ApiError::internal_from(e))?,
            source: Stored(ReadingSource::CustomerService),
            correction_kind: Some(Stored(kind)),
            final_values: (!final_values.is_empty())
                .then(|| serde_json::to_string(&final_values))
                .transpose()
                .map_err(|e| ApiError::internal_from(e))?,
            reason: Some(reason.clone()),
            flagged: false,
            recorded_by: who.user_id.clone(),
            recorded_at: now.naive_utc(),
        };
        let payload = json!({ "reading_id": row.id, "kind": kind.as_str(), "values": corrected, "reason": reason });
        Ok((row, EventKind::MeterReadingCorrected, payload))
    };
    add_decided(
        &mut Statements::held(c),
        actor,
        Action::CorrectReadings,
        id,
        decide,
        now,
    )
}
