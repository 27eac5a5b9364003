//! The outbound half of a WebSocket: frames encoded straight into one buffer that the HTTP
//! dispatcher takes as the response body.
//!
//! actix-ws sends each frame as a message over a channel to its body stream, which encodes
//! it into a buffer of its own: one channel hop and one await per frame. Here the
//! connection encodes a frame (its 2-10 byte header, then the shared text) into the buffer
//! itself, without waiting, and wakes the body; whatever was written before the dispatcher
//! polls goes out as one chunk, so a burst of frames costs one socket write. The payload is
//! copied once into this buffer and once into the dispatcher's write buffer (actix-http's),
//! as with actix-ws, and no buffer is held while the connection is idle.
//!
//! Back-pressure: past [`HIGH_WATER`] bytes not yet taken by the dispatcher (it takes them
//! only as fast as the socket drains), [`Outbound::writable`] waits, so a client that does
//! not read makes its connection stop taking frames from the hub, whose bounded queue then
//! marks it too slow.

use actix_web::Error;
use actix_web::web::{Bytes, BytesMut};
use futures_util::Stream;
use palaver_realtime::CloseCode;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// Bytes waiting for the dispatcher beyond which a writer waits.
pub(crate) const HIGH_WATER: usize = 64 * 1024;

const OP_TEXT: u8 = 0x1;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;
const OP_PONG: u8 = 0xA;

/// The socket is gone (the client left or the dispatcher stopped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed;

#[derive(Default)]
struct State {
    /// Encoded frames the dispatcher has not taken yet.
    buf: BytesMut,
    /// A close frame is queued: the body ends once it is taken.
    finishing: bool,
    /// The body is gone, or has been told to stop: nothing more goes out.
    closed: bool,
    /// The body, waiting for frames.
    body: Option<Waker>,
    /// The connection, waiting for room.
    writer: Option<Waker>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is plain bytes and flags, left consistent at every step.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The connection's end: writes frames.
pub(crate) struct Outbound {
    shared: Arc<Shared>,
}

/// The dispatcher's end: the response body of the `101`.
pub(crate) struct Body {
    shared: Arc<Shared>,
}

/// A new socket's two ends.
pub(crate) fn outbound() -> (Outbound, Body) {
    let shared = Arc::new(Shared::default());
    (
        Outbound {
            shared: shared.clone(),
        },
        Body { shared },
    )
}

impl Outbound {
    /// Queues a text frame.
    pub fn text(&self, text: &str) -> Result<(), Closed> {
        self.frame(OP_TEXT, &[], text.as_bytes())
    }

    pub fn ping(&self) -> Result<(), Closed> {
        self.frame(OP_PING, &[], &[])
    }

    /// Answers a ping with its payload (at most 125 bytes by the protocol; longer is cut).
    pub fn pong(&self, payload: &[u8]) -> Result<(), Closed> {
        self.frame(OP_PONG, &[], &payload[..payload.len().min(125)])
    }

    /// Queues the close frame; the body ends once it is taken, and nothing more goes out.
    pub fn close(&self, code: CloseCode) -> Result<(), Closed> {
        let (number, reason) = code.code_and_reason();
        // A close frame's payload is at most 125 bytes: the code and up to 123 of reason.
        let reason = &reason.as_bytes()[..reason.len().min(123)];
        self.frame(OP_CLOSE, &number.to_be_bytes(), reason)?;
        let mut state = self.shared.lock();
        state.finishing = true;
        wake(&mut state.body);
        Ok(())
    }

    /// Drops whatever was not sent and ends the body with an error, so that the dispatcher
    /// drops the connection (a client that would not take its close frame).
    pub fn abort(&self) {
        let mut state = self.shared.lock();
        state.closed = true;
        state.buf = BytesMut::new();
        wake(&mut state.body);
    }

    /// Whether a frame may be written now without going past [`HIGH_WATER`].
    pub fn has_room(&self) -> Result<bool, Closed> {
        let state = self.shared.lock();
        if state.closed {
            return Err(Closed);
        }
        Ok(state.buf.len() < HIGH_WATER)
    }

