//! The dealer network: dealers, their users' invitations and their registrations of serial
//! numbers, and the event helper the network's operations share.

use actix_web::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use fleetdesk_domain::dealers::RegistrationStatus;
use fleetdesk_domain::devices::SerialNumber;
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::{DealerRole, Email, Principal};
use fleetdesk_domain::membership;
use fleetdesk_domain::policy::Action;
use fleetdesk_persistence::dealers::{
    self as repo, DealerInvitationRow, DealerRow, DealerUserRow, RegistrationContext,
    RegistrationRow,
};
use fleetdesk_persistence::devices as devices_repo;
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::identity as identity_repo;
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::{Conn, DbError};
use serde_json::json;

use crate::app::invitations::{Acceptor, invitation_not_open, invitation_problem};
use crate::app::members::last_administrator;
use crate::auth::{self, authorize_dealer};
use crate::config::Config;
use crate::error::{ApiError, ErrorCode, Text};
use crate::mail::{self, texts};

/// Appends a dealer-network event in the caller's transaction.
#[expect(
    clippy::too_many_arguments,
    reason = "one event, described field by field"
)]
pub fn event(
    c: &mut Conn,
    kind: EventKind,
    subject_type: &str,
    subject_id: &str,
    device_id: Option<&str>,
    actor: &str,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    // Dealer-network events carry no account: the feed shows them to staff and to the
    // dealer whose object they concern.
    let dealer_id = fleetdesk_persistence::dealers::dealer_of(c, subject_type, subject_id)?;
    events::append(
        c,
        NewEvent {
            kind,
            account_id: None,
            subject_type,
            subject_id,
            device_id,
            dealer_id: dealer_id.as_deref(),
            actor_id: Some(actor),
            staff_only: false,
            payload,
            at,
        },
    )
}

/// The caller's own dealer; 403 for anyone not a dealer's user.
pub fn own_dealer(who: &Principal) -> Result<String, ApiError> {
    who.dealer
        .as_ref()
        .map(|d| d.dealer_id.clone())
        .ok_or_else(ApiError::forbidden)
}

