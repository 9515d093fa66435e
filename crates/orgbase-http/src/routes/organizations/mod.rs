//! `/organizations`: list, create, get, update, delete, duplicate; the relationships to users
//! are in [`super::user_relationships`].

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::attributes::{read_new_organization, read_organization_patch};
use orgbase_domain::service::{self, Created, UpsertKey, Upserted};
use orgbase_domain::{
    CustomFields, NewOrganization, OrganizationId, OrganizationPatch, UserId, Write, time,
};
use serde_json::{Map, Value};

use crate::auth::Caller;
use crate::conditional::{Precondition, delete_if_matching};
use crate::document::{ORGANIZATION_TO_MANY, ORGANIZATIONS, OrganizationResource, related_user};
use crate::errors::{ApiError, ErrorObject, Kind};
use crate::extract::{
    OneOrganization, OrganizationCreate, OrganizationList, OrganizationReference, PathId, Query,
    ResourceBody,
};
use crate::openapi::params;
use crate::pagination::respond_records;
use crate::request_body::combine;
use crate::resources::Organizations;
use crate::state::AppState;

mod rendering;

pub use super::user_relationships::organizations::*;

use super::included::{included_users, organizations_related, together};
use super::linkage_input::{check_echoed, requested_relationships};
use rendering::{Rendering, resource_response, single};

/// List organizations
///
/// Filtered, sorted and paged in the storage backend. Archived organizations are left out
/// unless `filter[archived]` asks for them. `links` lead to the first, last, previous and
/// next pages keeping every other parameter; `meta` has the total and the page.
#[utoipa::path(
    get,
    path = "/organizations",
    tag = "organizations",
    operation_id = "listOrganizations",
    params(params::OrganizationListQuery),
    responses(
        (status = 200, description = "A page of organizations.", body = ref("OrganizationCollection")),
    ),
)]
pub async fn list(
    req: HttpRequest,
    query: Query<OrganizationList>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query {
        params,
        pairs,
        custom,
        ..
    } = query;
    let list_query = params.query.clone();
    let page = state
        .run(move |store| store.list_organizations(&list_query))
        .await?;
    let base = state.base_url(&req);
    let users = included_users(&state, &page.items, related_user, &base, &params.render).await?;
    let related = organizations_related(&state, &page.items, &base, &params.render).await?;
    let included = together(users, related.resources);
    // About 1.7 KB an organization with every attribute: room for the page up front.
    Ok(respond_records(
        &req,
        &base,
        &pairs,
        &params,
        &page,
        |org, cursor| OrganizationResource {
            org,
            base: &base,
            fields: &params.render.fields,
            custom: &custom,
            cursor,
            linkage: Some(&related.linkage),
        },
        included,
        2 * 1024,
    ))
}

