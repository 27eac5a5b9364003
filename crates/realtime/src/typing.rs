//! What one connection's user is typing in: when each typing lapses without a renewal,
//! and when the others last heard of it.
//!
//! A renewal pushes the deadline back; the others hear it again only every half timeout,
//! so that their own timers (if the typist's node dies, nobody tells them it stopped) do
//! not lapse while the typing goes on.

use palaver_domain::conversation::ConversationId;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy)]
struct Typing {
    /// When it ends without a renewal.
    lapses: Instant,
    /// When the others last heard of it.
    relayed: Instant,
}

/// The conversations one connection's user is typing in.
#[derive(Debug)]
pub struct TypingState {
    timeout: Duration,
    typing: HashMap<ConversationId, Typing>,
}

impl TypingState {
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            typing: HashMap::new(),
        }
    }

    pub fn is_typing(&self, conversation: ConversationId) -> bool {
        self.typing.contains_key(&conversation)
    }

    /// Typing started (and was relayed) at `now`.
    pub fn started(&mut self, conversation: ConversationId, now: Instant) {
        let typing = Typing {
            lapses: now + self.timeout,
            relayed: now,
        };
        self.typing.insert(conversation, typing);
    }

    /// A renewal at `now`: true if the others should hear it again.
    pub fn renewed(&mut self, conversation: ConversationId, now: Instant) -> bool {
        let Some(typing) = self.typing.get_mut(&conversation) else {
            return false;
        };
        typing.lapses = now + self.timeout;
        if now.duration_since(typing.relayed) >= self.timeout / 2 {
            typing.relayed = now;
            return true;
        }
        false
    }

    /// Typing stopped (said so, or a message was sent): true if it was going on, and the
    /// others should hear that it stopped.
    pub fn stopped(&mut self, conversation: ConversationId) -> bool {
        self.typing.remove(&conversation).is_some()
    }

    /// When the next typing lapses, if any.
    pub fn next_lapse(&self) -> Option<Instant> {
        self.typing.values().map(|typing| typing.lapses).min()
    }

    /// Ends every typing that lapsed by `now`, returning their conversations.
    pub fn lapse(&mut self, now: Instant) -> Vec<ConversationId> {
        let lapsed: Vec<ConversationId> = self
            .typing
            .iter()
            .filter(|(_, typing)| typing.lapses <= now)
            .map(|(id, _)| *id)
            .collect();
        for conversation in &lapsed {
            self.typing.remove(conversation);
        }
        lapsed
    }

    /// Ends every typing (the connection closes), returning their conversations.
    pub fn end_all(&mut self) -> Vec<ConversationId> {
        self.typing.drain().map(|(id, _)| id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(5);

    #[test]
    fn renewals_extend_the_typing_and_are_relayed_every_half_timeout() {
        let room = ConversationId::generate();
        let t0 = Instant::now();
        let mut state = TypingState::new(TIMEOUT);
        state.started(room, t0);
        assert!(!state.renewed(room, t0 + Duration::from_secs(1)));
        assert!(state.renewed(room, t0 + Duration::from_millis(2_500)));
        assert!(!state.renewed(room, t0 + Duration::from_secs(4)));
        assert_eq!(state.next_lapse(), Some(t0 + Duration::from_secs(9)));
        assert!(state.lapse(t0 + Duration::from_secs(8)).is_empty());
        assert_eq!(state.lapse(t0 + Duration::from_secs(9)), [room]);
        assert!(!state.is_typing(room) && state.next_lapse().is_none());
    }

    #[test]
    fn stopping_or_closing_ends_it_once() {
        let (one, two) = (ConversationId::generate(), ConversationId::generate());
        let now = Instant::now();
        let mut state = TypingState::new(TIMEOUT);
        assert!(!state.renewed(one, now), "no renewal of what never started");
        state.started(one, now);
        state.started(two, now);
        assert!(state.stopped(one));
        assert!(!state.stopped(one));
        assert_eq!(state.end_all(), [two]);
        assert!(state.end_all().is_empty());
    }
}
