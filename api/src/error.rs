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

/// Writes [`ErrorCode`] from one list: variant, the code clients switch on, and the one
/// title every problem of that code carries.
macro_rules! error_codes {
    ($($variant:ident = $code:literal: $title:literal,)+) => {
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

            /// The problem's title: the same for every occurrence of the code.
            pub fn title(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $title,)+
                }
            }
        }
    };
}

error_codes! {
    AccountNumberTaken = "account_number_taken": "Account number taken",
    AlreadyMember = "already_member": "Already member",
    ApiClientRevoked = "api_client_revoked": "API client revoked",
    BadRequest = "bad_request": "Bad request",
    CallClosed = "call_closed": "Call closed",
    CaseChanged = "case_changed": "Case changed",
    CaseEnded = "case_ended": "Case ended",
    ClaimDecided = "claim_decided": "Claim decided",
    ClaimExists = "claim_exists": "Claim exists",
    ConfirmationTokenExpired = "confirmation_token_expired": "Confirmation token expired",
    ConfirmationTokenInvalid = "confirmation_token_invalid": "Confirmation token invalid",
    ConfirmationTokenUsed = "confirmation_token_used": "Confirmation token used",
    Conflict = "conflict": "Conflicts with an existing record",
    DatabaseUnavailable = "database_unavailable": "The database is unavailable",
    DeviceCredentialRequired = "device_credential_required": "Device credential required",
    DeviceRemoved = "device_removed": "Device removed",
    DispatchClosedOut = "dispatch_closed_out": "Dispatch closed out",
    DispatchNotAccepted = "dispatch_not_accepted": "Dispatch not accepted",
    DispatchNotClosedOut = "dispatch_not_closed_out": "Dispatch not closed out",
    DispatchNotEligible = "dispatch_not_eligible": "Dispatch not eligible",
    DispatchNotWaiting = "dispatch_not_waiting": "Dispatch not waiting",
    EmailAlreadyConfirmed = "email_already_confirmed": "Email already confirmed",
    EmailNotConfirmed = "email_not_confirmed": "Email not confirmed",
    EmailTaken = "email_taken": "Email taken",
    Error = "error": "The request failed",
    Forbidden = "forbidden": "Your role may not do this",
    HeadersTooLarge = "headers_too_large": "Headers too large",
    IdempotencyKeyReused = "idempotency_key_reused": "This Idempotency-Key was used with another request",
    IdempotencyRequestInProgress = "idempotency_request_in_progress": "Idempotency request in progress",
    IdentityProofRequired = "identity_proof_required": "Prove that you are this address's user",
    IllegalTransition = "illegal_transition": "Illegal transition",
    InsufficientStock = "insufficient_stock": "Insufficient stock",
    InternalError = "internal_error": "An internal error occurred",
    InvalidCredentials = "invalid_credentials": "Invalid credentials",
    InvalidIdempotencyKey = "invalid_idempotency_key": "Invalid idempotency key",
    InvalidQuery = "invalid_query": "Invalid query",
    InvalidRefreshToken = "invalid_refresh_token": "Invalid refresh token",
    InvitationExpired = "invitation_expired": "Invitation expired",
    InvitationForAnotherUser = "invitation_for_another_user": "The invitation is for another user",
    InvitationInvalid = "invitation_invalid": "Invitation invalid",
    InvitationNotOpen = "invitation_not_open": "Invitation not open",
    InvitationUsed = "invitation_used": "Invitation used",
    JoinRequestDecided = "join_request_decided": "Join request decided",
    LabourDecided = "labour_decided": "Labour decided",
    LabourNotEligible = "labour_not_eligible": "Labour not eligible",
    LastAdministrator = "last_administrator": "Last administrator",
    LengthRequired = "length_required": "Length required",
    MalformedJson = "malformed_json": "Malformed json",
    MemberRoleHoldsNoDevices = "member_role_holds_no_devices": "Member role holds no devices",
    MemberRoleHoldsNoStockLocations = "member_role_holds_no_stock_locations": "Member role holds no stock locations",
    MeterReadingAlreadyToday = "meter_reading_already_today": "The device has a reading for this day already",
    MeterReadingImplausible = "meter_reading_implausible": "A meter rose faster than the model can print",
    MeterReadingInvalidValue = "meter_reading_invalid_value": "Meter reading invalid value",
    MeterReadingLowerThanPrevious = "meter_reading_lower_than_previous": "A meter reading is lower than the previous one",
    MeterReadingMissingMeter = "meter_reading_missing_meter": "Meter reading missing meter",
    MeterReadingUnknownMeter = "meter_reading_unknown_meter": "Meter reading unknown meter",
    MethodNotAllowed = "method_not_allowed": "Method not allowed",
    ModelNameTaken = "model_name_taken": "Model name taken",
    NoDealerOfRecord = "no_dealer_of_record": "No dealer of record",
    NoOfficeTime = "no_office_time": "No office time",
    NotAcceptable = "not_acceptable": "Not acceptable",
    NotEligible = "not_eligible": "Not eligible",
    NotFound = "not_found": "No such resource",
    NotOwnService = "not_own_service": "Not own service",
    NothingToCorrect = "nothing_to_correct": "Nothing to correct",
    OrderClosed = "order_closed": "Order closed",
    OrderOpen = "order_open": "An order is open",
    PayloadTooLarge = "payload_too_large": "The request body is too large",
    RateLimited = "rate_limited": "Too many requests",
    ReferenceNotFound = "reference_not_found": "Reference not found",
    RegistrationEnded = "registration_ended": "Registration ended",
    RequestTimeout = "request_timeout": "Request timeout",
    ResetTokenInvalid = "reset_token_invalid": "Reset token invalid",
    SerialAlreadyRegistered = "serial_already_registered": "Serial already registered",
    SerialModelMismatch = "serial_model_mismatch": "The serial number belongs to another model",
    SerialNumberTaken = "serial_number_taken": "Serial number taken",
    ServiceUnavailable = "service_unavailable": "Service unavailable",
    SiteHasDevices = "site_has_devices": "Site has devices",
    SiteNameTaken = "site_name_taken": "Site name taken",
    StockLocationNameTaken = "stock_location_name_taken": "Stock location name taken",
    TooManyAttempts = "too_many_attempts": "Too many failed sign-ins",
    TooManyMails = "too_many_mails": "Too many mails asked for",
    TransitionNotAllowed = "transition_not_allowed": "Transition not allowed",
    Unauthorized = "unauthorized": "A valid bearer token is required",
    UnsupportedMediaType = "unsupported_media_type": "Unsupported media type",
    UriTooLong = "uri_too_long": "Uri too long",
    ValidationFailed = "validation_failed": "The request has invalid fields",
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

/// An error a handler returns; it renders itself as problem+json.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {code}: {detail:?}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub detail: Option<String>,
    pub errors: Vec<FieldError>,
    pub retry_after: Option<u64>,
    /// Boxed: an error travels in every `Result` of the request path, and stays small.
    pub facts: Box<serde_json::Map<String, serde_json::Value>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: Some(detail.into()),
            errors: Vec::new(),
            retry_after: None,
            facts: Box::default(),
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
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "no such resource",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "your role may not do this",
        )
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, detail)
    }

    pub fn bad_request(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn conflict(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::ValidationFailed,
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
                ErrorCode::DatabaseUnavailable,
                "the database is unreachable; retry shortly",
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
            "an internal error occurred",
        )
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_: format!("urn:fleetdesk:problem:{}", self.code),
            title: self.code.title().to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.as_str().to_owned(),
            errors: self.errors.clone(),
            facts: (*self.facts).clone(),
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
                Self::conflict(ErrorCode::Conflict, "conflicts with an existing record")
            }
            DbError::ForeignKeyViolation(what) => {
                log::info!("foreign key violation answered as 422: {what}");
                Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::ReferenceNotFound,
                    "refers to a record that does not exist",
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
        Self::internal_from(format!("blocking task failed: {e}"))
    }
}

