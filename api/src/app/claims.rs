//! Warranty part claims (e-Tag): submitted by dealers, decided once by warranty administrators.

use chrono::{DateTime, NaiveDate, Utc};
use fleetdesk_domain::dealers::{
    self as rules, ClaimStatus, DispatchStatus, RegistrationStatus, Verdict,
};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::Principal;
use fleetdesk_domain::policy::Action;
use fleetdesk_persistence::dealers::{self as repo, ClaimRow};
use fleetdesk_persistence::devices as devices_repo;
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::{Conn, DbError};
use serde_json::json;

use crate::app::dealers::event;
use crate::auth::authorize_dealer;
use crate::error::{ApiError, ErrorCode, Text};
use crate::views::Section2;

/// A claim as a dealer submits it, checked: against one of `dispatch_id` or `registration_id`.
pub struct NewClaim {
    pub dispatch_id: Option<String>,
    pub registration_id: Option<String>,
    pub part_number: String,
    pub defect: String,
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
    ApiError::invalid_field(
        field,
        Text::with("invalid-not-yours", [("what", what.to_owned())]),
    )
}

/// The claim's dispatch or registration, which must be the dealer's own.
fn claim_source(c: &mut Conn, dealer_id: &str, new: &NewClaim) -> Result<ClaimSource, ApiError> {
    match (&new.dispatch_id, &new.registration_id) {
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
                        Text::key("invalid-closed-out-yet"),
                    ));
                }
            };
            let reported = section2
                .parts
                .iter()
                .map(|p| (p.part_number.as_str(), p.defective));
            let part = rules::claimed_part(reported, &new.part_number)?;
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
                .ok_or_else(|| not_yours("registration_id", "registrations"))?;
            let device_warranty = match &registration.device_id {
                Some(id) => devices_repo::find_device(c, id)?.map(|d| d.device.warranty_end),
                None => None,
            };
            Ok(ClaimSource {
                dispatch_id: None,
                warranty_end: device_warranty.or(registration.warranty_end),
                registration_id: Some(registration.id),
                serial_number: registration.serial_number,
                part_number: new.part_number.clone(),
            })
        }
        _ => Err(ApiError::invalid_field(
            "dispatch_id",
            Text::key("invalid-name-either-dispatch-registration"),
        )),
    }
}

pub fn claim_for(
    c: &mut Conn,
    who: &Principal,
    action: Action,
    id: &str,
) -> Result<ClaimRow, ApiError> {
    let row = repo::find_claim(c, id)?.ok_or_else(ApiError::not_found)?;
    authorize_dealer(who, action, Some(&row.dealer_id))?;
    Ok(row)
}

/// Claims a defective part under warranty for `dealer_id`: refused unless the failure date lies
/// within the device's warranty and not in the future.
pub fn submit(
    c: &mut Conn,
    actor: &str,
    dealer_id: String,
    new: NewClaim,
    now: DateTime<Utc>,
) -> Result<ClaimRow, ApiError> {
    let source = claim_source(c, &dealer_id, &new)?;
    rules::check_claim_failure_date(new.failure_date, source.warranty_end, now.date_naive())?;
    let row = ClaimRow {
        id: fleetdesk_persistence::new_id(),
        dealer_id,
        dispatch_id: source.dispatch_id,
        registration_id: source.registration_id,
        serial_number: source.serial_number,
        part_number: source.part_number,
        defect: new.defect,
        failure_date: new.failure_date,
        status: Stored(ClaimStatus::Submitted),
        decision_reason: None,
        submitted_by: actor.to_owned(),
        submitted_at: now.naive_utc(),
        decided_by: None,
        decided_at: None,
    };
    repo::insert_claim(c, &row).map_err(|e| match e {
        DbError::UniqueViolation(_) => ApiError::conflict(
            ErrorCode::ClaimExists,
            Text::key("detail-part-dispatch-claimed-already"),
        ),
        other => other.into(),
    })?;
    event(
        c,
        EventKind::ClaimSubmitted,
        "warranty_claim",
        &row.id,
        None,
        actor,
        json!({ "dealer_id": row.dealer_id, "dispatch_id": row.dispatch_id,
                "serial_number": row.serial_number, "part_number": row.part_number }),
        now,
    )?;
    Ok(row)
}

/// A warranty administrator decides a submitted claim, once; the dealer hears of it from the
/// notifier.
pub fn decide(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    verdict: Verdict,
    now: DateTime<Utc>,
) -> Result<ClaimRow, ApiError> {
    let row = claim_for(c, who, Action::DecideClaims, id)?;
    let decided = repo::decide_claim(
        c,
        &row.id,
        if verdict.approved {
            ClaimStatus::Approved
        } else {
            ClaimStatus::Rejected
        },
        verdict.reason.as_deref(),
        &who.user_id,
        now,
    )?;
    if !decided {
        return Err(ApiError::conflict(
            ErrorCode::ClaimDecided,
            Text::with("detail-claim-already", [("status", row.status.to_string())]),
        ));
    }
    event(
        c,
        EventKind::ClaimDecided,
        "warranty_claim",
        &row.id,
        None,
        &who.user_id,
        json!({ "dealer_id": row.dealer_id, "decision": verdict.as_str() }),
        now,
    )?;
    repo::find_claim(c, &row.id)?.ok_or_else(|| ApiError::internal())
}
