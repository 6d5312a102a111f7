//! Registration with e-mail confirmation, and customer service's corrections of addresses.

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use fleetdesk_domain::accounts::CustomerAccountNumber;
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::{Email, TokenPurpose};
use fleetdesk_domain::membership::JoinRequestStatus;
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::identity::{self as repo, EmailTokenRow, JoinRequestRow, UserRow};
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::{Conn, DbError};
use serde_json::json;

use crate::auth;
use crate::error::{ApiError, ErrorCode, Text};
use crate::i18n::Language;
use crate::mail::{self, texts};
use crate::state::AppState;

/// What a new confirmation link carries, and which earlier links it replaces.
pub enum Confirmation {
    /// A registration's link: confirming it sets the password registered with it. Links of
    /// other registrations of the address stay valid, so a stranger registering the address
    /// later cannot spoil its owner's link.
    Registration { password_hash: String },
    /// A new link for the newest registration (or correction) of the address; it replaces
    /// that one's earlier links.
    Resend,
    /// Customer service's: confirms the address only, and replaces every earlier link.
    AddressOnly,
}

/// Mails a confirmation link to `email`; `extra` is appended to the mail.
pub fn send_confirmation(
    state: &AppState,
    conn: &mut Conn,
    user_id: &str,
    email: &str,
    display_name: &str,
    confirmation: Confirmation,
    extra: &str,
) -> Result<(), ApiError> {
    let now = state.config.clock.now();
    let password_hash = match confirmation {
        Confirmation::Registration { password_hash } => Some(password_hash),
        Confirmation::Resend => {
            let carried =
                repo::newest_open_email_token(conn, user_id, now)?.and_then(|t| t.password_hash);
            repo::expire_email_tokens_carrying(conn, user_id, carried.as_deref(), now)?;
            carried
        }
        Confirmation::AddressOnly => {
            repo::expire_email_tokens(conn, user_id, now)?;
            None
        }
    };
    let (token, token_hash) = auth::new_secret_token()?;
    let ttl = chrono::Duration::from_std(state.config.email_token_ttl)
        .map_err(|e| ApiError::internal_from(e))?;
    repo::insert_email_token(
        conn,
        &EmailTokenRow {
            id: fleetdesk_persistence::new_id(),
            user_id: user_id.to_owned(),
            purpose: Stored(TokenPurpose::ConfirmEmail),
            email: email.to_owned(),
            token_hash,
            created_at: now.naive_utc(),
            expires_at: (now + ttl).naive_utc(),
            used_at: None,
            password_hash,
        },
    )?;
    let lang = repo::language_of(conn, user_id)?.unwrap_or(Language::En);
    let mut confirm =
        texts::confirm_email(lang, &state.config.public_base_url, display_name, &token);
    confirm.body.push_str(extra);
    mail::enqueue_secret(conn, email, confirm, state.config.clock.now())?;
    Ok(())
}

/// Counts a mail a stranger may cause to `email`: a few an hour per address, more per client,
/// whether or not the address has a user (the answer must not tell).
/// Files a join request for the account with `number`, if there is one (its administrators
/// are told by the notifier, from the event); returns the registrant's sentence, which is the
/// same either way.
pub fn request_to_join(
    c: &mut Conn,
    user: &UserRow,
    number: &CustomerAccountNumber,
) -> Result<String, ApiError> {
    let passed_on = texts::join_request_passed_on(user.language(), number.as_str());
    let Some(account) =
        fleetdesk_persistence::accounts::find_by_customer_number(c, number.as_str())?
    else {
        return Ok(passed_on);
    };
    let request = JoinRequestRow {
        id: fleetdesk_persistence::new_id(),
        account_id: account.id.clone(),
        user_id: user.id.clone(),
        status: Stored(JoinRequestStatus::Pending),
        created_at: user.created_at,
        decided_by: None,
        decided_at: None,
        granted_role: None,
        reason: None,
    };
    repo::insert_join_request(c, &request)?;
    events::append(
        c,
        NewEvent {
            kind: EventKind::JoinRequestCreated,
            account_id: Some(&account.id),
            subject_type: "join_request",
            subject_id: &request.id,
            device_id: None,
            dealer_id: None,
            actor_id: Some(&user.id),
            staff_only: false,
            payload: json!({ "user_id": user.id, "display_name": user.display_name }),
            at: user.created_at(),
        },
    )?;
    Ok(passed_on)
}

fn token_problem(code: ErrorCode, detail: Text) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
}

pub fn find_user(c: &mut Conn, id: &str) -> Result<UserRow, ApiError> {
    repo::find_user(c, id)?.ok_or_else(ApiError::not_found)
}

