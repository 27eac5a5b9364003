//! The `User` aggregate.

mod password;
mod values;

pub use password::{Password, PasswordHash};
pub use values::{AvatarUrl, EmailAddress, PersonName, PhoneNumber, Username};

use crate::ValidationError;
use chrono::{DateTime, Utc};
use std::fmt;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(Uuid);

impl UserId {
    /// A new, time-ordered id.
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    pub fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The global role. Conversation roles are a separate thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw {
            "user" => Ok(Role::User),
            "admin" => Ok(Role::Admin),
            _ => Err(ValidationError::new(
                "role",
                "must be \"user\" or \"admin\"",
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub first_name: Option<PersonName>,
    pub last_name: Option<PersonName>,
    pub avatar_url: Option<AvatarUrl>,
    pub role: Role,
    pub password_hash: PasswordHash,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Applies a profile change, stamping `updated_at` only when something changed.
    /// Returns whether anything changed.
    pub fn apply(&mut self, patch: UserPatch, now: DateTime<Utc>) -> bool {
        let before = self.clone();
        if let Some(username) = patch.username {
            self.username = username;
        }
        if let Some(email) = patch.email {
            self.email = email;
        }
        if let Some(phone) = patch.phone {
            self.phone = phone;
        }
        if let Some(first_name) = patch.first_name {
            self.first_name = first_name;
        }
        if let Some(last_name) = patch.last_name {
            self.last_name = last_name;
        }
        if let Some(avatar_url) = patch.avatar_url {
            self.avatar_url = avatar_url;
        }
        if let Some(role) = patch.role {
            self.role = role;
        }
        let changed = *self != before;
        if changed {
            self.updated_at = now;
        }
        changed
    }
}

/// A partial update of a profile. The outer `Option` says whether a field is being
/// changed; the inner one, for nullable fields, whether it is being cleared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPatch {
    pub username: Option<Username>,
    pub email: Option<Option<EmailAddress>>,
    pub phone: Option<Option<PhoneNumber>>,
    pub first_name: Option<Option<PersonName>>,
    pub last_name: Option<Option<PersonName>>,
    pub avatar_url: Option<Option<AvatarUrl>>,
    /// Only an admin may change a role; use-cases enforce that.
    pub role: Option<Role>,
}

/// Who is looking at a profile, for the visibility rules of its private fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: UserId,
    pub role: Role,
}

impl Viewer {
    /// Email and phone are shown to the user themself and to admins only.
    pub fn may_see_contact_details_of(&self, user: UserId) -> bool {
        self.user_id == user || self.role == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_user() -> User {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        User {
            id: UserId::generate(),
            username: Username::parse("ada").unwrap(),
            email: None,
            phone: None,
            first_name: None,
            last_name: None,
            avatar_url: None,
            role: Role::User,
            password_hash: PasswordHash::from_stored("h".into()),
            created_at: at,
            updated_at: at,
            last_seen_at: None,
        }
    }

    #[test]
    fn applying_a_patch_changes_only_named_fields_and_stamps_the_time() {
        let mut user = sample_user();
        let later = user.updated_at + chrono::Duration::seconds(5);
        let patch = UserPatch {
            first_name: Some(Some(PersonName::parse("first_name", "Ada").unwrap())),
            ..UserPatch::default()
        };
        assert!(user.apply(patch, later));
        assert_eq!(user.first_name.as_ref().unwrap().as_str(), "Ada");
        assert_eq!(user.username.as_str(), "ada");
        assert_eq!(user.updated_at, later);

        let clear = UserPatch {
            first_name: Some(None),
            ..UserPatch::default()
        };
        assert!(user.apply(clear, later));
        assert!(user.first_name.is_none());
    }

    #[test]
    fn an_empty_patch_changes_nothing() {
        let mut user = sample_user();
        let before = user.clone();
        assert!(!user.apply(
            UserPatch::default(),
            before.updated_at + chrono::Duration::seconds(1)
        ));
        assert_eq!(user, before);
    }

    #[test]
    fn contact_details_are_for_self_and_admins() {
        let owner = UserId::generate();
        let other = UserId::generate();
        let me = Viewer {
            user_id: owner,
            role: Role::User,
        };
        let stranger = Viewer {
            user_id: other,
            role: Role::User,
        };
        let admin = Viewer {
            user_id: other,
            role: Role::Admin,
        };
        assert!(me.may_see_contact_details_of(owner));
        assert!(!stranger.may_see_contact_details_of(owner));
        assert!(admin.may_see_contact_details_of(owner));
    }

    #[test]
    fn roles_round_trip() {
        for role in [Role::User, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::parse("root").is_err());
    }
}
