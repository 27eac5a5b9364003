//! Pins: `PUT` / `DELETE /api/conversations/{id}/pins/{message_id}` and the list.

use crate::dto::rich::{PinList, PinResponse};
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use palaver_domain::conversation::{ConversationId, MessageId};
use uuid::Uuid;

async fn change(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    pin: bool,
) -> Result<HttpResponse, ApiError> {
    let (conversation, message) = path.into_inner();
    state
        .pin_message
        .execute(
            &caller.0,
            ConversationId::from_uuid(conversation),
            MessageId::from_uuid(message),
            pin,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 204 whether or not it was pinned; only a new pin logs `message.pinned`.
#[utoipa::path(
    put,
    path = "/api/conversations/{id}/pins/{message_id}",
    tag = "conversations",
    summary = "Pin a message (owner/admin; any member of a direct or group)",
    params(
        ("id" = Uuid, Path, description = "Conversation id"),
        ("message_id" = Uuid, Path, description = "A message of that conversation"),
    ),
    responses(
        (status = 204, description = "Pinned; `message.pinned` when it was not yet"),
        (status = 400, description = "`validation_failed`: a path parameter is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 403, description = "`forbidden`: a plain member of a channel", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such conversation or not a member; or no such message in it (a message of another conversation included), or deleted", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn pin(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    change(state, caller, path, true).await
}

/// 204 whether or not it was pinned; only removing a pin logs `message.unpinned`.
#[utoipa::path(
    delete,
    path = "/api/conversations/{id}/pins/{message_id}",
    tag = "conversations",
    summary = "Unpin a message (who may pin)",
    params(
        ("id" = Uuid, Path, description = "Conversation id"),
        ("message_id" = Uuid, Path, description = "A message of that conversation"),
    ),
    responses(
        (status = 204, description = "Not pinned; `message.unpinned` when it was"),
        (status = 400, description = "`validation_failed`: a path parameter is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 403, description = "`forbidden`: a plain member of a channel", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such conversation or not a member; or no such message in it, or deleted", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn unpin(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    change(state, caller, path, false).await
}

#[utoipa::path(
    get,
    path = "/api/conversations/{id}/pins",
    tag = "conversations",
    summary = "Pinned messages, newest pin first",
    params(("id" = Uuid, Path, description = "Conversation id")),
    responses(
        (status = 200, description = "Every pin", body = PinList),
        (status = 400, description = "`validation_failed`: the id is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such conversation, or the caller is not a member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn pins(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let pins = state
        .list_pins
        .execute(&caller.0, ConversationId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(PinList {
        items: pins.into_iter().map(PinResponse::from).collect(),
    }))
}
