//! Error responses many routes share, each in the one error shape. A route lists the sets
//! that apply to it beside its own answers in its `#[utoipa::path]`.

use std::collections::BTreeMap;
use utoipa::IntoResponses;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

/// An error response: `description` names the code(s) and when they happen.
pub fn error(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

fn responses(entries: Vec<(&str, Response)>) -> BTreeMap<String, RefOr<Response>> {
    entries
        .into_iter()
        .map(|(status, response)| (status.to_owned(), response.into()))
        .collect()
}

/// Routes that need `Authorization: Bearer <access_token>`.
pub struct BearerErrors;

impl IntoResponses for BearerErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut unauthorized = error(
            "`unauthorized`: no bearer token, or one that is malformed, expired or of a \
             session that has ended",
        );
        unauthorized.headers.insert(
            "WWW-Authenticate".to_owned(),
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::String))
                .description(Some("`Bearer`"))
                .build(),
        );
        responses(vec![("401", unauthorized)])
    }
}

/// Routes that read a JSON body.
pub struct JsonBodyErrors;

impl IntoResponses for JsonBodyErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(vec![
            (
                "400",
                error(
                    "`validation_failed`: the body is not JSON, does not fit the schema, or a \
                     field is invalid (`details.fields` names each one)",
                ),
            ),
            (
                "413",
                error("`payload_too_large`: the body is over the configured limit"),
            ),
            (
                "415",
                error("`unsupported_media_type`: a body of a type other than JSON"),
            ),
        ])
    }
}

/// `429 rate_limited` with `Retry-After`, for routes that send messages.
pub struct RateLimited;

impl IntoResponses for RateLimited {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(vec![(
            "429",
            rate_limited("`rate_limited`: too many messages; wait `Retry-After` seconds"),
        )])
    }
}

/// `429 rate_limited` with `Retry-After`, for login and password-reset requests, counted
/// per account (or email) and per client address.
pub struct Throttled;

impl IntoResponses for Throttled {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(vec![(
            "429",
            rate_limited(
                "`rate_limited`: too many attempts for this account or address; wait \
                 `Retry-After` seconds",
            ),
        )])
    }
}

fn rate_limited(description: &str) -> Response {
    let mut limited = error(description);
    limited.headers.insert(
        "Retry-After".to_owned(),
        HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::Integer))
            .description(Some("Seconds to wait, at least 1"))
            .build(),
    );
    limited
}
