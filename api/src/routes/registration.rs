//! Registration with e-mail confirmation, and customer service's corrections of addresses.
//!
//! Registration and resending answer the same whether or not an address is registered, so
//! neither reveals who has a user.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, patch, post, web};
use fleetdesk_domain::accounts::{CustomerAccountNumber, parse_name};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::{CustomerRole, Email, Password};
use fleetdesk_domain::membership::JoinRequestStatus;
use fleetdesk_domain::policy::Action;
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::identity::{self as repo, EmailTokenRow, JoinRequestRow, UserRow};
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::{Conn, DbError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::{self, Authenticated, authorize};
use crate::error::{ApiError, ErrorCode, Problem};
use crate::mail::{self, texts};
use crate::state::{AppState, State, blocking};
use crate::throttle;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(confirm_email)
        .service(resend_confirmation)
        .service(correct_email)
        .service(resend_for_user);
}

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
            purpose: "confirm-email".into(),
            email: email.to_owned(),
            token_hash,
            created_at: now.naive_utc(),
            expires_at: (now + ttl).naive_utc(),
            used_at: None,
            password_hash,
        },
    )?;
    let (subject, body) = texts::confirm_email(&state.config.public_base_url, display_name, &token);
    mail::enqueue_secret(
        conn,
        email,
        (subject, body + extra),
        state.config.clock.now(),
    )?;
    Ok(())
}

/// Counts a mail a stranger may cause to `email`: a few an hour per address, more per client,
/// whether or not the address has a user (the answer must not tell).
fn limit_mail(state: &AppState, email: &str, client: &str) -> Result<(), ApiError> {
    let keys = throttle::mail_keys(email, client);
    throttle::claim(&state.db, &keys, state.config.clock.now())?.map_err(|wait| {
        throttle::too_many(
            ErrorCode::TooManyMails,
            "too many mails were asked for this address or from this client; wait before asking again",
            wait,
        )
    })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RegisterRequest {
    #[schema(example = "anna.berg@nordicprint.example")]
    pub email: String,
    /// At least 10 characters; not a common password; not containing the address.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100, example = "Anna Berg")]
    pub display_name: String,
    /// Asks to join the account with this customer account number (an administrator or
    /// customer service decides).
    #[schema(example = "C-10042")]
    pub customer_account_number: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Accepted {
    #[schema(example = "confirmation_sent")]
    pub status: String,
    pub message: String,
}

fn accepted(status: &str, message: &str) -> Accepted {
    Accepted {
        status: status.into(),
        message: message.into(),
    }
}

/// Registers a user and mails a confirmation link. The answer is the same whether or not the
/// address already has a user (that user is told by mail instead).
#[utoipa::path(
    tag = "identity",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "A confirmation mail is on its way", body = Accepted),
        (status = 422, description = "Invalid address, weak password, or bad fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many mails asked for this address or from this client (`too_many_mails`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/register")]
