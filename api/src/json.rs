//! The JSON body extractor of every handler. It reads JSON as the contract's schemas describe
//! it: a JSON Schema `integer` is any number without a fractional part, so `9.0` is the
//! integer 9 — which a client's serializer may well write. Errors are problems: a body that
//! is not JSON is 400 `malformed_json`, JSON of the wrong shape (an array where an object is
//! described, too) 422, a body of another type
//! 415, one over `BODY_LIMIT_BYTES` 413.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::{Number, Value};

use crate::error::{ApiError, ErrorCode, Text};
use crate::state::AppState;

/// A request body read as JSON into `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Writes every number without a fractional part (within `i64`) as an integer.
pub fn integers_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                && f.fract() == 0.0
                && f >= i64::MIN as f64
                && f < i64::MAX as f64
            {
                *n = Number::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integers_as_integers),
        Value::Object(map) => map.values_mut().for_each(integers_as_integers),
        _ => {}
    }
}

fn is_json(req: &HttpRequest) -> bool {
    req.mime_type().ok().flatten().is_some_and(|m| {
        m.type_() == "application"
            && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"))
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let limit = req
            .app_data::<web::Data<Arc<AppState>>>()
            .map_or(256 * 1024, |s| s.config.body_limit);
        let declared = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    ErrorCode::UnsupportedMediaType,
                    Text::key("detail-send-content-type-application-json"),
                ));
            }
            let too_large = || {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    Text::key("detail-request-body-larger-than-allowed"),
                )
            };
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large());
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| unreadable(ErrorCode::BadRequest, e))?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            let mut value: Value = serde_json::from_slice(&body)
                .map_err(|e| unreadable(ErrorCode::MalformedJson, e))?;
            integers_as_integers(&mut value);
            // Every body the contract describes is an object; serde would also read a struct
            // from an array of its fields in order.
            if !value.is_object() {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::ValidationFailed,
                    Text::key("detail-body-must-json-object"),
                ));
            }
            T::deserialize(value).map(Json).map_err(|e| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::ValidationFailed,
                    Text::with("detail-body-does-not-fit", [("cause", e.to_string())]),
                )
            })
        })
    }
}

/// A body that could not be read: serde's own account of where, in a sentence of ours.
fn unreadable(code: ErrorCode, cause: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(
        code,
        Text::with("detail-body-unreadable", [("cause", cause.to_string())]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_numbers_are_integers_wherever_they_are() {
        let mut v = json!({"a": 9.0, "b": [1.5, 2.0, -3.0], "c": {"d": 1e3}, "e": "9.0", "f": 7});
        integers_as_integers(&mut v);
        assert_eq!(
            v,
            json!({"a": 9, "b": [1.5, 2, -3], "c": {"d": 1000}, "e": "9.0", "f": 7})
        );
        assert!(v["a"].is_i64());
        let mut huge = json!(1e30);
        integers_as_integers(&mut huge);
        assert!(huge.is_f64(), "beyond i64 stays what it was");
    }
}