/// The problem `code` and text for an error response that was not built as an [`ApiError`]
/// (routing misses, extractor failures of actix itself).
pub fn code_for_status(status: StatusCode) -> (ErrorCode, &'static str) {
    match status.as_u16() {
        400 => (ErrorCode::BadRequest, "the request could not be understood"),
        401 => (ErrorCode::Unauthorized, "a valid bearer token is required"),
        403 => (ErrorCode::Forbidden, "your role may not do this"),
        404 => (ErrorCode::NotFound, "no such resource"),
        405 => (
            ErrorCode::MethodNotAllowed,
            "this method is not allowed here",
        ),
        406 => (ErrorCode::NotAcceptable, "only JSON responses are offered"),
        408 => (
            ErrorCode::RequestTimeout,
            "the request took too long to arrive",
        ),
        411 => (ErrorCode::LengthRequired, "a Content-Length is required"),
        413 => (
            ErrorCode::PayloadTooLarge,
            "the request body is larger than allowed",
        ),
        414 => (ErrorCode::UriTooLong, "the request URI is too long"),
        415 => (ErrorCode::UnsupportedMediaType, "send application/json"),
        431 => (
            ErrorCode::HeadersTooLarge,
            "the request headers are too large",
        ),
        503 => (
            ErrorCode::ServiceUnavailable,
            "the service is unavailable; retry shortly",
        ),
        s if s >= 500 => (ErrorCode::InternalError, "an internal error occurred"),
        _ => (ErrorCode::Error, "the request failed"),
    }
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
            assert!(!code.title().is_empty(), "{code}");
            assert_eq!(
                ApiError::new(StatusCode::CONFLICT, *code, "x")
                    .problem()
                    .title,
                code.title()
            );
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
