//! Request and response bodies. Requests convert into validated domain input here, at the
//! edge; responses are built from domain values and never carry password material.

pub mod admin;
pub mod auth;
pub mod bots;
pub mod conversations;
pub mod notifications;
pub mod rich;
pub mod users;
pub mod webhooks;

use crate::error::ApiError;
use palaver_application::page::Page;
use palaver_domain::ValidationError;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Collects every field's validation error so a client learns about all of them at once.
#[derive(Default)]
pub struct FieldErrors(Vec<ValidationError>);

impl FieldErrors {
    pub fn check<T>(&mut self, result: Result<T, ValidationError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    /// Checks an optional input; blank text counts as absent.
    pub fn check_optional<T>(
        &mut self,
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, ValidationError>,
    ) -> Option<T> {
        raw.filter(|r| !r.trim().is_empty())
            .and_then(|r| self.check(parse(r)))
    }

    /// `Ok` with the value when nothing failed; the values are only read then.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, ApiError> {
        if !self.0.is_empty() {
            return Err(ApiError::validation(self.0));
        }
        build().ok_or_else(|| ApiError::bad_request("invalid request"))
    }
}

/// Tells a field sent as `null` (`Some(None)`) from a field left out (`None`).
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

pub use palaver_realtime::wire::{rfc3339, rfc3339_opt};

/// `{"items": [...], "next_cursor": "..." | null}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    /// Pass as `?cursor=` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> ListResponse<T> {
    pub fn from_page<S>(page: Page<S>, convert: impl Fn(S) -> T) -> Self {
        Self {
            items: page.items.into_iter().map(convert).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// `?cursor=&limit=` of every list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}
