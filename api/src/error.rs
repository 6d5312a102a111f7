//! Every error leaves the API as RFC 9457 problem details with a stable `code`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use fleetdesk_domain::Invalid;
use fleetdesk_persistence::DbError;

use crate::i18n::Language;
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client should wait before retrying while the database is unavailable.
pub const RETRY_AFTER_SECS: u64 = 2;

/// Writes [`ErrorCode`] from one list: variant and the code clients switch on. The one title
/// every problem of a code carries is the catalogue's `title-<code>` (`crate::i18n`).
macro_rules! error_codes {
    ($($variant:ident = $code:literal,)+) => {
        /// Every problem `code` the API answers with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)+
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            /// The code, such as `email_taken`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)+
                }
            }

        }
    };
}

error_codes! {
    AccountNumberTaken = "account_number_taken",
    AlreadyMember = "already_member",
    ApiClientRevoked = "api_client_revoked",
    BadRequest = "bad_request",
    CallClosed = "call_closed",
    CaseChanged = "case_changed",
    CaseEnded = "case_ended",
    ClaimDecided = "claim_decided",
    ClaimExists = "claim_exists",
    ConfirmationTokenExpired = "confirmation_token_expired",
    ConfirmationTokenInvalid = "confirmation_token_invalid",
    ConfirmationTokenUsed = "confirmation_token_used",
    Conflict = "conflict",
    DatabaseUnavailable = "database_unavailable",
    DeviceCredentialRequired = "device_credential_required",
    DeviceRemoved = "device_removed",
    DispatchClosedOut = "dispatch_closed_out",
    DispatchNotAccepted = "dispatch_not_accepted",
    DispatchNotClosedOut = "dispatch_not_closed_out",
    DispatchNotEligible = "dispatch_not_eligible",
    DispatchNotWaiting = "dispatch_not_waiting",
    EmailAlreadyConfirmed = "email_already_confirmed",
    EmailNotConfirmed = "email_not_confirmed",
    EmailTaken = "email_taken",
    Error = "error",
    Forbidden = "forbidden",
    HeadersTooLarge = "headers_too_large",
    IdempotencyKeyReused = "idempotency_key_reused",
    IdempotencyRequestInProgress = "idempotency_request_in_progress",
    IdentityProofRequired = "identity_proof_required",
    IllegalTransition = "illegal_transition",
    InsufficientStock = "insufficient_stock",
    InternalError = "internal_error",
    InvalidCredentials = "invalid_credentials",
    InvalidIdempotencyKey = "invalid_idempotency_key",
    InvalidQuery = "invalid_query",
    InvalidRefreshToken = "invalid_refresh_token",
    InvitationExpired = "invitation_expired",
    InvitationForAnotherUser = "invitation_for_another_user",
    InvitationInvalid = "invitation_invalid",
    InvitationNotOpen = "invitation_not_open",
    InvitationUsed = "invitation_used",
    JoinRequestDecided = "join_request_decided",
    LabourDecided = "labour_decided",
    LabourNotEligible = "labour_not_eligible",
    LastAdministrator = "last_administrator",
    LengthRequired = "length_required",
    MalformedJson = "malformed_json",
    MemberRoleHoldsNoDevices = "member_role_holds_no_devices",
    MemberRoleHoldsNoStockLocations = "member_role_holds_no_stock_locations",
    MeterReadingAlreadyToday = "meter_reading_already_today",
    MeterReadingImplausible = "meter_reading_implausible",
    MeterReadingInvalidValue = "meter_reading_invalid_value",
    MeterReadingLowerThanPrevious = "meter_reading_lower_than_previous",
    MeterReadingMissingMeter = "meter_reading_missing_meter",
    MeterReadingUnknownMeter = "meter_reading_unknown_meter",
    MethodNotAllowed = "method_not_allowed",
    ModelNameTaken = "model_name_taken",
    NoDealerOfRecord = "no_dealer_of_record",
    NoOfficeTime = "no_office_time",
    NotAcceptable = "not_acceptable",
    NotEligible = "not_eligible",
    NotFound = "not_found",
    NotOwnService = "not_own_service",
    NothingToCorrect = "nothing_to_correct",
    OrderClosed = "order_closed",
    OrderOpen = "order_open",
    PayloadTooLarge = "payload_too_large",
    RateLimited = "rate_limited",
    ReferenceNotFound = "reference_not_found",
    RegistrationEnded = "registration_ended",
    RequestTimeout = "request_timeout",
    ResetTokenInvalid = "reset_token_invalid",
    SerialAlreadyRegistered = "serial_already_registered",
    SerialModelMismatch = "serial_model_mismatch",
    SerialNumberTaken = "serial_number_taken",
    ServiceUnavailable = "service_unavailable",
    SiteHasDevices = "site_has_devices",
    SiteNameTaken = "site_name_taken",
    StockLocationNameTaken = "stock_location_name_taken",
    TooManyAttempts = "too_many_attempts",
    TooManyMails = "too_many_mails",
    TransitionNotAllowed = "transition_not_allowed",
    Unauthorized = "unauthorized",
    UnsubscribeLinkInvalid = "unsubscribe_link_invalid",
    UnsupportedMediaType = "unsupported_media_type",
    UriTooLong = "uri_too_long",
    ValidationFailed = "validation_failed",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The contract's `ErrorCode`: every problem code, as an enumeration.
pub struct ErrorCodeName;

impl utoipa::PartialSchema for ErrorCodeName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "Stable, snake_case: what clients switch on. Every problem of one code has one title.",
            ))
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
            .into()
    }
}

