//! Sign-ins: the tokens a sign-in is given, their rotation, and signing out.

use chrono::{DateTime, Utc};
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::identity::{self as repo, RefreshTokenRow};

use crate::auth;
use crate::error::{ApiError, Text};
use crate::state::AppState;

/// The tokens of a sign-in: a short-lived access token and a single-use refresh token.
pub struct Issued {
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
}

/// What a refresh comes to: new tokens, or a refusal saying why.
pub enum Refresh {
    Issued(Issued),
    Refused(Text),
}

/// Issues tokens to `user_id`: for a new sign-in (`session` = `None`), or continuing the
/// sign-in `(family, started)`, which never outlives its maximum age.
pub fn issue(
    state: &AppState,
    conn: &mut Conn,
    user_id: &str,
    session: Option<(&str, DateTime<Utc>)>,
) -> Result<Issued, ApiError> {
    let now = state.config.clock.now();
    let (access_token, expires_at) = state.tokens.issue_access(user_id, now)?;
    let (refresh_token, token_hash) = auth::new_secret_token()?;
    let duration = |d| chrono::Duration::from_std(d).map_err(|e| ApiError::internal_from(e));
    let (family_id, started) = match session {
        Some((family, started)) => (family.to_owned(), started),
        None => (fleetdesk_persistence::new_id(), now),
    };
    let session_ends = started + duration(state.config.session_max_age)?;
    let row = RefreshTokenRow {
        id: fleetdesk_persistence::new_id(),
        user_id: user_id.to_owned(),
        family_id,
        token_hash,
        issued_at: now.naive_utc(),
        expires_at: (now + duration(state.tokens.refresh_ttl)?)
            .min(session_ends)
            .naive_utc(),
        used_at: None,
        revoked_at: None,
    };
    repo::insert_refresh_token(conn, &row)?;
    Ok(Issued {
        access_token,
        expires_in: (expires_at - now).num_seconds(),
        expires_at,
        refresh_token,
        refresh_expires_at: row.expires_at(),
    })
}

/// Trades a refresh token (by its hash) for new tokens. A refresh token works once: presenting
/// a used one again revokes every token of that sign-in.
pub fn refresh(c: &mut Conn, state: &AppState, hash: &str) -> Result<Refresh, ApiError> {
    let now = state.config.clock.now();
    let Some(token) = repo::find_refresh_token(c, hash)? else {
        return Ok(Refresh::Refused(Text::key("detail-refresh-token-valid")));
    };
    if token.used_at.is_some() {
        // Someone holds a copy of a rotated token: end the whole sign-in.
        repo::revoke_family(c, &token.family_id, now)?;
        return Ok(Refresh::Refused(Text::key(
            "detail-refresh-token-already-used-sign-again",
        )));
    }
    if token.revoked_at.is_some() {
        return Ok(Refresh::Refused(Text::key(
            "detail-refresh-token-revoked-sign-again",
        )));
    }
    if token.expires_at() <= now {
        return Ok(Refresh::Refused(Text::key(
            "detail-refresh-token-expired-sign-again",
        )));
    }
    if !repo::consume_refresh_token(c, &token.id, now)? {
        repo::revoke_family(c, &token.family_id, now)?;
        return Ok(Refresh::Refused(Text::key(
            "detail-refresh-token-already-used-sign-again",
        )));
    }
    let started = repo::session_started(c, &token.family_id)?.unwrap_or(now);
    let max_age = chrono::Duration::from_std(state.config.session_max_age)
        .map_err(|e| ApiError::internal_from(e))?;
    if started + max_age <= now {
        return Ok(Refresh::Refused(Text::key(
            "detail-sign-reached-maximum-age-sign-again",
        )));
    }
    let issued = issue(state, c, &token.user_id, Some((&token.family_id, started)))?;
    Ok(Refresh::Issued(issued))
}

/// Signs out: revokes the sign-in of refresh token `hash` if it is `user_id`'s; someone else's
/// token is left alone, and the answer is the same either way.
pub fn end(c: &mut Conn, user_id: &str, hash: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    if let Some(token) = repo::find_refresh_token(c, hash)?
        && token.user_id == user_id
    {
        repo::revoke_family(c, &token.family_id, now)?;
    }
    Ok(())
}
