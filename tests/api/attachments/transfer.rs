use super::*;
use palaver_tests::TestServer;

#[tokio::test]
async fn an_upload_comes_back_byte_for_byte_with_its_hash_and_safe_headers() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let reply = upload(&server, &ada, "data.bin", &bytes).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let body = &reply.body;
    assert_eq!(body["filename"], "data.bin");
    assert_eq!(body["size"], 300_000);
    assert_eq!(body["sha256"], sha256_hex(&bytes));
    assert_eq!(body["uploader_id"], ada.id.as_str());
    assert_eq!(body["content_type"], "application/octet-stream");
    assert_eq!(body["has_thumbnail"], false);
    assert!(body["width"].is_null());
    let id = body["id"].as_str().unwrap();

    let described = server
        .get(&format!("/api/attachments/{id}"), Some(&ada.access_token))
        .await;
    assert_eq!(described.status, 200);
    assert_eq!(&described.body, body);

    let (status, headers, content) = fetch(
        &server,
        &ada,
        &format!("/api/attachments/{id}/content"),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(sha256_hex(&content), sha256_hex(&bytes));
    assert_eq!(header(&headers, "content-length"), "300000");
    assert_eq!(header(&headers, "content-type"), "application/octet-stream");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(&headers, "etag"),
        format!("\"{}\"", sha256_hex(&bytes))
    );
    assert_eq!(
        header(&headers, "content-disposition"),
        "attachment; filename=\"data.bin\""
    );
    assert!(matches!(
        header(&headers, "content-encoding"),
        "<absent>" | "identity"
    ));

    // If-None-Match with its ETag: not modified.
    let etag = format!("\"{}\"", sha256_hex(&bytes));
    let (status, _, empty) = fetch(
        &server,
        &ada,
        &format!("/api/attachments/{id}/content"),
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(status, 304);
    assert!(empty.is_empty());
}

#[tokio::test]
async fn the_type_is_sniffed_from_the_bytes_and_html_is_never_shown_inline() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;

    let image = upload(&server, &ada, "not-a-picture.txt", &png()).await;
    assert_eq!(image.status, 201, "{:?}", image.body);
    assert_eq!(image.body["content_type"], "image/png");
    assert_eq!(image.body["filename"], "not-a-picture.txt");
    assert_eq!(
        (image.body["width"].as_u64(), image.body["height"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(image.body["has_thumbnail"], true);
    let id = image.body["id"].as_str().unwrap();
    let (status, headers, thumbnail) = fetch(
        &server,
        &ada,
        &format!("/api/attachments/{id}/thumbnail"),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "image/png");
    assert_eq!(&thumbnail[..8], b"\x89PNG\r\n\x1a\n");
    let (_, headers, _) = fetch(
        &server,
        &ada,
        &format!("/api/attachments/{id}/content"),
        &[],
    )
    .await;
    assert_eq!(header(&headers, "content-type"), "image/png");
    assert!(header(&headers, "content-disposition").starts_with("inline;"));

    let page = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>";
    let html = upload(&server, &ada, "cute-cat.png", page).await;
    assert_eq!(html.status, 201);
    assert_eq!(html.body["content_type"], "text/html");
    assert_eq!(html.body["has_thumbnail"], false);
    let id = html.body["id"].as_str().unwrap();
    let (_, headers, _) = fetch(
        &server,
        &ada,
        &format!("/api/attachments/{id}/content"),
        &[],
    )
    .await;
    assert_eq!(header(&headers, "content-type"), "text/html");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(&headers, "content-disposition"),
        "attachment; filename=\"cute-cat.png\""
    );
    // No thumbnail for what is not an image.
    let (status, _, body) = fetch(
        &server,
        &ada,
        &format!("/api/attachments/{id}/thumbnail"),
        &[],
    )
    .await;
    assert_eq!(status, 404);
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"]["code"], "not_found");

    // A non-ASCII name: an ASCII fallback and the exact name as filename*.
    let text = uploaded(&server, &ada, "résumé.txt", "plain words\n".as_bytes()).await;
    let (_, headers, _) = fetch(
        &server,
        &ada,
        &format!("/api/attachments/{text}/content"),
        &[],
    )
    .await;
    assert!(header(&headers, "content-type").starts_with("text/plain"));
    assert_eq!(
        header(&headers, "content-disposition"),
        "inline; filename=\"r_sum_.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"
    );
}

#[tokio::test]
async fn ranges_answer_206_and_a_range_past_the_end_416() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let bytes: Vec<u8> = (0..1000u32).map(|i| (i % 256) as u8).collect();
    let id = uploaded(&server, &ada, "r.bin", &bytes).await;
    let path = format!("/api/attachments/{id}/content");

    let (status, headers, part) = fetch(&server, &ada, &path, &[("range", "bytes=10-19")]).await;
    assert_eq!(status, 206);
    assert_eq!(part, bytes[10..20]);
    assert_eq!(header(&headers, "content-range"), "bytes 10-19/1000");
    assert_eq!(header(&headers, "content-length"), "10");

    let (status, headers, tail) = fetch(&server, &ada, &path, &[("range", "bytes=-5")]).await;
    assert_eq!(status, 206);
    assert_eq!(tail, bytes[995..]);
    assert_eq!(header(&headers, "content-range"), "bytes 995-999/1000");

    let (status, _, rest) = fetch(&server, &ada, &path, &[("range", "bytes=990-5000")]).await;
    assert_eq!(status, 206);
    assert_eq!(rest, bytes[990..]);

    let (status, headers, body) = fetch(&server, &ada, &path, &[("range", "bytes=1000-")]).await;
    assert_eq!(status, 416);
    assert_eq!(header(&headers, "content-range"), "bytes */1000");
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"]["code"], "range_not_satisfiable");
}
