//! A 25 MiB upload and download keep the server's resident memory growth under 8 MiB: the
//! bytes stream through, they are never held whole. The server runs in this test's process
//! (one test per process under nextest), storing on disk; VmRSS is read from
//! /proc/self/status.

use super::*;
use palaver_tests::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SIZE: usize = 25 * 1024 * 1024;
const ALLOWED_GROWTH_KIB: u64 = 8 * 1024;

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Uploads `SIZE` bytes generated chunk by chunk over a raw connection (the client holds
/// 64 KiB at a time); returns the answer's head and body.
async fn upload_streamed(server: &TestServer, token: &str) -> String {
    let address = server.base_url.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let preamble =
        "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n";
    let ending = "\r\n--b0undary--\r\n";
    let length = preamble.len() + SIZE + ending.len();
    let head = format!(
        "POST /api/attachments HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=b0undary\r\nContent-Length: {length}\r\n\
         Connection: close\r\n\r\n{preamble}"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let piece: Vec<u8> = (0..64 * 1024).map(|i| (i % 253) as u8).collect();
    for _ in 0..SIZE / piece.len() {
        stream.write_all(&piece).await.unwrap();
    }
    stream.write_all(ending.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test]
async fn a_25_mib_upload_and_download_stream_through_without_growing_memory_by_8_mib() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().display());
    let server = TestServer::start_with(&[("PALAVER__STORAGE__URL", &url)]).await;
    let ada = server.register("ada").await;
    // Warm up every path once (allocator arenas, pools, lazy statics).
    let warm = uploaded(&server, &ada, "warm.bin", &[5u8; 300_000]).await;
    fetch(
        &server,
        &ada,
        &format!("/api/attachments/{warm}/content"),
        &[],
    )
    .await;

    let before = resident_kib();
    let answer = upload_streamed(&server, &ada.access_token).await;
    let after_upload = resident_kib();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let body = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    let attachment: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(attachment["size"], SIZE);
    let id = attachment["id"].as_str().unwrap();

    let mut response = reqwest::Client::new()
        .get(server.url(&format!("/api/attachments/{id}/content")))
        .bearer_auth(&ada.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut received = 0usize;
    while let Some(chunk) = response.chunk().await.unwrap() {
        received += chunk.len();
    }
    let after_download = resident_kib();
    assert_eq!(received, SIZE);
    eprintln!(
        "VmRSS: {before} KiB before, {after_upload} after the upload, {after_download} after the download"
    );
    assert!(
        after_upload.saturating_sub(before) < ALLOWED_GROWTH_KIB,
        "the upload grew memory by {} KiB",
        after_upload - before
    );
    assert!(
        after_download.saturating_sub(after_upload) < ALLOWED_GROWTH_KIB,
        "the download grew memory by {} KiB",
        after_download - after_upload
    );
}
