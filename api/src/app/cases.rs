//! Service cases: opening one (its response clock fixed from the contract then in force),
//! moving it through the state machine, comments and technicians, with the status history and
//! the events.

use std::sync::Arc;

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use fleetdesk_domain::calendar;
use fleetdesk_domain::cases::{
    self as rules, AttachmentType, Category, MoveError, Mover, Status, check_move,
};
use fleetdesk_domain::devices::DeviceStatus;
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::{Principal, StaffRole};
use fleetdesk_domain::policy::{Action, CaseRef};
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::cases::{
    self as repo, AttachmentRow, CaseContext, CaseRow, CommentRow, StatusChangeRow,
};
use fleetdesk_persistence::contracts as contracts_repo;
use fleetdesk_persistence::devices::DeviceRow;
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::identity as identity_repo;
use fleetdesk_persistence::labels::Stored;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::accounts::find_account;
use crate::app::contracts::terms_of;
use crate::app::devices::device_for;
use crate::app::members::require_field_technician;
use crate::auth::{Actor, authorize, authorize_case};
use crate::error::{ApiError, ErrorCode, Text};

/// Why a case operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The state machine refused the move (no such move, or not the caller's part).
    #[error(transparent)]
    Move(#[from] MoveError),
    /// Someone else moved the case first.
    #[error("the case changed meanwhile; reload it and try again")]
    Changed,
    /// Stored data fleetdesk cannot read (the contract's terms).
    #[error("unreadable stored data: {0}")]
    Unreadable(String),
    #[error(transparent)]
    Db(#[from] fleetdesk_persistence::DbError),
}

impl From<CaseError> for ApiError {
    fn from(e: CaseError) -> Self {
        let moved = |from: Status, to: Status| json!({ "from": from.as_str(), "to": to.as_str() });
        match e {
            CaseError::Move(error @ MoveError::Illegal { from, to }) => {
                ApiError::conflict(ErrorCode::IllegalTransition, error.message())
                    .with_facts(moved(from, to))
            }
            CaseError::Move(error @ MoveError::NotYours { from, to }) => ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::TransitionNotAllowed,
                error.message(),
            )
            .with_facts(moved(from, to)),
            CaseError::Changed => {
                ApiError::conflict(ErrorCode::CaseChanged, Text::key("detail-case-changed"))
            }
            CaseError::Unreadable(what) => ApiError::internal_from(what),
            CaseError::Db(db) => db.into(),
        }
    }
}

pub fn case_event(
    c: &mut Conn,
    kind: EventKind,
    case: &CaseRow,
    actor: &str,
    staff_only: bool,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), fleetdesk_persistence::DbError> {
    events::append(
        c,
        NewEvent {
            kind,
            account_id: Some(&case.account_id),
            subject_type: "case",
            subject_id: &case.id,
            device_id: case.device_id.as_deref(),
            dealer_id: None,
            actor_id: Some(actor),
            staff_only,
            payload,
            at,
        },
    )?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    #[schema(example = "Anna Berg", min_length = 1, max_length = 100)]
    pub name: String,
    #[schema(example = "anna.berg@example.com")]
    pub email: Option<String>,
    #[schema(example = "+46 8 123 456 78", max_length = 40)]
    pub phone: Option<String>,
}

/// What a new case says.
pub struct NewCase {
    pub category: Category,
    pub summary: String,
    pub description: String,
    pub contact: Contact,
}

/// What a case is about: a device of an account, or (`device_id` `None`) the account alone.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub account_id: &'a str,
    pub device_id: Option<&'a str>,
}

impl<'a> From<&'a DeviceRow> for Subject<'a> {
    fn from(device: &'a DeviceRow) -> Self {
        Subject {
            account_id: &device.account_id,
            device_id: Some(&device.id),
        }
    }
}

