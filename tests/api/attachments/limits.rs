//! 413 before the body is read whole: the client below never sends the whole body, and
//! still gets its answer.

use super::*;
use palaver_tests::TestServer;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the status line and headers of the answer are in.
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buffer))
            .await
            .expect("no answer while the body was still coming")
            .expect("reading the answer");
        assert!(read > 0, "closed without an answer");
        answer.extend_from_slice(&buffer[..read]);
    }
    String::from_utf8_lossy(&answer).into_owned()
}

fn request_head(server: &TestServer, token: &str, length: Option<u64>) -> String {
    let address = server.base_url.trim_start_matches("http://");
    let length = match length {
        Some(length) => format!("Content-Length: {length}\r\n"),
        None => "Transfer-Encoding: chunked\r\n".to_owned(),
    };
    format!(
        "POST /api/attachments HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=b0undary\r\n{length}\r\n"
    )
}

#[tokio::test]
async fn a_content_length_over_the_limit_is_refused_before_any_byte_is_read() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let address = server.base_url.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(address).await.unwrap();
    // 10 GB announced, none of it sent.
    let head = request_head(&server, &ada.access_token, Some(10_000_000_000));
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = read_answer(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[tokio::test]
async fn a_streamed_body_is_cut_off_as_soon_as_it_passes_the_limit() {
    let server = TestServer::start_with(&[("PALAVER__ATTACHMENTS__MAX_BYTES", "1048576")]).await;
    let ada = server.register("ada").await;
    let address = server.base_url.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(request_head(&server, &ada.access_token, None).as_bytes())
        .await
        .unwrap();
    let preamble =
        "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n";
    let chunk = |data: &[u8]| {
        let mut framed = format!("{:x}\r\n", data.len()).into_bytes();
        framed.extend_from_slice(data);
        framed.extend_from_slice(b"\r\n");
        framed
    };
    stream.write_all(&chunk(preamble.as_bytes())).await.unwrap();
    // 2 MiB of a body that never ends (no closing boundary, no last chunk): the server
    // must answer after a little more than 1 MiB.
    let piece = vec![7u8; 64 * 1024];
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        for _ in 0..32 {
            if writer.write_all(&chunk(&piece)).await.is_err() {
                break;
            }
        }
        writer
    });
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = tokio::time::timeout(Duration::from_secs(20), reader.read(&mut buffer))
            .await
            .expect("no answer while the body was still coming")
            .expect("reading the answer");
        assert!(read > 0, "closed without an answer");
        answer.extend_from_slice(&buffer[..read]);
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    writing.abort();
}

#[tokio::test]
async fn a_file_over_the_limit_in_a_body_of_honest_length_gets_413_and_is_not_kept() {
    let server = TestServer::start_with(&[("PALAVER__ATTACHMENTS__MAX_BYTES", "1000")]).await;
    let ada = server.register("ada").await;
    let refused = upload(&server, &ada, "big.bin", &[1u8; 1001]).await;
    assert_eq!(refused.status, 413, "{:?}", refused.body);
    assert_eq!(refused.code(), "payload_too_large");
    let fits = upload(&server, &ada, "fits.bin", &[1u8; 1000]).await;
    assert_eq!(fits.status, 201, "{:?}", fits.body);
}
