use crate::dto::ListResponse;
use crate::dto::PageQuery;
use crate::dto::conversations::{
    AddMembersRequest, ChangeMemberRoleRequest, ConversationListItem, ConversationResponse,
    CreateConversationRequest, EventPage, EventResponse, EventsQuery, MarkReadRequest,
    MemberResponse, RenameConversationRequest,
};
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use palaver_application::page::PageRequest;
use palaver_domain::conversation::{ConversationId, ConversationName, MemberRole};
use palaver_domain::user::UserId;
use serde_json::json;
use uuid::Uuid;

pub async fn create(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<CreateConversationRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().try_into_domain()?;
    let created = state.create_conversation.execute(&caller.0, input).await?;
    let my_role = created
        .conversation
        .owner_id
        .filter(|o| *o == caller.0.user_id)
        .map_or(MemberRole::Member, |_| MemberRole::Owner);
    let body = ConversationResponse::new(created.conversation, Some(my_role));
    Ok(if created.created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

pub async fn list(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let found = state.list_conversations.execute(&caller.0, page).await?;
    Ok(HttpResponse::Ok().json(ListResponse::from_page(found, ConversationListItem::from)))
}

pub async fn get(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = state
        .get_conversation
        .execute(&caller.0, ConversationId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(ConversationResponse::new(view.conversation, view.my_role)))
}

pub async fn rename(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<RenameConversationRequest>,
) -> Result<HttpResponse, ApiError> {
    let name = ConversationName::parse(&body.name).map_err(|e| ApiError::validation(vec![e]))?;
    let id = ConversationId::from_uuid(id.into_inner());
    let view = state
        .rename_conversation
        .execute(&caller.0, id, name)
        .await?;
    Ok(HttpResponse::Ok().json(ConversationResponse::new(view.conversation, view.my_role)))
}

pub async fn delete(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state
        .delete_conversation
        .execute(&caller.0, ConversationId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn members(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let id = ConversationId::from_uuid(id.into_inner());
    let found = state.list_members.execute(&caller.0, id, page).await?;
    let viewer = caller.viewer();
    Ok(HttpResponse::Ok().json(ListResponse::from_page(found, |m| {
        MemberResponse::for_viewer(m, viewer)
    })))
}

pub async fn add_members(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<AddMembersRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = ConversationId::from_uuid(id.into_inner());
    let users = body
        .into_inner()
        .user_ids
        .into_iter()
        .map(UserId::from_uuid)
        .collect();
    let added = state.add_members.execute(&caller.0, id, users).await?;
    let added: Vec<Uuid> = added.iter().map(UserId::as_uuid).collect();
    Ok(HttpResponse::Ok().json(json!({ "added": added })))
}

pub async fn change_member_role(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<ChangeMemberRoleRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, user) = path.into_inner();
    let role = MemberRole::parse(&body.role).map_err(|e| ApiError::validation(vec![e]))?;
    state
        .change_member_role
        .execute(
            &caller.0,
            ConversationId::from_uuid(id),
            UserId::from_uuid(user),
            role,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn remove_member(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, user) = path.into_inner();
    state
        .remove_member
        .execute(
            &caller.0,
            ConversationId::from_uuid(id),
            UserId::from_uuid(user),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn mark_read(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<MarkReadRequest>,
) -> Result<HttpResponse, ApiError> {
    state
        .mark_read
        .execute(
            &caller.0,
            ConversationId::from_uuid(id.into_inner()),
            body.seq,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn events(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    query: web::Query<EventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = ConversationId::from_uuid(id.into_inner());
    let page = state
        .list_events
        .execute(&caller.0, id, query.after_seq.unwrap_or(0), query.limit)
        .await?;
    let next_cursor = page
        .has_more
        .then(|| page.events.last().map(|e| e.seq.to_string()))
        .flatten();
    Ok(HttpResponse::Ok().json(EventPage {
        items: page.events.into_iter().map(EventResponse::from).collect(),
        has_more: page.has_more,
        next_cursor,
    }))
}
