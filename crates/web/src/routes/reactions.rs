//! `PUT` / `DELETE /api/messages/{id}/reactions/{emoji}`.

use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use palaver_domain::conversation::{EmojiKey, MessageId};
use uuid::Uuid;

async fn react(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(Uuid, String)>,
    add: bool,
) -> Result<HttpResponse, ApiError> {
    let (id, emoji) = path.into_inner();
    let emoji = EmojiKey::parse(&emoji).map_err(|e| ApiError::validation(vec![e]))?;
    state
        .react
        .execute(&caller.0, MessageId::from_uuid(id), &emoji, add)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 204 whether or not the reaction was there; only a new one logs `reaction.added`.
#[utoipa::path(
    put,
    path = "/api/messages/{id}/reactions/{emoji}",
    tag = "messages",
    summary = "Add my reaction (idempotent)",
    params(
        ("id" = Uuid, Path, description = "Message id"),
        ("emoji" = String, Path, description = "One emoji (percent-encoded) or a `:short_code:` of 2 to 32 `[a-z0-9_+-]`"),
    ),
    responses(
        (status = 204, description = "The reaction is there; `reaction.added` when it is new"),
        (status = 400, description = "`validation_failed`: `emoji` is not one emoji or a short code, or the id is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 403, description = "`forbidden`: not allowed to react", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such message, deleted, or not a member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn add_reaction(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, ApiError> {
    react(state, caller, path, true).await
}

/// 204 whether or not the reaction was there; only removing one logs `reaction.removed`.
#[utoipa::path(
    delete,
    path = "/api/messages/{id}/reactions/{emoji}",
    tag = "messages",
    summary = "Remove my reaction (idempotent)",
    params(
        ("id" = Uuid, Path, description = "Message id"),
        ("emoji" = String, Path, description = "One emoji (percent-encoded) or a `:short_code:` of 2 to 32 `[a-z0-9_+-]`"),
    ),
    responses(
        (status = 204, description = "The reaction is gone; `reaction.removed` when there was one"),
        (status = 400, description = "`validation_failed`: `emoji` is not one emoji or a short code, or the id is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 403, description = "`forbidden`: not allowed to react", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such message, deleted, or not a member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn remove_reaction(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, ApiError> {
    react(state, caller, path, false).await
}
