//! `/organizations`: list, create, get, update, delete, duplicate.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::attributes::{read_new_organization, read_organization_patch};
use orgbase_domain::service::{self, Created};
use orgbase_domain::{
    CustomFields, Error, Organization, OrganizationId, OrganizationPatch, UserId, time,
};
use serde_json::{Map, Value, json};

use crate::auth::caller;
use crate::document::{
    Document, ORGANIZATION_RELATIONSHIPS, ORGANIZATIONS, OrganizationResource, USERS, related_user,
    relationship_links, user_linkage, user_resource,
};
use crate::errors::{ApiError, ErrorObject, Kind};
use crate::links::BaseUrl;
use crate::openapi::params;
use crate::pagination::collection_links_and_meta;
use crate::query::{self, QueryPairs, RenderOptions};
use crate::request_body::{
    Intent, client_id, combine, primary_data, read_json_object, resource_input,
    unknown_relationships,
};
use crate::routes::path_id;
use crate::state::AppState;

/// The users that `include` names for these organizations, each once, in order of first
/// mention: one query for all of them. `None` when the client did not ask.
async fn included_users(
    state: &AppState,
    orgs: &[Organization],
    base: &BaseUrl,
    render: &RenderOptions,
) -> Result<Option<Vec<Value>>, ApiError> {
    let Some(paths) = &render.include else {
        return Ok(None);
    };
    let mut ids: Vec<UserId> = Vec::new();
    for org in orgs {
        for path in paths {
            if let Some(id) = related_user(org, path).filter(|id| !ids.contains(id)) {
                ids.push(id);
            }
        }
    }
    if ids.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let wanted = ids.clone();
    let users = state.run(move |store| store.get_users(&wanted)).await?;
    Ok(Some(
        ids.iter()
            .filter_map(|id| users.iter().find(|u| u.id == *id))
            .map(|u| user_resource(u, base, &render.user_fields))
            .collect(),
    ))
}

/// What renders an organization: where links point, which fields, the custom fields.
struct Rendering<'a> {
    base: &'a BaseUrl,
    render: &'a RenderOptions,
    custom: &'a CustomFields,
}

