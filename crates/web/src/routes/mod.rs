//! The route table and the app-wide configuration: JSON limits and the error shape for
//! malformed input, unknown routes and wrong methods.

pub(crate) mod admin;
mod attachment_http;
pub(crate) mod attachments;
pub(crate) mod auth;
pub(crate) mod bots;
mod client;
pub(crate) mod conversations;
pub(crate) mod delivery;
pub(crate) mod health;
pub(crate) mod messages;
pub(crate) mod notifications;
pub(crate) mod pins;
pub(crate) mod reactions;
pub(crate) mod threads;
pub(crate) mod users;
pub(crate) mod webhooks;

use crate::error::ApiError;
use crate::openapi;
use crate::state::AppState;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::Method;
use actix_web::{HttpRequest, Resource, Route, web};

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
                CLIENT_ENDPOINTS
                    .chunk_by(|a, b| a.path == b.path)
                    .chain(ENDPOINTS.chunk_by(|a, b| a.path == b.path))
                    .fold(web::scope(""), |scope, endpoints| {
                        scope.service(resource_of(endpoints))
                    })
                    .default_service(web::to(unknown_route)),
            );
    }
}

/// One method of one path and the handler that answers it.
pub(crate) struct Endpoint {
    pub path: &'static str,
    pub method: Method,
    handler: fn(Route) -> Route,
}

const fn endpoint(path: &'static str, method: Method, handler: fn(Route) -> Route) -> Endpoint {
    Endpoint {
        path,
        method,
        handler,
    }
}

