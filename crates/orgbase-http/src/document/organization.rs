//! The organization resource object, written straight from the domain record: lists render
//! it by the hundred, so no intermediate JSON tree is built and links are written while
//! serializing.

use orgbase_domain::{CustomFields, Organization};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::{FieldSet, ORGANIZATIONS, USERS, rfc3339};
use crate::links::BaseUrl;

/// The organization serializer, written out by hand because lists render it by the hundred
/// (no intermediate JSON tree); a test holds it to the domain's attribute table, in names
/// and order.
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
    /// Its cursor, on a page paged by cursor: written as `meta.page.cursor`.
    pub cursor: Option<String>,
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
        if let Some(cursor) = &self.cursor {
            map.serialize_entry("meta", &cursor_meta(cursor))?;
        }
        map.end()
    }
}

/// A resource's `meta` on a cursor page: `{"page": {"cursor": …}}`.
pub fn cursor_meta(cursor: &str) -> serde_json::Value {
    serde_json::json!({ "page": { "cursor": cursor } })
}
