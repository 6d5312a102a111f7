//! Service contracts: the contracted response time and the business calendar it is counted
//! in. Staff edit, customers read. Every edit adds a version; older versions stay readable.

use super::Routes;
use actix_web::{get, put, web};
use chrono::{DateTime, Utc};
use fleetdesk_domain::calendar::response_deadline;
use fleetdesk_domain::policy::Action;
use fleetdesk_persistence::contracts::{self as repo, ContractRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::app::contracts as app_contracts;
pub use crate::app::contracts::{ContractTerms, HolidayDto, OfficeHours, OfficeInterval, terms_of};
use crate::auth::{Authenticated, authorize};
use crate::error::{ApiError, ErrorCode, Problem, Text};
use crate::json::Json;
use crate::state::{State, blocking};

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(get_contract).service(put_contract);
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceContract {
    pub account_id: String,
    /// Each edit adds a version; cases keep the version they were opened under.
    pub version: i32,
    #[serde(flatten)]
    pub terms: ContractTerms,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

fn view(row: ContractRow) -> Result<ServiceContract, ApiError> {
    Ok(ServiceContract {
        terms: terms_of(&row)?,
        created_at: row.created_at.and_utc(),
        account_id: row.account_id,
        version: row.version,
        created_by: row.created_by,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContractQuery {
    /// An earlier version; the current one when absent.
    pub version: Option<i32>,
}

/// The account's service contract: response time and business calendar.
#[utoipa::path(
    tag = "accounts",
    params(("id" = String, Path), ContractQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ServiceContract),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account, or no contract (version) yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/accounts/{id}/service-contract")]
async fn get_contract(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    q: web::Query<ContractQuery>,
) -> Result<web::Json<ServiceContract>, ApiError> {
    let who = caller.principal(&state).await?;
    let account_id = id.into_inner();
    authorize(&who, Action::ReadServiceContract, Some(&account_id))?;
    let state = state.into_inner();
    let row = blocking(move || {
        state.db.read(|c| -> Result<ContractRow, ApiError> {
            let row = match q.version {
                Some(v) => repo::find_version(c, &account_id, v)?,
                None => repo::current(c, &account_id)?,
            };
            row.ok_or_else(|| {
                ApiError::new(
                    actix_web::http::StatusCode::NOT_FOUND,
                    ErrorCode::NotFound,
                    Text::key("detail-account-no-such-service-contract"),
                )
            })
        })
    })
    .await?;
    Ok(web::Json(view(row)?))
}

/// Sets the account's service contract (customer service): a new version.
#[utoipa::path(
    tag = "accounts",
    params(("id" = String, Path)),
    request_body = ContractTerms,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new version", body = ServiceContract),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid time zone, times, overlapping intervals, a week without office hours, or a day that does not exist", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/accounts/{id}/service-contract")]
async fn put_contract(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<ContractTerms>,
) -> Result<web::Json<ServiceContract>, ApiError> {
    let who = caller.principal(&state).await?;
    let account_id = id.into_inner();
    authorize(&who, Action::EditServiceContract, Some(&account_id))?;
    body.validate()?;
    let terms = body.into_inner();
    let calendar = terms.calendar()?;
    // Every case opened under these terms must get a deadline.
    let minutes = u32::try_from(terms.response_minutes).map_err(|e| ApiError::internal_from(e))?;
    response_deadline(&calendar, state.config.clock.now(), minutes).map_err(|e| {
        ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::NoOfficeTime,
            e.message(),
        )
    })?;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let row = blocking(move || {
        state.db.write(|c| {
            app_contracts::put(
                c,
                &actor,
                &account_id,
                (terms, calendar),
                state.config.clock.now(),
            )
        })
    })
    .await?;
    Ok(web::Json(view(row)?))
}
