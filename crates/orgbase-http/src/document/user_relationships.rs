//! The to-one relationships to users that organizations and contacts share (`owner`,
//! `creator`, `updater`): linkage, links, and the `relationships` member, serialized straight
//! from the record because lists render them by the hundred.

use std::fmt::Display;

use orgbase_domain::UserId;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

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

/// The `relationships` member of a resource whose relationships are to-one links to users,
/// limited to the fieldset.
pub(super) struct UserRelationships<'a> {
    pub base: &'a BaseUrl,
    pub kind: &'static str,
    pub id: &'a dyn Display,
    /// The relationships, in response order.
    pub names: &'static [&'static str],
    /// The user behind each.
    pub related: &'a dyn Fn(&str) -> Option<UserId>,
    pub fields: &'a FieldSet,
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
        map.end()
    }
}
