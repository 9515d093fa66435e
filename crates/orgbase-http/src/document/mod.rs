//! Response documents: our own serde types, because the `jsonapi` crate (0.7) cannot parse a
//! create request without an id, has none of the 1.1 members, and keeps links in a HashMap.
//!
//! Organizations serialize straight from the domain record (no intermediate JSON tree), and
//! sparse fieldsets are applied while serializing.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use orgbase_domain::time;
use orgbase_domain::{CustomField, CustomFields, Organization};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

use crate::jsonapi::{JSONAPI_MEDIA_TYPE, JsonApiVersion};
use crate::links::BaseUrl;

pub const ORGANIZATIONS: &str = "organizations";

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

    fn is_empty(&self) -> bool {
        matches!(self, FieldSet::Only(names) if names.is_empty())
    }
}

fn rfc3339(at: &time::Timestamp) -> String {
    time::format(at)
}

/// The organization serializer, written out by hand because lists render it by the hundred
/// (no intermediate JSON tree); the test below holds it to the domain's attribute table, in
/// names and order.
macro_rules! organization_attributes {
    ($($name:literal => |$org:ident| $value:expr),* $(,)?) => {
        fn serialize_attributes<S: SerializeMap>(map: &mut S, org: &Organization, fields: &FieldSet) -> Result<(), S::Error> {
            $(
                if fields.includes($name) {
                    let $org = org;
                    map.serialize_entry($name, &$value)?;
                }
            )*
            Ok(())
        }
    };
}

organization_attributes! {
    "name" => |o| o.name,
    "organization_type" => |o| o.details.organization_type,
    "status" => |o| o.details.status.as_str(),
    "description" => |o| o.details.description,
    "website" => |o| o.details.website,
    "email" => |o| o.details.email,
    "phone" => |o| o.details.phone,
    "address" => |o| o.details.address,
    "city" => |o| o.details.city,
    "state" => |o| o.details.state,
    "country" => |o| o.details.country,
    "industry" => |o| o.details.industry,
    "company_size" => |o| o.details.company_size,
    "domains" => |o| o.details.domains,
    "lists" => |o| o.details.lists,
    "metadata" => |o| o.details.metadata,
    "slug" => |o| o.slug,
    "created_from" => |o| o.created_from,
    "last_contact_at" => |o| o.details.last_contact_at.as_ref().map(rfc3339),
    "archived_at" => |o| o.details.archived_at.as_ref().map(rfc3339),
    "created_at" => |o| rfc3339(&o.created_at),
    "updated_at" => |o| rfc3339(&o.updated_at),
}

/// The relationships of an organization, in response order.
pub const ORGANIZATION_RELATIONSHIPS: &[&str] = &["owner", "creator", "updater"];

/// The user id behind one of an organization's relationships.
pub fn related_user(org: &Organization, relationship: &str) -> Option<orgbase_domain::UserId> {
    match relationship {
        "owner" => org.details.owner_id,
        "creator" => org.creator_id,
        "updater" => org.updater_id,
        _ => None,
    }
}

/// A user resource identifier: `{"type": "users", "id": …}`.
#[derive(Debug, Serialize)]
pub struct UserLinkage {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
}

/// Linkage to a user, or `None` (serialized as null).
pub fn user_linkage(user: Option<orgbase_domain::UserId>) -> Option<UserLinkage> {
    user.map(|id| UserLinkage {
        kind: USERS,
        id: id.to_string(),
    })
}

/// A value written with its `Display`, straight into the response: links are built while
/// serializing instead of as a `String` each (a page of 100 organizations has 700).
struct Displayed<T>(T);

impl<T: std::fmt::Display> Serialize for Displayed<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// The `self` and `related` links of an organization's relationship.
#[derive(Debug)]
pub struct RelationshipLinks<'a> {
    base: &'a BaseUrl,
    org: &'a Organization,
    relationship: &'a str,
}

impl Serialize for RelationshipLinks<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            base,
            org,
            relationship,
        } = self;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry(
            "self",
            &Displayed(format_args!(
                "{base}/{ORGANIZATIONS}/{}/relationships/{relationship}",
                org.id
            )),
        )?;
        map.serialize_entry(
            "related",
            &Displayed(format_args!(
                "{base}/{ORGANIZATIONS}/{}/{relationship}",
                org.id
            )),
        )?;
        map.end()
    }
}

