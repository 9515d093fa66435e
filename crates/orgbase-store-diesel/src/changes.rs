//! The change log in SQL: the `changes` table and the one-row `change_log` that numbers it.
//!
//! Sequences come from `change_log.last_sequence`, raised by an UPDATE inside the write
//! transaction. That UPDATE's lock (a row lock on PostgreSQL, the write lock on SQLite) is
//! held until commit, so the next writer numbers its entries only after this one's are
//! visible: entries become visible in sequence order, and a reader paging by sequence never
//! skips one that commits later. The price is that writers serialize from their allocation
//! to their commit, so every write path allocates as late as it can.
//!
//! Deadlock freedom rests on one rule: a write transaction takes its row locks on existing
//! rows (the record it changes, the custom fields it checks, the organizations a user
//! deletion touches) before it allocates, and does its inserts, deletes and key changes
//! after. A transaction holding the allocation then never waits for one that waits for it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use orgbase_domain::change::{Change, ChangeEntry, ChangeQuery, LogState, Operation};
use orgbase_domain::{Error, Page, ResourceType, Result, UserId};

use crate::columns::utc;
use crate::connection::{AnyConnection, insert_many, on_inner};
use crate::errors::{TxError, from_diesel};
use crate::schema::{change_log, changes};

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = changes, treat_none_as_default_value = false)]
struct ChangeRow {
    sequence: i64,
    operation: String,
    resource_type: String,
    resource_id: String,
    changed_at: NaiveDateTime,
    actor_id: Option<String>,
    /// The entry's `changes` object, as JSON.
    diff: String,
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl From<&Change> for ChangeRow {
    fn from(change: &Change) -> Self {
        let e = &change.entry;
        Self {
            sequence: to_i64(change.sequence),
            operation: e.operation.as_str().to_owned(),
            resource_type: e.resource_type.as_str().to_owned(),
            resource_id: e.resource_id.clone(),
            changed_at: e.changed_at.naive_utc(),
            actor_id: e.actor.map(|a| a.to_string()),
            diff: serde_json::Value::Object(e.changes.clone()).to_string(),
        }
    }
}

impl TryFrom<ChangeRow> for Change {
    type Error = Error;

    fn try_from(row: ChangeRow) -> Result<Self> {
        let corrupt = |what: &str| {
            Error::Backend(format!("change {} has an unreadable {what}", row.sequence))
        };
        let operation = Operation::parse(&row.operation).ok_or_else(|| corrupt("operation"))?;
        let resource_type =
            ResourceType::parse(&row.resource_type).ok_or_else(|| corrupt("resource type"))?;
        let actor = row
            .actor_id
            .as_deref()
            .map(|a| a.parse::<UserId>())
            .transpose()
            .map_err(|_| corrupt("actor"))?;
        let changes = match serde_json::from_str(&row.diff) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => return Err(corrupt("changes object")),
        };
        Ok(Change {
            sequence: to_u64(row.sequence),
            entry: ChangeEntry {
                operation,
                resource_type,
                resource_id: row.resource_id,
                changed_at: utc(row.changed_at),
                actor,
                changes,
            },
        })
    }
}

/// Numbers `count` entries (or record versions); returns the first of the `count` sequences.
/// Takes the allocation lock, held until commit: call it after the transaction's row locks.
pub fn allocate(conn: &mut AnyConnection, count: u64) -> QueryResult<u64> {
    let last: i64 = on_inner!(conn, |c| diesel::update(change_log::table.find(1))
        .set(change_log::last_sequence.eq(change_log::last_sequence + to_i64(count)))
        .returning(change_log::last_sequence)
        .get_result(c))?;
    Ok(to_u64(last) + 1 - count)
}

/// Appends entries numbered from `first` on; returns each one's sequence, in order.
pub fn append_from(
    conn: &mut AnyConnection,
    first: u64,
    entries: Vec<ChangeEntry>,
) -> std::result::Result<Vec<u64>, TxError> {
    let numbered: Vec<Change> = entries
        .into_iter()
        .zip(first..)
        .map(|(entry, sequence)| entry.numbered(sequence))
        .collect();
    append_numbered(conn, &numbered)?;
    Ok(numbered.iter().map(|c| c.sequence).collect())
}

/// Appends entries already numbered from sequences this transaction allocated.
pub fn append_numbered(conn: &mut AnyConnection, numbered: &[Change]) -> QueryResult<()> {
    let rows: Vec<ChangeRow> = numbered.iter().map(ChangeRow::from).collect();
    insert_many!(&mut *conn, changes::table, &rows)
}

