//! One WebSocket over the bare TCP socket, which the server hands over once the `101` head
//! is sent (see [`super::WebSocketTakeover`]).
//!
//! Frames coming in are decoded as their bytes arrive, with a frame declared over the size
//! limit refused from its header alone. Frames going out are encoded straight into one
//! buffer: a burst costs one `write`, and the payload is copied once, into that buffer.
//! No HTTP dispatcher stays in between, and an idle connection holds no buffer at all.
//!
//! Writing never waits: [`Socket::text`] and the others queue. What is queued goes out on
//! [`Socket::try_flush`] and while [`Socket::next`] waits. Past [`HIGH_WATER`] bytes queued
//! (a client that does not read), [`Socket::has_room`] says no and [`Socket::writable`]
//! waits, so the connection stops taking frames from the hub, whose bounded queue then
//! marks it too slow.

use super::frame_guard::{HeaderScanner, MAX_HEADER};
use actix_codec::Decoder;
use actix_http::ws::{Codec, Frame, Item, ProtocolError};
use bytes::{Buf, BufMut, Bytes, BytesMut};
use bytestring::ByteString;
use palaver_realtime::CloseCode;
use std::io;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Bytes queued beyond which a writer waits.
pub(crate) const HIGH_WATER: usize = 64 * 1024;
/// The capacity a burst's write buffer starts with.
const FIRST_BURST: usize = 4096;
/// Room made in the read buffer before each read.
const READ_CHUNK: usize = 4096;
/// How long a closed socket waits for the client to close its side (as actix-http waits
/// for a client to disconnect).
const LINGER: Duration = Duration::from_secs(1);

const OP_TEXT: u8 = 0x1;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;
const OP_PONG: u8 = 0xA;

/// A whole message from the client (continuations already joined).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Inbound {
    Text(ByteString),
    Binary,
    Ping(Bytes),
    Pong,
    Close,
}

/// Why nothing more can be read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// A frame or message over the size limit.
    TooBig,
    /// The client broke the protocol (an unmasked frame, text that is not UTF-8, ...).
    Protocol(String),
    /// The socket is closed or failed.
    Gone,
}

/// The socket is gone: nothing more can be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed;

pub(crate) struct Socket {
    io: TcpStream,
    /// Encoded frames not yet written.
    out: BytesMut,
    /// Bytes read and not yet decoded; unallocated while there are none.
    inbound: BytesMut,
    codec: Codec,
    guard: HeaderScanner,
    max_message: usize,
    /// A text (`true`) or binary message being joined from continuation frames.
    partial: Option<(bool, BytesMut)>,
    /// The close frame is queued: nothing more goes out.
    closing: bool,
    /// A write failed.
    broken: bool,
    /// The bytes read ahead by the HTTP server declared a frame over the limit.
    oversized_ahead: bool,
}

impl Socket {
    /// `read_ahead`: bytes the HTTP server read past the request head.
    pub fn new(io: TcpStream, read_ahead: BytesMut, max_frame_bytes: usize) -> Self {
        let mut socket = Self {
            io,
            out: BytesMut::new(),
            inbound: BytesMut::new(),
            codec: Codec::new().max_size(max_frame_bytes),
            guard: HeaderScanner::new(max_frame_bytes),
            max_message: max_frame_bytes,
            partial: None,
            closing: false,
            broken: false,
            oversized_ahead: false,
        };
        if !read_ahead.is_empty() {
            // The guard follows frame boundaries from the very first byte.
            socket.oversized_ahead = socket.guard.scan(&read_ahead).is_err();
            socket.inbound = read_ahead;
        }
        socket
    }

    /// Queues a text frame.
    pub fn text(&mut self, text: &str) -> Result<(), Closed> {
        self.frame(OP_TEXT, &[], text.as_bytes())
    }

    pub fn ping(&mut self) -> Result<(), Closed> {
        self.frame(OP_PING, &[], &[])
    }

    /// Answers a ping with its payload (at most 125 bytes by the protocol; longer is cut).
    pub fn pong(&mut self, payload: &[u8]) -> Result<(), Closed> {
        self.frame(OP_PONG, &[], &payload[..payload.len().min(125)])
    }

