//! Registration with e-mail confirmation, and customer service's corrections of addresses.
//!
//! Registration and resending answer the same whether or not an address is registered, so
//! neither reveals who has a user.

use super::Routes;
use actix_web::{HttpRequest, HttpResponse, patch, post, web};
use fleetdesk_domain::accounts::{CustomerAccountNumber, parse_name};
use fleetdesk_domain::identity::{Email, Password};
use fleetdesk_domain::policy::Action;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::app::registration as app_registration;
use crate::auth::{self, Authenticated, authorize};
use crate::error::{ApiError, ErrorCode, Problem, Text};
use crate::formats::EmailText;
use crate::i18n::{AcceptLanguage, Language, Reader};
use crate::json::Json;
use crate::state::{AppState, State, blocking};
use crate::throttle;

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(register)
        .service(confirm_email)
        .service(resend_confirmation)
        .service(correct_email)
        .service(resend_for_user)
        .service(request_password_reset)
        .service(confirm_password_reset);
}

fn limit_mail(state: &AppState, email: &str, client: &str) -> Result<(), ApiError> {
    let keys = throttle::mail_keys(email, client);
    throttle::claim(&state.db, &keys, state.config.clock.now())?.map_err(|wait| {
        throttle::too_many(
            ErrorCode::TooManyMails,
            Text::key("detail-too-many-mails-were-asked-address"),
            wait,
        )
    })
}

/// Runs `send` for an address a stranger named — counted first ([`limit_mail`]), in one write
/// transaction; nothing for an address that cannot exist. The answer must be the same either
/// way, so the caller writes it.
async fn mail_for_stranger(
    state: State,
    req: &HttpRequest,
    raw_email: &str,
    send: impl FnOnce(&AppState, &mut fleetdesk_persistence::Conn, &Email) -> Result<(), ApiError>
    + Send
    + 'static,
) -> Result<(), ApiError> {
    let Ok(email) = Email::parse(raw_email) else {
        return Ok(());
    };
    let state = state.into_inner();
    let client = throttle::client_of(req, &state.config.trusted_proxies);
    blocking(move || {
        limit_mail(&state, email.as_str(), &client)?;
        state.db.write(|c| send(&state, c, &email))
    })
    .await
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RegisterRequest {
    #[schema(value_type = EmailText, example = "anna.berg@nordicprint.example")]
    pub email: String,
    /// At least 10 characters; not a common password; not containing the address.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(
        example = "Anna Berg",
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
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

/// An answer that tells no outcome, its sentence in the reader's language.
fn accepted(
    mut answer: actix_web::HttpResponseBuilder,
    lang: Language,
    status: &str,
    message: &str,
) -> HttpResponse {
    answer
        .insert_header((actix_web::http::header::CONTENT_LANGUAGE, lang.as_str()))
        .json(Accepted {
            status: status.into(),
            message: crate::i18n::text(lang, message, &[]),
        })
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
    reader: Reader,
    accept_language: AcceptLanguage,
    body: Json<RegisterRequest>,
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
        state.db.write(|c| {
            app_registration::register(
                c,
                &state,
                (&email, &display_name, account_number.as_ref()),
                hash,
                accept_language.0,
            )
        })
    })
    .await?;
    Ok(accepted(
        HttpResponse::Created(),
        reader.language(),
        "confirmation_sent",
        "accepted-registered",
    ))
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
    body: Json<TokenRequest>,
) -> Result<web::Json<Confirmed>, ApiError> {
    body.validate()?;
    let hash = auth::token_hash(&body.token);
    let state = state.into_inner();
    let email = blocking(move || {
        state
            .db
            .write(|c| app_registration::confirm_email(c, &hash, state.config.clock.now()))
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
    reader: Reader,
    body: Json<ResendRequest>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    mail_for_stranger(state, &req, &body.email, |state, c, email| {
        app_registration::resend_confirmation(c, state, email)
    })
    .await?;
    Ok(accepted(
        HttpResponse::Accepted(),
        reader.language(),
        "accepted",
        "accepted-resend",
    ))
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
    #[schema(value_type = EmailText, example = "anna.berg@nordicprint.example")]
    pub email: String,
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
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<EmailCorrection>,
) -> Result<web::Json<UserSummary>, ApiError> {
    let who = caller.principal(&state).await?;
    authorize(&who, Action::CorrectUserEmail, None)?;
    let email = Email::parse(&body.email)?;
    let id = id.into_inner();
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let user = blocking(move || {
        state
            .db
            .write(|c| app_registration::correct_email(c, &state, &actor, (&id, &email)))
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
    caller: Authenticated,
    reader: Reader,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    authorize(&who, Action::ResendUserConfirmation, None)?;
    let id = id.into_inner();
    let state = state.into_inner();
    blocking(move || {
        state
            .db
            .write(|c| app_registration::resend_for_user(c, &state, &id))
    })
    .await?;
    Ok(accepted(
        HttpResponse::Accepted(),
        reader.language(),
        "accepted",
        "accepted-resent",
    ))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct PasswordResetRequest {
    #[validate(length(min = 1, max = 254))]
    #[schema(
        min_length = 1,
        max_length = 254,
        example = "anna.berg@nordicprint.example"
    )]
    pub email: String,
}

/// Mails a single-use link (valid one hour) to reset a forgotten password. The answer is the
/// same for every address, with a user or not; mails are limited per address and per client.
#[utoipa::path(
    tag = "identity",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the address has a user, a reset mail is on its way", body = Accepted),
        (status = 429, description = "Too many mails asked for this address or from this client (`too_many_mails`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset")]
async fn request_password_reset(
    state: State,
    req: HttpRequest,
    reader: Reader,
    body: Json<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    mail_for_stranger(state, &req, &body.email, |state, c, email| {
        crate::app::self_service::request_reset(state, c, email, state.config.clock.now())
    })
    .await?;
    Ok(accepted(
        HttpResponse::Accepted(),
        reader.language(),
        "accepted",
        "accepted-password-reset",
    ))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct PasswordResetConfirm {
    /// The token of the reset mail.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
    /// At least 10 characters; not a common password; not containing the address.
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PasswordReset {
    #[schema(example = "password_changed")]
    pub status: String,
}

/// Sets a new password with the token of a reset mail: once, within the hour. Every sign-in
/// of the user ends; sign in with the new password.
#[utoipa::path(
    tag = "identity",
    request_body = PasswordResetConfirm,
    responses(
        (status = 200, body = PasswordReset),
        (status = 400, description = "Unknown, used or expired token (`reset_token_invalid`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A weak new password (the token still works)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset/confirm")]
async fn confirm_password_reset(
    state: State,
    body: Json<PasswordResetConfirm>,
) -> Result<web::Json<PasswordReset>, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let state = state.into_inner();
    blocking(move || {
        let now = state.config.clock.now();
        state.db.write(|c| {
            crate::app::self_service::confirm_reset(c, &body.token, &body.new_password, now)
        })
    })
    .await?;
    Ok(web::Json(PasswordReset {
        status: "password_changed".into(),
    }))
}
