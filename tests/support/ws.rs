//! A WebSocket client for the black-box tests, over tokio-tungstenite.

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for a frame it expects.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(10);

pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How a connection ended, as the client saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// A close frame with this code.
    Closed(u16),
    /// The stream ended without a close frame.
    Dropped,
}

/// Connects to `url` (a `ws://` address) with an optional bearer header.
pub async fn connect(url: &str, bearer: Option<&str>) -> Result<WsClient, u16> {
    let mut request = url.into_client_request().expect("a WebSocket request");
    if let Some(token) = bearer {
        request.headers_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("a header value"),
        );
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((stream, _)) => Ok(WsClient { stream }),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(error) => panic!("connecting to {url}: {error}"),
    }
}

/// Connects to `url` with this `Authorization` header value (`Bot <token>` ...).
pub async fn connect_authorized(url: &str, authorization: &str) -> Result<WsClient, u16> {
    let mut request = url.into_client_request().expect("a WebSocket request");
    request.headers_mut().insert(
        "authorization",
        authorization.parse().expect("a header value"),
    );
    match tokio_tungstenite::connect_async(request).await {
        Ok((stream, _)) => Ok(WsClient { stream }),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(error) => panic!("connecting to {url}: {error}"),
    }
}

/// Connects over a socket with a tiny receive buffer, for a client that stops reading.
pub async fn connect_small_buffer(url: &str) -> WsClient {
    let address = url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .expect("host:port")
        .parse()
        .expect("a socket address");
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .set_recv_buffer_size(4096)
        .expect("a receive buffer size");
    let tcp = socket.connect(address).await.expect("connecting");
    let (stream, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(tcp))
        .await
        .expect("upgrading");
    WsClient { stream }
}

impl WsClient {
    pub async fn send_json(&mut self, frame: Value) {
        self.send(Message::text(frame.to_string())).await;
    }

    pub async fn send(&mut self, message: Message) {
        self.stream.send(message).await.expect("sending a frame");
    }

    /// The next text frame as JSON; panics if none comes in time or the connection ends.
    pub async fn next(&mut self) -> Value {
        match self.next_within(FRAME_TIMEOUT).await {
            Some(frame) => frame,
            None => panic!("no frame within {FRAME_TIMEOUT:?}"),
        }
    }

    /// The next text frame within `wait`, or `None`. Pings are answered on the way.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let message = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .ok()?;
            match message {
                Some(Ok(Message::Text(text))) => {
                    return Some(serde_json::from_str(&text).expect("a JSON frame"));
                }
                Some(Ok(Message::Close(frame))) => {
                    panic!("the server closed the connection: {frame:?}")
                }
                Some(Ok(_)) => continue,
                Some(Err(error)) => panic!("reading a frame: {error}"),
                None => panic!("the connection ended"),
            }
        }
    }

    /// The next frame of type `kind`, skipping others (presence, typing ...).
    pub async fn next_of(&mut self, kind: &str) -> Value {
        let deadline = tokio::time::Instant::now() + FRAME_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_within(left).await {
                Some(frame) if frame["type"] == kind => return frame,
                Some(_) => continue,
                None => panic!("no {kind} frame within {FRAME_TIMEOUT:?}"),
            }
        }
    }

    /// Frames of type `kind` that arrive within `wait` (others are skipped).
    pub async fn collect_of(&mut self, kind: &str, wait: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut frames = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_within(left).await {
                Some(frame) if frame["type"] == kind => frames.push(frame),
                Some(_) => continue,
                None => return frames,
            }
        }
    }

    /// Sends a command and returns the first `ack` or `error` that answers it.
    pub async fn command(&mut self, frame: Value) -> Value {
        let client_id = frame["client_id"].clone();
        self.send_json(frame).await;
        loop {
            let answer = self.next().await;
            if matches!(answer["type"].as_str(), Some("ack" | "error"))
                && answer["client_id"] == client_id
            {
                return answer;
            }
        }
    }

    /// Reads until the connection ends; text frames on the way are skipped.
    pub async fn ended(&mut self, wait: Duration) -> Ended {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let message = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .unwrap_or_else(|_| panic!("the connection was still open after {wait:?}"));
            match message {
                Some(Ok(Message::Close(frame))) => {
                    return Ended::Closed(frame.map_or(1005, |f: CloseFrame| f.code.into()));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Ended::Dropped,
            }
        }
    }

    /// Closes from the client side.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
        // Drain until the server's close arrives, so the server sees a clean close.
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Some(Ok(_)) = self.stream.next().await {}
        })
        .await;
    }
}