/// Opens a case about `subject` at `now` (the caller checked who may): fixes its response
/// clock from the account's current contract, records the opening in the status history and
/// the event feed.
pub fn open_in(
    c: &mut Conn,
    subject: Subject<'_>,
    opener: &str,
    new: NewCase,
    now: DateTime<Utc>,
) -> Result<CaseRow, CaseError> {
    let clock = match contracts_repo::current(c, subject.account_id)? {
        Some(contract) => {
            let unreadable = |e: &dyn std::fmt::Display| {
                CaseError::Unreadable(format!(
                    "contract {} v{}: {e}",
                    contract.account_id, contract.version
                ))
            };
            let terms = terms_of(&contract).map_err(|e| unreadable(&e))?;
            let minutes = u32::try_from(terms.response_minutes).map_err(|e| unreadable(&e))?;
            let calendar = terms.calendar().map_err(|e| unreadable(&e))?;
            let clock =
                calendar::response_deadline(&calendar, now, minutes).map_err(|e| unreadable(&e))?;
            Some((contract.version, clock))
        }
        None => None,
    };
    let at = now.naive_utc();
    let row = CaseRow {
        id: fleetdesk_persistence::new_id(),
        account_id: subject.account_id.to_owned(),
        device_id: subject.device_id.map(str::to_owned),
        category: Stored(new.category),
        summary: new.summary,
        description: new.description,
        contact_name: new.contact.name,
        contact_email: new.contact.email,
        contact_phone: new.contact.phone,
        status: Stored(Status::Open),
        opened_by: opener.to_owned(),
        opened_at: at,
        contract_version: clock.as_ref().map(|(v, _)| *v),
        clock_start: clock.as_ref().map(|(_, k)| k.clock_start.naive_utc()),
        response_deadline: clock.as_ref().map(|(_, k)| k.deadline.naive_utc()),
        first_response_at: None,
        first_response_by: None,
        assigned_technician_id: None,
        ended_at: None,
        updated_at: at,
    };
    repo::insert_case(c, &row)?;
    repo::insert_status_change(
        c,
        &StatusChangeRow {
            id: fleetdesk_persistence::new_id(),
            case_id: row.id.clone(),
            from_status: None,
            to_status: row.status,
            changed_by: opener.to_owned(),
            changed_at: at,
        },
    )?;
    case_event(
        c,
        EventKind::CaseOpened,
        &row,
        opener,
        false,
        json!({
            "category": row.category,
            "summary": row.summary,
            "response_deadline": row.response_deadline.map(|t| t.and_utc()),
        }),
        now,
    )?;
    Ok(row)
}

/// Moves `case` to `to` for `mover` (admitted to the case by the caller) if the state machine
/// allows it, recording the change, a first response, and the event.
pub fn move_in(
    c: &mut Conn,
    case: &CaseRow,
    to: Status,
    mover: Mover,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    let from = *case.status;
    check_move(from, to, mover)?;
    if !repo::move_status(c, &case.id, from, to, to.is_final(), now)? {
        return Err(CaseError::Changed);
    }
    repo::insert_status_change(
        c,
        &StatusChangeRow {
            id: fleetdesk_persistence::new_id(),
            case_id: case.id.clone(),
            from_status: Some(Stored(from)),
            to_status: Stored(to),
            changed_by: actor.to_owned(),
            changed_at: now.naive_utc(),
        },
    )?;
    if rules::is_first_response(from, mover) {
        repo::record_first_response(c, &case.id, actor, now)?;
    }
    case_event(
        c,
        EventKind::CaseStatusChanged,
        case,
        actor,
        false,
        json!({ "from": from.as_str(), "to": to.as_str() }),
        now,
    )?;
    Ok(())
}

pub fn case_ref(case: &CaseRow) -> CaseRef<'_> {
    CaseRef {
        account_id: &case.account_id,
        device_id: case.device_id.as_deref(),
        opened_by: &case.opened_by,
        technician_id: case.assigned_technician_id.as_deref(),
    }
}

/// Loads a case and checks `action` on it: outside the caller's scope it does not exist.
pub fn case_for(
    c: &mut Conn,
    who: &Principal,
    action: Action,
    id: &str,
) -> Result<CaseContext, ApiError> {
    let case = repo::find_case(c, id)?.ok_or_else(ApiError::not_found)?;
    authorize_case(who, action, case_ref(&case.case))?;
    Ok(case)
}

/// Who the caller is to the state machine. Call it only after [`case_for`] admitted the
/// caller: a technician it admits is one assigned to the case.
pub fn mover(who: &Principal) -> Mover {
    match who.staff_role {
        Some(StaffRole::Technician) => Mover::AssignedTechnician,
        Some(role) => Mover::Staff(role),
        None => Mover::Customer,
    }
}

/// What a new case is about, as the request names it.
pub enum About {
    Device(String),
    /// The account alone: a billing question, a general question or a meter query.
    Account(String),
}

/// A case as a customer or customer service opens it, checked; without a contact the opener is
/// the contact.
pub struct OpenCase {
    pub about: About,
    pub category: Category,
    pub summary: String,
    pub description: String,
    pub contact: Option<Contact>,
}

/// Opens a case for a device the caller may open cases for (a removed device takes none), or
/// about an account the caller may open cases in when the category allows no device.
pub fn open(
    c: &mut Conn,
    actor: &impl Actor,
    new: OpenCase,
    now: DateTime<Utc>,
) -> Result<(Arc<Principal>, CaseContext), ApiError> {
    let (who, device);
    let subject = match &new.about {
        About::Device(device_id) => {
            (who, device) = device_for(c, actor, Action::OpenCase, device_id)?;
            if device.device.status == DeviceStatus::Removed {
                return Err(ApiError::conflict(
                    ErrorCode::DeviceRemoved,
                    Text::key("detail-device-removed-cases-can-no-longer"),
                ));
            }
            Subject::from(&device.device)
        }
        About::Account(account_id) => {
            who = actor.load(c)?;
            if !new.category.may_omit_device() {
                return Err(ApiError::invalid_field(
                    "device_id",
                    Text::with(
                        "invalid-case-needs-device",
                        [("category", new.category.as_str().to_owned())],
                    ),
                ));
            }
            authorize(&who, Action::OpenCase, Some(account_id))?;
            find_account(c, account_id)?;
            Subject {
                account_id,
                device_id: None,
            }
        }
    };
    let contact = match new.contact {
        Some(contact) => contact,
        None => {
            let me =
                identity_repo::find_user(c, &who.user_id)?.ok_or_else(|| ApiError::internal())?;
            Contact {
                name: me.display_name,
                email: Some(me.email),
                phone: None,
            }
        }
    };
    let opened = NewCase {
        category: new.category,
        summary: new.summary,
        description: new.description,
        contact,
    };
    let row = open_in(c, subject, &who.user_id, opened, now)?;
    let case = repo::find_case(c, &row.id)?.ok_or_else(|| ApiError::internal())?;
    Ok((who, case))
}

