//! `/tasks`: an organization's tasks; and `GET /organizations/{id}/tasks`. A task's
//! `organization` is required on create and moves it when a `PATCH` changes it; its
//! `assignee` is a user, or null.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::attributes::{read_new_task, read_task_patch};
use orgbase_domain::task::Task;
use orgbase_domain::time;

use super::linkage_input::owned_record_relationships;
use super::organization_records::{Collection, page};
use crate::auth::Caller;
use crate::conditional::{Precondition, delete_if_matching};
use crate::document::{TASKS, TaskResource, respond_resource};
use crate::errors::{ApiError, ErrorObject};
use crate::extract::{PathId, Query, ResourceBody, TaskList, TaskReference};
use crate::openapi::params;
use crate::query::RenderOptions;
use crate::request_body::combine;
use crate::resources::{Organizations, Tasks};
use crate::state::AppState;

/// List tasks
///
/// Filtered by `organization`, `assignee`, `title`, `status`, `due_on`, `completed_at`,
/// `description`, `created_at` and `updated_at`, sorted and paged by number or by cursor.
#[utoipa::path(
    get,
    path = "/tasks",
    tag = "tasks",
    operation_id = "listTasks",
    params(params::OrganizationListQuery),
    responses(
        (status = 200, description = "A page of tasks.", body = ref("TaskCollection")),
    ),
)]
pub async fn list(
    req: HttpRequest,
    query: Query<TaskList>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query { params, pairs, .. } = query;
    page(req, params, pairs, state, None, collection()).await
}

/// An organization's tasks
///
/// `GET /tasks?filter[organization]={id}`, with every other parameter `GET /tasks` takes.
#[utoipa::path(
    get,
    path = "/organizations/{id}/tasks",
    tag = "organizations",
    operation_id = "getOrganizationTasks",
    params(params::OrganizationListQuery, params::IdPath),
    responses(
        (status = 200, description = "A page of the organization's tasks.", body = ref("TaskCollection")),
    ),
)]
pub async fn of_organization(
    req: HttpRequest,
    PathId(org): PathId<Organizations>,
    query: Query<TaskList>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query { params, pairs, .. } = query;
    page(req, params, pairs, state, Some(org), collection()).await
}

/// How `/tasks` lists and renders its records.
fn collection() -> Collection<Task> {
    Collection {
        list: |store, query| store.list_tasks(query),
        render: |task, base, fields, cursor| {
            serde_json::to_value(TaskResource {
                task,
                base,
                fields,
                cursor,
            })
            .unwrap_or_default()
        },
        fields: |params| &params.render.task_fields,
    }
}

/// Create a task
///
/// `relationships.organization` is required; `title` too. `relationships.assignee` names a
/// user (404 if there is none). A task created `done` is completed now unless
/// `completed_at` says when.
#[utoipa::path(
    post,
    path = "/tasks",
    tag = "tasks",
    operation_id = "createTask",
    params(params::ResourceQuery),
    request_body = ref("NewTaskDocument"),
    responses(
        (status = 201, description = "Created.", body = ref("TaskDocument")),
        (status = 403, description = "The client-generated `id` is not a UUID."),
        (status = 404, description = "The organization does not exist."),
        (status = 409, description = "The client-generated `id` is taken, or the body or the linkage names another type."),
        (status = 422, description = "Validation failed, or the organization is missing (`required` at `/data/relationships`)."),
    ),
)]
pub async fn create(
    query: Query<TaskReference>,
    body: ResourceBody<Tasks>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let relationships = owned_record_relationships(&body.relationships, TASKS, true)?;
    let (organization, mut others) = (relationships.organization, relationships.unknown);
    if organization.is_none() {
        others.insert(
            0,
            ErrorObject::invalid_field(
                "required",
                "/data/relationships",
                "`organization` is required: a task belongs to one organization.",
            ),
        );
    }
    // A placeholder while the errors are gathered; never stored (an error is returned).
    let org = organization.unwrap_or_else(orgbase_domain::OrganizationId::generate);
    let mut new = combine(read_new_task(&body.attributes, body.id, org), others)?;
    new.assignee_id = relationships.assignee.flatten();
    let mut task = new.to_task(time::now());
    let actor = Some(caller.user.id);
    let task = state
        .run(move |store| {
            task.version = store.insert_task(&task, actor)?;
            Ok(task)
        })
        .await?;
    respond(
        &req,
        &state,
        &task,
        &query.params.render,
        StatusCode::CREATED,
    )
}

/// Fetch a task
#[utoipa::path(
    get,
    path = "/tasks/{id}",
    tag = "tasks",
    operation_id = "getTask",
    params(params::ResourceQuery, params::IdPath),
    responses(
        (status = 200, description = "The task.", body = ref("TaskDocument")),
    ),
)]
pub async fn get(
    query: Query<TaskReference>,
    PathId(id): PathId<Tasks>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let task = state.run(move |store| store.get_task(id)).await?;
    respond(&req, &state, &task, &query.params.render, StatusCode::OK)
}

/// Update a task
///
/// Changes only the members given; a new `organization` moves the task there. A task made
/// `done` is completed now unless `completed_at` says when; one made `open` again is no
/// longer completed.
#[utoipa::path(
    patch,
    path = "/tasks/{id}",
    tag = "tasks",
    operation_id = "updateTask",
    params(params::ResourceQuery, params::IdPath),
    request_body = ref("TaskPatchDocument"),
    responses(
        (status = 200, description = "The task as changed.", body = ref("TaskDocument")),
        (status = 404, description = "No task has this id, or the organization or assignee named does not exist."),
        (status = 412, description = "`If-Match` names another version."),
    ),
)]
pub async fn update(
    query: Query<TaskReference>,
    PathId(id): PathId<Tasks>,
    body: ResourceBody<Tasks>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let relationships = owned_record_relationships(&body.relationships, TASKS, true)?;
    let (organization, others) = (relationships.organization, relationships.unknown);
    let mut patch = combine(read_task_patch(&body.attributes), others)?;
    patch.organization_id = organization;
    patch.assignee_id = relationships.assignee;
    let precondition = Precondition::of(&req);
    let write = precondition.write(caller.user.id);
    let task = state
        .run(move |store| Ok(store.update_task(id, &patch, time::now(), write)))
        .await?
        .map_err(|e| precondition.judge(e.into()))?;
    respond(&req, &state, &task, &query.params.render, StatusCode::OK)
}

/// Delete a task
#[utoipa::path(
    delete,
    path = "/tasks/{id}",
    tag = "tasks",
    operation_id = "deleteTask",
    params(params::IdPath),
    responses(
        (status = 204, description = "Deleted."),
        (status = 412, description = "`If-Match` names another version."),
    ),
)]
pub async fn delete(
    _: Query<TaskReference>,
    PathId(id): PathId<Tasks>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    delete_if_matching(&req, caller.user.id, &state, move |store, write| {
        store.delete_task(id, write)
    })
    .await
}

/// A single-task answer: its ETag, 304 for a matching `If-None-Match`, `Location` on
/// 201, and an empty `included` when `include` was given (tasks include nothing).
fn respond(
    req: &HttpRequest,
    state: &AppState,
    task: &Task,
    render: &RenderOptions,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let base = state.base_url(req);
    let resource = serde_json::to_value(TaskResource {
        task,
        base: &base,
        fields: &render.task_fields,
        cursor: None,
    })
    .map_err(ApiError::internal)?;
    Ok(respond_resource(
        req,
        resource,
        task.version,
        status,
        render.include.is_some(),
    ))
}
