//! Service cases: opening, following, commenting, moving through the state machine, assigning
//! technicians, and the response clock with its explanation.

use super::Routes;
use actix_web::http::header;
use actix_web::{HttpResponse, Responder, get, post, put, web};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use fleetdesk_domain::accounts::parse_name;
use fleetdesk_domain::calendar::{self, Holiday, StartReason};
use fleetdesk_domain::cases::{Category, Response, Status};
use fleetdesk_domain::identity::{Email, Principal};
use fleetdesk_domain::policy::{self, Action, CaseScope, DeviceScope};
use fleetdesk_domain::sites::Tz;
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::cases::{
    self as repo, CaseContext, CaseFilter, CaseOrder, CaseReach, CaseRow, CommentRow,
};
use fleetdesk_persistence::contracts as contracts_repo;
use fleetdesk_persistence::identity as identity_repo;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::app::cases::{self as app_cases, About, Contact, case_for};
use crate::app::contracts::{HolidayDto, terms_of};
use crate::auth::{Authenticated, authorize};
use crate::error::{ApiError, Problem, Text};
use crate::formats::EmailText;
use crate::http::PageParams;
use crate::i18n::{Language, Reader};
use crate::json::Json;
use crate::labels::{CaseCategoryName, CaseStatusName};
use crate::page::{Listed, Page};
use crate::state::{State, blocking};
use crate::t;

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(open_case)
        .service(list_cases)
        .service(get_case)
        .service(add_comment)
        .service(get_comment)
        .service(move_case)
        .service(assign_technician)
        .service(explain_sla)
        .service(case_history);
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseDevice {
    pub id: String,
    pub serial_number: String,
    pub model_name: String,
}

/// A case and its response clock.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Case {
    pub id: String,
    pub account_id: String,
    /// The device the case is about; null for a case about the account alone (billing, a
    /// general question, a meter query).
    pub device: Option<CaseDevice>,
    #[schema(value_type = CaseCategoryName, example = "fault")]
    pub category: Category,
    pub summary: String,
    pub description: String,
    pub contact: Contact,
    #[schema(value_type = CaseStatusName, example = "open")]
    pub status: Status,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    /// The technician a dispatch planner assigned.
    pub assigned_technician_id: Option<String>,
    /// The service contract version the case was opened under; null when the account had no
    /// contract, and then the case has no response clock.
    pub contract_version: Option<i32>,
    /// When the response clock started (the opening, or the next office period).
    pub clock_start: Option<DateTime<Utc>>,
    pub response_deadline: Option<DateTime<Utc>>,
    /// The manufacturer's first response: its first move out of `open` or first public comment.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Whether the first response came by the deadline; null while there is none.
    pub deadline_met: Option<bool>,
    /// The deadline was missed: answered late, or still unanswered after it.
    pub breached: bool,
    /// When the case was closed or cancelled.
    pub ended_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

fn response_of(case: &CaseRow) -> Option<Response> {
    Some(Response {
        deadline: case.response_deadline?.and_utc(),
        first_response: case.first_response_at.map(|t| t.and_utc()),
        ended: case.ended_at.map(|t| t.and_utc()),
    })
}

