//! The call center: end users' calls, the catalogue of user-performed remedies, and
//! dispatch eligibility.

use super::Routes;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use fleetdesk_domain::accounts::parse_name;
use fleetdesk_domain::dealers::RemedyOutcome;
use fleetdesk_domain::dealers::{AttemptOutcome, CallReason, CallStatus};
use fleetdesk_domain::devices::SerialNumber;
use fleetdesk_domain::identity::Email;
use fleetdesk_domain::policy::Action;
use fleetdesk_persistence::dealers::{self as repo, CallFilter, CallRow, RemedyRow};
use fleetdesk_persistence::devices as devices_repo;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::app::calls::{self as app_calls, CallFacts};
use crate::auth::{Authenticated, authorize_dealer};
use crate::error::{ApiError, Problem, Text};
use crate::formats::{EmailText, ProblemCategoryText, SerialNumberText};
use crate::http::PageParams;
use crate::json::Json;
use crate::labels::{self, AttemptOutcomeName, CallReasonName, CallStatusName, RemedyOutcomeName};
use crate::page::{Listed, Page};
use crate::state::{State, blocking};
use crate::views::{EligibilityView, eligibility_view};

use crate::http::created;

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(create_remedy)
        .service(list_remedies)
        .service(log_call)
        .service(get_call)
        .service(list_calls)
        .service(record_remedy)
        .service(record_attempt)
        .service(redirect_call)
        .service(resolve_call)
        .service(get_eligibility);
}

// ---------------------------------------------------------------------------------------
// The remedy catalogue

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Remedy {
    pub id: String,
    pub problem_category: String,
    /// The model it is specific to; null for every model of the category.
    pub model_id: Option<String>,
    pub title: String,
    pub instructions: String,
    pub active: bool,
}

