//! Reading periods: the day an account's period closes, which devices were read in a period,
//! and the billing export of a period's usage per device and meter.

use std::collections::BTreeMap;

use super::Routes;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use fleetdesk_domain::devices::DeviceStatus;
use fleetdesk_domain::identity::Principal;
use fleetdesk_domain::periods::{ClosingDay, Period, entries_in, meter_usage};
use fleetdesk_domain::policy::{self, Action};
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::devices as devices_repo;
use fleetdesk_persistence::periods::{self as repo, PeriodDevice};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::accounts::find_account;
use crate::app::devices::meters_of;
use crate::app::periods::{self as app_periods, closing_of};
use crate::app::readings::{entry_of, values_of};
use crate::auth::{Authenticated, authorize};
use crate::error::{ApiError, ErrorCode, Problem, Text};
use crate::json::Json;
use crate::labels::DeviceStatusName;
use crate::state::{State, blocking};

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(set_reading_period)
        .service(reading_status)
        .service(usage_export);
}

/// When an account's meter reading period closes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReadingPeriod {
    /// The day of the month (1–28) the period closes; null: the last day of the month.
    #[schema(minimum = 1, maximum = 28, example = 20)]
    pub closing_day: Option<i64>,
}

/// Sets the day the account's meter reading period closes (customer service). The next
/// period opens the day after; the default is the last day of the month.
#[utoipa::path(
    tag = "readings",
    params(("id" = String, Path)),
    request_body = ReadingPeriod,
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReadingPeriod),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/accounts/{id}/reading-period")]
async fn set_reading_period(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<ReadingPeriod>,
) -> Result<web::Json<ReadingPeriod>, ApiError> {
    let who = caller.principal(&state).await?;
    let closing = ClosingDay::parse(body.closing_day)?;
    let state = state.into_inner();
    let now = state.config.clock.now();
    blocking(move || {
        state
            .db
            .write(|c| app_periods::set_closing_day(c, &who, &id, closing, now))
    })
    .await?;
    Ok(web::Json(ReadingPeriod {
        closing_day: closing.day().map(i64::from),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The month the period closes in, `YYYY-MM`; the period running now when absent.
    #[param(pattern = r"^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])$", example = "2026-03")]
    pub period: Option<String>,
}

/// A period's bounds in local days.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PeriodBounds {
    #[schema(example = "2026-03")]
    pub period: String,
    /// Its first day (included).
    pub opens: NaiveDate,
    /// Its last day (included).
    pub closes: NaiveDate,
    /// The account's closing day; null: the last day of the month.
    pub closing_day: Option<i64>,
}

/// The reading a device got in the period (its latest), if any.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PeriodReading {
    pub id: String,
    pub local_day: NaiveDate,
    #[schema(example = json!({"black": 120345, "colour": 45012}))]
    pub values: BTreeMap<String, i64>,
    /// Accepted although implausible: customer service checks it.
    pub flagged: bool,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeviceReadingStatus {
    pub device_id: String,
    pub serial_number: String,
    pub site_id: String,
    pub site_name: String,
    pub location: String,
    #[schema(value_type = DeviceStatusName)]
    pub status: DeviceStatus,
    /// Null: no reading in the period yet.
    pub reading: Option<PeriodReading>,
}

/// Which devices were read in a period.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReadingStatus {
    pub account_id: String,
    #[serde(flatten)]
    pub bounds: PeriodBounds,
    /// How many of `devices` have a reading in the period, and how many not.
    pub read: usize,
    pub unread: usize,
    /// Every device of the account the caller may see that is in service, or was removed
    /// after the period opened; by serial number.
    pub devices: Vec<DeviceReadingStatus>,
}

/// The period asked for (`raw`, `YYYY-MM`) or the one running now in UTC, and the devices of
/// the account the caller may see for `action` in it: in service, or removed after it opened.
fn period_in_scope(
    c: &mut Conn,
    who: &Principal,
    action: Action,
    account_id: &str,
    raw: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(PeriodBounds, Vec<PeriodDevice>), ApiError> {
    authorize(who, action, Some(account_id))?;
    let closing = closing_of(find_account(c, account_id)?.reading_closing_day);
    let period = match raw {
        Some(raw) => Period::parse(raw.trim())?,
        None => Period::containing(now.date_naive(), closing),
    };
    let bounds = PeriodBounds {
        period: period.to_string(),
        opens: period.opens(closing),
        closes: period.closes(closing),
        closing_day: closing.day().map(i64::from),
    };
    let scope = policy::device_scope(who, action).ok_or_else(ApiError::forbidden)?;
    let devices = repo::devices_of_period(c, account_id, Some(bounds.opens))?
        .into_iter()
        .filter(|d| scope.admits(account_id, &d.device.id))
        .collect();
    Ok((bounds, devices))
}

/// Each device of the account with its reading in the period, or none: for administrators,
/// device managers (their devices) and staff.
#[utoipa::path(
    tag = "readings",
    params(("id" = String, Path), PeriodQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReadingStatus),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/accounts/{id}/reading-status")]
async fn reading_status(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    q: web::Query<PeriodQuery>,
) -> Result<web::Json<ReadingStatus>, ApiError> {
    let who = caller.principal(&state).await?;
    let state = state.into_inner();
    let now = state.config.clock.now();
    let account_id = id.into_inner();
    let status = blocking(move || {
        state.db.read(|c| -> Result<ReadingStatus, ApiError> {
            let (bounds, devices) = period_in_scope(
                c,
                &who,
                Action::ReadReadings,
                &account_id,
                q.period.as_deref(),
                now,
            )?;
            let ids: Vec<String> = devices.iter().map(|d| d.device.id.clone()).collect();
            let mut latest: BTreeMap<String, PeriodReading> = BTreeMap::new();
            for row in repo::readings_between(c, &ids, bounds.opens, bounds.closes)? {
                latest.insert(
                    row.device_id.clone(),
                    PeriodReading {
                        recorded_at: row.recorded_at(),
                        values: values_of(&row.meter_values)?,
                        id: row.id,
                        local_day: row.local_day,
                        flagged: row.flagged,
                    },
                );
            }
            let devices: Vec<DeviceReadingStatus> = devices
                .into_iter()
                .map(|d| DeviceReadingStatus {
                    reading: latest.remove(&d.device.id),
                    device_id: d.device.id,
                    serial_number: d.device.serial_number,
                    site_id: d.device.site_id,
                    site_name: d.site_name,
                    location: d.device.location,
                    status: *d.device.status,
                })
                .collect();
            let read = devices.iter().filter(|d| d.reading.is_some()).count();
            Ok(ReadingStatus {
                account_id,
                bounds,
                read,
                unread: devices.len() - read,
                devices,
            })
        })
    })
    .await?;
    Ok(web::Json(status))
}

/// One meter of one device in the billing export.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UsageRow {
    pub device_id: String,
    pub serial_number: String,
    pub site_name: String,
    #[schema(example = "black")]
    pub meter: String,
    /// The count when the period opened; null when the device had no reading before it.
    pub opening: Option<i64>,
    /// The count when the period closed; null when it has no reading yet.
    pub closing: Option<i64>,
    /// What the meter counted in the period across resets, replacements and corrections —
    /// the figure to bill, not always `closing - opening`.
    pub usage: i64,
    /// Readings and corrections recorded in the period.
    pub readings: usize,
    pub corrections: usize,
    /// Readings of the period accepted although implausible: check before billing.
    pub flagged_readings: usize,
}

/// A period's usage per device and meter.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UsageExport {
    pub account_id: String,
    #[serde(flatten)]
    pub bounds: PeriodBounds,
    pub rows: Vec<UsageRow>,
}

