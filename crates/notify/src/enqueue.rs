//! The notification pipeline's own consumer: turns `message.created` events into pending
//! notifications, one per member (not the sender), conversation and channel.

use crate::consumer::EventConsumer;
use async_trait::async_trait;
use chrono::Duration;
use palaver_domain::conversation::mention::mentioned_usernames;
use palaver_domain::conversation::{ConversationEvent, ConversationId, EventPayload};
use palaver_domain::error::BoxError;
use palaver_domain::notification::{Channel, PendingNotification};
use palaver_domain::notification::{EmailNotifications, NotificationLevel, RecipientFacts};
use palaver_domain::ports::{Enqueued, NotificationStore, PresenceDirectory};
use palaver_domain::user::Username;
use std::collections::HashMap;
use std::sync::Arc;

/// The name its cursors are stored under.
pub const NOTIFICATIONS_CONSUMER: &str = "notifications";

pub(crate) struct Enqueuer {
    pub store: Arc<dyn NotificationStore>,
    pub presence: Arc<dyn PresenceDirectory>,
    /// How long a message waits for its reader before it is pushed.
    pub delay: Duration,
}

#[async_trait]
impl EventConsumer for Enqueuer {
    fn name(&self) -> &str {
        NOTIFICATIONS_CONSUMER
    }

    async fn consume(
        &self,
        conversation: ConversationId,
        events: &[ConversationEvent],
    ) -> Result<(), BoxError> {
        let messages: Vec<_> = events
            .iter()
            .filter_map(|event| match &event.payload {
                EventPayload::MessageCreated { message } if !message.is_deleted() => {
                    Some((event, message))
                }
                _ => None,
            })
            .collect();
        if messages.is_empty() {
            return Ok(());
        }
        let mut members = self.store.recipients(conversation).await?;
        // A member connected when the message was committed received it on a device:
        // nothing to notify (this keeps the pipeline's writes near zero while people
        // are online). Levels are checked again when a notification falls due.
        let ids: Vec<_> = members.iter().map(|m| m.user_id).collect();
        let online = self.presence.online_among(&ids).await?;
        members.retain(|m| {
            !online.contains(&m.user_id) && m.settings.level != NotificationLevel::None
        });
        if members.is_empty() {
            return Ok(());
        }
        let mut pending: HashMap<(palaver_domain::user::UserId, Channel), Enqueued> =
            HashMap::new();
        for (event, message) in messages {
            let mentions = message
                .content
                .as_ref()
                .map(|content| mentioned_usernames(content.as_str()))
                .unwrap_or_default();
            for member in &members {
                if Some(member.user_id) == message.sender_id {
                    continue;
                }
                let canonical = Username::parse(&member.username)
                    .map(|name| name.canonical())
                    .unwrap_or_else(|_| member.username.to_ascii_lowercase());
                let mentioned = mentions.contains(&canonical);
                let mail_delay = self.delay.max(Duration::seconds(i64::from(
                    member.preferences.email_delay_secs,
                )));
                for (channel, delay) in [(Channel::Push, self.delay), (Channel::Mail, mail_delay)] {
                    if channel == Channel::Mail && !wants_mail(member, mentioned) {
                        continue;
                    }
                    pending
                        .entry((member.user_id, channel))
                        .and_modify(|item| {
                            item.last_seq = event.seq;
                            item.mentioned |= mentioned;
                        })
                        .or_insert_with(|| Enqueued {
                            notification: PendingNotification {
                                id: uuid::Uuid::now_v7(),
                                user_id: member.user_id,
                                conversation_id: conversation,
                                channel,
                                first_seq: event.seq,
                                due_at: event.created_at + delay,
                                attempts: 0,
                                retry_only: None,
                            },
                            last_seq: event.seq,
                            mentioned,
                        });
                }
            }
        }
        let pending: Vec<Enqueued> = pending.into_values().collect();
        self.store.enqueue(&pending).await?;
        Ok(())
    }
}

/// Whether a message may go into a digest for the member, by their mail preference.
fn wants_mail(member: &RecipientFacts, mentioned: bool) -> bool {
    member.email.is_some()
        && match member.preferences.email_notifications {
            EmailNotifications::Never => false,
            EmailNotifications::Mentions => mentioned,
            EmailNotifications::All => true,
        }
}
