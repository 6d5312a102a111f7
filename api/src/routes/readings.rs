//! Meter readings, the billing basis: submissions under the rules of `domain::readings`,
//! customer service's corrections, history and usage.

use std::collections::BTreeMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::policy::Action;
use fleetdesk_domain::readings::{
    self as rules, CorrectionError, CorrectionKind, Entry, EntryKind, MeterValues, ReadingError,
};
use fleetdesk_domain::readings::{ReadingKind, ReadingSource};
use fleetdesk_persistence::devices::{self as repo, ReadingRow};
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::{Conn, DbError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::app::devices::{active, device_event, device_for, meters_of};
use crate::auth::{Authenticated, authorize};
use crate::error::{ApiError, ErrorCode, Problem};
use crate::http::{PageParams, encode_cursor};
use crate::labels::{CorrectionKindName, ReadingKindName, ReadingSourceName};
use crate::page::{Listed, Page};
use crate::state::{State, blocking};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(submit)
        .service(history)
        .service(correct)
        .service(usage)
        .service(flagged);
}

/// A refusal of the reading rules as problem details, with the facts a user needs.
fn refusal(e: ReadingError) -> ApiError {
    let unprocessable = |code, facts| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, e.to_string()).with_facts(facts)
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
            ApiError::conflict(ErrorCode::MeterReadingAlreadyToday, e.to_string())
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
fn correction_refusal(e: CorrectionError) -> ApiError {
    match e {
        CorrectionError::Reading(e) => refusal(e),
        CorrectionError::NoMeters => ApiError::invalid_field("values", e.to_string()),
        CorrectionError::FinalValuesNotAllowed
        | CorrectionError::FinalOfUncorrectedMeter { .. } => {
            ApiError::invalid_field("final_values", e.to_string())
        }
    }
}

fn values_of(text: &str) -> Result<MeterValues, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::internal_from(e))
}

