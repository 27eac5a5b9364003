use super::*;
use actix_http::ws::{OpCode, Parser};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const LIMIT: usize = 1024;

/// A server socket and the client's end of it.
async fn pair() -> (Socket, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (Socket::new(server, BytesMut::new(), LIMIT), client)
}

/// A masked client frame.
fn client_frame(opcode: OpCode, finished: bool, payload: &[u8]) -> Vec<u8> {
    let mut buf = BytesMut::new();
    Parser::write_message(&mut buf, payload, opcode, finished, true);
    buf.to_vec()
}

/// Decodes server frames as a client would; every frame is final and unmasked.
fn decode(bytes: &[u8]) -> Vec<(OpCode, Vec<u8>)> {
    let mut buf = BytesMut::from(bytes);
    let mut frames = Vec::new();
    while let Some((finished, opcode, payload)) =
        Parser::parse(&mut buf, false, 1 << 20).expect("a valid frame")
    {
        assert!(finished, "every frame is final");
        frames.push((opcode, payload.map(|p| p.to_vec()).unwrap_or_default()));
    }
    assert!(buf.is_empty(), "bytes left over");
    frames
}

async fn read_some(client: &mut TcpStream, at_least: usize) -> Vec<u8> {
    let mut got = Vec::new();
    let mut chunk = vec![0u8; 1 << 17];
    while got.len() < at_least {
        let n = client.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the socket closed early");
        got.extend_from_slice(&chunk[..n]);
    }
    got
}

#[tokio::test]
async fn frames_queued_together_leave_in_one_flush_and_parse() {
    let (mut socket, mut client) = pair().await;
    let middle = "y".repeat(300);
    let long = "x".repeat(70_000);
    socket.text("hello").unwrap();
    socket.text(&middle).unwrap();
    socket.text(&long).unwrap();
    socket.ping().unwrap();
    socket.pong(b"abc").unwrap();
    let queued = socket.out.len();
    std::future::poll_fn(|cx| socket.poll_flush(cx, 0))
        .await
        .unwrap();
    let frames = decode(&read_some(&mut client, queued).await);
    let expected = vec![
        (OpCode::Text, b"hello".to_vec()),
        (OpCode::Text, middle.into_bytes()),
        (OpCode::Text, long.into_bytes()),
        (OpCode::Ping, Vec::new()),
        (OpCode::Pong, b"abc".to_vec()),
    ];
    assert_eq!(frames, expected);
    // The burst's buffer is given back once sent.
    assert_eq!(socket.out.capacity(), 0);
}

#[tokio::test]
async fn messages_arrive_whole_and_an_idle_socket_keeps_no_read_buffer() {
    let (mut socket, mut client) = pair().await;
    let mut bytes = client_frame(OpCode::Text, true, b"{\"type\":\"ping\"}");
    bytes.extend(client_frame(OpCode::Text, false, b"hel"));
    bytes.extend(client_frame(OpCode::Ping, true, b"p"));
    bytes.extend(client_frame(OpCode::Continue, false, b"lo "));
    bytes.extend(client_frame(OpCode::Continue, true, b"there"));
    bytes.extend(client_frame(OpCode::Binary, true, b"\x00\x01"));
    bytes.extend(client_frame(OpCode::Pong, true, b""));
    // One byte at a time: nothing depends on how the bytes are split.
    for byte in &bytes {
        client.write_all(std::slice::from_ref(byte)).await.unwrap();
    }
    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(socket.next(true).await.unwrap());
    }
    assert_eq!(
        got,
        vec![
            Inbound::Text("{\"type\":\"ping\"}".into()),
            // A control frame may come between the pieces of a message.
            Inbound::Ping(Bytes::from_static(b"p")),
            Inbound::Text("hello there".into()),
            Inbound::Binary,
            Inbound::Pong,
        ]
    );
    assert_eq!(socket.inbound.capacity(), 0);

    client
        .write_all(&client_frame(OpCode::Close, true, &1000u16.to_be_bytes()))
        .await
        .unwrap();
    assert_eq!(socket.next(true).await, Ok(Inbound::Close));
    drop(client);
    assert_eq!(socket.next(true).await, Err(ReadError::Gone));
}

#[tokio::test]
async fn a_frame_declared_too_large_is_refused_from_its_header() {
    let (mut socket, mut client) = pair().await;
    // The header of a 10 GiB frame, and none of its payload.
    let mut header = vec![0x81, 0x80 | 127];
    header.extend_from_slice(&(10u64 << 30).to_be_bytes());
    client.write_all(&header).await.unwrap();
    assert_eq!(socket.next(true).await, Err(ReadError::TooBig));
}

#[tokio::test]
async fn a_message_joined_past_the_limit_is_refused() {
    let (mut socket, mut client) = pair().await;
    let piece = vec![b'a'; LIMIT / 2 + 1];
    let mut bytes = client_frame(OpCode::Text, false, &piece);
    bytes.extend(client_frame(OpCode::Continue, true, &piece));
    client.write_all(&bytes).await.unwrap();
    assert_eq!(socket.next(true).await, Err(ReadError::TooBig));
}

