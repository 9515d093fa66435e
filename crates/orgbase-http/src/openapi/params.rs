//! The query parameters each kind of endpoint accepts, as the handlers'
//! `#[utoipa::path(params(...))]` name them. Only names and styles live here: each family's
//! schema and description is filled in by name from [`super::schemas::query_parameter`], so
//! it is written once however many endpoints take it.

// The fields exist for the derive, which reads their names and attributes; nothing else does.
#![allow(dead_code)]

use utoipa::IntoParams;

/// `GET /organizations`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizationListQuery {
    #[param(style = DeepObject, explode, value_type = Object)]
    filter: Option<()>,
    #[param(value_type = String)]
    sort: Option<()>,
    #[param(style = DeepObject, explode, value_type = Object)]
    page: Option<()>,
    #[param(style = DeepObject, explode, value_type = Object)]
    fields: Option<()>,
    #[param(value_type = String)]
    include: Option<()>,
}

/// One organization, or its relationships.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizationQuery {
    #[param(style = DeepObject, explode, value_type = Object)]
    fields: Option<()>,
    #[param(value_type = String)]
    include: Option<()>,
}

/// `POST /organizations`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateOrganizationQuery {
    #[param(style = DeepObject, explode, value_type = Object)]
    fields: Option<()>,
    #[param(value_type = String)]
    include: Option<()>,
    #[param(value_type = bool)]
    return_existing: Option<()>,
    #[param(value_type = String)]
    upsert: Option<()>,
}

/// The other collections (`/custom_fields`, `/users`, `/api_keys`): pages and fieldsets.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    #[param(style = DeepObject, explode, value_type = Object)]
    page: Option<()>,
    #[param(style = DeepObject, explode, value_type = Object)]
    fields: Option<()>,
}

/// `GET /custom_fields`: pages, fieldsets and `filter[resource_type]`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomFieldListQuery {
    #[param(style = DeepObject, explode, value_type = Object)]
    filter: Option<()>,
    #[param(style = DeepObject, explode, value_type = Object)]
    page: Option<()>,
    #[param(style = DeepObject, explode, value_type = Object)]
    fields: Option<()>,
}

/// The changes feed: `filter[resource_type]` and `filter[resource_id]` (on `/changes` only),
/// `filter[operation]`, `filter[actor]` (comma-separated lists), `filter[changed_at][gte|lt]`,
/// `sort=sequence`, and pages by number or by cursor.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeQuery {
    #[param(style = DeepObject, explode, value_type = Object)]
    filter: Option<()>,
    #[param(value_type = String)]
    sort: Option<()>,
    #[param(style = DeepObject, explode, value_type = Object)]
    page: Option<()>,
}

/// One custom field, user or API key.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResourceQuery {
    #[param(style = DeepObject, explode, value_type = Object)]
    fields: Option<()>,
}

/// `DELETE /users/{id}`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteUserQuery {
    #[param(value_type = String)]
    reassign_to: Option<()>,
}

/// The `{id}` of every resource path.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdPath {
    #[param(value_type = String)]
    id: (),
}
