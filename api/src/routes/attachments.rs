//! Files attached to a case: a photo of an error screen, a log, a configuration page. Uploaded
//! as `multipart/form-data`, stored in the database, their type judged from their content;
//! internal files are for staff only, as internal notes are.

use super::Routes;
use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::http::StatusCode;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use fleetdesk_domain::cases::{AttachmentType, attachment_file_name};
use fleetdesk_domain::policy::{self, Action};
use fleetdesk_persistence::cases::{self as repo, AttachmentRow};
use fleetdesk_persistence::identity as identity_repo;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::cases::{self as app_cases, NewAttachment, case_for};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorCode, Problem, Text};
use crate::labels::AttachmentTypeName;
use crate::state::{State, blocking};

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(upload_attachment)
        .service(list_attachments)
        .service(download_attachment);
}

/// A file attached to a case (its bytes are read on their own).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    pub id: String,
    pub case_id: String,
    #[schema(example = "error-screen.png")]
    pub file_name: String,
    /// Judged from the content.
    #[schema(value_type = AttachmentTypeName, example = "image/png")]
    pub content_type: AttachmentType,
    pub size_bytes: i64,
    /// Staff only: customers never see it.
    pub internal: bool,
    pub uploaded_by: String,
    pub uploaded_by_name: String,
    pub uploaded_at: DateTime<Utc>,
}

impl From<(AttachmentRow, String)> for Attachment {
    fn from((row, uploaded_by_name): (AttachmentRow, String)) -> Self {
        Self {
            id: row.id,
            case_id: row.case_id,
            file_name: row.file_name,
            content_type: *row.content_type,
            size_bytes: row.size_bytes,
            internal: row.internal,
            uploaded_by: row.uploaded_by,
            uploaded_by_name,
            uploaded_at: row.uploaded_at.and_utc(),
        }
    }
}

/// The upload form.
#[derive(ToSchema)]
pub struct AttachmentUpload {
    /// PNG, JPEG, PDF or plain text (judged from the content, not the name or the part's
    /// `Content-Type`), at most `ATTACHMENT_MAX_BYTES` (10 MiB unless configured).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// `true`: staff only, never shown to customers.
    #[schema(required = false, default = false)]
    pub internal: bool,
}

/// A file's bytes.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileContent(pub Vec<u8>);

fn too_large(max: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        Text::with("detail-attachment-too-large", [("max", max.to_string())]),
    )
}

fn unsupported(detail: impl Into<crate::error::Text>) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::UnsupportedMediaType,
        detail,
    )
}

fn form_error(e: MultipartError) -> ApiError {
    match e {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible
        | MultipartError::BoundaryMissing => {
            unsupported(Text::key("detail-send-file-multipart-form-data-field"))
        }
        other => ApiError::bad_request(
            ErrorCode::BadRequest,
            Text::with("detail-form-unreadable", [("cause", other.to_string())]),
        ),
    }
}

/// Reads a field whole, refusing more than `max` bytes.
async fn read_field(field: &mut Field, max: usize) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(form_error)?;
        if bytes.len() + chunk.len() > max {
            return Err(too_large(max));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The form, read and checked: the file, its type from its content, and `internal`.
async fn read_form(mut form: Multipart, max: usize) -> Result<NewAttachment, ApiError> {
    let mut file: Option<(Option<String>, Option<String>, Vec<u8>)> = None;
    let mut internal = false;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(form_error)?;
        match field.name().unwrap_or_default() {
            "file" if file.is_none() => {
                let sent_name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .map(str::to_owned);
                let declared = field.content_type().map(|m| m.essence_str().to_owned());
                let bytes = read_field(&mut field, max).await?;
                file = Some((sent_name, declared, bytes));
            }
            "file" => {
                return Err(ApiError::invalid_field(
                    "file",
                    Text::key("invalid-attach-one-file-time"),
                ));
            }
            "internal" => {
                let value = read_field(&mut field, 8).await.ok();
                internal = match value.as_deref() {
                    Some(b"true") => true,
                    Some(b"false") => false,
                    _ => {
                        return Err(ApiError::invalid_field(
                            "internal",
                            Text::key("invalid-must-true-false"),
                        ));
                    }
                };
            }
            other => {
                return Err(ApiError::invalid_field(
                    other,
                    Text::key("invalid-field-form-file-internal"),
                ));
            }
        }
    }
    let Some((sent_name, declared, content)) = file else {
        return Err(ApiError::invalid_field(
            "file",
            Text::key("invalid-attach-file"),
        ));
    };
    if content.is_empty() {
        return Err(ApiError::invalid_field(
            "file",
            Text::key("invalid-file-empty"),
        ));
    }
    let Some(kind) = AttachmentType::of(&content) else {
        return Err(unsupported(Text::key("detail-file-s-content-png-jpeg-pdf")));
    };
    // The sender's own label may be generic, but not another type than the content shows.
    if let Some(declared) = declared
        .filter(|d| d != "application/octet-stream")
        .filter(|d| d != kind.as_str())
    {
        return Err(unsupported(Text::with(
            "detail-file-type-mismatch",
            [("declared", declared), ("kind", kind.to_string())],
        )));
    }
    Ok(NewAttachment {
        file_name: attachment_file_name(sent_name.as_deref(), kind),
        content_type: kind,
        content,
        internal,
    })
}