/// Allocates and appends one entry; returns its sequence.
pub fn append(conn: &mut AnyConnection, entry: ChangeEntry) -> std::result::Result<u64, TxError> {
    let first = allocate(conn, 1)?;
    append_from(conn, first, vec![entry])?;
    Ok(first)
}

/// The new version of a changed record: its entry's sequence (appended), or a fresh one when
/// nothing the log shows changed.
pub fn record(
    conn: &mut AnyConnection,
    entry: Option<ChangeEntry>,
) -> std::result::Result<u64, TxError> {
    match entry {
        Some(entry) => append(conn, entry),
        None => Ok(allocate(conn, 1)?),
    }
}

pub fn state(conn: &mut AnyConnection) -> QueryResult<LogState> {
    let (latest, pruned): (i64, i64) = change_log::table
        .find(1)
        .select((change_log::last_sequence, change_log::pruned_through))
        .get_result(conn)?;
    Ok(LogState {
        latest: to_u64(latest),
        pruned_through: to_u64(pruned),
    })
}

/// A page of the feed. The pruning mark is read after the page, so a prune that commits
/// while the page is read still answers 410 rather than a page with a hole in it.
pub fn list(conn: &mut AnyConnection, query: &ChangeQuery) -> Result<Page<Change>> {
    let filtered = || {
        let mut q = changes::table.into_boxed();
        if !query.resource_types.is_empty() {
            let types: Vec<&str> = query.resource_types.iter().map(|t| t.as_str()).collect();
            q = q.filter(changes::resource_type.eq_any(types));
        }
        if !query.resource_ids.is_empty() {
            q = q.filter(changes::resource_id.eq_any(query.resource_ids.clone()));
        }
        if !query.operations.is_empty() {
            let operations: Vec<&str> = query.operations.iter().map(|o| o.as_str()).collect();
            q = q.filter(changes::operation.eq_any(operations));
        }
        if !query.actors.is_empty() {
            let actors: Vec<String> = query.actors.iter().map(ToString::to_string).collect();
            q = q.filter(changes::actor_id.eq_any(actors));
        }
        if let Some(at) = query.changed_at_gte {
            q = q.filter(changes::changed_at.ge(at.naive_utc()));
        }
        if let Some(at) = query.changed_at_lt {
            q = q.filter(changes::changed_at.lt(at.naive_utc()));
        }
        q
    };
    let total = if query.with_total {
        let n: i64 = filtered().count().get_result(conn).map_err(from_diesel)?;
        Some(to_u64(n))
    } else {
        None
    };
    let page = &query.page;
    let (after, before) = query.bounds();
    let mut rows = filtered();
    if let Some(after) = after {
        rows = rows.filter(changes::sequence.gt(to_i64(after)));
    }
    if let Some(before) = before {
        rows = rows.filter(changes::sequence.lt(to_i64(before)));
    }
    let backwards = page.keyset.as_ref().is_some_and(|k| k.is_backwards());
    rows = if backwards {
        rows.order(changes::sequence.desc())
    } else {
        rows.order(changes::sequence.asc())
    };
    let mut loaded: Vec<ChangeRow> = rows
        .limit(to_i64(page.rows_to_read(total.is_some())))
        .offset(to_i64(page.offset()))
        .select(ChangeRow::as_select())
        .load(conn)
        .map_err(from_diesel)?;
    if page.keyset.is_some() {
        query.check_not_pruned(state(conn).map_err(from_diesel)?)?;
    }
    let (has_next, has_previous) = page.settle(&mut loaded, total);
    Ok(Page {
        items: loaded
            .into_iter()
            .map(Change::try_from)
            .collect::<Result<_>>()?,
        total,
        has_next,
        has_previous,
    })
}

/// Deletes up to `limit` of the oldest entries changed before `before`, and moves the
/// pruning mark past them, in one transaction.
pub fn prune(
    conn: &mut AnyConnection,
    before: orgbase_domain::time::Timestamp,
    limit: u64,
) -> Result<u64> {
    conn.transaction::<_, TxError, _>(|conn| {
        let doomed: Vec<i64> = changes::table
            .filter(changes::changed_at.lt(before.naive_utc()))
            .order(changes::sequence.asc())
            .limit(to_i64(limit))
            .select(changes::sequence)
            .load(conn)?;
        let Some(last) = doomed.last().copied() else {
            return Ok(0);
        };
        let deleted = diesel::delete(changes::table.filter(changes::sequence.eq_any(&doomed)))
            .execute(conn)?;
        // Only ever forward: a concurrent prune may have moved it further.
        diesel::update(
            change_log::table
                .find(1)
                .filter(change_log::pruned_through.lt(last)),
        )
        .set(change_log::pruned_through.eq(last))
        .execute(conn)?;
        Ok(deleted as u64)
    })
    .map_err(Error::from)
}
