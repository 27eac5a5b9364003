use crate::dto::ListResponse;
use crate::dto::conversations::{
    EditMessageRequest, MessageResponse, MessagesQuery, SendMessageRequest, SeqPage,
};
use crate::dto::rich::{SearchMessagesQuery, SearchResult};
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use palaver_application::messages::SendMessageInput;
use palaver_application::page::PageRequest;
use palaver_domain::conversation::{ConversationId, MessageContent, MessageId};
use uuid::Uuid;

/// 201 with the new message; 200 with the first one when its `client_id` was sent before.
#[utoipa::path(
    post,
    path = "/api/conversations/{id}/messages",
    tag = "messages",
    summary = "Send a message",
    params(("id" = Uuid, Path, description = "Conversation id")),
    request_body = SendMessageRequest,
    responses(
        (status = 201, description = "Sent", body = MessageResponse),
        (status = 200, description = "This `client_id` was sent before: the first message", body = MessageResponse),
        (status = 403, description = "`forbidden`: a member of a channel who may not post", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such conversation, or the caller is not a member (a `reply_to_id` or `thread_root_id` outside it, or an `attachment_ids` entry that is not the sender's unposted upload, is `validation_failed`)", body = crate::openapi::schemas::ErrorBody),
        (status = 409, description = "`conflict`: this sender used this `client_id` for a message in another conversation", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
        crate::openapi::responses::RateLimited,
    ),
    security(("bearer" = [])),
)]
pub async fn send(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<SendMessageRequest>,
) -> Result<HttpResponse, ApiError> {
    let fields = body.into_inner().try_into_domain()?;
    let input = SendMessageInput {
        conversation_id: ConversationId::from_uuid(id.into_inner()),
        content: fields.content,
        client_id: fields.client_id,
        reply_to_id: fields.reply_to_id,
        attachment_ids: fields.attachment_ids,
        thread_root_id: fields.thread_root_id,
    };
    let sent = state.send_message.execute(&caller.0, input).await?;
    let body = MessageResponse::from(sent.message);
    Ok(if sent.created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

#[utoipa::path(
    get,
    path = "/api/conversations/{id}/messages",
    tag = "messages",
    summary = "Messages by seq, ascending; the newest page by default",
    params(("id" = Uuid, Path, description = "Conversation id"), MessagesQuery),
    responses(
        (status = 200, description = "A page of messages", body = SeqPage<MessageResponse>),
        (status = 400, description = "`validation_failed`: bad id, seq bounds or `limit`", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such conversation, or the caller is not a member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn list(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    query: web::Query<MessagesQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = state
        .list_messages
        .execute(
            &caller.0,
            ConversationId::from_uuid(id.into_inner()),
            query.before_seq,
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

#[utoipa::path(
    patch,
    path = "/api/messages/{id}",
    tag = "messages",
    summary = "Edit my message",
    params(("id" = Uuid, Path, description = "Message id")),
    request_body = EditMessageRequest,
    responses(
        (status = 200, description = "The edited message", body = MessageResponse),
        (status = 403, description = "`forbidden`: not the sender", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such message, already deleted, or not a member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn edit(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<EditMessageRequest>,
) -> Result<HttpResponse, ApiError> {
    let content =
        MessageContent::parse(&body.content).map_err(|e| ApiError::validation(vec![e]))?;
    let edited = state
        .edit_message
        .execute(&caller.0, MessageId::from_uuid(id.into_inner()), content)
        .await?;
    Ok(HttpResponse::Ok().json(MessageResponse::from(edited)))
}

#[utoipa::path(
    delete,
    path = "/api/messages/{id}",
    tag = "messages",
    summary = "Delete a message (sender, or owner/admin of its conversation)",
    params(("id" = Uuid, Path, description = "Message id")),
    responses(
        (status = 204, description = "Deleted; a tombstone remains"),
        (status = 400, description = "`validation_failed`: a path parameter is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 403, description = "`forbidden`: not allowed to delete it", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such message, or not a member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state
        .delete_message
        .execute(&caller.0, MessageId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get,
    path = "/api/search/messages",
    tag = "messages",
    summary = "Full-text search over my conversations",
    params(SearchMessagesQuery),
    responses(
        (status = 200, description = "A page of messages with their `highlights`, best match first", body = ListResponse<SearchResult>),
        (status = 400, description = "`validation_failed`: bad query, filter, `limit` or `cursor`", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: `conversation_id` names a conversation the caller is not in", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn search(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<SearchMessagesQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filters = query.filters()?;
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let found = state
        .search_messages
        .execute(
            &caller.0,
            query.q.as_deref().unwrap_or_default(),
            &filters,
            page,
        )
        .await?;
    Ok(HttpResponse::Ok().json(ListResponse::from_page(found, SearchResult::from)))
}
