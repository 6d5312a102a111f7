//! Meter readings, the billing basis: submissions under the rules of `domain::readings`,
//! customer service's corrections, history and usage.

use std::collections::BTreeMap;

use super::Routes;
use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use fleetdesk_domain::periods::entries_in;
use fleetdesk_domain::policy::Action;
use fleetdesk_domain::readings::{self as rules, CorrectionKind};
use fleetdesk_domain::readings::{ReadingKind, ReadingSource};
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::devices::{self as repo, ReadingRow};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::app::devices::{device_for, meters_of};
use crate::app::readings::{self as app_readings, entry_of, values_of};
use crate::auth::{Authenticated, authorize};
use crate::error::{ApiError, Problem, Text};
use crate::http::{PageParams, encode_cursor};
use crate::json::Json;
use crate::labels::{CorrectionKindName, ReadingKindName, ReadingSourceName};
use crate::page::{Listed, Page};
use crate::state::{State, blocking};

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(submit)
        .service(history)
        .service(correct)
        .service(usage)
        .service(flagged);
}

/// A refusal of the reading rules as problem details, with the facts a user needs.
fn raw_values(values: &BTreeMap<String, Value>) -> BTreeMap<String, Option<i64>> {
    values
        .iter()
        .map(|(m, v)| (m.trim().to_lowercase(), v.as_i64()))
        .collect()
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
        (status = 409, description = "A reading was accepted today already (`meter_reading_already_today`, with `next_steps`), or the device was removed (`device_removed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`meter_reading_lower_than_previous` (with meter, previous value and date), `meter_reading_implausible`, `meter_reading_unknown_meter`, `meter_reading_missing_meter` or `meter_reading_invalid_value`; every refusal of a reading carries `next_steps`: what to do about it, each an `action`, a `description` and where it applies the `request` (method, path, body) that does it, such as opening a `meter_query` case", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/devices/{id}/meter-readings")]
async fn submit(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<SubmitReading>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let raw = raw_values(&body.values);
    let clock = state.config.clock.clone();
    let row = caller
        .write_entries_joined(&state, move |c, caller| {
            let values = (raw, body.confirm_implausible);
            app_readings::submit(c, caller, &id, values, clock.now())
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
    caller: Authenticated,
    id: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<web::Json<ReadingPage>, ApiError> {
    let (limit, before) = page.resolve()?;
    let page = caller
        .read_joined(&state, move |c, caller| {
            device_for(c, caller, Action::ReadReadings, &id)?;
            Ok(repo::history(c, &id, before.as_deref(), limit)?)
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
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<Correction>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    body.validate()?;
    let body = body.into_inner();
    let correction = app_readings::NewCorrection {
        kind: body.kind,
        values: raw_values(&body.values),
        final_values: raw_values(&body.final_values),
        reason: body.reason.trim().to_owned(),
    };
    let state = state.into_inner();
    let row = blocking(move || {
        state
            .db
            .write(|c| app_readings::correct(c, &who, &id, correction, state.config.clock.now()))
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
    caller: Authenticated,
    id: web::Path<String>,
    q: web::Query<UsageQuery>,
) -> Result<web::Json<Usage>, ApiError> {
    let who = caller.principal(&state).await?;
    let UsageQuery { from, to } = q.into_inner();
    if to < from {
        return Err(ApiError::invalid_field(
            "to",
            Text::key("invalid-must-before-from"),
        ));
    }
    let state = state.into_inner();
    let device_id = id.into_inner();
    let usage = blocking(move || {
        state.db.read(|c: &mut Conn| -> Result<Usage, ApiError> {
            let (_, ctx) = device_for(c, &who, Action::ReadReadings, &device_id)?;
            let meters = meters_of(&ctx.device.meters)?;
            let entries = repo::entries_until(c, &device_id, to)?
                .iter()
                .map(entry_of)
                .collect::<Result<Vec<_>, _>>()?;
            let (readings, corrections) = entries_in(&entries, from, to);
            Ok(Usage {
                consumption: rules::usage(&entries, &meters, from, to),
                entries: readings + corrections,
                corrections,
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
    caller: Authenticated,
    page: web::Query<PageParams>,
) -> Result<web::Json<ReadingPage>, ApiError> {
    let who = caller.principal(&state).await?;
    authorize(&who, Action::ReviewFlaggedReadings, None)?;
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