pub fn relationship_links<'a>(
    base: &'a BaseUrl,
    org: &'a Organization,
    relationship: &'a str,
) -> RelationshipLinks<'a> {
    RelationshipLinks {
        base,
        org,
        relationship,
    }
}

/// One relationship object of an organization: links and linkage.
#[derive(Serialize)]
struct Relationship<'a> {
    links: RelationshipLinks<'a>,
    data: Option<UserLinkage>,
}

/// The `relationships` member, limited to the fieldset; serialized straight from the record
/// (resources are rendered by the hundred on every list page).
struct Relationships<'a> {
    org: &'a Organization,
    base: &'a BaseUrl,
    fields: &'a FieldSet,
}

impl Serialize for Relationships<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for name in ORGANIZATION_RELATIONSHIPS
            .iter()
            .filter(|n| self.fields.includes(n))
        {
            let relationship = Relationship {
                links: relationship_links(self.base, self.org, name),
                data: user_linkage(related_user(self.org, name)),
            };
            map.serialize_entry(name, &relationship)?;
        }
        map.end()
    }
}

/// An organization's attributes object, custom fields included: what responses show and what
/// `orgbase export` writes.
#[derive(Debug)]
pub struct OrganizationAttributes<'a> {
    pub org: &'a Organization,
    pub fields: &'a FieldSet,
    pub custom: &'a CustomFields,
}

impl Serialize for OrganizationAttributes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        serialize_attributes(&mut map, self.org, self.fields)?;
        // Every defined field, after the built-in attributes: null (or []) without a value.
        for field in self.custom.iter() {
            if self.fields.includes(&field.identifier) {
                let value = match self.org.details.custom.get(&field.id) {
                    Some(value) => value.to_json(),
                    None => field.format.empty_json(),
                };
                map.serialize_entry(&field.identifier, &value)?;
            }
        }
        map.end()
    }
}

/// `{"self": …}` of an organization resource.
struct SelfLink<'a> {
    base: &'a BaseUrl,
    org: &'a Organization,
}

impl Serialize for SelfLink<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        let (base, id) = (self.base, self.org.id);
        map.serialize_entry(
            "self",
            &Displayed(format_args!("{base}/{ORGANIZATIONS}/{id}")),
        )?;
        map.end()
    }
}

/// An organization resource object.
#[derive(Debug)]
pub struct OrganizationResource<'a> {
    pub org: &'a Organization,
    pub base: &'a BaseUrl,
    pub fields: &'a FieldSet,
    /// The custom fields defined now: each is an attribute.
    pub custom: &'a CustomFields,
}

impl OrganizationResource<'_> {
    pub fn self_link(base: &BaseUrl, org: &Organization) -> String {
        base.join(&format!("/{ORGANIZATIONS}/{}", org.id))
    }
}

impl Serialize for OrganizationResource<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", ORGANIZATIONS)?;
        map.serialize_entry("id", &self.org.id.to_string())?;
        if !self.fields.is_empty() {
            map.serialize_entry(
                "attributes",
                &OrganizationAttributes {
                    org: self.org,
                    fields: self.fields,
                    custom: self.custom,
                },
            )?;
        }
        if ORGANIZATION_RELATIONSHIPS
            .iter()
            .any(|name| self.fields.includes(name))
        {
            let relationships = Relationships {
                org: self.org,
                base: self.base,
                fields: self.fields,
            };
            map.serialize_entry("relationships", &relationships)?;
        }
        map.serialize_entry(
            "links",
            &SelfLink {
                base: self.base,
                org: self.org,
            },
        )?;
        map.end()
    }
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
        HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, JSONAPI_MEDIA_TYPE))
            .body(body)
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

pub const USERS: &str = "users";
pub const API_KEYS: &str = "api_keys";
pub const CUSTOM_FIELDS: &str = "custom_fields";

