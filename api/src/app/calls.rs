//! The call center: what the dispatch rules need of a call.

use chrono::NaiveDate;
use fleetdesk_domain::dealers::{
    self as rules, CallStatus, DispatchFacts, Eligibility, Registration,
};
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::dealers::{
    self as repo, CallRemedyRow, CallRow, RegistrationRow, RemedyRow,
};
use fleetdesk_persistence::devices as devices_repo;

use crate::error::{ApiError, ErrorCode};

/// What the call-center rules need of a call: the call, its catalogued remedies with the
/// latest outcome of each, every outcome recorded, and the serial's active registration.
pub struct CallFacts {
    pub call: CallRow,
    pub due: Vec<(RemedyRow, Option<CallRemedyRow>)>,
    pub tried: Vec<(CallRemedyRow, String)>,
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
        Ok(Self {
            call,
            due,
            tried,
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
            outstanding_remedies: self.outstanding(),
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
            format!("the call is {} already", call.status),
        ))
    }
}
