//! `/custom_fields`: everyone reads the definitions (they describe organization attributes);
//! admins create, change and delete them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::attributes::{read_custom_field_patch, read_new_custom_field};
use orgbase_domain::{CustomField, CustomResourceType, Page, Position, time};

use crate::auth::Caller;
use crate::conditional::Precondition;
use crate::document::{CUSTOM_FIELDS, custom_field_resource, respond_resource};
use crate::errors::ApiError;
use crate::extract::{CustomFieldList, OneResource, PathId, Query, ResourceBody};
use crate::openapi::params;
use crate::pagination::respond_page;
use crate::query::RenderOptions;
use crate::request_body::{combine, unknown_relationships};
use crate::resources::CustomFields;
use crate::state::AppState;

fn respond(
    req: &HttpRequest,
    state: &AppState,
    field: &CustomField,
    render: &RenderOptions,
    status: StatusCode,
) -> HttpResponse {
    respond_resource(
        req,
        custom_field_resource(field, &state.base_url(req), &render.custom_field_fields),
        field.version,
        status,
        render.include.is_some(),
    )
}

/// List custom fields
#[utoipa::path(
    get,
    path = "/custom_fields",
    tag = "custom_fields",
    operation_id = "listCustomFields",
    params(params::CustomFieldListQuery),
    responses(
        (status = 200, description = "A page of definitions, oldest first.", body = ref("CustomFieldCollection")),
    ),
)]
pub async fn list(
    query: Query<CustomFieldList>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query { params, pairs, .. } = query;
    let (params, resource_type) = (params.list, params.resource_type);
    let fields = state.custom_fields().await?;
    // A CRM defines tens of fields: the whole set is read anyway for every organization
    // request, and paged here.
    let place = |f: &&CustomField| Position::oldest_first(f.created_at, f.id.as_uuid());
    let listed = match resource_type {
        None => &fields.all,
        Some(CustomResourceType::Organizations) => &fields.organizations,
        Some(CustomResourceType::Contacts) => &fields.contacts,
    };
    let page = Page::cut(
        listed.iter().collect(),
        &params.query.page,
        true,
        |f, position| place(f).cmp_ascending(position),
    );
    let base = state.base_url(&req);
    Ok(respond_page(
        &req,
        &base,
        &pairs,
        &params,
        &page,
        |f| custom_field_resource(f, &base, &params.render.custom_field_fields),
        place,
    ))
}

/// Define a custom field
///
/// The identifier (`c_` and 1–60 of `[a-z0-9_]`, ending in a letter or digit) becomes an
/// organization attribute that filters and sorts like a built-in one.
#[utoipa::path(
    post,
    path = "/custom_fields",
    tag = "custom_fields",
    operation_id = "createCustomField",
    params(params::ResourceQuery),
    request_body = ref("NewCustomFieldDocument"),
    responses(
        (status = 201, description = "Defined: organizations now have the attribute.", body = ref("CustomFieldDocument")),
        (status = 403, description = "The client-generated `id` is not a UUID."),
        (status = 409, description = "The client-generated `id` is taken, or the body names another type."),
        (status = 422, description = "Validation failed, or the identifier is taken."),
    ),
)]
pub async fn create(
    query: Query<OneResource>,
    body: ResourceBody<CustomFields>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut field = combine(
        read_new_custom_field(&body.attributes, body.id, time::now()),
        unknown_relationships(&body.relationships, CUSTOM_FIELDS),
    )?;
    let stored = field.clone();
    let actor = Some(caller.user.id);
    field.version = state
        .run(move |store| store.insert_custom_field(&stored, actor))
        .await?;
    state.custom_fields_changed();
    Ok(respond(
        &req,
        &state,
        &field,
        &query.params.render,
        StatusCode::CREATED,
    ))
}

/// Fetch a custom field
#[utoipa::path(
    get,
    path = "/custom_fields/{id}",
    tag = "custom_fields",
    operation_id = "getCustomField",
    params(params::ResourceQuery, params::IdPath),
    responses(
        (status = 200, description = "The definition.", body = ref("CustomFieldDocument")),
    ),
)]
pub async fn get(
    query: Query<OneResource>,
    PathId(id): PathId<CustomFields>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let field = state.run(move |store| store.get_custom_field(id)).await?;
    Ok(respond(
        &req,
        &state,
        &field,
        &query.params.render,
        StatusCode::OK,
    ))
}

/// Rename a custom field or change its options
#[utoipa::path(
    patch,
    path = "/custom_fields/{id}",
    tag = "custom_fields",
    operation_id = "updateCustomField",
    params(params::ResourceQuery, params::IdPath),
    request_body = ref("CustomFieldPatchDocument"),
    responses(
        (status = 200, description = "The definition as changed.", body = ref("CustomFieldDocument")),
        (status = 422, description = "Validation failed, `identifier` or `format` changed, or new options would orphan values (the detail says how many organizations hold them)."),
    ),
)]
pub async fn update(
    query: Query<OneResource>,
    PathId(id): PathId<CustomFields>,
    body: ResourceBody<CustomFields>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let precondition = Precondition::of(&req);
    // The identifier and format the patch may echo are compared with this read; the options
    // check that matters runs again inside the store's transaction.
    let current = state
        .run(move |store| store.get_custom_field(id))
        .await
        .map_err(|e| precondition.judge(e))?;
    let patch = combine(
        read_custom_field_patch(&body.attributes, &current),
        unknown_relationships(&body.relationships, CUSTOM_FIELDS),
    )?;
    let write = precondition.write(caller.user.id);
    let field = state
        .run(move |store| store.update_custom_field(id, &patch, time::now(), write))
        .await
        .map_err(|e| precondition.judge(e))?;
    state.custom_fields_changed();
    Ok(respond(
        &req,
        &state,
        &field,
        &query.params.render,
        StatusCode::OK,
    ))
}

/// Delete a custom field
#[utoipa::path(
    delete,
    path = "/custom_fields/{id}",
    tag = "custom_fields",
    operation_id = "deleteCustomField",
    params(params::ResourceQuery, params::IdPath),
    responses(
        (status = 204, description = "Deleted, with every value organizations held."),
    ),
)]
pub async fn delete(
    _: Query<OneResource>,
    PathId(id): PathId<CustomFields>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let precondition = Precondition::of(&req);
    let write = precondition.write(caller.user.id);
    state
        .run(move |store| store.delete_custom_field(id, write))
        .await
        .map_err(|e| precondition.judge(e))?;
    state.custom_fields_changed();
    Ok(HttpResponse::NoContent().finish())
}