/// Create an organization
///
/// The owner defaults to the caller; `owner_id` in attributes is an alias of the `owner`
/// relationship. Names are unique ignoring case and surrounding space, under concurrency too:
/// simultaneous creates of one name make one organization.
#[utoipa::path(
    post,
    path = "/organizations",
    tag = "organizations",
    operation_id = "createOrganization",
    params(params::CreateOrganizationQuery),
    request_body = ref("NewOrganizationDocument"),
    responses(
        (status = 200, description = "With `return_existing=true` and a taken name: the existing organization, unchanged. With `upsert`: the organization that held the value, updated.", body = ref("OrganizationDocument")),
        (status = 201, description = "Created.", body = ref("OrganizationDocument")),
        (status = 400, description = "A malformed query parameter: an `upsert` key that is not `name` or a unique custom field, `upsert` with `return_existing`, or an `id` in an upsert's body."),
        (status = 403, description = "The client-generated `id` is not a UUID."),
        (status = 404, description = "The `owner` names no user."),
        (status = 409, description = "The client-generated `id` is taken, or the body names another type."),
        (status = 422, description = "Validation failed, or the name is taken (`name_taken`, pointing at `/data/attributes/name`)."),
    ),
)]
pub async fn create(
    query: Query<OrganizationCreate>,
    body: ResourceBody<Organizations>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query { params, custom, .. } = query;
    let new = read_new(
        &body.attributes,
        &body.relationships,
        body.id,
        &custom,
        caller.user.id,
    )?;
    let now = time::now();
    if let Some(key) = params.upsert {
        let patch = read_upsert_patch(&body.attributes, &body.relationships, key, &new, &custom)?;
        let write = Write {
            actor: Some(caller.user.id),
            expected: None,
        };
        let upserted = state
            // The store's error is judged here, where the custom fields it names are known.
            .run(move |store| {
                Ok(service::upsert_organization(
                    store, key, &new, &patch, write, now,
                ))
            })
            .await?
            .map_err(|e| ApiError::of_organization_write(e, &custom))?;
        let (org, status) = match &upserted {
            Upserted::Created(org) => (org, StatusCode::CREATED),
            Upserted::Updated(org) => (org, StatusCode::OK),
        };
        return resource_response(&req, &state, org, &params.render, &custom, status).await;
    }
    let created = if params.return_existing {
        state
            .run(move |store| Ok(service::create_or_get_existing(store, &new, now)))
            .await?
    } else {
        state
            .run(move |store| Ok(service::create_organization(store, &new, now).map(Created::New)))
            .await?
    }
    .map_err(|e| ApiError::of_organization_write(e, &custom))?;
    let (org, status) = match &created {
        Created::New(org) => (org, StatusCode::CREATED),
        Created::Existing(org) => (org, StatusCode::OK),
    };
    resource_response(&req, &state, org, &params.render, &custom, status).await
}

/// A create request's organization, as every way of creating one reads it (`POST
/// /organizations`, an atomic "add"): attributes and relationships, `actor` its creator.
pub(crate) fn read_new(
    attributes: &Map<String, Value>,
    relationships: &Map<String, Value>,
    id: Option<OrganizationId>,
    custom: &CustomFields,
    actor: UserId,
) -> Result<NewOrganization, ApiError> {
    let requested = requested_relationships(relationships, ORGANIZATIONS, ORGANIZATION_TO_MANY)?;
    check_echoed(&requested.echoed, None)?;
    let mut new = combine(
        read_new_organization(attributes, id, custom),
        requested.unknown,
    )?;
    new.actor = Some(actor);
    // The relationship and its `owner_id` alias set the same thing; the relationship wins.
    if let Some(owner) = requested.owner {
        new.details.owner_id = owner;
        new.owner_given = true;
    }
    Ok(new)
}

/// An upsert's body read as the PATCH it is when the organization exists: the members given
/// change, the rest stay. The body must carry the value it matches by, and no `id` (the
/// value finds the organization).
pub(crate) fn read_upsert_patch(
    attributes: &Map<String, Value>,
    relationships: &Map<String, Value>,
    key: UpsertKey,
    new: &NewOrganization,
    custom: &CustomFields,
) -> Result<OrganizationPatch, ApiError> {
    if new.id.is_some() {
        return Err(ApiError::from(
            ErrorObject::new(
                Kind::InvalidParameter,
                "An upsert finds its organization by the `upsert` attribute; leave out `id`.",
            )
            .pointer("/data/id"),
        ));
    }
    if let UpsertKey::Custom(field) = key
        && !new.details.custom.contains_key(&field)
    {
        let identifier = custom.get(field).map_or("", |f| f.identifier.as_str());
        // A missing member points at the object that lacks it, as a missing `name` does.
        return Err(ErrorObject::invalid_field(
            "required",
            "/data/attributes",
            format!("`{identifier}` is required: the upsert matches by it."),
        )
        .into());
    }
    let requested = requested_relationships(relationships, ORGANIZATIONS, ORGANIZATION_TO_MANY)?;
    let mut patch = combine(
        read_organization_patch(attributes, custom),
        requested.unknown,
    )?;
    patch.actor = new.actor;
    if requested.owner.is_some() {
        patch.owner_id = requested.owner;
    }
    Ok(patch)
}

