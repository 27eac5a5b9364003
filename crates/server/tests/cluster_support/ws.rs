//! A WebSocket client for the cluster tests. A background task reads the connection all the
//! time (answering the server's pings, so that a test busy elsewhere never looks like a dead
//! client) and queues every text frame; the test picks frames by predicate, and frames it did
//! not ask for yet stay queued for later questions.

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// How long a test waits for a frame it expects: generous, the machine may be busy.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(15);

/// What the reading task reports.
enum Incoming {
    Frame(Value),
    /// The connection ended: a close frame (with its code) or a broken stream.
    Ended(String),
}

pub struct WsClient {
    /// Who this is, for failure messages ("ada's phone on A").
    pub label: String,
    outgoing: Option<mpsc::UnboundedSender<Message>>,
    incoming: mpsc::UnboundedReceiver<Incoming>,
    /// Frames received but not yet asked for, in arrival order.
    pending: VecDeque<Value>,
    ended: Option<String>,
    task: tokio::task::JoinHandle<()>,
}

impl WsClient {
    /// Connects to `url` (`ws://.../api/ws?access_token=...`) and reads the `ready` frame.
    pub async fn connect(url: &str, label: &str) -> WsClient {
        Self::connect_with(url, label, None).await
    }

    /// Like [`connect`](Self::connect), through `tls` for `wss://` URLs (a connector that
    /// trusts a test certificate).
    pub async fn connect_with(
        url: &str,
        label: &str,
        tls: Option<tokio_tungstenite::Connector>,
    ) -> WsClient {
        let connecting = tokio_tungstenite::connect_async_tls_with_config(url, None, false, tls);
        let (mut stream, _) = tokio::time::timeout(FRAME_TIMEOUT, connecting)
            .await
            .unwrap_or_else(|_| panic!("{label}: no WebSocket upgrade within {FRAME_TIMEOUT:?}"))
            .unwrap_or_else(|error| panic!("{label}: connecting to {url}: {error}"));
        let (to_task, mut outgoing) = mpsc::unbounded_channel::<Message>();
        let (from_task, incoming) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    message = stream.next() => match message {
                        Some(Ok(Message::Text(text))) => {
                            let frame = serde_json::from_str(&text)
                                .unwrap_or_else(|_| Value::String(format!("not JSON: {text}")));
                            let _ = from_task.send(Incoming::Frame(frame));
                        }
                        Some(Ok(Message::Close(frame))) => {
                            let code = frame.map_or(1005, |f| u16::from(f.code));
                            let _ = from_task.send(Incoming::Ended(format!("closed by the server with code {code}")));
                            return;
                        }
                        Some(Ok(_)) => {}
                        Some(Err(error)) => {
                            let _ = from_task.send(Incoming::Ended(format!("broken: {error}")));
                            return;
                        }
                        None => {
                            let _ = from_task.send(Incoming::Ended("ended without a close frame".into()));
                            return;
                        }
                    },
                    message = outgoing.recv() => match message {
                        Some(message) => {
                            if let Err(error) = stream.send(message).await {
                                let _ = from_task.send(Incoming::Ended(format!("sending failed: {error}")));
                                return;
                            }
                        }
                        None => {
                            // The client closes: say so, and wait for the server's answer.
                            let _ = stream.close(None).await;
                            let _ = tokio::time::timeout(Duration::from_secs(5), async {
                                while let Some(Ok(_)) = stream.next().await {}
                            })
                            .await;
                            return;
                        }
                    },
                }
            }
        });
        let mut client = WsClient {
            label: label.to_owned(),
            outgoing: Some(to_task),
            incoming,
            pending: VecDeque::new(),
            ended: None,
            task,
        };
        let ready = client.next_where("ready", FRAME_TIMEOUT, |_| true).await;
        assert_eq!(ready["type"], "ready", "{label}: the first frame: {ready}");
        client
    }

    pub fn send_json(&self, frame: Value) {
        self.outgoing
            .as_ref()
            .expect("the client is open")
            .send(Message::text(frame.to_string()))
            .unwrap_or_else(|_| panic!("{}: the connection is gone", self.label));
    }

    /// The first frame (queued or still to come within `wait`) that `matches`, taken out
    /// of the queue; `None` if none comes in time. Panics if the connection ends first.
    pub async fn try_next_where(
        &mut self,
        wait: Duration,
        matches: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        if let Some(index) = self.pending.iter().position(&matches) {
            return self.pending.remove(index);
        }
        let deadline = Instant::now() + wait;
        loop {
            if let Some(why) = &self.ended {
                panic!("{}: the connection {why}", self.label);
            }
            match tokio::time::timeout_at(deadline, self.incoming.recv()).await {
                Err(_) => return None,
                Ok(Some(Incoming::Frame(frame))) => {
                    if matches(&frame) {
                        return Some(frame);
                    }
                    self.pending.push_back(frame);
                }
                Ok(Some(Incoming::Ended(why))) => self.ended = Some(why),
                Ok(None) => self.ended = Some("reader stopped".into()),
            }
        }
    }

    /// Like [`try_next_where`](Self::try_next_where), panicking (naming `what`) when
    /// nothing matches within `wait`.
    pub async fn next_where(
        &mut self,
        what: &str,
        wait: Duration,
        matches: impl Fn(&Value) -> bool,
    ) -> Value {
        match self.try_next_where(wait, matches).await {
            Some(frame) => frame,
            None => panic!(
                "{}: no {what} within {wait:?}; frames received meanwhile: {:?}",
                self.label, self.pending
            ),
        }
    }

    /// Every frame of type `kind` already queued or arriving within `wait`.
    pub async fn collect_of(&mut self, kind: &str, wait: Duration) -> Vec<Value> {
        let deadline = Instant::now() + wait;
        let mut frames = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.try_next_where(left, |f| f["type"] == kind).await {
                Some(frame) => frames.push(frame),
                None => return frames,
            }
        }
    }

    /// Sends a command and waits for the `ack` or `error` with its `client_id`; frames that
    /// arrive meanwhile stay queued.
    pub async fn command(&mut self, frame: Value) -> Value {
        let client_id = frame["client_id"].clone();
        self.send_json(frame);
        self.next_where("answer to a command", FRAME_TIMEOUT, |f| {
            matches!(f["type"].as_str(), Some("ack" | "error")) && f["client_id"] == client_id
        })
        .await
    }

    /// Closes from the client side, cleanly, and waits for the server to answer.
    pub async fn close(mut self) {
        self.outgoing = None;
        let _ = tokio::time::timeout(Duration::from_secs(10), &mut self.task).await;
    }
}

impl Drop for WsClient {
    fn drop(&mut self) {
        self.task.abort();
    }
}
