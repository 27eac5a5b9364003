use super::{FieldErrors, nullable, rfc3339, rfc3339_opt};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use palaver_application::users::UserProfile;
use palaver_domain::ValidationError;
use palaver_domain::user::{
    AvatarUrl, EmailAddress, Password, PersonName, PhoneNumber, Role, UserPatch, Username, Viewer,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A user as the API shows it. `email` and `phone` are present only for the user
/// themself and for admins.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserResponse {
    pub id: Uuid,
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Present for the user themself and for admins only.
    #[serde(skip_serializing_if = "Hidden::is_hidden")]
    #[schema(value_type = Option<String>)]
    pub email: Hidden<Option<String>>,
    /// Present for the user themself and for admins only.
    #[serde(skip_serializing_if = "Hidden::is_hidden")]
    #[schema(value_type = Option<String>)]
    pub phone: Hidden<Option<String>>,
    #[schema(value_type = crate::openapi::schemas::UserRole)]
    pub role: &'static str,
    /// `bot` for a bot account, `user` for a person.
    #[schema(value_type = crate::openapi::schemas::UserKindName)]
    pub kind: &'static str,
    pub avatar_url: Option<String>,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub last_seen_at: Option<DateTime<Utc>>,
    pub online: bool,
}

/// A value that is either shown or withheld from this viewer.
#[derive(Debug)]
pub enum Hidden<T> {
    Shown(T),
    Withheld,
}

impl<T> Hidden<T> {
    fn is_hidden(&self) -> bool {
        matches!(self, Hidden::Withheld)
    }
}

impl<T: Serialize> Serialize for Hidden<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Hidden::Shown(value) => value.serialize(serializer),
            Hidden::Withheld => serializer.serialize_none(),
        }
    }
}

impl UserResponse {
    pub fn for_viewer(profile: UserProfile, viewer: Viewer) -> Self {
        let user = profile.user;
        let private = viewer.may_see_contact_details_of(user.id);
        let reveal = |value: Option<String>| {
            if private {
                Hidden::Shown(value)
            } else {
                Hidden::Withheld
            }
        };
        Self {
            id: user.id.as_uuid(),
            email: reveal(user.email.map(EmailAddress::into_inner)),
            phone: reveal(user.phone.map(PhoneNumber::into_inner)),
            username: user.username.into_inner(),
            first_name: user.first_name.map(PersonName::into_inner),
            last_name: user.last_name.map(PersonName::into_inner),
            role: user.role.as_str(),
            kind: user.kind.as_str(),
            avatar_url: user.avatar_url.map(AvatarUrl::into_inner),
            created_at: user.created_at,
            updated_at: user.updated_at,
            last_seen_at: user.last_seen_at,
            online: profile.online,
        }
    }
}

/// `PATCH /api/users/me` and `/api/users/{id}`. Nullable fields may be sent as `null` (or
/// `""`) to clear them; fields left out stay as they are. `role` is for admins changing
/// someone else; `current_password` is needed to change one's own email address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[schema(min_length = 3, max_length = 32, pattern = r"^[A-Za-z0-9_.-]+$")]
    pub username: Option<String>,
    /// Changing one's own email address needs `current_password`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(
        pattern = r"^\s*(?:[!-;=?A-~]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)?\s*$"
    )]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(pattern = r"^\s*(?:\+?[ ().-]*(?:[0-9][ ().-]*){5,20})?\s*$")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(
        pattern = r"^\s*(?:[^\x00-\x1f\x7f-\x9f\s](?:[^\x00-\x1f\x7f-\x9f]{0,62}[^\x00-\x1f\x7f-\x9f\s])?)?\s*$"
    )]
    pub first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(
        pattern = r"^\s*(?:[^\x00-\x1f\x7f-\x9f\s](?:[^\x00-\x1f\x7f-\x9f]{0,62}[^\x00-\x1f\x7f-\x9f\s])?)?\s*$"
    )]
    pub last_name: Option<Option<String>>,
    /// An http(s) URL.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(pattern = r"^\s*(?:https?://[!-.0-~][!-~]{0,2038})?\s*$")]
    pub avatar_url: Option<Option<String>>,
    /// Admins changing someone else only.
    #[schema(value_type = Option<crate::openapi::schemas::UserRole>)]
    pub role: Option<String>,
    /// Needed to change one's own email address.
    pub current_password: Option<String>,
}