impl Case {
    fn view(ctx: CaseContext, now: DateTime<Utc>) -> Self {
        let response = response_of(&ctx.case);
        let c = ctx.case;
        Self {
            device: c
                .device_id
                .zip(ctx.device)
                .map(|(id, (serial_number, model_name))| CaseDevice {
                    id,
                    serial_number,
                    model_name,
                }),
            contact: Contact {
                name: c.contact_name,
                email: c.contact_email,
                phone: c.contact_phone,
            },
            opened_at: c.opened_at.and_utc(),
            clock_start: c.clock_start.map(|t| t.and_utc()),
            response_deadline: c.response_deadline.map(|t| t.and_utc()),
            first_response_at: c.first_response_at.map(|t| t.and_utc()),
            deadline_met: response.and_then(|r| r.deadline_met()),
            breached: response.is_some_and(|r| r.breached(now)),
            ended_at: c.ended_at.map(|t| t.and_utc()),
            updated_at: c.updated_at.and_utc(),
            id: c.id,
            account_id: c.account_id,
            category: *c.category,
            summary: c.summary,
            description: c.description,
            status: *c.status,
            opened_by: c.opened_by,
            assigned_technician_id: c.assigned_technician_id,
            contract_version: c.contract_version,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusChange {
    /// Null for the opening.
    #[schema(value_type = Option<CaseStatusName>)]
    pub from: Option<Status>,
    #[schema(value_type = CaseStatusName)]
    pub to: Status,
    pub changed_by: String,
    pub changed_by_name: String,
    pub changed_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Comment {
    pub id: String,
    pub author_id: String,
    pub author_name: String,
    pub body: String,
    /// An internal note: staff only, never shown to customers.
    pub internal: bool,
    pub created_at: DateTime<Utc>,
}

impl From<(CommentRow, String)> for Comment {
    fn from((row, author_name): (CommentRow, String)) -> Self {
        Self {
            created_at: row.created_at.and_utc(),
            id: row.id,
            author_id: row.author_id,
            author_name,
            body: row.body,
            internal: row.internal,
        }
    }
}

/// A case with its status history and the comments the caller may see.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: Case,
    /// Every status the case took, oldest first; the first entry is the opening.
    pub status_history: Vec<StatusChange>,
    /// Oldest first; internal notes only for staff.
    pub comments: Vec<Comment>,
}

fn detail(
    c: &mut Conn,
    who: &Principal,
    ctx: CaseContext,
    now: DateTime<Utc>,
) -> Result<CaseDetail, ApiError> {
    let history = repo::history(c, &ctx.case.id)?
        .into_iter()
        .map(|(row, changed_by_name)| StatusChange {
            from: row.from_status.map(|s| *s),
            to: *row.to_status,
            changed_by: row.changed_by,
            changed_by_name,
            changed_at: row.changed_at.and_utc(),
        })
        .collect();
    let comments = repo::comments(c, &ctx.case.id, policy::sees_staff_only(who))?
        .into_iter()
        .map(Comment::from)
        .collect();
    Ok(CaseDetail {
        case: Case::view(ctx, now),
        status_history: history,
        comments,
    })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ContactInput {
    #[validate(length(min = 1, max = 100))]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    #[schema(value_type = Option<EmailText>)]
    pub email: Option<String>,
    #[validate(length(min = 3, max = 40))]
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct OpenCase {
    /// The device the case is about. A `billing`, `general_question` or `meter_query` case may
    /// be about the account alone: then name `account_id` instead.
    pub device_id: Option<String>,
    /// The account a case without a device is about.
    pub account_id: Option<String>,
    #[schema(value_type = CaseCategoryName, example = "fault")]
    pub category: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(
        example = "Paper jam in tray 2",
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub summary: String,
    #[validate(length(min = 1, max = 10000))]
    #[schema(
        example = "Jams on every job since this morning; error E-041.",
        min_length = 1,
        max_length = 10000
    )]
    pub description: String,
    /// Whom to contact; the person opening the case when absent.
    #[validate(nested)]
    pub contact: Option<ContactInput>,
}

fn parse_contact(input: ContactInput) -> Result<Contact, ApiError> {
    let email = input
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_field("contact.email", e.reason))?;
    let phone = match input.phone.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() => {
            let plausible = p
                .chars()
                .all(|ch| ch.is_ascii_digit() || " +-()/".contains(ch))
                && p.chars().filter(char::is_ascii_digit).count() >= 3;
            if !plausible {
                return Err(ApiError::invalid_field(
                    "contact.phone",
                    Text::key("invalid-must-phone-number-digits-spaces"),
                ));
            }
            Some(p.to_owned())
        }
        _ => None,
    };
    Ok(Contact {
        name: parse_name("contact.name", &input.name, 100)?,
        email: email.map(|e| e.as_str().to_owned()),
        phone,
    })
}

/// Opens a case for a device (administrators, the device's managers, customer service and
/// the call center on a customer's behalf), any day and hour. The response clock is fixed now,
/// from the account's current service contract.
#[utoipa::path(
    tag = "cases",
    request_body = OpenCase,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, body = CaseDetail, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such device or account in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The device was removed (`device_removed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases")]
async fn open_case(
    state: State,
    caller: Authenticated,
    body: Json<OpenCase>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let category = Category::parse(body.category.trim())?;
    let summary = parse_name("summary", &body.summary, 200)?;
    let description = body.description.trim().to_owned();
    if description.is_empty() {
        return Err(ApiError::invalid_field(
            "description",
            Text::key("invalid-must-empty"),
        ));
    }
    let contact = body.contact.map(parse_contact).transpose()?;
    let about = match (body.device_id, body.account_id) {
        (Some(device_id), None) => About::Device(device_id),
        (None, Some(account_id)) => About::Account(account_id),
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_field(
                "account_id",
                Text::key("invalid-name-device-case-about-account-alone"),
            ));
        }
        (None, None) => {
            return Err(ApiError::invalid_field(
                "device_id",
                Text::key("invalid-name-device-case-about-billing-question"),
            ));
        }
    };
    let now = state.config.clock.now();
    let detail = caller
        .write_joined(&state, move |c, caller| {
            let opened = app_cases::OpenCase {
                about,
                category,
                summary,
                description,
                contact,
            };
            let (who, ctx) = app_cases::open(c, caller, opened, now)?;
            detail(c, &who, ctx, now)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/cases/{}", detail.case.id),
        ))
        .json(detail))
}

impl Listed for Case {
    const PAGE: &'static str = "CasePage";
}

pub type CasePage = Page<Case>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    pub account_id: Option<String>,
    pub device_id: Option<String>,
    /// One status or several, comma-separated (`open,acknowledged`).
    #[param(
        pattern = r"^(open|acknowledged|in_progress|awaiting_customer|resolved|closed|cancelled)(,(open|acknowledged|in_progress|awaiting_customer|resolved|closed|cancelled))*$",
        example = "open,acknowledged"
    )]
    pub status: Option<String>,
    /// `true`: only cases not yet closed or cancelled.
    pub active: Option<bool>,
    #[param(value_type = Option<CaseCategoryName>)]
    pub category: Option<String>,
    /// The technician the cases are assigned to.
    pub technician_id: Option<String>,
    /// `true`: deadline missed; `false`: not (yet) missed. Cases without a response clock
    /// match neither.
    pub breached: Option<bool>,
    /// Only cases whose response deadline is before this instant.
    pub due_before: Option<DateTime<Utc>>,
    /// `opened` (default, oldest first) or `deadline` (earliest first, cases without a
    /// deadline last).
    #[param(value_type = Option<CaseSort>, inline)]
    pub sort: Option<String>,
}

/// The orders a case list comes in.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum CaseSort {
    Opened,
    Deadline,
}

fn order_of(sort: Option<&str>, cursor: Option<String>) -> Result<CaseOrder, ApiError> {
    match sort.unwrap_or("opened") {
        "opened" => Ok(CaseOrder::Opened { after: cursor }),
        // A position this order did not issue continues among the cases without a deadline.
        "deadline" => Ok(CaseOrder::Deadline {
            after: cursor.map(|key| repo::parse_deadline_key(&key).unwrap_or((None, key))),
        }),
        _ => Err(ApiError::invalid_field(
            "sort",
            Text::key("invalid-must-opened-deadline"),
        )),
    }
}

/// The statuses a list asks for: `None` for every status.
fn statuses_of(raw: Option<&str>, active: Option<bool>) -> Result<Option<Vec<Status>>, ApiError> {
    let mut statuses: Vec<Status> = match raw {
        None => Status::ALL.to_vec(),
        Some(raw) => raw
            .split(',')
            .map(|s| {
                Status::parse(s.trim()).ok_or_else(|| {
                    ApiError::invalid_field(
                        "status",
                        Text::with("invalid-case-status", [("value", s.to_string())]),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
    };
    if let Some(active) = active {
        statuses.retain(|s| s.is_final() != active);
    }
    if raw.is_none() && active.is_none() {
        return Ok(None);
    }
    Ok(Some(statuses))
}

fn reach_of(scope: CaseScope) -> CaseReach {
    match scope {
        CaseScope::Devices {
            devices: DeviceScope::All,
            ..
        } => CaseReach::All,
        CaseScope::Devices {
            devices: DeviceScope::Only { accounts, devices },
            opener,
            opened_in,
        } => CaseReach::Devices {
            accounts,
            devices,
            opener,
            opened_in,
        },
        CaseScope::AssignedTo(user) => CaseReach::AssignedTo(user),
    }
}

fn page_of(page: fleetdesk_persistence::Page<CaseContext>, now: DateTime<Utc>) -> CasePage {
    Page::of(page, |c| Case::view(c, now))
}

/// The cases the caller may follow: staff see all (technicians their assigned ones),
/// administrators their accounts', device managers their devices'. Sortable by deadline and
/// filterable by breach.
#[utoipa::path(
    tag = "cases",
    params(CaseQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CasePage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases")]
async fn list_cases(
    state: State,
    caller: Authenticated,
    q: web::Query<CaseQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<CasePage>, ApiError> {
    let (limit, after) = page.resolve()?;
    let q = q.into_inner();
    let order = order_of(q.sort.as_deref(), after)?;
    let category = q
        .category
        .as_deref()
        .map(|c| Category::parse(c.trim()))
        .transpose()?;
    let statuses = statuses_of(q.status.as_deref(), q.active)?;
    let now = state.config.clock.now();
    let page = caller
        .read(&state, move |c, who| {
            let scope =
                policy::case_scope(who, Action::ReadCases).ok_or_else(ApiError::forbidden)?;
            let filter = CaseFilter {
                reach: reach_of(scope),
                account_id: q.account_id,
                device_id: q.device_id,
                statuses,
                category,
                technician_id: q.technician_id,
                breached: q.breached,
                due_before: q.due_before.map(|t| t.naive_utc()),
                now: now.naive_utc(),
            };
            Ok(repo::list_cases(c, &filter, &order, limit)?)
        })
        .await?;
    Ok(web::Json(page_of(page, now)))
}

/// One case with its status history, its response clock and the comments the caller may see.
#[utoipa::path(
    tag = "cases",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CaseDetail),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}")]
async fn get_case(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<CaseDetail>, ApiError> {
    let now = state.config.clock.now();
    let detail = caller
        .read(&state, move |c, who| {
            let ctx = case_for(c, who, Action::ReadCases, &id)?;
            detail(c, who, ctx, now)
        })
        .await?;
    Ok(web::Json(detail))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewComment {
    #[validate(length(min = 1, max = 10000))]
    #[schema(
        example = "The technician will bring a new fuser unit.",
        min_length = 1,
        max_length = 10000
    )]
    pub body: String,
    /// An internal note (staff only): customers never see it.
    #[serde(default)]
    pub internal: bool,
}

/// Comments on a case. A public comment by staff is a response to the customer for the
/// response clock; internal notes are staff-only and never shown to customers.
#[utoipa::path(
    tag = "cases",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = NewComment,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Comment, headers(("Location" = String))),
        (status = 403, description = "The role may not comment, or (customers) may not write internal notes", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case is closed or cancelled (`case_ended`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/comments")]
async fn add_comment(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<NewComment>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    body.validate()?;
    let body = body.into_inner();
    let text = body.body.trim().to_owned();
    if text.is_empty() {
        return Err(ApiError::invalid_field(
            "body",
            Text::key("invalid-must-empty"),
        ));
    }
    let state = state.into_inner();
    let now = state.config.clock.now();
    let (case_id, comment) = blocking(move || {
        state.db.write(|c| -> Result<(String, Comment), ApiError> {
            let (case_id, row) = app_cases::comment(c, &who, &id, (text, body.internal), now)?;
            let author = identity_repo::find_user(c, &who.user_id)?
                .ok_or_else(|| ApiError::internal())?
                .display_name;
            Ok((case_id, Comment::from((row, author))))
        })
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/cases/{case_id}/comments/{}", comment.id),
        ))
        .json(comment))
}

/// One comment; internal notes are not found for customers.
#[utoipa::path(
    tag = "cases",
    params(("id" = String, Path), ("comment_id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Comment),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/comments/{comment_id}")]
async fn get_comment(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Comment>, ApiError> {
    let who = caller.principal(&state).await?;
    let (id, comment_id) = path.into_inner();
    let state = state.into_inner();
    let comment = blocking(move || {
        state.db.read(|c| -> Result<Comment, ApiError> {
            case_for(c, &who, Action::ReadCases, &id)?;
            repo::find_comment(c, &id, &comment_id)?
                // Internal notes do not exist for customers.
                .filter(|(row, _)| !row.internal || policy::sees_staff_only(&who))
                .map(Comment::from)
                .ok_or_else(ApiError::not_found)
        })
    })
    .await?;
    Ok(web::Json(comment))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Transition {
    /// The status to move to.
    #[schema(value_type = CaseStatusName, example = "acknowledged")]
    pub to: String,
}

/// Moves a case to another status. The state machine decides: a move that does not exist
/// from the current status is 409 `illegal_transition`; one that exists but is not the
/// caller's to make is 403 `transition_not_allowed`. The manufacturer's first move out of
/// `open` is its first response.
#[utoipa::path(
    tag = "cases",
    params(("id" = String, Path)),
    request_body = Transition,
    security(("bearer" = [])),
    responses(
        (status = 200, body = CaseDetail),
        (status = 403, description = "The role may not move cases, or not this move (`transition_not_allowed`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No such move from the current status (`illegal_transition`), or the case changed meanwhile (`case_changed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/transitions")]
async fn move_case(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<Transition>,
) -> Result<web::Json<CaseDetail>, ApiError> {
    let to = Status::parse(body.to.trim()).ok_or_else(|| {
        ApiError::invalid_field(
            "to",
            Text::with("invalid-case-status", [("value", body.to.clone())]),
        )
    })?;
    let now = state.config.clock.now();
    let detail = caller
        .write(&state, move |c, who| {
            let ctx = app_cases::move_to(c, who, &id, to, now)?;
            detail(c, who, ctx, now)
        })
        .await?;
    Ok(web::Json(detail))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TechnicianAssignment {
    /// A field technician's user id; null removes the assignment.
    pub technician_id: Option<String>,
}

/// Assigns a field technician to a case (dispatch planners); the technician then sees and
/// works it.
#[utoipa::path(
    tag = "cases",
    params(("id" = String, Path)),
    request_body = TechnicianAssignment,
    security(("bearer" = [])),
    responses(
        (status = 200, body = CaseDetail),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case is closed or cancelled (`case_ended`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a field technician", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/cases/{id}/technician")]
async fn assign_technician(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<TechnicianAssignment>,
) -> Result<web::Json<CaseDetail>, ApiError> {
    let technician_id = body.into_inner().technician_id;
    let now = state.config.clock.now();
    let detail = caller
        .write(&state, move |c, who| {
            let technician = technician_id.as_deref();
            let ctx = app_cases::assign_technician(c, who, &id, technician, now)?;
            detail(c, who, ctx, now)
        })
        .await?;
    Ok(web::Json(detail))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CountedPeriod {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub minutes: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SkippedHoliday {
    pub date: NaiveDate,
    pub name: Option<String>,
    /// `date` (a holiday on one date) or `yearly`.
    pub kind: String,
}

/// How a deadline was computed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ResponseClockExplained {
    pub contract_version: i32,
    pub response_minutes: i32,
    pub time_zone: String,
    /// `opened_in_office_hours` or `next_opening`.
    pub start_reason: String,
    pub clock_start: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// Each stretch of office time counted, in order; their minutes sum to `response_minutes`.
    pub counted: Vec<CountedPeriod>,
    /// Holidays between the opening and the deadline that would otherwise have been office
    /// days.
    pub skipped_holidays: Vec<SkippedHoliday>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SlaExplanation {
    pub case_id: String,
    pub opened_at: DateTime<Utc>,
    /// Null when the account had no service contract at opening.
    pub clock: Option<ResponseClockExplained>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub deadline_met: Option<bool>,
    pub breached: bool,
    /// The same, in words.
    pub explanation: String,
}

fn holiday_name(holidays: &[HolidayDto], holiday: Holiday) -> Option<String> {
    holidays.iter().find_map(|h| match (h, holiday) {
        (HolidayDto::Date { date, name }, Holiday::Date(d)) if *date == d => name.clone(),
        (HolidayDto::Yearly { month, day, name }, Holiday::Yearly { month: m, day: d })
            if *month == m && *day == d =>
        {
            name.clone()
        }
        _ => None,
    })
}

fn explain(
    c: &mut Conn,
    case: &CaseRow,
    now: DateTime<Utc>,
    lang: Language,
) -> Result<SlaExplanation, ApiError> {
    let response = response_of(case);
    let opened_at = case.opened_at.and_utc();
    let clock = match case.contract_version {
        None => None,
        Some(version) => {
            let contract = contracts_repo::find_version(c, &case.account_id, version)?
                .ok_or_else(|| ApiError::internal())?;
            let terms = terms_of(&contract)?;
            let minutes =
                u32::try_from(terms.response_minutes).map_err(|e| ApiError::internal_from(e))?;
            let clock = calendar::response_deadline(&terms.calendar()?, opened_at, minutes)
                .map_err(|e| ApiError::internal_from(e))?;
            Some(ResponseClockExplained {
                contract_version: version,
                response_minutes: terms.response_minutes,
                time_zone: terms.time_zone.clone(),
                start_reason: match clock.start_reason {
                    StartReason::OpenedInOfficeHours => "opened_in_office_hours",
                    StartReason::NextOpening => "next_opening",
                }
                .to_owned(),
                clock_start: clock.clock_start,
                deadline: clock.deadline,
                counted: clock
                    .counted
                    .iter()
                    .map(|p| CountedPeriod {
                        from: p.from,
                        to: p.to,
                        minutes: p.minutes,
                    })
                    .collect(),
                skipped_holidays: clock
                    .skipped_holidays
                    .iter()
                    .map(|(date, holiday)| SkippedHoliday {
                        date: *date,
                        name: holiday_name(&terms.holidays, *holiday),
                        kind: match holiday {
                            Holiday::Date(_) => "date",
                            Holiday::Yearly { .. } => "yearly",
                        }
                        .to_owned(),
                    })
                    .collect(),
            })
        }
    };
    let explanation = match &clock {
        None => t!(lang, "sla-no-contract"),
        Some(k) => {
            // Instants in words are local to the contract's calendar.
            let local = |t: DateTime<Utc>| match k.time_zone.parse::<Tz>() {
                Ok(tz) => {
                    let t = t.with_timezone(&tz);
                    let weekday = t.weekday().number_from_monday();
                    format!(
                        "{} {}",
                        crate::i18n::text(lang, &format!("weekday-{weekday}"), &[]),
                        t.format("%Y-%m-%d %H:%M %Z")
                    )
                }
                Err(_) => t.to_rfc3339(),
            };
            let opened = local(opened_at);
            let start = match k.start_reason.as_str() {
                "opened_in_office_hours" => t!(lang, "sla-started-in-hours", opened = opened),
                _ => t!(
                    lang,
                    "sla-started-next-opening",
                    opened = opened,
                    start = local(k.clock_start)
                ),
            };
            let counted = t!(
                lang,
                "sla-counted",
                version = k.contract_version,
                minutes = k.response_minutes,
                time_zone = k.time_zone.as_str(),
                periods = k.counted.len(),
                deadline = local(k.deadline)
            );
            let mut words = format!("{start} {counted}");
            if !k.skipped_holidays.is_empty() {
                let names: Vec<String> = k
                    .skipped_holidays
                    .iter()
                    .map(|h| match &h.name {
                        Some(name) => format!("{} ({name})", h.date),
                        None => h.date.to_string(),
                    })
                    .collect();
                words.push(' ');
                words.push_str(&t!(
                    lang,
                    "sla-holidays-skipped",
                    holidays = names.join(", ")
                ));
            }
            words
        }
    };
    Ok(SlaExplanation {
        case_id: case.id.clone(),
        opened_at,
        clock,
        first_response_at: case.first_response_at.map(|t| t.and_utc()),
        deadline_met: response.and_then(|r| r.deadline_met()),
        breached: response.is_some_and(|r| r.breached(now)),
        explanation,
    })
}

/// How the case's response deadline was computed: the contract version, when and why the
/// clock started, each counted stretch of office time and each skipped holiday.
#[utoipa::path(
    tag = "cases",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SlaExplanation),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/sla")]
async fn explain_sla(
    state: State,
    caller: Authenticated,
    reader: Reader,
    id: web::Path<String>,
) -> Result<actix_web::CustomizeResponder<web::Json<SlaExplanation>>, ApiError> {
    let now = state.config.clock.now();
    let (explanation, lang) = caller
        .read(&state, move |c, who| {
            let case = case_for(c, who, Action::ReadCases, &id)?.case;
            // The caller is read by now: their saved language is known.
            let lang = reader.language();
            Ok((explain(c, &case, now, lang)?, lang))
        })
        .await?;
    Ok(web::Json(explanation)
        .customize()
        .insert_header((actix_web::http::header::CONTENT_LANGUAGE, lang.as_str())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// One status or several, comma-separated.
    #[param(
        pattern = r"^(open|acknowledged|in_progress|awaiting_customer|resolved|closed|cancelled)(,(open|acknowledged|in_progress|awaiting_customer|resolved|closed|cancelled))*$"
    )]
    pub status: Option<String>,
}

/// An account's full case history, every status, oldest first (staff).
#[utoipa::path(
    tag = "accounts",
    params(("id" = String, Path), HistoryQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CasePage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/accounts/{id}/case-history")]
async fn case_history(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    q: web::Query<HistoryQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<CasePage>, ApiError> {
    let who = caller.principal(&state).await?;
    let account_id = id.into_inner();
    authorize(&who, Action::ReadCaseHistory, Some(&account_id))?;
    let (limit, after) = page.resolve()?;
    let state = state.into_inner();
    let now = state.config.clock.now();
    let filter = CaseFilter {
        reach: CaseReach::All,
        account_id: Some(account_id.clone()),
        device_id: None,
        statuses: statuses_of(q.status.as_deref(), None)?,
        category: None,
        technician_id: None,
        breached: None,
        due_before: None,
        now: now.naive_utc(),
    };
    let page = blocking(move || {
        state.db.read(
            |c| -> Result<fleetdesk_persistence::Page<CaseContext>, ApiError> {
                fleetdesk_persistence::accounts::find_account(c, &account_id)?
                    .ok_or_else(ApiError::not_found)?;
                Ok(repo::list_cases(
                    c,
                    &filter,
                    &CaseOrder::Opened { after },
                    limit,
                )?)
            },
        )
    })
    .await?;
    Ok(web::Json(page_of(page, now)))
}
