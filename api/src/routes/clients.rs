//! API clients and the OAuth 2.0 token endpoint (client credentials, RFC 6749 §4.4): an
//! organisation's administrators create clients for their partner systems; a client trades
//! its id and secret for a short-lived bearer token carrying its scopes.

use super::Routes;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, delete, get, post, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use fleetdesk_domain::clients::{Scope, requested_scopes, scope_list};
use fleetdesk_domain::policy::Action;
use fleetdesk_persistence::clients::{self as repo, ApiClientRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::clients as app;
use crate::auth::{self, Authenticated};
use crate::error::{ApiError, ErrorCode, Problem, Text};
use crate::http::{NO_STORE, OwnErrorFormat};
use crate::json::Json;
use crate::labels::ScopeName;
use crate::state::{AppState, State, blocking};
use crate::throttle;

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(create_api_client)
        .service(list_api_clients)
        .service(get_api_client)
        .service(revoke_api_client)
        .service(rotate_api_client_secret)
        .service(oauth_token);
}

/// An API client, without its secrets.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiClient {
    pub id: String,
    /// The id to authenticate with (`client_id`); the same as `id`.
    pub client_id: String,
    pub name: String,
    #[schema(value_type = Vec<ScopeName>)]
    pub scopes: Vec<Scope>,
    /// The account it acts for, if an account's.
    pub account_id: Option<String>,
    /// The dealer it acts for, if a dealer's. Neither: the manufacturer's own.
    pub dealer_id: Option<String>,
    /// Who created it: the client acts with this user's current role at its owner.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn view(r: ApiClientRow) -> Result<ApiClient, ApiError> {
    Ok(ApiClient {
        scopes: r.scopes()?,
        client_id: r.id.clone(),
        id: r.id,
        name: r.name,
        account_id: r.account_id,
        dealer_id: r.dealer_id,
        created_by: r.created_by,
        created_at: r.created_at.and_utc(),
        revoked_at: r.revoked_at.map(|t| t.and_utc()),
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewApiClient {
    #[schema(example = "Westside dispatch system", min_length = 1, max_length = 120)]
    pub name: String,
    /// What the client may do; its creator's role must allow each scope something.
    #[schema(value_type = Vec<ScopeName>, min_items = 1)]
    pub scopes: Vec<Scope>,
    /// The account it acts for (an administrator of that account creates it).
    pub account_id: Option<String>,
    /// The dealer it acts for (its administrator; their own dealer when omitted).
    pub dealer_id: Option<String>,
}

/// A client with a secret: shown once, in this answer only.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiClientWithSecret {
    #[serde(flatten)]
    pub client: ApiClient,
    #[schema(example = "fdcs_3q2-7wEvR0Ym5hQkz1c8R4V9y1Jm0oOQk6Nw7c1xJ2s")]
    pub client_secret: String,
    /// After a rotation: when the secrets it replaced stop working.
    pub previous_secrets_expire_at: Option<DateTime<Utc>>,
}

fn with_secret(
    row: ApiClientRow,
    secret: String,
    previous: Option<DateTime<Utc>>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, NO_STORE))
        .json(ApiClientWithSecret {
            client: view(row)?,
            client_secret: secret,
            previous_secrets_expire_at: previous,
        }))
}

