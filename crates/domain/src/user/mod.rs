//! The `User` aggregate.

mod kind;
mod password;
mod values;

pub use kind::UserKind;
pub use password::{Password, PasswordHash};
pub use values::{AvatarUrl, EmailAddress, PersonName, PhoneNumber, Username};

use crate::ValidationError;
use crate::id::uuid_id;
use chrono::{DateTime, Utc};

uuid_id!(UserId);

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
    /// A person or a bot; bots never log in with a password.
    pub kind: UserKind,
    pub password_hash: PasswordHash,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn is_bot(&self) -> bool {
        self.kind.is_bot()
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

impl UserPatch {
    /// Whether the patch changes nothing at all.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether the patch changes the address password-reset mail goes to.
    pub fn changes_email(&self) -> bool {
        self.email.is_some()
    }
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

    #[test]
    fn an_empty_patch_is_empty() {
        assert!(UserPatch::default().is_empty());
        let clear_email = UserPatch {
            email: Some(None),
            ..UserPatch::default()
        };
        assert!(!clear_email.is_empty());
        assert!(clear_email.changes_email());
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
