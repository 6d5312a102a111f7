//! The call center: end users' calls, the remedies tried on them, and what the dispatch rules
//! need of a call.

use chrono::{DateTime, NaiveDate, Utc};
use fleetdesk_domain::dealers::{
    self as rules, AttemptOutcome, CallReason, CallStatus, DispatchFacts, Eligibility,
    Registration, RemedyOutcome,
};
use fleetdesk_domain::devices::SerialNumber;
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::Email;
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::dealers::{
    self as repo, CallAttemptRow, CallRemedyRow, CallRow, RegistrationRow, RemedyRow,
};
use fleetdesk_persistence::devices as devices_repo;
use fleetdesk_persistence::labels::Stored;
use serde_json::json;

use crate::app::dealers;
use crate::error::{ApiError, ErrorCode, Text};
use crate::i18n::Language;
use crate::mail::{self, texts};

/// What the call-center rules need of a call: the call, its catalogued remedies with the
/// latest outcome of each, every outcome recorded, and the serial's active registration.
pub struct CallFacts {
    pub call: CallRow,
    pub due: Vec<(RemedyRow, Option<CallRemedyRow>)>,
    pub tried: Vec<(CallRemedyRow, String)>,
    /// The agent's own attempts beyond the catalogue.
    pub attempts: Vec<CallAttemptRow>,
    pub registration: Option<RegistrationRow>,
}

impl CallFacts {
    pub fn load(c: &mut Conn, id: &str) -> Result<Self, ApiError> {
        let call = repo::find_call(c, id)?.ok_or_else(ApiError::not_found)?;
        let tried = repo::call_remedies_of(c, &call.id)?;
        let catalogue = match &call.problem_category {
            Some(category) => repo::remedies_for(c, category, call.model_id.as_deref())?,
            None => Vec::new(),
        };
        let due = catalogue
            .into_iter()
            .map(|remedy| {
                let latest = tried
                    .iter()
                    .rev()
                    .find(|(t, _)| t.remedy_id == remedy.id)
                    .map(|(t, _)| t.clone());
                (remedy, latest)
            })
            .collect();
        let registration = repo::active_registration(c, &call.serial_number)?;
        let attempts = repo::call_attempts_of(c, &call.id)?;
        Ok(Self {
            call,
            due,
            tried,
            attempts,
            registration,
        })
    }

    /// The catalogued remedies not yet tried and failed (nor marked not applicable).
    pub fn outstanding(&self) -> Vec<String> {
        self.due
            .iter()
            .filter(|(_, latest)| !latest.as_ref().is_some_and(|t| t.outcome.exhausted()))
            .map(|(r, _)| r.title.clone())
            .collect()
    }

    /// Is any troubleshooting recorded as failed: a catalogued remedy or the agent's own?
    pub fn failed_attempt(&self) -> bool {
        self.tried
            .iter()
            .any(|(t, _)| *t.outcome == RemedyOutcome::Failed)
            || self
                .attempts
                .iter()
                .any(|a| *a.outcome == AttemptOutcome::Failed)
    }

    pub fn warranty_end(&self, c: &mut Conn) -> Result<Option<NaiveDate>, ApiError> {
        if let Some(device) = &self.call.device_id
            && let Some(ctx) = devices_repo::find_device(c, device)?
        {
            return Ok(Some(ctx.device.warranty_end));
        }
        Ok(self.registration.as_ref().and_then(|r| r.warranty_end))
    }

    pub fn eligibility(&self, c: &mut Conn) -> Result<Eligibility, ApiError> {
        Ok(rules::dispatch_eligibility(&DispatchFacts {
            call_date: Some(self.call.called_at.date()),
            registration: self.registration.as_ref().map(|r| Registration {
                dealer_id: r.dealer_id.clone(),
                warranty_marketing_program: r.warranty_marketing_program,
            }),
            service_problem: *self.call.reason == CallReason::ServiceProblem,
            outstanding_remedies: self.outstanding(),
            failed_attempt: self.failed_attempt(),
            warranty_end: self.warranty_end(c)?,
        }))
    }
}

/// Only an open call takes remedies, redirects and dispatches.
pub fn open_call(call: &CallRow) -> Result<(), ApiError> {
    if call.status == CallStatus::Open {
        Ok(())
    } else {
        Err(ApiError::conflict(
            ErrorCode::CallClosed,
            Text::with("detail-call-already", [("status", call.status.to_string())]),
        ))
    }
}

/// A call as the call center logs it, checked.
pub struct NewCall {
    pub serial: SerialNumber,
    pub model_id: Option<String>,
    pub reason: CallReason,
    pub problem_category: Option<String>,
    pub problem: String,
    pub caller_name: String,
    pub caller_phone: Option<String>,
    pub caller_email: Option<Email>,
    pub caller_company: Option<String>,
    pub site_address: Option<String>,
}

