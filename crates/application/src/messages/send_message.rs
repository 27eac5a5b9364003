use super::mentions::mentioned_members;
use crate::ApplicationError;
use crate::conversations::membership;
use palaver_domain::Taken;
use palaver_domain::attachment::{Attachment, AttachmentIds};
use palaver_domain::auth::Actor;
use palaver_domain::conversation::policy;
use palaver_domain::conversation::{
    ClientId, ConversationId, EventPayload, Message, MessageContent, MessageId, NewMessage,
};
use palaver_domain::ports::{
    AttachmentRepository, Clock, ConversationRepository, MessageRepository, SendRateLimiter,
};
use palaver_domain::{RepositoryError, ValidationError};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct SendMessageInput {
    pub conversation_id: ConversationId,
    pub content: MessageContent,
    pub client_id: Option<ClientId>,
    pub reply_to_id: Option<MessageId>,
    /// Each uploaded by the sender and not posted yet.
    pub attachment_ids: AttachmentIds,
    /// A reply in this message's thread (a reply's own root when it is a reply).
    pub thread_root_id: Option<MessageId>,
}

/// The message, and whether this call created it (a resend returns the first one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub message: Message,
    pub created: bool,
}

/// Appends a message to a conversation. Idempotent by the sender's `client_id`: sending
/// again, even concurrently, returns the first message and logs nothing new.
///
/// A new message costs one trip to the store: the store checks membership, role and
/// conversation kind under the conversation's lock and catches a reused client id with its
/// unique index, all inside the batch it writes, and hands the committed `message.created`
/// to the notifier in seq order itself. The reads below run only on the rare paths (a reply,
/// a sender over their rate, a resend), to answer exactly as before.
pub struct SendMessage {
    conversations: Arc<dyn ConversationRepository>,
    messages: Arc<dyn MessageRepository>,
    limiter: Arc<dyn SendRateLimiter>,
    clock: Arc<dyn Clock>,
    /// Where `attachment_ids` are looked up; without it no message may carry any.
    attachments: Option<Arc<dyn AttachmentRepository>>,
}

