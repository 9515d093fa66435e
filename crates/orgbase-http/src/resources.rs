//! The resource types of the API, one declaration each: the JSON:API `type`, the id type the
//! URL and the body carry, and what messages call one. Extractors are generic over these
//! ([`crate::extract::PathId`], [`crate::extract::ResourceBody`]), so a new type is one more
//! declaration here, not another copy of the id and body handling.

use std::fmt::Display;
use std::str::FromStr;

use orgbase_domain::{
    ApiKeyId, ContactId, CustomFieldId, DocumentId, MembershipId, OrganizationId, ProjectId,
    TaskId, UserId, WebhookId,
};

use crate::document::{
    API_KEYS, CONTACTS, CUSTOM_FIELDS, DOCUMENTS, MEMBERSHIPS, ORGANIZATIONS, PROJECTS, TASKS,
    USERS, WEBHOOKS,
};
use crate::errors::{ApiError, ErrorObject, Kind};

/// A JSON:API resource type orgbase serves.
pub trait ResourceType: 'static {
    /// The `type` member.
    const TYPE: &'static str;
    /// One resource, as "No {SINGULAR} has the id …" says it.
    const SINGULAR: &'static str;
    type Id: FromStr + Display + Copy + Send + 'static;

    /// A create request's own `id`: a UUID, or the spec's 403 for an id the server cannot
    /// take.
    fn client_id(id: Option<&str>) -> Result<Option<Self::Id>, ApiError> {
        match id {
            None => Ok(None),
            Some(raw) => raw.parse().map(Some).map_err(|_| {
                ErrorObject::new(
                    Kind::ClientIdUnsupported,
                    "A client-generated id must be a UUID.",
                )
                .pointer("/data/id")
                .into()
            }),
        }
    }
}

#[derive(Debug)]
pub struct Organizations;

impl ResourceType for Organizations {
    const TYPE: &'static str = ORGANIZATIONS;
    const SINGULAR: &'static str = "organization";
    type Id = OrganizationId;
}

#[derive(Debug)]
pub struct Contacts;

impl ResourceType for Contacts {
    const TYPE: &'static str = CONTACTS;
    const SINGULAR: &'static str = "contact";
    type Id = ContactId;
}

#[derive(Debug)]
pub struct Memberships;

impl ResourceType for Memberships {
    const TYPE: &'static str = MEMBERSHIPS;
    const SINGULAR: &'static str = "membership";
    type Id = MembershipId;
}

#[derive(Debug)]
pub struct Documents;

impl ResourceType for Documents {
    const TYPE: &'static str = DOCUMENTS;
    const SINGULAR: &'static str = "document";
    type Id = DocumentId;
}

#[derive(Debug)]
pub struct Projects;

impl ResourceType for Projects {
    const TYPE: &'static str = PROJECTS;
    const SINGULAR: &'static str = "project";
    type Id = ProjectId;
}

#[derive(Debug)]
pub struct Tasks;

impl ResourceType for Tasks {
    const TYPE: &'static str = TASKS;
    const SINGULAR: &'static str = "task";
    type Id = TaskId;
}

#[derive(Debug)]
pub struct CustomFields;

impl ResourceType for CustomFields {
    const TYPE: &'static str = CUSTOM_FIELDS;
    const SINGULAR: &'static str = "custom field";
    type Id = CustomFieldId;
}

#[derive(Debug)]
pub struct Users;

impl ResourceType for Users {
    const TYPE: &'static str = USERS;
    const SINGULAR: &'static str = "user";
    type Id = UserId;
}

#[derive(Debug)]
pub struct ApiKeys;

impl ResourceType for ApiKeys {
    const TYPE: &'static str = API_KEYS;
    const SINGULAR: &'static str = "API key";
    type Id = ApiKeyId;

    /// Keys get server-made ids only: nothing needs to choose one, so the spec's 403 applies
    /// to any id.
    fn client_id(id: Option<&str>) -> Result<Option<ApiKeyId>, ApiError> {
        match id {
            None => Ok(None),
            Some(_) => Err(ErrorObject::new(
                Kind::ClientIdUnsupported,
                "API keys take no client-generated id.",
            )
            .pointer("/data/id")
            .into()),
        }
    }
}

#[derive(Debug)]
pub struct Webhooks;

impl ResourceType for Webhooks {
    const TYPE: &'static str = WEBHOOKS;
    const SINGULAR: &'static str = "webhook";
    type Id = WebhookId;
}