fn sparse(fields: &FieldSet, all: Vec<(&str, Value)>) -> serde_json::Map<String, Value> {
    all.into_iter()
        .filter(|(name, _)| fields.includes(name))
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

/// A user resource object.
pub fn user_resource(user: &orgbase_domain::User, base: &BaseUrl, fields: &FieldSet) -> Value {
    let attributes = sparse(
        fields,
        vec![
            ("name", Value::from(user.name.clone())),
            ("email", Value::from(user.email.clone())),
            ("role", Value::from(user.role.as_str())),
            ("created_at", Value::from(rfc3339(&user.created_at))),
        ],
    );
    let mut resource = serde_json::json!({
        "type": USERS,
        "id": user.id.to_string(),
        "links": { "self": base.join(&format!("/{USERS}/{}", user.id)) },
    });
    if !attributes.is_empty() {
        resource["attributes"] = Value::Object(attributes);
    }
    resource
}

/// A custom field resource object.
pub fn custom_field_resource(field: &CustomField, base: &BaseUrl, fields: &FieldSet) -> Value {
    let attributes = sparse(
        fields,
        vec![
            ("identifier", Value::from(field.identifier.clone())),
            ("name", Value::from(field.name.clone())),
            ("format", Value::from(field.format.as_str())),
            ("options", Value::from(field.options.clone())),
            ("created_at", Value::from(rfc3339(&field.created_at))),
            ("updated_at", Value::from(rfc3339(&field.updated_at))),
        ],
    );
    let mut resource = serde_json::json!({
        "type": CUSTOM_FIELDS,
        "id": field.id.to_string(),
        "links": { "self": base.join(&format!("/{CUSTOM_FIELDS}/{}", field.id)) },
    });
    if !attributes.is_empty() {
        resource["attributes"] = Value::Object(attributes);
    }
    resource
}

/// An API key resource object; `secret` only in the answer that creates the key.
pub fn api_key_resource(
    key: &orgbase_domain::ApiKey,
    secret: Option<&str>,
    base: &BaseUrl,
    fields: &FieldSet,
) -> Value {
    let mut all = vec![
        ("name", Value::from(key.name.clone())),
        ("prefix", Value::from(key.prefix.clone())),
    ];
    if let Some(secret) = secret {
        all.push(("secret", Value::from(secret)));
    }
    all.push(("created_at", Value::from(rfc3339(&key.created_at))));
    all.push((
        "last_used_at",
        key.last_used_at
            .as_ref()
            .map(rfc3339)
            .map_or(Value::Null, Value::from),
    ));
    let attributes = sparse(fields, all);
    let mut resource = serde_json::json!({
        "type": API_KEYS,
        "id": key.id.to_string(),
        "links": { "self": base.join(&format!("/{API_KEYS}/{}", key.id)) },
    });
    if !attributes.is_empty() {
        resource["attributes"] = Value::Object(attributes);
    }
    if fields.includes("user") {
        resource["relationships"] = serde_json::json!({
            "user": { "data": { "type": USERS, "id": key.user_id.to_string() } }
        });
    }
    resource
}

/// A single-resource document whose `links.self` is the resource's own link, with
/// `Location` on 201.
/// `included` is present, empty, when the client sent `include` (users and keys have nothing
/// to include, but the document still says so).
pub fn respond_resource(
    resource: Value,
    status: StatusCode,
    include_requested: bool,
) -> HttpResponse {
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
    response
}

#[cfg(test)]
mod tests {
    use orgbase_domain::attributes::{
        API_KEY_ATTRIBUTES, Attribute, CUSTOM_FIELD_ATTRIBUTES, ORGANIZATION_ATTRIBUTES,
        USER_ATTRIBUTES,
    };
    use orgbase_domain::{ApiKey, CustomFormat, NewOrganization, Role, Secret, User, UserId, time};

    use orgbase_domain::slug::Slug;

    use super::*;

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
        })
        .unwrap();
        assert_eq!(keys(&resource), names(ORGANIZATION_ATTRIBUTES));

        let user = User {
            id: UserId::generate(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            role: Role::Admin,
            created_at: time::now(),
        };
        assert_eq!(
            keys(&user_resource(&user, &base, &FieldSet::All)),
            names(USER_ATTRIBUTES)
        );

        let field = CustomField {
            id: orgbase_domain::CustomFieldId::generate(),
            identifier: "c_tier".into(),
            name: "Tier".into(),
            format: CustomFormat::Text,
            options: Vec::new(),
            created_at: time::now(),
            updated_at: time::now(),
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
