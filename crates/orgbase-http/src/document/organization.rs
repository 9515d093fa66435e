//! The organization resource object, written straight from the domain record: lists render
//! it by the hundred, so no intermediate JSON tree is built and links are written while
//! serializing.

use orgbase_domain::{CustomFields, Organization};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::user_relationships::{ToMany, ToManyLinkage, UserRelationships};
use super::{FieldSet, ORGANIZATIONS, SelfLink, rfc3339};
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

/// The paths `include` may name on organizations: the users, and the people.
pub const ORGANIZATION_INCLUDES: &[&str] = &[
    "owner",
    "creator",
    "updater",
    "members",
    "memberships",
    "memberships.contact",
];

/// Its to-many relationships, after those: links only.
pub const ORGANIZATION_TO_MANY: &[ToMany] = &[
    ToMany {
        name: "members",
        linkage: true,
    },
    ToMany {
        name: "memberships",
        linkage: false,
    },
    ToMany {
        name: "tasks",
        linkage: false,
    },
    ToMany {
        name: "projects",
        linkage: false,
    },
    ToMany {
        name: "documents",
        linkage: false,
    },
];

/// The user id behind one of an organization's relationships.
pub fn related_user(org: &Organization, relationship: &str) -> Option<orgbase_domain::UserId> {
    match relationship {
        "owner" => org.details.owner_id,
        "creator" => org.creator_id,
        "updater" => org.updater_id,
        _ => None,
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
        let wanted = |f: &orgbase_domain::CustomField| self.fields.includes(&f.identifier);
        for (field, value) in self.custom.shown(&self.org.details.custom, wanted) {
            map.serialize_entry(&field.identifier, &value)?;
        }
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
    /// The linkage of its to-many relationships, where `include` named them.
    pub linkage: Option<&'a ToManyLinkage>,
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
        if UserRelationships::any(
            ORGANIZATION_RELATIONSHIPS,
            ORGANIZATION_TO_MANY,
            self.fields,
        ) {
            let relationships = UserRelationships {
                base: self.base,
                kind: ORGANIZATIONS,
                id: &self.org.id,
                names: ORGANIZATION_RELATIONSHIPS,
                related: &|name| related_user(self.org, name),
                to_many: ORGANIZATION_TO_MANY,
                linkage: self.linkage.map(|l| (l, self.org.id.as_uuid())),
                fields: self.fields,
            };
            map.serialize_entry("relationships", &relationships)?;
        }
        map.serialize_entry(
            "links",
            &SelfLink {
                base: self.base,
                kind: ORGANIZATIONS,
                id: &self.org.id,
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
