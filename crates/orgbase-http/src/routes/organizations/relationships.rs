//! An organization's relationships to users: `owner` (the client sets it), `creator` and
//! `updater` (the server sets them). Each has its linkage (`…/relationships/{name}`) and its
//! related resource (`…/{name}`), and each of those is its own operation in the API
//! description, so [`user_relationship!`] writes the documented pair for each name.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::{OrganizationPatch, time};
use serde_json::{Value, json};

use super::linkage_input::{server_set, user_identifier};
use crate::auth::Caller;
use crate::conditional::Precondition;
use crate::document::{Document, related_user, relationship_links, user_linkage, user_resource};
use crate::errors::ApiError;
use crate::extract::{LinkageBody, OrganizationReference, PathId, Query};
use crate::openapi::params;
use crate::resources::Organizations;
use crate::state::AppState;

/// `GET /organizations/{id}/relationships/{name}`: the linkage.
async fn linkage(
    id: orgbase_domain::OrganizationId,
    name: &'static str,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org = state.run(move |store| store.get_organization(id)).await?;
    let base = state.base_url(&req);
    let links =
        serde_json::to_value(relationship_links(&base, &org, name)).map_err(ApiError::internal)?;
    Ok(Document::new(user_linkage(related_user(&org, name)), links).respond(StatusCode::OK))
}

/// `GET /organizations/{id}/{name}`: the related user, or null.
async fn related(
    query: Query<OrganizationReference>,
    id: orgbase_domain::OrganizationId,
    name: &'static str,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org = state.run(move |store| store.get_organization(id)).await?;
    let base = state.base_url(&req);
    let user = match related_user(&org, name) {
        Some(user_id) => Some(state.run(move |store| store.get_user(user_id)).await?),
        None => None,
    };
    let data = user.map_or(Value::Null, |u| {
        user_resource(&u, &base, &query.params.render.user_fields)
    });
    let links = json!({ "self": base.join(req.path()) });
    Ok(Document::new(data, links).respond(StatusCode::OK))
}

/// The two documented `GET` operations of one relationship to a user.
macro_rules! user_relationship {
    (
        $name:tt, $who:tt,
        linkage: $linkage:ident, $linkage_path:tt, $linkage_operation:tt, $linkage_summary:tt,
        related: $related:ident, $related_path:tt, $related_operation:tt, $related_summary:tt $(,)?
    ) => {
        #[utoipa::path(
            get,
            path = $linkage_path,
            tag = "organizations",
            operation_id = $linkage_operation,
            summary = $linkage_summary,
            description = concat!("The ", $name, " (", $who, ") as a resource identifier, or null."),
            params(params::OrganizationQuery, params::IdPath),
            responses(
                (status = 200, description = "The linkage.", body = ref("RelationshipDocument")),
            ),
        )]
        pub async fn $linkage(
            _: Query<OrganizationReference>,
            PathId(id): PathId<Organizations>,
            req: HttpRequest,
            state: web::Data<AppState>,
        ) -> Result<HttpResponse, ApiError> {
            linkage(id, $name, req, state).await
        }

        #[utoipa::path(
            get,
            path = $related_path,
            tag = "organizations",
            operation_id = $related_operation,
            summary = $related_summary,
            description = concat!("The user resource of the ", $name, " (", $who, "), or null."),
            params(params::OrganizationQuery, params::IdPath),
            responses(
                (status = 200, description = "The related user, or null.", body = ref("RelatedUserDocument")),
            ),
        )]
        pub async fn $related(
            query: Query<OrganizationReference>,
            PathId(id): PathId<Organizations>,
            req: HttpRequest,
            state: web::Data<AppState>,
        ) -> Result<HttpResponse, ApiError> {
            related(query, id, $name, req, state).await
        }
    };
}

user_relationship!(
    "owner", "who answers for the organization; the client sets it",
    linkage: owner_relationship, "/organizations/{id}/relationships/owner",
        "getOrganizationOwnerRelationship", "The `owner` linkage",
    related: owner, "/organizations/{id}/owner", "getOrganizationOwner", "The owner",
);
user_relationship!(
    "creator", "who created the organization; set by the server",
    linkage: creator_relationship, "/organizations/{id}/relationships/creator",
        "getOrganizationCreatorRelationship", "The `creator` linkage",
    related: creator, "/organizations/{id}/creator", "getOrganizationCreator", "The creator",
);
user_relationship!(
    "updater", "who changed the organization last; set by the server",
    linkage: updater_relationship, "/organizations/{id}/relationships/updater",
        "getOrganizationUpdaterRelationship", "The `updater` linkage",
    related: updater, "/organizations/{id}/updater", "getOrganizationUpdater", "The updater",
);

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
    _: Query<OrganizationReference>,
    PathId(id): PathId<Organizations>,
    LinkageBody(data): LinkageBody,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let owner = user_identifier(&data, "")?;
    let patch = OrganizationPatch {
        owner_id: Some(owner),
        actor: Some(caller.user.id),
        ..OrganizationPatch::default()
    };
    let precondition = Precondition::of(&req);
    let write = precondition.write(caller.user.id);
    state
        .run(move |store| store.update_organization(id, &patch, time::now(), write))
        .await
        .map_err(|e| precondition.judge(e))?;
    Ok(HttpResponse::NoContent().finish())
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
