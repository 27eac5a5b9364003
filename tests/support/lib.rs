//! The black-box harness: the real server on port 0 with a fresh database (SQLite, or the
//! server named by PALAVER_TEST_DATABASE_URL) and a throwaway SMTP server catching its mail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use palaver_domain::user::{Role, Username};
use palaver_mailer::testing::{ReceivedMail, SmtpSink};
use palaver_migrations::testing::TestDatabase;
use palaver_server::{RunningServer, Signals};
use palaver_settings::{Settings, Sources};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

pub use serde_json;

pub mod notifications;
pub mod ws;

pub use ws::{Ended, WsClient};

/// The password every test account gets.
pub const PASSWORD: &str = "correct horse battery";

pub struct TestServer {
    pub base_url: String,
    pub settings: Settings,
    client: reqwest::Client,
    server: RunningServer,
    mail: tokio::sync::Mutex<SmtpSink>,
    database: TestDatabase,
}

/// One HTTP answer: status, headers and the body parsed as JSON (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The error code of an error reply.
    pub fn code(&self) -> &str {
        self.body["error"]["code"]
            .as_str()
            .unwrap_or("<no error code>")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A registered account and its session's tokens.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Starts a server with extra `PALAVER__...` settings on top of the test defaults.
    pub async fn start_with(overrides: &[(&str, &str)]) -> Self {
        let database = TestDatabase::create().await;
        let sink = SmtpSink::start().await.expect("starting the SMTP sink");
        let port = sink.addr.port().to_string();
        let mut variables: Vec<(String, String)> = [
            ("PALAVER__SERVER__BIND", "127.0.0.1:0"),
            ("PALAVER__DATABASE__URL", database.url()),
            ("PALAVER__DATABASE__MIGRATE_ON_START", "false"),
            ("PALAVER__MAIL__TRANSPORT", "smtp"),
            ("PALAVER__MAIL__SMTP__HOST", "127.0.0.1"),
            ("PALAVER__MAIL__SMTP__PORT", &port),
            ("PALAVER__MAIL__SMTP__TLS", "none"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        // PALAVER_TEST_PUBSUB_URL runs the server on a cluster bus (Redis or NATS), on a
        // namespace of its own so that parallel tests do not hear each other.
        if let Ok(bus) = std::env::var("PALAVER_TEST_PUBSUB_URL")
            && !bus.is_empty()
        {
            variables.push(("PALAVER__PUBSUB__URL".into(), bus));
            variables.push((
                "PALAVER__PUBSUB__NAMESPACE".into(),
                format!("test-{}", uuid::Uuid::new_v4().simple()),
            ));
        }
        variables.extend(
            overrides
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let settings = Settings::load_from(Sources {
            environment: "test".into(),
            config_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../config")),
            variables,
        })
        .expect("test settings");
        let server = palaver_server::start(&settings, Signals::Ignore)
            .await
            .expect("starting the server");
        Self {
            base_url: format!("http://{}", server.address),
            settings,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                // Never reuse a connection the server may be closing: its keep-alive is
                // 5 s, and a request sent on a connection as the server's FIN arrives
                // fails (a POST is not retried), as once under a loaded CI run.
                .pool_idle_timeout(Duration::from_secs(2))
                .build()
                .unwrap(),
            server,
            mail: tokio::sync::Mutex::new(sink),
            database,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The gateway's address with the token in the query.
    pub fn ws_url(&self, token: &str) -> String {
        format!(
            "ws://{}/api/ws?access_token={token}",
            self.base_url.trim_start_matches("http://")
        )
    }

    /// Opens a WebSocket as `account` and reads its `ready` frame.
    pub async fn connect(&self, account: &Account) -> WsClient {
        let mut client = ws::connect(&self.ws_url(&account.access_token), None)
            .await
            .unwrap_or_else(|status| panic!("upgrade refused with {status}"));
        let ready = client.next().await;
        assert_eq!(ready["type"], "ready", "the first frame: {ready}");
        client
    }

    /// Removes the server's database under it (deletes the SQLite file, drops the
    /// server's database), as an operator's mistake or a lost disk would.
    pub fn remove_database(&self) {
        self.database.remove_now();
    }

    /// Stops the server gracefully, as SIGTERM does.
    pub async fn stop(self) {
        self.server.stop().await.expect("stopping the server");
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Self::reply(request.send().await.expect("request failed")).await
    }

    /// Sends a raw body with the given content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        let request = self
            .client
            .request(method, self.url(path))
            .header("content-type", content_type)
            .body(body);
        Self::reply(request.send().await.expect("request failed")).await
    }

    async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("reading the body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!(
                    "non-JSON body (status {status}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Like [`get`](Self::get), owning its arguments (handy in closures).
    pub async fn get_owned(&self, path: String, token: String) -> Reply {
        self.get(&path, Some(&token)).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// Registers `username` with [`PASSWORD`] and an email of `<username>@example.org`.
    pub async fn register(&self, username: &str) -> Account {
        let reply = self
            .post(
                "/api/auth/register",
                None,
                json!({
                    "username": username,
                    "password": PASSWORD,
                    "email": format!("{username}@example.org"),
                }),
            )
            .await;
        assert_eq!(
            reply.status, 201,
            "registering {username}: {:?}",
            reply.body
        );
        account_from(&reply.body)
    }

    pub async fn login(&self, login: &str, password: &str) -> Reply {
        self.post(
            "/api/auth/login",
            None,
            json!({ "username": login, "password": password }),
        )
        .await
    }

    /// Makes an account a global admin, as `palaver-server grant-admin` does.
    pub async fn grant_admin(&self, account: &Account) {
        self.server
            .components()
            .set_global_role
            .execute(&Username::parse(&account.username).unwrap(), Role::Admin)
            .await
            .expect("granting admin");
    }

    /// The next mail the server sent, if one arrives within a few seconds.
    pub async fn next_mail(&self) -> Option<ReceivedMail> {
        self.mail
            .lock()
            .await
            .next_mail(Duration::from_secs(5))
            .await
    }

    /// Whether a mail arrives within a short while (for "nothing was sent").
    pub async fn mail_within(&self, wait: Duration) -> Option<ReceivedMail> {
        self.mail.lock().await.next_mail(wait).await
    }
}

impl TestServer {
    /// Creates a group or channel owned by `owner` with `members`; returns its id.
    pub async fn create_conversation(
        &self,
        owner: &Account,
        kind: &str,
        members: &[&Account],
    ) -> String {
        let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
        let reply = self
            .post(
                "/api/conversations",
                Some(&owner.access_token),
                json!({ "kind": kind, "name": format!("{kind} of {}", owner.username), "member_ids": ids }),
            )
            .await;
        assert_eq!(reply.status, 201, "creating a {kind}: {:?}", reply.body);
        reply.body["id"]
            .as_str()
            .expect("conversation id")
            .to_owned()
    }

    /// Sends a message; returns the reply (201 for a new message).
    pub async fn send(
        &self,
        from: &Account,
        conversation: &str,
        content: &str,
        client_id: Option<&str>,
    ) -> Reply {
        let mut body = json!({ "content": content });
        if let Some(client_id) = client_id {
            body["client_id"] = json!(client_id);
        }
        self.post(
            &format!("/api/conversations/{conversation}/messages"),
            Some(&from.access_token),
            body,
        )
        .await
    }

    /// The conversation's events after `after_seq`, as JSON values.
    pub async fn events(&self, reader: &Account, conversation: &str, after_seq: i64) -> Vec<Value> {
        let reply = self
            .get(
                &format!(
                    "/api/conversations/{conversation}/events?after_seq={after_seq}&limit=200"
                ),
                Some(&reader.access_token),
            )
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        reply.body["items"].as_array().expect("items").clone()
    }
}

pub fn account_from(session: &Value) -> Account {
    Account {
        id: session["user"]["id"].as_str().expect("user id").to_owned(),
        username: session["user"]["username"]
            .as_str()
            .expect("username")
            .to_owned(),
        access_token: session["access_token"]
            .as_str()
            .expect("access token")
            .to_owned(),
        refresh_token: session["refresh_token"]
            .as_str()
            .expect("refresh token")
            .to_owned(),
    }
}
