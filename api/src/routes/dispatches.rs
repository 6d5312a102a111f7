//! Dispatches: created from an eligible call, accepted and closed out by the dealer, and
//! labour compensation decided by warranty administrators.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use fleetdesk_domain::dealers::{self as rules, CloseOut, PartUsed, Route};
use fleetdesk_domain::identity::Principal;
use fleetdesk_domain::policy::{self, Action};
use fleetdesk_persistence::dealers::{self as repo, DispatchFilter, DispatchRow};
use fleetdesk_persistence::{Conn, DbError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{Authenticated, authorize_dealer};
use crate::error::{ApiError, Problem};
use crate::http::{PageParams, encode_cursor};
use crate::mail;
use crate::state::{State, blocking};

use super::calls::{CallFacts, eligibility_view, open_call};
use super::dealers::{created, network_event};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_dispatch)
        .service(list_dispatches)
        .service(get_dispatch)
        .service(accept_dispatch)
        .service(close_out);
}

// ---------------------------------------------------------------------------------------
// Dispatches

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PartUsedView {
    #[schema(example = "QM7-1234")]
    pub part_number: String,
    #[schema(example = 1, minimum = 1, maximum = 1000)]
    pub quantity: i32,
    /// The part replaced was defective (a warranty part claim may follow).
    #[serde(default)]
    pub defective: bool,
}

/// Section 2 of the service dispatch form.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Section2 {
    pub arrived_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
    /// Minutes of labour, at most the time between arrival and completion.
    #[schema(example = 90)]
    pub labour_minutes: i64,
    #[serde(default)]
    pub parts: Vec<PartUsedView>,
    #[schema(example = "Replaced the carriage motor; test prints clean.")]
    pub resolution: String,
    /// The technician who did the work.
    #[schema(example = "Ted Field")]
    pub technician: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Dispatch {
    pub id: String,
    pub call_id: String,
    /// dealer (to the dealer of record) or call_center (the call center's own service).
    pub route: String,
    pub dealer_id: Option<String>,
    /// Section 1, fixed from the call: call, device, site and contact, problem, remedies
    /// tried, warranty status.
    #[schema(value_type = Object)]
    pub section1: serde_json::Value,
    /// dispatched, accepted or closed_out.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub section2: Option<Section2>,
    pub closed_out_at: Option<DateTime<Utc>>,
}

fn dispatch_view(d: DispatchRow) -> Result<Dispatch, ApiError> {
    let unreadable = |_| ApiError::internal();
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
        route: d.route,
        dealer_id: d.dealer_id,
        status: d.status,
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
    who: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    authorize_dealer(&who.0, Action::CreateDispatch, None)?;
    let state = state.into_inner();
    let actor = who.0.user_id;
    let dispatch = blocking(move || {
        state.db.write(|c| -> Result<Dispatch, ApiError> {
            let facts = CallFacts::load(c, &id)?;
            let eligibility = facts.eligibility(c)?;
            if !eligibility.eligible {
                let view = eligibility_view(&eligibility)?;
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "dispatch_not_eligible",
                    "the call is not eligible for a dispatch",
                )
                .with_facts(json!({ "reasons": view.reasons })));
            }
            open_call(&facts.call)?;
            let warranty_end = facts.warranty_end(c)?;
            let call = &facts.call;
            let (route, dealer_id) = match &eligibility.route {
                Some(Route::DealerOfRecord { dealer_id }) => ("dealer", Some(dealer_id.clone())),
                _ => ("call_center", None),
            };
            let in_warranty = warranty_end.map(|end| rules::in_warranty(end, call.called_at.date()));
            let section1 = json!({
                "call": { "id": call.id, "called_at": call.called_at.and_utc(), "reason": call.reason },
                "device": { "serial_number": call.serial_number, "model_id": call.model_id, "device_id": call.device_id },
                "site_and_contact": {
                    "caller": call.caller_name, "phone": call.caller_phone, "email": call.caller_email,
                    "company": call.caller_company, "site_address": call.site_address,
                },
                "problem": { "category": call.problem_category, "description": call.problem },
                "remedies_tried": facts.tried.iter().map(|(t, title)| json!({
                    "remedy_id": t.remedy_id, "title": title, "outcome": t.outcome, "note": t.note,
                })).collect::<Vec<_>>(),
                "warranty": { "warranty_end": warranty_end, "in_warranty_on_call_date": in_warranty,
                              "reimbursable": eligibility.reimbursable },
            });
            let now = state.config.clock.now();
            let row = DispatchRow {
                id: fleetdesk_persistence::new_id(),
                call_id: call.id.clone(),
                route: route.to_owned(),
                dealer_id: dealer_id.clone(),
                registration_id: facts.registration.as_ref().map(|r| r.id.clone()),
                section1: section1.to_string(),
                serial_number: call.serial_number.clone(),
                warranty_end,
                in_warranty,
                // Eligibility refuses Warranty Marketing Program devices.
                warranty_marketing_program: false,
                status: "dispatched".into(),
                assigned_technician_id: None,
                created_by: actor.clone(),
                created_at: now.naive_utc(),
                accepted_by: None,
                accepted_at: None,
                section2: None,
                closed_out_by: None,
                closed_out_at: None,
                labour_decision: None,
                labour_amount_minor: None,
                labour_currency: None,
                labour_reason: None,
                labour_decided_by: None,
                labour_decided_at: None,
            };
            if !repo::close_call(c, &call.id, "dispatched", None, None, now)? {
                return Err(ApiError::conflict("call_closed", "the call changed meanwhile"));
            }
            repo::insert_dispatch(c, &row).map_err(|e| match e {
                DbError::UniqueViolation(_) => {
                    ApiError::conflict("call_closed", "the call has a dispatch already")
                }
                other => other.into(),
            })?;
            if let Some(dealer_id) = &dealer_id
                && let Some(to) = repo::find_dealer(c, dealer_id)?.and_then(|d| d.contact_email)
            {
                mail::enqueue(
                    c,
                    &to,
                    (
                        format!("New service dispatch: serial {}", call.serial_number),
                        format!(
                            "The call center dispatched service to you for serial number {}.\n\
                             Problem: {}\nCaller: {}\n\nAccept it at /api/v1/dispatches/{}.\n",
                            call.serial_number, call.problem, call.caller_name, row.id
                        ),
                    ),
                )?;
            }
            network_event(
                c,
                "dispatch.created",
                "dispatch",
                &row.id,
                call.device_id.as_deref(),
                &actor,
                json!({ "route": route, "dealer_id": dealer_id, "reimbursable": eligibility.reimbursable }),
                now,
            )?;
            dispatch_view(row)
        })
    })
    .await?;
    Ok(created(
        format!("/api/v1/dispatches/{}", dispatch.id),
        &dispatch,
    ))
}

