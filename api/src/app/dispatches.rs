//! Dispatches: service sent out for an eligible call.

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use fleetdesk_domain::dealers::{self as rules, CallStatus, DispatchRoute, DispatchStatus, Route};
use fleetdesk_domain::dealers::{CloseOut, LabourAmount, LabourFacts, LabourReason, Verdict};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::Principal;
use fleetdesk_domain::policy::Action;
use fleetdesk_persistence::dealers::{self as repo, DispatchRow, LabourDecisionRow};
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::{Conn, DbError};
use serde_json::json;

use crate::app::calls::{CallFacts, open_call};
use crate::app::dealers;
use crate::app::members::require_field_technician;
use crate::auth::authorize_dispatch;
use crate::error::{ApiError, ErrorCode, Text};
use crate::views::{PartUsedView, Section2, eligibility_view};

/// Dispatches service for call `call_id` when it is eligible: to the dealer of record (whose
/// administrators the notifier mails, from the event), or as the call center's own service. Section 1 of the dispatch form is fixed from
/// the call; the call becomes `dispatched`.
pub fn create(
    c: &mut Conn,
    actor: &str,
    call_id: &str,
    now: DateTime<Utc>,
) -> Result<DispatchRow, ApiError> {
    let facts = CallFacts::load(c, call_id)?;
    let eligibility = facts.eligibility(c)?;
    if !eligibility.eligible {
        let view = eligibility_view(&eligibility)?;
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::DispatchNotEligible,
            Text::key("detail-call-eligible-dispatch"),
        )
        .with_facts(json!({ "reasons": view.reasons })));
    }
    open_call(&facts.call)?;
    let warranty_end = facts.warranty_end(c)?;
    let call = &facts.call;
    let (route, dealer_id) = match &eligibility.route {
        Some(Route::DealerOfRecord { dealer_id }) => {
            (DispatchRoute::Dealer, Some(dealer_id.clone()))
        }
        _ => (DispatchRoute::CallCenter, None),
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
    let row = DispatchRow {
        id: fleetdesk_persistence::new_id(),
        call_id: call.id.clone(),
        route: Stored(route),
        dealer_id: dealer_id.clone(),
        registration_id: facts.registration.as_ref().map(|r| r.id.clone()),
        section1: section1.to_string(),
        serial_number: call.serial_number.clone(),
        warranty_end,
        in_warranty,
        // Eligibility refuses Warranty Marketing Program devices.
        warranty_marketing_program: false,
        status: Stored(DispatchStatus::Dispatched),
        assigned_technician_id: None,
        created_by: actor.to_owned(),
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
    if !repo::close_call(c, &call.id, CallStatus::Dispatched, None, None, now)? {
        return Err(ApiError::conflict(
            ErrorCode::CallClosed,
            Text::key("detail-call-changed-meanwhile"),
        ));
    }
    repo::insert_dispatch(c, &row).map_err(|e| match e {
        DbError::UniqueViolation(_) => ApiError::conflict(
            ErrorCode::CallClosed,
            Text::key("detail-call-dispatch-already"),
        ),
        other => other.into(),
    })?;
    dealers::event(
        c,
        EventKind::DispatchCreated,
        "dispatch",
        &row.id,
        call.device_id.as_deref(),
        actor,
        // Section 1 travels with the event: a dealer's system learns the job from it alone.
        json!({ "route": route, "dealer_id": dealer_id, "reimbursable": eligibility.reimbursable,
                "section1": section1 }),
        now,
    )?;
    Ok(row)
}

/// The dispatched dealer's user accepts the dispatch (or the assigned technician, for the call
/// center's own service).
pub fn accept(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    now: DateTime<Utc>,
) -> Result<DispatchRow, ApiError> {
    let row = dispatch_for(c, who, Action::WorkDispatches, id)?;
    if !repo::accept_dispatch(c, &row.id, &who.user_id, now)? {
        return Err(ApiError::conflict(
            ErrorCode::DispatchNotWaiting,
            Text::with("detail-dispatch-is", [("status", row.status.to_string())]),
        ));
    }
    dealers::event(
        c,
        EventKind::DispatchAccepted,
        "dispatch",
        &row.id,
        None,
        &who.user_id,
        json!({ "dealer_id": row.dealer_id }),
        now,
    )?;
    repo::find_dispatch(c, &row.id)?.ok_or_else(|| ApiError::internal())
}

/// Closes an accepted dispatch out with section 2 of the dispatch form.
pub fn close_out(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    (form, section2): (CloseOut, Section2),
    now: DateTime<Utc>,
) -> Result<DispatchRow, ApiError> {
    let row = dispatch_for(c, who, Action::WorkDispatches, id)?;
    if row.status != DispatchStatus::Accepted {
        return Err(not_accepted(row.status.as_str()));
    }
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
    .map_err(|e| ApiError::internal_from(e))?;
    if !repo::close_out_dispatch(c, &row.id, &stored, &who.user_id, now)? {
        return Err(not_accepted("closed out"));
    }
    dealers::event(
        c,
        EventKind::DispatchClosedOut,
        "dispatch",
        &row.id,
        None,
        &who.user_id,
        json!({ "dealer_id": row.dealer_id, "labour_minutes": form.labour_minutes }),
        now,
    )?;
    repo::find_dispatch(c, &row.id)?.ok_or_else(|| ApiError::internal())
}

/// Assigns (or, with `None`, unassigns) a field technician to the call center's own service.
pub fn assign_technician(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    technician_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DispatchRow, ApiError> {
    let row = dispatch_for(c, who, Action::AssignTechnician, id)?;
    if row.route != DispatchRoute::CallCenter {
        return Err(ApiError::conflict(
            ErrorCode::NotOwnService,
            Text::key("detail-dispatch-went-dealer-whose-own-technicians"),
        ));
    }
    if let Some(tech) = technician_id {
        require_field_technician(c, tech)?;
    }
    if !repo::assign_dispatch_technician(c, &row.id, technician_id)? {
        return Err(ApiError::conflict(
            ErrorCode::DispatchClosedOut,
            Text::key("detail-dispatch-closed-out"),
        ));
    }
    dealers::event(
        c,
        EventKind::DispatchTechnicianAssigned,
        "dispatch",
        &row.id,
        None,
        &who.user_id,
        json!({ "technician_id": technician_id }),
        now,
    )?;
    repo::find_dispatch(c, &row.id)?.ok_or_else(|| ApiError::internal())
}

/// Loads a dispatch and checks `action` on it.
pub fn dispatch_for(
    c: &mut Conn,
    who: &Principal,
    action: Action,
    id: &str,
) -> Result<DispatchRow, ApiError> {
    let row = repo::find_dispatch(c, id)?.ok_or_else(ApiError::not_found)?;
    authorize_dispatch(who, action, &row)?;
    Ok(row)
}

fn not_accepted(status: &str) -> ApiError {
    ApiError::conflict(
        ErrorCode::DispatchNotAccepted,
        Text::with(
            "detail-dispatch-not-accepted",
            [("status", status.to_string())],
        ),
    )
}

/// A warranty administrator decides the labour compensation of a closed-out dispatch, once; an
/// approval needs the labour to be eligible. The dealer hears of it from the notifier.
pub fn decide_labour(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    (verdict, amount): (Verdict, Option<LabourAmount>),
    now: DateTime<Utc>,
) -> Result<DispatchRow, ApiError> {
    let row = dispatch_for(c, who, Action::DecideLabour, id)?;
    if row.labour_decision.is_some() {
        return Err(labour_decided());
    }
    let reasons = labour_reasons(&row);
    if verdict.approved && !reasons.is_empty() {
        let error = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::LabourNotEligible,
            Text::key("detail-dispatch-s-labour-eligible-compensation"),
        )
        .with_facts(json!({ "reasons": reasons.iter().map(|r| json!({ "code": r.code(), "message": "" })).collect::<Vec<_>>() }));
        let error = reasons.iter().enumerate().fold(error, |e, (i, r)| {
            e.with_fact_text(format!("/reasons/{i}/message"), r.message())
        });
        return Err(error);
    }
    if row.status != DispatchStatus::ClosedOut {
        return Err(ApiError::conflict(
            ErrorCode::DispatchNotClosedOut,
            Text::with(
                "detail-dispatch-not-closed-out",
                [("status", row.status.to_string())],
            ),
        ));
    }
    let decision = LabourDecisionRow {
        labour_decision: Some(verdict.as_str().to_owned()),
        labour_amount_minor: amount.as_ref().map(|a| a.amount_minor),
        labour_currency: amount.as_ref().map(|a| a.currency.clone()),
        labour_reason: verdict.reason.clone(),
        labour_decided_by: Some(who.user_id.clone()),
        labour_decided_at: Some(now.naive_utc()),
    };
    if !repo::decide_labour(c, &row.id, &decision)? {
        return Err(labour_decided());
    }
    dealers::event(
        c,
        EventKind::DispatchLabourDecided,
        "dispatch",
        &row.id,
        None,
        &who.user_id,
        json!({
            "dealer_id": row.dealer_id, "decision": verdict.as_str(),
            "amount_minor": decision.labour_amount_minor, "currency": decision.labour_currency,
        }),
        now,
    )?;
    repo::find_dispatch(c, &row.id)?.ok_or_else(|| ApiError::internal())
}

/// Why a dispatch's labour is not compensated; none when it is.
pub fn labour_reasons(d: &DispatchRow) -> Vec<LabourReason> {
    rules::labour_compensation(LabourFacts {
        // Only the call center creates dispatches (`CreateDispatch`).
        dispatched_by_call_center: true,
        to_dealer: d.dealer_id.is_some(),
        closed_out: d.status == DispatchStatus::ClosedOut && d.section2.is_some(),
        in_warranty_on_call_date: d.in_warranty,
        warranty_marketing_program: d.warranty_marketing_program,
    })
}

fn labour_decided() -> ApiError {
    ApiError::conflict(
        ErrorCode::LabourDecided,
        Text::key("detail-labour-decided-already"),
    )
}
