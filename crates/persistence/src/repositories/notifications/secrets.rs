use super::{SqlNotifications, get};
use crate::error::corrupt;
use async_trait::async_trait;
use palaver_domain::RepositoryError;
use palaver_domain::ports::ServerSecrets;

#[async_trait]
impl ServerSecrets for SqlNotifications {
    async fn get_or_insert(&self, name: &str, candidate: &str) -> Result<String, RepositoryError> {
        let insert = self.insert_ignoring("server_secrets (name, value)", "?, ?");
        self.execute(&insert, vec![name.into(), candidate.into()])
            .await?;
        let rows = self
            .query(
                "SELECT value FROM server_secrets WHERE name = ?",
                vec![name.into()],
            )
            .await?;
        let row = rows
            .first()
            .ok_or_else(|| corrupt("server_secrets", "the secret vanished"))?;
        get(row, "value")
    }
}