/// The case a comment or attachment goes to: one the caller may comment on (an internal one
/// only for whoever may write internal notes), and not closed or cancelled.
fn case_to_add_to(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    internal: bool,
) -> Result<CaseRow, ApiError> {
    let case = case_for(c, who, Action::CommentOnCase, id)?.case;
    if internal {
        case_for(c, who, Action::WriteInternalNote, id)?;
    }
    if case.status.is_final() {
        return Err(ApiError::conflict(
            ErrorCode::CaseEnded,
            Text::key("detail-case-closed-cancelled-open-new-case"),
        ));
    }
    Ok(case)
}

/// Comments on an open case: a public staff comment is the manufacturer's first response;
/// internal notes are for staff. Returns the case's id and the comment.
pub fn comment(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    (text, internal): (String, bool),
    now: DateTime<Utc>,
) -> Result<(String, CommentRow), ApiError> {
    let case = case_to_add_to(c, who, id, internal)?;
    let row = CommentRow {
        id: fleetdesk_persistence::new_id(),
        case_id: case.id.clone(),
        author_id: who.user_id.clone(),
        body: text,
        internal,
        created_at: now.naive_utc(),
    };
    repo::insert_comment(c, &row)?;
    if rules::comment_responds(mover(who), row.internal) {
        repo::record_first_response(c, &case.id, &who.user_id, now)?;
    }
    case_event(
        c,
        EventKind::CaseCommented,
        &case,
        &who.user_id,
        row.internal,
        json!({ "comment_id": row.id, "internal": row.internal }),
        now,
    )?;
    Ok((case.id, row))
}

/// A file to attach, its type already known from its content.
pub struct NewAttachment {
    pub file_name: String,
    pub content_type: AttachmentType,
    pub content: Vec<u8>,
    pub internal: bool,
}

/// Attaches a file to an open case, as a comment would be added: whoever may comment may
/// attach, an internal file only whoever may write internal notes.
pub fn attach(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    new: NewAttachment,
    now: DateTime<Utc>,
) -> Result<AttachmentRow, ApiError> {
    let case = case_to_add_to(c, who, id, new.internal)?;
    let row = AttachmentRow {
        id: fleetdesk_persistence::new_id(),
        case_id: case.id.clone(),
        file_name: new.file_name,
        content_type: Stored(new.content_type),
        size_bytes: i64::try_from(new.content.len()).unwrap_or(i64::MAX),
        internal: new.internal,
        uploaded_by: who.user_id.clone(),
        uploaded_at: now.naive_utc(),
    };
    repo::insert_attachment(c, &row, &new.content)?;
    case_event(
        c,
        EventKind::CaseAttachmentAdded,
        &case,
        &who.user_id,
        row.internal,
        json!({
            "attachment_id": row.id,
            "file_name": row.file_name,
            "content_type": row.content_type,
            "size_bytes": row.size_bytes,
            "internal": row.internal,
        }),
        now,
    )?;
    Ok(row)
}

/// Assigns (or, with `None`, unassigns) a field technician to an open case.
pub fn assign_technician(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    technician_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<CaseContext, ApiError> {
    let case = case_for(c, who, Action::AssignTechnician, id)?.case;
    if case.status.is_final() {
        return Err(ApiError::conflict(
            ErrorCode::CaseEnded,
            Text::key("detail-case-closed-cancelled"),
        ));
    }
    if let Some(tech) = technician_id {
        require_field_technician(c, tech)?;
    }
    repo::assign_technician(c, &case.id, technician_id, now)?;
    case_event(
        c,
        EventKind::CaseTechnicianAssigned,
        &case,
        &who.user_id,
        false,
        json!({ "technician_id": technician_id }),
        now,
    )?;
    repo::find_case(c, &case.id)?.ok_or_else(|| ApiError::internal())
}

/// Moves a case to `to` as the state machine allows the caller.
pub fn move_to(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    to: Status,
    now: DateTime<Utc>,
) -> Result<CaseContext, ApiError> {
    let case = case_for(c, who, Action::MoveCase, id)?.case;
    move_in(c, &case, to, mover(who), &who.user_id, now)?;
    repo::find_case(c, &case.id)?.ok_or_else(|| ApiError::internal())
}
