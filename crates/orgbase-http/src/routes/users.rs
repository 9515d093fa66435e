//! `/users`: admins manage users; everyone may read their own record.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::attributes::{read_new_user, read_user_patch};
use orgbase_domain::{UserId, time};

use crate::auth::caller;
use crate::document::{USERS, respond_resource, user_resource};
use crate::errors::ApiError;
use crate::pagination::respond_page;
use crate::query::{self, QueryPairs};
use crate::request_body::{
    Intent, client_id, combine, read_json_object, resource_input, unknown_relationships,
};
use crate::routes::path_id;
use crate::state::AppState;

pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pairs = QueryPairs::parse(req.query_string());
    let params = query::plain_list_params(&pairs)?;
    let requested = params.query.page;
    let page = state.run(move |store| store.list_users(requested)).await?;
    let base = state.base_url(&req);
    Ok(respond_page(&req, &base, &pairs, &params, &page, |u| {
        user_resource(u, &base, &params.render.user_fields)
    }))
}

pub async fn create(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = query::resource_params(&QueryPairs::parse(req.query_string()), &[])?;
    let input = resource_input(
        read_json_object(&req, payload).await?,
        USERS,
        Intent::Create,
    )?;
    let id = client_id::<UserId>(input.id.as_deref())?;
    let user = combine(
        read_new_user(&input.attributes, id, time::now()),
        unknown_relationships(&input.relationships, USERS),
    )?;
    let stored = user.clone();
    state.run(move |store| store.insert_user(&stored)).await?;
    Ok(respond_resource(
        user_resource(&user, &state.base_url(&req), &params.render.user_fields),
        StatusCode::CREATED,
        params.render.include.is_some(),
    ))
}

pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let params = query::resource_params(&QueryPairs::parse(req.query_string()), &[])?;
    let id = path_id::<UserId>(&req, "user")?;
    caller(&req)?.may_act_for(id)?;
    let user = state.run(move |store| store.get_user(id)).await?;
    Ok(respond_resource(
        user_resource(&user, &state.base_url(&req), &params.render.user_fields),
        StatusCode::OK,
        params.render.include.is_some(),
    ))
}

pub async fn update(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = query::resource_params(&QueryPairs::parse(req.query_string()), &[])?;
    let id = path_id::<UserId>(&req, "user")?;
    let raw_id = id.to_string();
    let input = resource_input(
        read_json_object(&req, payload).await?,
        USERS,
        Intent::Update { id: &raw_id },
    )?;
    let current = state.run(move |store| store.get_user(id)).await?;
    let patch = combine(
        read_user_patch(&input.attributes, &current),
        unknown_relationships(&input.relationships, USERS),
    )?;
    let user = state
        .run(move |store| store.update_user(id, &patch))
        .await?;
    Ok(respond_resource(
        user_resource(&user, &state.base_url(&req), &params.render.user_fields),
        StatusCode::OK,
        params.render.include.is_some(),
    ))
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let reassign_to = query::delete_user_params(&QueryPairs::parse(req.query_string()))?;
    let id = path_id::<UserId>(&req, "user")?;
    state
        .run(move |store| store.delete_user(id, reassign_to))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