/// Creates an API client for a partner system (an account's administrators for the account,
/// a dealer's administrators for the dealer, customer service for the manufacturer). The
/// client acts with its creator's *current* role there, narrowed to its scopes; the secret
/// is in this answer only.
#[utoipa::path(
    tag = "integration",
    request_body = NewApiClient,
    security(("bearer" = [])),
    responses(
        (status = 201, body = ApiClientWithSecret),
        (status = 403, description = "Not an administrator, or an API client itself", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api-clients")]
async fn create_api_client(
    state: State,
    caller: Authenticated,
    body: Json<NewApiClient>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = app::NewClient {
        name: body.name,
        scopes: body.scopes,
        owner: app::OwnerRequest {
            account_id: body.account_id,
            dealer_id: body.dealer_id,
        },
    };
    let now = state.config.clock.now();
    let (row, secret) = caller
        .write(&state, move |c, who| app::create(c, who, new, now))
        .await?;
    with_secret(row, secret, None)
}

/// The API clients the caller manages, revoked ones included, oldest first.
#[utoipa::path(
    tag = "integration",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<ApiClient>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api-clients")]
async fn list_api_clients(
    state: State,
    caller: Authenticated,
) -> Result<web::Json<Vec<ApiClient>>, ApiError> {
    let rows = caller
        .read(&state, |c, who| {
            let filter = app::owner_filter(who, Action::ManageApiClients)?;
            Ok(repo::list_clients(c, &filter)?)
        })
        .await?;
    Ok(web::Json(
        rows.into_iter().map(view).collect::<Result<_, _>>()?,
    ))
}

/// One API client, without its secrets.
#[utoipa::path(
    tag = "integration",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ApiClient),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api-clients/{id}")]
async fn get_api_client(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<ApiClient>, ApiError> {
    let id = id.into_inner();
    let row = caller
        .read(&state, move |c, who| app::find_managed(c, who, &id))
        .await?;
    Ok(web::Json(view(row)?))
}

/// Revokes an API client: its tokens are refused from the next request on, and its secrets
/// get no new ones. Revoking a revoked client changes nothing.
#[utoipa::path(
    tag = "integration",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api-clients/{id}")]
async fn revoke_api_client(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.config.clock.now();
    caller
        .write(&state, move |c, who| app::revoke(c, who, &id, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new secret for an API client, shown once. The secrets it had keep working for
/// `CLIENT_SECRET_OVERLAP_SECS` (24 hours by default), so the partner system can switch over.
#[utoipa::path(
    tag = "integration",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, body = ApiClientWithSecret),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The client is revoked (`api_client_revoked`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api-clients/{id}/secrets")]
async fn rotate_api_client_secret(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.config.clock.now();
    let overlap = state.config.client_secret_overlap;
    let (row, secret, until) = caller
        .write(&state, move |c, who| {
            app::rotate_secret(c, who, &id, overlap, now)
        })
        .await?;
    with_secret(row, secret, Some(until))
}

/// The token request's form (RFC 6749 §4.4.2); the client may authenticate with HTTP Basic
/// instead of `client_id` and `client_secret`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    #[schema(example = "client_credentials")]
    pub grant_type: String,
    /// Space-separated; a subset of the client's scopes. All of them when omitted.
    #[schema(example = "dispatches:read dispatches:write events:read")]
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// A bearer access token (RFC 6749 §5.1).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccessToken {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// The scopes granted, space-separated.
    pub scope: String,
}

/// A token request's error (RFC 6749 §5.2).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type` or `invalid_scope`.
    #[schema(example = "invalid_client")]
    pub error: String,
    pub error_description: String,
}

fn oauth_error(status: StatusCode, error: &str, description: impl Into<String>) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CACHE_CONTROL, NO_STORE))
        .insert_header((header::PRAGMA, "no-cache"));
    if status == StatusCode::UNAUTHORIZED {
        res.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"fleetdesk\""));
    }
    let mut res = res.json(OAuthError {
        error: error.to_owned(),
        error_description: description.into(),
    });
    res.extensions_mut().insert(OwnErrorFormat);
    res
}

fn invalid_request(description: impl Into<String>) -> HttpResponse {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

/// The client's credentials from the Authorization header (HTTP Basic, each part
/// form-urlencoded as RFC 6749 §2.3.1 says), if it carries them.
fn basic_credentials(req: &HttpRequest) -> Option<Result<(String, String), ()>> {
    let value = req.headers().get(header::AUTHORIZATION)?;
    // The scheme's name is case-insensitive (RFC 7617).
    let encoded = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, credentials)| credentials);
    let Some(encoded) = encoded else {
        return Some(Err(()));
    };
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let unescape = |part: &str| {
        form_urlencoded::parse(format!("v={part}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some(
        decoded
            .as_deref()
            .and_then(|d| d.split_once(':'))
            .and_then(|(id, secret)| Some((unescape(id)?, unescape(secret)?)))
            .ok_or(()),
    )
}

/// Trades an API client's credentials for a bearer access token (OAuth 2.0 client
/// credentials grant, RFC 6749 §4.4). The body is a form
/// (`application/x-www-form-urlencoded`); the client authenticates with HTTP Basic or with
/// `client_id` and `client_secret` in the form, not both. Errors are RFC 6749 §5.2 JSON.
/// Failed attempts are throttled per client id and per network client.
#[utoipa::path(
    tag = "integration",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, body = AccessToken),
        (status = 400, description = "`invalid_request`, `unsupported_grant_type`, `invalid_scope` or `unauthorized_client` (the creator no longer holds a role for the client's owner)", body = OAuthError),
        (status = 401, description = "`invalid_client`: unknown client, wrong or expired secret, revoked client", body = OAuthError),
        (status = 429, description = "Too many failed attempts (`too_many_attempts`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/oauth/token")]
