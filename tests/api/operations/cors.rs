use palaver_tests::TestServer;
use reqwest::Method;
use serde_json::Value;

const ALLOWED: &str = "https://app.example.org";

async fn cors_server() -> TestServer {
    TestServer::start_with(&[(
        "PALAVER__SERVER__CORS_ORIGINS",
        "https://app.example.org, http://localhost:3000",
    )])
    .await
}

async fn preflight(server: &TestServer, origin: &str, method: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(Method::OPTIONS, server.url("/api/conversations"))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn an_allowed_origin_gets_a_cacheable_preflight_with_credentials() {
    let server = cors_server().await;
    let response = preflight(&server, ALLOWED, "POST").await;
    assert_eq!(response.status(), 204);
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some(ALLOWED)
    );
    assert_eq!(
        header(&response, "access-control-allow-credentials"),
        Some("true")
    );
    let methods = header(&response, "access-control-allow-methods").unwrap();
    assert!(
        methods.contains("POST") && methods.contains("PATCH"),
        "{methods}"
    );
    let headers = header(&response, "access-control-allow-headers").unwrap();
    assert!(
        headers.contains("authorization") && headers.contains("content-type"),
        "{headers}"
    );
    let max_age: u64 = header(&response, "access-control-max-age")
        .unwrap()
        .parse()
        .unwrap();
    assert!(max_age > 0);
    assert!(header(&response, "vary").unwrap().contains("Origin"));
    // The second listed origin is allowed too, and only exactly.
    assert_eq!(
        preflight(&server, "http://localhost:3000", "GET")
            .await
            .status(),
        204
    );
    assert_eq!(
        preflight(&server, "http://localhost:3001", "GET")
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn another_origin_is_refused_a_preflight_in_the_error_shape() {
    let server = cors_server().await;
    for origin in [
        "https://evil.example.org",
        "https://app.example.org.evil",
        "null",
    ] {
        let response = preflight(&server, origin, "POST").await;
        assert_eq!(response.status(), 403, "{origin}");
        assert_eq!(header(&response, "access-control-allow-origin"), None);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "forbidden", "{body}");
    }
}

#[tokio::test]
async fn actual_requests_carry_the_cors_headers_only_for_an_allowed_origin() {
    let server = cors_server().await;
    let ada = server.register("ada").await;
    let get = |origin: &'static str| {
        reqwest::Client::new()
            .get(server.url("/api/users/me"))
            .bearer_auth(&ada.access_token)
            .header("origin", origin)
            .send()
    };
    let allowed = get(ALLOWED).await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        Some(ALLOWED)
    );
    assert_eq!(
        header(&allowed, "access-control-allow-credentials"),
        Some("true")
    );
    let exposed = header(&allowed, "access-control-expose-headers").unwrap();
    assert!(exposed.contains("x-request-id"), "{exposed}");

    // Served (a same-origin page sends Origin too) but without the headers, so a browser
    // keeps the answer from a script on the other origin.
    let other = get("https://evil.example.org").await.unwrap();
    assert_eq!(other.status(), 200);
    assert_eq!(header(&other, "access-control-allow-origin"), None);
    assert_eq!(header(&other, "access-control-allow-credentials"), None);
    assert!(header(&other, "vary").unwrap().contains("Origin"));
}

#[tokio::test]
async fn by_default_only_the_same_origin_may_call() {
    let server = TestServer::start().await;
    let response = preflight(&server, ALLOWED, "GET").await;
    assert_eq!(response.status(), 403);
    assert_eq!(header(&response, "access-control-allow-origin"), None);
    let same_origin = reqwest::Client::new()
        .get(server.url("/healthz"))
        .header("origin", server.base_url.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), 200);
    assert_eq!(header(&same_origin, "access-control-allow-origin"), None);
    // An OPTIONS that is not a preflight is an ordinary request: 405 in the error shape.
    let plain_options = reqwest::Client::new()
        .request(Method::OPTIONS, server.url("/api/conversations"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain_options.status(), 405);
}
