//! Every error leaves the API as RFC 9457 problem details with a stable `code`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use fleetdesk_domain::Invalid;
use fleetdesk_persistence::DbError;
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client should wait before retrying while the database is unavailable.
pub const RETRY_AFTER_SECS: u64 = 2;

/// One failing field of a request.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field, dotted for nested ones (`address.country`).
    pub field: String,
    pub message: String,
}

/// RFC 9457 problem details.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type; the same as `code`, as a URN.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable, snake_case: what clients switch on.
    pub code: String,
    /// The failing fields, for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Facts of the refusal a client needs (for example the meter, its last accepted value
    /// and that value's date).
    #[serde(flatten)]
    #[schema(additional_properties)]
    pub facts: serde_json::Map<String, serde_json::Value>,
}

/// An error a handler returns; it renders itself as problem+json.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {code}: {detail:?}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: Option<String>,
    pub errors: Vec<FieldError>,
    pub retry_after: Option<u64>,
    pub facts: serde_json::Map<String, serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: Some(detail.into()),
            errors: Vec::new(),
            retry_after: None,
            facts: serde_json::Map::new(),
        }
    }

    /// Adds the facts of the refusal as members of the problem.
    pub fn with_facts(mut self, facts: serde_json::Value) -> Self {
        if let serde_json::Value::Object(map) = facts {
            self.facts.extend(map);
        }
        self
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "your role may not do this",
        )
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "the request has invalid fields",
            )
        }
    }

    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    pub fn unavailable() -> Self {
        Self {
            retry_after: Some(RETRY_AFTER_SECS),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "the database is unreachable; retry shortly",
            )
        }
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "an internal error occurred",
        )
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_: format!("urn:fleetdesk:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            errors: self.errors.clone(),
            facts: self.facts.clone(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        // Serialising plain strings and numbers cannot fail; fall back to an empty object.
        res.body(serde_json::to_string(&self.problem()).unwrap_or_else(|_| "{}".to_owned()))
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        Self::invalid_field(e.field, e.reason)
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unavailable(cause) => {
                log::warn!("database unavailable: {cause}");
                Self::unavailable()
            }
            DbError::NotFound => Self::not_found(),
            // The constraint's name is the schema's business, not the client's: it goes to
            // the log only.
            DbError::UniqueViolation(what) => {
                log::info!("unique violation answered as a conflict: {what}");
                Self::conflict("conflict", "conflicts with an existing record")
            }
            DbError::ForeignKeyViolation(what) => {
                log::info!("foreign key violation answered as 422: {what}");
                Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "reference_not_found",
                    "refers to a record that does not exist",
                )
            }
            DbError::Other(cause) => {
                log::error!("database error: {cause}");
                Self::internal()
            }
        }
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut out = Vec::new();
        collect_validation(&errors, "", &mut out);
        out.sort_by(|a, b| a.field.cmp(&b.field));
        Self::validation(out)
    }
}

fn collect_validation(
    errors: &validator::ValidationErrors,
    prefix: &str,
    out: &mut Vec<FieldError>,
) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let name = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => out.extend(list.iter().map(|e| {
                FieldError {
                    field: name.clone(),
                    message: e
                        .message
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| e.code.to_string()),
                }
            })),
            ValidationErrorsKind::Struct(inner) => collect_validation(inner, &name, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect_validation(inner, &format!("{name}[{i}]"), out);
                }
            }
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        log::error!("blocking task failed: {e}");
        Self::internal()
    }
}

/// The problem `code` and text for an error response that was not built as an [`ApiError`]
/// (routing misses, extractor failures of actix itself).
pub fn code_for_status(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("bad_request", "the request could not be understood"),
        401 => ("unauthorized", "a valid bearer token is required"),
        403 => ("forbidden", "your role may not do this"),
        404 => ("not_found", "no such resource"),
        405 => ("method_not_allowed", "this method is not allowed here"),
        406 => ("not_acceptable", "only JSON responses are offered"),
        408 => ("request_timeout", "the request took too long to arrive"),
        411 => ("length_required", "a Content-Length is required"),
        413 => (
            "payload_too_large",
            "the request body is larger than allowed",
        ),
        414 => ("uri_too_long", "the request URI is too long"),
        415 => ("unsupported_media_type", "send application/json"),
        431 => ("headers_too_large", "the request headers are too large"),
        503 => (
            "service_unavailable",
            "the service is unavailable; retry shortly",
        ),
        s if s >= 500 => ("internal_error", "an internal error occurred"),
        _ => ("error", "the request failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_never_name_the_schema() {
        for e in [
            DbError::UniqueViolation("devices_model_serial_key".into()),
            DbError::ForeignKeyViolation("cases_device_id_fkey".into()),
            DbError::Other("relation \"secret_table\" does not exist".into()),
        ] {
            let body = serde_json::to_string(&ApiError::from(e).problem()).unwrap_or_default();
            assert!(
                !body.contains("_key") && !body.contains("_fkey") && !body.contains("secret_table"),
                "{body}"
            );
        }
    }
}
