use palaver_domain::ports::PresenceDirectory;
use palaver_domain::user::{User, UserId};

/// A user together with whether they are connected right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfile {
    pub user: User,
    pub online: bool,
}

/// Attaches online flags to users with one presence look-up. If presence cannot be asked,
/// everybody is shown offline rather than failing the whole request.
pub(crate) async fn with_presence(
    presence: &dyn PresenceDirectory,
    users: Vec<User>,
) -> Vec<UserProfile> {
    let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    let online = match presence.online_among(&ids).await {
        Ok(online) => online,
        Err(error) => {
            tracing::warn!(%error, "presence unavailable; showing users offline");
            Vec::new()
        }
    };
    users
        .into_iter()
        .map(|user| UserProfile {
            online: online.contains(&user.id),
            user,
        })
        .collect()
}
