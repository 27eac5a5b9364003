use crate::ApplicationError;
use palaver_domain::conversation::ConversationId;
use palaver_domain::notification::{
    ConversationNotifications, EmailNotifications, NotificationLevel,
};
use palaver_domain::ports::{PreferenceRepository, UnsubscribeLinks};
use palaver_domain::{RepositoryError, ValidationError};
use std::sync::Arc;

/// What an unsubscribe link turned off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsubscribed {
    /// Every digest mail: `email_notifications` is `never`.
    Email,
    /// That conversation's notifications: its level is `none`.
    Conversation(ConversationId),
}

/// Follows an unsubscribe link from a digest mail, without a login: the signed token is
/// the authority.
pub struct Unsubscribe {
    links: Arc<dyn UnsubscribeLinks>,
    preferences: Arc<dyn PreferenceRepository>,
}

impl Unsubscribe {
    pub fn new(
        links: Arc<dyn UnsubscribeLinks>,
        preferences: Arc<dyn PreferenceRepository>,
    ) -> Self {
        Self { links, preferences }
    }

    /// `Validation` naming `token` when it is malformed, tampered with or not ours;
    /// `NotFound` when the user (or their membership) is gone.
    pub async fn execute(&self, token: &str) -> Result<Unsubscribed, ApplicationError> {
        let (user, conversation) = self
            .links
            .verify(token)
            .ok_or_else(|| ValidationError::new("token", "is not a valid unsubscribe token"))?;
        let gone = |error: RepositoryError| match error {
            RepositoryError::NotFound => ApplicationError::NotFound("subscription"),
            other => other.into(),
        };
        match conversation {
            None => {
                let mut preferences = self.preferences.preferences(user).await?;
                preferences.email_notifications = EmailNotifications::Never;
                self.preferences
                    .save_preferences(user, &preferences)
                    .await
                    .map_err(gone)?;
                Ok(Unsubscribed::Email)
            }
            Some(conversation) => {
                let off = ConversationNotifications {
                    level: NotificationLevel::None,
                    muted_until: None,
                };
                self.preferences
                    .set_conversation_notifications(conversation, user, &off)
                    .await
                    .map_err(gone)?;
                Ok(Unsubscribed::Conversation(conversation))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palaver_domain::notification::Preferences;
    use palaver_domain::ports::{MockPreferenceRepository, MockUnsubscribeLinks};
    use palaver_domain::user::UserId;

    #[tokio::test]
    async fn a_valid_token_turns_mail_off_and_a_bad_one_changes_nothing() {
        let user = UserId::generate();
        let mut links = MockUnsubscribeLinks::new();
        links
            .expect_verify()
            .returning(move |token| (token == "good").then_some((user, None)));
        let mut preferences = MockPreferenceRepository::new();
        preferences
            .expect_preferences()
            .returning(|_| Ok(Preferences::default()));
        preferences
            .expect_save_preferences()
            .withf(|_, p| p.email_notifications == EmailNotifications::Never)
            .times(1)
            .returning(|_, _| Ok(()));
        let unsubscribe = Unsubscribe::new(Arc::new(links), Arc::new(preferences));
        assert_eq!(
            unsubscribe.execute("good").await.unwrap(),
            Unsubscribed::Email
        );
        let error = unsubscribe.execute("tampered").await.unwrap_err();
        assert!(matches!(error, ApplicationError::Validation(ref v) if v.field == "token"));
    }
}
