//! Sends the pending notifications that fell due: decides, then pushes or mails.

use crate::decision::{Facts, decide};
use crate::digest::Digest;
use crate::push::{PushOutcome, PushPayload, PushSender, WebPushClient};
use crate::unsubscribe::{Unsubscribe, UnsubscribeTokens};
use chrono::{Duration, Utc};
use palaver_domain::conversation::{Conversation, Message};
use palaver_domain::error::BoxError;
use palaver_domain::notification::{Channel, PushSubscriptionId, RecipientFacts};
use palaver_domain::ports::{
    ConversationRepository, Enqueued, Mailer, MessageRepository, NotificationStore, OutgoingMail,
    PresenceDirectory, PushSubscriptionRepository, SeqWindow, UserRepository,
};
use palaver_domain::user::{EmailAddress, UserId};
use std::collections::HashMap;
use std::sync::Arc;

/// Claimed at once per round.
const CLAIM_BATCH: u64 = 50;
/// How long a claimed notification is this node's to send.
const LEASE_SECS: i64 = 120;
/// Messages read for one notification (a digest lists at most its first ones).
const MESSAGES_READ: u64 = 100;

pub(crate) struct Delivery {
    pub store: Arc<dyn NotificationStore>,
    pub conversations: Arc<dyn ConversationRepository>,
    pub messages: Arc<dyn MessageRepository>,
    pub users: Arc<dyn UserRepository>,
    pub presence: Arc<dyn PresenceDirectory>,
    pub subscriptions: Arc<dyn PushSubscriptionRepository>,
    pub mailer: Arc<dyn Mailer>,
    pub push: Arc<WebPushClient>,
    pub unsubscribe: UnsubscribeTokens,
    pub delay: Duration,
    pub push_max_attempts: u32,
    pub push_retry_base: Duration,
    pub public_url: String,
}

/// What became of one claimed notification.
enum Done {
    /// Sent, or not to be sent: gone (or waiting again for messages that joined it).
    Finished,
    /// Try again after `wait`, to the subscriptions in `only` (every one when `None`).
    RetryIn {
        wait: Duration,
        only: Option<Vec<PushSubscriptionId>>,
    },
}

impl Delivery {
    /// Sends everything due now; failures are logged and retried later.
    pub async fn run_once(&self) {
        loop {
            let now = Utc::now();
            let claimed = match self
                .store
                .claim_due(now, now + Duration::seconds(LEASE_SECS), CLAIM_BATCH)
                .await
            {
                Ok(claimed) => claimed,
                Err(error) => {
                    tracing::warn!(%error, "claiming due notifications failed");
                    return;
                }
            };
            let full = claimed.len() as u64 == CLAIM_BATCH;
            for item in claimed {
                self.settle(item).await;
            }
            if !full {
                return;
            }
        }
    }

    async fn settle(&self, item: Enqueued) {
        let id = item.notification.id;
        let outcome = match self.handle(&item).await {
            Ok(outcome) => outcome,
            Err(error) => {
                tracing::warn!(%error, "sending a notification failed; retrying");
                Done::RetryIn {
                    wait: self.backoff(item.notification.attempts, None),
                    only: item.notification.retry_only.clone(),
                }
            }
        };
        let stored = match outcome {
            Done::RetryIn { .. } if item.notification.attempts + 1 >= self.push_max_attempts => {
                tracing::warn!(%id, "notification given up after repeated failures");
                self.finish(&item).await
            }
            Done::RetryIn { wait, only } => {
                self.store
                    .retry_at(id, item.last_seq, Utc::now() + wait, only)
                    .await
            }
            Done::Finished => self.finish(&item).await,
        };
        if let Err(error) = stored {
            tracing::warn!(%error, %id, "recording a sent notification failed");
        }
    }

    async fn finish(&self, item: &Enqueued) -> Result<(), palaver_domain::RepositoryError> {
        self.store
            .finish(item.notification.id, item.last_seq, Utc::now() + self.delay)
            .await
    }

    fn backoff(&self, attempts: u32, retry_after: Option<std::time::Duration>) -> Duration {
        let doubled = self.push_retry_base * 2_i32.saturating_pow(attempts.min(16));
        let asked = retry_after
            .and_then(|wait| Duration::from_std(wait).ok())
            .unwrap_or(Duration::zero());
        doubled.max(asked).min(Duration::hours(1))
    }

    async fn handle(&self, item: &Enqueued) -> Result<Done, BoxError> {
        let pending = &item.notification;
        let members = self.store.recipients(pending.conversation_id).await?;
        let Some(member) = members.iter().find(|m| m.user_id == pending.user_id) else {
            return Ok(Done::Finished); // they left
        };
        let online = !self
            .presence
            .online_among(&[pending.user_id])
            .await?
            .is_empty();
        let facts = Facts {
            channel: pending.channel,
            member,
            last_seq: item.last_seq,
            mentioned: item.mentioned,
            online,
            now: Utc::now(),
        };
        if let Err(skip) = decide(&facts) {
            tracing::debug!(?skip, user = %pending.user_id, "notification not sent");
            metrics::counter!("palaver_notifications_skipped_total").increment(1);
            return Ok(Done::Finished);
        }
        let Some(conversation) = self.conversations.find(pending.conversation_id).await? else {
            return Ok(Done::Finished);
        };
        let messages = self.messages_of(item).await?;
        if messages.is_empty() {
            return Ok(Done::Finished); // deleted meanwhile
        }
        match pending.channel {
            Channel::Push => self.push(item, member, &conversation, &messages).await,
            Channel::Mail => self.mail(member, &conversation, &messages).await,
        }
    }

