//! Cross-cutting HTTP mechanisms every route reuses: pagination, extractor error handling,
//! 404/405 from the contract's route table, problem+json for every error, request ids,
//! access log, metrics and `Idempotency-Key`.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use fleetdesk_persistence::idempotency::{self, Claim, StoredResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use crate::auth::bearer;
use crate::error::{ApiError, ErrorCode, PROBLEM_JSON, Text, code_for_status};
use crate::i18n::{AcceptLanguage, CallerLanguage, Language};
use crate::state::{AppState, blocking};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

pub const NO_STORE: &str = "no-store";

/// A response that carries a token or a credential: `Cache-Control: no-store`, which also
/// keeps the idempotency layer from storing it.
pub fn no_store<R: actix_web::Responder>(r: R) -> actix_web::CustomizeResponder<R> {
    r.customize()
        .insert_header((header::CACHE_CONTROL, NO_STORE))
}

/// `201 Created` with the new resource's `Location` and its body.
pub fn created<T: serde::Serialize>(location: String, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(body)
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// `?limit=&cursor=` of every list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(
        pattern = r"^YWZ0ZXI6([A-Za-z0-9_-]{4})*([A-Za-z0-9_-]{2,3})?$",
        min_length = 8
    )]
    pub cursor: Option<String>,
}

impl PageParams {
    /// The limit and the id to continue after.
    pub fn resolve(&self) -> Result<(i64, Option<String>), ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_field(
                "limit",
                Text::with("invalid-limit", [("max", MAX_LIMIT.to_string())]),
            ));
        }
        // Every cursor is `after:<position>` in URL-safe base64 (so it starts `YWZ0ZXI6`, as
        // the contract's pattern says); any position is a place to continue from.
        let after = self
            .cursor
            .as_deref()
            .map(|c| {
                CURSOR_READER
                    .decode(c)
                    .ok()
                    .and_then(|b| {
                        String::from_utf8_lossy(&b)
                            .strip_prefix("after:")
                            .map(str::to_owned)
                    })
                    .ok_or_else(|| {
                        ApiError::invalid_field("cursor", Text::key("invalid-cursor-api-issued"))
                    })
            })
            .transpose()?;
        Ok((limit, after))
    }
}

/// Reads any URL-safe base64 of the cursor's form, unused trailing bits included.
const CURSOR_READER: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// The opaque cursor that continues after `id`.
pub fn encode_cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("after:{id}"))
}

/// Query and path extractor settings whose errors are problem+json.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError::bad_request(
            ErrorCode::InvalidQuery,
            Text::with("detail-query-unreadable", [("cause", err.to_string())]),
        )
        .into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err, _req| ApiError::not_found().into())
}

pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

/// The app's default service: 405 with `Allow` for a known path, 404 otherwise.
pub async fn fallback(req: HttpRequest) -> HttpResponse {
    let allowed = req
        .app_data::<web::Data<Arc<AppState>>>()
        .map(|s| s.routes.allowed(req.path()))
        .unwrap_or_default();
    // Kept with the answer, the error is written in the reader's language on its way out.
    if allowed.is_empty() {
        return HttpResponse::from_error(ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            Text::with("detail-no-route", [("path", req.path().to_owned())]),
        ));
    }
    let allow = allowed
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let mut res = HttpResponse::from_error(ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        Text::with(
            "detail-method-not-allowed",
            [
                ("method", req.method().to_string()),
                ("path", req.path().to_owned()),
                ("allowed", allow.clone()),
            ],
        ),
    ));
    if let Ok(value) = HeaderValue::from_str(&allow) {
        res.headers_mut().insert(header::ALLOW, value);
    }
    res
}

/// Turns any error response into problem+json in the reader's language: the signed-in
/// caller's saved language, else the request's `Accept-Language`, else English. A problem says
/// its language in `Content-Language`.
pub async fn problem_json(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let accepted = AcceptLanguage::of(req.request()).0;
    let caller = CallerLanguage::default();
    req.extensions_mut().insert(caller.clone());
    let reader = move || caller.get().or(accepted).unwrap_or(Language::En);
    let res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        Err(e) => return Err(as_problem(e, reader())),
    };
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res.response().extensions().contains::<OwnErrorFormat>()
    {
        return Ok(res);
    }
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    let lang = reader();
    let error = match res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
    {
        Some(error) => error.clone(),
        // A problem written some other way is sent as it is.
        None if is_problem => return Ok(res),
        None => {
            let (code, detail) = code_for_status(status);
            ApiError::new(status, code, detail)
        }
    };
    let body = error.body_in(lang);
    Ok(res.map_body(|head, _old| {
        head.headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        head.headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.as_str()),
        );
        head.headers.remove(header::CONTENT_LENGTH);
        BoxBody::new(body)
    }))
}