    /// Queues the close frame; nothing more goes out after it.
    pub fn close(&mut self, code: CloseCode) -> Result<(), Closed> {
        let (number, reason) = code.code_and_reason();
        // A close frame's payload is at most 125 bytes: the code and up to 123 of reason.
        let reason = &reason.as_bytes()[..reason.len().min(123)];
        self.frame(OP_CLOSE, &number.to_be_bytes(), reason)?;
        self.closing = true;
        Ok(())
    }

    /// Whether a frame may be queued now without going past [`HIGH_WATER`].
    pub fn has_room(&self) -> Result<bool, Closed> {
        if self.broken {
            return Err(Closed);
        }
        Ok(self.out.len() < HIGH_WATER)
    }

    /// Writes what the socket takes now, without waiting.
    pub fn try_flush(&mut self) -> Result<(), Closed> {
        while !self.out.is_empty() {
            if !self.write_queued()? {
                return Ok(());
            }
        }
        self.sent_all();
        Ok(())
    }

    /// Waits until what is queued is under [`HIGH_WATER`].
    pub async fn writable(&mut self) -> Result<(), Closed> {
        std::future::poll_fn(|cx| self.poll_flush(cx, HIGH_WATER - 1)).await
    }

    /// The client's next message, writing what is queued meanwhile. With `reading` off it
    /// only writes, and never completes unless the socket fails.
    pub async fn next(&mut self, reading: bool) -> Result<Inbound, ReadError> {
        std::future::poll_fn(|cx| {
            if !self.out.is_empty()
                && let Poll::Ready(Err(Closed)) = self.poll_flush(cx, 0)
            {
                return Poll::Ready(Err(ReadError::Gone));
            }
            if reading {
                self.poll_read(cx)
            } else {
                Poll::Pending
            }
        })
        .await
    }

    /// Sends what is queued (the close frame last), ends the sending side, and reads until
    /// the client answers the close or closes too (for at most [`LINGER`]), so that bytes
    /// it sent meanwhile do not turn the close into a reset that could lose the close
    /// frame. The caller bounds how long sending may take.
    pub async fn finish(mut self) {
        if std::future::poll_fn(|cx| self.poll_flush(cx, 0))
            .await
            .is_err()
        {
            return;
        }
        if self.io.shutdown().await.is_err() {
            return;
        }
        // Until the client answers the close, or closes, or fails the protocol.
        let drain = async {
            while let Ok(inbound) = std::future::poll_fn(|cx| self.poll_read(cx)).await {
                if inbound == Inbound::Close {
                    return;
                }
            }
        };
        let _ = tokio::time::timeout(LINGER, drain).await;
    }

    fn frame(&mut self, opcode: u8, prefix: &[u8], payload: &[u8]) -> Result<(), Closed> {
        if self.broken || self.closing {
            return Err(Closed);
        }
        let len = prefix.len() + payload.len();
        // A burst's buffer starts with room for several frames rather than growing (and
        // copying what it holds) frame by frame; it is given back once all is sent.
        let wanted = if self.out.capacity() == 0 {
            (len + 10).max(FIRST_BURST)
        } else {
            len + 10
        };
        self.out.reserve(wanted);
        self.out.extend_from_slice(&header(opcode, len));
        self.out.extend_from_slice(prefix);
        self.out.extend_from_slice(payload);
        Ok(())
    }

    /// Writes until at most `until` bytes are queued.
    fn poll_flush(&mut self, cx: &mut Context<'_>, until: usize) -> Poll<Result<(), Closed>> {
        while self.out.len() > until {
            if ready!(self.io.poll_write_ready(cx)).is_err() {
                return Poll::Ready(self.fail());
            }
            if let Err(closed) = self.write_queued() {
                return Poll::Ready(Err(closed));
            }
        }
        if self.out.is_empty() {
            self.sent_all();
        }
        Poll::Ready(Ok(()))
    }