/// Logs an end user's call (call center). The serial's model and portal device are found from
/// the model given or the active registration.
pub fn log(
    c: &mut Conn,
    actor: &str,
    new: NewCall,
    now: DateTime<Utc>,
) -> Result<CallFacts, ApiError> {
    if let Some(model) = &new.model_id {
        devices_repo::find_model(c, model)?.ok_or_else(|| {
            ApiError::invalid_field("model_id", Text::key("invalid-no-such-model"))
        })?;
    }
    let registration = repo::active_registration(c, new.serial.as_str())?;
    let model_id = new
        .model_id
        .or_else(|| registration.as_ref().map(|r| r.model_id.clone()));
    let device = match &model_id {
        Some(model) => devices_repo::find_device_by_serial(c, model, new.serial.as_str())?,
        None => None,
    };
    let row = CallRow {
        id: fleetdesk_persistence::new_id(),
        serial_number: new.serial.as_str().to_owned(),
        model_id,
        device_id: device.map(|d| d.id),
        caller_name: new.caller_name,
        caller_phone: new.caller_phone,
        caller_email: new.caller_email.map(|e| e.as_str().to_owned()),
        caller_company: new.caller_company,
        site_address: new.site_address,
        reason: Stored(new.reason),
        problem_category: new.problem_category,
        problem: new.problem,
        status: Stored(CallStatus::Open),
        redirected_to: None,
        resolution: None,
        logged_by: actor.to_owned(),
        called_at: now.naive_utc(),
        updated_at: now.naive_utc(),
    };
    repo::insert_call(c, &row)?;
    call_event(
        c,
        EventKind::CallLogged,
        &row,
        actor,
        json!({ "serial_number": row.serial_number, "reason": row.reason }),
        now,
    )?;
    CallFacts::load(c, &row.id)
}

/// Records a catalogued remedy tried on an open call and how it turned out (call center).
pub fn record_remedy(
    c: &mut Conn,
    actor: &str,
    call_id: &str,
    (remedy_id, outcome, note): (&str, RemedyOutcome, Option<String>),
    now: DateTime<Utc>,
) -> Result<CallFacts, ApiError> {
    let facts = CallFacts::load(c, call_id)?;
    open_call(&facts.call)?;
    if !facts.due.iter().any(|(r, _)| r.id == remedy_id) {
        return Err(ApiError::invalid_field(
            "remedy_id",
            Text::key("invalid-catalogued-remedy-call-s-problem"),
        ));
    }
    repo::insert_call_remedy(
        c,
        &CallRemedyRow {
            id: fleetdesk_persistence::new_id(),
            call_id: facts.call.id.clone(),
            remedy_id: remedy_id.to_owned(),
            outcome: Stored(outcome),
            note,
            recorded_by: actor.to_owned(),
            recorded_at: now.naive_utc(),
        },
    )?;
    call_event(
        c,
        EventKind::CallRemedyRecorded,
        &facts.call,
        actor,
        json!({ "remedy_id": remedy_id, "outcome": outcome }),
        now,
    )?;
    CallFacts::load(c, &facts.call.id)
}

/// Records what the agent tried on an open call beyond the catalogued remedies (for a problem
/// with none catalogued, the record that troubleshooting happened), and how it went.
pub fn record_attempt(
    c: &mut Conn,
    actor: &str,
    call_id: &str,
    (description, outcome): (String, AttemptOutcome),
    now: DateTime<Utc>,
) -> Result<CallFacts, ApiError> {
    let call = repo::find_call(c, call_id)?.ok_or_else(ApiError::not_found)?;
    open_call(&call)?;
    let row = CallAttemptRow {
        id: fleetdesk_persistence::new_id(),
        call_id: call.id.clone(),
        description,
        outcome: Stored(outcome),
        recorded_by: actor.to_owned(),
        recorded_at: now.naive_utc(),
    };
    repo::insert_call_attempt(c, &row)?;
    call_event(
        c,
        EventKind::CallAttemptRecorded,
        &call,
        actor,
        json!({ "attempt_id": row.id, "outcome": outcome }),
        now,
    )?;
    CallFacts::load(c, &call.id)
}

/// Redirects the caller to the serial's dealer of record, who is mailed the caller's details.
pub fn redirect(
    c: &mut Conn,
    actor: &str,
    call_id: &str,
    now: DateTime<Utc>,
) -> Result<CallFacts, ApiError> {
    let facts = CallFacts::load(c, call_id)?;
    let call = &facts.call;
    open_call(call)?;
    let registration = facts.registration.as_ref().ok_or_else(|| {
        ApiError::conflict(
            ErrorCode::NoDealerOfRecord,
            Text::key("detail-serial-number-no-dealer-record"),
        )
    })?;
    let dealer =
        repo::find_dealer(c, &registration.dealer_id)?.ok_or_else(|| ApiError::internal())?;
    if !repo::close_call(
        c,
        &call.id,
        CallStatus::Redirected,
        Some(&dealer.id),
        None,
        now,
    )? {
        return Err(ApiError::conflict(
            ErrorCode::CallClosed,
            Text::key("detail-call-changed-meanwhile"),
        ));
    }
    if let Some(to) = &dealer.contact_email {
        mail::enqueue(c, to, texts::caller_redirected(Language::En, call), now)?;
    }
    call_event(
        c,
        EventKind::CallRedirected,
        call,
        actor,
        json!({ "dealer_id": dealer.id }),
        now,
    )?;
    CallFacts::load(c, &call.id)
}

/// Closes an open call as solved on the phone.
pub fn resolve(
    c: &mut Conn,
    actor: &str,
    call_id: &str,
    resolution: &str,
    now: DateTime<Utc>,
) -> Result<CallFacts, ApiError> {
    let call = repo::find_call(c, call_id)?.ok_or_else(ApiError::not_found)?;
    open_call(&call)?;
    if !repo::close_call(
        c,
        &call.id,
        CallStatus::Resolved,
        None,
        Some(resolution),
        now,
    )? {
        return Err(ApiError::conflict(
            ErrorCode::CallClosed,
            Text::key("detail-call-changed-meanwhile"),
        ));
    }
    call_event(c, EventKind::CallResolved, &call, actor, json!({}), now)?;
    CallFacts::load(c, &call.id)
}

fn call_event(
    c: &mut Conn,
    kind: EventKind,
    call: &CallRow,
    actor: &str,
    payload: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    dealers::event(
        c,
        kind,
        "call",
        &call.id,
        call.device_id.as_deref(),
        actor,
        payload,
        now,
    )?;
    Ok(())
}
