//! The membership resource object. Its `organization` and `contact` are fixed once made, so
//! each relationship carries its linkage and a `related` link to the resource's own URL
//! (there is no relationship endpoint to change them through).

use orgbase_domain::Membership;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::{CONTACTS, FieldSet, MEMBERSHIPS, ORGANIZATIONS, rfc3339, serialize_record};
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

/// The `relationships` of a record whose one relationship to records is its organization
/// (documents, projects, and tasks before their assignee): `None` when the fieldset drops it.
pub(super) fn organization_only(
    base: &BaseUrl,
    fields: &FieldSet,
    organization: &dyn std::fmt::Display,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    fields.includes("organization").then(|| {
        let mut relationships = serde_json::Map::new();
        relationships.insert(
            "organization".to_owned(),
            related_record(base, ORGANIZATIONS, organization),
        );
        relationships
    })
}

/// A to-one relationship to another record, changed (if at all) through the resource itself:
/// `{"links": {"related": …}, "data": {"type": …, "id": …}}`.
pub(super) fn related_record(
    base: &BaseUrl,
    kind: &'static str,
    id: &dyn std::fmt::Display,
) -> serde_json::Value {
    serde_json::json!({
        "links": { "related": format!("{base}/{kind}/{id}") },
        "data": { "type": kind, "id": id.to_string() },
    })
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
        let mut relationships = serde_json::Map::new();
        if fields.includes("organization") {
            relationships.insert(
                "organization".to_owned(),
                related_record(base, ORGANIZATIONS, &m.organization_id),
            );
        }
        if fields.includes("contact") {
            relationships.insert(
                "contact".to_owned(),
                related_record(base, CONTACTS, &m.contact_id),
            );
        }
        serialize_record(
            serializer,
            MEMBERSHIPS,
            &m.id,
            base,
            (!fields.is_empty()).then_some(MembershipAttributes {
                membership: m,
                fields,
            }),
            (!relationships.is_empty()).then_some(relationships),
            self.cursor.as_deref(),
        )
    }
}
