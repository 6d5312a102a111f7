//! The dealer network: what its operations share.

use chrono::{DateTime, Utc};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::{DealerRole, Email, Principal};
use fleetdesk_persistence::dealers::{self as repo, DealerInvitationRow, DealerRow};
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::identity as identity_repo;
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::{Conn, DbError};
use serde_json::json;

use crate::app::invitations::{Acceptor, invitation_problem};
use crate::auth;
use crate::config::Config;
use crate::error::{ApiError, ErrorCode};
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
    mail::enqueue_secret(
        c,
        email.as_str(),
        texts::dealer_invitation(&config.public_base_url, &dealer.name, role.as_str(), &token),
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
            "you are one of this dealer's users already",
        ));
    }
    let user_id = acceptor.apply(c, now)?;
    if !acceptor.is_new() {
        let customer = !identity_repo::memberships_of(c, &user_id)?.is_empty();
        if customer || !repo::join_dealer(c, &user_id, &dealer.id, *invitation.role, now)? {
            return Err(ApiError::conflict(
                ErrorCode::NotEligible,
                "this address belongs to a user who cannot also be a dealer's user",
            ));
        }
    }
    if !repo::accept_dealer_invitation(c, &invitation.id, &user_id, now)? {
        return Err(invitation_problem(
            ErrorCode::InvitationUsed,
            "this invitation was used already",
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
