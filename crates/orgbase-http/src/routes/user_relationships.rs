//! The relationships organizations and contacts have to users: `owner` (the client sets it),
//! `creator` and `updater` (the server sets them). Each has its linkage
//! (`…/relationships/{name}`) and its related resource (`…/{name}`), and each of those is its
//! own operation in the API description, so [`user_relationship!`] writes the documented pair
//! for each resource type and name, and [`owner_update!`] the owner's `PATCH`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::{
    Contact, ContactPatch, Organization, OrganizationPatch, Store, UserId, Write, time,
};
use serde_json::{Value, json};

use super::linkage_input::{server_set, user_identifier};
use crate::auth::Caller;
use crate::conditional::Precondition;
use crate::document::{
    Document, contact_related_user, related_user, relationship_links, user_linkage, user_resource,
};
use crate::errors::ApiError;
use crate::extract::{ContactReference, LinkageBody, OrganizationReference, PathId, Query};
use crate::openapi::params;
use crate::resources::{Contacts, Organizations, ResourceType};
use crate::state::AppState;

/// A resource type with `owner`, `creator` and `updater` relationships to users.
pub trait UserRelated: ResourceType {
    type Record: Send + 'static;
    fn fetch(store: &dyn Store, id: Self::Id) -> orgbase_domain::Result<Self::Record>;
    /// The user behind a relationship of the record.
    fn related(record: &Self::Record, relationship: &str) -> Option<UserId>;
    /// Changes the owner, as `actor`, under `write`'s precondition.
    fn set_owner(
        store: &dyn Store,
        id: Self::Id,
        owner: Option<UserId>,
        actor: UserId,
        write: Write,
    ) -> orgbase_domain::Result<()>;
}

impl UserRelated for Organizations {
    type Record = Organization;
    fn fetch(store: &dyn Store, id: Self::Id) -> orgbase_domain::Result<Organization> {
        store.get_organization(id)
    }
    fn related(org: &Organization, relationship: &str) -> Option<UserId> {
        related_user(org, relationship)
    }
    fn set_owner(
        store: &dyn Store,
        id: Self::Id,
        owner: Option<UserId>,
        actor: UserId,
        write: Write,
    ) -> orgbase_domain::Result<()> {
        let patch = OrganizationPatch {
            owner_id: Some(owner),
            actor: Some(actor),
            ..OrganizationPatch::default()
        };
        store
            .update_organization(id, &patch, time::now(), write)
            .map(drop)
    }
}

impl UserRelated for Contacts {
    type Record = Contact;
    fn fetch(store: &dyn Store, id: Self::Id) -> orgbase_domain::Result<Contact> {
        store.get_contact(id)
    }
    fn related(contact: &Contact, relationship: &str) -> Option<UserId> {
        contact_related_user(contact, relationship)
    }
    fn set_owner(
        store: &dyn Store,
        id: Self::Id,
        owner: Option<UserId>,
        actor: UserId,
        write: Write,
    ) -> orgbase_domain::Result<()> {
        let patch = ContactPatch {
            owner_id: Some(owner),
            actor: Some(actor),
            ..ContactPatch::default()
        };
        store
            .update_contact(id, &patch, time::now(), write)
            .map(drop)
    }
}

/// `GET /{type}/{id}/relationships/{name}`: the linkage.
async fn linkage<T: UserRelated>(
    id: T::Id,
    name: &'static str,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let record = state.run(move |store| T::fetch(store, id)).await?;
    let base = state.base_url(&req);
    let links = serde_json::to_value(relationship_links(&base, T::TYPE, &id, name))
        .map_err(ApiError::internal)?;
    Ok(Document::new(user_linkage(T::related(&record, name)), links).respond(StatusCode::OK))
}

