//! Warranty part claims (the e-Tag process): a dealer claims a defective part from one of its
//! closed-out dispatches or a device it has registered; a warranty administrator decides.

use super::Routes;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use fleetdesk_domain::accounts::parse_name;
use fleetdesk_domain::dealers::ClaimStatus;
use fleetdesk_domain::dealers::Verdict;
use fleetdesk_domain::devices::SerialNumber;
use fleetdesk_domain::policy::{self, Action};
use fleetdesk_persistence::dealers::{self as repo, ClaimFilter, ClaimRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::app::claims::{self as app_claims, claim_for};
use crate::auth::{Authenticated, authorize_dealer};
use crate::error::{ApiError, Problem, Text};
use crate::formats::SerialNumberText;
use crate::http::PageParams;
use crate::json::Json;
use crate::labels::{self, ClaimStatusName};
use crate::page::{Listed, Page};
use crate::state::{State, blocking};

use crate::app::dealers::own_dealer;
use crate::http::created;

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(submit_claim)
        .service(list_claims)
        .service(get_claim)
        .service(decide_claim);
}

/// One step of a claim's life.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClaimStep {
    #[schema(value_type = ClaimStatusName)]
    pub status: ClaimStatus,
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WarrantyClaim {
    pub id: String,
    pub dealer_id: String,
    /// The closed-out dispatch the part was replaced in, when claimed from one.
    pub dispatch_id: Option<String>,
    /// The registration of the device, when claimed from one.
    pub registration_id: Option<String>,
    pub serial_number: String,
    pub part_number: String,
    pub defect: String,
    pub failure_date: NaiveDate,
    #[schema(value_type = ClaimStatusName)]
    pub status: ClaimStatus,
    /// Why it was rejected, or a note to the approval.
    pub decision_reason: Option<String>,
    /// Submission and decision, oldest first.
    pub history: Vec<ClaimStep>,
}