    /// One `try_write` of what is queued; `Ok(false)` when the socket would block.
    fn write_queued(&mut self) -> Result<bool, Closed> {
        match self.io.try_write(&self.out) {
            Ok(0) => self.fail().map(|()| false),
            Ok(written) => {
                self.out.advance(written);
                Ok(true)
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(_) => self.fail().map(|()| false),
        }
    }

    /// Everything queued went out: the buffer is given back, so that a socket between
    /// bursts holds none (a burst costs one allocation).
    fn sent_all(&mut self) {
        if self.out.capacity() > 0 {
            self.out = BytesMut::new();
        }
    }

    fn fail(&mut self) -> Result<(), Closed> {
        self.broken = true;
        self.out = BytesMut::new();
        Err(Closed)
    }

    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<Result<Inbound, ReadError>> {
        if self.oversized_ahead {
            return Poll::Ready(Err(ReadError::TooBig));
        }
        loop {
            if let Some(inbound) = self.decode()? {
                return Poll::Ready(Ok(inbound));
            }
            if ready!(self.io.poll_read_ready(cx)).is_err() {
                return Poll::Ready(Err(ReadError::Gone));
            }
            self.inbound.reserve(READ_CHUNK);
            let before = self.inbound.len();
            // At most a chunk at a time: with less than one frame buffered before each
            // read (whole ones are taken first), the buffer stays under a frame and a chunk.
            match self
                .io
                .try_read_buf(&mut (&mut self.inbound).limit(READ_CHUNK))
            {
                Ok(0) => return Poll::Ready(Err(ReadError::Gone)),
                Ok(_) => {
                    // Past the largest frame (header and one read's slack included) the
                    // buffer cannot be waiting for anything allowed.
                    let too_much = self.inbound.len() > self.max_message + MAX_HEADER + READ_CHUNK;
                    if self.guard.scan(&self.inbound[before..]).is_err() || too_much {
                        return Poll::Ready(Err(ReadError::TooBig));
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => return Poll::Ready(Err(ReadError::Gone)),
            }
        }
    }

    /// The next whole message in what was read, if it is all there.
    fn decode(&mut self) -> Result<Option<Inbound>, ReadError> {
        loop {
            let decoded = self.codec.decode(&mut self.inbound);
            if self.inbound.is_empty() && self.inbound.capacity() > 0 {
                // An idle connection keeps no read buffer (a frame taken from it keeps
                // only its own bytes alive).
                self.inbound = BytesMut::new();
            }
            let frame = match decoded {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(None),
                Err(ProtocolError::Overflow) => return Err(ReadError::TooBig),
                Err(error) => return Err(ReadError::Protocol(error.to_string())),
            };
            let (text, bytes) = match frame {
                Frame::Text(bytes) => (true, bytes),
                Frame::Binary(_) => return Ok(Some(Inbound::Binary)),
                Frame::Ping(bytes) => return Ok(Some(Inbound::Ping(bytes))),
                Frame::Pong(_) => return Ok(Some(Inbound::Pong)),
                Frame::Close(_) => return Ok(Some(Inbound::Close)),
                Frame::Continuation(Item::FirstText(bytes)) => {
                    self.partial = Some((true, BytesMut::from(bytes)));
                    continue;
                }
                Frame::Continuation(Item::FirstBinary(bytes)) => {
                    self.partial = Some((false, BytesMut::from(bytes)));
                    continue;
                }
                Frame::Continuation(Item::Continue(bytes)) => {
                    self.join(&bytes)?;
                    continue;
                }
                Frame::Continuation(Item::Last(bytes)) => {
                    self.join(&bytes)?;
                    let (text, joined) = self.partial.take().ok_or_else(|| {
                        ReadError::Protocol("a continuation with no first frame".into())
                    })?;
                    (text, joined.freeze())
                }
            };
            if !text {
                return Ok(Some(Inbound::Binary));
            }
            return ByteString::try_from(bytes)
                .map(|text| Some(Inbound::Text(text)))
                .map_err(|_| ReadError::Protocol("a text frame that is not UTF-8".into()));
        }
    }

    /// Adds a continuation to the message being joined, within the size limit.
    fn join(&mut self, bytes: &[u8]) -> Result<(), ReadError> {
        let Some((_, joined)) = self.partial.as_mut() else {
            return Err(ReadError::Protocol(
                "a continuation with no first frame".into(),
            ));
        };
        if joined.len() + bytes.len() > self.max_message {
            return Err(ReadError::TooBig);
        }
        joined.extend_from_slice(bytes);
        Ok(())
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
mod tests;
