//! `/users`: admins manage users; everyone may read their own record.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::attributes::{read_new_user, read_user_patch};
use orgbase_domain::{Position, User, time};

use crate::auth::Caller;
use crate::conditional::Precondition;
use crate::document::{USERS, respond_resource, user_resource};
use crate::errors::ApiError;
use crate::extract::{DeleteUser, OneResource, PageOnly, PathId, Query, ResourceBody};
use crate::openapi::params;
use crate::pagination::respond_page;
use crate::query::RenderOptions;
use crate::request_body::{combine, unknown_relationships};
use crate::resources::Users;
use crate::state::AppState;

fn respond(
    req: &HttpRequest,
    state: &AppState,
    user: &User,
    render: &RenderOptions,
    status: StatusCode,
) -> HttpResponse {
    respond_resource(
        req,
        user_resource(user, &state.base_url(req), &render.user_fields),
        user.version,
        status,
        render.include.is_some(),
    )
}

/// List users
#[utoipa::path(
    get,
    path = "/users",
    tag = "users",
    operation_id = "listUsers",
    params(params::PageQuery),
    responses(
        (status = 200, description = "A page of users.", body = ref("UserCollection")),
    ),
)]
pub async fn list(
    query: Query<PageOnly>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query { params, pairs, .. } = query;
    let requested = params.query.page.clone();
    let page = state.run(move |store| store.list_users(requested)).await?;
    let base = state.base_url(&req);
    Ok(respond_page(
        &req,
        &base,
        &pairs,
        &params,
        &page,
        |u| user_resource(u, &base, &params.render.user_fields),
        |u| Position::oldest_first(u.created_at, u.id.as_uuid()),
    ))
}

/// Create a user
///
/// The role defaults to `viewer`.
#[utoipa::path(
    post,
    path = "/users",
    tag = "users",
    operation_id = "createUser",
    params(params::ResourceQuery),
    request_body = ref("NewUserDocument"),
    responses(
        (status = 201, description = "Created (with no key: create one at /api_keys).", body = ref("UserDocument")),
        (status = 403, description = "The client-generated `id` is not a UUID."),
        (status = 409, description = "The client-generated `id` is taken, or the body names another type."),
        (status = 422, description = "Validation failed, or the email is taken."),
    ),
)]
pub async fn create(
    query: Query<OneResource>,
    body: ResourceBody<Users>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut user = combine(
        read_new_user(&body.attributes, body.id, time::now()),
        unknown_relationships(&body.relationships, USERS),
    )?;
    let stored = user.clone();
    let actor = Some(caller.user.id);
    user.version = state
        .run(move |store| store.insert_user(&stored, actor))
        .await?;
    Ok(respond(
        &req,
        &state,
        &user,
        &query.params.render,
        StatusCode::CREATED,
    ))
}

/// Fetch a user
#[utoipa::path(
    get,
    path = "/users/{id}",
    tag = "users",
    operation_id = "getUser",
    params(params::ResourceQuery, params::IdPath),
    responses(
        (status = 200, description = "The user.", body = ref("UserDocument")),
    ),
)]
pub async fn get(
    query: Query<OneResource>,
    PathId(id): PathId<Users>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    caller.may_act_for(id)?;
    let user = state.run(move |store| store.get_user(id)).await?;
    Ok(respond(
        &req,
        &state,
        &user,
        &query.params.render,
        StatusCode::OK,
    ))
}

/// Update a user
#[utoipa::path(
    patch,
    path = "/users/{id}",
    tag = "users",
    operation_id = "updateUser",
    params(params::ResourceQuery, params::IdPath),
    request_body = ref("UserPatchDocument"),
    responses(
        (status = 200, description = "The user as changed.", body = ref("UserDocument")),
        (status = 409, description = "The change would leave no admin, or the body names another type or id."),
    ),
)]
pub async fn update(
    query: Query<OneResource>,
    PathId(id): PathId<Users>,
    body: ResourceBody<Users>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let precondition = Precondition::of(&req);
    let current = state
        .run(move |store| store.get_user(id))
        .await
        .map_err(|e| precondition.judge(e))?;
    let patch = combine(
        read_user_patch(&body.attributes, &current),
        unknown_relationships(&body.relationships, USERS),
    )?;
    let write = precondition.write(caller.user.id);
    let user = state
        .run(move |store| store.update_user(id, &patch, write))
        .await
        .map_err(|e| precondition.judge(e))?;
    state.accounts_changed();
    Ok(respond(
        &req,
        &state,
        &user,
        &query.params.render,
        StatusCode::OK,
    ))
}

/// Delete a user
///
/// Their API keys stop working at once.
#[utoipa::path(
    delete,
    path = "/users/{id}",
    tag = "users",
    operation_id = "deleteUser",
    params(params::DeleteUserQuery, params::IdPath),
    responses(
        (status = 204, description = "Deleted, with their keys."),
        (status = 409, description = "The user is the last admin, or owns organizations and `reassign_to` was not given."),
    ),
)]
pub async fn delete(
    query: Query<DeleteUser>,
    PathId(id): PathId<Users>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let reassign_to = query.params;
    let precondition = Precondition::of(&req);
    let write = precondition.write(caller.user.id);
    state
        .run(move |store| store.delete_user(id, reassign_to, write))
        .await
        .map_err(|e| precondition.judge(e))?;
    state.accounts_changed();
    Ok(HttpResponse::NoContent().finish())
}
