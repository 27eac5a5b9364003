//! Follows the HTTP/1 responses written on one connection, byte by byte, to find the heads the
//! dispatcher wrote by itself and give them the contract's error body.
//!
//! actix-http answers a request head it cannot parse (400), one too large (431), one too slow
//! (408) with an empty body and no hook. Every response the application produces went through
//! [`AppResponses::expect`]; one that did not, with a 4xx or 5xx status and an empty body, is
//! such an answer, and is rewritten into `{"error":{"code","message"}}`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

/// A response head longer than this is passed on unread and the connection no longer watched.
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// The responses the application has been asked for on one connection, in order, each noting
/// whether it answers a HEAD request (whose response may declare a length and carry no body).
/// A response is only rewritten when every one noted here has been seen: one missed (framing
/// lost) leaves a surplus, and nothing more is rewritten on that connection.
/// Shared between the connection's stream and the application's outermost middleware; both run
/// on the connection's worker thread.
#[derive(Clone, Default)]
pub struct AppResponses(Rc<RefCell<Ledger>>);

#[derive(Default)]
struct Ledger {
    pending: VecDeque<bool>,
    stopped: bool,
}

impl AppResponses {
    /// The application was called for a request; its response follows those already noted.
    pub fn expect(&self, head_request: bool) {
        let mut ledger = self.0.borrow_mut();
        if !ledger.stopped {
            ledger.pending.push_back(head_request);
        }
    }

    /// The next response is the application's: whether it answers a HEAD request; `None` if
    /// the application owes no response, so the dispatcher wrote it.
    fn next_from_app(&self) -> Option<bool> {
        self.0.borrow_mut().pending.pop_front()
    }

    fn stop(&self) {
        let mut ledger = self.0.borrow_mut();
        ledger.stopped = true;
        ledger.pending.clear();
    }
}

/// Where in the response stream the next written byte falls.
enum Position {
    /// In a response head, collected until it is complete.
    Head(Vec<u8>),
    /// In a body with this many bytes left.
    Body(u64),
    /// No longer watched: after a protocol switch (WebSocket), a chunked or close-delimited
    /// body, or something that is not a response head.
    Unwatched,
}

/// The response stream of one connection.
pub struct ResponseStream {
    position: Position,
    app: AppResponses,
}

impl ResponseStream {
    pub fn new(app: AppResponses) -> Self {
        Self {
            position: Position::Head(Vec::new()),
            app,
        }
    }

    /// How many of the next `available` bytes may go to the socket unchanged (0 while a head
    /// is being collected).
    pub fn pass_through_len(&self, available: usize) -> usize {
        match self.position {
            Position::Unwatched => available,
            Position::Body(left) => {
                usize::try_from(left).map_or(available, |left| left.min(available))
            }
            Position::Head(_) => 0,
        }
    }

    /// `sent` bytes went to the socket unchanged.
    pub fn passed_through(&mut self, sent: usize) {
        if let Position::Body(left) = &mut self.position {
            *left = left.saturating_sub(sent as u64);
            if *left == 0 {
                self.position = Position::Head(Vec::new());
            }
        }
    }

    /// Takes bytes of a response head from the front of `bytes` and returns how many; a head
    /// completed by them is appended to `out`, rewritten if the dispatcher wrote it.
    pub fn take_head(&mut self, bytes: &[u8], out: &mut Vec<u8>) -> usize {
        let Position::Head(head) = &mut self.position else {
            return 0;
        };
        let before = head.len();
        // The end marker may straddle the previous write: look from 3 bytes back.
        let search_from = before.saturating_sub(3);
        head.extend_from_slice(bytes);
        let end = head[search_from..]
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .map(|at| search_from + at + 4);
        let Some(end) = end else {
            if head.len() > MAX_HEAD_BYTES || !could_be_status_line(head) {
                out.append(head);
                self.unwatch();
            }
            return bytes.len();
        };
        head.truncate(end);
        let head = std::mem::take(head);
        self.position = self.after_head(&head, out);
        end - before
    }

