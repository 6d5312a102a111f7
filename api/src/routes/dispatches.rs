//! Dispatches: created from an eligible call, accepted and closed out by the dealer, and
//! labour compensation decided by warranty administrators.

use super::Routes;
use actix_web::{HttpResponse, Responder, get, post, put, web};
use chrono::{DateTime, Utc};
use fleetdesk_domain::dealers::{self as rules, CloseOut, LabourReason, PartUsed, Verdict};
use fleetdesk_domain::dealers::{DispatchRoute, DispatchStatus};
use fleetdesk_domain::policy::{self, Action, DispatchScope};
use fleetdesk_persistence::dealers::{self as repo, DispatchFilter, DispatchRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{Authenticated, authorize_dealer};
use crate::error::{ApiError, Problem, Text};
use crate::http::{PageParams, encode_cursor};
use crate::i18n::{Language, Reader};
use crate::json::Json;
use crate::labels::{self, DispatchRouteName, DispatchStatusName};
use crate::page::{Listed, Page};
use crate::state::{State, blocking};

use crate::app::dispatches::{self as app_dispatches, dispatch_for, labour_reasons};
use crate::http::created;
use crate::views::Section2;

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(create_dispatch)
        .service(list_dispatches)
        .service(get_dispatch)
        .service(accept_dispatch)
        .service(close_out)
        .service(assign_dispatch_technician)
        .service(get_labour_compensation)
        .service(decide_labour);
}

// ---------------------------------------------------------------------------------------
// Dispatches

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Dispatch {
    pub id: String,
    pub call_id: String,
    /// `dealer` (to the dealer of record) or `call_center` (the call center's own service).
    #[schema(value_type = DispatchRouteName)]
    pub route: DispatchRoute,
    pub dealer_id: Option<String>,
    /// Section 1, fixed from the call: call, device, site and contact, problem, remedies
    /// tried, warranty status.
    #[schema(value_type = Object)]
    pub section1: serde_json::Value,
    #[schema(value_type = DispatchStatusName)]
    pub status: DispatchStatus,
    /// The field technician a dispatch planner assigned (the call center's own service).
    pub assigned_technician_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub section2: Option<Section2>,
    pub closed_out_at: Option<DateTime<Utc>>,
    /// The labour decision, once taken: approved or rejected.
    pub labour_decision: Option<String>,
}

fn dispatch_view(d: DispatchRow) -> Result<Dispatch, ApiError> {
    let unreadable = |e: serde_json::Error| ApiError::internal_from(e);
    Ok(Dispatch {
        section1: serde_json::from_str(&d.section1).map_err(unreadable)?,
        section2: d
            .section2
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(unreadable)?,
        created_at: d.created_at.and_utc(),
        accepted_at: d.accepted_at.map(|t| t.and_utc()),
        closed_out_at: d.closed_out_at.map(|t| t.and_utc()),
        id: d.id,
        call_id: d.call_id,
        route: *d.route,
        dealer_id: d.dealer_id,
        status: *d.status,
        assigned_technician_id: d.assigned_technician_id,
        labour_decision: d.labour_decision,
    })
}

/// Dispatches service for a call (call center) when the call is eligible: to the dealer of
/// record, or as the call center's own service. Section 1 is built from the call.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, body = Dispatch, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call is closed or dispatched already (`call_closed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not eligible (`dispatch_not_eligible`), with every reason", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/calls/{id}/dispatches")]
async fn create_dispatch(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_dealer(&who, Action::CreateDispatch, None)?;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let dispatch = blocking(move || {
        let now = state.config.clock.now();
        state
            .db
            .write(|c| dispatch_view(app_dispatches::create(c, &actor, &id, now)?))
    })
    .await?;
    Ok(created(
        format!("/api/v1/dispatches/{}", dispatch.id),
        &dispatch,
    ))
}

impl Listed for Dispatch {
    const PAGE: &'static str = "DispatchPage";
}

pub type DispatchPage = Page<Dispatch>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DispatchQuery {
    #[param(value_type = Option<DispatchStatusName>)]
    pub status: Option<String>,
    #[param(value_type = Option<DispatchRouteName>)]
    pub route: Option<String>,
    /// The field technician assigned (own-service dispatches).
    pub technician_id: Option<String>,
}