/// Attaches a file to a case (whoever may comment on it; `internal=true`, staff only). The
/// type is judged from the content: PNG, JPEG, PDF or plain text; anything else is 415 —
/// also when the part's `Content-Type` names a type the content is not.
#[utoipa::path(
    tag = "cases",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = Attachment, headers(("Location" = String))),
        (status = 400, description = "The form could not be read", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not comment, or (customers) may not attach internal files", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case is closed or cancelled (`case_ended`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than `ATTACHMENT_MAX_BYTES`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart/form-data, or the file is not PNG, JPEG, PDF or plain text", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No file, or an unknown field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/attachments")]
async fn upload_attachment(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let max = state.config.attachment_max_bytes;
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared_length.is_some_and(|n| n > state.config.upload_limit()) {
        return Err(too_large(max));
    }
    let new = read_form(form, max).await?;
    let now = state.config.clock.now();
    let attachment = caller
        .write(&state, move |c, who| {
            let row = app_cases::attach(c, who, &id, new, now)?;
            let name = identity_repo::find_user(c, &who.user_id)?
                .ok_or_else(|| ApiError::internal())?
                .display_name;
            Ok(Attachment::from((row, name)))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!(
                "/api/v1/cases/{}/attachments/{}",
                attachment.case_id, attachment.id
            ),
        ))
        .json(attachment))
}

/// The files attached to a case, oldest first; internal ones only for staff.
#[utoipa::path(
    tag = "cases",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<Attachment>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/attachments")]
async fn list_attachments(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Vec<Attachment>>, ApiError> {
    let list = caller
        .read(&state, move |c, who| {
            case_for(c, who, Action::ReadCases, &id)?;
            Ok(repo::attachments(c, &id, policy::sees_staff_only(who))?
                .into_iter()
                .map(Attachment::from)
                .collect())
        })
        .await?;
    Ok(web::Json(list))
}

/// The query of a download.
#[derive(Debug, Deserialize)]
struct AttachmentPath {
    id: String,
    attachment_id: String,
}

/// A file's bytes, with its type and name (`Content-Disposition: attachment`); an internal
/// file is not found for customers.
#[utoipa::path(
    tag = "cases",
    params(("id" = String, Path), ("attachment_id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The file, as uploaded", content(
            (FileContent = "image/png"),
            (FileContent = "image/jpeg"),
            (FileContent = "application/pdf"),
            (FileContent = "text/plain"),
        ), headers(("Content-Disposition" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/attachments/{attachment_id}")]
async fn download_attachment(
    state: State,
    caller: Authenticated,
    path: web::Path<AttachmentPath>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    let AttachmentPath { id, attachment_id } = path.into_inner();
    let state = state.into_inner();
    let (row, content) = blocking(move || {
        state
            .db
            .read(|c| -> Result<(AttachmentRow, Vec<u8>), ApiError> {
                case_for(c, &who, Action::ReadCases, &id)?;
                repo::attachment_content(c, &id, &attachment_id)?
                    // Internal files do not exist for customers.
                    .filter(|(row, _)| !row.internal || policy::sees_staff_only(&who))
                    .ok_or_else(ApiError::not_found)
            })
    })
    .await?;
    let ascii: String = row
        .file_name
        .chars()
        .map(|c| if c.is_ascii() { c } else { '_' })
        .collect();
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: row.file_name.into_bytes(),
            }),
        ],
    };
    Ok(HttpResponse::Ok()
        .content_type(row.content_type.as_str())
        .insert_header(disposition)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(content))
}