/// The export's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
}

/// The format `Accept` asks for: the listed type of highest quality that is offered
/// (`text/csv`, or JSON for `application/json`, `application/*`, `*/*` or no header).
fn negotiate(accept: Option<&str>) -> Option<Format> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(Format::Json);
    };
    let mut best: Option<(f32, Format)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let format = match media.as_str() {
            "text/csv" | "text/*" => Format::Csv,
            "application/json" | "application/*" | "*/*" => Format::Json,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, format));
        }
    }
    best.map(|(_, format)| format)
}

/// A text field as a spreadsheet should show it: quoted when needed, and never read as a
/// formula.
fn csv_text(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn csv_of(export: &UsageExport) -> String {
    let number = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut out = String::from(
        "device_id,serial_number,site_name,meter,opening,closing,usage,readings,corrections,flagged_readings\r\n",
    );
    for r in &export.rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\r\n",
            csv_text(&r.device_id),
            csv_text(&r.serial_number),
            csv_text(&r.site_name),
            csv_text(&r.meter),
            number(r.opening),
            number(r.closing),
            r.usage,
            r.readings,
            r.corrections,
            r.flagged_readings
        ));
    }
    out
}

/// The billing basis of a period (staff): per device and meter, the opening and closing
/// counts and the usage across resets and corrections, with flagged readings counted. JSON,
/// or CSV with `Accept: text/csv`.
#[utoipa::path(
    tag = "readings",
    params(("id" = String, Path), PeriodQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The export", content(
            (UsageExport = "application/json"),
            (String = "text/csv", example = "device_id,serial_number,site_name,meter,opening,closing,usage,readings,corrections,flagged_readings\r\n0190…,NP-1001,HQ,black,1000,300,1100,2,1,0\r\n"),
        )),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Neither JSON nor CSV is acceptable", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/accounts/{id}/usage-export")]
