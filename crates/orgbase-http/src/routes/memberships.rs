//! `/memberships`: a contact in an organization, with a role. Both ends are required on create
//! and fixed afterwards; only the role changes.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::attributes::{read_membership_patch, read_new_membership};
use orgbase_domain::{ContactId, Membership, NewMembership, OrganizationId, time};
use serde_json::{Map, Value};

use super::linkage_input::{not_found, record_identifier};
use crate::auth::Caller;
use crate::conditional::{Precondition, delete_if_matching};
use crate::document::{CONTACTS, MEMBERSHIPS, MembershipResource, ORGANIZATIONS, respond_resource};
use crate::errors::{ApiError, ErrorObject, Kind};
use crate::extract::{MembershipList, MembershipReference, PathId, Query, ResourceBody};
use crate::openapi::params;
use crate::pagination::respond_records;
use crate::query::RenderOptions;
use crate::request_body::{combine, unknown_relationships};
use crate::resources::Memberships;
use crate::state::AppState;

/// List memberships
///
/// Filtered by `role`, `organization`, `contact`, `created_at` and `updated_at`, sorted and
/// paged by number or by cursor.
#[utoipa::path(
    get,
    path = "/memberships",
    tag = "memberships",
    operation_id = "listMemberships",
    params(params::OrganizationListQuery),
    responses(
        (status = 200, description = "A page of memberships.", body = ref("MembershipCollection")),
    ),
)]
pub async fn list(
    req: HttpRequest,
    query: Query<MembershipList>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query { params, pairs, .. } = query;
    let list_query = params.query.clone();
    let page = state
        .run(move |store| store.list_memberships(&list_query))
        .await?;
    let base = state.base_url(&req);
    Ok(respond_records(
        &req,
        &base,
        &pairs,
        &params,
        &page,
        |membership, cursor| MembershipResource {
            membership,
            base: &base,
            fields: &params.render.membership_fields,
            cursor,
        },
        params.render.include.is_some().then(Vec::new),
        512,
    ))
}

/// Add a contact to an organization
///
/// `relationships.organization` and `relationships.contact` are required; `role` defaults to
/// `member`. A contact is a member of an organization once: a second membership is 422
/// `already_member`, under concurrency too.
#[utoipa::path(
    post,
    path = "/memberships",
    tag = "memberships",
    operation_id = "createMembership",
    params(params::ResourceQuery),
    request_body = ref("NewMembershipDocument"),
    responses(
        (status = 201, description = "Created.", body = ref("MembershipDocument")),
        (status = 403, description = "The client-generated `id` is not a UUID."),
        (status = 404, description = "The organization or the contact does not exist."),
        (status = 409, description = "The client-generated `id` is taken, or the body or a linkage names another type."),
        (status = 422, description = "Validation failed, a relationship is missing (`required`), or the contact is already a member (`already_member`)."),
    ),
)]
pub async fn create(
    query: Query<MembershipReference>,
    body: ResourceBody<Memberships>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut ends = read_ends(&body.relationships)?;
    ends.missing.append(&mut ends.unknown);
    let attributes = combine(read_new_membership(&body.attributes), ends.missing)?;
    let (Some(organization_id), Some(contact_id)) = (ends.organization, ends.contact) else {
        return Err(ApiError::internal("a missing end is reported above"));
    };
    let new = NewMembership {
        id: body.id,
        organization_id,
        contact_id,
        role: attributes.role,
        created_at: attributes.created_at,
        updated_at: attributes.updated_at,
    };
    let mut membership = new.to_membership(time::now());
    let actor = Some(caller.user.id);
    let membership = state
        .run(move |store| {
            membership.version = store.insert_membership(&membership, actor)?;
            Ok(membership)
        })
        .await?;
    respond(
        &req,
        &state,
        &membership,
        &query.params.render,
        StatusCode::CREATED,
    )
}

/// Fetch a membership
#[utoipa::path(
    get,
    path = "/memberships/{id}",
    tag = "memberships",
    operation_id = "getMembership",
    params(params::ResourceQuery, params::IdPath),
    responses(
        (status = 200, description = "The membership.", body = ref("MembershipDocument")),
    ),
)]
pub async fn get(
    query: Query<MembershipReference>,
    PathId(id): PathId<Memberships>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let membership = state.run(move |store| store.get_membership(id)).await?;
    respond(
        &req,
        &state,
        &membership,
        &query.params.render,
        StatusCode::OK,
    )
}

