use crate::client_address::client_address;
use crate::dto::auth::{
    ChangePasswordRequest, LoginRequest, PasswordResetConfirmRequest, PasswordResetRequest,
    RefreshRequest, RegisterRequest, SessionResponse,
};
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use palaver_domain::secret::SecretToken;

pub async fn register(
    state: web::Data<AppState>,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().try_into_domain()?;
    let session = state.register.execute(input).await?;
    Ok(HttpResponse::Created().json(SessionResponse::from(session)))
}

pub async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = client_address(&request, &state.settings.trusted_proxies);
    let session = state
        .login
        .execute(body.into_inner().into_domain(client))
        .await?;
    Ok(HttpResponse::Ok().json(SessionResponse::from(session)))
}

pub async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let presented = SecretToken::presented(body.into_inner().refresh_token);
    let session = state.refresh.execute(presented).await?;
    Ok(HttpResponse::Ok().json(SessionResponse::from(session)))
}

pub async fn logout(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    state.logout.execute(&caller.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn change_password(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().try_into_domain()?;
    state.change_password.execute(&caller.0, input).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn request_password_reset(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = body.into_inner().try_into_domain()?;
    let client = client_address(&request, &state.settings.trusted_proxies);
    state.request_password_reset.execute(email, client).await?;
    Ok(HttpResponse::Accepted().finish())
}

pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    body: web::Json<PasswordResetConfirmRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().try_into_domain()?;
    state.confirm_password_reset.execute(input).await?;
    Ok(HttpResponse::NoContent().finish())
}
