//! The changes feed's query: filters, always in `sequence` order, paged by number or by
//! sequence (a keyset whose one value is the sequence; sequences are unique, so no id is
//! needed to break ties).

use uuid::Uuid;

use super::{Change, LogState, Operation, ResourceType};
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::query::{FieldValue, Page, PageRequest, Position};
use crate::time::Timestamp;

/// Which entries, and which page of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeQuery {
    /// Entries about these types only; empty is every type.
    pub resource_types: Vec<ResourceType>,
    /// Entries about these records only (ids as the API spells them); empty is every record.
    pub resource_ids: Vec<String>,
    pub operations: Vec<Operation>,
    pub actors: Vec<UserId>,
    pub changed_at_gte: Option<Timestamp>,
    pub changed_at_lt: Option<Timestamp>,
    pub page: PageRequest,
    pub with_total: bool,
}

impl Position {
    /// An entry's place in the feed.
    pub fn sequence(sequence: u64) -> Self {
        Self {
            values: vec![FieldValue::Integer(Some(
                i64::try_from(sequence).unwrap_or(i64::MAX),
            ))],
            id: Uuid::nil(),
        }
    }

    /// The sequence of a feed position (0 for one that holds none).
    pub fn as_sequence(&self) -> u64 {
        match self.values.first() {
            Some(FieldValue::Integer(Some(n))) => u64::try_from(*n).unwrap_or(0),
            _ => 0,
        }
    }
}

impl ChangeQuery {
    /// The sequence the page starts after, and the one it ends before.
    pub fn bounds(&self) -> (Option<u64>, Option<u64>) {
        let keyset = self.page.keyset.as_ref();
        let after = keyset
            .and_then(|k| k.after.as_ref())
            .map(Position::as_sequence);
        let before = keyset
            .and_then(|k| k.before.as_ref())
            .map(Position::as_sequence);
        (after, before)
    }

    /// [`Error::ChangesPruned`] when a cursor points where entries were pruned: a reader
    /// resuming there may have missed some, and must resync instead. Stores call this before
    /// reading.
    pub fn check_not_pruned(&self, state: LogState) -> Result<()> {
        let (after, before) = self.bounds();
        let pruned = |at: Option<u64>| at.is_some_and(|s| s < state.pruned_through);
        if pruned(after) || pruned(before) {
            return Err(Error::ChangesPruned {
                pruned_through: state.pruned_through,
            });
        }
        Ok(())
    }

    /// Whether the filters keep this entry (the reference; bounds aside).
    pub fn admits(&self, change: &Change) -> bool {
        let e = &change.entry;
        fn within<T: PartialEq>(list: &[T], value: &T) -> bool {
            list.is_empty() || list.contains(value)
        }
        within(&self.resource_types, &e.resource_type)
            && within(&self.resource_ids, &e.resource_id)
            && within(&self.operations, &e.operation)
            && (self.actors.is_empty() || e.actor.is_some_and(|a| self.actors.contains(&a)))
            && self.changed_at_gte.is_none_or(|at| e.changed_at >= at)
            && self.changed_at_lt.is_none_or(|at| e.changed_at < at)
    }

    /// The reference page of `log` (every entry, in sequence order).
    pub fn cut(&self, log: &[Change]) -> Page<Change> {
        let matching: Vec<Change> = log.iter().filter(|c| self.admits(c)).cloned().collect();
        Page::cut(matching, &self.page, self.with_total, |change, position| {
            change.sequence.cmp(&position.as_sequence())
        })
    }
}
