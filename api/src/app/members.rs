//! Members of customer accounts (and the staff rules their operations share): invitations
//! and joining by one.

use chrono::{DateTime, Utc};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::{CustomerRole, Email, StaffRole};
use fleetdesk_domain::membership::{self, JoinRequestStatus, MembershipError};
use fleetdesk_persistence::accounts as accounts_repo;
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::identity::{self as repo, InvitationRow, JoinRequestView, MemberView};
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::{Conn, DbError};
use serde_json::json;

use crate::app::accounts::find_account;
use crate::app::assignments;
use crate::app::invitations::{Acceptor, invitation_not_open, invitation_problem};
use crate::auth;
use crate::config::Config;
use crate::error::{ApiError, ErrorCode, Text};
use crate::mail::{self, texts};

/// An account keeps at least one administrator.
pub fn last_administrator(e: MembershipError) -> ApiError {
    ApiError::conflict(ErrorCode::LastAdministrator, e.message())
}

/// 422 unless `user_id` is a field technician.
pub fn require_field_technician(c: &mut Conn, user_id: &str) -> Result<(), ApiError> {
    let is_technician = repo::find_user(c, user_id)?
        .is_some_and(|u| u.staff_role == Some(Stored(StaffRole::Technician)));
    if !is_technician {
        return Err(ApiError::invalid_field(
            "technician_id",
            Text::key("invalid-field-technician"),
        ));
    }
    Ok(())
}

pub fn member_event(
    c: &mut Conn,
    kind: EventKind,
    account_id: &str,
    user_id: &str,
    actor: &str,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    events::append(
        c,
        NewEvent {
            kind,
            account_id: Some(account_id),
            subject_type: "membership",
            subject_id: user_id,
            device_id: None,
            dealer_id: None,
            actor_id: Some(actor),
            staff_only: false,
            payload,
            at,
        },
    )?;
    Ok(())
}

