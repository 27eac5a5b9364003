//! `PUT /api/conversations/{id}/delivered`, the REST twin of the `delivered` frame.

use crate::dto::rich::MarkDeliveredRequest;
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use palaver_domain::conversation::ConversationId;
use uuid::Uuid;

#[utoipa::path(
    put,
    path = "/api/conversations/{id}/delivered",
    tag = "conversations",
    summary = "Move my delivery marker forward",
    params(("id" = Uuid, Path, description = "Conversation id")),
    request_body = MarkDeliveredRequest,
    responses(
        (status = 204, description = "Moved (never backwards); members hear `delivered` when it moved"),
        (status = 404, description = "`not_found`: no such conversation, or the caller is not a member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn mark_delivered(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<MarkDeliveredRequest>,
) -> Result<HttpResponse, ApiError> {
    state
        .mark_delivered
        .execute(
            &caller.0,
            ConversationId::from_uuid(id.into_inner()),
            body.seq,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
