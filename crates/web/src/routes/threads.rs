//! `GET /api/messages/{id}/thread`.

use crate::dto::conversations::SeqPage;
use crate::dto::rich::{MessageResponse, ThreadQuery};
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use palaver_domain::conversation::MessageId;
use uuid::Uuid;

#[utoipa::path(
    get,
    path = "/api/messages/{id}/thread",
    tag = "messages",
    summary = "A thread's replies in seq order (asked about a reply: the thread it is in)",
    params(("id" = Uuid, Path, description = "The thread's root message"), ThreadQuery),
    responses(
        (status = 200, description = "A page of replies", body = SeqPage<MessageResponse>),
        (status = 400, description = "`validation_failed`: bad id, `after_seq` or `limit`", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such message, or not a member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn thread(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    query: web::Query<ThreadQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = state
        .list_thread
        .execute(
            &caller.0,
            MessageId::from_uuid(id.into_inner()),
            query.after_seq,
            query.limit,
        )
        .await?;
    Ok(HttpResponse::Ok().json(SeqPage {
        items: page
            .messages
            .into_iter()
            .map(MessageResponse::from)
            .collect(),
        has_more: page.has_more,
    }))
}