impl SendMessage {
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        messages: Arc<dyn MessageRepository>,
        limiter: Arc<dyn SendRateLimiter>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            conversations,
            messages,
            limiter,
            clock,
            attachments: None,
        }
    }

    /// Lets messages carry attachments, looked up in `attachments`.
    pub fn with_attachments(mut self, attachments: Arc<dyn AttachmentRepository>) -> Self {
        self.attachments = Some(attachments);
        self
    }

    /// `RateLimited` when the sender is over their send rate (a resend of a message already
    /// stored is answered regardless); `NotFound` for non-members; `Forbidden` for plain
    /// members of a channel;
    /// `Validation` on `reply_to_id` for a message not in this conversation; `Conflict` on
    /// `client_id` when it was used for a message in another conversation.
    pub async fn execute(
        &self,
        actor: &Actor,
        input: SendMessageInput,
    ) -> Result<Sent, ApplicationError> {
        if let Err(retry_after) = self.limiter.check(actor.user_id, actor.kind) {
            return self.over_rate(actor, &input, retry_after).await;
        }
        if let Some(reply_to) = input.reply_to_id {
            let replied = self.messages.find(reply_to).await?;
            if replied.is_none_or(|m| m.conversation_id != input.conversation_id) {
                if let Some(first) = self.answer_before_sending(actor, &input).await? {
                    return Ok(first);
                }
                return Err(ValidationError::new(
                    "reply_to_id",
                    "must be a message of this conversation",
                )
                .into());
            }
        }
        let attachments = match self.postable_attachments(actor, &input).await? {
            Ok(attachments) => attachments,
            Err(refusal) => {
                // A resend of a message that took them answers with that message.
                if let Some(first) = self.answer_before_sending(actor, &input).await? {
                    return Ok(first);
                }
                return Err(refusal.into());
            }
        };
        let mentions = mentioned_members(
            self.conversations.as_ref(),
            input.conversation_id,
            &input.content,
        )
        .await?;
        let new = NewMessage {
            id: MessageId::generate(),
            conversation_id: input.conversation_id,
            sender_id: actor.user_id,
            sender_kind: actor.kind,
            content: input.content.clone(),
            reply_to_id: input.reply_to_id,
            client_id: input.client_id.clone(),
            attachments,
            thread_root_id: input.thread_root_id,
            mentions,
        };
        let persisting = std::time::Instant::now();
        let appended = self.messages.append(&new, self.clock.now()).await;
        metrics::histogram!("palaver_message_persist_seconds")
            .record(persisting.elapsed().as_secs_f64());
        match appended {
            Ok(event) => match event.payload {
                EventPayload::MessageCreated { message } => {
                    metrics::counter!("palaver_messages_sent_total").increment(1);
                    Ok(Sent {
                        message,
                        created: true,
                    })
                }
                _ => Err(ApplicationError::unexpected(
                    "append logged no message.created",
                )),
            },
            // Sent before (a resend), or a concurrent send with the same client id won.
            Err(RepositoryError::Conflict {
                field: Taken::ClientId,
            }) => {
                let client_id = input.client_id.as_ref().ok_or_else(|| {
                    ApplicationError::unexpected("client_id conflict without one")
                })?;
                self.earlier_send(actor, client_id, &input)
                    .await?
                    .ok_or_else(|| {
                        ApplicationError::unexpected("client_id conflict, first message gone")
                    })
            }
            // One of the attachments was posted by a concurrent send meanwhile.
            Err(RepositoryError::Conflict {
                field: Taken::Attachment,
            }) => Err(attachments_refused().into()),
            // A resend of a committed message answers with it even if the sender's role
            // has changed since: the first send was allowed.
            Err(RepositoryError::Forbidden(reason)) => match &input.client_id {
                Some(client_id) => self
                    .earlier_send(actor, client_id, &input)
                    .await?
                    .ok_or(ApplicationError::Forbidden(reason)),
                None => Err(ApplicationError::Forbidden(reason)),
            },
            // A thread root of another conversation, or deleted: unless this is a resend
            // of a message already stored, the root is at fault.
            Err(RepositoryError::Invalid(invalid)) => {
                if let Some(first) = self.answer_before_sending(actor, &input).await? {
                    return Ok(first);
                }
                Err(invalid.into())
            }
            Err(RepositoryError::NotFound) => Err(ApplicationError::NotFound("conversation")),
            Err(other) => Err(other.into()),
        }
    }

    /// The attachments `attachment_ids` names, in id (upload) order, if each is the
    /// sender's and not posted yet; else the validation error to answer with.
    async fn postable_attachments(
        &self,
        actor: &Actor,
        input: &SendMessageInput,
    ) -> Result<Result<Vec<Attachment>, ValidationError>, ApplicationError> {
        let wanted = input.attachment_ids.as_slice();
        if wanted.is_empty() {
            return Ok(Ok(Vec::new()));
        }
        let Some(store) = &self.attachments else {
            return Ok(Err(attachments_refused()));
        };
        let mut found = store.find_many(wanted).await?;
        if found.len() != wanted.len() || !found.iter().all(|a| a.may_be_posted_by(actor.user_id)) {
            return Ok(Err(attachments_refused()));
        }
        found.sort_by_key(|a| a.id);
        Ok(Ok(found))
    }

    /// The sender is over their rate: the answer that comes first (not a member, a resend,
    /// not allowed to post), else `RateLimited`.
    async fn over_rate(
        &self,
        actor: &Actor,
        input: &SendMessageInput,
        retry_after: std::time::Duration,
    ) -> Result<Sent, ApplicationError> {
        match self.answer_before_sending(actor, input).await? {
            Some(first) => Ok(first),
            None => Err(ApplicationError::RateLimited { retry_after }),
        }
    }

    /// What answers a send before its rate or its reply are looked at, read from the
    /// store: `NotFound` for a non-member, the first message for a resend, `Forbidden` for
    /// a plain member of a channel; `None` if the send would go ahead.
    async fn answer_before_sending(
        &self,
        actor: &Actor,
        input: &SendMessageInput,
    ) -> Result<Option<Sent>, ApplicationError> {
        let (conversation, member) =
            membership(self.conversations.as_ref(), input.conversation_id, actor).await?;
        if let Some(client_id) = &input.client_id
            && let Some(first) = self.earlier_send(actor, client_id, input).await?
        {
            return Ok(Some(first));
        }
        policy::may_post(conversation.kind, member.role)?;
        Ok(None)
    }

    async fn earlier_send(
        &self,
        actor: &Actor,
        client_id: &ClientId,
        input: &SendMessageInput,
    ) -> Result<Option<Sent>, ApplicationError> {
        let Some(first) = self
            .messages
            .find_by_client_id(actor.user_id, client_id)
            .await?
        else {
            return Ok(None);
        };
        if first.conversation_id != input.conversation_id {
            return Err(ApplicationError::Conflict {
                field: Taken::ClientId,
            });
        }
        Ok(Some(Sent {
            message: first,
            created: false,
        }))
    }
}

