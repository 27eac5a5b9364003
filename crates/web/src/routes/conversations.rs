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

#[utoipa::path(
    post,
    path = "/api/conversations",
    tag = "conversations",
    summary = "Start a conversation",
    request_body = CreateConversationRequest,
    responses(
        (status = 201, description = "Created; the caller owns a group or channel", body = ConversationResponse),
        (status = 200, description = "The existing direct conversation of this pair", body = ConversationResponse),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
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

#[utoipa::path(
    get,
    path = "/api/conversations",
    tag = "conversations",
    summary = "My conversations, most recent activity first",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of conversations", body = ListResponse<ConversationListItem>),
        (status = 400, description = "`validation_failed`: bad `limit` or `cursor`", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn list(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let found = state.list_conversations.execute(&caller.0, page).await?;
    Ok(HttpResponse::Ok().json(ListResponse::from_page(found, ConversationListItem::from)))
}

#[utoipa::path(
    get,
    path = "/api/conversations/{id}",
    tag = "conversations",
    summary = "One conversation",
    params(("id" = Uuid, Path, description = "Conversation id")),
    responses(
        (status = 200, description = "The conversation", body = ConversationResponse),
        (status = 400, description = "`validation_failed`: a path parameter is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such conversation, or the caller is not a member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
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

#[utoipa::path(
    patch,
    path = "/api/conversations/{id}",
    tag = "conversations",
    summary = "Rename a group or channel (owner or admin)",
    params(("id" = Uuid, Path, description = "Conversation id")),
    request_body = RenameConversationRequest,
    responses(
        (status = 200, description = "The renamed conversation", body = ConversationResponse),
        (status = 403, description = "`forbidden`: not the owner or an admin, or a direct conversation", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such conversation, or the caller is not a member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
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

#[utoipa::path(
    delete,
    path = "/api/conversations/{id}",
    tag = "conversations",
    summary = "Delete a conversation (owner or global admin)",
    params(("id" = Uuid, Path, description = "Conversation id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`validation_failed`: a path parameter is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 403, description = "`forbidden`: not the owner", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such conversation, or the caller is not a member", body = crate::openapi::schemas::ErrorBody),
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
        .delete_conversation
        .execute(&caller.0, ConversationId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get,
    path = "/api/conversations/{id}/members",
    tag = "conversations",
    summary = "The members",
    params(("id" = Uuid, Path, description = "Conversation id"), PageQuery),
    responses(
        (status = 200, description = "A page of members", body = ListResponse<MemberResponse>),
        (status = 400, description = "`validation_failed`: bad id, `limit` or `cursor`", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such conversation, or the caller is not a member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
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

#[utoipa::path(
    post,
    path = "/api/conversations/{id}/members",
    tag = "conversations",
    summary = "Add members (owner or admin; not in a direct conversation)",
    params(("id" = Uuid, Path, description = "Conversation id")),
    request_body = AddMembersRequest,
    responses(
        (status = 200, description = "The users added (those already members are left out)", body = crate::openapi::schemas::AddedMembers),
        (status = 403, description = "`forbidden`: not the owner or an admin, or a direct conversation", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such conversation, or the caller is not a member (unknown `user_ids` are `validation_failed`)", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
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

#[utoipa::path(
    patch,
    path = "/api/conversations/{id}/members/{user_id}",
    tag = "conversations",
    summary = "Change a member's role (owner only)",
    params(("id" = Uuid, Path, description = "Conversation id"), ("user_id" = Uuid, Path, description = "Member's user id")),
    request_body = ChangeMemberRoleRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 403, description = "`forbidden`: not the owner, or the owner's own role", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such conversation or member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
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

#[utoipa::path(
    delete,
    path = "/api/conversations/{id}/members/{user_id}",
    tag = "conversations",
    summary = "Remove a member, or leave",
    params(("id" = Uuid, Path, description = "Conversation id"), ("user_id" = Uuid, Path, description = "Member's user id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "`validation_failed`: a path parameter is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 403, description = "`forbidden`: not allowed to remove this member", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such conversation or member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
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

#[utoipa::path(
    put,
    path = "/api/conversations/{id}/read",
    tag = "conversations",
    summary = "Move my read marker forward",
    params(("id" = Uuid, Path, description = "Conversation id")),
    request_body = MarkReadRequest,
    responses(
        (status = 204, description = "Moved (never backwards)"),
        (status = 404, description = "`not_found`: no such conversation, or the caller is not a member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
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

#[utoipa::path(
    get,
    path = "/api/conversations/{id}/events",
    tag = "conversations",
    summary = "The event log after a seq, in order",
    params(("id" = Uuid, Path, description = "Conversation id"), EventsQuery),
    responses(
        (status = 200, description = "A page of events", body = EventPage),
        (status = 400, description = "`validation_failed`: bad id, `after_seq` or `limit`", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such conversation, or the caller is not a member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
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
