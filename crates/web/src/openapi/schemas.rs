//! Schemas of values the DTOs render as plain strings (roles, kinds, event types) and of
//! the one error shape. The names match the domain's `parse` / `as_str` spellings; the
//! tests in this module check them against the domain so they cannot drift.

#![allow(
    dead_code,
    reason = "these types exist for their schemas only; nothing builds them"
)]

use serde::Serialize;
use utoipa::ToSchema;

/// A user's global role.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    User,
    Admin,
}

/// Whether an account is a person's (`user`) or a bot's (`bot`): a user's `kind`, a
/// message's `sender_kind`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserKindName {
    User,
    Bot,
}

/// `direct` (two people), `group` (everyone posts) or `channel` (owner and admins post).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversationKindName {
    Direct,
    Group,
    Channel,
}

/// A member's role in a conversation.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberRoleName {
    Owner,
    Admin,
    Member,
}

/// What a searched message must have (`has=`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchHas {
    Attachment,
}

/// The roles an owner may give a member (ownership moves only when the owner leaves).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssignableRole {
    Admin,
    Member,
}

/// The type of a logged conversation event.
#[derive(Serialize, ToSchema)]
pub enum EventType {
    #[serde(rename = "message.created")]
    MessageCreated,
    #[serde(rename = "message.updated")]
    MessageUpdated,
    #[serde(rename = "message.deleted")]
    MessageDeleted,
    #[serde(rename = "member.joined")]
    MemberJoined,
    #[serde(rename = "member.left")]
    MemberLeft,
    #[serde(rename = "member.updated")]
    MemberUpdated,
    #[serde(rename = "conversation.updated")]
    ConversationUpdated,
    #[serde(rename = "reaction.added")]
    ReactionAdded,
    #[serde(rename = "reaction.removed")]
    ReactionRemoved,
    #[serde(rename = "message.pinned")]
    MessagePinned,
    #[serde(rename = "message.unpinned")]
    MessageUnpinned,
}

/// Every error, from every layer: `{"error": {"code", "message", "details"?}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorFields,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorFields {
    pub code: ErrorCode,
    /// Human-readable; not meant for matching.
    pub message: String,
    /// Per-code extras: `fields` (validation_failed: field name to problem), `field`
    /// (conflict), `allowed` (method_not_allowed), `retry_after_ms` (rate_limited).
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

/// The machine-readable error code; the HTTP status follows from it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400
    ValidationFailed,
    /// 401
    Unauthorized,
    /// 403
    Forbidden,
    /// 404
    NotFound,
    /// 405
    MethodNotAllowed,
    /// 409
    Conflict,
    /// 413
    PayloadTooLarge,
    /// 415
    UnsupportedMediaType,
    /// 416
    RangeNotSatisfiable,
    /// 429
    RateLimited,
    /// 500
    Internal,
    /// 503
    Unavailable,
}

/// `{"added": [user_id]}`: the users who were not members before.
#[derive(Serialize, ToSchema)]
pub struct AddedMembers {
    pub added: Vec<uuid::Uuid>,
}

/// `{"status": "ok"}` or `{"status": "ready"}`.
#[derive(Serialize, ToSchema)]
pub struct HealthStatus {
    pub status: String,
}

/// A UUID in its hyphenated form, for ids sent in bodies and queries.
#[derive(Serialize, ToSchema)]
#[schema(
    value_type = String,
    format = Uuid,
    pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)]
pub struct UuidText(String);
