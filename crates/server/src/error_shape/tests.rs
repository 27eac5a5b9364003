//! The rewriter through the stream, with the dispatcher's writes split at every byte and a
//! socket taking only a few bytes at a time.

use super::{AppResponses, ShapedStream};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};

/// A socket that accepts at most `per_write` bytes a call.
struct Socket {
    written: Vec<u8>,
    per_write: usize,
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let taken = buf.len().min(this.per_write);
        this.written.extend_from_slice(&buf[..taken]);
        Poll::Ready(Ok(taken))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

const BAD_REQUEST: &str = "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\ndate: Sun, 29 Nov 2026 10:00:00 GMT\r\n\r\n";
const BAD_REQUEST_SHAPED_BODY: &str = r#"{"error":{"code":"validation_failed","message":"the request line or a header is malformed"}}"#;

fn shaped_bad_request() -> String {
    format!(
        "HTTP/1.1 400 Bad Request\r\nconnection: close\r\ndate: Sun, 29 Nov 2026 10:00:00 GMT\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{BAD_REQUEST_SHAPED_BODY}",
        BAD_REQUEST_SHAPED_BODY.len()
    )
}

/// Writes `bytes` as two writes split at `split`, through a socket taking `per_write` bytes
/// a call, after noting the given application responses; returns what reached the socket.
async fn through(bytes: &[u8], split: usize, per_write: usize, app: &[bool]) -> Vec<u8> {
    let mut stream = ShapedStream::new(Socket {
        written: Vec::new(),
        per_write,
    });
    let responses: AppResponses = stream.app_responses();
    for &head_request in app {
        responses.expect(head_request);
    }
    stream.write_all(&bytes[..split]).await.unwrap();
    stream.write_all(&bytes[split..]).await.unwrap();
    stream.flush().await.unwrap();
    stream.shutdown().await.unwrap();
    stream.get_ref().written.clone()
}

/// Every split and socket size gives `expected`.
async fn check(input: &str, app: &[bool], expected: &str) {
    for per_write in [1, 3, 64, usize::MAX] {
        for split in 0..=input.len() {
            let written = through(input.as_bytes(), split, per_write, app).await;
            assert_eq!(
                String::from_utf8_lossy(&written),
                expected,
                "split at {split}, {per_write} bytes a write"
            );
        }
    }
}

const APP_OK: &str =
    "HTTP/1.1 200 OK\r\ncontent-length: 11\r\ncontent-type: application/json\r\n\r\n{\"ok\":true}";
const APP_NOT_FOUND_TO_HEAD: &str =
    "HTTP/1.1 404 Not Found\r\ncontent-length: 57\r\ncontent-type: application/json\r\n\r\n";
const APP_NO_CONTENT: &str = "HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n";
const APP_EMPTY_CLIENT_ERROR: &str = "HTTP/1.1 409 Conflict\r\ncontent-length: 0\r\n\r\n";

#[tokio::test]
async fn the_dispatchers_empty_error_gets_the_error_body() {
    check(BAD_REQUEST, &[], &shaped_bad_request()).await;
}

#[tokio::test]
async fn a_too_large_head_keeps_its_status_and_says_why() {
    let input = "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    let body = r#"{"error":{"code":"validation_failed","message":"the request line and headers are too large"}}"#;
    let expected = format!(
        "HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    check(input, &[], &expected).await;
}

#[tokio::test]
async fn the_applications_responses_pass_unchanged_before_the_dispatchers_error() {
    let input = format!("{APP_OK}{APP_NO_CONTENT}{APP_EMPTY_CLIENT_ERROR}{BAD_REQUEST}");
    let expected = format!(
        "{APP_OK}{APP_NO_CONTENT}{APP_EMPTY_CLIENT_ERROR}{}",
        shaped_bad_request()
    );
    check(&input, &[false, false, false], &expected).await;
}

#[tokio::test]
async fn an_empty_error_the_application_owes_is_never_rewritten() {
    // The ledger notes one response more than was seen (framing lost): nothing is rewritten.
    let input = format!("{APP_OK}{BAD_REQUEST}");
    check(&input, &[false, false], &input).await;
}

#[tokio::test]
async fn after_an_answer_to_head_with_a_length_nothing_is_changed() {
    // The codec may or may not have sent the body: the stream is no longer followed.
    let input = format!("{APP_NOT_FOUND_TO_HEAD}{BAD_REQUEST}");
    check(&input, &[true], &input).await;
    let with_body = format!("{APP_NOT_FOUND_TO_HEAD}{}{BAD_REQUEST}", "x".repeat(57));
    check(&with_body, &[true], &with_body).await;
}

#[tokio::test]
async fn a_continue_before_the_applications_response_is_not_taken_for_it() {
    let input = format!("HTTP/1.1 100 Continue\r\n\r\n{APP_EMPTY_CLIENT_ERROR}{BAD_REQUEST}");
    let expected = format!(
        "HTTP/1.1 100 Continue\r\n\r\n{APP_EMPTY_CLIENT_ERROR}{}",
        shaped_bad_request()
    );
    check(&input, &[false], &expected).await;
}

#[tokio::test]
async fn after_a_protocol_switch_nothing_is_read_or_changed() {
    let input = format!(
        "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n\u{81}\u{5}{BAD_REQUEST}"
    );
    check(&input, &[false], &input).await;
}

#[tokio::test]
async fn after_a_chunked_body_nothing_is_changed() {
    let input = format!(
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n{BAD_REQUEST}"
    );
    check(&input, &[false], &input).await;
}

#[tokio::test]
async fn bytes_that_are_not_a_response_pass_unchanged() {
    let input = "not a response\r\n\r\nHTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
    check(input, &[], input).await;
}