impl UpdateUserRequest {
    /// The password offered to confirm an email change, if any.
    pub fn current_password(&self) -> Option<Password> {
        self.current_password.as_deref().map(Password::offered)
    }

    pub fn try_into_domain(&self) -> Result<UserPatch, ApiError> {
        let mut errors = FieldErrors::default();
        let username = self
            .username
            .as_deref()
            .and_then(|u| errors.check(Username::parse(u)));
        let email = clearable(&mut errors, &self.email, EmailAddress::parse);
        let phone = clearable(&mut errors, &self.phone, PhoneNumber::parse);
        let first_name = clearable(&mut errors, &self.first_name, |n| {
            PersonName::parse("first_name", n)
        });
        let last_name = clearable(&mut errors, &self.last_name, |n| {
            PersonName::parse("last_name", n)
        });
        let avatar_url = clearable(&mut errors, &self.avatar_url, AvatarUrl::parse);
        let role = self
            .role
            .as_deref()
            .and_then(|r| errors.check(Role::parse(r)));
        let any_failed =
            self.username.is_some() && username.is_none() || self.role.is_some() && role.is_none();
        errors.finish(|| {
            (!any_failed).then_some(UserPatch {
                username,
                email: email?,
                phone: phone?,
                first_name: first_name?,
                last_name: last_name?,
                avatar_url: avatar_url?,
                role,
            })
        })
    }
}

/// A patch of a nullable field: absent stays absent; `null` or blank clears it; anything
/// else must parse. The outer `Option` is `None` only when parsing failed.
#[allow(clippy::option_option)]
fn clearable<T>(
    errors: &mut FieldErrors,
    field: &Option<Option<String>>,
    parse: impl FnOnce(&str) -> Result<T, ValidationError>,
) -> Option<Option<Option<T>>> {
    match field {
        None => Some(None),
        Some(None) => Some(Some(None)),
        Some(Some(raw)) if raw.trim().is_empty() => Some(Some(None)),
        Some(Some(raw)) => errors.check(parse(raw)).map(|v| Some(Some(v))),
    }
}

/// `DELETE /api/users/me` (and `/api/users/{id}` on oneself) confirms with the password.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeleteAccountRequest {
    pub password: String,
}

/// `GET /api/users?q=&cursor=&limit=`. (Not a flattened `PageQuery`: flattening makes
/// serde_urlencoded hand numbers over as strings, so `limit` would never parse.)
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Matches usernames and names; absent or blank lists everyone. At most 100 characters.
    #[param(max_length = 100, pattern = r"^[^\u0000-\u0008\u000b-\u001f]*$")]
    pub q: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<UserPatch, ApiError> {
        serde_json::from_str::<UpdateUserRequest>(json)
            .unwrap()
            .try_into_domain()
    }

    #[test]
    fn absent_null_and_values_mean_different_things() {
        let patch = parse(r#"{"first_name": "Ada", "last_name": null, "phone": ""}"#).unwrap();
        assert_eq!(patch.first_name.unwrap().unwrap().as_str(), "Ada");
        assert_eq!(patch.last_name, Some(None));
        assert_eq!(patch.phone, Some(None));
        assert_eq!(patch.email, None);
        assert_eq!(patch.username, None);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let error = parse(r#"{"username": "x", "email": "nope", "role": "root"}"#).unwrap_err();
        let text = format!("{error}");
        for field in ["username", "email", "role"] {
            assert!(text.contains(field), "{text} should mention {field}");
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_str::<UpdateUserRequest>(r#"{"password": "x"}"#).is_err());
    }
}
