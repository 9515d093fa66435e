//! The membership resource object. Its `organization` and `contact` are fixed once made, so
//! each relationship carries its linkage and a `related` link to the resource's own URL
//! (there is no relationship endpoint to change them through).

use orgbase_domain::Membership;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::{
    CONTACTS, Displayed, FieldSet, MEMBERSHIPS, ORGANIZATIONS, SelfLink, cursor_meta, rfc3339,
};
use crate::links::BaseUrl;

/// The relationships of a membership, in response order.
pub const MEMBERSHIP_RELATIONSHIPS: &[&str] = &["organization", "contact"];

struct MembershipAttributes<'a> {
    membership: &'a Membership,
    fields: &'a FieldSet,
}

impl Serialize for MembershipAttributes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (m, fields) = (self.membership, self.fields);
        let mut map = serializer.serialize_map(None)?;
        if fields.includes("role") {
            map.serialize_entry("role", m.role.as_str())?;
        }
        if fields.includes("created_at") {
            map.serialize_entry("created_at", &rfc3339(&m.created_at))?;
        }
        if fields.includes("updated_at") {
            map.serialize_entry("updated_at", &rfc3339(&m.updated_at))?;
        }
        map.end()
    }
}

/// A to-one relationship to another record, changed (if at all) through the resource itself:
/// `{"links": {"related": …}, "data": {"type": …, "id": …}}`.
pub(super) struct RelatedRecord<'a> {
    pub base: &'a BaseUrl,
    pub kind: &'static str,
    pub id: &'a dyn std::fmt::Display,
}

impl Serialize for RelatedRecord<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self { base, kind, id } = self;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry(
            "links",
            &serde_json::json!({ "related": Displayed(format_args!("{base}/{kind}/{id}")) }),
        )?;
        map.serialize_entry(
            "data",
            &serde_json::json!({ "type": kind, "id": Displayed(id) }),
        )?;
        map.end()
    }
}

/// A membership resource object.
#[derive(Debug)]
pub struct MembershipResource<'a> {
    pub membership: &'a Membership,
    pub base: &'a BaseUrl,
    pub fields: &'a FieldSet,
    /// Its cursor, on a page paged by cursor: written as `meta.page.cursor`.
    pub cursor: Option<String>,
}

impl MembershipResource<'_> {
    pub fn self_link(base: &BaseUrl, membership: &Membership) -> String {
        base.join(&format!("/{MEMBERSHIPS}/{}", membership.id))
    }
}

impl Serialize for MembershipResource<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (m, base, fields) = (self.membership, self.base, self.fields);
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", MEMBERSHIPS)?;
        map.serialize_entry("id", &Displayed(m.id))?;
        if !fields.is_empty() {
            map.serialize_entry(
                "attributes",
                &MembershipAttributes {
                    membership: m,
                    fields,
                },
            )?;
        }
        let organization = fields.includes("organization");
        let contact = fields.includes("contact");
        if organization || contact {
            let mut relationships = serde_json::Map::new();
            let mut add = |name: &str, kind: &'static str, id: &dyn std::fmt::Display| {
                let value =
                    serde_json::to_value(RelatedRecord { base, kind, id }).unwrap_or_default();
                relationships.insert(name.to_owned(), value);
            };
            if organization {
                add("organization", ORGANIZATIONS, &m.organization_id);
            }
            if contact {
                add("contact", CONTACTS, &m.contact_id);
            }
            map.serialize_entry("relationships", &relationships)?;
        }
        map.serialize_entry(
            "links",
            &SelfLink {
                base,
                kind: MEMBERSHIPS,
                id: &m.id,
            },
        )?;
        if let Some(cursor) = &self.cursor {
            map.serialize_entry("meta", &cursor_meta(cursor))?;
        }
        map.end()
    }
}
