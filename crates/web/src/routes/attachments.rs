//! `POST /api/attachments` and the reads of one attachment.

use super::attachment_http::{content_disposition, file_part, range_of};
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::TryStreamExt;
use palaver_application::attachments::{Download, DownloadError, Part, UploadError};
use palaver_domain::attachment::{AttachmentId, Disposition, FileName};
use palaver_realtime::attachment_wire::AttachmentResponse;
use utoipa::ToSchema;
use uuid::Uuid;

/// Room for the multipart framing around the file: a request whose `Content-Length`
/// passes `max_bytes` by more than this is refused before anything is read.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

/// The upload form: one part, `file`.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the form; the handler reads it as a stream
pub(crate) struct UploadForm {
    /// The file's bytes; the part's `filename` is kept as the attachment's name.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[utoipa::path(
    post,
    path = "/api/attachments",
    tag = "attachments",
    summary = "Upload a file (multipart/form-data, one part named file)",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored; post it with a message through `attachment_ids`", body = AttachmentResponse),
        (status = 400, description = "`validation_failed`: not multipart/form-data, no `file` part, an empty file, a bad filename, an upload cut off", body = crate::openapi::schemas::ErrorBody),
        (status = 413, description = "`payload_too_large`: over `attachments.max_bytes`, said by `Content-Length` or found while reading", body = crate::openapi::schemas::ErrorBody),
        (status = 503, description = "`unavailable`: object storage cannot be reached", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn upload(
    state: web::Data<AppState>,
    caller: Authenticated,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let upload = state.upload_attachment.clone();
    let limit = upload.max_bytes();
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit.saturating_add(MULTIPART_OVERHEAD)) {
        return Err(too_large(limit));
    }
    let part = file_part(&request, payload).await?;
    let filename = FileName::parse(&part.filename).map_err(|e| ApiError::validation(vec![e]))?;
    let (stored, ()) =
        futures_util::future::join(upload.execute(&caller.0, filename, part.body), part.pump).await;
    match stored {
        Ok(attachment) => Ok(HttpResponse::Created().json(AttachmentResponse::from(attachment))),
        Err(UploadError::TooLarge { limit }) => Err(too_large(limit)),
        Err(UploadError::Failed(error)) => Err(error.into()),
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::payload_too_large(usize::try_from(limit).unwrap_or(usize::MAX))
}

#[utoipa::path(
    get,
    path = "/api/attachments/{id}",
    tag = "attachments",
    summary = "An attachment's description (its uploader, or a member of a conversation where it was posted)",
    params(("id" = Uuid, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The attachment", body = AttachmentResponse),
        (status = 400, description = "`validation_failed`: the id is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such attachment, or not the caller's to see", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn get(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let attachment = state
        .get_attachment
        .execute(&caller.0, AttachmentId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(AttachmentResponse::from(attachment)))
}

#[utoipa::path(
    get,
    path = "/api/attachments/{id}/content",
    tag = "attachments",
    summary = "The bytes, streamed; a single `Range` answers 206",
    params(
        ("id" = Uuid, Path, description = "Attachment id"),
        ("Range" = Option<String>, Header, description = "`bytes=start-end`, `bytes=start-` or `bytes=-suffix`"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of a copy the client has"),
    ),
    responses(
        (status = 200, description = "The whole file, in its own content type, with `Content-Disposition`, `ETag` and `X-Content-Type-Options: nosniff`", content_type = "*/*", body = Vec<u8>),
        (status = 206, description = "The range asked for, with `Content-Range`", content_type = "*/*", body = Vec<u8>),
        (status = 304, description = "Not modified: `If-None-Match` names its `ETag`"),
        (status = 400, description = "`validation_failed`: the id is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such attachment, or not the caller's to see", body = crate::openapi::schemas::ErrorBody),
        (status = 416, description = "`range_not_satisfiable`: the range lies past the end; `Content-Range: bytes */size`", body = crate::openapi::schemas::ErrorBody),
        (status = 503, description = "`unavailable`: object storage cannot be reached", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn content(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = AttachmentId::from_uuid(id.into_inner());
    let range = range_of(&request);
    let download = match state
        .open_attachment
        .execute(&caller.0, id, Part::Content, range)
        .await
    {
        Ok(download) => download,
        Err(DownloadError::RangeNotSatisfiable { size }) => {
            return Err(ApiError::range_not_satisfiable(size));
        }
        Err(DownloadError::Failed(error)) => return Err(error.into()),
    };
    let etag = format!("\"{}\"", download.attachment.sha256.as_str());
    let cached = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    if cached {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let disposition = content_disposition(
        download.attachment.content_type.disposition(),
        download.attachment.filename.as_str(),
    );
    let content_type = download.attachment.content_type.as_str().to_owned();
    Ok(stream(download, &content_type, disposition, Some(etag)))
}

#[utoipa::path(
    get,
    path = "/api/attachments/{id}/thumbnail",
    tag = "attachments",
    summary = "An image's thumbnail: a PNG at most 320 px on its longer side",
    params(("id" = Uuid, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The thumbnail", content_type = "image/png", body = Vec<u8>),
        (status = 400, description = "`validation_failed`: the id is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such attachment, not the caller's to see, or not an image with a thumbnail", body = crate::openapi::schemas::ErrorBody),
        (status = 503, description = "`unavailable`: object storage cannot be reached", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn thumbnail(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = AttachmentId::from_uuid(id.into_inner());
    let download = state
        .open_attachment
        .execute(&caller.0, id, Part::Thumbnail, None)
        .await
        .map_err(|error| match error {
            DownloadError::Failed(error) => ApiError::from(error),
            DownloadError::RangeNotSatisfiable { size } => ApiError::range_not_satisfiable(size),
        })?;
    let disposition = content_disposition(Disposition::Inline, "thumbnail.png");
    Ok(stream(download, "image/png", disposition, None))
}

/// The download's bytes as they come from storage, with the headers every download has.
/// `Content-Encoding: identity` keeps any compression layer off: the bytes go as stored.
fn stream(
    download: Download,
    content_type: &str,
    disposition: String,
    etag: Option<String>,
) -> HttpResponse {
    let status = if download.range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=0, must-revalidate"));
    if let Some(etag) = etag {
        response.insert_header((header::ETAG, etag));
    }
    if let Some(range) = download.range {
        let value = format!("bytes {}-{}/{}", range.start, range.end, download.total);
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.insert_header((header::CONTENT_RANGE, value));
        }
    }
    // A failure half-way can only cut the response short; it is logged.
    let body = download.body.map_err(|error| {
        tracing::warn!(%error, "an attachment download failed half-way");
        actix_web::error::ErrorInternalServerError(error)
    });
    response.no_chunking(download.length).streaming(body)
}