/// Writes a dealer invitation and mails its single-use token, in the caller's transaction.
pub fn invite(
    c: &mut Conn,
    config: &Config,
    dealer: &DealerRow,
    email: &Email,
    role: DealerRole,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<DealerInvitationRow, ApiError> {
    let ttl = chrono::Duration::from_std(config.invitation_ttl)
        .map_err(|e| ApiError::internal_from(e))?;
    let (token, token_hash) = auth::new_secret_token()?;
    let row = DealerInvitationRow {
        id: fleetdesk_persistence::new_id(),
        dealer_id: dealer.id.clone(),
        email: email.to_string(),
        role: Stored(role),
        token_hash,
        invited_by: actor.to_owned(),
        created_at: now.naive_utc(),
        expires_at: (now + ttl).naive_utc(),
        accepted_at: None,
        accepted_by: None,
        revoked_at: None,
    };
    repo::insert_dealer_invitation(c, &row)?;
    let lang = mail::language_for(c, email.as_str(), actor)?;
    mail::enqueue_secret(
        c,
        email.as_str(),
        texts::dealer_invitation(
            lang,
            &config.public_base_url,
            &dealer.name,
            role.as_str(),
            &token,
        ),
        now,
    )?;
    event(
        c,
        EventKind::DealerInvitationCreated,
        "dealer",
        &dealer.id,
        None,
        actor,
        json!({ "invitation_id": row.id, "role": row.role }),
        now,
    )?;
    Ok(row)
}

/// A user the acceptance creates is created as the dealer's user, with the invited role.
pub fn prepare_acceptor(invitation: &DealerInvitationRow, acceptor: &mut Acceptor) {
    if let Some(user) = acceptor.new_user_mut() {
        user.dealer_id = Some(invitation.dealer_id.clone());
        user.dealer_role = Some(invitation.role);
    }
}

/// Makes the invited person one of the dealer's users, in the acceptance's transaction: a
/// customer's user or another dealer's cannot be; returns the dealer and the user's id.
pub fn join_by_invitation(
    c: &mut Conn,
    invitation: &DealerInvitationRow,
    acceptor: &Acceptor,
    now: DateTime<Utc>,
) -> Result<(DealerRow, String), ApiError> {
    let dealer =
        repo::find_dealer(c, &invitation.dealer_id)?.ok_or_else(|| ApiError::internal())?;
    if let Some(user) = acceptor.existing()
        && user.dealer_id.as_deref() == Some(dealer.id.as_str())
    {
        return Err(ApiError::conflict(
            ErrorCode::AlreadyMember,
            Text::key("detail-you-one-dealer-s-users-already"),
        ));
    }
    let user_id = acceptor.apply(c, now)?;
    if !acceptor.is_new() {
        let customer = !identity_repo::memberships_of(c, &user_id)?.is_empty();
        if customer || !repo::join_dealer(c, &user_id, &dealer.id, *invitation.role, now)? {
            return Err(ApiError::conflict(
                ErrorCode::NotEligible,
                Text::key("detail-address-belongs-user-who-cannot-also"),
            ));
        }
    }
    if !repo::accept_dealer_invitation(c, &invitation.id, &user_id, now)? {
        return Err(invitation_problem(
            ErrorCode::InvitationUsed,
            Text::key("detail-invitation-used-already"),
        ));
    }
    event(
        c,
        EventKind::DealerUserJoined,
        "dealer",
        &dealer.id,
        None,
        &user_id,
        json!({ "user_id": user_id, "role": invitation.role }),
        now,
    )?;
    Ok((dealer, user_id))
}

/// Loads a registration (with its model's name) and checks `action` on it.
pub fn registration_for(
    c: &mut Conn,
    who: &Principal,
    action: Action,
    id: &str,
) -> Result<(RegistrationRow, String), ApiError> {
    let ctx = repo::find_registration(c, id)?.ok_or_else(ApiError::not_found)?;
    authorize_dealer(who, action, Some(&ctx.0.dealer_id))?;
    Ok(ctx)
}

/// A dealer's registration of a serial number, checked.
pub struct NewRegistration {
    pub model_id: String,
    pub serial: SerialNumber,
    pub warranty_marketing_program: bool,
    pub warranty_end: Option<NaiveDate>,
    pub end_user_name: Option<String>,
}

/// Registers a serial number the dealer services. One active registration per serial number;
/// the portal's device of that serial and model is linked.
pub fn register(
    c: &mut Conn,
    actor: &str,
    dealer_id: &str,
    new: NewRegistration,
    now: DateTime<Utc>,
) -> Result<RegistrationContext, ApiError> {
    devices_repo::find_model(c, &new.model_id)?
        .ok_or_else(|| ApiError::invalid_field("model_id", Text::key("invalid-no-such-model")))?;
    let device = devices_repo::find_device_by_serial(c, &new.model_id, new.serial.as_str())?;
    if device.is_none() && devices_repo::serial_on_portal(c, new.serial.as_str())? {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::SerialModelMismatch,
            Text::key("detail-device-serial-number-portal-another-model"),
        ));
    }
    let row = RegistrationRow {
        id: fleetdesk_persistence::new_id(),
        dealer_id: dealer_id.to_owned(),
        model_id: new.model_id.clone(),
        serial_number: new.serial.as_str().to_owned(),
        device_id: device.map(|d| d.id),
        warranty_marketing_program: new.warranty_marketing_program,
        warranty_end: new.warranty_end,
        end_user_name: new.end_user_name.clone(),
        status: Stored(RegistrationStatus::Active),
        registered_by: actor.to_owned(),
        registered_at: now.naive_utc(),
        ended_by: None,
        ended_at: None,
    };
    repo::insert_registration(c, &row).map_err(|e| match e {
        // Another dealer's registration is not revealed: only that one exists.
        DbError::UniqueViolation(_) => ApiError::conflict(
            ErrorCode::SerialAlreadyRegistered,
            Text::key("detail-serial-number-active-registration"),
        ),
        other => other.into(),
    })?;
    event(
        c,
        EventKind::RegistrationCreated,
        "registration",
        &row.id,
        row.device_id.as_deref(),
        actor,
        json!({ "dealer_id": row.dealer_id, "serial_number": row.serial_number,
                "warranty_marketing_program": row.warranty_marketing_program }),
        now,
    )?;
    repo::find_registration(c, &row.id)?.ok_or_else(|| ApiError::internal())
}