#[tokio::test]
async fn protocol_breaches_are_named() {
    for bytes in [
        // Unmasked: a client must mask.
        {
            let mut buf = BytesMut::new();
            Parser::write_message(&mut buf, b"hi", OpCode::Text, true, false);
            buf.to_vec()
        },
        client_frame(OpCode::Text, true, b"\xff\xfe"),
        client_frame(OpCode::Continue, true, b"no first frame"),
    ] {
        let (mut socket, mut client) = pair().await;
        client.write_all(&bytes).await.unwrap();
        let read = socket.next(true).await;
        assert!(matches!(read, Err(ReadError::Protocol(_))), "{read:?}");
    }
}

#[tokio::test]
async fn a_client_that_does_not_read_fills_the_buffer_and_the_writer_waits() {
    let (mut socket, mut client) = pair().await;
    let frame = "z".repeat(16 * 1024);
    // Far more than the kernel's buffers take: the rest stays queued.
    while socket.has_room() == Ok(true) {
        socket.text(&frame).unwrap();
        socket.try_flush().unwrap();
    }
    let mut waiting = Box::pin(socket.writable());
    let mut cx = Context::from_waker(std::task::Waker::noop());
    assert!(waiting.as_mut().poll(&mut cx).is_pending());
    let reader = tokio::spawn(async move {
        let mut sink = vec![0u8; 1 << 16];
        while client.read(&mut sink).await.unwrap_or(0) > 0 {}
    });
    assert_eq!(waiting.await, Ok(()));
    assert_eq!(socket.has_room(), Ok(true));
    drop(socket);
    reader.await.unwrap();
}

#[tokio::test]
async fn close_sends_the_close_frame_last_refuses_more_and_ends_the_stream() {
    let (mut socket, mut client) = pair().await;
    socket.text("last").unwrap();
    socket.close(CloseCode::Policy).unwrap();
    assert_eq!(socket.text("late"), Err(Closed));
    let finishing = tokio::spawn(socket.finish());
    let mut got = Vec::new();
    client.read_to_end(&mut got).await.unwrap();
    let frames = decode(&got);
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[1].0, OpCode::Close);
    let reason = Parser::try_parse_close_payload(&frames[1].1)
        .expect("a valid close payload")
        .expect("a close reason");
    assert_eq!(u16::from(reason.code), 1008);
    // The client answers the close: the server is done at once, not after its linger.
    client
        .write_all(&client_frame(OpCode::Close, true, &1008u16.to_be_bytes()))
        .await
        .unwrap();
    tokio::time::timeout(LINGER / 2, finishing)
        .await
        .expect("finished on the client's close")
        .unwrap();
}

#[tokio::test]
async fn a_socket_the_client_dropped_refuses_writes() {
    let (mut socket, client) = pair().await;
    drop(client);
    // The first write may still be taken by the kernel; the reset fails a later one.
    let mut failed = false;
    for _ in 0..100 {
        if socket.text("anyone?").is_err() || socket.try_flush().is_err() {
            failed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(failed);
    assert_eq!(socket.has_room(), Err(Closed));
}

#[test]
fn headers_use_the_shortest_length_form() {
    assert_eq!(&*header(OP_TEXT, 125), &[0x81, 125]);
    assert_eq!(&*header(OP_TEXT, 126), &[0x81, 126, 0, 126]);
    assert_eq!(&*header(OP_TEXT, 65_535), &[0x81, 126, 0xff, 0xff]);
    assert_eq!(
        &*header(OP_TEXT, 65_536),
        &[0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]
    );
}

/// Bytes the HTTP server read past the request head are the socket's first bytes: a frame
/// in them is read, and the size guard follows them from the first byte (a header split
/// across them and the socket is still caught).
#[tokio::test]
async fn bytes_read_ahead_are_read_first_and_guarded() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();

    let mut client = TcpStream::connect(address).await.unwrap();
    let (server, _) = listener.accept().await.unwrap();
    let ahead = BytesMut::from(&client_frame(OpCode::Text, true, b"early")[..]);
    let mut socket = Socket::new(server, ahead, LIMIT);
    assert_eq!(socket.next(true).await, Ok(Inbound::Text("early".into())));
    client
        .write_all(&client_frame(OpCode::Text, true, b"later"))
        .await
        .unwrap();
    assert_eq!(socket.next(true).await, Ok(Inbound::Text("later".into())));

    let mut client = TcpStream::connect(address).await.unwrap();
    let (server, _) = listener.accept().await.unwrap();
    // The first two bytes of a 10 GiB frame's header ahead, the length after.
    let mut socket = Socket::new(server, BytesMut::from(&[0x81u8, 0x80 | 127][..]), LIMIT);
    client
        .write_all(&(10u64 << 30).to_be_bytes())
        .await
        .unwrap();
    let read = tokio::time::timeout(Duration::from_secs(5), socket.next(true)).await;
    assert_eq!(read, Ok(Err(ReadError::TooBig)), "refused, not waited for");

    let (server, _) = (TcpStream::connect(address).await.unwrap(), ());
    let (accepted, _) = listener.accept().await.unwrap();
    drop(server);
    let mut header = vec![0x81, 0x80 | 127];
    header.extend_from_slice(&(10u64 << 30).to_be_bytes());
    let mut socket = Socket::new(accepted, BytesMut::from(&header[..]), LIMIT);
    assert_eq!(socket.next(true).await, Err(ReadError::TooBig));
}