fn attachments_refused() -> ValidationError {
    ValidationError::new(
        "attachment_ids",
        "must name attachments you uploaded that are not posted yet",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{Conversation, ConversationKind, MemberRole};
    use palaver_domain::ports::MockMessageRepository;
    use palaver_domain::user::{User, UserKind};

    fn input(conversation: &Conversation, client_id: Option<&str>) -> SendMessageInput {
        SendMessageInput {
            conversation_id: conversation.id,
            content: MessageContent::parse("hello").unwrap(),
            client_id: client_id.map(|c| ClientId::parse(c).unwrap()),
            reply_to_id: None,
            attachment_ids: AttachmentIds::default(),
            thread_root_id: None,
        }
    }

    /// A sender for `member` in `conversation` over `messages`.
    fn sender(
        conversation: &Conversation,
        member: &User,
        messages: MockMessageRepository,
    ) -> SendMessage {
        SendMessage::new(
            Arc::new(store_with(conversation, &[(member, MemberRole::Member)])),
            Arc::new(messages),
            unlimited(),
            fixed_clock(),
        )
    }

    /// A message store whose append answers `error`, once.
    fn refusing(error: RepositoryError) -> MockMessageRepository {
        let mut messages = MockMessageRepository::new();
        let error = std::sync::Mutex::new(Some(error));
        messages
            .expect_append()
            .times(1)
            .returning(move |_, _| Err(error.lock().unwrap().take().unwrap()));
        messages
    }

    /// A message store that has seen no client id before and appends with seq 11 (the
    /// store, not the use-case, announces the event).
    fn appending(
        conversation: &Conversation,
        sender: &User,
        appends: usize,
    ) -> MockMessageRepository {
        let mut messages = MockMessageRepository::new();
        messages
            .expect_find_by_client_id()
            .returning(|_, _| Ok(None));
        let stored = message(conversation, sender, 11);
        let group = conversation.clone();
        messages
            .expect_append()
            .withf(|m, at| m.content.as_str() == "hello" && *at == now())
            .times(appends)
            .returning(move |_, _| {
                Ok(event(
                    &group,
                    11,
                    EventPayload::MessageCreated {
                        message: stored.clone(),
                    },
                ))
            });
        messages
    }

    #[tokio::test]
    async fn members_of_groups_and_moderators_of_channels_post_in_one_append() {
        let (owner, moderator, ann) = (user("own"), user("mod"), user("ann"));
        let roles = [
            (&owner, MemberRole::Owner),
            (&moderator, MemberRole::Admin),
            (&ann, MemberRole::Member),
        ];
        let group = conversation(ConversationKind::Group, Some(&owner));
        let channel = conversation(ConversationKind::Channel, Some(&owner));
        for (target, who) in [
            (&group, &ann),
            (&group, &owner),
            (&channel, &owner),
            (&channel, &moderator),
        ] {
            let send = SendMessage::new(
                Arc::new(store_with(target, &roles)),
                Arc::new(appending(target, who, 1)),
                unlimited(),
                fixed_clock(),
            );
            let sent = send
                .execute(&actor_for(who), input(target, Some("c-1")))
                .await
                .unwrap();
            assert!(sent.created);
            assert_eq!(sent.message.seq, 11);
        }
    }

    #[tokio::test]
    async fn plain_channel_members_and_strangers_are_refused_as_the_store_answers() {
        let (owner, ann, eve) = (user("own"), user("ann"), user("eve"));
        let channel = conversation(ConversationKind::Channel, Some(&owner));
        let refusal = "only the owner and admins post in a channel";
        for (who, answer) in [
            (&ann, RepositoryError::Forbidden(refusal)),
            (&eve, RepositoryError::NotFound),
        ] {
            let not_found = matches!(answer, RepositoryError::NotFound);
            let send = sender(&channel, &owner, refusing(answer));
            let error = send
                .execute(&actor_for(who), input(&channel, None))
                .await
                .unwrap_err();
            if not_found {
                assert!(matches!(error, ApplicationError::NotFound("conversation")));
            } else {
                assert!(matches!(error, ApplicationError::Forbidden(r) if r == refusal));
            }
        }
    }

    #[tokio::test]
    async fn over_their_rate_a_stranger_is_not_found_and_a_plain_channel_member_forbidden() {
        let (owner, ann, eve) = (user("own"), user("ann"), user("eve"));
        let channel = conversation(ConversationKind::Channel, Some(&owner));
        let roles = [(&owner, MemberRole::Owner), (&ann, MemberRole::Member)];
        for (who, not_found) in [(&ann, false), (&eve, true)] {
            let mut limiter = palaver_domain::ports::MockSendRateLimiter::new();
            limiter
                .expect_check()
                .returning(|_, _| Err(std::time::Duration::from_millis(10)));
            let mut messages = MockMessageRepository::new();
            messages
                .expect_find_by_client_id()
                .returning(|_, _| Ok(None));
            messages.expect_append().never();
            let send = SendMessage::new(
                Arc::new(store_with(&channel, &roles)),
                Arc::new(messages),
                Arc::new(limiter),
                fixed_clock(),
            );
            let error = send
                .execute(&actor_for(who), input(&channel, Some("c-1")))
                .await
                .unwrap_err();
            if not_found {
                assert!(matches!(error, ApplicationError::NotFound("conversation")));
            } else {
                assert!(matches!(error, ApplicationError::Forbidden(_)), "{error:?}");
            }
        }
    }

    #[tokio::test]
    async fn a_sender_over_their_rate_is_told_when_to_retry_and_nothing_is_stored() {
        let ann = user("ann");
        let group = conversation(ConversationKind::Group, None);
        let mut limiter = palaver_domain::ports::MockSendRateLimiter::new();
        let ann_id = ann.id;
        limiter
            .expect_check()
            .withf(move |user, kind| *user == ann_id && *kind == UserKind::Person)
            .returning(|_, _| Err(std::time::Duration::from_millis(1500)));
        let send = SendMessage::new(
            Arc::new(store_with(&group, &[(&ann, MemberRole::Member)])),
            Arc::new(appending(&group, &ann, 0)),
            Arc::new(limiter),
            fixed_clock(),
        );
        let error = send
            .execute(&actor_for(&ann), input(&group, Some("c-9")))
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            ApplicationError::RateLimited { retry_after } if retry_after.as_millis() == 1500
        ));
    }

    #[tokio::test]
    async fn a_bot_is_held_to_the_bot_rate_and_its_message_is_stored_as_a_bots() {
        let bot = User {
            kind: UserKind::Bot,
            ..user("helper-bot")
        };
        let group = conversation(ConversationKind::Group, None);
        let mut limiter = palaver_domain::ports::MockSendRateLimiter::new();
        let bot_id = bot.id;
        limiter
            .expect_check()
            .withf(move |user, kind| *user == bot_id && *kind == UserKind::Bot)
            .times(1)
            .returning(|_, _| Ok(()));
        let mut messages = MockMessageRepository::new();
        let stored = message(&group, &bot, 4);
        let in_group = group.clone();
        messages
            .expect_append()
            .withf(move |m, _| m.sender_kind == UserKind::Bot && m.sender_id == bot_id)
            .times(1)
            .returning(move |_, _| {
                Ok(event(
                    &in_group,
                    4,
                    EventPayload::MessageCreated {
                        message: stored.clone(),
                    },
                ))
            });
        let send = SendMessage::new(
            Arc::new(store_with(&group, &[(&bot, MemberRole::Member)])),
            Arc::new(messages),
            Arc::new(limiter),
            fixed_clock(),
        );
        let sent = send
            .execute(&actor_for(&bot), input(&group, None))
            .await
            .unwrap();
        assert_eq!(sent.message.sender_kind, UserKind::Bot);
    }

    #[tokio::test]
    async fn a_resend_caught_by_the_store_returns_the_first_message() {
        let ann = user("ann");
        let group = conversation(ConversationKind::Group, None);
        let first = message(&group, &ann, 5);
        let mut messages = refusing(RepositoryError::Conflict {
            field: Taken::ClientId,
        });
        let found = first.clone();
        messages
            .expect_find_by_client_id()
            .withf(|_, c| c.as_str() == "c-1")
            .times(1)
            .returning(move |_, _| Ok(Some(found.clone())));
        let send = sender(&group, &ann, messages);
        let sent = send
            .execute(&actor_for(&ann), input(&group, Some("c-1")))
            .await
            .unwrap();
        assert_eq!(
            sent,
            Sent {
                message: first,
                created: false
            }
        );
    }

    #[tokio::test]
    async fn a_resend_by_a_sender_who_may_no_longer_post_returns_the_first_message() {
        let ann = user("ann");
        let channel = conversation(ConversationKind::Channel, None);
        let first = message(&channel, &ann, 5);
        let mut messages = refusing(RepositoryError::Forbidden("demoted"));
        let found = first.clone();
        messages
            .expect_find_by_client_id()
            .times(1)
            .returning(move |_, _| Ok(Some(found.clone())));
        let sent = sender(&channel, &ann, messages)
            .execute(&actor_for(&ann), input(&channel, Some("c-1")))
            .await
            .unwrap();
        assert_eq!(
            sent,
            Sent {
                message: first,
                created: false
            }
        );
        // Without an earlier message it stays forbidden.
        let mut messages = refusing(RepositoryError::Forbidden("demoted"));
        messages
            .expect_find_by_client_id()
            .returning(|_, _| Ok(None));
        let error = sender(&channel, &ann, messages)
            .execute(&actor_for(&ann), input(&channel, Some("c-2")))
            .await
            .unwrap_err();
        assert!(matches!(error, ApplicationError::Forbidden("demoted")));
    }

    #[tokio::test]
    async fn a_client_id_used_in_another_conversation_is_a_conflict() {
        let ann = user("ann");
        let (group, elsewhere) = (
            conversation(ConversationKind::Group, None),
            conversation(ConversationKind::Group, None),
        );
        let mut messages = refusing(RepositoryError::Conflict {
            field: Taken::ClientId,
        });
        let other = message(&elsewhere, &ann, 1);
        messages
            .expect_find_by_client_id()
            .returning(move |_, _| Ok(Some(other.clone())));
        let send = sender(&group, &ann, messages);
        assert!(matches!(
            send.execute(&actor_for(&ann), input(&group, Some("c-1")))
                .await,
            Err(ApplicationError::Conflict {
                field: Taken::ClientId
            })
        ));
    }

    #[tokio::test]
    async fn a_reply_must_point_into_the_same_conversation() {
        let ann = user("ann");
        let (group, elsewhere) = (
            conversation(ConversationKind::Group, None),
            conversation(ConversationKind::Group, None),
        );
        let foreign = message(&elsewhere, &ann, 1);
        for replied in [None, Some(foreign.clone())] {
            let mut messages = MockMessageRepository::new();
            messages
                .expect_find()
                .returning(move |_| Ok(replied.clone()));
            messages.expect_append().never();
            let send = sender(&group, &ann, messages);
            let mut request = input(&group, None);
            request.reply_to_id = Some(foreign.id);
            assert!(matches!(
                send.execute(&actor_for(&ann), request).await,
                Err(ApplicationError::Validation(e)) if e.field == "reply_to_id"
            ));
        }
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected_and_a_vanished_conversation_not_found() {
        let ann = user("ann");
        let group = conversation(ConversationKind::Group, None);
        for (answer, not_found) in [
            (RepositoryError::NotFound, true),
            (RepositoryError::unexpected("db down"), false),
        ] {
            let mut messages = MockMessageRepository::new();
            let answer = std::sync::Mutex::new(Some(answer));
            messages
                .expect_append()
                .returning(move |_, _| Err(answer.lock().unwrap().take().unwrap()));
            let send = sender(&group, &ann, messages);
            let error = send
                .execute(&actor_for(&ann), input(&group, None))
                .await
                .unwrap_err();
            assert_eq!(
                matches!(error, ApplicationError::NotFound("conversation")),
                not_found,
                "{error:?}"
            );
        }
    }
}
