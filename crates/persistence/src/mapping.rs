//! Conversions between table rows and domain entities.

mod attachments;
mod conversations;

pub use attachments::*;
pub use conversations::*;

use crate::entities::{sessions, users};
use crate::error::corrupt;
use palaver_domain::RepositoryError;
use palaver_domain::auth::{Session, SessionId};
use palaver_domain::user::{
    AvatarUrl, EmailAddress, PasswordHash, PersonName, PhoneNumber, Role, User, UserId, UserKind,
    Username,
};
use sea_orm::ActiveValue::Set;

pub fn user_from_row(row: users::Model) -> Result<User, RepositoryError> {
    let bad = |e: palaver_domain::ValidationError| corrupt("users", e);
    Ok(User {
        id: UserId::from_uuid(row.id),
        username: Username::parse(&row.username).map_err(bad)?,
        email: row
            .email
            .as_deref()
            .map(EmailAddress::parse)
            .transpose()
            .map_err(bad)?,
        phone: row
            .phone
            .as_deref()
            .map(PhoneNumber::parse)
            .transpose()
            .map_err(bad)?,
        first_name: row
            .first_name
            .as_deref()
            .map(|n| PersonName::parse("first_name", n))
            .transpose()
            .map_err(bad)?,
        last_name: row
            .last_name
            .as_deref()
            .map(|n| PersonName::parse("last_name", n))
            .transpose()
            .map_err(bad)?,
        avatar_url: row
            .avatar_url
            .as_deref()
            .map(AvatarUrl::parse)
            .transpose()
            .map_err(bad)?,
        role: Role::parse(&row.role).map_err(bad)?,
        kind: UserKind::parse(&row.kind).map_err(bad)?,
        password_hash: PasswordHash::from_stored(row.password_hash),
        created_at: row.created_at,
        updated_at: row.updated_at,
        last_seen_at: row.last_seen_at,
    })
}

/// An optional value type as the text column stores it.
pub fn text<T: AsRef<str>>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(|v| v.as_ref().to_owned())
}

/// Every column of a user, for inserts.
pub fn user_to_row(user: &User) -> users::ActiveModel {
    users::ActiveModel {
        id: Set(user.id.as_uuid()),
        username: Set(user.username.as_str().to_owned()),
        username_key: Set(user.username.canonical()),
        email: Set(text(&user.email)),
        phone: Set(text(&user.phone)),
        first_name: Set(text(&user.first_name)),
        last_name: Set(text(&user.last_name)),
        avatar_url: Set(text(&user.avatar_url)),
        role: Set(user.role.as_str().to_owned()),
        kind: Set(user.kind.as_str().to_owned()),
        password_hash: Set(user.password_hash.as_str().to_owned()),
        created_at: Set(user.created_at),
        updated_at: Set(user.updated_at),
        last_seen_at: Set(user.last_seen_at),
    }
}

pub fn session_from_row(row: sessions::Model) -> Session {
    Session {
        id: SessionId::from_uuid(row.id),
        user_id: UserId::from_uuid(row.user_id),
        created_at: row.created_at,
        revoked_at: row.revoked_at,
    }
}
