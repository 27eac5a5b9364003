//! Web Push subscriptions, notification preferences, per-conversation levels and the
//! unsubscribe links of digest mails.

use crate::dto::notifications::{
    ConversationNotificationsRequest, PreferencesPatchRequest, PreferencesResponse,
    PushSubscriptionBody, PushSubscriptionResponse, UnsubscribeQuery, UnsubscribeResponse,
    VapidPublicKey,
};
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use palaver_domain::conversation::ConversationId;
use palaver_domain::notification::PushSubscriptionId;
use uuid::Uuid;

#[utoipa::path(
    get,
    path = "/api/push/vapid-public-key",
    tag = "notifications",
    summary = "The server's VAPID public key, for pushManager.subscribe",
    responses(
        (status = 200, description = "The key", body = VapidPublicKey),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn vapid_public_key(
    state: web::Data<AppState>,
    _caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(VapidPublicKey {
        key: state.vapid_public_key.to_string(),
    }))
}

#[utoipa::path(
    post,
    path = "/api/push/subscriptions",
    tag = "notifications",
    summary = "Subscribe this device to Web Push",
    request_body = PushSubscriptionBody,
    responses(
        (status = 201, description = "Subscribed", body = PushSubscriptionResponse),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn subscribe(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<PushSubscriptionBody>,
) -> Result<HttpResponse, ApiError> {
    let subscription = state
        .subscribe_push
        .execute(&caller.0, body.into_inner().into())
        .await?;
    Ok(HttpResponse::Created().json(PushSubscriptionResponse::from(subscription)))
}

#[utoipa::path(
    delete,
    path = "/api/push/subscriptions/{id}",
    tag = "notifications",
    summary = "Delete one of my Web Push subscriptions",
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`validation_failed`: the id is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no subscription of mine by that id", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn unsubscribe_push(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state
        .delete_push_subscription
        .execute(&caller.0, PushSubscriptionId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get,
    path = "/api/users/me/preferences",
    tag = "notifications",
    summary = "My notification preferences",
    responses(
        (status = 200, description = "The preferences (the defaults until I set some)", body = PreferencesResponse),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn preferences(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let preferences = state.get_preferences.execute(&caller.0).await?;
    Ok(HttpResponse::Ok().json(PreferencesResponse::from(preferences)))
}

#[utoipa::path(
    patch,
    path = "/api/users/me/preferences",
    tag = "notifications",
    summary = "Change my notification preferences",
    request_body = PreferencesPatchRequest,
    responses(
        (status = 200, description = "The whole preferences after the change", body = PreferencesResponse),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn update_preferences(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<PreferencesPatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let preferences = state
        .update_preferences
        .execute(&caller.0, body.into_inner().into())
        .await?;
    Ok(HttpResponse::Ok().json(PreferencesResponse::from(preferences)))
}

#[utoipa::path(
    put,
    path = "/api/conversations/{id}/notifications",
    tag = "notifications",
    summary = "Set my notification level for a conversation",
    params(("id" = Uuid, Path, description = "Conversation id")),
    request_body = ConversationNotificationsRequest,
    responses(
        (status = 204, description = "Set"),
        (status = 404, description = "`not_found`: no such conversation, or the caller is not a member", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn set_conversation_notifications(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<ConversationNotificationsRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    state
        .set_conversation_notifications
        .execute(
            &caller.0,
            ConversationId::from_uuid(id.into_inner()),
            &body.level,
            body.muted_until,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get,
    path = "/api/notifications/unsubscribe",
    tag = "notifications",
    summary = "Follow a digest mail's unsubscribe link (no login: the token is signed)",
    description = "A token naming only the user sets `email_notifications` to `never`; one \
        naming a conversation too sets that conversation's level to `none`.",
    params(UnsubscribeQuery),
    responses(
        (status = 200, description = "Unsubscribed", body = UnsubscribeResponse),
        (status = 400, description = "`validation_failed`: the token is missing, malformed or its signature is wrong", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: the user, or their membership, is gone", body = crate::openapi::schemas::ErrorBody),
    ),
)]
pub async fn unsubscribe(
    state: web::Data<AppState>,
    query: web::Query<UnsubscribeQuery>,
) -> Result<HttpResponse, ApiError> {
    let done = state.unsubscribe.execute(&query.token).await?;
    Ok(HttpResponse::Ok().json(UnsubscribeResponse::from(done)))
}
