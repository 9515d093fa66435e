//! `/organizations`: list, create, get, update, delete, duplicate.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::attributes::{read_new_organization, read_organization_patch};
use orgbase_domain::service::{self, Created};
use orgbase_domain::{Error, Organization, OrganizationId, time};
use serde_json::json;

use crate::auth::caller;
use crate::document::{Document, ORGANIZATIONS, OrganizationResource};
use crate::errors::ApiError;
use crate::links::BaseUrl;
use crate::pagination::collection_links_and_meta;
use crate::query::{self, QueryPairs, RenderOptions};
use crate::request_body::{
    Intent, client_id, combine, read_json_object, resource_input, unknown_relationships,
};
use crate::state::AppState;

/// The `{id}` of the URL. Text that is not a UUID names no organization: 404.
fn path_id(req: &HttpRequest) -> Result<OrganizationId, ApiError> {
    let raw = req.match_info().get("id").unwrap_or_default();
    raw.parse()
        .map_err(|_| ApiError::from(Error::organization_not_found(raw)))
}

fn single(
    org: &Organization,
    base: &BaseUrl,
    render: &RenderOptions,
    self_link: String,
    status: StatusCode,
) -> HttpResponse {
    let resource = OrganizationResource {
        org,
        base,
        fields: &render.fields,
    };
    let mut response = Document::new(resource, json!({ "self": self_link }))
        .with_included(render.include.is_some())
        .respond(status);
    let location = header::HeaderValue::from_str(&OrganizationResource::self_link(base, org));
    if let (StatusCode::CREATED, Ok(location)) = (status, location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// A single-resource document whose `links.self` is the resource's own URL.
fn resource_response(
    req: &HttpRequest,
    state: &AppState,
    org: &Organization,
    render: &RenderOptions,
    status: StatusCode,
) -> HttpResponse {
    let base = state.base_url(req);
    let self_link = OrganizationResource::self_link(&base, org);
    single(org, &base, render, self_link, status)
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pairs = QueryPairs::parse(req.query_string());
    let params = query::list_params(&pairs)?;
    let list_query = params.query.clone();
    let page = state
        .run(move |store| store.list_organizations(&list_query))
        .await?;
    let base = state.base_url(&req);
    let requested = params.query.page;
    let data: Vec<OrganizationResource<'_>> = page
        .items
        .iter()
        .map(|org| OrganizationResource {
            org,
            base: &base,
            fields: &params.render.fields,
        })
        .collect();
    let (links, meta) = collection_links_and_meta(
        &base,
        req.path(),
        &pairs,
        requested,
        page.total,
        page.has_next,
    );
    Ok(Document::new(data, links)
        .with_included(params.render.include.is_some())
        .with_meta(meta)
        .respond(StatusCode::OK))
}

pub async fn create(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = query::create_params(&QueryPairs::parse(req.query_string()))?;
    let input = resource_input(
        read_json_object(&req, payload).await?,
        ORGANIZATIONS,
        Intent::Create,
    )?;
    let id = client_id::<OrganizationId>(input.id.as_deref())?;
    let new = combine(
        read_new_organization(&input.attributes, id),
        unknown_relationships(&input.relationships, ORGANIZATIONS),
    )?;
    let mut new = new;
    new.actor = Some(caller(&req)?.user.id);
    let now = time::now();
    let created = if params.return_existing {
        state
            .run(move |store| service::create_or_get_existing(store, &new, now))
            .await?
    } else {
        Created::New(
            state
                .run(move |store| service::create_organization(store, &new, now))
                .await?,
        )
    };
    let (org, status) = match &created {
        Created::New(org) => (org, StatusCode::CREATED),
        Created::Existing(org) => (org, StatusCode::OK),
    };
    Ok(resource_response(&req, &state, org, &params.render, status))
}

pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pairs = QueryPairs::parse(req.query_string());
    let params = query::resource_params(&pairs)?;
    let id = path_id(&req)?;
    let org = state.run(move |store| store.get_organization(id)).await?;
    let base = state.base_url(&req);
    let self_link = base.join_with_query(req.path(), &pairs.0);
    Ok(single(
        &org,
        &base,
        &params.render,
        self_link,
        StatusCode::OK,
    ))
}

pub async fn update(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = query::resource_params(&QueryPairs::parse(req.query_string()))?;
    let id = path_id(&req)?;
    let raw_id = id.to_string();
    let input = resource_input(
        read_json_object(&req, payload).await?,
        ORGANIZATIONS,
        Intent::Update { id: &raw_id },
    )?;
    let patch = combine(
        read_organization_patch(&input.attributes),
        unknown_relationships(&input.relationships, ORGANIZATIONS),
    )?;
    let mut patch = patch;
    patch.actor = Some(caller(&req)?.user.id);
    let org = state
        .run(move |store| store.update_organization(id, &patch, time::now()))
        .await?;
    let base = state.base_url(&req);
    let self_link = OrganizationResource::self_link(&base, &org);
    Ok(single(
        &org,
        &base,
        &params.render,
        self_link,
        StatusCode::OK,
    ))
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    query::resource_params(&QueryPairs::parse(req.query_string()))?;
    let id = path_id(&req)?;
    state
        .run(move |store| store.delete_organization(id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn duplicate(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = query::resource_params(&QueryPairs::parse(req.query_string()))?;
    let id = path_id(&req)?;
    let actor = Some(caller(&req)?.user.id);
    let now = time::now();
    let copy = state
        .run(move |store| service::duplicate_organization(store, id, actor, now))
        .await?;
    let base = state.base_url(&req);
    let self_link = OrganizationResource::self_link(&base, &copy);
    Ok(single(
        &copy,
        &base,
        &params.render,
        self_link,
        StatusCode::CREATED,
    ))
}
