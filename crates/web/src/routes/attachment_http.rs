//! HTTP details of attachments: reading the multipart upload as a stream, the `Range`
//! header, and a `Content-Disposition` that is safe whatever the filename.

use crate::error::ApiError;
use actix_multipart::Multipart;
use actix_web::HttpRequest;
use actix_web::http::header;
use bytes::Bytes;
use futures_util::StreamExt;
use palaver_domain::attachment::{Disposition, RangeRequest};
use palaver_domain::error::{BoxError, Message};
use palaver_domain::ports::ByteStream;
use tokio::sync::mpsc;

/// Chunks in flight between the request and storage: the request is read no faster than
/// storage takes it.
const CHANNEL_CHUNKS: usize = 4;
/// Bytes of other form fields skipped before `file`, at most.
const MAX_OTHER_FIELDS_BYTES: usize = 64 * 1024;

/// The `file` part of a multipart upload: its name and a sender-side pump that must be
/// polled (it reads the request) alongside the consumer of `body`.
pub(crate) struct FilePart {
    pub filename: String,
    pub body: ByteStream,
    pub pump: std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>,
}

/// Finds the `file` part. The request's payload is not `Send`, so its chunks cross to the
/// (Send) storage stream through a small channel fed by `pump`.
pub(crate) async fn file_part(
    request: &HttpRequest,
    payload: actix_web::web::Payload,
) -> Result<FilePart, ApiError> {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::validation(vec![
            palaver_domain::ValidationError::new(
                "file",
                "must be sent as multipart/form-data with one part named file",
            ),
        ]));
    }
    let mut multipart = Multipart::new(request.headers(), payload);
    let mut skipped = 0usize;
    loop {
        let mut field = match multipart.next().await {
            Some(Ok(field)) => field,
            Some(Err(error)) => {
                return Err(ApiError::bad_request(format!(
                    "the multipart body could not be read: {error}"
                )));
            }
            None => {
                return Err(ApiError::validation(vec![
                    palaver_domain::ValidationError::new("file", "is required"),
                ]));
            }
        };
        if field.name() != Some("file") {
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| ApiError::bad_request(e.to_string()))?;
                skipped += chunk.len();
                if skipped > MAX_OTHER_FIELDS_BYTES {
                    return Err(ApiError::bad_request(
                        "only one part, named file, is expected",
                    ));
                }
            }
            continue;
        }
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .filter(|name| !name.is_empty())
            .unwrap_or("upload")
            .to_owned();
        let (sender, receiver) = mpsc::channel::<Result<Bytes, BoxError>>(CHANNEL_CHUNKS);
        let pump = Box::pin(async move {
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| Box::new(Message(e.to_string())) as BoxError);
                let failed = chunk.is_err();
                // The consumer stopped (too large, storage failed): stop reading.
                if sender.send(chunk).await.is_err() || failed {
                    return;
                }
            }
            // The rest of the form is not read; the multipart stream ends with the request.
            drop(multipart);
        });
        let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|chunk| (chunk, receiver))
        })
        .boxed();
        return Ok(FilePart {
            filename,
            body,
            pump,
        });
    }
}

/// A single `bytes=` range; anything else (several ranges, other units, bad syntax) is
/// ignored, and the whole content sent, as RFC 9110 allows.
pub(crate) fn range_of(request: &HttpRequest) -> Option<RangeRequest> {
    let value = request.headers().get(header::RANGE)?.to_str().ok()?;
    let spec = value.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let number = |s: &str| s.trim().parse::<u64>().ok();
    match (start.trim().is_empty(), end.trim().is_empty()) {
        (true, false) => Some(RangeRequest::Suffix(number(end)?)),
        (false, true) => Some(RangeRequest::From {
            start: number(start)?,
            end: None,
        }),
        (false, false) => {
            let (start, end) = (number(start)?, number(end)?);
            (start <= end).then_some(RangeRequest::From {
                start,
                end: Some(end),
            })
        }
        (true, true) => None,
    }
}

/// `inline` or `attachment`, with an ASCII `filename` (anything risky replaced by `_`) and
/// the exact name as RFC 6266's `filename*` when it is not plain ASCII.
pub(crate) fn content_disposition(disposition: Disposition, filename: &str) -> String {
    let kind = match disposition {
        Disposition::Inline => "inline",
        Disposition::Attachment => "attachment",
    };
    let fallback: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | ';' | '/' | '%') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let fallback = match fallback.trim() {
        "" => "download".to_owned(),
        trimmed => trimmed.to_owned(),
    };
    if fallback == filename {
        return format!("{kind}; filename=\"{fallback}\"");
    }
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn range(value: &str) -> Option<RangeRequest> {
        range_of(
            &TestRequest::default()
                .insert_header((header::RANGE, value))
                .to_http_request(),
        )
    }

    #[test]
    fn single_byte_ranges_are_read_and_the_rest_ignored() {
        assert_eq!(
            range("bytes=0-9"),
            Some(RangeRequest::From {
                start: 0,
                end: Some(9)
            })
        );
        assert_eq!(
            range("bytes=5-"),
            Some(RangeRequest::From {
                start: 5,
                end: None
            })
        );
        assert_eq!(range("bytes=-3"), Some(RangeRequest::Suffix(3)));
        for ignored in [
            "bytes=0-1,4-5",
            "items=0-1",
            "bytes=9-2",
            "bytes=-",
            "bytes=a-b",
        ] {
            assert_eq!(range(ignored), None, "{ignored}");
        }
    }

    #[test]
    fn filenames_cannot_break_out_of_the_header() {
        assert_eq!(
            content_disposition(Disposition::Inline, "cat.png"),
            "inline; filename=\"cat.png\""
        );
        assert_eq!(
            content_disposition(Disposition::Attachment, "a\";b\r\nX: y.html"),
            "attachment; filename=\"a__b__X: y.html\"; filename*=UTF-8''a%22%3Bb%0D%0AX%3A%20y.html"
        );
        assert_eq!(
            content_disposition(Disposition::Attachment, "résumé.pdf"),
            "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
        );
    }
}