impl ToSchema for ErrorCodeName {
    fn name() -> std::borrow::Cow<'static, str> {
        "ErrorCode".into()
    }
}

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
    #[schema(value_type = ErrorCodeName)]
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

/// A text of a problem as a person reads it: a catalogue key with its values, rendered in the
/// reader's language. There is no way to give a sentence in code: every one is in the
/// catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    key: &'static str,
    args: Vec<(&'static str, String)>,
}

impl Text {
    pub fn key(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    /// The text `key` with named values put in.
    pub fn with<const N: usize>(key: &'static str, args: [(&'static str, String); N]) -> Self {
        Self {
            key,
            args: args.into(),
        }
    }

    pub fn render(&self, lang: Language) -> String {
        let args: Vec<(&str, fluent_bundle::FluentValue<'_>)> = self
            .args
            .iter()
            .map(|(name, value)| (*name, value.as_str().into()))
            .collect();
        crate::i18n::text(lang, self.key, &args)
    }
}

impl From<fleetdesk_domain::Message> for Text {
    fn from(message: fleetdesk_domain::Message) -> Self {
        Self {
            key: message.key,
            args: message.args,
        }
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Language::En))
    }
}

/// A failing field with its message, before it is written in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: Text,
}

/// An error a handler returns; it renders itself as problem+json.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {code}: {detail:?}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub detail: Option<Text>,
    pub errors: Vec<FieldProblem>,
    pub retry_after: Option<u64>,
    /// Boxed: an error travels in every `Result` of the request path, and stays small.
    pub facts: Box<serde_json::Map<String, serde_json::Value>>,
    /// Sentences among the facts, by JSON pointer, written in the reader's language.
    pub fact_texts: Vec<(String, Text)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, detail: impl Into<Text>) -> Self {
        Self {
            status,
            code,
            detail: Some(detail.into()),
            errors: Vec::new(),
            retry_after: None,
            facts: Box::default(),
            fact_texts: Vec::new(),
        }
    }

    /// Puts a sentence among the facts at `pointer` (`/next_steps/0/description`).
    pub fn with_fact_text(mut self, pointer: impl Into<String>, text: impl Into<Text>) -> Self {
        self.fact_texts.push((pointer.into(), text.into()));
        self
    }

    /// Adds the facts of the refusal as members of the problem.
    pub fn with_facts(mut self, facts: serde_json::Value) -> Self {
        if let serde_json::Value::Object(map) = facts {
            self.facts.extend(map);
        }
        self
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            Text::key("detail-not_found"),
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            Text::key("detail-forbidden"),
        )
    }

    pub fn unauthorized(detail: impl Into<Text>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, detail)
    }

    pub fn bad_request(code: ErrorCode, detail: impl Into<Text>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn conflict(code: ErrorCode, detail: impl Into<Text>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    pub fn validation(errors: Vec<FieldProblem>) -> Self {
        Self {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::ValidationFailed,
                Text::key("detail-validation_failed"),
            )
        }
    }

    pub fn invalid_field(field: impl Into<String>, message: impl Into<Text>) -> Self {
        Self::validation(vec![FieldProblem {
            field: field.into(),
            message: message.into(),
        }])
    }

    pub fn unavailable() -> Self {
        Self {
            retry_after: Some(RETRY_AFTER_SECS),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::DatabaseUnavailable,
                Text::key("detail-database_unavailable"),
            )
        }
    }

    /// An error that is fleetdesk's own fault. The log says where (and the request's log line
    /// its id); the client learns nothing of the inside.
    #[track_caller]
    pub fn internal() -> Self {
        log::error!("internal error at {}", std::panic::Location::caller());
        Self::internal_silent()
    }

    /// [`ApiError::internal`] for an error with a cause: the cause goes to the log.
    #[track_caller]
    pub fn internal_from(cause: impl std::fmt::Display) -> Self {
        log::error!(
            "internal error at {}: {cause}",
            std::panic::Location::caller()
        );
        Self::internal_silent()
    }

    fn internal_silent() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalError,
            Text::key("detail-internal_error"),
        )
    }

    /// The problem in English.
    pub fn problem(&self) -> Problem {
        self.problem_in(Language::En)
    }

    /// The problem with its title, detail and field messages in `lang`.
    pub fn problem_in(&self, lang: Language) -> Problem {
        Problem {
            type_: format!("urn:fleetdesk:problem:{}", self.code),
            title: crate::i18n::text(lang, &format!("title-{}", self.code.as_str()), &[]),
            status: self.status.as_u16(),
            detail: self.detail.as_ref().map(|d| d.render(lang)),
            code: self.code.as_str().to_owned(),
            errors: self
                .errors
                .iter()
                .map(|e| FieldError {
                    field: e.field.clone(),
                    message: e.message.render(lang),
                })
                .collect(),
            facts: self.facts_in(lang),
        }
    }

    fn facts_in(&self, lang: Language) -> serde_json::Map<String, serde_json::Value> {
        let mut facts = serde_json::Value::Object((*self.facts).clone());
        for (pointer, text) in &self.fact_texts {
            if let Some(slot) = facts.pointer_mut(pointer) {
                *slot = serde_json::Value::String(text.render(lang));
            }
        }
        match facts {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        }
    }

    /// The problem+json body in `lang`.
    pub fn body_in(&self, lang: Language) -> String {
        // Serialising plain strings and numbers cannot fail; fall back to an empty object.
        serde_json::to_string(&self.problem_in(lang)).unwrap_or_else(|_| "{}".to_owned())
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
        res.body(self.body_in(Language::En))
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        Self::invalid_field(e.field, e.reason)
    }
}