impl From<ClaimRow> for WarrantyClaim {
    fn from(r: ClaimRow) -> Self {
        let mut history = vec![ClaimStep {
            status: ClaimStatus::Submitted,
            at: r.submitted_at.and_utc(),
            by: r.submitted_by,
            reason: None,
        }];
        if let (Some(by), Some(at)) = (r.decided_by, r.decided_at) {
            history.push(ClaimStep {
                status: *r.status,
                at: at.and_utc(),
                by,
                reason: r.decision_reason.clone(),
            });
        }
        Self {
            id: r.id,
            dealer_id: r.dealer_id,
            dispatch_id: r.dispatch_id,
            registration_id: r.registration_id,
            serial_number: r.serial_number,
            part_number: r.part_number,
            defect: r.defect,
            failure_date: r.failure_date,
            status: *r.status,
            decision_reason: r.decision_reason,
            history,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewClaim {
    /// One of the dealer's closed-out dispatches whose section 2 reported the part defective;
    /// or name `registration_id` instead.
    pub dispatch_id: Option<String>,
    /// One of the dealer's active registrations.
    pub registration_id: Option<String>,
    #[schema(
        example = "QM7-1234",
        min_length = 1,
        max_length = 40,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub part_number: String,
    #[validate(length(min = 1, max = 2000))]
    #[schema(
        example = "Carriage motor stalls under load",
        min_length = 1,
        max_length = 2000
    )]
    pub defect: String,
    /// Within the device's warranty, and not in the future.
    pub failure_date: NaiveDate,
}

/// Claims a defective part under warranty (dealers): from one of the dealer's closed-out
/// dispatches (the part reported defective in section 2) or a device it has registered.
/// Refused unless the failure date lies within the device's warranty.
#[utoipa::path(
    tag = "dealers",
    request_body = NewClaim,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, body = WarrantyClaim, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "This part of the dispatch is claimed already (`claim_exists`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid; not the dealer's dispatch or registration; the part not reported defective; the failure out of warranty", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/warranty-claims")]
async fn submit_claim(
    state: State,
    caller: Authenticated,
    body: Json<NewClaim>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_dealer(&who, Action::SubmitClaims, None)?;
    let dealer_id = own_dealer(&who)?;
    body.validate()?;
    let body = body.into_inner();
    let part_number = parse_name("part_number", &body.part_number, 40)?;
    let defect = body.defect.trim().to_owned();
    if defect.is_empty() {
        return Err(ApiError::invalid_field(
            "defect",
            Text::key("invalid-must-empty"),
        ));
    }
    let new = app_claims::NewClaim {
        dispatch_id: body.dispatch_id,
        registration_id: body.registration_id,
        part_number,
        defect,
        failure_date: body.failure_date,
    };
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let claim = blocking(move || {
        let now = state.config.clock.now();
        state
            .db
            .write(|c| app_claims::submit(c, &actor, dealer_id, new, now))
    })
    .await?;
    let claim = WarrantyClaim::from(claim);
    Ok(created(
        format!("/api/v1/warranty-claims/{}", claim.id),
        &claim,
    ))
}

impl Listed for WarrantyClaim {
    const PAGE: &'static str = "ClaimPage";
}

pub type ClaimPage = Page<WarrantyClaim>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClaimQuery {
    #[param(value_type = Option<ClaimStatusName>)]
    pub status: Option<String>,
    pub dispatch_id: Option<String>,
    #[param(value_type = Option<SerialNumberText>)]
    pub serial_number: Option<String>,
}

/// Warranty claims: a dealer's own, or (staff) all, oldest first.
#[utoipa::path(
    tag = "dealers",
    params(ClaimQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ClaimPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/warranty-claims")]
async fn list_claims(
    state: State,
    caller: Authenticated,
    q: web::Query<ClaimQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<ClaimPage>, ApiError> {
    let who = caller.principal(&state).await?;
    let (limit, after) = page.resolve()?;
    let dealer_id =
        policy::dealer_scope(&who, Action::ReadClaims).ok_or_else(ApiError::forbidden)?;
    let q = q.into_inner();
    let filter = ClaimFilter {
        dealer_id,
        status: labels::parse_opt("status", q.status.as_deref())?,
        dispatch_id: q.dispatch_id,
        serial_number: SerialNumber::parse_filter(q.serial_number.as_deref())?,
    };
    let state = state.into_inner();
    let page = blocking(move || {
        Ok(state
            .db
            .read(|c| repo::list_claims(c, &filter, after.as_deref(), limit))?)
    })
    .await?;
    Ok(web::Json(Page::of(page, WarrantyClaim::from)))
}

/// One warranty claim with its history; another dealer's is not found.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = WarrantyClaim),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/warranty-claims/{id}")]
async fn get_claim(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<WarrantyClaim>, ApiError> {
    let who = caller.principal(&state).await?;
    let state = state.into_inner();
    let row = blocking(move || {
        state
            .db
            .read(|c| claim_for(c, &who, Action::ReadClaims, &id))
    })
    .await?;
    Ok(web::Json(row.into()))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ClaimDecision {
    /// approved or rejected.
    #[schema(example = "rejected")]
    pub decision: String,
    /// Why, for a rejection (required); a note, for an approval.
    #[validate(length(max = 2000))]
    #[schema(
        example = "The part was damaged by a non-genuine toner.",
        max_length = 2000
    )]
    pub reason: Option<String>,
}

/// Approves or rejects a submitted claim once (warranty administrators); the dealer is
/// mailed the decision.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    request_body = ClaimDecision,
    security(("bearer" = [])),
    responses(
        (status = 200, body = WarrantyClaim),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already (`claim_decided`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/warranty-claims/{id}/decision")]
async fn decide_claim(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<ClaimDecision>,
) -> Result<web::Json<WarrantyClaim>, ApiError> {
    let who = caller.principal(&state).await?;
    body.validate()?;
    let verdict = Verdict::parse(&body.decision, body.reason.as_deref())?;
    let state = state.into_inner();
    let row = blocking(move || {
        state
            .db
            .write(|c| app_claims::decide(c, &who, &id, verdict, state.config.clock.now()))
    })
    .await?;
    Ok(web::Json(row.into()))
}
