//! The bundled web client at `/`: its page, its hashed assets, their cache headers and the
//! content security policy, and that `/api` keeps its JSON errors beside it.

use palaver_tests::TestServer;
use reqwest::Method;

const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async fn fetch(server: &TestServer, method: Method, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(method, server.url(path))
        .send()
        .await
        .expect("request failed")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header"))
}

#[tokio::test]
async fn the_page_and_its_scripts_are_served_under_a_same_origin_policy() {
    let server = TestServer::start().await;
    let page = fetch(&server, Method::GET, "/").await;
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&page, "cache-control"), "no-cache");
    assert_eq!(header(&page, "content-security-policy"), CSP);
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    let html = page.text().await.unwrap();
    assert!(html.contains("<div id=\"app\"></div>"), "{html}");

    // Every file the page loads is same-origin, hashed and cached for good.
    let assets: Vec<&str> = html
        .split('"')
        .filter(|part| part.starts_with("/assets/"))
        .collect();
    assert!(assets.iter().any(|a| a.ends_with(".js")), "{html}");
    assert!(assets.iter().any(|a| a.ends_with(".css")), "{html}");
    for asset in assets {
        let file = fetch(&server, Method::GET, asset).await;
        assert_eq!(file.status(), 200, "{asset}");
        assert_eq!(
            header(&file, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        let kind = if asset.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert!(header(&file, "content-type").starts_with(kind), "{asset}");
        assert!(!file.bytes().await.unwrap().is_empty(), "{asset}");
    }

    let head = fetch(&server, Method::HEAD, "/").await;
    assert_eq!(head.status(), 200);
    assert_eq!(header(&head, "content-security-policy"), CSP);
}

#[tokio::test]
async fn unknown_files_and_api_routes_answer_the_json_error_shape() {
    let server = TestServer::start().await;
    for path in [
        "/assets/index-missing.js",
        "/api/nothing-here",
        "/api/",
        "/index.html",
    ] {
        let reply = server.get(path, None).await;
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.code(), "not_found", "{path}");
    }
    let post = server
        .raw(Method::POST, "/", "application/json", "{}")
        .await;
    assert_eq!(post.status, 405);
}
