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

#[utoipa::path(
    post,
    path = "/api/auth/register",
    tag = "auth",
    summary = "Create an account and log in",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered; a new session", body = SessionResponse),
        (status = 409, description = "`conflict`: the username or email is taken (`details.field`)", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::JsonBodyErrors,
    ),
)]
pub async fn register(
    state: web::Data<AppState>,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().try_into_domain()?;
    let session = state.register.execute(input).await?;
    Ok(HttpResponse::Created().json(SessionResponse::from(session)))
}

#[utoipa::path(
    post,
    path = "/api/auth/login",
    tag = "auth",
    summary = "Log in with a username or email and a password",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "A new session", body = SessionResponse),
        (status = 401, description = "`unauthorized`: unknown user or wrong password, alike", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::Throttled,
        crate::openapi::responses::JsonBodyErrors,
    ),
)]
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

#[utoipa::path(
    post,
    path = "/api/auth/refresh",
    tag = "auth",
    summary = "Exchange a refresh token for a new session (rotation)",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new session", body = SessionResponse),
        (status = 401, description = "`unauthorized`: unknown, expired or already rotated refresh token (reuse revokes the session)", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::JsonBodyErrors,
    ),
)]
pub async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let presented = SecretToken::presented(body.into_inner().refresh_token);
    let session = state.refresh.execute(presented).await?;
    Ok(HttpResponse::Ok().json(SessionResponse::from(session)))
}

#[utoipa::path(
    post,
    path = "/api/auth/logout",
    tag = "auth",
    summary = "End this session and close its WebSockets",
    responses(
        (status = 204, description = "Logged out"),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn logout(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    state.logout.execute(&caller.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    put,
    path = "/api/auth/password",
    tag = "auth",
    summary = "Change the password; every other session ends",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 403, description = "`forbidden`: the current password is wrong", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().try_into_domain()?;
    state.change_password.execute(&caller.0, input).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    post,
    path = "/api/auth/password-reset",
    tag = "auth",
    summary = "Mail a password-reset token",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "Accepted, whether or not the address is known"),
        crate::openapi::responses::Throttled,
        crate::openapi::responses::JsonBodyErrors,
    ),
)]
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

#[utoipa::path(
    post,
    path = "/api/auth/password-reset/confirm",
    tag = "auth",
    summary = "Set a new password with a reset token; all sessions end",
    request_body = PasswordResetConfirmRequest,
    responses(
        (status = 204, description = "Password set"),
        (status = 401, description = "`unauthorized`: unknown, used or expired token", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::JsonBodyErrors,
    ),
)]
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    body: web::Json<PasswordResetConfirmRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().try_into_domain()?;
    state.confirm_password_reset.execute(input).await?;
    Ok(HttpResponse::NoContent().finish())
}