/// `GET /{type}/{id}/{name}`: the related user, or null.
async fn related<T: UserRelated>(
    user_fields: &crate::document::FieldSet,
    id: T::Id,
    name: &'static str,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let record = state.run(move |store| T::fetch(store, id)).await?;
    let base = state.base_url(&req);
    let user = match T::related(&record, name) {
        Some(user_id) => Some(state.run(move |store| store.get_user(user_id)).await?),
        None => None,
    };
    let data = user.map_or(Value::Null, |u| user_resource(&u, &base, user_fields));
    let links = json!({ "self": base.join(req.path()) });
    Ok(Document::new(data, links).respond(StatusCode::OK))
}

/// `PATCH /{type}/{id}/relationships/owner`: 204 once changed.
async fn change_owner<T: UserRelated>(
    id: T::Id,
    data: Value,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let owner = user_identifier(&data, "")?;
    let precondition = Precondition::of(&req);
    let write = precondition.write(caller.user.id);
    let actor = caller.user.id;
    state
        .run(move |store| T::set_owner(store, id, owner, actor, write))
        .await
        .map_err(|e| precondition.judge(e))?;
    Ok(HttpResponse::NoContent().finish())
}

/// The two documented `GET` operations of one relationship to a user.
macro_rules! user_relationship {
    (
        $resource:ty, $reference:ty, $tag:tt, $name:tt, $who:tt,
        linkage: $linkage:ident, $linkage_path:tt, $linkage_operation:tt, $linkage_summary:tt,
        related: $related:ident, $related_path:tt, $related_operation:tt, $related_summary:tt $(,)?
    ) => {
        #[utoipa::path(
            get,
            path = $linkage_path,
            tag = $tag,
            operation_id = $linkage_operation,
            summary = $linkage_summary,
            description = concat!("The ", $name, " (", $who, ") as a resource identifier, or null."),
            params(params::OrganizationQuery, params::IdPath),
            responses(
                (status = 200, description = "The linkage.", body = ref("RelationshipDocument")),
            ),
        )]
        pub async fn $linkage(
            _: Query<$reference>,
            PathId(id): PathId<$resource>,
            req: HttpRequest,
            state: web::Data<AppState>,
        ) -> Result<HttpResponse, ApiError> {
            linkage::<$resource>(id, $name, req, state).await
        }

        #[utoipa::path(
            get,
            path = $related_path,
            tag = $tag,
            operation_id = $related_operation,
            summary = $related_summary,
            description = concat!("The user resource of the ", $name, " (", $who, "), or null."),
            params(params::OrganizationQuery, params::IdPath),
            responses(
                (status = 200, description = "The related user, or null.", body = ref("RelatedUserDocument")),
            ),
        )]
        pub async fn $related(
            query: Query<$reference>,
            PathId(id): PathId<$resource>,
            req: HttpRequest,
            state: web::Data<AppState>,
        ) -> Result<HttpResponse, ApiError> {
            related::<$resource>(&query.params.render.user_fields, id, $name, req, state).await
        }
    };
}

/// The owner's `PATCH` and the 403 `PATCH`es of `creator` and `updater` for a resource type.
macro_rules! owner_update {
    (
        $resource:ty, $reference:ty, $tag:tt,
        owner: $owner:ident, $owner_path:tt, $owner_operation:tt,
        creator: $creator:ident, $creator_path:tt, $creator_operation:tt,
        updater: $updater:ident, $updater_path:tt, $updater_operation:tt $(,)?
    ) => {
        /// Change the owner
        ///
        /// `{"data": {"type": "users", "id": …}}`, or `{"data": null}` for none.
        #[utoipa::path(
            patch,
            path = $owner_path,
            tag = $tag,
            operation_id = $owner_operation,
            params(params::OrganizationQuery, params::IdPath),
            request_body = ref("UserLinkageDocument"),
            responses(
                (status = 204, description = "Changed."),
                (status = 404, description = "No resource has this id, or no user the one named."),
            ),
        )]
        pub async fn $owner(
            _: Query<$reference>,
            PathId(id): PathId<$resource>,
            LinkageBody(data): LinkageBody,
            caller: Caller,
            req: HttpRequest,
            state: web::Data<AppState>,
        ) -> Result<HttpResponse, ApiError> {
            change_owner::<$resource>(id, data, caller, req, state).await
        }

        /// `creator` cannot be changed
        #[utoipa::path(
            patch,
            path = $creator_path,
            tag = $tag,
            operation_id = $creator_operation,
            params(params::IdPath),
            responses(
                (status = 403, description = "Always: `creator` is set by the server."),
            ),
        )]
        pub async fn $creator() -> Result<HttpResponse, ApiError> {
            Err(server_set("creator"))
        }

        /// `updater` cannot be changed
        #[utoipa::path(
            patch,
            path = $updater_path,
            tag = $tag,
            operation_id = $updater_operation,
            params(params::IdPath),
            responses(
                (status = 403, description = "Always: `updater` is set by the server."),
            ),
        )]
        pub async fn $updater() -> Result<HttpResponse, ApiError> {
            Err(server_set("updater"))
        }
    };
}

