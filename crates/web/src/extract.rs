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

/// The caller, proven by a valid `Authorization: Bearer` access token of a live session,
/// or by a bot's current `Authorization: Bot` token. Handlers that take it answer 401
/// without it.
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

/// What an `Authorization` header proves identity with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `Bearer <access_token>`: a person's session.
    Bearer(String),
    /// `Bot <token>`: a bot's long-lived token.
    Bot(String),
}

/// The credential of an `Authorization: Bearer <token>` or `Authorization: Bot <token>`
/// header, if well formed (schemes match regardless of case).
pub fn credential(request: &HttpRequest) -> Result<Credential, AuthFailure> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(AuthFailure::MissingToken)?
        .to_str()
        .map_err(|_| AuthFailure::InvalidToken)?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthFailure::InvalidToken)?;
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthFailure::InvalidToken);
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        Ok(Credential::Bearer(token.to_owned()))
    } else if scheme.eq_ignore_ascii_case("bot") {
        Ok(Credential::Bot(token.to_owned()))
    } else {
        Err(AuthFailure::InvalidToken)
    }
}

/// The actor a credential proves: a person's live session or a bot's current token.
pub async fn authenticate(
    state: &AppState,
    credential: &Credential,
) -> Result<Actor, palaver_application::ApplicationError> {
    match credential {
        Credential::Bearer(token) => state.authenticate.execute(token).await,
        Credential::Bot(token) => state.bots.authenticate.execute(token).await,
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = request.app_data::<web::Data<AppState>>().cloned();
        let credential = credential(request);
        Box::pin(async move {
            let state = state.ok_or_else(|| {
                ApiError::internal(&std::io::Error::other("AppState is not registered"))
            })?;
            let actor = authenticate(&state, &credential?).await?;
            crate::operations::record_user(actor.user_id);
            Ok(Authenticated(actor))
        })
    }
}
