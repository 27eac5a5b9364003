//! A frame header declaring more than `realtime.max_frame_bytes` closes the connection
//! with 1009 as soon as the header is in, without waiting for a payload that may never
//! come (the heartbeat here is set to minutes, so only the size check can close it).

use super::helpers::server_with;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Opens a WebSocket by hand and returns the socket after the 101 answer.
async fn raw_upgrade(server: &palaver_tests::TestServer, token: &str) -> TcpStream {
    let address = server.base_url.trim_start_matches("http://");
    let mut socket = TcpStream::connect(address).await.unwrap();
    let request = format!(
        "GET /api/ws?access_token={token} HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n"
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        socket.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    socket
}

/// Reads server frames until a close frame; returns its code.
async fn close_code(socket: &mut TcpStream) -> u16 {
    loop {
        let mut start = [0u8; 2];
        socket.read_exact(&mut start).await.unwrap();
        let length = match start[1] & 0x7f {
            126 => u64::from(socket.read_u16().await.unwrap()),
            127 => socket.read_u64().await.unwrap(),
            short => u64::from(short),
        };
        let mut payload = vec![0u8; usize::try_from(length).unwrap()];
        socket.read_exact(&mut payload).await.unwrap();
        if start[0] & 0x0f == 0x8 {
            return u16::from_be_bytes([payload[0], payload[1]]);
        }
    }
}

#[tokio::test]
async fn a_header_declaring_ten_gib_is_closed_with_1009_at_once() {
    let server = server_with(&[("PALAVER__REALTIME__HEARTBEAT_INTERVAL_MS", "300000")]).await;
    let ada = server.register("ada").await;
    let mut socket = raw_upgrade(&server, &ada.access_token).await;
    // A masked text frame declaring 10 GiB, and no payload at all.
    let mut header = vec![0x81, 0x80 | 127];
    header.extend_from_slice(&(10u64 << 30).to_be_bytes());
    header.extend_from_slice(&[1, 2, 3, 4]);
    socket.write_all(&header).await.unwrap();
    let code = tokio::time::timeout(Duration::from_secs(20), close_code(&mut socket))
        .await
        .expect("closed long before the heartbeat could have");
    assert_eq!(code, 1009);

    // A frame declared just over the limit (64 KiB by default) is refused the same way.
    let mut socket = raw_upgrade(&server, &ada.access_token).await;
    let mut header = vec![0x81, 0x80 | 127];
    header.extend_from_slice(&(64u64 * 1024 + 1).to_be_bytes());
    header.extend_from_slice(&[1, 2, 3, 4]);
    socket.write_all(&header).await.unwrap();
    let code = tokio::time::timeout(Duration::from_secs(20), close_code(&mut socket))
        .await
        .expect("closed long before the heartbeat could have");
    assert_eq!(code, 1009);
}