impl fleetdesk_persistence::Unreachable for ApiError {
    fn unreachable(&self) -> bool {
        self.code == ErrorCode::DatabaseUnavailable
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
                Self::conflict(ErrorCode::Conflict, Text::key("detail-conflict"))
            }
            DbError::ForeignKeyViolation(what) => {
                log::info!("foreign key violation answered as 422: {what}");
                Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::ReferenceNotFound,
                    Text::key("detail-reference_not_found"),
                )
            }
            DbError::Other(cause) => Self::internal_from(format!("database error: {cause}")),
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
    out: &mut Vec<FieldProblem>,
) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let name = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => out.extend(list.iter().map(|e| FieldProblem {
                field: name.clone(),
                message: validation_message(e),
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

/// A validator failure as a catalogue text: its rule (`length`, `range`) and bounds.
fn validation_message(e: &validator::ValidationError) -> Text {
    let bound = |name: &str| e.params.get(name).map(|v| v.to_string());
    let (min, max) = (bound("min"), bound("max"));
    let key = match (e.code.as_ref(), &min, &max) {
        ("length", Some(_), Some(_)) => "invalid-length-between",
        ("length", Some(_), None) => "invalid-length-min",
        ("length", None, Some(_)) => "invalid-length-max",
        ("range", Some(_), Some(_)) => "invalid-range-between",
        ("range", Some(_), None) => "invalid-range-min",
        ("range", None, Some(_)) => "invalid-range-max",
        _ => "invalid-other",
    };
    let args = [("min", min), ("max", max)]
        .into_iter()
        .filter_map(|(name, v)| v.map(|v| (name, v)))
        .collect();
    Text { key, args }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::internal_from(format!("blocking task failed: {e}"))
    }
}

/// The problem `code` and text for an error response that was not built as an [`ApiError`]
/// (routing misses, extractor failures of actix itself).
pub fn code_for_status(status: StatusCode) -> (ErrorCode, Text) {
    let code = match status.as_u16() {
        400 => ErrorCode::BadRequest,
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        406 => ErrorCode::NotAcceptable,
        408 => ErrorCode::RequestTimeout,
        411 => ErrorCode::LengthRequired,
        413 => ErrorCode::PayloadTooLarge,
        414 => ErrorCode::UriTooLong,
        415 => ErrorCode::UnsupportedMediaType,
        431 => ErrorCode::HeadersTooLarge,
        503 => ErrorCode::ServiceUnavailable,
        s if s >= 500 => ErrorCode::InternalError,
        _ => ErrorCode::Error,
    };
    let key = match code {
        ErrorCode::BadRequest => "detail-bad_request",
        ErrorCode::Unauthorized => "detail-unauthorized",
        ErrorCode::Forbidden => "detail-forbidden",
        ErrorCode::NotFound => "detail-not_found",
        ErrorCode::MethodNotAllowed => "detail-method_not_allowed",
        ErrorCode::NotAcceptable => "detail-not_acceptable",
        ErrorCode::RequestTimeout => "detail-request_timeout",
        ErrorCode::LengthRequired => "detail-length_required",
        ErrorCode::PayloadTooLarge => "detail-payload_too_large",
        ErrorCode::UriTooLong => "detail-uri_too_long",
        ErrorCode::UnsupportedMediaType => "detail-unsupported_media_type",
        ErrorCode::HeadersTooLarge => "detail-headers_too_large",
        ErrorCode::ServiceUnavailable => "detail-service_unavailable",
        ErrorCode::InternalError => "detail-internal_error",
        _ => "detail-error",
    };
    (code, Text::key(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_with_a_title() {
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
        for code in ErrorCode::ALL {
            assert!(
                crate::i18n::has(&format!("title-{code}")),
                "{code} has no title"
            );
            let error = ApiError::new(StatusCode::CONFLICT, *code, Text::key("detail-error"));
            let (english, swedish) = (error.problem().title, error.problem_in(Language::Sv).title);
            assert!(
                !english.is_empty() && !english.starts_with("title-"),
                "{code}"
            );
            assert_ne!(english, swedish, "{code} has no Swedish title");
        }
    }

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
