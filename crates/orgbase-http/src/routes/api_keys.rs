//! `/api_keys`: admins issue keys; everyone lists and revokes their own. The secret appears
//! once, in the answer that creates the key.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::attributes::read_api_key_name;
use orgbase_domain::{ApiKey, Error, Position, Role, Secret, UserId, time};
use serde_json::{Map, Value};

use crate::auth::Caller;
use crate::conditional::Precondition;
use crate::document::{API_KEYS, USERS, api_key_resource, respond_resource};
use crate::errors::{ApiError, ErrorObject, Kind};
use crate::extract::{OneResource, PageOnly, PathId, Query, ResourceBody};
use crate::openapi::params;
use crate::pagination::respond_page;
use crate::request_body::{combine, unknown_relationships};
use crate::resources::ApiKeys;
use crate::state::AppState;

/// The `user` relationship a new key needs: `{"data": {"type": "users", "id": "…"}}`. Any
/// other relationship is unknown. A user id that is not a UUID names no user (404).
fn key_owner(
    relationships: &Map<String, Value>,
) -> (Option<Result<UserId, ApiError>>, Vec<ErrorObject>) {
    let others: Map<String, Value> = relationships
        .iter()
        .filter(|(name, _)| *name != "user")
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let mut errors = unknown_relationships(&others, API_KEYS);
    let Some(user) = relationships.get("user") else {
        errors.push(ErrorObject::invalid_field(
            "required",
            "/data/relationships",
            "`user` is required: the user the key acts for.",
        ));
        return (None, errors);
    };
    let linkage = user.get("data").and_then(Value::as_object);
    let id = linkage
        .filter(|data| data.get("type").and_then(Value::as_str) == Some(USERS))
        .and_then(|data| data.get("id"))
        .and_then(Value::as_str);
    match id {
        Some(id) => (
            Some(
                id.parse()
                    .map_err(|_| ApiError::from(Error::user_not_found(id))),
            ),
            errors,
        ),
        None => {
            errors.push(ErrorObject::invalid_field(
                "invalid_type",
                "/data/relationships/user",
                "`user` must be {\"data\": {\"type\": \"users\", \"id\": \"<user id>\"}}.",
            ));
            (None, errors)
        }
    }
}

/// List API keys
#[utoipa::path(
    get,
    path = "/api_keys",
    tag = "api_keys",
    operation_id = "listApiKeys",
    params(params::PageQuery),
    responses(
        (status = 200, description = "A page of keys (never their secrets): all keys for an admin, the caller's own otherwise.", body = ref("ApiKeyCollection")),
    ),
)]
pub async fn list(
    query: Query<PageOnly>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query { params, pairs, .. } = query;
    // Admins see every key; everyone else, their own.
    let scope = (caller.user.role != Role::Admin).then_some(caller.user.id);
    let requested = params.query.page.clone();
    let page = state
        .run(move |store| store.list_api_keys(scope, requested))
        .await?;
    let base = state.base_url(&req);
    Ok(respond_page(
        &req,
        &base,
        &pairs,
        &params,
        &page,
        |k| api_key_resource(k, None, &base, &params.render.api_key_fields),
        |k| Position::oldest_first(k.created_at, k.id.as_uuid()),
    ))
}

/// Issue an API key
///
/// The `user` relationship is required. Only a hash of the secret is stored.
#[utoipa::path(
    post,
    path = "/api_keys",
    tag = "api_keys",
    operation_id = "createApiKey",
    params(params::ResourceQuery),
    request_body = ref("NewApiKeyDocument"),
    responses(
        (status = 201, description = "Issued: `secret` is in this answer only.", body = ref("ApiKeyDocument")),
        (status = 403, description = "A client-generated `id` was sent; keys take none."),
        (status = 404, description = "The `user` names no user."),
    ),
)]
pub async fn create(
    query: Query<OneResource>,
    body: ResourceBody<ApiKeys>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (owner, relationship_errors) = key_owner(&body.relationships);
    let name = combine(read_api_key_name(&body.attributes), relationship_errors)?;
    let Some(owner) = owner else {
        return Err(ApiError::internal(
            "a key without an owner passed validation",
        ));
    };
    let owner = owner?;
    let secret = Secret::generate().map_err(ApiError::internal)?;
    let key = ApiKey::issue(owner, name, &secret, time::now());
    let stored = key.clone();
    let actor = Some(caller.user.id);
    let version = state
        .run(move |store| store.insert_api_key(&stored, actor))
        .await?;
    let resource = api_key_resource(
        &key,
        Some(secret.expose()),
        &state.base_url(&req),
        &query.params.render.api_key_fields,
    );
    Ok(respond_resource(
        &req,
        resource,
        version,
        StatusCode::CREATED,
        query.params.render.include.is_some(),
    ))
}

/// Fetch an API key
#[utoipa::path(
    get,
    path = "/api_keys/{id}",
    tag = "api_keys",
    operation_id = "getApiKey",
    params(params::ResourceQuery, params::IdPath),
    responses(
        (status = 200, description = "The key, without its secret.", body = ref("ApiKeyDocument")),
    ),
)]
pub async fn get(
    query: Query<OneResource>,
    PathId(id): PathId<ApiKeys>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let key = state.run(move |store| store.get_api_key(id)).await?;
    caller.may_act_for(key.user_id)?;
    let resource = api_key_resource(
        &key,
        None,
        &state.base_url(&req),
        &query.params.render.api_key_fields,
    );
    Ok(respond_resource(
        &req,
        resource,
        key.version,
        StatusCode::OK,
        query.params.render.include.is_some(),
    ))
}

/// Keys cannot be changed
#[utoipa::path(
    patch,
    path = "/api_keys/{id}",
    tag = "api_keys",
    operation_id = "updateApiKey",
    params(params::IdPath),
    responses(
        (status = 403, description = "Always: keys cannot be changed; create a new key and revoke this one."),
    ),
)]
pub async fn update() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        Kind::UnsupportedUpdate,
        "API keys cannot be changed; create a new key and revoke this one.",
    ))
}

/// Revoke an API key
#[utoipa::path(
    delete,
    path = "/api_keys/{id}",
    tag = "api_keys",
    operation_id = "revokeApiKey",
    params(params::ResourceQuery, params::IdPath),
    responses(
        (status = 204, description = "Revoked: the key stops working at once."),
    ),
)]
pub async fn delete(
    _: Query<OneResource>,
    PathId(id): PathId<ApiKeys>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let precondition = Precondition::of(&req);
    let key = state
        .run(move |store| store.get_api_key(id))
        .await
        .map_err(|e| precondition.judge(e))?;
    caller.may_act_for(key.user_id)?;
    let write = precondition.write(caller.user.id);
    state
        .run(move |store| store.delete_api_key(id, write))
        .await
        .map_err(|e| precondition.judge(e))?;
    state.accounts_changed();
    Ok(HttpResponse::NoContent().finish())
}
