use crate::ApplicationError;
use palaver_domain::auth::Actor;
use palaver_domain::notification::{EmailNotifications, Locale, Preferences, TimeZoneName};
use palaver_domain::ports::PreferenceRepository;
use std::sync::Arc;

/// The fields a `PATCH` may change; absent ones stay as they are.
#[derive(Debug, Clone, Default)]
pub struct PreferencesPatch {
    pub email_notifications: Option<String>,
    pub email_delay_secs: Option<i64>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
}

/// Changes the caller's notification preferences.
pub struct UpdatePreferences {
    preferences: Arc<dyn PreferenceRepository>,
}

impl UpdatePreferences {
    pub fn new(preferences: Arc<dyn PreferenceRepository>) -> Self {
        Self { preferences }
    }

    /// The whole preferences after the change. `Validation` naming the first bad field;
    /// nothing is stored then.
    pub async fn execute(
        &self,
        actor: &Actor,
        patch: PreferencesPatch,
    ) -> Result<Preferences, ApplicationError> {
        let mut preferences = self.preferences.preferences(actor.user_id).await?;
        if let Some(email) = &patch.email_notifications {
            preferences.email_notifications = EmailNotifications::parse(email)?;
        }
        if let Some(delay) = patch.email_delay_secs {
            preferences.email_delay_secs = Preferences::check_email_delay(delay)?;
        }
        if let Some(locale) = &patch.locale {
            preferences.locale = Locale::parse(locale)?;
        }
        if let Some(zone) = &patch.time_zone {
            preferences.time_zone = TimeZoneName::parse(zone)?;
        }
        self.preferences
            .save_preferences(actor.user_id, &preferences)
            .await?;
        Ok(preferences)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::ports::MockPreferenceRepository;

    fn store(saves: usize) -> MockPreferenceRepository {
        let mut store = MockPreferenceRepository::new();
        store
            .expect_preferences()
            .returning(|_| Ok(Preferences::default()));
        store
            .expect_save_preferences()
            .times(saves)
            .returning(|_, _| Ok(()));
        store
    }

    #[tokio::test]
    async fn changes_only_what_is_given() {
        let ann = user("ann");
        let update = UpdatePreferences::new(Arc::new(store(1)));
        let after = update
            .execute(
                &actor_for(&ann),
                PreferencesPatch {
                    email_notifications: Some("all".into()),
                    time_zone: Some("Europe/Paris".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(after.email_notifications, EmailNotifications::All);
        assert_eq!(after.time_zone.as_str(), "Europe/Paris");
        assert_eq!(after.locale, Preferences::default().locale);
    }

    #[tokio::test]
    async fn a_bad_field_is_named_and_nothing_is_stored() {
        let ann = user("ann");
        for (patch, field) in [
            (
                PreferencesPatch {
                    email_notifications: Some("daily".into()),
                    ..Default::default()
                },
                "email_notifications",
            ),
            (
                PreferencesPatch {
                    email_delay_secs: Some(-5),
                    ..Default::default()
                },
                "email_delay_secs",
            ),
            (
                PreferencesPatch {
                    locale: Some("english please".into()),
                    ..Default::default()
                },
                "locale",
            ),
            (
                PreferencesPatch {
                    time_zone: Some("Mars Base".into()),
                    ..Default::default()
                },
                "time_zone",
            ),
        ] {
            let update = UpdatePreferences::new(Arc::new(store(0)));
            let error = update.execute(&actor_for(&ann), patch).await.unwrap_err();
            assert!(
                matches!(error, ApplicationError::Validation(ref v) if v.field == field),
                "{field}: {error:?}"
            );
        }
    }
}
