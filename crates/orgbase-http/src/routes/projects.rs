//! `/projects`: an organization's projects; and `GET /organizations/{id}/projects`. A
//! project's `organization` is required on create and moves it when a `PATCH` changes it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::attributes::{read_new_project, read_project_patch};
use orgbase_domain::project::Project;
use orgbase_domain::time;

use super::linkage_input::owned_record_relationships;
use super::organization_records::{Collection, page};
use crate::auth::Caller;
use crate::conditional::{Precondition, delete_if_matching};
use crate::document::{PROJECTS, ProjectResource, respond_resource};
use crate::errors::{ApiError, ErrorObject};
use crate::extract::{PathId, ProjectList, ProjectReference, Query, ResourceBody};
use crate::openapi::params;
use crate::query::RenderOptions;
use crate::request_body::combine;
use crate::resources::{Organizations, Projects};
use crate::state::AppState;

/// List projects
///
/// Filtered by `organization`, `name`, `status`, `starts_on`, `ends_on`, `description`,
/// `created_at` and `updated_at`, sorted and paged by number or by cursor.
#[utoipa::path(
    get,
    path = "/projects",
    tag = "projects",
    operation_id = "listProjects",
    params(params::OrganizationListQuery),
    responses(
        (status = 200, description = "A page of projects.", body = ref("ProjectCollection")),
    ),
)]
pub async fn list(
    req: HttpRequest,
    query: Query<ProjectList>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query { params, pairs, .. } = query;
    page(req, params, pairs, state, None, collection()).await
}

/// An organization's projects
///
/// `GET /projects?filter[organization]={id}`, with every other parameter `GET /projects`
/// takes.
#[utoipa::path(
    get,
    path = "/organizations/{id}/projects",
    tag = "organizations",
    operation_id = "getOrganizationProjects",
    params(params::OrganizationListQuery, params::IdPath),
    responses(
        (status = 200, description = "A page of the organization's projects.", body = ref("ProjectCollection")),
    ),
)]
pub async fn of_organization(
    req: HttpRequest,
    PathId(org): PathId<Organizations>,
    query: Query<ProjectList>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query { params, pairs, .. } = query;
    page(req, params, pairs, state, Some(org), collection()).await
}

/// How `/projects` lists and renders its records.
fn collection() -> Collection<Project> {
    Collection {
        list: |store, query| store.list_projects(query),
        render: |project, base, fields, cursor| {
            serde_json::to_value(ProjectResource {
                project,
                base,
                fields,
                cursor,
            })
            .unwrap_or_default()
        },
        fields: |params| &params.render.project_fields,
    }
}

/// Create a project
///
/// `relationships.organization` is required; `name` too. `ends_on` may not be before
/// `starts_on` (422 `out_of_range` at `/data/attributes/ends_on`).
#[utoipa::path(
    post,
    path = "/projects",
    tag = "projects",
    operation_id = "createProject",
    params(params::ResourceQuery),
    request_body = ref("NewProjectDocument"),
    responses(
        (status = 201, description = "Created.", body = ref("ProjectDocument")),
        (status = 403, description = "The client-generated `id` is not a UUID."),
        (status = 404, description = "The organization does not exist."),
        (status = 409, description = "The client-generated `id` is taken, or the body or the linkage names another type."),
        (status = 422, description = "Validation failed, or the organization is missing (`required` at `/data/relationships`)."),
    ),
)]
pub async fn create(
    query: Query<ProjectReference>,
    body: ResourceBody<Projects>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let relationships = owned_record_relationships(&body.relationships, PROJECTS, false)?;
    let (organization, mut others) = (relationships.organization, relationships.unknown);
    if organization.is_none() {
        others.insert(
            0,
            ErrorObject::invalid_field(
                "required",
                "/data/relationships",
                "`organization` is required: a project belongs to one organization.",
            ),
        );
    }
    // A placeholder while the errors are gathered; never stored (an error is returned).
    let org = organization.unwrap_or_else(orgbase_domain::OrganizationId::generate);
    let new = combine(read_new_project(&body.attributes, body.id, org), others)?;
    let mut project = new.to_project(time::now());
    let actor = Some(caller.user.id);
    let project = state
        .run(move |store| {
            project.version = store.insert_project(&project, actor)?;
            Ok(project)
        })
        .await?;
    respond(
        &req,
        &state,
        &project,
        &query.params.render,
        StatusCode::CREATED,
    )
}

/// Fetch a project
#[utoipa::path(
    get,
    path = "/projects/{id}",
    tag = "projects",
    operation_id = "getProject",
    params(params::ResourceQuery, params::IdPath),
    responses(
        (status = 200, description = "The project.", body = ref("ProjectDocument")),
    ),
)]
pub async fn get(
    query: Query<ProjectReference>,
    PathId(id): PathId<Projects>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let project = state.run(move |store| store.get_project(id)).await?;
    respond(&req, &state, &project, &query.params.render, StatusCode::OK)
}

/// Update a project
///
/// Changes only the members given; a new `organization` moves the project there. The dates
/// are checked as they end up: a new `ends_on` before the stored `starts_on` is 422.
#[utoipa::path(
    patch,
    path = "/projects/{id}",
    tag = "projects",
    operation_id = "updateProject",
    params(params::ResourceQuery, params::IdPath),
    request_body = ref("ProjectPatchDocument"),
    responses(
        (status = 200, description = "The project as changed.", body = ref("ProjectDocument")),
        (status = 404, description = "No project has this id, or the organization named does not exist."),
        (status = 412, description = "`If-Match` names another version."),
    ),
)]
pub async fn update(
    query: Query<ProjectReference>,
    PathId(id): PathId<Projects>,
    body: ResourceBody<Projects>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let relationships = owned_record_relationships(&body.relationships, PROJECTS, false)?;
    let (organization, others) = (relationships.organization, relationships.unknown);
    let mut patch = combine(read_project_patch(&body.attributes), others)?;
    patch.organization_id = organization;
    let precondition = Precondition::of(&req);
    let write = precondition.write(caller.user.id);
    let project = state
        .run(move |store| Ok(store.update_project(id, &patch, time::now(), write)))
        .await?
        .map_err(|e| precondition.judge(e.into()))?;
    respond(&req, &state, &project, &query.params.render, StatusCode::OK)
}

/// Delete a project
#[utoipa::path(
    delete,
    path = "/projects/{id}",
    tag = "projects",
    operation_id = "deleteProject",
    params(params::IdPath),
    responses(
        (status = 204, description = "Deleted."),
        (status = 412, description = "`If-Match` names another version."),
    ),
)]
pub async fn delete(
    _: Query<ProjectReference>,
    PathId(id): PathId<Projects>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    delete_if_matching(&req, caller.user.id, &state, move |store, write| {
        store.delete_project(id, write)
    })
    .await
}

/// A single-project answer: its ETag, 304 for a matching `If-None-Match`, `Location` on
/// 201, and an empty `included` when `include` was given (projects include nothing).
fn respond(
    req: &HttpRequest,
    state: &AppState,
    project: &Project,
    render: &RenderOptions,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let base = state.base_url(req);
    let resource = serde_json::to_value(ProjectResource {
        project,
        base: &base,
        fields: &render.project_fields,
        cursor: None,
    })
    .map_err(ApiError::internal)?;
    Ok(respond_resource(
        req,
        resource,
        project.version,
        status,
        render.include.is_some(),
    ))
}
