//! What the hub has offered one connection and the connection has not sent yet.
//!
//! The hub's queue per connection is bounded, and a full queue means "too slow". A client
//! that reads but keeps its connection busy (commands sent back to back, a long `sync`)
//! must not count as slow, so while the connection waits on anything but the socket, it
//! moves the queue into its backlog. While a socket write is blocked it does not: a client
//! that stops reading lets the hub's queue fill and is closed.

use super::CloseCode;
use super::hub::Delivery;
use std::collections::VecDeque;
use std::future::Future;
use tokio::sync::mpsc;

pub struct Inbox {
    queue: mpsc::Receiver<Delivery>,
    backlog: VecDeque<Delivery>,
    /// The most deliveries the backlog may hold: a bound on memory, whatever the client
    /// does.
    limit: usize,
}

/// The backlog overflowed: the connection must close as too slow.
#[derive(Debug, PartialEq, Eq)]
pub struct Overflow;

impl From<Overflow> for CloseCode {
    fn from(_: Overflow) -> Self {
        CloseCode::Policy
    }
}

impl Inbox {
    pub fn new(queue: mpsc::Receiver<Delivery>, limit: usize) -> Self {
        Self {
            queue,
            backlog: VecDeque::new(),
            limit,
        }
    }

    /// The next frame to send: the backlog first, in order, then the queue, waiting for it.
    /// `None` once the hub has let go of the connection.
    pub async fn next(&mut self) -> Option<Delivery> {
        match self.backlog.pop_front() {
            Some(frame) => Some(frame),
            None => self.queue.recv().await,
        }
    }

    /// The next frame if one is ready now.
    pub fn try_next(&mut self) -> Option<Delivery> {
        self.backlog
            .pop_front()
            .or_else(|| self.queue.try_recv().ok())
    }

    /// Moves whatever the queue holds now into the backlog.
    pub fn take_ready(&mut self) -> Result<(), Overflow> {
        while let Ok(frame) = self.queue.try_recv() {
            self.stash(frame)?;
        }
        Ok(())
    }

    /// Runs `work` while moving what the hub offers meanwhile into the backlog.
    pub async fn while_pending<F: Future>(&mut self, work: F) -> Result<F::Output, Overflow> {
        tokio::pin!(work);
        loop {
            tokio::select! {
                biased;
                output = &mut work => return Ok(output),
                Some(frame) = self.queue.recv() => self.stash(frame)?,
            }
        }
    }

    fn stash(&mut self, frame: Delivery) -> Result<(), Overflow> {
        if self.backlog.len() >= self.limit {
            return Err(Overflow);
        }
        self.backlog.push_back(frame);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Frame;
    use std::sync::Arc;

    fn frame(text: &str) -> Delivery {
        vec![Arc::new(Frame::plain(text.into()))]
    }

    #[tokio::test]
    async fn frames_come_out_in_order_whether_stashed_or_queued() {
        let (sender, queue) = mpsc::channel(4);
        let mut inbox = Inbox::new(queue, 8);
        sender.try_send(frame("1")).unwrap();
        let waited = inbox
            .while_pending(async {
                sender.send(frame("2")).await.unwrap();
                tokio::task::yield_now().await;
                "done"
            })
            .await
            .unwrap();
        assert_eq!(waited, "done");
        sender.try_send(frame("3")).unwrap();
        inbox.take_ready().unwrap();
        sender.try_send(frame("4")).unwrap();
        let mut texts = Vec::new();
        while let Some(delivery) = inbox.try_next() {
            texts.extend(delivery.iter().map(|frame| frame.text.to_string()));
        }
        assert_eq!(texts, ["1", "2", "3", "4"]);
    }

    #[tokio::test]
    async fn an_overflowing_backlog_is_refused() {
        let (sender, queue) = mpsc::channel(4);
        let mut inbox = Inbox::new(queue, 2);
        for text in ["1", "2", "3"] {
            sender.try_send(frame(text)).unwrap();
        }
        assert_eq!(inbox.take_ready(), Err(Overflow));
    }
}
