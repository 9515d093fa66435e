//! The contact resource object, written straight from the domain record as organizations are
//! (lists render it by the hundred).

use orgbase_domain::{Contact, CustomFields, MembershipRole, UserId};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::user_relationships::{ToMany, ToManyLinkage, UserRelationships};
use super::{CONTACTS, Displayed, FieldSet, SelfLink, cursor_meta, rfc3339};
use crate::links::BaseUrl;

/// The relationships of a contact, in response order.
pub const CONTACT_RELATIONSHIPS: &[&str] = &["owner", "creator", "updater"];

/// The paths `include` may name on contacts.
pub const CONTACT_INCLUDES: &[&str] = &[
    "owner",
    "creator",
    "updater",
    "organizations",
    "memberships",
    "memberships.organization",
];

/// Its to-many relationships, after those: links only (both change through memberships).
pub const CONTACT_TO_MANY: &[ToMany] = &[
    ToMany {
        name: "organizations",
        linkage: false,
    },
    ToMany {
        name: "memberships",
        linkage: false,
    },
];

/// The user id behind one of a contact's relationships.
pub fn contact_related_user(contact: &Contact, relationship: &str) -> Option<UserId> {
    match relationship {
        "owner" => contact.owner_id,
        "creator" => contact.creator_id,
        "updater" => contact.updater_id,
        _ => None,
    }
}

/// A contact's attributes, in the order of the domain's table (a test holds them to it),
/// then its custom fields.
struct ContactAttributes<'a> {
    contact: &'a Contact,
    fields: &'a FieldSet,
    custom: &'a CustomFields,
}

impl Serialize for ContactAttributes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (c, fields) = (self.contact, self.fields);
        let mut map = serializer.serialize_map(None)?;
        macro_rules! entries {
            ($($name:literal => $value:expr),* $(,)?) => {
                $(if fields.includes($name) {
                    map.serialize_entry($name, &$value)?;
                })*
            };
        }
        entries! {
            "name" => c.name,
            "email" => c.email,
            "phone" => c.phone,
            "title" => c.title,
            "notes" => c.notes,
            "created_at" => rfc3339(&c.created_at),
            "updated_at" => rfc3339(&c.updated_at),
        }
        // Every defined field, as on organizations: null (or []) without a value.
        for (field, value) in self
            .custom
            .shown(&c.custom, |f| fields.includes(&f.identifier))
        {
            map.serialize_entry(&field.identifier, &value)?;
        }
        map.end()
    }
}

/// A contact resource object.
#[derive(Debug)]
pub struct ContactResource<'a> {
    pub contact: &'a Contact,
    pub base: &'a BaseUrl,
    pub fields: &'a FieldSet,
    /// The contacts' custom fields defined now: each is an attribute.
    pub custom: &'a CustomFields,
    /// Its cursor, on a page paged by cursor: written as `meta.page.cursor`.
    pub cursor: Option<String>,
    /// Its role, in an organization's `members`: written as `meta.role`.
    pub role: Option<MembershipRole>,
    /// The linkage of its to-many relationships, where `include` named them.
    pub linkage: Option<&'a ToManyLinkage>,
}

impl ContactResource<'_> {
    pub fn self_link(base: &BaseUrl, contact: &Contact) -> String {
        base.join(&format!("/{CONTACTS}/{}", contact.id))
    }
}

impl Serialize for ContactResource<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let contact = self.contact;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", CONTACTS)?;
        map.serialize_entry("id", &Displayed(contact.id))?;
        if !self.fields.is_empty() {
            map.serialize_entry(
                "attributes",
                &ContactAttributes {
                    contact,
                    fields: self.fields,
                    custom: self.custom,
                },
            )?;
        }
        if UserRelationships::any(CONTACT_RELATIONSHIPS, CONTACT_TO_MANY, self.fields) {
            let relationships = UserRelationships {
                base: self.base,
                kind: CONTACTS,
                id: &contact.id,
                names: CONTACT_RELATIONSHIPS,
                related: &|name| contact_related_user(contact, name),
                to_many: CONTACT_TO_MANY,
                linkage: self.linkage.map(|l| (l, contact.id.as_uuid())),
                fields: self.fields,
            };
            map.serialize_entry("relationships", &relationships)?;
        }
        map.serialize_entry(
            "links",
            &SelfLink {
                base: self.base,
                kind: CONTACTS,
                id: &contact.id,
            },
        )?;
        if self.cursor.is_some() || self.role.is_some() {
            let mut meta = match &self.cursor {
                Some(cursor) => cursor_meta(cursor),
                None => serde_json::json!({}),
            };
            if let Some(role) = self.role {
                meta["role"] = serde_json::Value::from(role.as_str());
            }
            map.serialize_entry("meta", &meta)?;
        }
        map.end()
    }
}
