//! Invitations, customer and dealer alike: whether a token is still open, and who accepts it.

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use fleetdesk_domain::accounts::parse_name;
use fleetdesk_domain::identity::{Email, Password};
use fleetdesk_persistence::dealers::DealerInvitationRow;
use fleetdesk_persistence::identity::{self as repo, InvitationRow, UserRow};
use fleetdesk_persistence::{Conn, DbError, DbResult};

use crate::auth;
use crate::error::{ApiError, ErrorCode, Text};
use crate::state::AppState;
use crate::throttle;
use crate::views::AcceptInvitation;

/// A revoke or a second acceptance of an invitation that is no longer open.
pub fn invitation_not_open() -> ApiError {
    ApiError::conflict(
        ErrorCode::InvitationNotOpen,
        Text::key("detail-invitation-accepted-revoked-already"),
    )
}

/// A token that cannot be accepted (unknown, used, revoked or expired).
pub fn invitation_problem(code: ErrorCode, detail: Text) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
}

/// An invitation token works once, until it expires or is revoked.
pub fn check_open(
    accepted: bool,
    revoked: bool,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if revoked {
        return Err(invitation_problem(
            ErrorCode::InvitationInvalid,
            Text::key("detail-invitation-revoked"),
        ));
    }
    if accepted {
        return Err(invitation_problem(
            ErrorCode::InvitationUsed,
            Text::key("detail-invitation-used-already"),
        ));
    }
    if expires_at <= now {
        return Err(invitation_problem(
            ErrorCode::InvitationExpired,
            Text::key("detail-invitation-expired-ask-new-one"),
        ));
    }
    Ok(())
}

/// The user an invitation creates for an address new to fleetdesk: it needs a password and a
/// name; the mailed token proved the address. Hashes the password (before any transaction).
fn invited_user(
    body: &AcceptInvitation,
    email: &Email,
    now: DateTime<Utc>,
) -> Result<UserRow, ApiError> {
    let hash = invited_password(body, email)?;
    let name = body.display_name.as_deref().ok_or_else(|| {
        ApiError::invalid_field("display_name", Text::key("invalid-required-new-user"))
    })?;
    let name = parse_name("display_name", name, 100)?;
    Ok(UserRow::new(email.as_str(), hash, &name, None, true, now))
}

/// The password given with an acceptance, checked by the registration rules and hashed.
fn invited_password(body: &AcceptInvitation, email: &Email) -> Result<String, ApiError> {
    let password = body.password.as_deref().ok_or_else(|| {
        ApiError::invalid_field("password", Text::key("invalid-required-new-user"))
    })?;
    let password = Password::parse(password, email)?;
    auth::hash_password(password.expose())
}

/// Who accepts an invitation mailed to an address. The mailed token proves the address, and
/// whoever proves the address owns the password: an earlier registration by someone else
/// never decides it. A confirmed user proves they are that user.
pub enum Acceptor {
    /// The address is new to fleetdesk: this user is created.
    New(UserRow),
    /// The address has a user who never confirmed it: the password given replaces whatever a
    /// registration set, the address counts as confirmed, and earlier sign-ins and
    /// confirmation links end.
    Unconfirmed {
        user: UserRow,
        password_hash: String,
    },
    /// A confirmed user who proved to be that user (signed in, or their current password).
    Confirmed(UserRow),
}