/// Marks a response whose error body a standard defines (OAuth 2.0's token errors, RFC 6749
/// §5.2): it is sent as the handler wrote it, not as problem+json.
#[derive(Debug, Clone, Copy)]
pub struct OwnErrorFormat;

/// An error raised by a middleware (not a handler) as problem+json in `lang`.
fn as_problem(e: actix_web::Error, lang: Language) -> actix_web::Error {
    let error = match e.as_error::<ApiError>() {
        Some(error) => error.clone(),
        None => {
            let status = e.as_response_error().status_code();
            let (code, detail) = code_for_status(status);
            ApiError::new(status, code, detail)
        }
    };
    Localized(error, lang).into()
}

/// An error whose problem is written in a language chosen before it is sent.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Localized(ApiError, Language);

impl actix_web::ResponseError for Localized {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.0.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = self
            .0
            .error_response()
            .set_body(BoxBody::new(self.0.body_in(self.1)));
        res.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(self.1.as_str()),
        );
        res
    }
}

/// Request id, access log line and metrics for every request.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.chars().all(|c| c.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
    let method = req.method().clone();
    let path = req.path().to_owned();
    let state = req.app_data::<web::Data<Arc<AppState>>>().cloned();
    let mut res = crate::logging::in_request(request_id.clone(), next.call(req))
        .await?
        .map_into_boxed_body();
    let elapsed = started.elapsed();
    let status = res.status();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    if let Some(state) = state {
        state.metrics.record(
            method.as_str(),
            &route,
            status.as_u16(),
            elapsed.as_secs_f64(),
        );
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    log::info!(
        target: "fleetdesk::access",
        "request_id={request_id} {method} {path} {} {:.1}ms",
        status.as_u16(),
        elapsed.as_secs_f64() * 1000.0
    );
    Ok(res)
}

