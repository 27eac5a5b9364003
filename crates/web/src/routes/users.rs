use crate::dto::users::{DeleteAccountRequest, SearchQuery, UpdateUserRequest, UserResponse};
use crate::dto::{ListResponse, PageQuery};
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use palaver_application::page::PageRequest;
use palaver_application::users::UpdateProfileInput;
use palaver_domain::user::{Password, UserId};
use uuid::Uuid;

#[utoipa::path(
    get,
    path = "/api/users",
    tag = "users",
    summary = "Search users by username and names",
    params(SearchQuery),
    responses(
        (status = 200, description = "A page of users", body = ListResponse<UserResponse>),
        (status = 400, description = "`validation_failed`: bad `limit` or `cursor`", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn search(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let found = state.search_users.execute(query.q.as_deref(), page).await?;
    let viewer = caller.viewer();
    Ok(HttpResponse::Ok().json(ListResponse::from_page(found, |p| {
        UserResponse::for_viewer(p, viewer)
    })))
}

#[utoipa::path(
    get,
    path = "/api/users/online",
    tag = "users",
    summary = "Users online now, on any node",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of users", body = ListResponse<UserResponse>),
        (status = 400, description = "`validation_failed`: bad `limit` or `cursor`", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn online(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let online = state.list_online_users.execute(page).await?;
    let viewer = caller.viewer();
    Ok(
        HttpResponse::Ok().json(ListResponse::from_page(online, |p| {
            UserResponse::for_viewer(p, viewer)
        })),
    )
}

#[utoipa::path(
    get,
    path = "/api/users/me",
    tag = "users",
    summary = "My own profile",
    responses(
        (status = 200, description = "Me, with email and phone", body = UserResponse),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn me(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    show(&state, caller, caller.0.user_id).await
}

#[utoipa::path(
    get,
    path = "/api/users/{id}",
    tag = "users",
    summary = "One user",
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserResponse),
        (status = 400, description = "`validation_failed`: a path parameter is not a UUID", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such user", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn get(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    show(&state, caller, UserId::from_uuid(id.into_inner())).await
}

async fn show(
    state: &AppState,
    caller: Authenticated,
    id: UserId,
) -> Result<HttpResponse, ApiError> {
    let profile = state.get_user.execute(id).await?;
    Ok(HttpResponse::Ok().json(UserResponse::for_viewer(profile, caller.viewer())))
}

#[utoipa::path(
    patch,
    path = "/api/users/me",
    tag = "users",
    summary = "Change my profile",
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The changed profile", body = UserResponse),
        (status = 403, description = "`forbidden`: changing my own role, or an email change with a wrong `current_password`", body = crate::openapi::schemas::ErrorBody),
        (status = 409, description = "`conflict`: the username or email is taken", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn update_me(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    change(&state, caller, caller.0.user_id, body.into_inner()).await
}

#[utoipa::path(
    patch,
    path = "/api/users/{id}",
    tag = "users",
    summary = "Change a user (themself, or anyone for a global admin)",
    params(("id" = Uuid, Path, description = "User id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The changed profile", body = UserResponse),
        (status = 403, description = "`forbidden`: not an admin, or not allowed for this change", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such user", body = crate::openapi::schemas::ErrorBody),
        (status = 409, description = "`conflict`: the username or email is taken", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn update(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    change(
        &state,
        caller,
        UserId::from_uuid(id.into_inner()),
        body.into_inner(),
    )
    .await
}

/// Everybody may change themself (an email change needs the current password, admins
/// included); admins may also change others, roles included.
async fn change(
    state: &AppState,
    caller: Authenticated,
    target: UserId,
    body: UpdateUserRequest,
) -> Result<HttpResponse, ApiError> {
    let patch = body.try_into_domain()?;
    let profile = if target == caller.0.user_id {
        let input = UpdateProfileInput {
            patch,
            current_password: body.current_password(),
        };
        state.update_profile.execute(&caller.0, input).await?
    } else {
        state
            .admin_update_user
            .execute(&caller.0, target, patch)
            .await?
    };
    Ok(HttpResponse::Ok().json(UserResponse::for_viewer(profile, caller.viewer())))
}

#[utoipa::path(
    delete,
    path = "/api/users/me",
    tag = "users",
    summary = "Delete my account (needs the password)",
    request_body = DeleteAccountRequest,
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`forbidden`: wrong password", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn delete_me(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<DeleteAccountRequest>,
) -> Result<HttpResponse, ApiError> {
    let password = Password::offered(&body.into_inner().password);
    state.delete_account.execute(&caller.0, password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deleting oneself needs the password, as on `/me`; an admin deletes others without one.
#[utoipa::path(
    delete,
    path = "/api/users/{id}",
    tag = "users",
    summary = "Delete a user (a global admin; oneself with the password)",
    params(("id" = Uuid, Path, description = "User id")),
    request_body = Option<DeleteAccountRequest>,
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`forbidden`: not an admin, or a wrong password for oneself", body = crate::openapi::schemas::ErrorBody),
        (status = 404, description = "`not_found`: no such user", body = crate::openapi::schemas::ErrorBody),
        crate::openapi::responses::BearerErrors,
        crate::openapi::responses::JsonBodyErrors,
    ),
    security(("bearer" = [])),
)]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    request: HttpRequest,
    body: Result<web::Json<DeleteAccountRequest>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    // The body is optional, but one that is sent must be right, even where it is not needed.
    let body = match body {
        Ok(body) => Some(body),
        Err(error) if sends_a_body(&request) => return Err(error),
        Err(_) => None,
    };
    let target = UserId::from_uuid(id.into_inner());
    if target == caller.0.user_id {
        let body = body.ok_or_else(|| {
            ApiError::bad_request("deleting your own account needs {\"password\"}")
        })?;
        let password = Password::offered(&body.into_inner().password);
        state
            .delete_account
            .execute(&caller.0, password)
            .await
            .map_err(ApiError::from)?;
    } else {
        state
            .admin_delete_user
            .execute(&caller.0, target)
            .await
            .map_err(ApiError::from)?;
    }
    Ok(HttpResponse::NoContent().finish())
}

fn sends_a_body(request: &HttpRequest) -> bool {
    let headers = request.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|length| length.trim() != "0")
}
