use palaver_domain::conversation::Notification;
use palaver_domain::ports::Notifier;

/// Drops notifications: the single-node stand-in until the WebSocket hub exists. Clients
/// catch up through `GET /api/conversations/{id}/events` meanwhile.
#[derive(Debug, Default, Clone, Copy)]
pub struct DiscardingNotifier;

impl Notifier for DiscardingNotifier {
    fn notify(&self, notification: Notification) {
        tracing::trace!(
            ?notification,
            "notification discarded: no real-time hub yet"
        );
    }
}