/// A single-organization document, with `included` users when asked.
async fn single(
    state: &AppState,
    org: &Organization,
    rendering: Rendering<'_>,
    self_link: String,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let Rendering {
        base,
        render,
        custom,
    } = rendering;
    let included = included_users(state, std::slice::from_ref(org), base, render).await?;
    let resource = OrganizationResource {
        org,
        base,
        fields: &render.fields,
        custom,
    };
    let mut response = Document::new(resource, json!({ "self": self_link }))
        .with_included(included)
        .respond(status);
    let location = header::HeaderValue::from_str(&OrganizationResource::self_link(base, org));
    if let (StatusCode::CREATED, Ok(location)) = (status, location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// A single-resource document whose `links.self` is the resource's own URL.
async fn resource_response(
    req: &HttpRequest,
    state: &AppState,
    org: &Organization,
    render: &RenderOptions,
    custom: &CustomFields,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let base = state.base_url(req);
    let self_link = OrganizationResource::self_link(&base, org);
    let rendering = Rendering {
        base: &base,
        render,
        custom,
    };
    single(state, org, rendering, self_link, status).await
}

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
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pairs = QueryPairs::parse(req.query_string());
    let custom = state.custom_fields().await?;
    let params = query::list_params(&pairs, &custom)?;
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
            custom: &custom,
        })
        .collect();
    let included = included_users(&state, &page.items, &base, &params.render).await?;
    let (links, meta) = collection_links_and_meta(
        &base,
        req.path(),
        &pairs,
        requested,
        page.total,
        page.has_next,
    );
    // About 1.7 KB an organization with every attribute: room for the page up front.
    let capacity = 2 * 1024 * (data.len() + 1);
    Ok(Document::new(data, links)
        .with_included(included)
        .with_meta(meta)
        .respond_sized(StatusCode::OK, capacity))
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
        (status = 200, description = "With `return_existing=true` and a taken name: the existing organization, unchanged.", body = ref("OrganizationDocument")),
        (status = 201, description = "Created.", body = ref("OrganizationDocument")),
        (status = 403, description = "The client-generated `id` is not a UUID."),
        (status = 404, description = "The `owner` names no user."),
        (status = 409, description = "The client-generated `id` is taken, or the body names another type."),
        (status = 422, description = "Validation failed, or the name is taken (`name_taken`, pointing at `/data/attributes/name`)."),
    ),
)]
pub async fn create(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let custom = state.custom_fields().await?;
    let params = query::create_params(&QueryPairs::parse(req.query_string()), &custom)?;
    let input = resource_input(
        read_json_object(&req, payload).await?,
        ORGANIZATIONS,
        Intent::Create,
    )?;
    let id = client_id::<OrganizationId>(input.id.as_deref())?;
    let requested = requested_relationships(&input.relationships)?;
    check_echoed(&requested.echoed, None)?;
    let mut new = combine(
        read_new_organization(&input.attributes, id, &custom),
        requested.unknown,
    )?;
    new.actor = Some(caller(&req)?.user.id);
    // The relationship and its `owner_id` alias set the same thing; the relationship wins.
    if let Some(owner) = requested.owner {
        new.details.owner_id = owner;
        new.owner_given = true;
    }
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
    resource_response(&req, &state, org, &params.render, &custom, status).await
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
pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pairs = QueryPairs::parse(req.query_string());
    let custom = state.custom_fields().await?;
    let params = query::organization_params(&pairs, ORGANIZATION_RELATIONSHIPS, &custom)?;
    let id = path_id::<OrganizationId>(&req, "organization")?;
    let org = state.run(move |store| store.get_organization(id)).await?;
    let base = state.base_url(&req);
    let self_link = base.join_with_query(req.path(), &pairs.0);
    let rendering = Rendering {
        base: &base,
        render: &params.render,
        custom: &custom,
    };
    single(&state, &org, rendering, self_link, StatusCode::OK).await
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
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let custom = state.custom_fields().await?;
    let params = query::organization_params(
        &QueryPairs::parse(req.query_string()),
        ORGANIZATION_RELATIONSHIPS,
        &custom,
    )?;
    let id = path_id::<OrganizationId>(&req, "organization")?;
    let raw_id = id.to_string();
    let input = resource_input(
        read_json_object(&req, payload).await?,
        ORGANIZATIONS,
        Intent::Update { id: &raw_id },
    )?;
    let requested = requested_relationships(&input.relationships)?;
    if !requested.echoed.is_empty() {
        let current = state.run(move |store| store.get_organization(id)).await?;
        check_echoed(&requested.echoed, Some(&current))?;
    }
    let mut patch = combine(
        read_organization_patch(&input.attributes, &custom),
        requested.unknown,
    )?;
    patch.actor = Some(caller(&req)?.user.id);
    if requested.owner.is_some() {
        patch.owner_id = requested.owner;
    }
    let org = state
        .run(move |store| store.update_organization(id, &patch, time::now()))
        .await?;
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
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    query::resource_params(
        &QueryPairs::parse(req.query_string()),
        ORGANIZATION_RELATIONSHIPS,
    )?;
    let id = path_id::<OrganizationId>(&req, "organization")?;
    state
        .run(move |store| store.delete_organization(id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Duplicate an organization
///
/// Copies attributes, lists, domains, custom values and owner into a new organization named
/// "NAME (copy)", then "NAME (copy 2)", and so on.
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
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let custom = state.custom_fields().await?;
    let params = query::organization_params(
        &QueryPairs::parse(req.query_string()),
        ORGANIZATION_RELATIONSHIPS,
        &custom,
    )?;
    let id = path_id::<OrganizationId>(&req, "organization")?;
    let actor = Some(caller(&req)?.user.id);
    let now = time::now();
    let copy = state
        .run(move |store| service::duplicate_organization(store, id, actor, now))
        .await?;
    resource_response(
        &req,
        &state,
        &copy,
        &params.render,
        &custom,
        StatusCode::CREATED,
    )
    .await
}

/// `{"data": {"type": "users", "id": "…"}}` or `{"data": null}` at `pointer`.
fn user_linkage_input(value: &Value, pointer: &str) -> Result<Option<UserId>, ApiError> {
    let data = value.get("data").ok_or_else(|| {
        ApiError::from(
            ErrorObject::new(
                Kind::InvalidDocument,
                "A relationship must carry `data`: a user identifier or null.",
            )
            .pointer(pointer),
        )
    })?;
    user_identifier(data, pointer)
}

/// A user's resource identifier, or null, as the `data` of the relationship at `pointer`.
/// Members of the identifier other than `type` and `id` (`meta`, `lid`, any the spec does not
/// define) are ignored.
fn user_identifier(data: &Value, pointer: &str) -> Result<Option<UserId>, ApiError> {
    if data.is_null() {
        return Ok(None);
    }
    let kind = data.get("type").and_then(Value::as_str);
    let id = data.get("id").and_then(Value::as_str);
    match (kind, id) {
        (Some(USERS), Some(id)) => id
            .parse()
            .map(Some)
            .map_err(|_| ApiError::from(Error::user_not_found(id))),
        (Some(other), Some(_)) => Err(ErrorObject::new(
            Kind::TypeMismatch,
            format!("This relationship holds users, not {other:?}."),
        )
        .pointer(format!("{pointer}/data/type"))
        .into()),
        _ => Err(ErrorObject::new(
            Kind::InvalidDocument,
            "Linkage is {\"type\": \"users\", \"id\": \"…\"} or null.",
        )
        .pointer(format!("{pointer}/data"))
        .into()),
    }
}

/// What a request's `relationships` say: the `owner` it sets, if any; the `creator` and
/// `updater` it sent back (the server's: accepted only unchanged, since clients round-trip
/// whole objects; a change is 403, an update the API does not support); unknown names (422,
/// returned with the attribute errors).
struct RequestedRelationships {
    owner: Option<Option<UserId>>,
    echoed: Vec<(&'static str, Option<UserId>)>,
    unknown: Vec<ErrorObject>,
}

fn requested_relationships(
    relationships: &Map<String, Value>,
) -> Result<RequestedRelationships, ApiError> {
    let mut owner = None;
    let mut echoed = Vec::new();
    let mut unknown = Map::new();
    for (name, value) in relationships {
        let pointer = format!("/data/relationships/{name}");
        match name.as_str() {
            "owner" => owner = Some(user_linkage_input(value, &pointer)?),
            "creator" => echoed.push(("creator", user_linkage_input(value, &pointer)?)),
            "updater" => echoed.push(("updater", user_linkage_input(value, &pointer)?)),
            _ => {
                unknown.insert(name.clone(), value.clone());
            }
        }
    }
    Ok(RequestedRelationships {
        owner,
        echoed,
        unknown: unknown_relationships(&unknown, ORGANIZATIONS),
    })
}

/// 403 unless every echoed server-set relationship still holds its value.
fn check_echoed(
    echoed: &[(&'static str, Option<UserId>)],
    current: Option<&Organization>,
) -> Result<(), ApiError> {
    for (name, value) in echoed {
        if current.is_none_or(|org| related_user(org, name) != *value) {
            return Err(server_set(name));
        }
    }
    Ok(())
}

fn server_set(relationship: &str) -> ApiError {
    ApiError::new(
        Kind::UnsupportedUpdate,
        format!("`{relationship}` is set by the server; it cannot be changed."),
    )
}

/// `GET /organizations/{id}/relationships/{relationship}`: the linkage.
async fn relationship(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: &'static str,
) -> Result<HttpResponse, ApiError> {
    query::resource_params(
        &QueryPairs::parse(req.query_string()),
        ORGANIZATION_RELATIONSHIPS,
    )?;
    let id = path_id::<OrganizationId>(&req, "organization")?;
    let org = state.run(move |store| store.get_organization(id)).await?;
    let base = state.base_url(&req);
    let links =
        serde_json::to_value(relationship_links(&base, &org, name)).map_err(ApiError::internal)?;
    Ok(Document::new(user_linkage(related_user(&org, name)), links).respond(StatusCode::OK))
}

/// `GET /organizations/{id}/{relationship}`: the related user, or null.
async fn related(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: &'static str,
) -> Result<HttpResponse, ApiError> {
    let params = query::resource_params(
        &QueryPairs::parse(req.query_string()),
        ORGANIZATION_RELATIONSHIPS,
    )?;
    let id = path_id::<OrganizationId>(&req, "organization")?;
    let org = state.run(move |store| store.get_organization(id)).await?;
    let base = state.base_url(&req);
    let user = match related_user(&org, name) {
        Some(user_id) => Some(state.run(move |store| store.get_user(user_id)).await?),
        None => None,
    };
    let data = user.map_or(Value::Null, |u| {
        user_resource(&u, &base, &params.render.user_fields)
    });
    let links = json!({ "self": base.join(req.path()) });
    Ok(Document::new(data, links).respond(StatusCode::OK))
}

/// Change the owner
///
/// `{"data": {"type": "users", "id": …}}`, or `{"data": null}` for none.
#[utoipa::path(
    patch,
    path = "/organizations/{id}/relationships/owner",
    tag = "organizations",
    operation_id = "updateOrganizationOwner",
    params(params::OrganizationQuery, params::IdPath),
    request_body = ref("UserLinkageDocument"),
    responses(
        (status = 204, description = "Changed."),
        (status = 404, description = "No organization has this id, or no user the one named."),
    ),
)]
pub async fn update_owner(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    query::resource_params(
        &QueryPairs::parse(req.query_string()),
        ORGANIZATION_RELATIONSHIPS,
    )?;
    let id = path_id::<OrganizationId>(&req, "organization")?;
    let data = primary_data(read_json_object(&req, payload).await?)?;
    let owner = user_identifier(&data, "")?;
    let patch = OrganizationPatch {
        owner_id: Some(owner),
        actor: Some(caller(&req)?.user.id),
        ..OrganizationPatch::default()
    };
    state
        .run(move |store| store.update_organization(id, &patch, time::now()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// One documented handler per relationship: each is its own operation in the API description.

/// The `owner` linkage
///
/// The owner (who answers for the organization; the client sets it) as a resource identifier, or null.
#[utoipa::path(
    get,
    path = "/organizations/{id}/relationships/owner",
    tag = "organizations",
    operation_id = "getOrganizationOwnerRelationship",
    params(params::OrganizationQuery, params::IdPath),
    responses(
        (status = 200, description = "The linkage.", body = ref("RelationshipDocument")),
    ),
)]
pub async fn owner_relationship(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    relationship(req, state, "owner").await
}

/// The owner
///
/// The user resource of the owner (who answers for the organization; the client sets it), or null.
#[utoipa::path(
    get,
    path = "/organizations/{id}/owner",
    tag = "organizations",
    operation_id = "getOrganizationOwner",
    params(params::OrganizationQuery, params::IdPath),
    responses(
        (status = 200, description = "The related user, or null.", body = ref("RelatedUserDocument")),
    ),
)]
pub async fn owner(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    related(req, state, "owner").await
}

/// The `creator` linkage
///
/// The creator (who created the organization; set by the server) as a resource identifier, or null.
#[utoipa::path(
    get,
    path = "/organizations/{id}/relationships/creator",
    tag = "organizations",
    operation_id = "getOrganizationCreatorRelationship",
    params(params::OrganizationQuery, params::IdPath),
    responses(
        (status = 200, description = "The linkage.", body = ref("RelationshipDocument")),
    ),
)]
pub async fn creator_relationship(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    relationship(req, state, "creator").await
}

