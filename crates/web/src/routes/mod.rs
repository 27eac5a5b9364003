//! The route table and the app-wide configuration: JSON limits and the error shape for
//! malformed input, unknown routes and wrong methods.

mod auth;
mod client;
mod conversations;
mod health;
mod messages;
mod users;

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, Resource, web};

/// Registers every route and the shared configuration on an app.
pub fn configure(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let limit = state.settings.max_body_bytes;
        cfg.app_data(web::Data::new(state))
            .app_data(
                web::JsonConfig::default()
                    .limit(limit)
                    .error_handler(move |error, request| json_error(error, request, limit).into()),
            )
            .app_data(web::PathConfig::default().error_handler(|error, _| path_error(error).into()))
            .app_data(
                web::QueryConfig::default().error_handler(|error, _| query_error(error).into()),
            )
            .service(
                web::scope("")
                    .service(
                        resource("/", "GET, HEAD")
                            .route(web::get().to(client::index))
                            .route(web::head().to(client::index)),
                    )
                    .service(
                        resource("/assets/{file}", "GET, HEAD")
                            .route(web::get().to(client::asset))
                            .route(web::head().to(client::asset)),
                    )
                    .service(resource("/healthz", "GET").route(web::get().to(health::healthz)))
                    .service(resource("/readyz", "GET").route(web::get().to(health::readyz)))
                    .service(
                        resource("/api/ws", "GET").route(web::get().to(crate::realtime::upgrade)),
                    )
                    .service(
                        resource("/api/auth/register", "POST")
                            .route(web::post().to(auth::register)),
                    )
                    .service(resource("/api/auth/login", "POST").route(web::post().to(auth::login)))
                    .service(
                        resource("/api/auth/refresh", "POST").route(web::post().to(auth::refresh)),
                    )
                    .service(
                        resource("/api/auth/logout", "POST").route(web::post().to(auth::logout)),
                    )
                    .service(
                        resource("/api/auth/password", "PUT")
                            .route(web::put().to(auth::change_password)),
                    )
                    .service(
                        resource("/api/auth/password-reset", "POST")
                            .route(web::post().to(auth::request_password_reset)),
                    )
                    .service(
                        resource("/api/auth/password-reset/confirm", "POST")
                            .route(web::post().to(auth::confirm_password_reset)),
                    )
                    .service(resource("/api/users", "GET").route(web::get().to(users::search)))
                    .service(
                        resource("/api/users/online", "GET").route(web::get().to(users::online)),
                    )
                    .service(
                        resource("/api/users/me", "GET, PATCH, DELETE")
                            .route(web::get().to(users::me))
                            .route(web::patch().to(users::update_me))
                            .route(web::delete().to(users::delete_me)),
                    )
                    .service(
                        resource("/api/users/{id}", "GET, PATCH, DELETE")
                            .route(web::get().to(users::get))
                            .route(web::patch().to(users::update))
                            .route(web::delete().to(users::delete)),
                    )
                    .service(
                        resource("/api/conversations", "GET, POST")
                            .route(web::get().to(conversations::list))
                            .route(web::post().to(conversations::create)),
                    )
                    .service(
                        resource("/api/conversations/{id}", "GET, PATCH, DELETE")
                            .route(web::get().to(conversations::get))
                            .route(web::patch().to(conversations::rename))
                            .route(web::delete().to(conversations::delete)),
                    )
                    .service(
                        resource("/api/conversations/{id}/members", "GET, POST")
                            .route(web::get().to(conversations::members))
                            .route(web::post().to(conversations::add_members)),
                    )
                    .service(
                        resource("/api/conversations/{id}/members/{user_id}", "PATCH, DELETE")
                            .route(web::patch().to(conversations::change_member_role))
                            .route(web::delete().to(conversations::remove_member)),
                    )
                    .service(
                        resource("/api/conversations/{id}/messages", "GET, POST")
                            .route(web::get().to(messages::list))
                            .route(web::post().to(messages::send)),
                    )
                    .service(
                        resource("/api/conversations/{id}/read", "PUT")
                            .route(web::put().to(conversations::mark_read)),
                    )
                    .service(
                        resource("/api/conversations/{id}/events", "GET")
                            .route(web::get().to(conversations::events)),
                    )
                    .service(
                        resource("/api/messages/{id}", "PATCH, DELETE")
                            .route(web::patch().to(messages::edit))
                            .route(web::delete().to(messages::delete)),
                    )
                    .service(
                        resource("/api/search/messages", "GET")
                            .route(web::get().to(messages::search)),
                    )
                    .default_service(web::to(unknown_route)),
            );
    }
}

/// A resource whose other methods answer 405 in the contract's shape.
fn resource(path: &str, allowed: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<actix_web::HttpResponse, _>(ApiError::method_not_allowed(allowed))
    }))
}

async fn unknown_route(request: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "no route for {} {}",
        request.method(),
        request.path()
    )))
}

fn json_error(error: JsonPayloadError, request: &HttpRequest, limit: usize) -> ApiError {
    let declared_type = request
        .headers()
        .contains_key(actix_web::http::header::CONTENT_TYPE);
    match error {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::payload_too_large(limit)
        }
        JsonPayloadError::ContentType if !declared_type => {
            ApiError::bad_request("this route needs a JSON body (Content-Type: application/json)")
        }
        JsonPayloadError::ContentType => ApiError::unsupported_media_type(),
        JsonPayloadError::Deserialize(error) if error.is_data() => {
            ApiError::bad_request(format!("the request body does not fit: {error}"))
        }
        JsonPayloadError::Deserialize(error) => {
            ApiError::bad_request(format!("the request body is not valid JSON: {error}"))
        }
        other => ApiError::bad_request(format!("the request body could not be read: {other}")),
    }
}

fn path_error(error: PathError) -> ApiError {
    match error {
        PathError::Deserialize(error) => {
            ApiError::bad_request(format!("invalid path parameter: {error}"))
        }
        other => ApiError::bad_request(format!("invalid path parameter: {other}")),
    }
}

fn query_error(error: QueryPayloadError) -> ApiError {
    ApiError::bad_request(format!("invalid query string: {error}"))
}
