//! `/documents`: the records of an organization's files; and `GET
//! /organizations/{id}/documents`. A document's `organization` is required on create and
//! moves it when a `PATCH` changes it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::attributes::{read_document_patch, read_new_document};
use orgbase_domain::document::Document;
use orgbase_domain::time;

use super::linkage_input::owned_record_relationships;
use super::organization_records::{Collection, page};
use crate::auth::Caller;
use crate::conditional::{Precondition, delete_if_matching};
use crate::document::{DOCUMENTS, DocumentResource, respond_resource};
use crate::errors::{ApiError, ErrorObject};
use crate::extract::{DocumentList, DocumentReference, PathId, Query, ResourceBody};
use crate::openapi::params;
use crate::query::RenderOptions;
use crate::request_body::combine;
use crate::resources::{Documents, Organizations};
use crate::state::AppState;

/// List documents
///
/// Filtered by `organization`, `title`, `url`, `content_type`, `size_bytes`, `description`,
/// `created_at` and `updated_at`, sorted and paged by number or by cursor.
#[utoipa::path(
    get,
    path = "/documents",
    tag = "documents",
    operation_id = "listDocuments",
    params(params::OrganizationListQuery),
    responses(
        (status = 200, description = "A page of documents.", body = ref("DocumentCollection")),
    ),
)]
pub async fn list(
    req: HttpRequest,
    query: Query<DocumentList>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query { params, pairs, .. } = query;
    page(req, params, pairs, state, None, collection()).await
}

/// An organization's documents
///
/// `GET /documents?filter[organization]={id}`, with every other parameter `GET /documents`
/// takes.
#[utoipa::path(
    get,
    path = "/organizations/{id}/documents",
    tag = "organizations",
    operation_id = "getOrganizationDocuments",
    params(params::OrganizationListQuery, params::IdPath),
    responses(
        (status = 200, description = "A page of the organization's documents.", body = ref("DocumentCollection")),
    ),
)]
pub async fn of_organization(
    req: HttpRequest,
    PathId(org): PathId<Organizations>,
    query: Query<DocumentList>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query { params, pairs, .. } = query;
    page(req, params, pairs, state, Some(org), collection()).await
}

/// How `/documents` lists and renders its records.
fn collection() -> Collection<Document> {
    Collection {
        list: |store, query| store.list_documents(query),
        render: |document, base, fields, cursor| {
            serde_json::to_value(DocumentResource {
                document,
                base,
                fields,
                cursor,
            })
            .unwrap_or_default()
        },
        fields: |params| &params.render.document_fields,
    }
}

/// Create a document
///
/// `relationships.organization` is required; `title` too.
#[utoipa::path(
    post,
    path = "/documents",
    tag = "documents",
    operation_id = "createDocument",
    params(params::ResourceQuery),
    request_body = ref("NewDocumentDocument"),
    responses(
        (status = 201, description = "Created.", body = ref("DocumentDocument")),
        (status = 403, description = "The client-generated `id` is not a UUID."),
        (status = 404, description = "The organization does not exist."),
        (status = 409, description = "The client-generated `id` is taken, or the body or the linkage names another type."),
        (status = 422, description = "Validation failed, or the organization is missing (`required` at `/data/relationships`)."),
    ),
)]
pub async fn create(
    query: Query<DocumentReference>,
    body: ResourceBody<Documents>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let relationships = owned_record_relationships(&body.relationships, DOCUMENTS, false)?;
    let (organization, mut others) = (relationships.organization, relationships.unknown);
    if organization.is_none() {
        others.insert(
            0,
            ErrorObject::invalid_field(
                "required",
                "/data/relationships",
                "`organization` is required: a document belongs to one organization.",
            ),
        );
    }
    // A placeholder while the errors are gathered; never stored (an error is returned).
    let org = organization.unwrap_or_else(orgbase_domain::OrganizationId::generate);
    let new = combine(read_new_document(&body.attributes, body.id, org), others)?;
    let mut document = new.to_document(time::now());
    let actor = Some(caller.user.id);
    let document = state
        .run(move |store| {
            document.version = store.insert_document(&document, actor)?;
            Ok(document)
        })
        .await?;
    respond(
        &req,
        &state,
        &document,
        &query.params.render,
        StatusCode::CREATED,
    )
}

/// Fetch a document
#[utoipa::path(
    get,
    path = "/documents/{id}",
    tag = "documents",
    operation_id = "getDocument",
    params(params::ResourceQuery, params::IdPath),
    responses(
        (status = 200, description = "The document.", body = ref("DocumentDocument")),
    ),
)]
pub async fn get(
    query: Query<DocumentReference>,
    PathId(id): PathId<Documents>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let document = state.run(move |store| store.get_document(id)).await?;
    respond(
        &req,
        &state,
        &document,
        &query.params.render,
        StatusCode::OK,
    )
}

/// Update a document
///
/// Changes only the members given; a new `organization` moves the document there.
#[utoipa::path(
    patch,
    path = "/documents/{id}",
    tag = "documents",
    operation_id = "updateDocument",
    params(params::ResourceQuery, params::IdPath),
    request_body = ref("DocumentPatchDocument"),
    responses(
        (status = 200, description = "The document as changed.", body = ref("DocumentDocument")),
        (status = 404, description = "No document has this id, or the organization named does not exist."),
        (status = 412, description = "`If-Match` names another version."),
    ),
)]
pub async fn update(
    query: Query<DocumentReference>,
    PathId(id): PathId<Documents>,
    body: ResourceBody<Documents>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let relationships = owned_record_relationships(&body.relationships, DOCUMENTS, false)?;
    let (organization, others) = (relationships.organization, relationships.unknown);
    let mut patch = combine(read_document_patch(&body.attributes), others)?;
    patch.organization_id = organization;
    let precondition = Precondition::of(&req);
    let write = precondition.write(caller.user.id);
    let document = state
        .run(move |store| Ok(store.update_document(id, &patch, time::now(), write)))
        .await?
        .map_err(|e| precondition.judge(e.into()))?;
    respond(
        &req,
        &state,
        &document,
        &query.params.render,
        StatusCode::OK,
    )
}

/// Delete a document
#[utoipa::path(
    delete,
    path = "/documents/{id}",
    tag = "documents",
    operation_id = "deleteDocument",
    params(params::IdPath),
    responses(
        (status = 204, description = "Deleted (the record; orgbase never held the file)."),
        (status = 412, description = "`If-Match` names another version."),
    ),
)]
pub async fn delete(
    _: Query<DocumentReference>,
    PathId(id): PathId<Documents>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    delete_if_matching(&req, caller.user.id, &state, move |store, write| {
        store.delete_document(id, write)
    })
    .await
}

/// A single-document answer: its ETag, 304 for a matching `If-None-Match`, `Location` on
/// 201, and an empty `included` when `include` was given (documents include nothing).
fn respond(
    req: &HttpRequest,
    state: &AppState,
    document: &Document,
    render: &RenderOptions,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let base = state.base_url(req);
    let resource = serde_json::to_value(DocumentResource {
        document,
        base: &base,
        fields: &render.document_fields,
        cursor: None,
    })
    .map_err(ApiError::internal)?;
    Ok(respond_resource(
        req,
        resource,
        document.version,
        status,
        render.include.is_some(),
    ))
}
