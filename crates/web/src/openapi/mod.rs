//! The machine-readable API documents, served by the binary itself:
//! `GET /api/openapi.json` (OpenAPI 3.1, generated from the `#[utoipa::path]` of every
//! handler and the `ToSchema` of every DTO), `GET /api/docs` (a browsable page of it with
//! no outside assets) and `GET /api/asyncapi.json` (AsyncAPI 3, the WebSocket frames).

pub mod responses;
pub mod schemas;

use crate::routes;
use actix_web::HttpResponse;
use actix_web::http::header::{self, ContentType};
use serde_json::{Map, Value, json};
use std::sync::OnceLock;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::{Modify, OpenApi};

/// The REST API: every route of the route table (a test holds the two together).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Palaver",
        description = "A real-time chat server. Errors have one shape, `ErrorBody`, and the \
            status that matches its `code`. Lists are `{items, next_cursor}`: pass \
            `?cursor=` and `?limit=` (1 to 200, default 50) for the next page. The WebSocket \
            frames of `GET /api/ws` are described by the AsyncAPI document at \
            `/api/asyncapi.json`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    paths(
        routes::health::healthz,
        routes::health::readyz,
        websocket,
        openapi_json,
        docs_page,
        asyncapi_json,
        routes::auth::register,
        routes::auth::login,
        routes::auth::refresh,
        routes::auth::logout,
        routes::auth::change_password,
        routes::auth::request_password_reset,
        routes::auth::confirm_password_reset,
        routes::users::search,
        routes::users::online,
        routes::users::me,
        routes::users::update_me,
        routes::users::delete_me,
        routes::users::get,
        routes::users::update,
        routes::users::delete,
        routes::conversations::list,
        routes::conversations::create,
        routes::conversations::get,
        routes::conversations::rename,
        routes::conversations::delete,
        routes::conversations::members,
        routes::conversations::add_members,
        routes::conversations::change_member_role,
        routes::conversations::remove_member,
        routes::messages::list,
        routes::messages::send,
        routes::conversations::mark_read,
        routes::conversations::events,
        routes::messages::edit,
        routes::messages::delete,
        routes::messages::search,
        routes::admin::conversations,
        routes::admin::stats,
        routes::attachments::upload,
        routes::attachments::get,
        routes::attachments::content,
        routes::attachments::thumbnail,
        routes::notifications::vapid_public_key,
        routes::notifications::subscribe,
        routes::notifications::unsubscribe_push,
        routes::notifications::preferences,
        routes::notifications::update_preferences,
        routes::notifications::set_conversation_notifications,
        routes::notifications::unsubscribe,
        routes::bots::create,
        routes::bots::delete,
        routes::bots::reissue_token,
        routes::webhooks::create,
        routes::webhooks::list,
        routes::webhooks::get,
        routes::webhooks::update,
        routes::webhooks::delete,
        routes::webhooks::deliveries,
        routes::delivery::mark_delivered,
        routes::pins::pins,
        routes::pins::pin,
        routes::pins::unpin,
        routes::threads::thread,
        routes::reactions::add_reaction,
        routes::reactions::remove_reaction,
    ),
    components(schemas(
        schemas::ErrorBody,
        schemas::ErrorFields,
        schemas::ErrorCode,
        schemas::ConversationKindName,
        schemas::MemberRoleName,
        schemas::EventType,
        schemas::SearchHas,
        schemas::UserKindName
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Accounts, sessions and passwords"),
        (name = "users", description = "Profiles and presence"),
        (name = "conversations", description = "Conversations, members, read markers and the event log"),
        (name = "messages", description = "Sending, reading, editing and searching messages"),
        (name = "admin", description = "Global administration"),
        (name = "attachments", description = "Files in object storage, posted with messages"),
        (name = "notifications", description = "Web Push, digest mails, preferences and levels for people who are offline"),
        (name = "bots", description = "Bot accounts and their tokens (global admins)"),
        (name = "webhooks", description = "Events POSTed to URLs outside Palaver, signed, with a delivery log (global admins)"),
        (name = "realtime", description = "The WebSocket gateway"),
        (name = "operations", description = "Health and the API documents"),
    )
)]
pub struct ApiDoc;

