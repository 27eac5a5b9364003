//! Whom a message mentions: the members named by `@username` in its content.

use crate::ApplicationError;
use palaver_domain::conversation::mention::mentioned_usernames;
use palaver_domain::conversation::{ConversationId, MessageContent};
use palaver_domain::ports::ConversationRepository;
use palaver_domain::user::UserId;

/// The members of `conversation` that `content` mentions; no trip to the store when it
/// mentions nobody.
pub(crate) async fn mentioned_members(
    conversations: &dyn ConversationRepository,
    conversation: ConversationId,
    content: &MessageContent,
) -> Result<Vec<UserId>, ApplicationError> {
    let names = mentioned_usernames(content.as_str());
    if names.is_empty() {
        return Ok(Vec::new());
    }
    Ok(conversations.members_named(conversation, &names).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use palaver_domain::ports::MockConversationRepository;

    #[tokio::test]
    async fn names_are_looked_up_only_when_there_are_some() {
        let conversation = ConversationId::generate();
        let ann = UserId::generate();
        let mut store = MockConversationRepository::new();
        store
            .expect_members_named()
            .withf(|_, names| names == ["ann".to_owned(), "bob".to_owned()])
            .times(1)
            .returning(move |_, _| Ok(vec![ann]));
        let content = MessageContent::parse("hi @Ann and @bob").unwrap();
        assert_eq!(
            mentioned_members(&store, conversation, &content)
                .await
                .unwrap(),
            vec![ann]
        );
        let quiet = MessageContent::parse("no one here").unwrap();
        assert!(
            mentioned_members(&store, conversation, &quiet)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
