//! Requests the HTTP/1 parser refuses before any route runs still get the error shape, over a
//! raw socket; the application's own responses on the same connections are left as they are.

use palaver_tests::TestServer;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response read off the socket.
struct RawResponse {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.split("\r\n").skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// The contract's error shape with `code`, served as JSON.
    fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.head);
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{}",
            self.head
        );
        let body = self.json();
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|message| !message.is_empty()),
            "{body}"
        );
    }
}

async fn connect(server: &TestServer) -> TcpStream {
    TcpStream::connect(server.base_url.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads one response; `to_head` says it answers a HEAD request (no body whatever its length).
async fn read_response(
    socket: &mut TcpStream,
    pending: &mut Vec<u8>,
    to_head: bool,
) -> RawResponse {
    let head_end = loop {
        if let Some(at) = pending.windows(4).position(|window| window == b"\r\n\r\n") {
            break at + 4;
        }
        let mut chunk = [0; 4096];
        let read = socket.read(&mut chunk).await.unwrap();
        assert!(
            read > 0,
            "the connection ended before a response: {pending:?}"
        );
        pending.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8(pending.drain(..head_end).collect()).unwrap();
    let status = head[9..12]
        .parse()
        .unwrap_or_else(|_| panic!("not a status line: {head:?}"));
    let mut response = RawResponse {
        status,
        head,
        body: Vec::new(),
    };
    let length: usize = match response.header("content-length") {
        Some(length) if !to_head => length.parse().unwrap(),
        _ => 0,
    };
    while pending.len() < length {
        let mut chunk = [0; 4096];
        let read = socket.read(&mut chunk).await.unwrap();
        assert!(read > 0, "the connection ended inside a body");
        pending.extend_from_slice(&chunk[..read]);
    }
    response.body = pending.drain(..length).collect();
    response
}

/// Sends `request` on a fresh connection and reads the one response.
async fn exchange(server: &TestServer, request: &[u8]) -> RawResponse {
    let mut socket = connect(server).await;
    let (mut reading, mut writing) = socket.split();
    // The server may answer and close before taking all of a huge request: write and read
    // at once, and let the write fail.
    let write = async {
        let _ = writing.write_all(request).await;
    };
    let read = async {
        let mut received = Vec::new();
        let _ = reading.read_to_end(&mut received).await;
        received
    };
    let ((), received) = tokio::join!(write, read);
    let mut pending = received;
    let head_end = pending
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map(|at| at + 4)
        .unwrap_or_else(|| panic!("no response head in {pending:?}"));
    let head = String::from_utf8(pending.drain(..head_end).collect()).unwrap();
    RawResponse {
        status: head[9..12].parse().unwrap(),
        head,
        body: pending,
    }
}

#[tokio::test]
async fn a_200_kb_url_is_refused_in_the_error_shape() {
    let server = TestServer::start().await;
    let request = format!(
        "GET /api/users?q={} HTTP/1.1\r\nHost: palaver\r\n\r\n",
        "a".repeat(200 * 1024)
    );
    let response = exchange(&server, request.as_bytes()).await;
    response.assert_error(431, "validation_failed");
    assert_eq!(
        response.header("content-length"),
        Some(response.body.len().to_string().as_str())
    );
}

#[tokio::test]
async fn a_malformed_header_line_is_refused_in_the_error_shape() {
    let server = TestServer::start().await;
    let response = exchange(
        &server,
        b"GET /readyz HTTP/1.1\r\nHost: palaver\r\nthis is not a header\r\n\r\n",
    )
    .await;
    response.assert_error(400, "validation_failed");
}

#[tokio::test]
async fn a_malformed_request_line_is_refused_in_the_error_shape() {
    let server = TestServer::start().await;
    let response = exchange(&server, b"GET /readyz HTTP/9 x\r\nHost: palaver\r\n\r\n").await;
    response.assert_error(400, "validation_failed");
}

#[tokio::test]
async fn the_applications_answers_pass_unchanged_before_a_refused_head() {
    let server = TestServer::start().await;
    let owner = server.register("ada").await;
    let member = server.register("bob").await;
    let conversation = server
        .create_conversation(&owner, "group", &[&member])
        .await;
    let mut socket = connect(&server).await;
    let token = &owner.access_token;
    let requests = format!(
        "GET /readyz HTTP/1.1\r\nHost: palaver\r\n\r\n\
         DELETE /api/conversations/{conversation} HTTP/1.1\r\nHost: palaver\r\nAuthorization: Bearer {token}\r\n\r\n\
         GET /api/users/me HTTP/1.1\r\nHost: palaver\r\n\r\n\
         GET /readyz HTTP/1.1\r\nHost: palaver\r\nnot a header\r\n\r\n"
    );
    socket.write_all(requests.as_bytes()).await.unwrap();
    let mut pending = Vec::new();

    let ready = read_response(&mut socket, &mut pending, false).await;
    assert_eq!(ready.status, 200, "{}", ready.head);

    let deleted = read_response(&mut socket, &mut pending, false).await;
    assert_eq!(deleted.status, 204, "{}", deleted.head);
    assert!(deleted.header("content-type").is_none(), "{}", deleted.head);
    assert!(deleted.body.is_empty());

    let unauthenticated = read_response(&mut socket, &mut pending, false).await;
    assert_eq!(unauthenticated.status, 401, "{}", unauthenticated.head);
    assert_eq!(unauthenticated.json()["error"]["code"], "unauthorized");

    let refused = read_response(&mut socket, &mut pending, false).await;
    refused.assert_error(400, "validation_failed");
    let after = server
        .get(&format!("/api/conversations/{conversation}"), Some(token))
        .await;
    assert_eq!(after.status, 404, "the DELETE ran");
}

#[tokio::test]
async fn an_answer_to_head_is_left_as_it_is() {
    let server = TestServer::start().await;
    let mut socket = connect(&server).await;
    let mut pending = Vec::new();
    socket
        .write_all(b"HEAD /api/no-such-route HTTP/1.1\r\nHost: palaver\r\n\r\n")
        .await
        .unwrap();
    let head = read_response(&mut socket, &mut pending, true).await;
    assert_eq!(head.status, 404, "{}", head.head);
    assert_eq!(head.header("content-type"), Some("application/json"));
    let declared: usize = head.header("content-length").unwrap().parse().unwrap();
    assert!(
        declared > 0,
        "the length of the body a GET would get: {}",
        head.head
    );

    // No body came with it: the next response on the connection starts right away.
    socket
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: palaver\r\n\r\n")
        .await
        .unwrap();
    let ready = read_response(&mut socket, &mut pending, false).await;
    assert_eq!(ready.status, 200, "{}: {:?}", ready.head, ready.body);
}

#[tokio::test]
async fn a_websocket_works_after_the_upgrade() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let mut client = server.connect(&ada).await;
    for round in 0..3 {
        let client_id = format!("p-{round}");
        client
            .send_json(json!({ "type": "ping", "client_id": client_id }))
            .await;
        let pong = client.next_of("pong").await;
        assert_eq!(pong["client_id"], json!(client_id));
    }
}

#[tokio::test]
async fn a_head_that_never_ends_is_answered_in_the_error_shape() {
    let server = TestServer::start().await;
    // The request line arrives, the rest never does: the server gives up after its
    // request timeout and says so.
    let response = exchange(&server, b"GET /readyz HTTP/1.1\r\nHost: palaver\r\n").await;
    response.assert_error(408, "validation_failed");
}

/// Any request with `Upgrade: websocket` goes to the server's upgrade path, whatever its
/// route: it gets the route's own answer, whole (a large document streamed, not cut), and
/// the connection then closes.
#[tokio::test]
async fn an_upgrade_header_on_an_ordinary_route_gets_that_routes_answer_then_a_close() {
    let server = TestServer::start().await;
    let plain = plain_get(&server, "/api/openapi.json").await;
    let upgraded = exchange(
        &server,
        b"GET /api/openapi.json HTTP/1.1\r\nHost: palaver\r\nConnection: Upgrade\r\n\
          Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    )
    .await;
    assert_eq!(upgraded.status, 200, "{}", upgraded.head);
    assert_eq!(upgraded.header("connection"), Some("close"));
    assert!(
        upgraded.header("x-request-id").is_some(),
        "the middleware ran"
    );
    assert_eq!(upgraded.json(), plain.json());

    let refused = exchange(
        &server,
        b"GET /api/ws?access_token=forged HTTP/1.1\r\nHost: palaver\r\nConnection: Upgrade\r\n\
          Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    )
    .await;
    refused.assert_error(401, "unauthorized");
}

/// The same document asked for the ordinary way, on a connection of its own.
async fn plain_get(server: &TestServer, path: &str) -> RawResponse {
    let mut socket = connect(server).await;
    let request = format!("GET {path} HTTP/1.1\r\nHost: palaver\r\n\r\n");
    socket.write_all(request.as_bytes()).await.unwrap();
    read_response(&mut socket, &mut Vec::new(), false).await
}
