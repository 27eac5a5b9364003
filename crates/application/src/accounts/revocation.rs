//! Telling the real-time side which sessions just ended, so their open connections close.

use palaver_domain::auth::SessionId;
use palaver_domain::conversation::Notification;
use palaver_domain::ports::Notifier;
use palaver_domain::user::UserId;

/// Announces these revoked sessions of the user, after the commit; nothing when there are
/// none.
pub(crate) fn announce_revoked(
    notifier: &dyn Notifier,
    user_id: UserId,
    session_ids: Vec<SessionId>,
) {
    if !session_ids.is_empty() {
        notifier.notify(Notification::SessionsRevoked {
            user_id,
            session_ids,
        });
    }
}
