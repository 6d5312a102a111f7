//! Dispatches: service sent out for an eligible call.

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use fleetdesk_domain::dealers::{self as rules, CallStatus, DispatchRoute, DispatchStatus, Route};
use fleetdesk_domain::events::EventKind;
use fleetdesk_persistence::dealers::{self as repo, DispatchRow};
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::{Conn, DbError};
use serde_json::json;

use crate::app::calls::{CallFacts, open_call};
use crate::app::dealers;
use crate::error::{ApiError, ErrorCode};
use crate::mail::{self, texts};
use crate::views::eligibility_view;

/// Dispatches service for call `call_id` when it is eligible: to the dealer of record (who is
/// mailed), or as the call center's own service. Section 1 of the dispatch form is fixed from
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
            "the call is not eligible for a dispatch",
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
            "the call changed meanwhile",
        ));
    }
    repo::insert_dispatch(c, &row).map_err(|e| match e {
        DbError::UniqueViolation(_) => {
            ApiError::conflict(ErrorCode::CallClosed, "the call has a dispatch already")
        }
        other => other.into(),
    })?;
    if let Some(dealer_id) = &dealer_id
        && let Some(to) = repo::find_dealer(c, dealer_id)?.and_then(|d| d.contact_email)
    {
        mail::enqueue(
            c,
            &to,
            texts::dispatch_created(
                &call.serial_number,
                &call.problem,
                &call.caller_name,
                &row.id,
            ),
            now,
        )?;
    }
    dealers::event(
        c,
        EventKind::DispatchCreated,
        "dispatch",
        &row.id,
        call.device_id.as_deref(),
        actor,
        json!({ "route": route, "dealer_id": dealer_id, "reimbursable": eligibility.reimbursable }),
        now,
    )?;
    Ok(row)
}