impl From<RemedyRow> for Remedy {
    fn from(r: RemedyRow) -> Self {
        Self {
            id: r.id,
            problem_category: r.problem_category,
            model_id: r.model_id,
            title: r.title,
            instructions: r.instructions,
            active: r.active,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewRemedy {
    #[schema(value_type = ProblemCategoryText, example = "print_quality")]
    pub problem_category: String,
    pub model_id: Option<String>,
    #[validate(length(min = 1, max = 200))]
    #[schema(
        example = "Run the print head cleaning",
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub title: String,
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub instructions: String,
}

fn parse_category(raw: &str) -> Result<String, ApiError> {
    let c = raw.trim().to_lowercase();
    let ok = !c.is_empty()
        && c.len() <= 60
        && c.chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
    if ok {
        Ok(c)
    } else {
        Err(ApiError::invalid_field(
            "problem_category",
            Text::key("invalid-must-1-60-z-0-9"),
        ))
    }
}

/// Adds a user-performed remedy to the catalogue (call center, customer service).
#[utoipa::path(
    tag = "dealers",
    request_body = NewRemedy,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Remedy, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/remedies")]
async fn create_remedy(
    state: State,
    caller: Authenticated,
    body: Json<NewRemedy>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_dealer(&who, Action::ManageRemedies, None)?;
    body.validate()?;
    let body = body.into_inner();
    let row = RemedyRow {
        id: fleetdesk_persistence::new_id(),
        problem_category: parse_category(&body.problem_category)?,
        model_id: body.model_id,
        title: parse_name("title", &body.title, 200)?,
        instructions: body.instructions.trim().to_owned(),
        active: true,
        created_by: who.user_id.clone(),
        created_at: state.config.clock.now().naive_utc(),
    };
    let state = state.into_inner();
    let row = blocking(move || {
        state.db.write(|c| -> Result<RemedyRow, ApiError> {
            if let Some(model) = &row.model_id {
                devices_repo::find_model(c, model)?.ok_or_else(|| {
                    ApiError::invalid_field("model_id", Text::key("invalid-no-such-model"))
                })?;
            }
            repo::insert_remedy(c, &row)?;
            Ok(row)
        })
    })
    .await?;
    let remedy = Remedy::from(row);
    Ok(created(
        format!(
            "/api/v1/remedies?problem_category={}",
            remedy.problem_category
        ),
        &remedy,
    ))
}

impl Listed for Remedy {
    const PAGE: &'static str = "RemedyPage";
}

pub type RemedyPage = Page<Remedy>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemedyQuery {
    #[param(value_type = Option<ProblemCategoryText>)]
    pub problem_category: Option<String>,
}

/// The remedy catalogue (staff).
#[utoipa::path(
    tag = "dealers",
    params(RemedyQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = RemedyPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/remedies")]
async fn list_remedies(
    state: State,
    caller: Authenticated,
    q: web::Query<RemedyQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<RemedyPage>, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_dealer(&who, Action::ReadCalls, None)?;
    let (limit, after) = page.resolve()?;
    let category = q
        .problem_category
        .as_deref()
        .map(parse_category)
        .transpose()?;
    let state = state.into_inner();
    let page = blocking(move || {
        Ok(state
            .db
            .read(|c| repo::list_remedies(c, category.as_deref(), after.as_deref(), limit))?)
    })
    .await?;
    Ok(web::Json(Page::of(page, Into::into)))
}

// ---------------------------------------------------------------------------------------
// Calls

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Caller {
    #[schema(
        example = "Maria Lopez",
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    pub phone: Option<String>,
    #[schema(value_type = Option<EmailText>)]
    pub email: Option<String>,
    pub company: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RemedyTried {
    pub remedy_id: String,
    pub title: String,
    #[schema(value_type = RemedyOutcomeName)]
    pub outcome: RemedyOutcome,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// Something the agent tried beyond the catalogue, and how it went.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttemptView {
    pub id: String,
    pub description: String,
    #[schema(value_type = AttemptOutcomeName)]
    pub outcome: AttemptOutcome,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A catalogued remedy for the call's problem, and where the call stands with it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RemedyDue {
    pub remedy_id: String,
    pub title: String,
    pub instructions: String,
    /// The latest outcome recorded; null while not tried.
    #[schema(value_type = Option<RemedyOutcomeName>)]
    pub outcome: Option<RemedyOutcome>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Call {
    pub id: String,
    pub serial_number: String,
    pub model_id: Option<String>,
    pub device_id: Option<String>,
    pub caller: Caller,
    pub site_address: Option<String>,
    #[schema(value_type = CallReasonName)]
    pub reason: CallReason,
    pub problem_category: Option<String>,
    pub problem: String,
    #[schema(value_type = CallStatusName)]
    pub status: CallStatus,
    /// The dealer of record the call was redirected to.
    pub redirected_to: Option<String>,
    pub resolution: Option<String>,
    /// The dealer of record for the serial number now, if any.
    pub dealer_of_record: Option<String>,
    /// The catalogued remedies for the problem, with their outcomes on this call.
    pub remedies: Vec<RemedyDue>,
    /// Every remedy outcome recorded, oldest first.
    pub remedies_tried: Vec<RemedyTried>,
    /// The agent's own attempts beyond the catalogue, oldest first.
    pub attempts: Vec<AttemptView>,
    pub called_at: DateTime<Utc>,
}

fn call_view(facts: CallFacts) -> Call {
    let c = facts.call;
    Call {
        caller: Caller {
            name: c.caller_name,
            phone: c.caller_phone,
            email: c.caller_email,
            company: c.caller_company,
        },
        dealer_of_record: facts.registration.map(|r| r.dealer_id),
        remedies: facts
            .due
            .into_iter()
            .map(|(r, latest)| RemedyDue {
                remedy_id: r.id,
                title: r.title,
                instructions: r.instructions,
                outcome: latest.map(|t| *t.outcome),
            })
            .collect(),
        remedies_tried: facts
            .tried
            .into_iter()
            .map(|(t, title)| RemedyTried {
                recorded_at: t.recorded_at.and_utc(),
                remedy_id: t.remedy_id,
                title,
                outcome: *t.outcome,
                note: t.note,
            })
            .collect(),
        attempts: facts
            .attempts
            .into_iter()
            .map(|a| AttemptView {
                recorded_at: a.recorded_at.and_utc(),
                id: a.id,
                description: a.description,
                outcome: *a.outcome,
                recorded_by: a.recorded_by,
            })
            .collect(),
        called_at: c.called_at.and_utc(),
        id: c.id,
        serial_number: c.serial_number,
        model_id: c.model_id,
        device_id: c.device_id,
        site_address: c.site_address,
        reason: *c.reason,
        problem_category: c.problem_category,
        problem: c.problem,
        status: *c.status,
        redirected_to: c.redirected_to,
        resolution: c.resolution,
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewCall {
    #[schema(value_type = SerialNumberText, example = "AB12-3456")]
    pub serial_number: String,
    /// The model, when the caller knows it; taken from the portal's device or the
    /// registration otherwise.
    pub model_id: Option<String>,
    pub caller: Caller,
    #[validate(length(max = 500))]
    pub site_address: Option<String>,
    #[schema(value_type = CallReasonName, example = "service_problem")]
    pub reason: String,
    /// For service problems: the catalogue's problem category.
    #[schema(value_type = Option<ProblemCategoryText>, example = "print_quality")]
    pub problem_category: Option<String>,
    #[validate(length(min = 1, max = 10000))]
    #[schema(example = "Vertical streaks on every print")]
    pub problem: String,
}

/// Logs an end user's call (call center).
#[utoipa::path(
    tag = "dealers",
    request_body = NewCall,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, body = Call, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/calls")]
async fn log_call(
    state: State,
    caller: Authenticated,
    body: Json<NewCall>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_dealer(&who, Action::WorkCalls, None)?;
    body.validate()?;
    let body = body.into_inner();
    let serial = SerialNumber::parse(&body.serial_number)?;
    let reason: CallReason = labels::parse("reason", &body.reason)?;
    let category = body
        .problem_category
        .as_deref()
        .map(parse_category)
        .transpose()?;
    if reason == CallReason::ServiceProblem && category.is_none() {
        return Err(ApiError::invalid_field(
            "problem_category",
            Text::key("invalid-required-service-problem"),
        ));
    }
    let caller_email = body
        .caller
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_field("caller.email", e.reason))?;
    let caller_name = parse_name("caller.name", &body.caller.name, 100)?;
    let optional = |field: &'static str, v: &Option<String>, max: usize| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| parse_name(field, s, max))
            .transpose()
    };
    let caller_phone = optional("caller.phone", &body.caller.phone, 40)?;
    let caller_company = optional("caller.company", &body.caller.company, 200)?;
    let site_address = optional("site_address", &body.site_address, 500)?;
    let new = app_calls::NewCall {
        serial,
        model_id: body.model_id,
        reason,
        problem_category: category,
        problem: body.problem.trim().to_owned(),
        caller_name,
        caller_phone,
        caller_email,
        caller_company,
        site_address,
    };
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let call = blocking(move || {
        let now = state.config.clock.now();
        state
            .db
            .write(|c| Ok(call_view(app_calls::log(c, &actor, new, now)?)))
    })
    .await?;
    Ok(created(format!("/api/v1/calls/{}", call.id), &call))
}

/// A call as a list shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CallSummary {
    pub id: String,
    pub serial_number: String,
    pub caller_name: String,
    #[schema(value_type = CallReasonName)]
    pub reason: CallReason,
    pub problem_category: Option<String>,
    pub problem: String,
    #[schema(value_type = CallStatusName)]
    pub status: CallStatus,
    pub called_at: DateTime<Utc>,
}

impl From<CallRow> for CallSummary {
    fn from(c: CallRow) -> Self {
        Self {
            called_at: c.called_at.and_utc(),
            id: c.id,
            serial_number: c.serial_number,
            caller_name: c.caller_name,
            reason: *c.reason,
            problem_category: c.problem_category,
            problem: c.problem,
            status: *c.status,
        }
    }
}

impl Listed for CallSummary {
    const PAGE: &'static str = "CallPage";
}

pub type CallPage = Page<CallSummary>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallQuery {
    #[param(value_type = Option<CallStatusName>)]
    pub status: Option<String>,
    #[param(value_type = Option<SerialNumberText>)]
    pub serial_number: Option<String>,
}

/// The call center's calls, oldest first (staff).
#[utoipa::path(
    tag = "dealers",
    params(CallQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CallPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/calls")]
async fn list_calls(
    state: State,
    caller: Authenticated,
    q: web::Query<CallQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<CallPage>, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_dealer(&who, Action::ReadCalls, None)?;
    let (limit, after) = page.resolve()?;
    let q = q.into_inner();
    let filter = CallFilter {
        status: labels::parse_opt("status", q.status.as_deref())?,
        serial_number: SerialNumber::parse_filter(q.serial_number.as_deref())?,
    };
    let state = state.into_inner();
    let page = blocking(move || {
        Ok(state
            .db
            .read(|c| repo::list_calls(c, &filter, after.as_deref(), limit))?)
    })
    .await?;
    Ok(web::Json(Page::of(page, CallSummary::from)))
}

/// A call with the remedies due and tried, and the dealer of record (staff).
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Call),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/calls/{id}")]
async fn get_call(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Call>, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_dealer(&who, Action::ReadCalls, None)?;
    let state = state.into_inner();
    let call = blocking(move || state.db.read(|c| Ok(call_view(CallFacts::load(c, &id)?)))).await?;
    Ok(web::Json(call))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewRemedyOutcome {
    pub remedy_id: String,
    /// `not_applicable` needs a note saying why.
    #[schema(value_type = RemedyOutcomeName, example = "failed")]
    pub outcome: String,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

/// Records a user-performed remedy tried on the call and its outcome (call center).
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    request_body = NewRemedyOutcome,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Call, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call is no longer open (`call_closed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a remedy for this call's problem, or not applicable without a note", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/calls/{id}/remedies")]
async fn record_remedy(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<NewRemedyOutcome>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_dealer(&who, Action::WorkCalls, None)?;
    body.validate()?;
    let body = body.into_inner();
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let outcome = RemedyOutcome::parse(body.outcome.trim(), note.as_deref())?;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let call = blocking(move || {
        let now = state.config.clock.now();
        let tried = (body.remedy_id.as_str(), outcome, note);
        state.db.write(|c| {
            Ok(call_view(app_calls::record_remedy(
                c, &actor, &id, tried, now,
            )?))
        })
    })
    .await?;
    Ok(created(format!("/api/v1/calls/{}", call.id), &call))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewAttempt {
    /// What the agent had the caller try, in a sentence or two.
    #[validate(length(min = 1, max = 2000))]
    #[schema(
        example = "Had the caller power-cycle the finisher; the jam error returned.",
        min_length = 1,
        max_length = 2000
    )]
    pub description: String,
    #[schema(value_type = AttemptOutcomeName, example = "failed")]
    pub outcome: String,
}

/// Records what the agent tried on the phone beyond the catalogued remedies, and how it went
/// (call center). For a problem with no catalogued remedy, a failed attempt is what makes the
/// call eligible for dispatch.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    request_body = NewAttempt,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Call, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call is no longer open (`call_closed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty description or an unknown outcome", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/calls/{id}/attempts")]
async fn record_attempt(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<NewAttempt>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_dealer(&who, Action::WorkCalls, None)?;
    body.validate()?;
    let body = body.into_inner();
    let description = body.description.trim().to_owned();
    if description.is_empty() {
        return Err(ApiError::invalid_field(
            "description",
            Text::key("invalid-must-empty"),
        ));
    }
    let outcome: AttemptOutcome = labels::parse("outcome", &body.outcome)?;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let call = blocking(move || {
        let now = state.config.clock.now();
        let attempt = (description, outcome);
        state.db.write(|c| {
            Ok(call_view(app_calls::record_attempt(
                c, &actor, &id, attempt, now,
            )?))
        })
    })
    .await?;
    Ok(created(format!("/api/v1/calls/{}", call.id), &call))
}

/// Redirects the caller to the dealer of record (call center): the dealer is mailed the
/// caller's details.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Call),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No dealer of record (`no_dealer_of_record`), or the call is closed (`call_closed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/calls/{id}/redirect")]
async fn redirect_call(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Call>, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_dealer(&who, Action::WorkCalls, None)?;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let call = blocking(move || {
        let now = state.config.clock.now();
        state
            .db
            .write(|c| Ok(call_view(app_calls::redirect(c, &actor, &id, now)?)))
    })
    .await?;
    Ok(web::Json(call))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct Resolution {
    #[validate(length(min = 1, max = 5000))]
    #[schema(example = "Answered: the duplex unit is an option for this model.")]
    pub resolution: String,
}

/// Closes a call the call center resolved itself: a question answered, an enquiry handled,
/// or a problem solved by phone.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    request_body = Resolution,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Call),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call is closed (`call_closed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/calls/{id}/resolve")]
async fn resolve_call(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<Resolution>,
) -> Result<web::Json<Call>, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_dealer(&who, Action::WorkCalls, None)?;
    body.validate()?;
    let resolution = body.into_inner().resolution.trim().to_owned();
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let call = blocking(move || {
        let now = state.config.clock.now();
        let resolved = |c: &mut _| app_calls::resolve(c, &actor, &id, &resolution, now);
        state.db.write(|c| Ok(call_view(resolved(c)?)))
    })
    .await?;
    Ok(web::Json(call))
}

/// Whether the call center may dispatch service for this call, to whom, and why (staff).
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = EligibilityView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/calls/{id}/dispatch-eligibility")]
async fn get_eligibility(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<EligibilityView>, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_dealer(&who, Action::ReadCalls, None)?;
    let state = state.into_inner();
    let view = blocking(move || {
        state.db.read(|c| -> Result<EligibilityView, ApiError> {
            let facts = CallFacts::load(c, &id)?;
            eligibility_view(&facts.eligibility(c)?)
        })
    })
    .await?;
    Ok(web::Json(view))
}