/// Adds the `bearer` security scheme (the `access_token` of a session, as
/// `Authorization: Bearer <token>`) and the `bot` one (`Authorization: Bot <token>`), which
/// every bearer operation also accepts, and makes operation ids unique.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        // Handlers in different modules share names (`get`, `delete` ...): prefix each
        // operation id with its tag, `users_get`, so that ids are unique.
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let tag = operation.tags.as_ref().and_then(|t| t.first()).cloned();
                if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut()) {
                    *id = format!("{tag}_{id}");
                }
                // Whatever a person's session may call, a bot's token may call too.
                let bearer = SecurityRequirement::new("bearer", Vec::<String>::new());
                if let Some(security) = operation.security.as_mut()
                    && security.contains(&bearer)
                {
                    security.push(SecurityRequirement::new("bot", Vec::<String>::new()));
                }
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The `access_token` of a session from register, login or refresh",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "bot",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Bot <token>`: a bot's token from `POST /api/bots` (or a re-issue)",
            ))),
        );
    }
}

/// The OpenAPI document as served, rendered once.
pub fn openapi_document() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        // Serialising plain maps and strings cannot fail; an empty object would be caught
        // by the tests that validate the served document.
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|_| "{}".to_owned())
    })
}

/// The AsyncAPI document of the WebSocket frames, rendered once: the frames as written in
/// `asyncapi.json` here, plus the REST schemas they refer to (`Message`, `Conversation`
/// ...), taken from the OpenAPI document so that both describe them the same way.
pub fn asyncapi_document() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut document: Value = serde_json::from_str(include_str!("asyncapi.json"))
            .unwrap_or_else(|error| json!({ "invalid": error.to_string() }));
        let rest: Value = serde_json::from_str(openapi_document()).unwrap_or_default();
        let mut wanted = Vec::new();
        schema_refs(&document, &mut wanted);
        let mut schemas = Map::new();
        while let Some(name) = wanted.pop() {
            if schemas.contains_key(&name) {
                continue;
            }
            let schema = rest["components"]["schemas"][&name].clone();
            schema_refs(&schema, &mut wanted);
            schemas.insert(name, schema);
        }
        document["components"]["schemas"] = Value::Object(schemas);
        serde_json::to_string_pretty(&document).unwrap_or_default()
    })
}

/// The names of the `#/components/schemas/...` a JSON value refers to.
fn schema_refs(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            if let Some(name) = fields
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                names.push(name.to_owned());
            }
            fields.values().for_each(|v| schema_refs(v, names));
        }
        Value::Array(items) => items.iter().for_each(|v| schema_refs(v, names)),
        _ => {}
    }
}

const DOCS_PAGE: &str = include_str!("docs.html");

/// The WebSocket gateway. Its frames are in the AsyncAPI document; the handler lives with
/// the real-time side, so this item only carries its REST-side description.
#[utoipa::path(
    get,
    path = "/api/ws",
    tag = "realtime",
    summary = "Open the WebSocket (frames: /api/asyncapi.json)",
    description = "Upgrades to a WebSocket (RFC 6455: `Connection: Upgrade`, `Upgrade: \
        websocket`, `Sec-WebSocket-Version: 13`, `Sec-WebSocket-Key`). The token comes as \
        `Authorization: Bearer` or, for browsers, as `?access_token=`; a bot sends \
        `Authorization: Bot <token>`; a bad token gets 401 \
        before the upgrade, a request that is not an upgrade gets 400.",
    params(("access_token" = Option<String>, Query, description = "The access token, for clients that cannot set headers")),
    responses(
        (status = 101, description = "Switched to the WebSocket protocol"),
        (status = 400, description = "`validation_failed`: not a WebSocket upgrade request", body = schemas::ErrorBody),
        (status = 401, description = "`unauthorized`: no valid access token", body = schemas::ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
#[allow(dead_code, reason = "it only carries the route's #[utoipa::path]")]
fn websocket() {}

#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "operations",
    summary = "This document (OpenAPI 3.1)",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object)),
)]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(openapi_document())
}

#[utoipa::path(
    get,
    path = "/api/docs",
    tag = "operations",
    summary = "A browsable page of this document",
    responses((status = 200, description = "An HTML page that renders /api/openapi.json", content_type = "text/html", body = String)),
)]
pub async fn docs_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
             connect-src 'self'; base-uri 'none'; form-action 'none'",
        ))
        .body(DOCS_PAGE)
}

#[utoipa::path(
    get,
    path = "/api/asyncapi.json",
    tag = "operations",
    summary = "The WebSocket frames (AsyncAPI 3)",
    responses((status = 200, description = "The AsyncAPI document", content_type = "application/json", body = Object)),
)]
pub async fn asyncapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(asyncapi_document())
}

#[cfg(test)]
mod tests;