/// A JSON list of ids stored with an invitation.
pub fn stored_ids(column: Option<&str>) -> Vec<String> {
    column
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

/// An id list to store with an invitation: none when empty.
pub fn ids_to_store(ids: &[String]) -> Result<Option<String>, ApiError> {
    (!ids.is_empty())
        .then(|| serde_json::to_string(ids))
        .transpose()
        .map_err(|e| ApiError::internal_from(e))
}

/// An invitation to write: who, with which role, assigned what.
pub struct Invite {
    pub email: Email,
    pub role: CustomerRole,
    pub device_ids: Vec<String>,
    pub stock_location_ids: Vec<String>,
}

/// Invites someone by e-mail to join `account_id` (administrators, customer service): the
/// invitation is stored with a single-use token, which is mailed.
pub fn invite(
    c: &mut Conn,
    config: &Config,
    actor: &str,
    account_id: &str,
    invite: Invite,
    now: DateTime<Utc>,
) -> Result<InvitationRow, ApiError> {
    let account = find_account(c, account_id)?;
    assignments::check(
        c,
        &assignments::DEVICES,
        account_id,
        invite.role,
        &invite.device_ids,
    )?;
    assignments::check(
        c,
        &assignments::STOCK_LOCATIONS,
        account_id,
        invite.role,
        &invite.stock_location_ids,
    )?;
    if let Some(user) = repo::find_user_by_email(c, invite.email.as_str())?
        && repo::find_member(c, account_id, &user.id)?.is_some()
    {
        return Err(ApiError::conflict(
            ErrorCode::AlreadyMember,
            Text::key("detail-address-belongs-member-account-already"),
        ));
    }
    let (token, token_hash) = auth::new_secret_token()?;
    let ttl = chrono::Duration::from_std(config.invitation_ttl)
        .map_err(|e| ApiError::internal_from(e))?;
    let row = InvitationRow {
        id: fleetdesk_persistence::new_id(),
        account_id: account_id.to_owned(),
        email: invite.email.to_string(),
        role: Stored(invite.role),
        token_hash,
        invited_by: actor.to_owned(),
        created_at: now.naive_utc(),
        expires_at: (now + ttl).naive_utc(),
        accepted_at: None,
        accepted_by: None,
        revoked_at: None,
        device_ids: ids_to_store(&invite.device_ids)?,
        stock_location_ids: ids_to_store(&invite.stock_location_ids)?,
    };
    repo::insert_invitation(c, &row)?;
    let lang = mail::language_for(c, invite.email.as_str(), actor)?;
    mail::enqueue_secret(
        c,
        invite.email.as_str(),
        texts::invitation(
            lang,
            &config.public_base_url,
            &account.name,
            invite.role.as_str(),
            &token,
        ),
        now,
    )?;
    events::append(
        c,
        NewEvent {
            kind: EventKind::InvitationCreated,
            account_id: Some(account_id),
            subject_type: "invitation",
            subject_id: &row.id,
            device_id: None,
            dealer_id: None,
            actor_id: Some(actor),
            staff_only: false,
            payload: json!({ "role": invite.role }),
            at: now,
        },
    )?;
    Ok(row)
}

/// Who joined an account by an invitation.
pub struct Joined {
    pub account_id: String,
    pub account_name: String,
    pub user_id: String,
}

/// Makes the invited person a member, in the acceptance's transaction: creates or claims their
/// user (see [`Acceptor`]), marks the invitation used, assigns what it names.
pub fn join_by_invitation(
    c: &mut Conn,
    invitation: &InvitationRow,
    acceptor: &Acceptor,
    now: DateTime<Utc>,
) -> Result<Joined, ApiError> {
    let account = find_account(c, &invitation.account_id)?;
    if let Some(user) = acceptor.existing()
        && repo::find_member(c, &account.id, &user.id)?.is_some()
    {
        return Err(ApiError::conflict(
            ErrorCode::AlreadyMember,
            Text::key("detail-you-member-account-already"),
        ));
    }
    let user_id = acceptor.apply(c, now)?;
    if !repo::accept_invitation(c, &invitation.id, &user_id, now)? {
        return Err(invitation_problem(
            ErrorCode::InvitationUsed,
            Text::key("detail-invitation-used-already"),
        ));
    }
    repo::add_membership(c, &account.id, &user_id, *invitation.role, now).map_err(|e| match e {
        DbError::UniqueViolation(_) => ApiError::conflict(
            ErrorCode::AlreadyMember,
            Text::key("detail-you-member-account-already"),
        ),
        other => other.into(),
    })?;
    let devices = stored_ids(invitation.device_ids.as_deref());
    if !devices.is_empty() {
        fleetdesk_persistence::devices::set_assignments(c, &account.id, &user_id, &devices, now)?;
    }
    let locations = stored_ids(invitation.stock_location_ids.as_deref());
    if !locations.is_empty() {
        fleetdesk_persistence::stock::set_assignments(c, &account.id, &user_id, &locations, now)?;
    }
    member_event(
        c,
        EventKind::MemberJoined,
        &account.id,
        &user_id,
        &user_id,
        json!({ "user_id": user_id, "role": invitation.role, "via": "invitation",
                "device_ids": devices, "stock_location_ids": locations }),
        now,
    )?;
    Ok(Joined {
        account_id: account.id,
        account_name: account.name,
        user_id,
    })
}

/// Changes a member's role; the last administrator of an account cannot be demoted.
pub fn change_role(
    c: &mut Conn,
    actor: &str,
    (account_id, user_id): (&str, &str),
    next: CustomerRole,
    now: DateTime<Utc>,
) -> Result<MemberView, ApiError> {
    accounts_repo::lock_account(c, account_id)?;
    let member = repo::find_member(c, account_id, user_id)?.ok_or_else(ApiError::not_found)?;
    let current = *member.role;
    let admins = repo::count_members_with_role(c, account_id, CustomerRole::Administrator)?;
    membership::check_change(current, Some(next), usize::try_from(admins).unwrap_or(0))
        .map_err(last_administrator)?;
    repo::set_member_role(c, account_id, user_id, next)?;
    if next != CustomerRole::Administrator {
        // The main contact is one of the administrators.
        accounts_repo::drop_primary_contact(c, account_id, user_id, now)?;
    }
    member_event(
        c,
        EventKind::MemberRoleChanged,
        account_id,
        user_id,
        actor,
        json!({ "user_id": user_id, "from": current, "to": next }),
        now,
    )?;
    repo::find_member(c, account_id, user_id)?.ok_or_else(ApiError::not_found)
}

/// Removes a member with their assignments and the invitations they sent; the last
/// administrator stays.
pub fn remove(
    c: &mut Conn,
    actor: &str,
    (account_id, user_id): (&str, &str),
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    accounts_repo::lock_account(c, account_id)?;
    let member = repo::find_member(c, account_id, user_id)?.ok_or_else(ApiError::not_found)?;
    let current = *member.role;
    let admins = repo::count_members_with_role(c, account_id, CustomerRole::Administrator)?;
    membership::check_change(current, None, usize::try_from(admins).unwrap_or(0))
        .map_err(last_administrator)?;
    repo::remove_member(c, account_id, user_id)?;
    accounts_repo::drop_primary_contact(c, account_id, user_id, now)?;
    accounts_repo::set_site_assignments(c, account_id, user_id, &[], now)?;
    // Whoever leaves cannot come back through an invitation they sent.
    repo::revoke_invitations_by(c, account_id, user_id, now)?;
    fleetdesk_persistence::devices::set_assignments(c, account_id, user_id, &[], now)?;
    fleetdesk_persistence::stock::set_assignments(c, account_id, user_id, &[], now)?;
    member_event(
        c,
        EventKind::MemberRemoved,
        account_id,
        user_id,
        actor,
        json!({ "user_id": user_id, "role": current }),
        now,
    )
}

/// Revokes an invitation still open.
pub fn revoke_invitation(
    c: &mut Conn,
    actor: &str,
    (account_id, invitation_id): (&str, &str),
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let row =
        repo::find_invitation(c, account_id, invitation_id)?.ok_or_else(ApiError::not_found)?;
    if !repo::revoke_invitation(c, &row.id, now)? {
        return Err(invitation_not_open());
    }
    events::append(
        c,
        NewEvent {
            kind: EventKind::InvitationRevoked,
            account_id: Some(account_id),
            subject_type: "invitation",
            subject_id: &row.id,
            device_id: None,
            dealer_id: None,
            actor_id: Some(actor),
            staff_only: false,
            payload: json!({ "role": row.role }),
            at: now,
        },
    )?;
    Ok(())
}

/// Decides a pending request in one transaction: records the decision, adds the membership
/// when approved, mails the requester.
pub fn decide_join_request(
    c: &mut Conn,
    account_id: &str,
    request_id: &str,
    actor: &str,
    decision: Result<CustomerRole, Option<String>>,
    now: DateTime<Utc>,
) -> Result<JoinRequestView, ApiError> {
    let account = find_account(c, account_id)?;
    let request =
        repo::find_join_request(c, account_id, request_id)?.ok_or_else(ApiError::not_found)?;
    let (status, role, reason) = match &decision {
        Ok(role) => (JoinRequestStatus::Approved, Some(*role), None),
        Err(reason) => (JoinRequestStatus::Rejected, None, reason.as_deref()),
    };
    if !repo::decide_join_request(c, request_id, status, actor, role, reason, now)? {
        return Err(ApiError::conflict(
            ErrorCode::JoinRequestDecided,
            Text::key("detail-request-decided-already"),
        ));
    }
    if let Some(role) = role {
        repo::add_membership(c, account_id, &request.request.user_id, role, now).map_err(|e| {
            match e {
                DbError::UniqueViolation(_) => ApiError::conflict(
                    ErrorCode::AlreadyMember,
                    Text::key("detail-requester-member-already"),
                ),
                other => other.into(),
            }
        })?;
        member_event(
            c,
            EventKind::MemberJoined,
            account_id,
            &request.request.user_id,
            actor,
            json!({ "user_id": request.request.user_id, "role": role, "via": "join_request" }),
            now,
        )?;
    } else {
        member_event(
            c,
            EventKind::JoinRequestRejected,
            account_id,
            &request.request.user_id,
            actor,
            json!({ "request_id": request_id }),
            now,
        )?;
    }
    let lang = mail::language_for(c, &request.email, actor)?;
    mail::enqueue(
        c,
        &request.email,
        texts::join_request_decided(
            lang,
            &account.name,
            role.is_some(),
            role.map(CustomerRole::as_str),
            reason,
        ),
        now,
    )?;
    repo::find_join_request(c, account_id, request_id)?.ok_or_else(ApiError::not_found)
}
