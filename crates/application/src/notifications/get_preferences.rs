use crate::ApplicationError;
use palaver_domain::auth::Actor;
use palaver_domain::notification::Preferences;
use palaver_domain::ports::PreferenceRepository;
use std::sync::Arc;

/// The caller's notification preferences (the defaults until they set some).
pub struct GetPreferences {
    preferences: Arc<dyn PreferenceRepository>,
}

impl GetPreferences {
    pub fn new(preferences: Arc<dyn PreferenceRepository>) -> Self {
        Self { preferences }
    }

    pub async fn execute(&self, actor: &Actor) -> Result<Preferences, ApplicationError> {
        Ok(self.preferences.preferences(actor.user_id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::ports::MockPreferenceRepository;

    #[tokio::test]
    async fn reads_the_callers() {
        let ann = user("ann");
        let id = ann.id;
        let mut store = MockPreferenceRepository::new();
        store
            .expect_preferences()
            .withf(move |user| *user == id)
            .returning(|_| Ok(Preferences::default()));
        let got = GetPreferences::new(Arc::new(store))
            .execute(&actor_for(&ann))
            .await
            .unwrap();
        assert_eq!(got, Preferences::default());
    }
}