/// Registers an address, or (for an address registered already) mails its owner: the answer
/// is the same either way. The user confirms the address before signing in; with an account
/// number, the account's administrators are asked to let them join.
pub fn register(
    c: &mut Conn,
    state: &AppState,
    (email, display_name, account_number): (&Email, &str, Option<&CustomerAccountNumber>),
    hash: String,
    language: Option<Language>,
) -> Result<(), ApiError> {
    let now = state.config.clock.now();
    if let Some(existing) = repo::find_user_by_email(c, email.as_str())? {
        if existing.email_confirmed_at.is_none() {
            send_confirmation(
                state,
                c,
                &existing.id,
                &existing.email,
                display_name,
                Confirmation::Registration {
                    password_hash: hash,
                },
                "",
            )?;
        } else {
            mail::enqueue(
                c,
                &existing.email,
                texts::already_registered(existing.language(), &state.config.public_base_url),
                now,
            )?;
        }
        return Ok(());
    }
    let user = UserRow {
        language: language.map(Stored),
        ..UserRow::new(email.as_str(), hash.clone(), display_name, None, false, now)
    };
    repo::insert_user(c, &user)?;
    let mut extra = String::new();
    if let Some(number) = account_number {
        extra = request_to_join(c, &user, number)?;
    }
    events::append(
        c,
        NewEvent {
            kind: EventKind::UserRegistered,
            account_id: None,
            subject_type: "user",
            subject_id: &user.id,
            device_id: None,
            dealer_id: None,
            actor_id: Some(&user.id),
            staff_only: true,
            payload: json!({ "email": user.email }),
            at: now,
        },
    )?;
    send_confirmation(
        state,
        c,
        &user.id,
        &user.email,
        &user.display_name,
        Confirmation::Registration {
            password_hash: hash,
        },
        &extra,
    )
}

/// Confirms an address with the token from the confirmation mail (once; within its lifetime);
/// returns the address.
pub fn confirm_email(
    c: &mut Conn,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let token = repo::find_email_token(c, token_hash)?
        .filter(|t| t.purpose == TokenPurpose::ConfirmEmail)
        .ok_or_else(|| {
            token_problem(
                ErrorCode::ConfirmationTokenInvalid,
                Text::key("detail-confirmation-token-valid"),
            )
        })?;
    if token.used_at.is_some() {
        return Err(token_problem(
            ErrorCode::ConfirmationTokenUsed,
            Text::key("detail-confirmation-token-used-replaced-newer-one"),
        ));
    }
    if token.expires_at() <= now {
        return Err(token_problem(
            ErrorCode::ConfirmationTokenExpired,
            Text::key("detail-confirmation-token-expired-ask-new-mail"),
        ));
    }
    if !repo::use_email_token(c, &token.id, now)? {
        return Err(token_problem(
            ErrorCode::ConfirmationTokenUsed,
            Text::key("detail-confirmation-token-used-replaced-newer-one"),
        ));
    }
    if !repo::confirm_email(c, &token.user_id, &token.email, now)? {
        return Err(token_problem(
            ErrorCode::ConfirmationTokenInvalid,
            Text::key("detail-address-token-confirms-changed-since"),
        ));
    }
    // The registration whose mail was opened sets the password; every other link ends.
    if let Some(hash) = &token.password_hash {
        repo::set_password(c, &token.user_id, hash, now)?;
    }
    repo::expire_email_tokens(c, &token.user_id, now)?;
    events::append(
        c,
        NewEvent {
            kind: EventKind::UserEmailConfirmed,
            account_id: None,
            subject_type: "user",
            subject_id: &token.user_id,
            device_id: None,
            dealer_id: None,
            actor_id: Some(&token.user_id),
            staff_only: true,
            payload: json!({ "email": token.email }),
            at: now,
        },
    )?;
    Ok(token.email)
}

/// Corrects a user's address (customer service): it must be confirmed before the user signs in
/// again; earlier sign-ins and links end; the old address is told.
pub fn correct_email(
    c: &mut Conn,
    state: &AppState,
    actor: &str,
    (id, email): (&str, &Email),
) -> Result<UserRow, ApiError> {
    let now = state.config.clock.now();
    let user = find_user(c, id)?;
    repo::set_email(c, &user.id, email.as_str(), now).map_err(|e| match e {
        DbError::UniqueViolation(_) => ApiError::conflict(
            ErrorCode::EmailTaken,
            Text::key("detail-another-user-address"),
        ),
        other => other.into(),
    })?;
    repo::revoke_all_refresh_tokens(c, &user.id, now)?;
    send_confirmation(
        state,
        c,
        &user.id,
        email.as_str(),
        &user.display_name,
        Confirmation::AddressOnly,
        "",
    )?;
    if user.email != email.as_str() {
        mail::enqueue(
            c,
            &user.email,
            texts::email_changed_notice(user.language(), email.as_str()),
            now,
        )?;
    }
    events::append(
        c,
        NewEvent {
            kind: EventKind::UserEmailCorrected,
            account_id: None,
            subject_type: "user",
            subject_id: &user.id,
            device_id: None,
            dealer_id: None,
            actor_id: Some(actor),
            staff_only: true,
            payload: json!({ "from": user.email, "to": email.as_str() }),
            at: now,
        },
    )?;
    find_user(c, &user.id)
}

/// Mails a user a new confirmation link (customer service); 409 once the address is confirmed.
pub fn resend_for_user(c: &mut Conn, state: &AppState, id: &str) -> Result<(), ApiError> {
    let user = find_user(c, id)?;
    if user.email_confirmed_at.is_some() {
        return Err(ApiError::conflict(
            ErrorCode::EmailAlreadyConfirmed,
            Text::key("detail-user-s-address-confirmed-already"),
        ));
    }
    send_confirmation(
        state,
        c,
        &user.id,
        &user.email,
        &user.display_name,
        Confirmation::AddressOnly,
        "",
    )
}

/// Mails a new confirmation link to `email` if it awaits confirmation; nothing otherwise.
pub fn resend_confirmation(c: &mut Conn, state: &AppState, email: &Email) -> Result<(), ApiError> {
    match repo::find_user_by_email(c, email.as_str())? {
        Some(user) if user.email_confirmed_at.is_none() => send_confirmation(
            state,
            c,
            &user.id,
            &user.email,
            &user.display_name,
            Confirmation::Resend,
            "",
        ),
        _ => Ok(()),
    }
}
