//! A connection whose written responses pass through a [`ResponseStream`]; reads are untouched.

use super::responses::{AppResponses, ResponseStream};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// An accepted connection given to the HTTP/1 dispatcher.
pub struct ShapedStream<T> {
    inner: T,
    responses: ResponseStream,
    app: AppResponses,
    /// Bytes accepted from the dispatcher and not yet sent: complete heads, possibly rewritten.
    held: Vec<u8>,
    /// How much of `held` has been sent.
    held_sent: usize,
}

impl<T> ShapedStream<T> {
    pub fn new(inner: T) -> Self {
        let app = AppResponses::default();
        Self {
            inner,
            responses: ResponseStream::new(app.clone()),
            app,
            held: Vec::new(),
            held_sent: 0,
        }
    }

    /// The ledger the application's middleware notes its responses in.
    pub fn app_responses(&self) -> AppResponses {
        self.app.clone()
    }

    /// The connection itself, for a protocol that takes it over; call it only after a
    /// flush, which sends whatever is held.
    pub fn into_inner(self) -> T {
        debug_assert!(self.held.is_empty(), "bytes held back would be lost");
        self.inner
    }

    #[cfg(test)]
    pub fn get_ref(&self) -> &T {
        &self.inner
    }
}

impl<T: AsyncWrite + Unpin> ShapedStream<T> {
    /// Sends what is held; ready once nothing is.
    fn poll_send_held(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.held_sent < self.held.len() {
            let sent =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.held[self.held_sent..]))?;
            if sent == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.held_sent += sent;
        }
        self.held.clear();
        self.held_sent = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ShapedStream<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ShapedStream<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_send_held(cx))?;
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let direct = this.responses.pass_through_len(buf.len());
        if direct > 0 {
            let sent = ready!(Pin::new(&mut this.inner).poll_write(cx, &buf[..direct]))?;
            this.responses.passed_through(sent);
            return Poll::Ready(Ok(sent));
        }
        let taken = this.responses.take_head(buf, &mut this.held);
        // Best effort now; what stays held goes out before the next write or on flush.
        if let Poll::Ready(Err(error)) = this.poll_send_held(cx) {
            return Poll::Ready(Err(error));
        }
        Poll::Ready(Ok(taken))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send_held(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.responses.finish(&mut this.held);
        ready!(this.poll_send_held(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}