impl Acceptor {
    /// Decides who accepts, before the write transaction (password hashing is slow).
    /// `signed_in` is the user id of the request's access token, if any.
    pub fn decide(
        state: &AppState,
        body: &AcceptInvitation,
        email: &Email,
        signed_in: Option<&str>,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, ApiError> {
        let existing = state
            .db
            .read(|c| repo::find_user_by_email(c, email.as_str()))?;
        if let Some(caller) = signed_in
            && existing.as_ref().is_none_or(|u| u.id != caller)
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::InvitationForAnotherUser,
                Text::key("detail-invitation-sent-another-address-than-signed"),
            ));
        }
        let Some(user) = existing else {
            return Ok(Self::New(invited_user(body, email, now)?));
        };
        if signed_in.is_some() {
            return Ok(if user.email_confirmed_at.is_some() {
                Self::Confirmed(user)
            } else {
                // Signed in means confirmed; a user unconfirmed since is treated as unproven.
                Self::Unconfirmed {
                    password_hash: invited_password(body, email)?,
                    user,
                }
            });
        }
        if user.email_confirmed_at.is_none() {
            return Ok(Self::Unconfirmed {
                password_hash: invited_password(body, email)?,
                user,
            });
        }
        let Some(current) = body.current_password.as_deref() else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::IdentityProofRequired,
                Text::key("detail-address-fleetdesk-user-sign-give-current"),
            ));
        };
        // A password check like a sign-in's, counted like one.
        let keys = throttle::sign_in_keys(email.as_str(), client);
        if let Err(wait) = throttle::claim(&state.db, &keys, state.config.clock.now())? {
            return Err(throttle::too_many(
                ErrorCode::TooManyAttempts,
                Text::key("detail-too-many-failed-sign-ins-wait"),
                wait,
            ));
        }
        if !auth::verify_password(current, &user.password_hash) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidCredentials,
                Text::key("detail-current-password-wrong"),
            ));
        }
        state
            .db
            .write(|c| throttle::succeeded(c, &keys, state.config.clock.now()))?;
        Ok(Self::Confirmed(user))
    }

    pub fn is_new(&self) -> bool {
        matches!(self, Self::New(_))
    }

    /// The user to be created, for the caller to complete (a dealer's user gets their dealer).
    pub fn new_user_mut(&mut self) -> Option<&mut UserRow> {
        match self {
            Self::New(user) => Some(user),
            _ => None,
        }
    }

    /// The existing user, if any.
    pub fn existing(&self) -> Option<&UserRow> {
        match self {
            Self::New(_) => None,
            Self::Unconfirmed { user, .. } | Self::Confirmed(user) => Some(user),
        }
    }

    /// Creates or claims the user inside the acceptance's transaction; returns its id.
    pub fn apply(&self, c: &mut Conn, now: DateTime<Utc>) -> Result<String, ApiError> {
        let retry = || {
            ApiError::conflict(
                ErrorCode::Conflict,
                Text::key("detail-address-changed-meanwhile-try-again"),
            )
        };
        match self {
            Self::New(user) => {
                repo::insert_user(c, user).map_err(|e| match e {
                    DbError::UniqueViolation(_) => retry(),
                    other => other.into(),
                })?;
                Ok(user.id.clone())
            }
            Self::Unconfirmed {
                user,
                password_hash,
            } => {
                if !repo::claim_unconfirmed(c, &user.id, &user.email, password_hash, now)? {
                    return Err(retry());
                }
                repo::expire_email_tokens(c, &user.id, now)?;
                repo::revoke_all_refresh_tokens(c, &user.id, now)?;
                Ok(user.id.clone())
            }
            Self::Confirmed(user) => Ok(user.id.clone()),
        }
    }
}

/// What an acceptance needs of an invitation, customer or dealer alike.
pub trait Invitation {
    fn email(&self) -> &str;
    fn accepted(&self) -> bool;
    fn revoked(&self) -> bool;
    fn expires_at(&self) -> DateTime<Utc>;
}

impl Invitation for InvitationRow {
    fn email(&self) -> &str {
        &self.email
    }
    fn accepted(&self) -> bool {
        self.accepted_at.is_some()
    }
    fn revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
    fn expires_at(&self) -> DateTime<Utc> {
        InvitationRow::expires_at(self)
    }
}

impl Invitation for DealerInvitationRow {
    fn email(&self) -> &str {
        &self.email
    }
    fn accepted(&self) -> bool {
        self.accepted_at.is_some()
    }
    fn revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
    fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at.and_utc()
    }
}

/// An acceptance ready to be written: the token's invitation, its address, and who accepts.
pub struct Opened<I> {
    pub invitation: I,
    pub email: Email,
    pub acceptor: Acceptor,
}

/// Opens an acceptance before its write transaction: finds the token's invitation with `find`
/// (by the token's hash), refuses it unless still open, and decides who accepts.
pub fn open<I: Invitation>(
    state: &AppState,
    body: &AcceptInvitation,
    signed_in: Option<&str>,
    client: &str,
    now: DateTime<Utc>,
    find: impl FnOnce(&mut Conn, &str) -> DbResult<Option<I>>,
) -> Result<Opened<I>, ApiError> {
    let hash = auth::token_hash(&body.token);
    let invitation = state.db.read(|c| find(c, &hash))?.ok_or_else(|| {
        invitation_problem(
            ErrorCode::InvitationInvalid,
            Text::key("detail-invitation-token-valid"),
        )
    })?;
    check_open(
        invitation.accepted(),
        invitation.revoked(),
        invitation.expires_at(),
        now,
    )?;
    let email = Email::parse(invitation.email())?;
    let acceptor = Acceptor::decide(state, body, &email, signed_in, client, now)?;
    Ok(Opened {
        invitation,
        email,
        acceptor,
    })
}
