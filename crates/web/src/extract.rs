use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use palaver_application::AuthFailure;
use palaver_domain::auth::Actor;
use palaver_domain::user::Viewer;
use std::future::Future;
use std::pin::Pin;

/// The caller, proven by a valid `Authorization: Bearer` access token of a live session.
/// Handlers that take it answer 401 without it.
#[derive(Debug, Clone, Copy)]
pub struct Authenticated(pub Actor);

impl Authenticated {
    pub fn viewer(&self) -> Viewer {
        Viewer {
            user_id: self.0.user_id,
            role: self.0.role,
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header, if well formed.
pub fn bearer_token(request: &HttpRequest) -> Result<String, AuthFailure> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(AuthFailure::MissingToken)?
        .to_str()
        .map_err(|_| AuthFailure::InvalidToken)?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthFailure::InvalidToken)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(AuthFailure::InvalidToken);
    }
    Ok(token.to_owned())
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = request.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(request);
        Box::pin(async move {
            let state = state.ok_or_else(|| {
                ApiError::internal(&std::io::Error::other("AppState is not registered"))
            })?;
            let actor = state.authenticate.execute(&token?).await?;
            crate::operations::record_user(actor.user_id);
            Ok(Authenticated(actor))
        })
    }
}