    /// Releases a head cut short by the end of the connection.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if let Position::Head(head) = &mut self.position {
            out.append(head);
        }
    }

    fn unwatch(&mut self) {
        self.position = Position::Unwatched;
        self.app.stop();
    }

    /// Emits a complete head and says what follows it.
    fn after_head(&mut self, head: &[u8], out: &mut Vec<u8>) -> Position {
        let Some(parsed) = ParsedHead::parse(head) else {
            out.extend_from_slice(head);
            self.app.stop();
            return Position::Unwatched;
        };
        if parsed.status == 101 {
            out.extend_from_slice(head);
            self.app.stop();
            return Position::Unwatched;
        }
        if (100..200).contains(&parsed.status) {
            out.extend_from_slice(head);
            return Position::Head(Vec::new());
        }
        let answers_head_request = match self.app.next_from_app() {
            Some(answers_head_request) => answers_head_request,
            None if parsed.status >= 400 && parsed.content_length == Some(0) && !parsed.chunked => {
                write_error_response(head, parsed.status, out);
                return Position::Head(Vec::new());
            }
            None => false,
        };
        out.extend_from_slice(head);
        if parsed.status == 204 || parsed.status == 304 {
            return Position::Head(Vec::new());
        }
        match parsed.content_length {
            // Whether a body follows depends on the method of the request the codec decoded
            // last (which may be a later, pipelined one), not of the one answered.
            Some(length) if answers_head_request && length > 0 => self.stopped(),
            _ if parsed.chunked => self.stopped(),
            Some(0) => Position::Head(Vec::new()),
            Some(length) => Position::Body(length),
            None => self.stopped(),
        }
    }

    fn stopped(&mut self) -> Position {
        self.app.stop();
        Position::Unwatched
    }
}

/// Whether collected bytes can still become an `HTTP/1.x` status line.
fn could_be_status_line(head: &[u8]) -> bool {
    let prefix = b"HTTP/1.";
    let shared = head.len().min(prefix.len());
    head[..shared] == prefix[..shared]
}

struct ParsedHead {
    status: u16,
    content_length: Option<u64>,
    chunked: bool,
}

impl ParsedHead {
    fn parse(head: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(head).ok()?;
        let mut lines = text.split("\r\n");
        let status_line = lines.next()?;
        let status = status_line
            .strip_prefix("HTTP/1.")?
            .get(2..5)?
            .parse::<u16>()
            .ok()?;
        let mut parsed = Self {
            status,
            content_length: None,
            chunked: false,
        };
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                parsed.content_length = Some(value.parse().ok()?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                parsed.chunked = true;
            }
        }
        Some(parsed)
    }
}

/// The dispatcher's empty answer, given the error body: status line and headers kept but for
/// the body's type and length.
fn write_error_response(head: &[u8], status: u16, out: &mut Vec<u8>) {
    let (code, message) = error_for(status);
    let body = format!(r#"{{"error":{{"code":"{code}","message":"{message}"}}}}"#);
    let text = String::from_utf8_lossy(head);
    for line in text.split("\r\n").filter(|line| !line.is_empty()) {
        let name = line.split_once(':').map_or("", |(name, _)| name);
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("content-type")
        {
            continue;
        }
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"content-type: application/json\r\n");
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body.as_bytes());
}

/// The contract's code and a message for each status the dispatcher answers by itself.
fn error_for(status: u16) -> (&'static str, &'static str) {
    match status {
        431 => (
            "validation_failed",
            "the request line and headers are too large",
        ),
        408 => (
            "validation_failed",
            "the request line and headers did not arrive in time",
        ),
        413 => ("payload_too_large", "the request is too large"),
        400..=499 => (
            "validation_failed",
            "the request line or a header is malformed",
        ),
        _ => ("internal", "internal error"),
    }
}