/// `Idempotency-Key` on an authenticated POST: the first response is stored and replayed for
/// a retry with the same key and body; the same key with another body is refused.
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Only a POST that carries a key pays for reading the token here (the handler reads it
    // again, as every request's does).
    let key = (req.method() == Method::POST)
        .then(|| req.headers().get(&IDEMPOTENCY_KEY).cloned())
        .flatten();
    let state = key
        .as_ref()
        .and_then(|_| req.app_data::<web::Data<Arc<AppState>>>().cloned());
    let principal = state.as_ref().and_then(|s| {
        bearer(req.request())
            .and_then(|t| s.tokens.verify(t, s.config.clock.now()).ok())
            .map(|b| b.subject)
    });
    let (Some(key), Some(state), Some(principal)) = (key, state, principal) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let refuse =
        |req: ServiceRequest, e: ApiError| Ok(req.into_response(HttpResponse::from_error(e)));
    let key = match key.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 255 && k.chars().all(|c| c.is_ascii_graphic()) => {
            k.to_owned()
        }
        _ => {
            return refuse(
                req,
                ApiError::bad_request(
                    ErrorCode::InvalidIdempotencyKey,
                    Text::key("detail-idempotency-key-must-1-255-visible"),
                ),
            );
        }
    };
    // An upload's body is bounded by the attachment size (its handler checks the file).
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let limit = if multipart {
        state.config.upload_limit()
    } else {
        state.config.body_limit
    };
    let body = match read_bounded(req.take_payload(), limit).await {
        Ok(body) => body,
        Err(e) => return refuse(req, e),
    };
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update(b" ");
    hasher.update(req.uri().to_string());
    hasher.update(b"\n");
    hasher.update(&body);
    let request_hash: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    let claim = {
        let (state, principal, key) = (state.clone(), principal.clone(), key.clone());
        blocking(move || {
            let now = state.config.clock.now();
            Ok(state.db.write_statements(|conn| {
                idempotency::claim(conn, &principal, &key, &request_hash, now)
            })?)
        })
        .await
    };
    match claim {
        Err(e) => return refuse(req, e),
        Ok(Claim::Mismatch) => {
            return refuse(
                req,
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::IdempotencyKeyReused,
                    Text::key("detail-idempotency-key-used-different-request"),
                ),
            );
        }
        Ok(Claim::InProgress) => {
            let mut e = ApiError::conflict(
                ErrorCode::IdempotencyRequestInProgress,
                Text::key("detail-first-request-idempotency-key-still-running"),
            );
            e.retry_after = Some(1);
            return refuse(req, e);
        }
        Ok(Claim::Replay(stored)) => {
            return Ok(req.into_response(replay(stored)));
        }
        Ok(Claim::Fresh) => {}
    }

    req.set_payload(Payload::from(body));
    let res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        Err(e) => {
            forget(&state, &principal, &key).await;
            return Err(e);
        }
    };
    let (http_req, res) = res.into_parts();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = match actix_web::body::to_bytes(res.into_body()).await {
        Ok(b) => b,
        Err(_) => {
            forget(&state, &principal, &key).await;
            return Ok(ServiceResponse::new(
                http_req,
                HttpResponse::from_error(ApiError::internal()),
            ));
        }
    };
    // A response that carries a secret is shown once: neither caches nor this layer keep it.
    let carries_secret = headers
        .get(header::CACHE_CONTROL)
        .is_some_and(|v| v.as_bytes() == NO_STORE.as_bytes());
    if status.is_server_error() || carries_secret {
        forget(&state, &principal, &key).await;
    } else {
        let stored = StoredResponse {
            status: status.as_u16(),
            content_type: header_string(&headers, &header::CONTENT_TYPE),
            location: header_string(&headers, &header::LOCATION),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        let (state, principal, key) = (state.clone(), principal.clone(), key.clone());
        let saved = blocking(move || {
            Ok(state
                .db
                .write_statements(|conn| idempotency::complete(conn, &principal, &key, &stored))?)
        })
        .await;
        if let Err(e) = saved {
            log::warn!("could not store the response for an Idempotency-Key: {e}");
        }
    }
    let mut out = HttpResponse::build(status);
    for (name, value) in &headers {
        out.append_header((name.clone(), value.clone()));
    }
    Ok(ServiceResponse::new(http_req, out.body(bytes)))
}

async fn forget(state: &Arc<AppState>, principal: &str, key: &str) {
    let (state, principal, key) = (state.clone(), principal.to_owned(), key.to_owned());
    let released = blocking(move || {
        Ok(state
            .db
            .write_statements(|conn| idempotency::release(conn, &principal, &key))?)
    })
    .await;
    if let Err(e) = released {
        log::warn!("could not release an Idempotency-Key: {e}");
    }
}

fn header_string(headers: &header::HeaderMap, name: &HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn replay(stored: StoredResponse) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    if let Some(ct) = stored.content_type {
        res.insert_header((header::CONTENT_TYPE, ct));
    }
    if let Some(location) = stored.location {
        res.insert_header((header::LOCATION, location));
    }
    res.insert_header((IDEMPOTENT_REPLAYED, "true"));
    res.body(stored.body)
}

async fn read_bounded(mut payload: Payload, limit: usize) -> Result<Bytes, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request(
                ErrorCode::BadRequest,
                Text::with("detail-body-unreadable", [("cause", e.to_string())]),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                Text::key("detail-request-body-larger-than-allowed"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// CORS for the browser front ends of `origins`: preflights answered with the methods and
/// request headers the API uses, and the response headers a front end reads exposed. Any
/// other origin gets no CORS headers, so the browser keeps its page out.
pub fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            IDEMPOTENCY_KEY,
        ])
        .expose_headers([
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            header::HeaderName::from_static("idempotent-replayed"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let p = PageParams {
            limit: Some(10),
            cursor: Some(encode_cursor("abc")),
        };
        assert_eq!(p.resolve().unwrap(), (10, Some("abc".to_owned())));
        let bad = PageParams {
            limit: None,
            cursor: Some("abc".into()),
        };
        assert!(bad.resolve().is_err());
        assert!(
            PageParams {
                limit: Some(0),
                cursor: None
            }
            .resolve()
            .is_err()
        );
        assert!(
            PageParams {
                limit: Some(201),
                cursor: None
            }
            .resolve()
            .is_err()
        );
    }
}
