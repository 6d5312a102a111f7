//! Warranty part claims (the e-Tag process): a dealer claims a defective part from one of its
//! closed-out dispatches or a device it has registered; a warranty administrator decides.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use fleetdesk_domain::accounts::parse_name;
use fleetdesk_domain::dealers::{self as rules, Verdict};
use fleetdesk_domain::dealers::{ClaimStatus, DispatchStatus, RegistrationStatus};
use fleetdesk_domain::devices::SerialNumber;
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::policy::{self, Action};
use fleetdesk_persistence::dealers::{self as repo, ClaimFilter, ClaimRow};
use fleetdesk_persistence::devices as devices_repo;
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::{Conn, DbError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::{Authenticated, authorize_dealer};
use crate::error::{ApiError, ErrorCode, Problem};
use crate::http::PageParams;
use crate::labels::{self, ClaimStatusName};
use crate::mail;
use crate::page::{Listed, Page};
use crate::state::{State, blocking};

use crate::app::dealers as app_dealers;
use crate::app::dealers::own_dealer;
use crate::http::created;
use crate::views::Section2;

pub fn routes(cfg: &mut ServiceConfig) {
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
    #[schema(example = "QM7-1234", min_length = 1, max_length = 40)]
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

/// What a claim is made against, as checked: the part number as reported, the serial number
/// and the warranty end.
struct ClaimSource {
    dispatch_id: Option<String>,
    registration_id: Option<String>,
    serial_number: String,
    part_number: String,
    warranty_end: Option<NaiveDate>,
}

fn not_yours(field: &'static str, what: &str) -> ApiError {
    ApiError::invalid_field(field, format!("is not one of your {what}"))
}

/// The claim's dispatch or registration, which must be the dealer's own.
fn claim_source(
    c: &mut Conn,
    dealer_id: &str,
    body: &NewClaim,
    part_number: &str,
) -> Result<ClaimSource, ApiError> {
    match (&body.dispatch_id, &body.registration_id) {
        (Some(dispatch_id), None) => {
            let dispatch = repo::find_dispatch(c, dispatch_id)?
                .filter(|d| d.dealer_id.as_deref() == Some(dealer_id))
                .ok_or_else(|| not_yours("dispatch_id", "dispatches"))?;
            let section2: Section2 = match (&dispatch.section2, *dispatch.status) {
                (Some(s), DispatchStatus::ClosedOut) => {
                    serde_json::from_str(s).map_err(|e| ApiError::internal_from(e))?
                }
                _ => {
                    return Err(ApiError::invalid_field(
                        "dispatch_id",
                        "is not closed out yet",
                    ));
                }
            };
            let reported = section2
                .parts
                .iter()
                .map(|p| (p.part_number.as_str(), p.defective));
            let part = rules::claimed_part(reported, part_number)?;
            Ok(ClaimSource {
                dispatch_id: Some(dispatch.id),
                registration_id: dispatch.registration_id,
                serial_number: dispatch.serial_number,
                part_number: part.to_owned(),
                warranty_end: dispatch.warranty_end,
            })
        }
        (None, Some(registration_id)) => {
            let (registration, _) = repo::find_registration(c, registration_id)?
                .filter(|(r, _)| r.dealer_id == dealer_id && r.status == RegistrationStatus::Active)
                .ok_or_else(|| not_yours("registration_id", "active registrations"))?;
            let device_warranty = match &registration.device_id {
                Some(id) => devices_repo::find_device(c, id)?.map(|d| d.device.warranty_end),
                None => None,
            };
            Ok(ClaimSource {
                dispatch_id: None,
                warranty_end: device_warranty.or(registration.warranty_end),
                registration_id: Some(registration.id),
                serial_number: registration.serial_number,
                part_number: part_number.to_owned(),
            })
        }
        _ => Err(ApiError::invalid_field(
            "dispatch_id",
            "name either a dispatch or a registration",
        )),
    }
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
    who: Authenticated,
    body: web::Json<NewClaim>,
) -> Result<HttpResponse, ApiError> {
    authorize_dealer(&who.0, Action::SubmitClaims, None)?;
    let dealer_id = own_dealer(&who.0)?;
    body.validate()?;
    let body = body.into_inner();
    let part_number = parse_name("part_number", &body.part_number, 40)?;
    let defect = body.defect.trim().to_owned();
    if defect.is_empty() {
        return Err(ApiError::invalid_field("defect", "must not be empty"));
    }
    let state = state.into_inner();
    let actor = who.0.user_id;
    let claim = blocking(move || {
        state.db.write(|c| -> Result<ClaimRow, ApiError> {
            let source = claim_source(c, &dealer_id, &body, &part_number)?;
            let now = state.config.clock.now();
            rules::check_claim_failure_date(
                body.failure_date,
                source.warranty_end,
                now.date_naive(),
            )?;
            let row = ClaimRow {
                id: fleetdesk_persistence::new_id(),
                dealer_id,
                dispatch_id: source.dispatch_id,
                registration_id: source.registration_id,
                serial_number: source.serial_number,
                part_number: source.part_number,
                defect,
                failure_date: body.failure_date,
                status: Stored(ClaimStatus::Submitted),
                decision_reason: None,
                submitted_by: actor.clone(),
                submitted_at: now.naive_utc(),
                decided_by: None,
                decided_at: None,
            };
            repo::insert_claim(c, &row).map_err(|e| match e {
                DbError::UniqueViolation(_) => ApiError::conflict(
                    ErrorCode::ClaimExists,
                    "this part of the dispatch is claimed already",
                ),
                other => other.into(),
            })?;
            app_dealers::event(
                c,
                EventKind::ClaimSubmitted,
                "warranty_claim",
                &row.id,
                None,
                &actor,
                json!({ "dealer_id": row.dealer_id, "dispatch_id": row.dispatch_id,
                        "serial_number": row.serial_number, "part_number": row.part_number }),
                now,
            )?;
            Ok(row)
        })
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
    who: Authenticated,
    q: web::Query<ClaimQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<ClaimPage>, ApiError> {
    let (limit, after) = page.resolve()?;
    let dealer_id =
        policy::dealer_scope(&who.0, Action::ReadClaims).ok_or_else(ApiError::forbidden)?;
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

fn claim_for(
    c: &mut Conn,
    who: &fleetdesk_domain::identity::Principal,
    action: Action,
    id: &str,
) -> Result<ClaimRow, ApiError> {
    let row = repo::find_claim(c, id)?.ok_or_else(ApiError::not_found)?;
    authorize_dealer(who, action, Some(&row.dealer_id))?;
    Ok(row)
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
    who: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<WarrantyClaim>, ApiError> {
    let state = state.into_inner();
    let row = blocking(move || {
        state
            .db
            .read(|c| claim_for(c, &who.0, Action::ReadClaims, &id))
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
    who: Authenticated,
    id: web::Path<String>,
    body: web::Json<ClaimDecision>,
) -> Result<web::Json<WarrantyClaim>, ApiError> {
    body.validate()?;
    let verdict = Verdict::parse(&body.decision, body.reason.as_deref())?;
    let state = state.into_inner();
    let row = blocking(move || {
        state.db.write(|c| -> Result<ClaimRow, ApiError> {
            let row = claim_for(c, &who.0, Action::DecideClaims, &id)?;
            let now = state.config.clock.now();
            let decided = repo::decide_claim(
                c,
                &row.id,
                if verdict.approved {
                    ClaimStatus::Approved
                } else {
                    ClaimStatus::Rejected
                },
                verdict.reason.as_deref(),
                &who.0.user_id,
                now,
            )?;
            if !decided {
                return Err(ApiError::conflict(
                    ErrorCode::ClaimDecided,
                    format!("the claim was {} already", row.status),
                ));
            }
            app_dealers::event(
                c,
                EventKind::ClaimDecided,
                "warranty_claim",
                &row.id,
                None,
                &who.0.user_id,
                json!({ "dealer_id": row.dealer_id, "decision": verdict.as_str() }),
                now,
            )?;
            if let Some(to) = repo::find_dealer(c, &row.dealer_id)?.and_then(|d| d.contact_email) {
                let reason = verdict
                    .reason
                    .as_deref()
                    .map(|r| format!("Reason: {r}\n"))
                    .unwrap_or_default();
                mail::enqueue(
                    c,
                    &to,
                    (
                        format!(
                            "Warranty claim {}: part {} of serial {}",
                            verdict.as_str(),
                            row.part_number,
                            row.serial_number
                        ),
                        format!(
                            "Your warranty claim {} for part {} (serial number {}) was {}.\n{reason}",
                            row.id,
                            row.part_number,
                            row.serial_number,
                            verdict.as_str()
                        ),
                    ), state.config.clock.now(),
                )?;
            }
            repo::find_claim(c, &row.id)?.ok_or_else(|| ApiError::internal())
        })
    })
    .await?;
    Ok(web::Json(row.into()))
}
