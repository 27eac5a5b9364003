//! `POST /api/bots`, `POST /api/bots/{id}/token`, `DELETE /api/bots/{id}`: bot accounts and
//! their tokens, for global admins.

use crate::dto::bots::{BotTokenResponse, CreateBotRequest, CreatedBotResponse};
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use palaver_application::bots::{AuthenticateBot, CreateBot, DeleteBot, ReissueBotToken};
use palaver_domain::user::UserId;
use std::sync::Arc;
use uuid::Uuid;

/// The bot use-cases, built once at start-up.
#[derive(Clone)]
pub struct BotUseCases {
    pub create: Arc<CreateBot>,
    pub reissue_token: Arc<ReissueBotToken>,
    pub delete: Arc<DeleteBot>,
    /// Checks `Authorization: Bot <token>` for every authenticated route and the WebSocket.
    pub authenticate: Arc<AuthenticateBot>,
}

#[utoipa::path(
    post,
    path = "/api/bots",
    tag = "bots",
    summary = "Create a bot and its token (global admins)",
    description = "Creates a bot user (`kind: \"bot\"`) and returns its long-lived token, \
        shown this once and stored only as a hash. The bot sends it as `Authorization: Bot \
        <token>` on REST calls and the WebSocket upgrade, and then uses the API as a person \
        does; it can never log in with a password.",
    request_body = CreateBotRequest,
    responses(
        (status = 201, description = "Created; the token is shown this once", body = CreatedBotResponse),
        (status = 403, description = "`forbidden`: not a global admin", body = crate::openapi::schemas::ErrorBody),
        (status = 409, description = "`conflict`: the username is taken", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn create(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<CreateBotRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().try_into_domain()?;
    let created = state.bots.create.execute(&caller.0, input).await?;
    Ok(HttpResponse::Created().json(CreatedBotResponse::new(created, caller.viewer())))
}

#[utoipa::path(
    post,
    path = "/api/bots/{id}/token",
    tag = "bots",
    summary = "Issue a bot a new token, revoking the old (global admins)",
    description = "The old token stops working at once and the bot's WebSockets opened \
        with it are closed.",
    params(("id" = Uuid, Path, description = "The bot's user id")),
    responses(
        (status = 200, description = "The new token, shown this once", body = BotTokenResponse),
        (status = 400, description = "`validation_failed`: a path parameter is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 403, description = "`forbidden`: not a global admin", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such bot", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn reissue_token(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let bot = UserId::from_uuid(id.into_inner());
    let token = state.bots.reissue_token.execute(&caller.0, bot).await?;
    Ok(HttpResponse::Ok().json(BotTokenResponse::from(token)))
}

#[utoipa::path(
    delete,
    path = "/api/bots/{id}",
    tag = "bots",
    summary = "Delete a bot and its token (global admins)",
    description = "The bot leaves its conversations (members see `member.left`); its \
        messages stay, from a deleted user, still marked `sender_kind: \"bot\"`.",
    params(("id" = Uuid, Path, description = "The bot's user id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`validation_failed`: a path parameter is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 403, description = "`forbidden`: not a global admin", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such bot", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let bot = UserId::from_uuid(id.into_inner());
    state.bots.delete.execute(&caller.0, bot).await?;
    Ok(HttpResponse::NoContent().finish())
}