    /// The notification's messages still standing, each with its sender's username.
    async fn messages_of(&self, item: &Enqueued) -> Result<Vec<(Message, String)>, BoxError> {
        let page = self
            .messages
            .list(
                item.notification.conversation_id,
                SeqWindow::Between(item.notification.first_seq - 1, item.last_seq + 1),
                MESSAGES_READ,
            )
            .await?;
        let alive: Vec<Message> = page
            .messages
            .into_iter()
            .filter(|m| !m.is_deleted() && m.sender_id != Some(item.notification.user_id))
            .collect();
        let mut ids: Vec<UserId> = alive.iter().filter_map(|m| m.sender_id).collect();
        ids.sort();
        ids.dedup();
        let names: HashMap<UserId, String> = self
            .users
            .find_many(&ids)
            .await?
            .into_iter()
            .map(|user| (user.id, user.username.as_str().to_owned()))
            .collect();
        Ok(alive
            .into_iter()
            .map(|m| {
                let name = m
                    .sender_id
                    .and_then(|id| names.get(&id).cloned())
                    .unwrap_or_else(|| "someone".to_owned());
                (m, name)
            })
            .collect())
    }

    async fn push(
        &self,
        item: &Enqueued,
        member: &RecipientFacts,
        conversation: &Conversation,
        messages: &[(Message, String)],
    ) -> Result<Done, BoxError> {
        let mut subscriptions = self.subscriptions.list_for_user(member.user_id).await?;
        // A retry goes only to the subscriptions that did not take the last attempt.
        if let Some(only) = &item.notification.retry_only {
            subscriptions.retain(|subscription| only.contains(&subscription.id));
        }
        let Some((last, sender_name)) = messages.last() else {
            return Ok(Done::Finished);
        };
        let unread = messages
            .iter()
            .filter(|(m, _)| m.seq > member.last_read_seq)
            .count();
        let payload = PushPayload {
            kind: "message.created",
            conversation_id: conversation.id.to_string(),
            conversation_name: conversation.name.as_ref().map(|n| n.as_str().to_owned()),
            sender: last.sender_id.map(|id| PushSender {
                id: id.to_string(),
                username: sender_name.clone(),
            }),
            preview: last
                .content
                .as_ref()
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            seq: last.seq,
            unread_count: i64::try_from(unread).unwrap_or(i64::MAX),
        }
        .to_bytes();
        let mut retry: Option<Option<std::time::Duration>> = None;
        let mut owed = Vec::new();
        for subscription in &subscriptions {
            let outcome = match self.push.send(subscription, &payload, item.mentioned).await {
                Ok(outcome) => outcome,
                Err(error) => {
                    // Unreachable for now: this one is tried again, the others are done.
                    tracing::warn!(%error, subscription = %subscription.id, "push failed");
                    PushOutcome::Retry(None)
                }
            };
            match outcome {
                PushOutcome::Delivered => {
                    metrics::counter!("palaver_push_sent_total").increment(1);
                }
                PushOutcome::Gone => {
                    tracing::info!(subscription = %subscription.id, "push subscription gone; removed");
                    self.subscriptions.remove(subscription.id).await?;
                }
                PushOutcome::Retry(after) => {
                    retry = Some(retry.flatten().max(after));
                    owed.push(subscription.id);
                }
                PushOutcome::Rejected(status) => {
                    tracing::warn!(status, subscription = %subscription.id, "push refused");
                }
            }
        }
        Ok(match retry {
            Some(after) => Done::RetryIn {
                wait: self.backoff(item.notification.attempts, after),
                only: Some(owed),
            },
            None => Done::Finished,
        })
    }

    async fn mail(
        &self,
        member: &RecipientFacts,
        conversation: &Conversation,
        messages: &[(Message, String)],
    ) -> Result<Done, BoxError> {
        let Some(address) = member.email.as_deref() else {
            return Ok(Done::Finished);
        };
        let to = EmailAddress::parse(address)?;
        let link = |what: Unsubscribe| {
            format!(
                "{}/api/notifications/unsubscribe?token={}",
                self.public_url.trim_end_matches('/'),
                self.unsubscribe.sign(what)
            )
        };
        let digest = Digest {
            conversation_name: conversation.name.as_ref().map_or_else(
                || "a direct conversation".to_owned(),
                |n| n.as_str().to_owned(),
            ),
            lines: Digest::lines_from(messages),
            unsubscribe_all: link(Unsubscribe {
                user: member.user_id,
                conversation: None,
            }),
            mute_conversation: link(Unsubscribe {
                user: member.user_id,
                conversation: Some(conversation.id),
            }),
        };
        self.mailer
            .send(OutgoingMail {
                to,
                subject: digest.subject(),
                body: digest.text(),
                html: Some(digest.html()),
            })
            .await?;
        metrics::counter!("palaver_digest_mails_sent_total").increment(1);
        Ok(Done::Finished)
    }
}
