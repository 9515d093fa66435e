//! Response documents: our own serde types, because the `jsonapi` crate (0.7) cannot parse a
//! create request without an id, has none of the 1.1 members, and keeps links in a HashMap.
//!
//! This module holds the envelope every answer shares (the top-level document, `meta`-only
//! documents, sparse fieldsets); each resource type's writer is in its own module:
//! [`organization`] (serialized straight from the domain record, fieldsets applied while
//! serializing) and [`plain_resources`] (users, custom fields, API keys).

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use orgbase_domain::time;
use serde::Serialize;
use serde_json::Value;

use crate::conditional::{ETag, not_modified, not_modified_response, tagged};
use crate::jsonapi::{JSONAPI_MEDIA_TYPE, JsonApiVersion};

mod contact;
mod document_record;
mod membership;
mod organization;
mod plain_resources;
mod project;
mod task;
mod user_relationships;

pub use contact::*;
pub use document_record::*;
pub use membership::*;
pub use organization::*;
pub use plain_resources::*;
pub use project::*;
pub use task::*;
pub use user_relationships::{
    ToMany, ToManyLinkage, UserLinkage, relationship_links, user_linkage,
};

pub const ORGANIZATIONS: &str = "organizations";
pub const CONTACTS: &str = "contacts";
pub const MEMBERSHIPS: &str = "memberships";
pub const DOCUMENTS: &str = "documents";
pub const PROJECTS: &str = "projects";
pub const TASKS: &str = "tasks";
pub const USERS: &str = "users";
pub const API_KEYS: &str = "api_keys";
pub const CUSTOM_FIELDS: &str = "custom_fields";
pub const WEBHOOKS: &str = "webhooks";
pub const WEBHOOK_DELIVERIES: &str = "webhook_deliveries";

/// Which attributes of a type to render: all, or the named ones (`fields[type]=a,b`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FieldSet {
    #[default]
    All,
    Only(BTreeSet<String>),
}

impl FieldSet {
    pub fn includes(&self, name: &str) -> bool {
        match self {
            FieldSet::All => true,
            FieldSet::Only(names) => names.contains(name),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, FieldSet::Only(names) if names.is_empty())
    }
}

pub(crate) fn rfc3339(at: &time::Timestamp) -> String {
    time::format(at)
}

/// A value written with its `Display`, straight into the response: links are built while
/// serializing instead of as a `String` each (a page of 100 organizations has 700).
pub(crate) struct Displayed<T>(pub T);

impl<T: std::fmt::Display> Serialize for Displayed<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// `{"self": …}` of a resource: its own URL, written while serializing.
pub(crate) struct SelfLink<'a> {
    pub base: &'a crate::links::BaseUrl,
    pub kind: &'static str,
    pub id: &'a dyn std::fmt::Display,
}

impl Serialize for SelfLink<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Self { base, kind, id } = self;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("self", &Displayed(format_args!("{base}/{kind}/{id}")))?;
        map.end()
    }
}

/// The resource object of a record related only to other records (memberships, documents,
/// projects, tasks): `type`, `id`, `attributes` unless the fieldset empties them,
/// `relationships` when the fieldset keeps any, `links.self`, and `meta.page.cursor` on a
/// page by cursor.
#[allow(clippy::too_many_arguments)] // the members of the object, each its own
pub(crate) fn serialize_record<S: serde::Serializer>(
    serializer: S,
    kind: &'static str,
    id: &dyn std::fmt::Display,
    base: &crate::links::BaseUrl,
    attributes: Option<impl Serialize>,
    relationships: Option<serde_json::Map<String, Value>>,
    cursor: Option<&str>,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(None)?;
    map.serialize_entry("type", kind)?;
    map.serialize_entry("id", &Displayed(id))?;
    if let Some(attributes) = attributes {
        map.serialize_entry("attributes", &attributes)?;
    }
    if let Some(relationships) = relationships {
        map.serialize_entry("relationships", &relationships)?;
    }
    map.serialize_entry("links", &SelfLink { base, kind, id })?;
    if let Some(cursor) = cursor {
        map.serialize_entry("meta", &cursor_meta(cursor))?;
    }
    map.end()
}

/// A top-level document with primary data.
#[derive(Debug, Serialize)]
pub struct Document<D: Serialize> {
    pub jsonapi: JsonApiVersion,
    pub data: D,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub included: Option<Vec<Value>>,
    pub links: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

impl<D: Serialize> Document<D> {
    pub fn new(data: D, links: Value) -> Self {
        Self {
            jsonapi: JsonApiVersion::V1_1,
            data,
            included: None,
            links,
            meta: None,
        }
    }

    /// `included` is present (even empty) whenever the client sent `include`.
    pub fn with_included(mut self, included: Option<Vec<Value>>) -> Self {
        self.included = included;
        self
    }

    pub fn with_meta(mut self, meta: Value) -> Self {
        self.meta = Some(meta);
        self
    }

    /// Applies a profile: named in `jsonapi.profile` and in the `Content-Type`.
    pub fn with_profile(mut self, profile: &'static str) -> Self {
        self.jsonapi = JsonApiVersion::with_profile(profile);
        self
    }