fn dispatch_for(
    c: &mut Conn,
    who: &Principal,
    action: Action,
    id: &str,
) -> Result<DispatchRow, ApiError> {
    let row = repo::find_dispatch(c, id)?.ok_or_else(ApiError::not_found)?;
    // The call center's own service belongs to no dealer: no dealer user reaches it.
    let owner = row.dealer_id.as_deref().unwrap_or("");
    authorize_dealer(who, action, Some(owner))?;
    Ok(row)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DispatchPage {
    pub items: Vec<Dispatch>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DispatchQuery {
    /// dispatched, accepted or closed_out.
    pub status: Option<String>,
    /// dealer or call_center.
    pub route: Option<String>,
}

/// Dispatches: a dealer's own, or (staff) all.
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
    who: Authenticated,
    q: web::Query<DispatchQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<DispatchPage>, ApiError> {
    let (limit, after) = page.resolve()?;
    let dealer_id =
        policy::dealer_scope(&who.0, Action::ReadDispatches).ok_or_else(ApiError::forbidden)?;
    let q = q.into_inner();
    let filter = DispatchFilter {
        dealer_id,
        status: q.status,
        route: q.route,
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
    who: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Dispatch>, ApiError> {
    let state = state.into_inner();
    let row = blocking(move || {
        state
            .db
            .read(|c| dispatch_for(c, &who.0, Action::ReadDispatches, &id))
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
    who: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Dispatch>, ApiError> {
    let state = state.into_inner();
    let row = blocking(move || {
        state.db.write(|c| -> Result<DispatchRow, ApiError> {
            let row = dispatch_for(c, &who.0, Action::WorkDispatches, &id)?;
            let now = state.config.clock.now();
            if !repo::accept_dispatch(c, &row.id, &who.0.user_id, now)? {
                return Err(ApiError::conflict(
                    "dispatch_not_waiting",
                    format!("the dispatch is {}", row.status),
                ));
            }
            network_event(
                c,
                "dispatch.accepted",
                "dispatch",
                &row.id,
                None,
                &who.0.user_id,
                json!({ "dealer_id": row.dealer_id }),
                now,
            )?;
            repo::find_dispatch(c, &row.id)?.ok_or_else(ApiError::internal)
        })
    })
    .await?;
    Ok(web::Json(dispatch_view(row)?))
}

fn not_accepted(status: &str) -> ApiError {
    ApiError::conflict(
        "dispatch_not_accepted",
        format!("the dispatch is {status}; only an accepted one is closed out"),
    )
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
    who: Authenticated,
    id: web::Path<String>,
    body: web::Json<Section2>,
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
    let state = state.into_inner();
    let row = blocking(move || {
        state.db.write(|c| -> Result<DispatchRow, ApiError> {
            let row = dispatch_for(c, &who.0, Action::WorkDispatches, &id)?;
            if row.status != "accepted" {
                return Err(not_accepted(&row.status));
            }
            let now = state.config.clock.now();
            rules::check_close_out(&form, row.created_at.and_utc(), now)?;
            let stored = serde_json::to_string(&Section2 {
                parts: form
                    .parts
                    .iter()
                    .map(|p| PartUsedView {
                        part_number: p.part_number.clone(),
                        quantity: p.quantity,
                        defective: p.defective,
                    })
                    .collect(),
                resolution: form.resolution.clone(),
                technician: form.technician.clone(),
                ..section2
            })
            .map_err(|_| ApiError::internal())?;
            if !repo::close_out_dispatch(c, &row.id, &stored, &who.0.user_id, now)? {
                return Err(not_accepted("closed out"));
            }
            network_event(
                c,
                "dispatch.closed_out",
                "dispatch",
                &row.id,
                None,
                &who.0.user_id,
                json!({ "dealer_id": row.dealer_id, "labour_minutes": form.labour_minutes }),
                now,
            )?;
            repo::find_dispatch(c, &row.id)?.ok_or_else(ApiError::internal)
        })
    })
    .await?;
    Ok(web::Json(dispatch_view(row)?))
}