    /// Waits until the dispatcher has taken enough for a frame to be written.
    pub async fn writable(&self) -> Result<(), Closed> {
        std::future::poll_fn(|cx| {
            let mut state = self.shared.lock();
            if state.closed {
                Poll::Ready(Err(Closed))
            } else if state.buf.len() < HIGH_WATER {
                Poll::Ready(Ok(()))
            } else {
                state.writer = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }

    /// Waits until the body has ended: everything queued, the close frame last, was taken
    /// by the dispatcher (or the socket is gone).
    pub async fn finished(&self) {
        std::future::poll_fn(|cx| {
            let mut state = self.shared.lock();
            if state.closed {
                Poll::Ready(())
            } else {
                state.writer = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }

    fn frame(&self, opcode: u8, prefix: &[u8], payload: &[u8]) -> Result<(), Closed> {
        let mut state = self.shared.lock();
        if state.closed || state.finishing {
            return Err(Closed);
        }
        let len = prefix.len() + payload.len();
        let buf = &mut state.buf;
        buf.reserve(len + 10);
        buf.extend_from_slice(&header(opcode, len));
        buf.extend_from_slice(prefix);
        buf.extend_from_slice(payload);
        wake(&mut state.body);
        Ok(())
    }
}

impl Drop for Outbound {
    /// The connection is done: the body ends after what is queued (as when actix-ws's
    /// session is dropped).
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.finishing = true;
        wake(&mut state.body);
    }
}

impl Stream for Body {
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut state = self.shared.lock();
        if state.closed {
            return Poll::Ready(Some(Err(actix_web::error::ErrorGone(
                "the WebSocket was dropped",
            ))));
        }
        if !state.buf.is_empty() {
            // The whole buffer goes: an idle connection keeps no allocation, and the
            // dispatcher copies the chunk into its own write buffer at once.
            let chunk = std::mem::take(&mut state.buf).freeze();
            wake(&mut state.writer);
            return Poll::Ready(Some(Ok(chunk)));
        }
        if state.finishing {
            state.closed = true;
            wake(&mut state.writer);
            return Poll::Ready(None);
        }
        state.body = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.closed = true;
        state.buf = BytesMut::new();
        wake(&mut state.writer);
    }
}

fn wake(waker: &mut Option<Waker>) {
    if let Some(waker) = waker.take() {
        waker.wake();
    }
}

/// A server frame's header: final, unmasked, with the payload length in 7, 16 or 64 bits.
fn header(opcode: u8, len: usize) -> HeaderBytes {
    let mut bytes = [0u8; 10];
    bytes[0] = 0x80 | opcode;
    let used = if len < 126 {
        bytes[1] = len as u8;
        2
    } else if let Ok(len) = u16::try_from(len) {
        bytes[1] = 126;
        bytes[2..4].copy_from_slice(&len.to_be_bytes());
        4
    } else {
        bytes[1] = 127;
        bytes[2..10].copy_from_slice(&(len as u64).to_be_bytes());
        10
    };
    HeaderBytes { bytes, used }
}

struct HeaderBytes {
    bytes: [u8; 10],
    used: usize,
}

impl std::ops::Deref for HeaderBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes[..self.used]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_http::ws::{OpCode, Parser};
    use futures_util::StreamExt;

    fn poll_once<F: std::future::Future>(future: Pin<&mut F>) -> Poll<F::Output> {
        let mut cx = Context::from_waker(Waker::noop());
        future.poll(&mut cx)
    }

    /// Decodes what the body yields with actix's own frame parser, as a client would.
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

    #[tokio::test]
    async fn frames_written_together_come_out_as_one_chunk_the_parser_reads() {
        let (out, mut body) = outbound();
        let long = "x".repeat(70_000);
        let middle = "y".repeat(300);
        out.text("hello").unwrap();
        out.text(&middle).unwrap();
        out.text(&long).unwrap();
        out.ping().unwrap();
        out.pong(b"abc").unwrap();
        let chunk = body.next().await.unwrap().unwrap();
        let frames = decode(&chunk);
        let expected = vec![
            (OpCode::Text, b"hello".to_vec()),
            (OpCode::Text, middle.into_bytes()),
            (OpCode::Text, long.into_bytes()),
            (OpCode::Ping, Vec::new()),
            (OpCode::Pong, b"abc".to_vec()),
        ];
        assert_eq!(frames, expected);
    }

    #[tokio::test]
    async fn close_ends_the_body_after_the_close_frame_and_refuses_more() {
        let (out, mut body) = outbound();
        out.text("last").unwrap();
        out.close(CloseCode::Policy).unwrap();
        assert_eq!(out.text("late"), Err(Closed));
        let chunk = body.next().await.unwrap().unwrap();
        let frames = decode(&chunk);
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[1].0, OpCode::Close);
        let reason = Parser::try_parse_close_payload(&frames[1].1)
            .expect("a valid close payload")
            .expect("a close reason");
        assert_eq!(u16::from(reason.code), 1008);
        assert!(reason.description.is_some_and(|d| !d.is_empty()));
        let mut finished = Box::pin(out.finished());
        assert!(poll_once(finished.as_mut()).is_pending());
        assert!(body.next().await.is_none());
        finished.await;
        assert_eq!(out.writable().await, Err(Closed));
    }

    #[tokio::test]
    async fn a_full_buffer_makes_the_writer_wait_until_the_body_takes_it() {
        let (out, mut body) = outbound();
        let big = "z".repeat(HIGH_WATER);
        out.text(&big).unwrap();
        assert_eq!(out.has_room(), Ok(false));
        let mut waiting = Box::pin(out.writable());
        assert!(poll_once(waiting.as_mut()).is_pending());
        let chunk = body.next().await.unwrap().unwrap();
        assert!(chunk.len() > HIGH_WATER);
        assert_eq!(waiting.await, Ok(()));
        assert_eq!(out.has_room(), Ok(true));
    }

    #[tokio::test]
    async fn a_dropped_body_closes_the_writer_and_abort_fails_the_body() {
        let (out, body) = outbound();
        drop(body);
        assert_eq!(out.text("x"), Err(Closed));
        assert_eq!(out.has_room(), Err(Closed));

        let (out, mut body) = outbound();
        out.text("never sent").unwrap();
        out.abort();
        assert!(body.next().await.unwrap().is_err());
    }

    #[tokio::test]
    async fn dropping_the_writer_ends_the_body_after_what_is_queued() {
        let (out, mut body) = outbound();
        out.text("bye").unwrap();
        drop(out);
        assert_eq!(decode(&body.next().await.unwrap().unwrap()).len(), 1);
        assert!(body.next().await.is_none());
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
}
