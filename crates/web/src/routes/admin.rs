use crate::dto::ListResponse;
use crate::dto::admin::{AdminConversationsQuery, StatsResponse};
use crate::dto::conversations::ConversationResponse;
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use palaver_application::page::PageRequest;

#[utoipa::path(
    get,
    path = "/api/admin/conversations",
    tag = "admin",
    summary = "Every conversation, newest first, searchable by name (global admins)",
    params(AdminConversationsQuery),
    responses(
        (status = 200, description = "A page of conversations", body = ListResponse<ConversationResponse>),
        (status = 400, description = "`validation_failed`: bad `q`, `limit` or `cursor`", body = crate::openapi::schemas::ErrorBody),
        (status = 403, description = "`forbidden`: not a global admin", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn conversations(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<AdminConversationsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let found = state
        .list_all_conversations
        .execute(&caller.0, query.q.as_deref(), page)
        .await?;
    Ok(HttpResponse::Ok().json(ListResponse::from_page(found, |c| {
        ConversationResponse::new(c, None)
    })))
}

#[utoipa::path(
    get,
    path = "/api/admin/stats",
    tag = "admin",
    summary = "Counts and the connections of each node (global admins)",
    responses(
        (status = 200, description = "The statistics", body = StatsResponse),
        (status = 403, description = "`forbidden`: not a global admin", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn stats(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let stats = state.get_stats.execute(&caller.0).await?;
    Ok(HttpResponse::Ok().json(StatsResponse::from(stats)))
}
