//! palaver-baseline: a bare WebSocket room server (tokio-tungstenite, no persistence, no
//! accounts), the yardstick `make bench` measures Palaver against.
//!
//! A client joins its room with `GET /ws?room=<name>` and gets `{"type":"ready"}`. For each
//! `message.send` it gets an `ack` carrying the message's content, and everyone in the room
//! (the sender too) gets a `message.created` with it: the frames palaver-loadgen counts,
//! without the database. Each frame is serialised once and shared; each connection's
//! writer sends what is queued and flushes once the queue is empty; TCP_NODELAY is set;
//! read buffers are 4 KiB.

use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Each room's members: a connection id and its outbound queue.
type RoomMap = HashMap<String, Vec<(u64, mpsc::UnboundedSender<Message>)>>;
type Rooms = Arc<Mutex<RoomMap>>;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".to_owned());
    let listener = TcpListener::bind(&address).await?;
    println!("palaver-baseline listening on {address}");
    let rooms: Rooms = Arc::default();
    let mut next_id = 0u64;
    loop {
        let (tcp, _) = listener.accept().await?;
        next_id += 1;
        tokio::spawn(serve(tcp, rooms.clone(), next_id));
    }
}

// The handshake callback's error type is tungstenite's, large but not ours to change.
#[allow(clippy::result_large_err)]
async fn serve(tcp: TcpStream, rooms: Rooms, id: u64) {
    let _ = tcp.set_nodelay(true);
    let mut room = String::new();
    let capture = |request: &Request, response: Response| {
        room = request
            .uri()
            .query()
            .and_then(|query| query.split('&').find_map(|pair| pair.strip_prefix("room=")))
            .unwrap_or("lobby")
            .to_owned();
        Ok(response)
    };
    // A small read buffer, as a lean server would have (tungstenite's default is 128 KiB
    // per connection); the write buffer keeps its default, so that queued frames go out
    // in one write at each flush.
    let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
    let accepted = tokio_tungstenite::accept_hdr_async_with_config(tcp, capture, Some(config));
    let Ok(socket) = accepted.await else {
        return;
    };
    let (mut sink, mut stream) = socket.split();
    let (outbound, mut queue) = mpsc::unbounded_channel::<Message>();
    let _ = outbound.send(Message::text(r#"{"type":"ready"}"#));
    lock(&rooms)
        .entry(room.clone())
        .or_default()
        .push((id, outbound.clone()));
    let writer = tokio::spawn(async move {
        while let Some(first) = queue.recv().await {
            if sink.feed(first).await.is_err() {
                return;
            }
            while let Ok(next) = queue.try_recv() {
                if sink.feed(next).await.is_err() {
                    return;
                }
            }
            if sink.flush().await.is_err() {
                return;
            }
        }
    });
    while let Some(Ok(message)) = stream.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        if !text.contains(r#""type":"message.send""#) {
            continue;
        }
        let client_id = field(&text, r#""client_id":""#).unwrap_or("");
        let content = field(&text, r#""content":""#).unwrap_or("");
        let ack = format!(
            r#"{{"type":"ack","client_id":"{client_id}","message":{{"content":"{content}"}}}}"#
        );
        let _ = outbound.send(Message::text(ack));
        let created = Message::text(format!(
            r#"{{"type":"message.created","message":{{"content":"{content}"}}}}"#
        ));
        for (_, member) in lock(&rooms).get(&room).into_iter().flatten() {
            let _ = member.send(created.clone());
        }
    }
    if let Some(members) = lock(&rooms).get_mut(&room) {
        members.retain(|(member, _)| *member != id);
    }
    writer.abort();
}

fn lock(rooms: &Rooms) -> std::sync::MutexGuard<'_, RoomMap> {
    rooms.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A JSON string field's raw text, found by a substring search (no escapes in what the load
/// generator sends).
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let start = text.find(key)? + key.len();
    let end = text[start..].find('"')?;
    Some(&text[start..start + end])
}
