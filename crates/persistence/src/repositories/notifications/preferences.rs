use super::{SqlNotifications, get};
use crate::error::corrupt;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::ConversationId;
use palaver_domain::notification::{
    ConversationNotifications, EmailNotifications, Locale, NotificationLevel, Preferences,
    TimeZoneName,
};
use palaver_domain::ports::PreferenceRepository;
use palaver_domain::user::UserId;
use sea_orm::{DatabaseBackend, QueryResult};

/// Preferences from a row with the `user_preferences` columns, NULL (no row) meaning the
/// defaults.
pub(super) fn preferences_from(row: &QueryResult) -> Result<Preferences, RepositoryError> {
    let Some(email) = get::<Option<String>>(row, "email_notifications")? else {
        return Ok(Preferences::default());
    };
    let bad = |what: &str| corrupt("user_preferences", what);
    Ok(Preferences {
        email_notifications: EmailNotifications::parse(&email).map_err(|_| bad("email"))?,
        email_delay_secs: u32::try_from(get::<i32>(row, "email_delay_secs")?)
            .map_err(|_| bad("delay"))?,
        locale: Locale::parse(&get::<String>(row, "locale")?).map_err(|_| bad("locale"))?,
        time_zone: TimeZoneName::parse(&get::<String>(row, "time_zone")?)
            .map_err(|_| bad("time_zone"))?,
    })
}

/// A member's level from a row with `level` and `muted_until`, NULL meaning the default.
pub(super) fn settings_from(
    row: &QueryResult,
) -> Result<ConversationNotifications, RepositoryError> {
    let level = match get::<Option<String>>(row, "level")? {
        Some(level) => NotificationLevel::parse(&level)
            .map_err(|_| corrupt("conversation_notification_settings", "level"))?,
        None => NotificationLevel::default(),
    };
    Ok(ConversationNotifications {
        level,
        muted_until: get::<Option<DateTime<Utc>>>(row, "muted_until")?,
    })
}

#[async_trait]
impl PreferenceRepository for SqlNotifications {
    async fn preferences(&self, user: UserId) -> Result<Preferences, RepositoryError> {
        let rows = self
            .query(
                "SELECT email_notifications, email_delay_secs, locale, time_zone \
                 FROM user_preferences WHERE user_id = ?",
                vec![user.as_uuid().into()],
            )
            .await?;
        rows.first()
            .map_or(Ok(Preferences::default()), preferences_from)
    }

    async fn save_preferences(
        &self,
        user: UserId,
        preferences: &Preferences,
    ) -> Result<(), RepositoryError> {
        let sql = match self.backend() {
            DatabaseBackend::MySql => {
                "INSERT INTO user_preferences \
                 (user_id, email_notifications, email_delay_secs, locale, time_zone) \
                 VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE \
                 email_notifications = VALUES(email_notifications), \
                 email_delay_secs = VALUES(email_delay_secs), locale = VALUES(locale), \
                 time_zone = VALUES(time_zone)"
            }
            _ => {
                "INSERT INTO user_preferences \
                 (user_id, email_notifications, email_delay_secs, locale, time_zone) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET \
                 email_notifications = excluded.email_notifications, \
                 email_delay_secs = excluded.email_delay_secs, locale = excluded.locale, \
                 time_zone = excluded.time_zone"
            }
        };
        self.execute(
            sql,
            vec![
                user.as_uuid().into(),
                preferences.email_notifications.as_str().into(),
                i32::try_from(preferences.email_delay_secs)
                    .unwrap_or(i32::MAX)
                    .into(),
                preferences.locale.as_str().into(),
                preferences.time_zone.as_str().into(),
            ],
        )
        .await?;
        Ok(())
    }

    async fn set_conversation_notifications(
        &self,
        conversation: ConversationId,
        user: UserId,
        settings: &ConversationNotifications,
    ) -> Result<(), RepositoryError> {
        let sql = match self.backend() {
            DatabaseBackend::MySql => {
                "INSERT INTO conversation_notification_settings \
                 (conversation_id, user_id, level, muted_until) VALUES (?, ?, ?, ?) \
                 ON DUPLICATE KEY UPDATE level = VALUES(level), muted_until = VALUES(muted_until)"
            }
            _ => {
                "INSERT INTO conversation_notification_settings \
                 (conversation_id, user_id, level, muted_until) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (conversation_id, user_id) DO UPDATE SET \
                 level = excluded.level, muted_until = excluded.muted_until"
            }
        };
        // The foreign key to the membership answers NotFound for a non-member.
        self.execute(
            sql,
            vec![
                conversation.as_uuid().into(),
                user.as_uuid().into(),
                settings.level.as_str().into(),
                settings.muted_until.into(),
            ],
        )
        .await?;
        Ok(())
    }
}