/// Fetch an organization
#[utoipa::path(
    get,
    path = "/organizations/{id}",
    tag = "organizations",
    operation_id = "getOrganization",
    params(params::OrganizationQuery, params::IdPath),
    responses(
        (status = 200, description = "The organization (archived ones too).", body = ref("OrganizationDocument")),
    ),
)]
pub async fn get(
    query: Query<OneOrganization>,
    PathId(id): PathId<Organizations>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org = state.run(move |store| store.get_organization(id)).await?;
    let base = state.base_url(&req);
    let self_link = base.join_with_query(req.path(), &query.pairs.0);
    let rendering = Rendering {
        base: &base,
        render: &query.params.render,
        custom: &query.custom,
    };
    single(&req, &state, &org, rendering, self_link, StatusCode::OK).await
}

/// Update an organization
///
/// Changes only the members given; `null` clears a nullable attribute. A read-only attribute
/// sent with its current value is accepted. Sets `updated_at` and `updater`.
#[utoipa::path(
    patch,
    path = "/organizations/{id}",
    tag = "organizations",
    operation_id = "updateOrganization",
    params(params::OrganizationQuery, params::IdPath),
    request_body = ref("OrganizationPatchDocument"),
    responses(
        (status = 200, description = "The organization as changed.", body = ref("OrganizationDocument")),
        (status = 403, description = "The body changes `creator` or `updater`, which the server sets."),
        (status = 404, description = "No organization has this id, or the `owner` names no user."),
    ),
)]
pub async fn update(
    query: Query<OneOrganization>,
    PathId(id): PathId<Organizations>,
    body: ResourceBody<Organizations>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query { params, custom, .. } = query;
    let requested =
        requested_relationships(&body.relationships, ORGANIZATIONS, ORGANIZATION_TO_MANY)?;
    if !requested.echoed.is_empty() {
        let current = state.run(move |store| store.get_organization(id)).await?;
        check_echoed(
            &requested.echoed,
            Some(&|name| related_user(&current, name)),
        )?;
    }
    let mut patch = combine(
        read_organization_patch(&body.attributes, &custom),
        requested.unknown,
    )?;
    patch.actor = Some(caller.user.id);
    if requested.owner.is_some() {
        patch.owner_id = requested.owner;
    }
    let precondition = Precondition::of(&req);
    let write = precondition.write(caller.user.id);
    let org = state
        .run(move |store| Ok(store.update_organization(id, &patch, time::now(), write)))
        .await?
        .map_err(|e| precondition.judge(ApiError::of_organization_write(e, &custom)))?;
    resource_response(&req, &state, &org, &params.render, &custom, StatusCode::OK).await
}

/// Delete an organization
#[utoipa::path(
    delete,
    path = "/organizations/{id}",
    tag = "organizations",
    operation_id = "deleteOrganization",
    params(params::OrganizationQuery, params::IdPath),
    responses(
        (status = 204, description = "Deleted, with its custom values."),
    ),
)]
pub async fn delete(
    _: Query<OrganizationReference>,
    PathId(id): PathId<Organizations>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    delete_if_matching(&req, caller.user.id, &state, move |store, write| {
        store.delete_organization(id, write)
    })
    .await
}

/// Duplicate an organization
///
/// Copies attributes, lists, domains, custom values, owner and memberships (with their
/// roles) into a new organization named "NAME (copy)", then "NAME (copy 2)", and so on, in
/// one transaction.
#[utoipa::path(
    post,
    path = "/organizations/{id}/duplicate",
    tag = "organizations",
    operation_id = "duplicateOrganization",
    params(params::OrganizationQuery, params::IdPath),
    responses(
        (status = 201, description = "The copy.", body = ref("OrganizationDocument")),
    ),
)]
pub async fn duplicate(
    query: Query<OneOrganization>,
    PathId(id): PathId<Organizations>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let precondition = Precondition::of(&req);
    let write = precondition.write(caller.user.id);
    let now = time::now();
    let copy = state
        .run(move |store| service::duplicate_organization(store, id, write, now))
        .await
        .map_err(|e| precondition.judge(e))?;
    resource_response(
        &req,
        &state,
        &copy,
        &query.params.render,
        &query.custom,
        StatusCode::CREATED,
    )
    .await
}