async fn oauth_token(
    state: State,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let form = req
        .content_type()
        .eq_ignore_ascii_case("application/x-www-form-urlencoded");
    if !form {
        return Ok(invalid_request(
            "the token request is a form: Content-Type application/x-www-form-urlencoded",
        ));
    }
    let mut params = std::collections::BTreeMap::new();
    for (name, value) in form_urlencoded::parse(&body) {
        if params.insert(name.clone(), value).is_some() {
            return Ok(invalid_request(format!("{name} is given more than once")));
        }
    }
    let param = |name: &str| params.get(name).map(|v| v.to_string());
    match param("grant_type").as_deref() {
        None => return Ok(invalid_request("grant_type is required")),
        Some("client_credentials") => {}
        Some(other) => {
            return Ok(oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("grant_type {other} is not offered; use client_credentials"),
            ));
        }
    }
    let in_form = (param("client_id"), param("client_secret"));
    let (client_id, secret) = match (basic_credentials(&req), in_form) {
        (Some(_), (Some(_), _) | (_, Some(_))) => {
            return Ok(invalid_request(
                "authenticate with HTTP Basic or with client_id and client_secret, not both",
            ));
        }
        (Some(Ok(credentials)), _) => credentials,
        (Some(Err(())), _) => {
            return Ok(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "the Authorization header is not HTTP Basic with client_id:client_secret",
            ));
        }
        (None, (Some(id), Some(secret))) => (id, secret),
        (None, _) => {
            return Ok(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication is required: HTTP Basic, or client_id and client_secret",
            ));
        }
    };
    // Client ids are UUIDs and secrets 48 characters: anything much longer is no client's,
    // and is not worth a throttle row.
    if client_id.len() > 100 || secret.len() > 200 {
        return Ok(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client, wrong or expired secret, or a revoked client",
        ));
    }
    let requested = param("scope");
    let state = state.into_inner();
    let peer = throttle::client_of(&req, &state.config.trusted_proxies);
    let answer = blocking(move || issue(&state, &client_id, &secret, requested, &peer)).await?;
    Ok(match answer {
        Ok(token) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, NO_STORE))
            .insert_header((header::PRAGMA, "no-cache"))
            .json(token),
        Err(refusal) => oauth_error(refusal.status, refusal.error, refusal.description),
    })
}

/// A token request refused as RFC 6749 §5.2 says.
struct Refusal {
    status: StatusCode,
    error: &'static str,
    description: String,
}

/// Authenticates the client and issues its token, counting the attempt first.
fn issue(
    state: &AppState,
    client_id: &str,
    secret: &str,
    requested: Option<String>,
    peer: &str,
) -> Result<Result<AccessToken, Refusal>, ApiError> {
    let keys = throttle::client_credential_keys(client_id, peer);
    let now = state.config.clock.now();
    // Counted before the secret is checked: simultaneous guesses cannot slip through.
    if let Err(wait) = throttle::claim(&state.db, &keys, now)? {
        return Err(throttle::too_many(
            ErrorCode::TooManyAttempts,
            Text::key("detail-too-many-failed-token-requests-wait"),
            wait,
        ));
    }
    let secret_hash = auth::token_hash(secret);
    let client = state
        .db
        .read(|c| repo::authenticate(c, client_id, &secret_hash, now))?;
    let Some(client) = client else {
        return Ok(Err(Refusal {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "unknown client, wrong or expired secret, or a revoked client".into(),
        }));
    };
    state.db.write(|c| throttle::succeeded(c, &keys, now))?;
    let held = client.scopes()?;
    let scopes = match requested {
        None => held,
        Some(requested) => match requested_scopes(&requested, &held) {
            Ok(scopes) => scopes,
            Err(refused) => {
                return Ok(Err(Refusal {
                    status: StatusCode::BAD_REQUEST,
                    error: "invalid_scope",
                    description: format!("not among the client's scopes: {}", refused.join(" ")),
                }));
            }
        },
    };
    // A client whose creator lost their role gets no token (its requests fail alike).
    if let Err(e) = state.db.read(|c| app::principal(c, &client.id, &scopes)) {
        if e.status != StatusCode::UNAUTHORIZED {
            return Err(e);
        }
        return Ok(Err(Refusal {
            status: StatusCode::BAD_REQUEST,
            error: "unauthorized_client",
            description: e.detail.map(|d| d.to_string()).unwrap_or_default(),
        }));
    }
    let (access_token, expires) = state.tokens.issue_client_access(&client.id, &scopes, now)?;
    Ok(Ok(AccessToken {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: (expires - now).num_seconds(),
        scope: scope_list(&scopes),
    }))
}
