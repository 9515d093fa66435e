//! The change log: one immutable entry per committed write, appended in the write's own
//! transaction. It is what the changes feed pages through, and what tells a mirror about
//! deletions; every write also gives the records it changes a new [`Version`], which ETags
//! are made of.
//!
//! - [`Change`] and [`ChangeEntry`]: an entry, before and after the store numbers it.
//! - [`snapshot`]: each record's attributes and relationships as the API shows them, and the
//!   difference of two snapshots, written once so every backend logs the same entries.
//! - [`ChangeQuery`]: the feed's filters and page, with the reference filter.

mod query;
pub mod snapshot;

use serde_json::{Map, Value};

use crate::ids::UserId;
use crate::time::Timestamp;

pub use query::ChangeQuery;
pub use snapshot::Snapshot;

/// A record's version: a number the write that last changed it took from an increasing
/// source (the in-memory store uses its entry's sequence), so versions only grow, across
/// deletion and re-creation under the same id too. `0` is a record stored before the change
/// log existed, or not yet stored.
pub type Version = u64;

/// Who writes, and which versions they expect to replace (`If-Match`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Write {
    /// The user whose key makes the write; `None` for the command line.
    pub actor: Option<UserId>,
    /// The write happens only while the record is at one of these versions, decided inside
    /// the write transaction; otherwise
    /// [`Error::PreconditionFailed`](crate::Error::PreconditionFailed). `None` is no
    /// precondition.
    pub expected: Option<Vec<Version>>,
}

impl Write {
    /// A write by `actor` with no precondition.
    pub fn by(actor: Option<UserId>) -> Self {
        Self {
            actor,
            expected: None,
        }
    }

    /// Whether a record at `version` may be written.
    pub fn admits(&self, version: Version) -> bool {
        self.expected
            .as_ref()
            .is_none_or(|expected| expected.contains(&version))
    }
}

/// The resource types the log records, as the API names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceType {
    Organizations,
    CustomFields,
    Users,
    ApiKeys,
    Webhooks,
    Contacts,
    Memberships,
    Documents,
    Projects,
    Tasks,
}

impl ResourceType {
    pub const ALL: [ResourceType; 10] = [
        ResourceType::Organizations,
        ResourceType::Contacts,
        ResourceType::Memberships,
        ResourceType::Documents,
        ResourceType::Projects,
        ResourceType::Tasks,
        ResourceType::CustomFields,
        ResourceType::Users,
        ResourceType::ApiKeys,
        ResourceType::Webhooks,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ResourceType::Organizations => "organizations",
            ResourceType::CustomFields => "custom_fields",
            ResourceType::Users => "users",
            ResourceType::ApiKeys => "api_keys",
            ResourceType::Webhooks => "webhooks",
            ResourceType::Contacts => "contacts",
            ResourceType::Memberships => "memberships",
            ResourceType::Documents => "documents",
            ResourceType::Projects => "projects",
            ResourceType::Tasks => "tasks",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// What a write did to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

impl Operation {
    pub const ALL: [Operation; 3] = [Operation::Create, Operation::Update, Operation::Delete];

    pub const fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// An entry about to be appended: everything but its sequence, which the store allocates
/// inside the write transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEntry {
    pub operation: Operation,
    pub resource_type: ResourceType,
    /// The record's id, as the API spells it.
    pub resource_id: String,
    pub changed_at: Timestamp,
    pub actor: Option<UserId>,
    /// `{"attribute": {"from": …, "to": …}}` for each attribute or relationship that changed;
    /// every value set on a create; nothing on a delete (a tombstone).
    pub changes: Map<String, Value>,
}

impl ChangeEntry {
    /// The entry of a new record.
    pub fn created(
        resource_type: ResourceType,
        resource_id: impl ToString,
        created: &Snapshot,
        changed_at: Timestamp,
        actor: Option<UserId>,
    ) -> Self {
        Self {
            operation: Operation::Create,
            resource_type,
            resource_id: resource_id.to_string(),
            changed_at,
            actor,
            changes: Snapshot::default().changes_to(created),
        }
    }

    /// The entry of a change from `before` to `after`, or `None` when nothing the API shows
    /// changed (such a write appends nothing).
    pub fn updated(
        resource_type: ResourceType,
        resource_id: impl ToString,
        before: &Snapshot,
        after: &Snapshot,
        changed_at: Timestamp,
        actor: Option<UserId>,
    ) -> Option<Self> {
        let changes = before.changes_to(after);
        (!changes.is_empty()).then(|| Self {
            operation: Operation::Update,
            resource_type,
            resource_id: resource_id.to_string(),
            changed_at,
            actor,
            changes,
        })
    }

    /// The update of an organization whose value of a deleted custom field went with it.
    pub fn value_removed(
        resource_type: crate::custom_field::CustomResourceType,
        record: impl ToString,
        identifier: &str,
        value: &crate::custom_field::CustomValue,
        changed_at: Timestamp,
        actor: Option<UserId>,
    ) -> Self {
        let change = serde_json::json!({ "from": value.to_json(), "to": null });
        Self {
            operation: Operation::Update,
            resource_type: match resource_type {
                crate::custom_field::CustomResourceType::Organizations => {
                    ResourceType::Organizations
                }
                crate::custom_field::CustomResourceType::Contacts => ResourceType::Contacts,
            },
            resource_id: record.to_string(),
            changed_at,
            actor,
            changes: [(identifier.to_owned(), change)].into_iter().collect(),
        }
    }

    /// The tombstone of a deleted record.
    pub fn deleted(
        resource_type: ResourceType,
        resource_id: impl ToString,
        changed_at: Timestamp,
        actor: Option<UserId>,
    ) -> Self {
        Self {
            operation: Operation::Delete,
            resource_type,
            resource_id: resource_id.to_string(),
            changed_at,
            actor,
            changes: Map::new(),
        }
    }

    /// The entry as appended under `sequence`.
    pub fn numbered(self, sequence: u64) -> Change {
        Change {
            sequence,
            entry: self,
        }
    }
}

/// An appended entry: immutable, numbered in the order the writes became visible.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Positive and strictly increasing in commit order (gaps are possible).
    pub sequence: u64,
    pub entry: ChangeEntry,
}

/// The log's bookkeeping a reader needs: the newest sequence visible, and up to which
/// sequence entries were pruned (a cursor at or before it may have missed some).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogState {
    pub latest: u64,
    pub pruned_through: u64,
}
