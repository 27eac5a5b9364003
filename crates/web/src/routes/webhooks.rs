//! `POST`/`GET /api/webhooks`, `GET`/`PATCH`/`DELETE /api/webhooks/{id}`,
//! `GET /api/webhooks/{id}/deliveries`: webhooks, for global admins.

use crate::dto::webhooks::{
    CreateWebhookRequest, CreatedWebhookResponse, UpdateWebhookRequest, WebhookDeliveryList,
    WebhookList, WebhookResponse,
};
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use palaver_application::webhooks::{CreateWebhook, ManageWebhooks};
use palaver_domain::notification::WebhookId;
use std::sync::Arc;
use uuid::Uuid;

/// The webhook use-cases, built once at start-up.
#[derive(Clone)]
pub struct WebhookUseCases {
    pub create: Arc<CreateWebhook>,
    pub manage: Arc<ManageWebhooks>,
}

#[utoipa::path(
    post,
    path = "/api/webhooks",
    tag = "webhooks",
    summary = "Register a webhook (global admins)",
    description = "Every committed event of the named types (of one conversation, or of all) \
        is POSTed to `url` as `{id, event, conversation_id, seq, data: <the event frame>, \
        created_at}` with `X-Palaver-Signature: sha256=<hex HMAC-SHA256 of the exact body, \
        keyed with the secret>`, at least once (receivers drop repeats by `id`), in seq order \
        per conversation. A failed delivery (no 2xx within the timeout) is retried, first \
        within 10 s, then with doubling waits up to 1 h, and given up after 24 h; the next \
        event of that conversation waits meanwhile. After repeated failures in a row the \
        webhook is disabled. The secret is shown this once.",
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "Registered; the secret is shown this once", body = CreatedWebhookResponse),
        (status = 403, description = "`forbidden`: not a global admin", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such conversation", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn create(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let webhook = state
        .webhooks
        .create
        .execute(&caller.0, body.into_inner().into())
        .await?;
    Ok(HttpResponse::Created().json(CreatedWebhookResponse::from(webhook)))
}

#[utoipa::path(
    get,
    path = "/api/webhooks",
    tag = "webhooks",
    summary = "List the webhooks (global admins)",
    responses(
        (status = 200, description = "Every webhook, oldest first", body = WebhookList),
        (status = 403, description = "`forbidden`: not a global admin", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn list(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let webhooks = state.webhooks.manage.list(&caller.0).await?;
    Ok(HttpResponse::Ok().json(WebhookList {
        items: webhooks.into_iter().map(WebhookResponse::from).collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/webhooks/{id}",
    tag = "webhooks",
    summary = "One webhook (global admins)",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The webhook", body = WebhookResponse),
        (status = 400, description = "`validation_failed`: a path parameter is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 403, description = "`forbidden`: not a global admin", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such webhook", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn get(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = WebhookId::from_uuid(id.into_inner());
    let webhook = state.webhooks.manage.get(&caller.0, id).await?;
    Ok(HttpResponse::Ok().json(WebhookResponse::from(webhook)))
}

#[utoipa::path(
    patch,
    path = "/api/webhooks/{id}",
    tag = "webhooks",
    summary = "Enable or disable a webhook (global admins)",
    description = "Enabling a webhook that was disabled after failures forgets them and \
        sends what it had pending at once.",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    request_body = UpdateWebhookRequest,
    responses(
        (status = 200, description = "The webhook as it is now", body = WebhookResponse),
        (status = 403, description = "`forbidden`: not a global admin", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such webhook", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn update(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<UpdateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = WebhookId::from_uuid(id.into_inner());
    let webhook = state
        .webhooks
        .manage
        .set_enabled(&caller.0, id, body.enabled)
        .await?;
    Ok(HttpResponse::Ok().json(WebhookResponse::from(webhook)))
}

#[utoipa::path(
    delete,
    path = "/api/webhooks/{id}",
    tag = "webhooks",
    summary = "Delete a webhook (global admins)",
    description = "What it had not delivered is dropped with it.",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`validation_failed`: a path parameter is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 403, description = "`forbidden`: not a global admin", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such webhook", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = WebhookId::from_uuid(id.into_inner());
    state.webhooks.manage.delete(&caller.0, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get,
    path = "/api/webhooks/{id}/deliveries",
    tag = "webhooks",
    summary = "The webhook's delivery log (global admins)",
    description = "The newest 100 deliveries, each with its state and every attempt made \
        at it (status, error, duration), newest first.",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The deliveries", body = WebhookDeliveryList),
        (status = 400, description = "`validation_failed`: a path parameter is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 403, description = "`forbidden`: not a global admin", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such webhook", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = WebhookId::from_uuid(id.into_inner());
    let records = state.webhooks.manage.deliveries(&caller.0, id).await?;
    Ok(HttpResponse::Ok().json(WebhookDeliveryList {
        items: records.into_iter().map(Into::into).collect(),
    }))
}
