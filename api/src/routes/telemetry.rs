//! Device telemetry: the credentials a device (or the account's monitoring agent) reports
//! supply levels with, and the report that raises replenishment orders. A device credential
//! opens this one endpoint and nothing else: it is no JWT, so every other endpoint refuses it.

use super::Routes;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use fleetdesk_domain::accounts::parse_name;
use fleetdesk_domain::policy::Action;
use fleetdesk_domain::stock::{self as stock_rules, SupplyLevel};
use fleetdesk_persistence::stock::{self as repo, DeviceCredentialRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::stock as app;
use crate::auth::{self, Authenticated, authorize};
use crate::error::{ApiError, ErrorCode, Problem, Text};
use crate::json::Json;
use crate::state::{State, blocking};

/// Device credentials start with this, so that they are never mistaken for a user's token.
const PREFIX: &str = "fdd_";

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(issue_credential)
        .service(list_credentials)
        .service(revoke_credential)
        .service(report_supply_levels);
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeviceCredential {
    pub id: String,
    pub account_id: String,
    /// The one device it reports for; none: the account's monitoring agent, for every device
    /// of the account.
    pub device_id: Option<String>,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The secret, shown once when issued; send it as `Authorization: Bearer …` to
    /// `POST /api/v1/devices/{id}/supply-levels`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl From<DeviceCredentialRow> for DeviceCredential {
    fn from(r: DeviceCredentialRow) -> Self {
        Self {
            created_at: r.created_at.and_utc(),
            revoked_at: r.revoked_at.map(|t| t.and_utc()),
            last_used_at: r.last_used_at.map(|t| t.and_utc()),
            id: r.id,
            account_id: r.account_id,
            device_id: r.device_id,
            name: r.name,
            token: None,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDeviceCredential {
    #[schema(
        example = "Print room monitoring agent",
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    /// Limit the credential to one device of the account.
    pub device_id: Option<String>,
}

/// Issues a credential for supply-level reports (administrators, customer service). The
/// token is in this answer only.
#[utoipa::path(
    tag = "stock",
    params(("id" = String, Path)),
    request_body = NewDeviceCredential,
    security(("bearer" = [])),
    responses(
        (status = 201, body = DeviceCredential),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/accounts/{id}/device-credentials")]
async fn issue_credential(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<NewDeviceCredential>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    let account_id = id.into_inner();
    authorize(&who, Action::ManageDeviceCredentials, Some(&account_id))?;
    let body = body.into_inner();
    let name = parse_name("name", &body.name, 120)?;
    let (secret, _) = auth::new_secret_token()?;
    let token = format!("{PREFIX}{secret}");
    let token_hash = auth::token_hash(&token);
    let new = app::NewCredential {
        name,
        device_id: body.device_id,
        token_hash,
    };
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let row = blocking(move || {
        let now = state.config.clock.now();
        state
            .db
            .write(|c| app::issue_credential(c, &actor, &account_id, new, now))
    })
    .await?;
    let mut credential = DeviceCredential::from(row);
    credential.token = Some(token);
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            crate::http::NO_STORE,
        ))
        .json(credential))
}

/// The account's device credentials, without their secrets (administrators, customer
/// service).
#[utoipa::path(
    tag = "stock",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<DeviceCredential>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/accounts/{id}/device-credentials")]
async fn list_credentials(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Vec<DeviceCredential>>, ApiError> {
    let who = caller.principal(&state).await?;
    let account_id = id.into_inner();
    authorize(&who, Action::ManageDeviceCredentials, Some(&account_id))?;
    let state = state.into_inner();
    let rows = blocking(move || {
        state.db.read(|c| -> Result<_, ApiError> {
            fleetdesk_persistence::accounts::find_account(c, &account_id)?
                .ok_or_else(ApiError::not_found)?;
            Ok(repo::credentials_of(c, &account_id)?)
        })
    })
    .await?;
    Ok(web::Json(
        rows.into_iter().map(DeviceCredential::from).collect(),
    ))
}

/// Revokes a device credential at once (administrators, customer service).
#[utoipa::path(
    tag = "stock",
    params(("id" = String, Path), ("credential_id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/accounts/{id}/device-credentials/{credential_id}")]
async fn revoke_credential(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    let (account_id, credential_id) = path.into_inner();
    authorize(&who, Action::ManageDeviceCredentials, Some(&account_id))?;
    let state = state.into_inner();
    blocking(move || {
        state.db.write(|c| -> Result<(), ApiError> {
            let now = state.config.clock.now();
            if !repo::revoke_credential(c, &account_id, &credential_id, now)? {
                return Err(ApiError::not_found());
            }
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SupplyReading {
    #[schema(example = "TN-321K")]
    pub part_number: String,
    #[schema(example = 12, minimum = 0, maximum = 100)]
    pub level_percent: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SupplyReport {
    /// 1 to 20 consumables, each once.
    pub supplies: Vec<SupplyReading>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SupplyOutcome {
    pub part_number: String,
    pub level_percent: i32,
    /// ordered (an order was raised now), order_open (one is open already), above_threshold,
    /// not_stocked (the linked location does not keep it) or not_linked (the device is not
    /// linked to a stock location).
    pub outcome: String,
    /// The order raised now, or the open one.
    pub order_id: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SupplyReportAnswer {
    pub device_id: String,
    pub stock_location_id: Option<String>,
    pub results: Vec<SupplyOutcome>,
}

/// The device credential of a request: 401 for anything else, a user's token included.
fn device_credential(req: &HttpRequest) -> Result<String, ApiError> {
    auth::bearer(req)
        .filter(|t| t.starts_with(PREFIX))
        .map(auth::token_hash)
        .ok_or_else(|| {
            ApiError::new(
                actix_web::http::StatusCode::UNAUTHORIZED,
                ErrorCode::DeviceCredentialRequired,
                Text::key("detail-supply-levels-reported-device-credential-person"),
            )
        })
}

/// A device's supply levels (device telemetry, with a device credential). A consumable
/// under its threshold at the device's linked stock location raises one replenishment order;
/// no second one while it is open, however many reports arrive at once.
#[utoipa::path(
    tag = "stock",
    params(("id" = String, Path)),
    request_body = SupplyReport,
    security(("device_credential" = [])),
    responses(
        (status = 200, body = SupplyReportAnswer),
        (status = 401, description = "No valid device credential (`device_credential_required`, `unauthorized`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a device this credential reports for", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The device was removed (`device_removed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/devices/{id}/supply-levels")]
async fn report_supply_levels(
    state: State,
    req: HttpRequest,
    id: web::Path<String>,
    body: Json<SupplyReport>,
) -> Result<web::Json<SupplyReportAnswer>, ApiError> {
    let token_hash = device_credential(&req)?;
    let state = state.into_inner();
    // Who reports comes first, and is read without taking the write lock.
    let credential = {
        let state = state.clone();
        blocking(move || {
            state
                .db
                .read(|c| repo::find_live_credential(c, &token_hash))?
                .ok_or_else(|| {
                    ApiError::unauthorized(Text::key("detail-device-credential-unknown-revoked"))
                })
        })
        .await?
    };
    let supplies = body
        .into_inner()
        .supplies
        .iter()
        .map(|s| SupplyLevel::parse(&s.part_number, s.level_percent))
        .collect::<Result<Vec<_>, _>>()?;
    let report = app::SupplyReport {
        device_id: id.into_inner(),
        supplies: stock_rules::supply_report(supplies)?,
    };
    let outcome = blocking(move || {
        let now = state.config.clock.now();
        Ok(state
            .db
            .write(|c| app::report_supply_levels(c, &credential, now, report))?)
    })
    .await?;
    let answer = SupplyReportAnswer {
        results: outcome
            .results
            .into_iter()
            .map(|(supply, replenishment)| SupplyOutcome {
                outcome: replenishment.code().into(),
                order_id: replenishment.order_id().map(str::to_owned),
                part_number: supply.part_number,
                level_percent: supply.level_percent,
            })
            .collect(),
        device_id: outcome.device_id,
        stock_location_id: outcome.stock_location_id,
    };
    Ok(web::Json(answer))
}