async fn usage_export(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    q: web::Query<PeriodQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let format = negotiate(accept).ok_or_else(|| {
        ApiError::new(
            actix_web::http::StatusCode::NOT_ACCEPTABLE,
            ErrorCode::NotAcceptable,
            Text::key("detail-export-offered-application-json-text-csv"),
        )
    })?;
    let now = state.config.clock.now();
    let account_id = id.into_inner();
    let export = caller
        .read(&state, move |c, who| {
            let (bounds, devices) = period_in_scope(
                c,
                who,
                Action::ExportUsage,
                &account_id,
                q.period.as_deref(),
                now,
            )?;
            let mut rows = Vec::new();
            for d in devices {
                rows.extend(usage_rows(c, &d, &bounds)?);
            }
            Ok(UsageExport {
                account_id,
                bounds,
                rows,
            })
        })
        .await?;
    Ok(match format {
        Format::Json => HttpResponse::Ok().json(export),
        Format::Csv => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"usage-{}-{}.csv\"",
                    export.account_id, export.bounds.period
                ),
            ))
            .body(csv_of(&export)),
    })
}

/// One device's rows of the export.
fn usage_rows(
    c: &mut Conn,
    d: &PeriodDevice,
    bounds: &PeriodBounds,
) -> Result<Vec<UsageRow>, ApiError> {
    let meters = meters_of(&d.device.meters)?;
    let rows = devices_repo::entries_until(c, &d.device.id, bounds.closes)?;
    let flagged = rows
        .iter()
        .filter(|r| r.flagged && r.local_day >= bounds.opens && r.local_day <= bounds.closes)
        .count();
    let entries = rows.iter().map(entry_of).collect::<Result<Vec<_>, _>>()?;
    let (readings, corrections) = entries_in(&entries, bounds.opens, bounds.closes);
    Ok(meter_usage(&entries, &meters, bounds.opens, bounds.closes)
        .into_iter()
        .map(|m| UsageRow {
            device_id: d.device.id.clone(),
            serial_number: d.device.serial_number.clone(),
            site_name: d.site_name.clone(),
            meter: m.meter,
            opening: m.opening,
            closing: m.closing,
            usage: m.usage,
            readings,
            corrections,
            flagged_readings: flagged,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_format_follows_accept() {
        assert_eq!(negotiate(None), Some(Format::Json));
        assert_eq!(negotiate(Some("text/csv")), Some(Format::Csv));
        assert_eq!(negotiate(Some("application/json")), Some(Format::Json));
        assert_eq!(
            negotiate(Some("text/csv;q=0.5, application/json")),
            Some(Format::Json)
        );
        assert_eq!(
            negotiate(Some("application/json;q=0.2, text/csv")),
            Some(Format::Csv)
        );
        assert_eq!(negotiate(Some("*/*")), Some(Format::Json));
        assert_eq!(negotiate(Some("text/html")), None);
        assert_eq!(negotiate(Some("text/csv;q=0")), None);
    }

    #[test]
    fn csv_text_is_quoted_and_never_a_formula() {
        assert_eq!(csv_text("NP-1001"), "NP-1001");
        assert_eq!(csv_text("Lager, plan 2"), "\"Lager, plan 2\"");
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_text("-5"), "'-5");
    }
}