/// Ends a registration (its dealer's users, staff).
pub fn deregister(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let (row, _) = registration_for(c, who, Action::RegisterSerials, id)?;
    if !repo::end_registration(c, &row.id, &who.user_id, now)? {
        return Err(ApiError::conflict(
            ErrorCode::RegistrationEnded,
            Text::key("detail-registration-ended-already"),
        ));
    }
    event(
        c,
        EventKind::RegistrationEnded,
        "registration",
        &row.id,
        row.device_id.as_deref(),
        &who.user_id,
        json!({ "dealer_id": row.dealer_id, "serial_number": row.serial_number }),
        now,
    )
    .map_err(ApiError::from)
}

/// Creates a dealer (customer service); with `admin`, that address is invited as its first
/// administrator.
pub fn create(
    c: &mut Conn,
    config: &Config,
    actor: &str,
    row: DealerRow,
    admin: Option<Email>,
) -> Result<DealerRow, ApiError> {
    repo::insert_dealer(c, &row)?;
    event(
        c,
        EventKind::DealerCreated,
        "dealer",
        &row.id,
        None,
        actor,
        json!({ "name": row.name }),
        row.created_at.and_utc(),
    )?;
    if let Some(email) = &admin {
        invite(
            c,
            config,
            &row,
            email,
            DealerRole::DealerAdmin,
            actor,
            row.created_at.and_utc(),
        )?;
    }
    Ok(row)
}

/// Locks the dealer and checks that the change of `user_id` to `next` (`None`: removal)
/// leaves the dealer an administrator; 404 unless the user is one of the dealer's.
fn keep_an_administrator(
    c: &mut Conn,
    dealer_id: &str,
    user_id: &str,
    next: Option<DealerRole>,
) -> Result<(), ApiError> {
    repo::lock_dealer(c, dealer_id)?;
    let user = identity_repo::find_user(c, user_id)?
        .filter(|u| u.dealer_id.as_deref() == Some(dealer_id))
        .ok_or_else(ApiError::not_found)?;
    let current = *user.dealer_role.ok_or_else(|| ApiError::internal())?;
    let admins = repo::count_dealer_users_with_role(c, dealer_id, DealerRole::DealerAdmin)?;
    membership::check_change(current, next, usize::try_from(admins).unwrap_or(0))
        .map_err(last_administrator)?;
    Ok(())
}

/// Changes the role of one of a dealer's users; a dealer keeps an administrator.
pub fn change_user_role(
    c: &mut Conn,
    actor: &str,
    (dealer_id, user_id): (&str, &str),
    role: DealerRole,
    now: DateTime<Utc>,
) -> Result<DealerUserRow, ApiError> {
    keep_an_administrator(c, dealer_id, user_id, Some(role))?;
    if !repo::change_dealer_role(c, dealer_id, user_id, role, now)? {
        return Err(ApiError::not_found());
    }
    event(
        c,
        EventKind::DealerUserRoleChanged,
        "dealer",
        dealer_id,
        None,
        actor,
        json!({ "user_id": user_id, "role": role.as_str() }),
        now,
    )?;
    repo::dealer_users(c, dealer_id)?
        .into_iter()
        .find(|u| u.id == user_id)
        .ok_or_else(|| ApiError::internal())
}

/// Removes one of a dealer's users and the invitations they sent; a dealer keeps an
/// administrator.
pub fn remove_user(
    c: &mut Conn,
    actor: &str,
    (dealer_id, user_id): (&str, &str),
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    keep_an_administrator(c, dealer_id, user_id, None)?;
    if !repo::remove_dealer_user(c, dealer_id, user_id, now)? {
        return Err(ApiError::not_found());
    }
    // Whoever leaves cannot come back through an invitation they sent.
    repo::revoke_dealer_invitations_by(c, dealer_id, user_id, now)?;
    event(
        c,
        EventKind::DealerUserRemoved,
        "dealer",
        dealer_id,
        None,
        actor,
        json!({ "user_id": user_id }),
        now,
    )?;
    Ok(())
}

/// Revokes a dealer invitation still open.
pub fn revoke_invitation(
    c: &mut Conn,
    actor: &str,
    (dealer_id, invitation_id): (&str, &str),
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let row = repo::find_dealer_invitation(c, dealer_id, invitation_id)?
        .ok_or_else(ApiError::not_found)?;
    if !repo::revoke_dealer_invitation(c, &row.id, now)? {
        return Err(invitation_not_open());
    }
    event(
        c,
        EventKind::DealerInvitationRevoked,
        "dealer",
        dealer_id,
        None,
        actor,
        json!({ "invitation_id": row.id, "role": row.role }),
        now,
    )
    .map_err(ApiError::from)
}
