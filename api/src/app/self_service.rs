//! What users do for themselves: their name and language, their password, and a forgotten
//! password. A new password ends every sign-in at once (refresh tokens revoked, older access
//! tokens refused), and the user is told by mail.

use chrono::{DateTime, Utc};
use fleetdesk_domain::identity::{Email, Password};
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::identity::{self as repo, PasswordResetRow, UserRow};

use crate::app::sessions::{self, Issued};
use crate::auth;
use crate::error::{ApiError, ErrorCode, Text};
use crate::mail::{self, texts};
use crate::state::AppState;

/// How long a mailed reset link works.
const RESET_TTL_MINUTES: i64 = 60;

fn user(c: &mut Conn, id: &str) -> Result<UserRow, ApiError> {
    repo::find_user(c, id)?
        .ok_or_else(|| ApiError::unauthorized(Text::key("detail-token-s-user-no-longer-exists")))
}

/// A new password for `user`, by the registration's rules (length, not a common one, not
/// built from the address).
fn checked(user: &UserRow, new_password: &str) -> Result<String, ApiError> {
    let email = Email::parse(&user.email)?;
    let password = Password::parse(new_password, &email)
        .map_err(|e| ApiError::invalid_field("new_password", e.reason))?;
    auth::hash_password(password.expose())
}

/// Changes the caller's password, the current one proven: every sign-in ends, and a new one
/// starts for this caller (its tokens are the answer).
pub fn change_password(
    state: &AppState,
    c: &mut Conn,
    user_id: &str,
    current_password: &str,
    new_password: &str,
    now: DateTime<Utc>,
) -> Result<Issued, ApiError> {
    let user = user(c, user_id)?;
    if !auth::verify_password(current_password, &user.password_hash) {
        return Err(ApiError::invalid_field(
            "current_password",
            Text::key("invalid-your-current-password"),
        ));
    }
    let hash = checked(&user, new_password)?;
    repo::set_password(c, &user.id, &hash, now)?;
    repo::sign_out_everywhere(c, &user.id, now)?;
    mail::enqueue(
        c,
        &user.email,
        texts::password_changed(user.language()),
        now,
    )?;
    sessions::issue(state, c, &user.id, None)
}

/// Mails a single-use reset link to `email` if a person with a confirmed address has it;
/// nothing otherwise (the answer to the request is the same either way).
pub fn request_reset(
    state: &AppState,
    c: &mut Conn,
    email: &Email,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let Some(user) = repo::find_user_by_email(c, email.as_str())? else {
        return Ok(());
    };
    if user.email_confirmed_at.is_none() {
        return Ok(());
    }
    let (token, token_hash) = auth::new_secret_token()?;
    repo::insert_password_reset(
        c,
        &PasswordResetRow {
            id: fleetdesk_persistence::new_id(),
            user_id: user.id.clone(),
            token_hash,
            created_at: now.naive_utc(),
            expires_at: (now + chrono::Duration::minutes(RESET_TTL_MINUTES)).naive_utc(),
            used_at: None,
        },
    )?;
    mail::enqueue_secret(
        c,
        &user.email,
        texts::password_reset(
            user.language(),
            &state.config.public_base_url,
            &user.display_name,
            &token,
        ),
        now,
    )?;
    Ok(())
}

/// Sets a new password with a mailed reset token: once, within the hour; every sign-in ends.
pub fn confirm_reset(
    c: &mut Conn,
    token: &str,
    new_password: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let user_id = repo::use_password_reset(c, &auth::token_hash(token), now)?.ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::ResetTokenInvalid,
            Text::key("detail-reset-link-unknown-used-expired-ask"),
        )
    })?;
    let user = user(c, &user_id)?;
    // A refused password rolls the transaction back: the token still works.
    let hash = checked(&user, new_password)?;
    repo::set_password(c, &user.id, &hash, now)?;
    repo::sign_out_everywhere(c, &user.id, now)?;
    mail::enqueue(
        c,
        &user.email,
        texts::password_changed(user.language()),
        now,
    )?;
    Ok(())
}
