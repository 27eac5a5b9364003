use crate::dto::ListResponse;
use crate::dto::conversations::{
    EditMessageRequest, MessageResponse, MessagesQuery, SearchMessagesQuery, SendMessageRequest,
    SeqPage,
};
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use palaver_application::messages::SendMessageInput;
use palaver_application::page::PageRequest;
use palaver_domain::conversation::{ConversationId, MessageContent, MessageId};
use uuid::Uuid;

/// 201 with the new message; 200 with the first one when its `client_id` was sent before.
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
    };
    let sent = state.send_message.execute(&caller.0, input).await?;
    let body = MessageResponse::from(sent.message);
    Ok(if sent.created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

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

pub async fn search(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<SearchMessagesQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let found = state
        .search_messages
        .execute(
            &caller.0,
            query.q.as_deref().unwrap_or_default(),
            query.conversation_id.map(ConversationId::from_uuid),
            page,
        )
        .await?;
    Ok(HttpResponse::Ok().json(ListResponse::from_page(found, MessageResponse::from)))
}
