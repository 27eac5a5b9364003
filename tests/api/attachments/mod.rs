//! Attachments over HTTP: upload, download, access, posting with messages, deletion and
//! collection, memory use.

mod access;
mod collection;
mod limits;
mod memory;
mod posting;
mod transfer;

use palaver_tests::{Account, Reply, TestServer};
use serde_json::Value;

/// A 2 x 1 PNG.
pub fn png() -> Vec<u8> {
    let image = image::RgbImage::from_pixel(2, 1, image::Rgb([10, 200, 30]));
    let mut out = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A multipart/form-data body with one part `file`, and its content type.
pub fn multipart(filename: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "palaver-test-boundary-7d1f";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn upload(server: &TestServer, who: &Account, filename: &str, bytes: &[u8]) -> Reply {
    let (content_type, body) = multipart(filename, bytes);
    let response = reqwest::Client::new()
        .post(server.url("/api/attachments"))
        .bearer_auth(&who.access_token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
    }
}

/// Uploads and returns the attachment's id, asserting a 201.
pub async fn uploaded(server: &TestServer, who: &Account, filename: &str, bytes: &[u8]) -> String {
    let reply = upload(server, who, filename, bytes).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    reply.body["id"].as_str().unwrap().to_owned()
}

/// A raw GET: status, headers and the body's bytes.
pub async fn fetch(
    server: &TestServer,
    who: &Account,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = reqwest::Client::new()
        .get(server.url(path))
        .bearer_auth(&who.access_token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

pub fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("<absent>")
}
