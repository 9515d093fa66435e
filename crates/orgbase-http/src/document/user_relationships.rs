//! The to-one relationships to users that organizations and contacts share (`owner`,
//! `creator`, `updater`): linkage, links, and the `relationships` member, serialized straight
//! from the record because lists render them by the hundred.

use std::collections::HashMap;
use std::fmt::Display;

use orgbase_domain::UserId;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;
use uuid::Uuid;

use super::{Displayed, FieldSet, USERS};
use crate::links::BaseUrl;

/// A user resource identifier: `{"type": "users", "id": …}`.
#[derive(Debug, Serialize)]
pub struct UserLinkage {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
}

/// Linkage to a user, or `None` (serialized as null).
pub fn user_linkage(user: Option<UserId>) -> Option<UserLinkage> {
    user.map(|id| UserLinkage {
        kind: USERS,
        id: id.to_string(),
    })
}

/// The `self` and `related` links of a resource's relationship.
pub struct RelationshipLinks<'a> {
    base: &'a BaseUrl,
    /// The resource's type and id: `/{kind}/{id}/relationships/{relationship}`.
    kind: &'static str,
    id: &'a dyn Display,
    relationship: &'a str,
}

impl std::fmt::Debug for RelationshipLinks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/relationships/{}",
            self.kind, self.id, self.relationship
        )
    }
}

impl Serialize for RelationshipLinks<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            base,
            kind,
            id,
            relationship,
        } = self;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry(
            "self",
            &Displayed(format_args!(
                "{base}/{kind}/{id}/relationships/{relationship}"
            )),
        )?;
        map.serialize_entry(
            "related",
            &Displayed(format_args!("{base}/{kind}/{id}/{relationship}")),
        )?;
        map.end()
    }
}

pub fn relationship_links<'a>(
    base: &'a BaseUrl,
    kind: &'static str,
    id: &'a dyn Display,
    relationship: &'a str,
) -> RelationshipLinks<'a> {
    RelationshipLinks {
        base,
        kind,
        id,
        relationship,
    }
}

/// One relationship object: links and linkage.
#[derive(Serialize)]
struct Relationship<'a> {
    links: RelationshipLinks<'a>,
    data: Option<UserLinkage>,
}

/// A to-many relationship rendered as links only: its members can be many, so linkage comes
/// from its own endpoints (and, later, `include`), not in every resource object.
#[derive(Debug)]
pub struct ToMany {
    pub name: &'static str,
    /// Whether it has a relationship endpoint (`…/relationships/{name}`) for `links.self`;
    /// those changed through their own resources (memberships) have `related` only.
    pub linkage: bool,
}

/// The `relationships` member of a resource whose relationships are to-one links to users
/// and to-many relationships shown by their links, limited to the fieldset.
pub(super) struct UserRelationships<'a> {
    pub base: &'a BaseUrl,
    pub kind: &'static str,
    pub id: &'a dyn Display,
    /// The relationships to users, in response order.
    pub names: &'static [&'static str],
    /// The user behind each.
    pub related: &'a dyn Fn(&str) -> Option<UserId>,
    /// Then these.
    pub to_many: &'static [ToMany],
    /// Their linkage, where `include` asked for it, and the record's id to find it by.
    pub linkage: Option<(&'a ToManyLinkage, Uuid)>,
    pub fields: &'a FieldSet,
}

impl UserRelationships<'_> {
    /// Whether the fieldset keeps any of them (else the member is left out).
    pub fn any(names: &[&str], to_many: &[ToMany], fields: &FieldSet) -> bool {
        names.iter().any(|n| fields.includes(n)) || to_many.iter().any(|t| fields.includes(t.name))
    }
}

/// The linkage of the to-many relationships `include` named, by relationship and record:
/// those relationships then carry `data` (empty where a record has none).
#[derive(Debug, Default)]
pub struct ToManyLinkage(pub HashMap<&'static str, HashMap<Uuid, Vec<Value>>>);

impl ToManyLinkage {
    /// Everything it holds, in a fixed order: what an ETag varies by, since a membership's
    /// change changes the linkage but not the record's version.
    pub fn fingerprint(&self) -> String {
        let mut names: Vec<&&str> = self.0.keys().collect();
        names.sort();
        let mut text = String::new();
        for name in names {
            let mut records: Vec<(&Uuid, &Vec<Value>)> = self.0[*name].iter().collect();
            records.sort_by_key(|(id, _)| **id);
            text.push_str(name);
            for (id, data) in records {
                text.push_str(&id.to_string());
                text.push_str(&serde_json::to_string(data).unwrap_or_default());
            }
        }
        text
    }

    /// The linkage of `record`'s `relationship`, if `include` named it.
    fn of(&self, relationship: &str, record: Uuid) -> Option<&[Value]> {
        self.0
            .get(relationship)
            .map(|by_record| by_record.get(&record).map_or(&[][..], Vec::as_slice))
    }
}

/// A to-many relationship object: links, and linkage when included.
#[derive(Serialize)]
struct ToManyObject<'a> {
    links: ToManyLinks<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a [Value]>,
}

/// `{"self": …, "related": …}`, or `related` alone, of a to-many relationship.
struct ToManyLinks<'a> {
    base: &'a BaseUrl,
    kind: &'static str,
    id: &'a dyn Display,
    relationship: &'a ToMany,
}

impl Serialize for ToManyLinks<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            base,
            kind,
            id,
            relationship,
        } = self;
        let name = relationship.name;
        let mut map = serializer.serialize_map(None)?;
        if relationship.linkage {
            map.serialize_entry(
                "self",
                &Displayed(format_args!("{base}/{kind}/{id}/relationships/{name}")),
            )?;
        }
        map.serialize_entry(
            "related",
            &Displayed(format_args!("{base}/{kind}/{id}/{name}")),
        )?;
        map.end()
    }
}

impl Serialize for UserRelationships<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for name in self.names.iter().filter(|n| self.fields.includes(n)) {
            let relationship = Relationship {
                links: relationship_links(self.base, self.kind, self.id, name),
                data: user_linkage((self.related)(name)),
            };
            map.serialize_entry(name, &relationship)?;
        }
        for relationship in self.to_many.iter().filter(|t| self.fields.includes(t.name)) {
            let links = ToManyLinks {
                base: self.base,
                kind: self.kind,
                id: self.id,
                relationship,
            };
            let data = self
                .linkage
                .and_then(|(linkage, record)| linkage.of(relationship.name, record));
            map.serialize_entry(relationship.name, &ToManyObject { links, data })?;
        }
        map.end()
    }
}