    pub fn respond(&self, status: StatusCode) -> HttpResponse {
        self.respond_sized(status, 4 * 1024)
    }

    /// With room for `capacity` bytes from the start: a page of 100 organizations is about
    /// 170 KB, which a buffer growing from empty would copy eleven times on the way.
    pub fn respond_sized(&self, status: StatusCode, capacity: usize) -> HttpResponse {
        let mut body = Vec::with_capacity(capacity);
        if let Err(error) = serde_json::to_writer(&mut body, self) {
            return crate::errors::ApiError::internal(error).error_response();
        }
        let mut response = HttpResponse::build(status);
        match self.jsonapi.profile() {
            Some(profile) => response.insert_header((
                header::CONTENT_TYPE,
                format!("{JSONAPI_MEDIA_TYPE}; profile=\"{profile}\""),
            )),
            None => response.insert_header((header::CONTENT_TYPE, JSONAPI_MEDIA_TYPE)),
        };
        response.body(body)
    }
}

/// A document with only `meta` (health answers).
#[derive(Debug, Serialize)]
pub struct MetaDocument {
    pub jsonapi: JsonApiVersion,
    pub meta: Value,
}

impl MetaDocument {
    pub fn respond(meta: Value, status: StatusCode) -> HttpResponse {
        HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, JSONAPI_MEDIA_TYPE))
            .json(MetaDocument {
                jsonapi: JsonApiVersion::V1_1,
                meta,
            })
    }
}

/// A single-resource document whose `links.self` is the resource's own link, with
/// `Location` on 201. `included` is present, empty, when the client sent `include` (users
/// and keys have nothing to include, but the document still says so).
pub fn respond_resource(
    req: &actix_web::HttpRequest,
    resource: Value,
    version: orgbase_domain::Version,
    status: StatusCode,
    include_requested: bool,
) -> HttpResponse {
    let etag =
        ETag::of(version).vary_by_shape(&crate::query::QueryPairs::parse(req.query_string()));
    if not_modified(req, &etag) {
        return not_modified_response(&etag);
    }
    let self_link = resource["links"]["self"].clone();
    let mut response = Document::new(resource, serde_json::json!({ "self": self_link }))
        .with_included(include_requested.then(Vec::new))
        .respond(status);
    let location = self_link
        .as_str()
        .and_then(|l| header::HeaderValue::from_str(l).ok());
    if let (StatusCode::CREATED, Some(location)) = (status, location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    tagged(response, &etag)
}

#[cfg(test)]
mod tests {
    use orgbase_domain::attributes::{
        API_KEY_ATTRIBUTES, Attribute, CUSTOM_FIELD_ATTRIBUTES, ORGANIZATION_ATTRIBUTES,
        USER_ATTRIBUTES,
    };
    use orgbase_domain::slug::Slug;
    use orgbase_domain::{
        ApiKey, CustomField, CustomFields, CustomFormat, NewOrganization, Role, Secret, User,
        UserId, time,
    };

    use super::*;
    use crate::links::BaseUrl;

    fn names(table: &[Attribute]) -> Vec<&'static str> {
        table.iter().map(|a| a.name).collect()
    }

    fn keys(resource: &Value) -> Vec<String> {
        resource["attributes"]
            .as_object()
            .map(|attributes| attributes.keys().cloned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn serializers_write_the_attribute_tables_in_order() {
        let base = BaseUrl::new("http://localhost");
        let new = NewOrganization::named("Acme".to_owned());
        let org = new.to_organization(&Slug::derive(&new.name), time::now());
        let resource = serde_json::to_value(OrganizationResource {
            org: &org,
            base: &base,
            fields: &FieldSet::All,
            custom: &CustomFields::EMPTY,
            cursor: None,
            linkage: None,
        })
        .unwrap();
        assert_eq!(keys(&resource), names(ORGANIZATION_ATTRIBUTES));

        let user = User {
            id: UserId::generate(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            role: Role::Admin,
            created_at: time::now(),
            version: 0,
        };
        assert_eq!(
            keys(&user_resource(&user, &base, &FieldSet::All)),
            names(USER_ATTRIBUTES)
        );

        let field = CustomField {
            id: orgbase_domain::CustomFieldId::generate(),
            resource_type: orgbase_domain::CustomResourceType::Contacts,
            identifier: "c_tier".into(),
            name: "Tier".into(),
            format: CustomFormat::Text,
            options: Vec::new(),
            unique: false,
            created_at: time::now(),
            updated_at: time::now(),
            version: 0,
        };
        assert_eq!(
            keys(&custom_field_resource(&field, &base, &FieldSet::All)),
            names(CUSTOM_FIELD_ATTRIBUTES)
        );

        let secret = Secret::generate().unwrap();
        let key = ApiKey::issue(user.id, "sync".into(), &secret, time::now());
        let with_secret = api_key_resource(&key, Some(secret.expose()), &base, &FieldSet::All);
        assert_eq!(keys(&with_secret), names(API_KEY_ATTRIBUTES));
    }
}