/// The creator
///
/// The user resource of the creator (who created the organization; set by the server), or null.
#[utoipa::path(
    get,
    path = "/organizations/{id}/creator",
    tag = "organizations",
    operation_id = "getOrganizationCreator",
    params(params::OrganizationQuery, params::IdPath),
    responses(
        (status = 200, description = "The related user, or null.", body = ref("RelatedUserDocument")),
    ),
)]
pub async fn creator(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    related(req, state, "creator").await
}

/// The `updater` linkage
///
/// The updater (who changed the organization last; set by the server) as a resource identifier, or null.
#[utoipa::path(
    get,
    path = "/organizations/{id}/relationships/updater",
    tag = "organizations",
    operation_id = "getOrganizationUpdaterRelationship",
    params(params::OrganizationQuery, params::IdPath),
    responses(
        (status = 200, description = "The linkage.", body = ref("RelationshipDocument")),
    ),
)]
pub async fn updater_relationship(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    relationship(req, state, "updater").await
}

/// The updater
///
/// The user resource of the updater (who changed the organization last; set by the server), or null.
#[utoipa::path(
    get,
    path = "/organizations/{id}/updater",
    tag = "organizations",
    operation_id = "getOrganizationUpdater",
    params(params::OrganizationQuery, params::IdPath),
    responses(
        (status = 200, description = "The related user, or null.", body = ref("RelatedUserDocument")),
    ),
)]
pub async fn updater(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    related(req, state, "updater").await
}

/// `creator` cannot be changed
#[utoipa::path(
    patch,
    path = "/organizations/{id}/relationships/creator",
    tag = "organizations",
    operation_id = "updateOrganizationCreator",
    params(params::IdPath),
    responses(
        (status = 403, description = "Always: `creator` is set by the server."),
    ),
)]
pub async fn update_creator() -> Result<HttpResponse, ApiError> {
    Err(server_set("creator"))
}

/// `updater` cannot be changed
#[utoipa::path(
    patch,
    path = "/organizations/{id}/relationships/updater",
    tag = "organizations",
    operation_id = "updateOrganizationUpdater",
    params(params::IdPath),
    responses(
        (status = 403, description = "Always: `updater` is set by the server."),
    ),
)]
pub async fn update_updater() -> Result<HttpResponse, ApiError> {
    Err(server_set("updater"))
}