/// Dispatches: a dealer's own, a technician's assigned ones, or (other staff) all.
#[utoipa::path(
    tag = "dealers",
    params(DispatchQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DispatchPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dispatches")]
async fn list_dispatches(
    state: State,
    caller: Authenticated,
    q: web::Query<DispatchQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<DispatchPage>, ApiError> {
    let who = caller.principal(&state).await?;
    let (limit, after) = page.resolve()?;
    let scope =
        policy::dispatch_scope(&who, Action::ReadDispatches).ok_or_else(ApiError::forbidden)?;
    let q = q.into_inner();
    let (dealer_id, technician_id) = match scope {
        DispatchScope::All => (None, q.technician_id),
        DispatchScope::Dealer(d) => (Some(d), q.technician_id),
        DispatchScope::AssignedTo(t) => (None, Some(t)),
    };
    let filter = DispatchFilter {
        dealer_id,
        technician_id,
        status: labels::parse_opt("status", q.status.as_deref())?,
        route: labels::parse_opt("route", q.route.as_deref())?,
    };
    let state = state.into_inner();
    let page = blocking(move || {
        Ok(state
            .db
            .read(|c| repo::list_dispatches(c, &filter, after.as_deref(), limit))?)
    })
    .await?;
    Ok(web::Json(DispatchPage {
        next_cursor: page.next_after.as_deref().map(encode_cursor),
        items: page
            .items
            .into_iter()
            .map(dispatch_view)
            .collect::<Result<_, _>>()?,
    }))
}

/// One dispatch; another dealer's is not found.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Dispatch),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dispatches/{id}")]
async fn get_dispatch(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Dispatch>, ApiError> {
    let who = caller.principal(&state).await?;
    let state = state.into_inner();
    let row = blocking(move || {
        state
            .db
            .read(|c| dispatch_for(c, &who, Action::ReadDispatches, &id))
    })
    .await?;
    Ok(web::Json(dispatch_view(row)?))
}

/// Accepts a dispatch (the dispatched dealer's users).
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Dispatch),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting for acceptance (`dispatch_not_waiting`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dispatches/{id}/accept")]
async fn accept_dispatch(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Dispatch>, ApiError> {
    let who = caller.principal(&state).await?;
    let state = state.into_inner();
    let row = blocking(move || {
        state
            .db
            .write(|c| app_dispatches::accept(c, &who, &id, state.config.clock.now()))
    })
    .await?;
    Ok(web::Json(dispatch_view(row)?))
}

/// Closes a dispatch out with section 2 of the dispatch form (the dispatched dealer's users):
/// arrival, completion, labour time, parts used, resolution, technician.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    request_body = Section2,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Dispatch),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not accepted, or closed out already (`dispatch_not_accepted`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dispatches/{id}/close-out")]
async fn close_out(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<Section2>,
) -> Result<web::Json<Dispatch>, ApiError> {
    let section2 = body.into_inner();
    let form = CloseOut {
        arrived_at: section2.arrived_at,
        completed_at: section2.completed_at,
        labour_minutes: section2.labour_minutes,
        parts: section2
            .parts
            .iter()
            .map(|p| PartUsed {
                part_number: p.part_number.trim().to_owned(),
                quantity: p.quantity,
                defective: p.defective,
            })
            .collect(),
        resolution: section2.resolution.trim().to_owned(),
        technician: section2.technician.trim().to_owned(),
    };
    let clock = state.config.clock.clone();
    let row = caller
        .write(&state, move |c, who| {
            app_dispatches::close_out(c, who, &id, (form, section2), clock.now())
        })
        .await?;
    Ok(web::Json(dispatch_view(row)?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DispatchTechnician {
    /// A field technician's user id; null removes the assignment.
    pub technician_id: Option<String>,
}

/// Assigns a field technician to the call center's own-service dispatch (dispatch
/// planners); the technician then accepts it and closes it out.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    request_body = DispatchTechnician,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Dispatch),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A dealer's dispatch, or closed out (`not_own_service`, `dispatch_closed_out`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a field technician", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/dispatches/{id}/technician")]
async fn assign_dispatch_technician(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<DispatchTechnician>,
) -> Result<web::Json<Dispatch>, ApiError> {
    let technician_id = body.into_inner().technician_id;
    let clock = state.config.clock.clone();
    let row = caller
        .write(&state, move |c, who| {
            app_dispatches::assign_technician(c, who, &id, technician_id.as_deref(), clock.now())
        })
        .await?;
    Ok(web::Json(dispatch_view(row)?))
}

// ---------------------------------------------------------------------------------------
// Labour compensation

/// A reason labour is not compensated.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LabourReasonView {
    /// not_dispatched_by_call_center, own_service, not_closed_out, out_of_warranty,
    /// warranty_unknown or warranty_marketing_program.
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LabourDecisionView {
    /// approved or rejected.
    pub decision: String,
    /// The amount approved, in the currency's minor unit.
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    /// Why it was rejected, or a note to the approval.
    pub reason: Option<String>,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

/// Whether a dispatch's labour is compensated, every reason against, and the decision.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LabourCompensation {
    pub dispatch_id: String,
    pub eligible: bool,
    pub reasons: Vec<LabourReasonView>,
    pub decision: Option<LabourDecisionView>,
}

fn reason_views(reasons: &[LabourReason], lang: Language) -> Vec<LabourReasonView> {
    reasons
        .iter()
        .map(|r| LabourReasonView {
            code: r.code().to_owned(),
            message: Text::from(r.message()).render(lang),
        })
        .collect()
}

fn labour_view(d: &DispatchRow, lang: Language) -> LabourCompensation {
    let reasons = labour_reasons(d);
    let decision = match (
        &d.labour_decision,
        &d.labour_decided_by,
        d.labour_decided_at,
    ) {
        (Some(decision), Some(by), Some(at)) => Some(LabourDecisionView {
            decision: decision.clone(),
            amount_minor: d.labour_amount_minor,
            currency: d.labour_currency.clone(),
            reason: d.labour_reason.clone(),
            decided_by: by.clone(),
            decided_at: at.and_utc(),
        }),
        _ => None,
    };
    LabourCompensation {
        dispatch_id: d.id.clone(),
        eligible: reasons.is_empty(),
        reasons: reason_views(&reasons, lang),
        decision,
    }
}

/// Labour compensation of a dispatch: eligibility with every reason against, and the
/// warranty administrator's decision (staff; the dispatched dealer).
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = LabourCompensation),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dispatches/{id}/labor-compensation")]
async fn get_labour_compensation(
    state: State,
    caller: Authenticated,
    reader: Reader,
    id: web::Path<String>,
) -> Result<actix_web::CustomizeResponder<web::Json<LabourCompensation>>, ApiError> {
    let who = caller.principal(&state).await?;
    let state = state.into_inner();
    let row = blocking(move || {
        state
            .db
            .read(|c| dispatch_for(c, &who, Action::ReadDispatches, &id))
    })
    .await?;
    let lang = reader.language();
    Ok(web::Json(labour_view(&row, lang))
        .customize()
        .insert_header((actix_web::http::header::CONTENT_LANGUAGE, lang.as_str())))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewLabourDecision {
    /// approved or rejected.
    #[schema(example = "approved")]
    pub decision: String,
    /// For an approval: the amount, in the currency's minor unit.
    #[schema(example = 12500, minimum = 1, maximum = 100000000)]
    pub amount_minor: Option<i64>,
    /// For an approval: ISO 4217 code.
    #[schema(example = "USD")]
    pub currency: Option<String>,
    /// Why, for a rejection (required); a note, for an approval.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// Decides a dispatch's labour compensation once (warranty administrators): approve with an
/// amount, only when eligible, or reject with a reason once the dispatch is closed out.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    request_body = NewLabourDecision,
    security(("bearer" = [])),
    responses(
        (status = 200, body = LabourCompensation),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already (`labour_decided`), or not closed out (`dispatch_not_closed_out`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid, or an approval of labour that is not eligible (`labour_not_eligible`, with every reason)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dispatches/{id}/labor-compensation/decision")]
async fn decide_labour(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    reader: Reader,
    body: Json<NewLabourDecision>,
) -> Result<actix_web::CustomizeResponder<web::Json<LabourCompensation>>, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let verdict = Verdict::parse(&body.decision, body.reason.as_deref())?;
    let amount = rules::parse_labour_amount(
        &verdict,
        body.amount_minor,
        body.currency.as_deref().map(str::trim),
    )?;
    let clock = state.config.clock.clone();
    let row = caller
        .write(&state, move |c, who| {
            app_dispatches::decide_labour(c, who, &id, (verdict, amount), clock.now())
        })
        .await?;
    let lang = reader.language();
    Ok(web::Json(labour_view(&row, lang))
        .customize()
        .insert_header((actix_web::http::header::CONTENT_LANGUAGE, lang.as_str())))
}