pub mod organizations {
    //! `/organizations/{id}/…` relationships to users.
    use super::*;

    user_relationship!(
        Organizations, OrganizationReference, "organizations",
        "owner", "who answers for the organization; the client sets it",
        linkage: owner_relationship, "/organizations/{id}/relationships/owner",
            "getOrganizationOwnerRelationship", "The `owner` linkage",
        related: owner, "/organizations/{id}/owner", "getOrganizationOwner", "The owner",
    );
    user_relationship!(
        Organizations, OrganizationReference, "organizations",
        "creator", "who created the organization; set by the server",
        linkage: creator_relationship, "/organizations/{id}/relationships/creator",
            "getOrganizationCreatorRelationship", "The `creator` linkage",
        related: creator, "/organizations/{id}/creator", "getOrganizationCreator", "The creator",
    );
    user_relationship!(
        Organizations, OrganizationReference, "organizations",
        "updater", "who changed the organization last; set by the server",
        linkage: updater_relationship, "/organizations/{id}/relationships/updater",
            "getOrganizationUpdaterRelationship", "The `updater` linkage",
        related: updater, "/organizations/{id}/updater", "getOrganizationUpdater", "The updater",
    );
    owner_update!(
        Organizations, OrganizationReference, "organizations",
        owner: update_owner, "/organizations/{id}/relationships/owner", "updateOrganizationOwner",
        creator: update_creator, "/organizations/{id}/relationships/creator", "updateOrganizationCreator",
        updater: update_updater, "/organizations/{id}/relationships/updater", "updateOrganizationUpdater",
    );
}

pub mod contacts {
    //! `/contacts/{id}/…` relationships to users.
    use super::*;

    user_relationship!(
        Contacts, ContactReference, "contacts",
        "owner", "who answers for the contact; the client sets it",
        linkage: owner_relationship, "/contacts/{id}/relationships/owner",
            "getContactOwnerRelationship", "The `owner` linkage",
        related: owner, "/contacts/{id}/owner", "getContactOwner", "The owner",
    );
    user_relationship!(
        Contacts, ContactReference, "contacts",
        "creator", "who created the contact; set by the server",
        linkage: creator_relationship, "/contacts/{id}/relationships/creator",
            "getContactCreatorRelationship", "The `creator` linkage",
        related: creator, "/contacts/{id}/creator", "getContactCreator", "The creator",
    );
    user_relationship!(
        Contacts, ContactReference, "contacts",
        "updater", "who changed the contact last; set by the server",
        linkage: updater_relationship, "/contacts/{id}/relationships/updater",
            "getContactUpdaterRelationship", "The `updater` linkage",
        related: updater, "/contacts/{id}/updater", "getContactUpdater", "The updater",
    );
    owner_update!(
        Contacts, ContactReference, "contacts",
        owner: update_owner, "/contacts/{id}/relationships/owner", "updateContactOwner",
        creator: update_creator, "/contacts/{id}/relationships/creator", "updateContactCreator",
        updater: update_updater, "/contacts/{id}/relationships/updater", "updateContactUpdater",
    );
}
