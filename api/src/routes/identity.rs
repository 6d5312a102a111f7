//! Sign-in and the caller's own identity.

use super::Routes;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use fleetdesk_domain::identity::{Email, Principal};
use fleetdesk_domain::knowledge::Language;
use fleetdesk_persistence::identity::{self as repo};
use fleetdesk_persistence::labels::Stored;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::app::sessions::{self, Issued, Refresh};
use crate::auth::{self, Authenticated};
use crate::error::{ApiError, ErrorCode, Problem, Text};
use crate::http::no_store;
use crate::json::Json;
use crate::labels::{CustomerRoleName, DealerRoleName, LanguageName, StaffRoleName};
use crate::state::{State, blocking};
use crate::throttle;
use fleetdesk_domain::identity::{CustomerRole, DealerRole, StaffRole};

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(me)
        .service(update_me)
        .service(change_password);
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[validate(length(min = 3, max = 254))]
    #[schema(min_length = 3, max_length = 254, example = "cs@fleetdesk.example")]
    pub email: String,
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT for `Authorization: Bearer`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub expires_at: DateTime<Utc>,
    /// Single use: `refresh` returns a new one and retires this one.
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
}

impl From<Issued> for TokenResponse {
    fn from(i: Issued) -> Self {
        Self {
            access_token: i.access_token,
            token_type: "Bearer".into(),
            expires_in: i.expires_in,
            expires_at: i.expires_at,
            refresh_token: i.refresh_token,
            refresh_expires_at: i.refresh_expires_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub refresh_token: String,
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
        Text::key("detail-e-mail-address-password-wrong"),
    )
}

/// Signs in with e-mail and password. Repeated failures for one address or from one client
/// are slowed down with 429 and `Retry-After`; blocks end by themselves.
#[utoipa::path(
    tag = "identity",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong e-mail address or password (`invalid_credentials`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The address is not confirmed yet (`email_not_confirmed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed sign-ins (`too_many_attempts`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
async fn login(
    state: State,
    req: HttpRequest,
    body: Json<LoginRequest>,
) -> Result<actix_web::CustomizeResponder<web::Json<TokenResponse>>, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let state = state.into_inner();
    let client = throttle::client_of(&req, &state.config.trusted_proxies);
    let tokens = blocking(move || {
        let keys = throttle::sign_in_keys(&body.email, &client);
        // Counted before the password is checked: simultaneous guesses cannot slip through.
        if let Err(wait) = throttle::claim(&state.db, &keys, state.config.clock.now())? {
            return Err(throttle::too_many(
                ErrorCode::TooManyAttempts,
                Text::key("detail-too-many-failed-sign-ins-wait"),
                wait,
            ));
        }
        // An address that cannot exist is simply a failed sign-in: never reveal which part was wrong.
        let email = Email::parse(&body.email).ok();
        let user = match &email {
            Some(e) => state.db.read(|c| repo::find_user_by_email(c, e.as_str()))?,
            None => None,
        };
        let verified = match &user {
            Some(user) => auth::verify_password(&body.password, &user.password_hash),
            None => {
                auth::verify_password(&body.password, auth::decoy_hash());
                false
            }
        };
        let Some(user) = user.filter(|_| verified) else {
            return Err(invalid_credentials());
        };
        let now = state.config.clock.now();
        if user.email_confirmed_at.is_none() {
            state.db.write(|c| throttle::succeeded(c, &keys, now))?;
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::EmailNotConfirmed,
                Text::key("detail-confirm-your-e-mail-address-first"),
            ));
        }
        state.db.write(|c| -> Result<TokenResponse, ApiError> {
            throttle::succeeded(c, &keys, now)?;
            Ok(sessions::issue(&state, c, &user.id, None)?.into())
        })
    })
    .await?;
    Ok(no_store(web::Json(tokens)))
}

/// Trades a refresh token for a new access token and a new refresh token. A refresh token
/// works once: presenting a used one again revokes every token of that sign-in.
#[utoipa::path(
    tag = "identity",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
async fn refresh(
    state: State,
    body: Json<RefreshRequest>,
) -> Result<actix_web::CustomizeResponder<web::Json<TokenResponse>>, ApiError> {
    body.validate()?;
    let state = state.into_inner();
    let hash = auth::token_hash(&body.refresh_token);
    let outcome = blocking(move || state.db.write(|c| sessions::refresh(c, &state, &hash))).await?;
    match outcome {
        Refresh::Issued(tokens) => Ok(no_store(web::Json(tokens.into()))),
        Refresh::Refused(why) => Err(ApiError::new(
            actix_web::http::StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidRefreshToken,
            why,
        )),
    }
}

/// Signs out: revokes the given refresh token and every token rotated from the same sign-in.
/// Access tokens already issued stay valid until they expire (minutes).
#[utoipa::path(
    tag = "identity",
    request_body = RefreshRequest,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No or bad access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
async fn logout(
    state: State,
    caller: Authenticated,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.principal(&state).await?;
    body.validate()?;
    let state = state.into_inner();
    let hash = auth::token_hash(&body.refresh_token);
    blocking(move || {
        state.db.write(|c| -> Result<(), ApiError> {
            sessions::end(c, &user.user_id, &hash, state.config.clock.now())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MembershipOut {
    pub account_id: String,
    pub account_name: String,
    #[schema(value_type = CustomerRoleName)]
    pub role: CustomerRole,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// The staff role, for the manufacturer's staff.
    #[schema(value_type = Option<StaffRoleName>)]
    pub staff_role: Option<StaffRole>,
    /// The dealer organisation, for dealer users.
    pub dealer_id: Option<String>,
    /// For dealer users.
    #[schema(value_type = Option<DealerRoleName>)]
    pub dealer_role: Option<DealerRole>,
    pub memberships: Vec<MembershipOut>,
    /// The language texts are written to this user in; none: the request's
    /// `Accept-Language`.
    #[schema(value_type = Option<LanguageName>)]
    pub language: Option<Language>,
    pub created_at: DateTime<Utc>,
}

/// The signed-in user, their memberships (account, role) and their staff role.
#[utoipa::path(
    tag = "identity",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "No or bad access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
async fn me(state: State, caller: Authenticated) -> Result<web::Json<Me>, ApiError> {
    Ok(web::Json(caller.read(&state, me_view).await?))
}

/// The caller as `GET /me` shows them.
fn me_view(conn: &mut fleetdesk_persistence::Conn, user: &Principal) -> Result<Me, ApiError> {
    let mut row = repo::find_user(conn, &user.user_id)?.ok_or_else(ApiError::not_found)?;
    let mut memberships: Vec<MembershipOut> = repo::memberships_of(conn, &row.id)?
        .into_iter()
        .map(|m| MembershipOut {
            account_id: m.account_id,
            account_name: m.account_name,
            role: *m.role,
        })
        .collect();
    // An API client is what it acts as: its creator's current role at its owner.
    if user.is_client() {
        row.staff_role = user.staff_role.map(Stored);
        row.dealer_id = user.dealer.as_ref().map(|d| d.dealer_id.clone());
        row.dealer_role = user.dealer.as_ref().map(|d| Stored(d.role));
        memberships = Vec::new();
        for m in &user.memberships {
            let account = fleetdesk_persistence::accounts::find_account(conn, &m.account_id)?
                .ok_or_else(ApiError::internal)?;
            memberships.push(MembershipOut {
                account_id: account.id,
                account_name: account.name,
                role: m.role,
            });
        }
    }
    let language = repo::language_of(conn, &row.id)?;
    Ok(Me {
        created_at: row.created_at(),
        id: row.id,
        email: row.email,
        display_name: row.display_name,
        staff_role: row.staff_role.map(|r| *r),
        dealer_id: row.dealer_id,
        dealer_role: row.dealer_role.map(|r| *r),
        memberships,
        language,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MePatch {
    #[schema(min_length = 1, max_length = 100, example = "Anna Berg")]
    pub display_name: Option<String>,
    #[schema(value_type = Option<LanguageName>)]
    pub language: Option<Language>,
}

/// Changes the caller's own display name and language.
#[utoipa::path(
    tag = "identity",
    request_body = MePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 403, description = "An API client (it has no profile of its own)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/me")]
async fn update_me(
    state: State,
    caller: Authenticated,
    body: Json<MePatch>,
) -> Result<web::Json<Me>, ApiError> {
    let body = body.into_inner();
    let name = body
        .display_name
        .map(|n| fleetdesk_domain::accounts::parse_name("display_name", &n, 100))
        .transpose()?;
    let now = state.config.clock.now();
    let updated = caller
        .write(&state, move |c, who| {
            if who.is_client() {
                return Err(ApiError::forbidden());
            }
            repo::set_profile(c, &who.user_id, name.as_deref(), body.language, now)?;
            me_view(c, who)
        })
        .await?;
    Ok(web::Json(updated))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct PasswordChange {
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub current_password: String,
    /// At least 10 characters; not a common password; not containing the address.
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

/// Changes the caller's password. Every sign-in of theirs ends at once (other devices'
/// tokens are refused from their next request); the answer is a new sign-in for this one.
/// Wrong current passwords are counted like failed sign-ins.
#[utoipa::path(
    tag = "identity",
    request_body = PasswordChange,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new sign-in's tokens", body = TokenResponse),
        (status = 403, description = "An API client (it has no password)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The current password is wrong, or the new one is weak", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong passwords (`too_many_attempts`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/password")]
async fn change_password(
    state: State,
    req: HttpRequest,
    caller: Authenticated,
    body: Json<PasswordChange>,
) -> Result<actix_web::CustomizeResponder<web::Json<TokenResponse>>, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let who = caller.principal(&state).await?;
    if who.is_client() {
        return Err(ApiError::forbidden());
    }
    let state = state.into_inner();
    let client = throttle::client_of(&req, &state.config.trusted_proxies);
    let tokens = blocking(move || {
        let email = state
            .db
            .read(|c| Ok::<_, ApiError>(repo::find_user(c, &who.user_id)?))?
            .ok_or_else(|| {
                ApiError::unauthorized(Text::key("detail-token-s-user-no-longer-exists"))
            })?
            .email;
        let keys = throttle::sign_in_keys(&email, &client);
        if let Err(wait) = throttle::claim(&state.db, &keys, state.config.clock.now())? {
            return Err(throttle::too_many(
                ErrorCode::TooManyAttempts,
                Text::key("detail-too-many-wrong-passwords-wait-before"),
                wait,
            ));
        }
        let now = state.config.clock.now();
        let issued = state.db.write(|c| {
            crate::app::self_service::change_password(
                &state,
                c,
                &who.user_id,
                &body.current_password,
                &body.new_password,
                now,
            )
        })?;
        state.db.write(|c| throttle::succeeded(c, &keys, now))?;
        Ok(TokenResponse::from(issued))
    })
    .await?;
    Ok(no_store(web::Json(tokens)))
}