/// Change a membership's role
///
/// Only `role` changes. `organization` and `contact` sent back unchanged are accepted; any
/// other value is 403 `unsupported_update` (remove the membership and add another).
#[utoipa::path(
    patch,
    path = "/memberships/{id}",
    tag = "memberships",
    operation_id = "updateMembership",
    params(params::ResourceQuery, params::IdPath),
    request_body = ref("MembershipPatchDocument"),
    responses(
        (status = 200, description = "The membership as changed.", body = ref("MembershipDocument")),
        (status = 403, description = "The body changes `organization` or `contact`."),
        (status = 412, description = "`If-Match` names another version."),
    ),
)]
pub async fn update(
    query: Query<MembershipReference>,
    PathId(id): PathId<Memberships>,
    body: ResourceBody<Memberships>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ends = read_ends(&body.relationships)?;
    let mut patch = combine(read_membership_patch(&body.attributes), ends.unknown)?;
    if ends.organization.is_some() || ends.contact.is_some() {
        let current = state.run(move |store| store.get_membership(id)).await?;
        for (name, sent, stored) in [
            (
                "organization",
                ends.organization.map(|o| o.to_string()),
                current.organization_id.to_string(),
            ),
            (
                "contact",
                ends.contact.map(|c| c.to_string()),
                current.contact_id.to_string(),
            ),
        ] {
            if sent.is_some_and(|sent| sent != stored) {
                return Err(ApiError::new(
                    Kind::UnsupportedUpdate,
                    format!(
                        "A membership's `{name}` cannot be changed; remove the membership and add another."
                    ),
                ));
            }
        }
    }
    patch.actor = Some(caller.user.id);
    let precondition = Precondition::of(&req);
    let write = precondition.write(caller.user.id);
    let membership = state
        .run(move |store| Ok(store.update_membership(id, &patch, time::now(), write)))
        .await?
        .map_err(|e| precondition.judge(e.into()))?;
    respond(
        &req,
        &state,
        &membership,
        &query.params.render,
        StatusCode::OK,
    )
}

/// Remove a contact from an organization
///
/// Deletes the membership only: the contact and the organization stay.
#[utoipa::path(
    delete,
    path = "/memberships/{id}",
    tag = "memberships",
    operation_id = "deleteMembership",
    params(params::IdPath),
    responses(
        (status = 204, description = "Deleted."),
        (status = 412, description = "`If-Match` names another version."),
    ),
)]
pub async fn delete(
    _: Query<MembershipReference>,
    PathId(id): PathId<Memberships>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    delete_if_matching(&req, caller.user.id, &state, move |store, write| {
        store.delete_membership(id, write)
    })
    .await
}

/// What a request's `relationships` say of a membership's two ends: a `required` error for
/// each end missing (which only a create minds) and an `unknown_relationship` for each other
/// name, both returned with the attribute errors. A malformed linkage fails at once.
struct Ends {
    organization: Option<OrganizationId>,
    contact: Option<ContactId>,
    missing: Vec<ErrorObject>,
    unknown: Vec<ErrorObject>,
}

fn read_ends(relationships: &Map<String, Value>) -> Result<Ends, ApiError> {
    let mut organization = None;
    let mut contact = None;
    let mut others = Map::new();
    for (name, value) in relationships {
        match name.as_str() {
            "organization" => {
                organization = Some(record_identifier(value, "organization", ORGANIZATIONS)?)
            }
            "contact" => contact = Some(record_identifier(value, "contact", CONTACTS)?),
            _ => {
                others.insert(name.clone(), value.clone());
            }
        }
    }
    let mut missing = Vec::new();
    for (name, given) in [
        ("organization", organization.is_some()),
        ("contact", contact.is_some()),
    ] {
        if !given {
            missing.push(ErrorObject::invalid_field(
                "required",
                "/data/relationships",
                format!(
                    "`{name}` is required: a membership joins one contact to one organization."
                ),
            ));
        }
    }
    Ok(Ends {
        organization: organization
            .map(|id: String| id.parse().map_err(|_| not_found("organization", &id)))
            .transpose()?,
        contact: contact
            .map(|id: String| id.parse().map_err(|_| not_found("contact", &id)))
            .transpose()?,
        missing,
        unknown: unknown_relationships(&others, MEMBERSHIPS),
    })
}

/// A single-membership answer: its ETag, 304 for a matching `If-None-Match`, `Location` on
/// 201, and an empty `included` when `include` was given (memberships include nothing).
fn respond(
    req: &HttpRequest,
    state: &AppState,
    membership: &Membership,
    render: &RenderOptions,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let base = state.base_url(req);
    let resource = serde_json::to_value(MembershipResource {
        membership,
        base: &base,
        fields: &render.membership_fields,
        cursor: None,
    })
    .map_err(ApiError::internal)?;
    Ok(respond_resource(
        req,
        resource,
        membership.version,
        status,
        render.include.is_some(),
    ))
}