/// The route table: every path and method the API answers, the methods of one path next to
/// each other. The OpenAPI document must list exactly these (see `openapi::tests`).
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    endpoint("/healthz", Method::GET, |r| r.to(health::healthz)),
    endpoint("/readyz", Method::GET, |r| r.to(health::readyz)),
    endpoint("/api/openapi.json", Method::GET, |r| {
        r.to(openapi::openapi_json)
    }),
    endpoint("/api/docs", Method::GET, |r| r.to(openapi::docs_page)),
    endpoint("/api/asyncapi.json", Method::GET, |r| {
        r.to(openapi::asyncapi_json)
    }),
    endpoint("/api/ws", Method::GET, |r| r.to(crate::realtime::upgrade)),
    endpoint("/api/auth/register", Method::POST, |r| r.to(auth::register)),
    endpoint("/api/auth/login", Method::POST, |r| r.to(auth::login)),
    endpoint("/api/auth/refresh", Method::POST, |r| r.to(auth::refresh)),
    endpoint("/api/auth/logout", Method::POST, |r| r.to(auth::logout)),
    endpoint("/api/auth/password", Method::PUT, |r| {
        r.to(auth::change_password)
    }),
    endpoint("/api/auth/password-reset", Method::POST, |r| {
        r.to(auth::request_password_reset)
    }),
    endpoint("/api/auth/password-reset/confirm", Method::POST, |r| {
        r.to(auth::confirm_password_reset)
    }),
    endpoint("/api/users", Method::GET, |r| r.to(users::search)),
    endpoint("/api/users/online", Method::GET, |r| r.to(users::online)),
    endpoint("/api/users/me", Method::GET, |r| r.to(users::me)),
    endpoint("/api/users/me", Method::PATCH, |r| r.to(users::update_me)),
    endpoint("/api/users/me", Method::DELETE, |r| r.to(users::delete_me)),
    endpoint("/api/users/{id}", Method::GET, |r| r.to(users::get)),
    endpoint("/api/users/{id}", Method::PATCH, |r| r.to(users::update)),
    endpoint("/api/users/{id}", Method::DELETE, |r| r.to(users::delete)),
    endpoint("/api/conversations", Method::GET, |r| {
        r.to(conversations::list)
    }),
    endpoint("/api/conversations", Method::POST, |r| {
        r.to(conversations::create)
    }),
    endpoint("/api/conversations/{id}", Method::GET, |r| {
        r.to(conversations::get)
    }),
    endpoint("/api/conversations/{id}", Method::PATCH, |r| {
        r.to(conversations::rename)
    }),
    endpoint("/api/conversations/{id}", Method::DELETE, |r| {
        r.to(conversations::delete)
    }),
    endpoint("/api/conversations/{id}/members", Method::GET, |r| {
        r.to(conversations::members)
    }),
    endpoint("/api/conversations/{id}/members", Method::POST, |r| {
        r.to(conversations::add_members)
    }),
    endpoint(
        "/api/conversations/{id}/members/{user_id}",
        Method::PATCH,
        |r| r.to(conversations::change_member_role),
    ),
    endpoint(
        "/api/conversations/{id}/members/{user_id}",
        Method::DELETE,
        |r| r.to(conversations::remove_member),
    ),
    endpoint("/api/conversations/{id}/messages", Method::GET, |r| {
        r.to(messages::list)
    }),
    endpoint("/api/conversations/{id}/messages", Method::POST, |r| {
        r.to(messages::send)
    }),
    endpoint("/api/conversations/{id}/read", Method::PUT, |r| {
        r.to(conversations::mark_read)
    }),
    endpoint("/api/conversations/{id}/events", Method::GET, |r| {
        r.to(conversations::events)
    }),
    endpoint("/api/conversations/{id}/delivered", Method::PUT, |r| {
        r.to(delivery::mark_delivered)
    }),
    endpoint("/api/conversations/{id}/pins", Method::GET, |r| {
        r.to(pins::pins)
    }),
    endpoint(
        "/api/conversations/{id}/pins/{message_id}",
        Method::PUT,
        |r| r.to(pins::pin),
    ),
    endpoint(
        "/api/conversations/{id}/pins/{message_id}",
        Method::DELETE,
        |r| r.to(pins::unpin),
    ),
    endpoint("/api/messages/{id}", Method::PATCH, |r| {
        r.to(messages::edit)
    }),
    endpoint("/api/messages/{id}", Method::DELETE, |r| {
        r.to(messages::delete)
    }),
    endpoint("/api/messages/{id}/thread", Method::GET, |r| {
        r.to(threads::thread)
    }),
    endpoint("/api/messages/{id}/reactions/{emoji}", Method::PUT, |r| {
        r.to(reactions::add_reaction)
    }),
    endpoint(
        "/api/messages/{id}/reactions/{emoji}",
        Method::DELETE,
        |r| r.to(reactions::remove_reaction),
    ),
    endpoint("/api/search/messages", Method::GET, |r| {
        r.to(messages::search)
    }),
    endpoint("/api/admin/conversations", Method::GET, |r| {
        r.to(admin::conversations)
    }),
    endpoint("/api/admin/stats", Method::GET, |r| r.to(admin::stats)),
    endpoint("/api/attachments", Method::POST, |r| {
        r.to(attachments::upload)
    }),
    endpoint("/api/attachments/{id}", Method::GET, |r| {
        r.to(attachments::get)
    }),
    endpoint("/api/attachments/{id}/content", Method::GET, |r| {
        r.to(attachments::content)
    }),
    endpoint("/api/attachments/{id}/thumbnail", Method::GET, |r| {
        r.to(attachments::thumbnail)
    }),
    endpoint("/api/push/vapid-public-key", Method::GET, |r| {
        r.to(notifications::vapid_public_key)
    }),
    endpoint("/api/push/subscriptions", Method::POST, |r| {
        r.to(notifications::subscribe)
    }),
    endpoint("/api/push/subscriptions/{id}", Method::DELETE, |r| {
        r.to(notifications::unsubscribe_push)
    }),
    endpoint("/api/users/me/preferences", Method::GET, |r| {
        r.to(notifications::preferences)
    }),
    endpoint("/api/users/me/preferences", Method::PATCH, |r| {
        r.to(notifications::update_preferences)
    }),
    endpoint("/api/conversations/{id}/notifications", Method::PUT, |r| {
        r.to(notifications::set_conversation_notifications)
    }),
    endpoint("/api/notifications/unsubscribe", Method::GET, |r| {
        r.to(notifications::unsubscribe)
    }),
    endpoint("/api/bots", Method::POST, |r| r.to(bots::create)),
    endpoint("/api/bots/{id}", Method::DELETE, |r| r.to(bots::delete)),
    endpoint("/api/bots/{id}/token", Method::POST, |r| {
        r.to(bots::reissue_token)
    }),
    endpoint("/api/webhooks", Method::POST, |r| r.to(webhooks::create)),
    endpoint("/api/webhooks", Method::GET, |r| r.to(webhooks::list)),
    endpoint("/api/webhooks/{id}", Method::GET, |r| r.to(webhooks::get)),
    endpoint("/api/webhooks/{id}", Method::PATCH, |r| {
        r.to(webhooks::update)
    }),
    endpoint("/api/webhooks/{id}", Method::DELETE, |r| {
        r.to(webhooks::delete)
    }),
    endpoint("/api/webhooks/{id}/deliveries", Method::GET, |r| {
        r.to(webhooks::deliveries)
    }),
];

/// The bundled web client's page and assets: served by the binary but not part of the API,
/// so not in the OpenAPI document.
const CLIENT_ENDPOINTS: &[Endpoint] = &[
    endpoint("/", Method::GET, |r| r.to(client::index)),
    endpoint("/", Method::HEAD, |r| r.to(client::index)),
    endpoint("/assets/{file}", Method::GET, |r| r.to(client::asset)),
    endpoint("/assets/{file}", Method::HEAD, |r| r.to(client::asset)),
];

/// The resource of one path with its methods; any other method answers 405 in the
/// contract's shape, naming those allowed.
fn resource_of(endpoints: &[Endpoint]) -> Resource {
    let path = endpoints.first().map_or("/", |e| e.path);
    let allowed = endpoints
        .iter()
        .map(|e| e.method.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let fallback = web::to(move || {
        let allowed = allowed.clone();
        async move { Err::<actix_web::HttpResponse, _>(ApiError::method_not_allowed(&allowed)) }
    });
    endpoints.iter().fold(
        web::resource(path).default_service(fallback),
        |resource, e| resource.route((e.handler)(web::method(e.method.clone()))),
    )
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
