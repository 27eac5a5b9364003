use palaver_tests::TestServer;

async fn request_id_of(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    sent: Option<&str>,
) -> String {
    let mut request = reqwest::Client::new().request(method, server.url(path));
    if let Some(id) = sent {
        request = request.header("x-request-id", id);
    }
    let response = request.send().await.unwrap();
    response
        .headers()
        .get("x-request-id")
        .unwrap_or_else(|| panic!("no X-Request-Id on {path} ({})", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_sane_request_id_comes_back_on_every_kind_of_answer() {
    let server = TestServer::start().await;
    for (method, path) in [
        (reqwest::Method::GET, "/healthz"),
        (reqwest::Method::GET, "/api/users/me"),   // 401
        (reqwest::Method::GET, "/no/such/route"),  // 404
        (reqwest::Method::PUT, "/api/auth/login"), // 405
        (reqwest::Method::GET, "/metrics"),
    ] {
        assert_eq!(
            request_id_of(&server, method, path, Some("abc")).await,
            "abc",
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_missing_or_unsafe_request_id_is_replaced_by_a_fresh_uuid() {
    let server = TestServer::start().await;
    let first = request_id_of(&server, reqwest::Method::GET, "/healthz", None).await;
    let second = request_id_of(&server, reqwest::Method::GET, "/healthz", None).await;
    assert!(uuid::Uuid::parse_str(&first).is_ok(), "{first}");
    assert_ne!(first, second);
    for unsafe_id in ["has spaces", "quote\"d", &"x".repeat(129)] {
        let id = request_id_of(&server, reqwest::Method::GET, "/healthz", Some(unsafe_id)).await;
        assert!(
            uuid::Uuid::parse_str(&id).is_ok(),
            "{unsafe_id:?} came back as {id}"
        );
    }
}
