//! For the notification tests: a local push service that records what it receives, a
//! browser's push keys that decrypt it, and restarting a server on the same database.

use crate::{Account, TestServer};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use palaver_server::Signals;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// One request as the push service received it.
#[derive(Debug, Clone)]
pub struct PushRequest {
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl PushRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A push service on 127.0.0.1 answering each request with the next planned status
/// (201 once the plan is used up).
pub struct PushService {
    pub origin: String,
    received: mpsc::UnboundedReceiver<PushRequest>,
    accept_loop: JoinHandle<()>,
}

impl PushService {
    pub async fn start(plan: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let (deliver, received) = mpsc::unbounded_channel();
        let plan = Arc::new(Mutex::new(plan.iter().copied().collect::<VecDeque<u16>>()));
        let accept_loop = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let deliver = deliver.clone();
                let plan = plan.clone();
                tokio::spawn(async move {
                    let (reader, mut writer) = stream.into_split();
                    let mut reader = BufReader::new(reader);
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
                        let mut headers = Vec::new();
                        loop {
                            let mut header = String::new();
                            if reader.read_line(&mut header).await.unwrap_or(0) == 0 {
                                return;
                            }
                            let header = header.trim_end();
                            if header.is_empty() {
                                break;
                            }
                            if let Some((name, value)) = header.split_once(':') {
                                headers.push((
                                    name.trim().to_ascii_lowercase(),
                                    value.trim().to_owned(),
                                ));
                            }
                        }
                        let length = headers
                            .iter()
                            .find(|(n, _)| n == "content-length")
                            .and_then(|(_, v)| v.parse::<usize>().ok())
                            .unwrap_or(0);
                        let mut body = vec![0; length];
                        if reader.read_exact(&mut body).await.is_err() {
                            return;
                        }
                        let status = plan.lock().unwrap().pop_front().unwrap_or(201);
                        let _ = deliver.send(PushRequest {
                            path,
                            headers,
                            body,
                        });
                        let answer = format!(
                            "HTTP/1.1 {status} Planned\r\ncontent-length: 0\r\nretry-after: 0\r\n\r\n"
                        );
                        if writer.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self {
            origin,
            received,
            accept_loop,
        }
    }

    /// The next request, if one arrives within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<PushRequest> {
        tokio::time::timeout(wait, self.received.recv())
            .await
            .ok()
            .flatten()
    }

    /// Every request received so far, without waiting.
    pub fn drain(&mut self) -> Vec<PushRequest> {
        let mut all = Vec::new();
        while let Ok(request) = self.received.try_recv() {
            all.push(request);
        }
        all
    }
}

impl Drop for PushService {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

/// A browser's side of one subscription: its key pair and auth secret.
pub struct BrowserKeys {
    secret: p256::SecretKey,
    auth: [u8; 16],
}

impl Default for BrowserKeys {
    fn default() -> Self {
        Self::new()
    }
}

impl BrowserKeys {
    pub fn new() -> Self {
        loop {
            if let Ok(secret) = p256::SecretKey::from_slice(&rand::random::<[u8; 32]>()) {
                return Self {
                    secret,
                    auth: rand::random(),
                };
            }
        }
    }

    pub fn p256dh(&self) -> String {
        URL_SAFE_NO_PAD.encode(
            self.secret
                .public_key()
                .as_affine()
                .to_encoded_point(false)
                .as_bytes(),
        )
    }

    pub fn auth(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.auth)
    }

    /// Decrypts an RFC 8291 body meant for this subscription and parses it as JSON.
    pub fn decrypt(&self, body: &[u8]) -> Value {
        let auth = web_push_native::Auth::from(self.auth);
        let plain = web_push_native::decrypt(body.to_vec(), &self.secret, &auth)
            .expect("the push body decrypts with the subscription's keys");
        assert!(plain.len() <= 4096, "payload of {} bytes", plain.len());
        serde_json::from_slice(&plain).expect("the payload is JSON")
    }
}

/// Checks the `Authorization: vapid t=..., k=...` of a push against `vapid_key` (the
/// server's public key, as `GET /api/push/vapid-public-key` gives it); returns the claims.
pub fn verify_vapid(request: &PushRequest, vapid_key: &str, audience: &str) -> Value {
    let header = request
        .header("authorization")
        .expect("an Authorization header");
    let rest = header.strip_prefix("vapid t=").expect("the vapid scheme");
    let (token, key) = rest.split_once(", k=").expect("t= and k=");
    assert_eq!(key, vapid_key, "k= is the server's VAPID public key");
    let public = URL_SAFE_NO_PAD.decode(vapid_key).unwrap();
    assert_eq!(public.len(), 65);
    let decoding = jsonwebtoken::DecodingKey::from_ec_components(
        &URL_SAFE_NO_PAD.encode(&public[1..33]),
        &URL_SAFE_NO_PAD.encode(&public[33..]),
    )
    .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "aud", "sub"]);
    jsonwebtoken::decode::<Value>(token, &decoding, &validation)
        .expect("the VAPID token verifies")
        .claims
}

impl TestServer {
    /// Subscribes `account` to pushes at `endpoint` with `keys`; returns the reply.
    pub async fn subscribe_push(
        &self,
        account: &Account,
        endpoint: &str,
        keys: &BrowserKeys,
    ) -> crate::Reply {
        self.post(
            "/api/push/subscriptions",
            Some(&account.access_token),
            json!({"endpoint": endpoint, "keys": {"p256dh": keys.p256dh(), "auth": keys.auth()}}),
        )
        .await
    }

    /// Stops this server and starts another on the same database, settings and mail
    /// sink, as a restart (or another node taking over) would. Sessions stay valid.
    pub async fn restart(self) -> TestServer {
        let TestServer {
            settings,
            client,
            server,
            mail,
            database,
            ..
        } = self;
        server.stop().await.expect("stopping the server");
        let server = palaver_server::start(&settings, Signals::Ignore)
            .await
            .expect("starting the server again");
        TestServer {
            base_url: format!("http://{}", server.address),
            settings,
            client,
            server,
            mail,
            database,
        }
    }
}