fn entry_of(row: &ReadingRow) -> Result<Entry, ApiError> {
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
fn raw_values(values: &BTreeMap<String, Value>) -> BTreeMap<String, Option<i64>> {
    values
        .iter()
        .map(|(m, v)| (m.trim().to_lowercase(), v.as_i64()))
        .collect()
}

fn time_zone(name: &str) -> Result<fleetdesk_domain::sites::Tz, ApiError> {
    fleetdesk_domain::sites::TimeZone::parse(name)
        .map(|tz| tz.tz())
        .map_err(|e| ApiError::internal_from(e))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Reading {
    pub id: String,
    pub device_id: String,
    /// A correction is a new baseline recorded by customer service.
    #[schema(value_type = ReadingKindName)]
    pub kind: ReadingKind,
    /// The calendar day in the device site's time zone.
    pub local_day: NaiveDate,
    #[schema(example = json!({"black": 120345, "colour": 45012}))]
    pub values: BTreeMap<String, i64>,
    /// `phone`: given to customer service; `customer-service`: a correction.
    #[schema(value_type = ReadingSourceName)]
    pub source: ReadingSource,
    /// For corrections.
    #[schema(value_type = Option<CorrectionKindName>)]
    pub correction_kind: Option<CorrectionKind>,
    pub final_values: Option<BTreeMap<String, i64>>,
    pub reason: Option<String>,
    /// Accepted although implausible, on the submitter's confirmation.
    pub flagged: bool,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl TryFrom<ReadingRow> for Reading {
    type Error = ApiError;
    fn try_from(row: ReadingRow) -> Result<Self, ApiError> {
        Ok(Self {
            values: values_of(&row.meter_values)?,
            final_values: row.final_values.as_deref().map(values_of).transpose()?,
            recorded_at: row.recorded_at(),
            id: row.id,
            device_id: row.device_id,
            kind: *row.kind,
            local_day: row.local_day,
            source: *row.source,
            correction_kind: row.correction_kind.map(|k| *k),
            reason: row.reason,
            flagged: row.flagged,
            recorded_by: row.recorded_by,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SubmitReading {
    /// Every meter of the device, as whole numbers.
    #[schema(example = json!({"black": 120345, "colour": 45012}))]
    pub values: BTreeMap<String, Value>,
    /// Accept a rise faster than the model can print; the reading is flagged for customer service.
    #[serde(default)]
    pub confirm_implausible: bool,
}

fn created(reading: Reading) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!(
                "/api/v1/devices/{}/meter-readings/{}",
                reading.device_id, reading.id
            ),
        ))
        .json(reading)
}

/// Submits a reading of every meter of a device (administrators, assigned device managers;
/// customer service records readings given by phone). The day is the site's local day now.
#[utoipa::path(
    tag = "readings",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = SubmitReading,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Accepted", body = Reading, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A reading was accepted today already (`meter_reading_already_today`), or the device was removed (`device_removed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`meter_reading_lower_than_previous` (with meter, previous value and date), `meter_reading_implausible`, `meter_reading_unknown_meter`, `meter_reading_missing_meter` or `meter_reading_invalid_value`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/devices/{id}/meter-readings")]
async fn submit(
    state: State,
    who: Authenticated,
    id: web::Path<String>,
    body: web::Json<SubmitReading>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let raw = raw_values(&body.values);
    let state = state.into_inner();
    let row = blocking(move || {
        state.db.write(|c| -> Result<ReadingRow, ApiError> {
            let ctx = device_for(c, &who.0, Action::SubmitReading, &id)?;
            repo::lock_device(c, &id)?;
            active(&ctx.device)?;
            let values = rules::parse_values(&meters_of(&ctx.device.meters)?, &raw).map_err(refusal)?;
            let now = state.config.clock.now();
            let today = rules::local_day(now, time_zone(&ctx.time_zone)?);
            let latest = repo::latest_entry(c, &id)?.as_ref().map(entry_of).transpose()?;
            let last_day = repo::last_reading_day(c, &id)?;
            let accepted = rules::check_reading(
                &values,
                latest.as_ref(),
                last_day,
                today,
                now,
                i64::from(ctx.rated_units_per_minute),
                body.confirm_implausible,
            )
            .map_err(refusal)?;
            let row = ReadingRow {
                id: fleetdesk_persistence::new_id(),
                device_id: id.clone(),
                kind: Stored(ReadingKind::Reading),
                local_day: today,
                meter_values: serde_json::to_string(&values).map_err(|e| ApiError::internal_from(e))?,
                source: Stored(if who.0.staff_role.is_some() {
                    ReadingSource::Phone
                } else {
                    ReadingSource::Customer
                }),
                correction_kind: None,
                final_values: None,
                reason: None,
                flagged: accepted.flagged,
                recorded_by: who.0.user_id.clone(),
                recorded_at: now.naive_utc(),
            };
            repo::insert_reading(c, &row).map_err(|e| match e {
                // Another process accepted one for this day first: the database decides.
                DbError::UniqueViolation(_) => refusal(ReadingError::AlreadyToday { day: today }),
                other => other.into(),
            })?;
            device_event(
                c,
                EventKind::MeterReadingAccepted,
                &ctx.device,
                &who.0.user_id,
                json!({ "reading_id": row.id, "local_day": today, "values": values, "flagged": accepted.flagged }), state.config.clock.now(),
            )?;
            Ok(row)
        })
    })
    .await?;
    Ok(created(Reading::try_from(row)?))
}

impl Listed for Reading {
    const PAGE: &'static str = "ReadingPage";
}

pub type ReadingPage = Page<Reading>;

fn page_of(page: fleetdesk_persistence::Page<ReadingRow>) -> Result<ReadingPage, ApiError> {
    Ok(ReadingPage {
        next_cursor: page.next_after.as_deref().map(encode_cursor),
        items: page
            .items
            .into_iter()
            .map(Reading::try_from)
            .collect::<Result<_, _>>()?,
    })
}

/// A device's readings and corrections, newest first: who recorded what, and when.
#[utoipa::path(
    tag = "readings",
    params(("id" = String, Path), PageParams),
    security(("bearer" = [])),
    responses((status = 200, body = ReadingPage), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/devices/{id}/meter-readings")]
async fn history(
    state: State,
    who: Authenticated,
    id: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<web::Json<ReadingPage>, ApiError> {
    let (limit, before) = page.resolve()?;
    let state = state.into_inner();
    let page = blocking(move || {
        state.db.read(|c| -> Result<_, ApiError> {
            device_for(c, &who.0, Action::ReadReadings, &id)?;
            Ok(repo::history(c, &id, before.as_deref(), limit)?)
        })
    })
    .await?;
    Ok(web::Json(page_of(page)?))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct Correction {
    #[schema(value_type = CorrectionKindName)]
    pub kind: CorrectionKind,
    /// Why: the investigation's finding.
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
    /// The new baseline of each corrected meter.
    #[schema(example = json!({"black": 0}))]
    pub values: BTreeMap<String, Value>,
    /// For a reset or replacement: the old meter's last count, when known (it is billed).
    #[serde(default)]
    pub final_values: BTreeMap<String, Value>,
}

/// Records a correction after an investigation (customer service): a meter reset or
/// replaced, or a wrong entry. It starts a new baseline; nothing is overwritten.
#[utoipa::path(
    tag = "readings",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = Correction,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Reading, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/devices/{id}/meter-readings/corrections")]
async fn correct(
    state: State,
    who: Authenticated,
    id: web::Path<String>,
    body: web::Json<Correction>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let kind = body.kind;
    let (raw, raw_final) = (raw_values(&body.values), raw_values(&body.final_values));
    let reason = body.reason.trim().to_owned();
    let state = state.into_inner();
    let row = blocking(move || {
        state.db.write(|c| -> Result<ReadingRow, ApiError> {
            let ctx = device_for(c, &who.0, Action::CorrectReadings, &id)?;
            repo::lock_device(c, &id)?;
            active(&ctx.device)?;
            let meters = meters_of(&ctx.device.meters)?;
            let (corrected, final_values) =
                rules::parse_correction(kind, &meters, &raw, &raw_final).map_err(correction_refusal)?;
            let latest = repo::latest_entry(c, &id)?.as_ref().map(entry_of).transpose()?;
            let Some(latest) = latest else {
                return Err(ApiError::conflict(ErrorCode::NothingToCorrect, "the device has no readings to correct yet"));
            };
            let now = state.config.clock.now();
            let row = ReadingRow {
                id: fleetdesk_persistence::new_id(),
                device_id: id.clone(),
                kind: Stored(ReadingKind::Correction),
                local_day: rules::local_day(now, time_zone(&ctx.time_zone)?),
                meter_values: serde_json::to_string(&rules::corrected_values(&latest.values, &corrected)).map_err(|e| ApiError::internal_from(e))?,
                source: Stored(ReadingSource::CustomerService),
                correction_kind: Some(Stored(kind)),
                final_values: (!final_values.is_empty())
                    .then(|| serde_json::to_string(&final_values))
                    .transpose()
                    .map_err(|e| ApiError::internal_from(e))?,
                reason: Some(reason.clone()),
                flagged: false,
                recorded_by: who.0.user_id.clone(),
                recorded_at: now.naive_utc(),
            };
            repo::insert_reading(c, &row)?;
            device_event(
                c,
                EventKind::MeterReadingCorrected,
                &ctx.device,
                &who.0.user_id,
                json!({ "reading_id": row.id, "kind": kind.as_str(), "values": corrected, "reason": reason }), state.config.clock.now(),
            )?;
            Ok(row)
        })
    })
    .await?;
    Ok(created(Reading::try_from(row)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// First local day of the period.
    pub from: NaiveDate,
    /// Last local day of the period (included).
    pub to: NaiveDate,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Usage {
    pub device_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Consumption per meter in the period, across resets and replacements. A wrong-entry
    /// correction takes back the excess it corrects in the period it is recorded.
    #[schema(example = json!({"black": 12034, "colour": 4501}))]
    pub consumption: BTreeMap<String, i64>,
    /// Readings and corrections recorded in the period.
    pub entries: usize,
    pub corrections: usize,
}

/// Consumption per meter between two days, what billing needs.
#[utoipa::path(
    tag = "readings",
    params(("id" = String, Path), UsageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Usage),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/devices/{id}/usage")]
async fn usage(
    state: State,
    who: Authenticated,
    id: web::Path<String>,
    q: web::Query<UsageQuery>,
) -> Result<web::Json<Usage>, ApiError> {
    let UsageQuery { from, to } = q.into_inner();
    if to < from {
        return Err(ApiError::invalid_field("to", "must not be before from"));
    }
    let state = state.into_inner();
    let device_id = id.into_inner();
    let usage = blocking(move || {
        state.db.read(|c: &mut Conn| -> Result<Usage, ApiError> {
            let ctx = device_for(c, &who.0, Action::ReadReadings, &device_id)?;
            let meters = meters_of(&ctx.device.meters)?;
            let entries = repo::entries_until(c, &device_id, to)?
                .iter()
                .map(entry_of)
                .collect::<Result<Vec<_>, _>>()?;
            let in_period: Vec<&Entry> = entries
                .iter()
                .filter(|e| e.day >= from && e.day <= to)
                .collect();
            Ok(Usage {
                consumption: rules::usage(&entries, &meters, from, to),
                entries: in_period.len(),
                corrections: in_period
                    .iter()
                    .filter(|e| e.kind != EntryKind::Reading)
                    .count(),
                device_id,
                from,
                to,
            })
        })
    })
    .await?;
    Ok(web::Json(usage))
}

/// Readings accepted although implausible, newest first, for customer service to check.
#[utoipa::path(
    tag = "readings",
    params(PageParams),
    security(("bearer" = [])),
    responses((status = 200, body = ReadingPage), (status = 403, body = Problem, content_type = "application/problem+json"))
)]
#[get("/meter-readings/flagged")]
async fn flagged(
    state: State,
    who: Authenticated,
    page: web::Query<PageParams>,
) -> Result<web::Json<ReadingPage>, ApiError> {
    authorize(&who.0, Action::ReviewFlaggedReadings, None)?;
    let (limit, before) = page.resolve()?;
    let state = state.into_inner();
    let page = blocking(move || {
        Ok(state
            .db
            .read(|c| repo::flagged(c, before.as_deref(), limit))?)
    })
    .await?;
    Ok(web::Json(page_of(page)?))
}