async fn register(
    state: State,
    req: HttpRequest,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let email = Email::parse(&body.email)?;
    let password = Password::parse(&body.password, &email)?;
    let display_name = parse_name("display_name", &body.display_name, 100)?;
    let account_number = body
        .customer_account_number
        .as_deref()
        .map(CustomerAccountNumber::parse)
        .transpose()?;
    let state = state.into_inner();
    let client = throttle::client_of(&req, &state.config.trusted_proxies);
    blocking(move || {
        limit_mail(&state, email.as_str(), &client)?;
        // Hash whether or not the address is new, so both answers take as long.
        let hash = auth::hash_password(password.expose())?;
        state.db.write(|c| -> Result<(), ApiError> {
            let now = state.config.clock.now();
            if let Some(existing) = repo::find_user_by_email(c, email.as_str())? {
                if existing.email_confirmed_at.is_none() {
                    send_confirmation(
                        &state,
                        c,
                        &existing.id,
                        &existing.email,
                        &display_name,
                        Confirmation::Registration {
                            password_hash: hash,
                        },
                        "",
                    )?;
                } else {
                    mail::enqueue(
                        c,
                        &existing.email,
                        texts::already_registered(&state.config.public_base_url),
                        state.config.clock.now(),
                    )?;
                }
                return Ok(());
            }
            let user = UserRow::new(
                email.as_str(),
                hash.clone(),
                &display_name,
                None,
                false,
                now,
            );
            repo::insert_user(c, &user)?;
            let mut extra = String::new();
            if let Some(number) = &account_number {
                extra = request_to_join(&state, c, &user, number)?;
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
                &state,
                c,
                &user.id,
                &user.email,
                &user.display_name,
                Confirmation::Registration {
                    password_hash: hash,
                },
                &extra,
            )
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(accepted(
        "confirmation_sent",
        "If this address can be registered, a confirmation mail is on its way.",
    )))
}

/// Files a join request for the account with `number`, if there is one, and tells its
/// administrators; returns the registrant's sentence, which is the same either way.
fn request_to_join(
    state: &AppState,
    c: &mut Conn,
    user: &UserRow,
    number: &CustomerAccountNumber,
) -> Result<String, ApiError> {
    let passed_on = texts::join_request_passed_on(number.as_str());
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
    for admin in repo::member_addresses_with_role(c, &account.id, CustomerRole::Administrator)? {
        mail::enqueue(
            c,
            &admin,
            texts::join_request_for_administrators(
                &state.config.public_base_url,
                &account.id,
                &account.name,
                &user.display_name,
                &user.email,
            ),
            state.config.clock.now(),
        )?;
    }
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

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct TokenRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Confirmed {
    #[schema(example = "confirmed")]
    pub status: String,
    pub email: String,
}

fn token_problem(code: ErrorCode, detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
}

/// Confirms an address with the token from the confirmation mail (once; within 24 hours).
#[utoipa::path(
    tag = "identity",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Confirmed: the user can sign in", body = Confirmed),
        (status = 422, description = "Unknown (`confirmation_token_invalid`), used (`confirmation_token_used`) or expired (`confirmation_token_expired`) token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/confirm-email")]
async fn confirm_email(
    state: State,
    body: web::Json<TokenRequest>,
) -> Result<web::Json<Confirmed>, ApiError> {
    body.validate()?;
    let hash = auth::token_hash(&body.token);
    let state = state.into_inner();
    let email = blocking(move || {
        state.db.write(|c| -> Result<String, ApiError> {
            let now = state.config.clock.now();
            let token = repo::find_email_token(c, &hash)?
                .filter(|t| t.purpose == "confirm-email")
                .ok_or_else(|| {
                    token_problem(
                        ErrorCode::ConfirmationTokenInvalid,
                        "this confirmation token is not valid",
                    )
                })?;
            if token.used_at.is_some() {
                return Err(token_problem(
                    ErrorCode::ConfirmationTokenUsed,
                    "this confirmation token was used or replaced by a newer one",
                ));
            }
            if token.expires_at() <= now {
                return Err(token_problem(
                    ErrorCode::ConfirmationTokenExpired,
                    "this confirmation token has expired; ask for a new mail",
                ));
            }
            if !repo::use_email_token(c, &token.id, now)? {
                return Err(token_problem(
                    ErrorCode::ConfirmationTokenUsed,
                    "this confirmation token was used or replaced by a newer one",
                ));
            }
            if !repo::confirm_email(c, &token.user_id, &token.email, now)? {
                return Err(token_problem(
                    ErrorCode::ConfirmationTokenInvalid,
                    "the address this token confirms has changed since",
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
        })
    })
    .await?;
    Ok(web::Json(Confirmed {
        status: "confirmed".into(),
        email,
    }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ResendRequest {
    #[validate(length(min = 1, max = 254))]
    #[schema(min_length = 1, max_length = 254)]
    pub email: String,
}

/// Mails a new confirmation link to an unconfirmed address. The answer is the same for every
/// address.
#[utoipa::path(
    tag = "identity",
    request_body = ResendRequest,
    responses(
        (status = 202, description = "If the address awaits confirmation, a new mail is on its way", body = Accepted),
        (status = 429, description = "Too many mails asked for this address or from this client (`too_many_mails`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/resend-confirmation")]
async fn resend_confirmation(
    state: State,
    req: HttpRequest,
    body: web::Json<ResendRequest>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let email = Email::parse(&body.email).ok();
    let state = state.into_inner();
    let client = throttle::client_of(&req, &state.config.trusted_proxies);
    if let Some(email) = email {
        blocking(move || {
            limit_mail(&state, email.as_str(), &client)?;
            state.db.write(|c| -> Result<(), ApiError> {
                match repo::find_user_by_email(c, email.as_str())? {
                    Some(user) if user.email_confirmed_at.is_none() => send_confirmation(
                        &state,
                        c,
                        &user.id,
                        &user.email,
                        &user.display_name,
                        Confirmation::Resend,
                        "",
                    ),
                    _ => Ok(()),
                }
            })
        })
        .await?;
    }
    Ok(HttpResponse::Accepted().json(accepted(
        "accepted",
        "If this address awaits confirmation, a new confirmation mail is on its way.",
    )))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserSummary {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub email_confirmed: bool,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct EmailCorrection {
    #[schema(example = "anna.berg@nordicprint.example")]
    pub email: String,
}

fn find_user(c: &mut Conn, id: &str) -> Result<UserRow, ApiError> {
    repo::find_user(c, id)?.ok_or_else(ApiError::not_found)
}

/// Corrects a user's address (customer service). The new address must be confirmed before
/// the user can sign in again; earlier tokens and sign-ins end; the old address is told.
#[utoipa::path(
    tag = "identity",
    params(("id" = String, Path, description = "The user")),
    request_body = EmailCorrection,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Corrected; a confirmation mail went to the new address", body = UserSummary),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another user has this address (`email_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}/email")]
async fn correct_email(
    state: State,
    who: Authenticated,
    id: web::Path<String>,
    body: web::Json<EmailCorrection>,
) -> Result<web::Json<UserSummary>, ApiError> {
    authorize(&who.0, Action::CorrectUserEmail, None)?;
    let email = Email::parse(&body.email)?;
    let id = id.into_inner();
    let state = state.into_inner();
    let actor = who.0.user_id;
    let user = blocking(move || {
        state.db.write(|c| -> Result<UserRow, ApiError> {
            let now = state.config.clock.now();
            let user = find_user(c, &id)?;
            repo::set_email(c, &user.id, email.as_str(), now).map_err(|e| match e {
                DbError::UniqueViolation(_) => {
                    ApiError::conflict(ErrorCode::EmailTaken, "another user has this address")
                }
                other => other.into(),
            })?;
            repo::revoke_all_refresh_tokens(c, &user.id, now)?;
            send_confirmation(
                &state,
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
                    texts::email_changed_notice(email.as_str()),
                    state.config.clock.now(),
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
                    actor_id: Some(&actor),
                    staff_only: true,
                    payload: json!({ "from": user.email, "to": email.as_str() }),
                    at: now,
                },
            )?;
            find_user(c, &user.id)
        })
    })
    .await?;
    Ok(web::Json(UserSummary {
        email_confirmed: user.email_confirmed_at.is_some(),
        id: user.id,
        email: user.email,
        display_name: user.display_name,
    }))
}

/// Mails a user a new confirmation link (customer service).
#[utoipa::path(
    tag = "identity",
    params(("id" = String, Path, description = "The user")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "A new confirmation mail is on its way", body = Accepted),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The address is confirmed already (`email_already_confirmed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/resend-confirmation")]
async fn resend_for_user(
    state: State,
    who: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    authorize(&who.0, Action::ResendUserConfirmation, None)?;
    let id = id.into_inner();
    let state = state.into_inner();
    blocking(move || {
        state.db.write(|c| -> Result<(), ApiError> {
            let user = find_user(c, &id)?;
            if user.email_confirmed_at.is_some() {
                return Err(ApiError::conflict(
                    ErrorCode::EmailAlreadyConfirmed,
                    "this user's address is confirmed already",
                ));
            }
            send_confirmation(
                &state,
                c,
                &user.id,
                &user.email,
                &user.display_name,
                Confirmation::AddressOnly,
                "",
            )
        })
    })
    .await?;
    Ok(HttpResponse::Accepted().json(accepted(
        "accepted",
        "A new confirmation mail is on its way.",
    )))
}
