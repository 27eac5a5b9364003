use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde_json::json;

/// The process is up and serving.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    summary = "The process is up",
    responses(
        (status = 200, description = "`{\"status\": \"ok\"}`", body = crate::openapi::schemas::HealthStatus),
    ),
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The process can do useful work: its database answers.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    summary = "The database answers",
    responses(
        (status = 200, description = "`{\"status\": \"ready\"}`", body = crate::openapi::schemas::HealthStatus),
        (status = 503, description = "`unavailable`: the database is not reachable", body = crate::openapi::schemas::ErrorBody),
    ),
)]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    match state.database_health.ping().await {
        Ok(()) => Ok(HttpResponse::Ok().json(json!({ "status": "ready" }))),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            Err(ApiError::unavailable("the database is not reachable"))
        }
    }
}
