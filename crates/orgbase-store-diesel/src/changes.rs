//! The change log in SQL: the `changes` table, the one-row `change_log`, and record versions.
//!
//! The feed shows numbered entries only, in `sequence` order, and an entry must never be
//! numbered below one a reader may already have passed. How each backend numbers:
//!
//! - **SQLite** has one writer at a time, holding the write lock until it commits, so a
//!   writer numbers its own entries from `change_log.last_sequence`: nobody can commit a
//!   lower number after it.
//! - **PostgreSQL** writers commit concurrently, and numbering inside the write would force
//!   them to commit one after another (the counter's row lock held to commit; measured: creates
//!   and patches fell to 35–55 % of their rate). So a writer inserts its entries unnumbered,
//!   and [`number_pending`] numbers them after they commit: one numbering transaction at a
//!   time (an advisory lock), each numbering every unnumbered entry its snapshot sees — the
//!   committed ones, in insertion order — above every number given before. An entry whose
//!   transaction commits later is numbered by a later round, higher, so nothing can appear
//!   below a reader's cursor. Readers number before they read: the feed shows every write
//!   committed before the read.
//!
//! Record versions (ETags) come from `record_versions` (PostgreSQL, no lock; entry ids come
//! from it too) or the same counter (SQLite): they only grow, so a version never repeats for
//! an id. A write that changes one record numbers its entry (SQLite) or ids it (PostgreSQL)
//! with the record's new version: one counter update or one INSERT instead of two.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use orgbase_domain::change::{Change, ChangeEntry, ChangeQuery, LogState, Operation};
use orgbase_domain::{Error, Page, ResourceType, Result, UserId};

use crate::columns::utc;
use crate::connection::{AnyConnection, insert_many, on_inner};
use crate::errors::{TxError, from_diesel};
use crate::schema::{change_log, changes};

/// Numbering runs one transaction at a time, under this advisory lock.
const NUMBERING_LOCK_KEY: i64 = 0x006f_7267_6368_616e; // "orgchan"

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = changes)]
struct ChangeRow {
    sequence: Option<i64>,
    operation: String,
    resource_type: String,
    resource_id: String,
    changed_at: NaiveDateTime,
    actor_id: Option<String>,
    /// The entry's `changes` object, as JSON.
    diff: String,
}

/// An entry as SQLite stores it: numbered by its writer.
#[derive(Debug, Insertable)]
#[diesel(table_name = changes, treat_none_as_default_value = false)]
struct NumberedRow {
    id: i64,
    sequence: Option<i64>,
    #[diesel(embed)]
    entry: PendingRow,
}

/// An entry as PostgreSQL stores it: `id` by default, `sequence` later.
#[derive(Debug, Insertable)]
#[diesel(table_name = changes, treat_none_as_default_value = false)]
struct PendingRow {
    operation: String,
    resource_type: String,
    resource_id: String,
    changed_at: NaiveDateTime,
    actor_id: Option<String>,
    diff: String,
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl From<&ChangeEntry> for PendingRow {
    fn from(e: &ChangeEntry) -> Self {
        Self {
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
        let sequence = row.sequence.unwrap_or(0);
        let corrupt =
            |what: &str| Error::Backend(format!("change {sequence} has an unreadable {what}"));
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
            sequence: to_u64(sequence),
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

/// Raises SQLite's counter by `count`; returns the first of the `count` numbers. The write
/// lock the UPDATE takes is held to commit, as every SQLite writer's is.
fn allocate(conn: &mut AnyConnection, count: u64) -> QueryResult<u64> {
    let last: i64 = on_inner!(conn, |c| diesel::update(change_log::table.find(1))
        .set(change_log::last_sequence.eq(change_log::last_sequence + to_i64(count)))
        .returning(change_log::last_sequence)
        .get_result(c))?;
    Ok(to_u64(last) + 1 - count)
}

/// SQLite: takes the database's write lock now, for the rest of the transaction, by a write
/// that changes nothing (the counter every writer updates anyway).
pub fn hold_sqlite_write_lock(conn: &mut AnyConnection) -> QueryResult<()> {
    allocate(conn, 0).map(drop)
}

/// A new version for the records a write changes.
pub fn version(conn: &mut AnyConnection) -> QueryResult<u64> {
    #[derive(QueryableByName)]
    struct Next {
        #[diesel(sql_type = BigInt)]
        version: i64,
    }
    match conn {
        AnyConnection::Postgresql(pg) => {
            let next: Next =
                diesel::sql_query("SELECT nextval('record_versions') AS version").get_result(pg)?;
            Ok(to_u64(next.version))
        }
        AnyConnection::Sqlite(_) => allocate(conn, 1),
    }
}

/// SQLite's numbered rows, inserted by plain multi-row INSERTs (a COPY cannot fill an
/// embedded row, and SQLite has none).
fn insert_numbered(conn: &mut AnyConnection, rows: &[NumberedRow]) -> QueryResult<()> {
    for chunk in rows.chunks(crate::connection::INSERT_CHUNK) {
        on_inner!(&mut *conn, |c| diesel::insert_into(changes::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

fn numbered(entry: &ChangeEntry, sequence: u64) -> NumberedRow {
    NumberedRow {
        id: to_i64(sequence),
        sequence: Some(to_i64(sequence)),
        entry: PendingRow::from(entry),
    }
}

/// Appends a write's entries, in order.
pub fn append_all(conn: &mut AnyConnection, entries: &[ChangeEntry]) -> QueryResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    if matches!(conn, AnyConnection::Postgresql(_)) {
        let rows: Vec<PendingRow> = entries.iter().map(PendingRow::from).collect();
        return insert_many!(&mut *conn, changes::table, &rows);
    }
    let first = allocate(conn, entries.len() as u64)?;
    let rows: Vec<NumberedRow> = entries
        .iter()
        .zip(first..)
        .map(|(entry, sequence)| numbered(entry, sequence))
        .collect();
    insert_numbered(conn, &rows)
}

/// Appends the one entry of a write that changed one record, whose new `version` this
/// transaction took from [`version`]. SQLite numbers the entry with that same number, which
/// saves the counter a second update: it was taken under the write lock this transaction
/// holds to commit, so it is still above every committed sequence.
pub fn append_versioned(
    conn: &mut AnyConnection,
    entry: &ChangeEntry,
    version: u64,
) -> QueryResult<()> {
    if matches!(conn, AnyConnection::Postgresql(_)) {
        return append_all(conn, std::slice::from_ref(entry));
    }
    insert_numbered(conn, &[numbered(entry, version)])
}

/// The new version of a changed record, with its entry appended (none when nothing the log
/// shows changed). On PostgreSQL the entry's own id is the version: the two share the
/// `record_versions` sequence, so one INSERT … RETURNING takes both.
pub fn record(
    conn: &mut AnyConnection,
    entry: Option<ChangeEntry>,
) -> std::result::Result<u64, TxError> {
    let Some(entry) = entry else {
        return Ok(version(conn)?);
    };
    if let AnyConnection::Postgresql(pg) = conn {
        let id: i64 = diesel::insert_into(changes::table)
            .values(PendingRow::from(&entry))
            .returning(changes::id)
            .get_result(pg)?;
        return Ok(to_u64(id));
    }
    let version = version(conn)?;
    append_versioned(conn, &entry, version)?;
    Ok(version)
}

/// PostgreSQL: numbers, in one transaction under the numbering lock, every committed entry
/// not numbered yet, in insertion order (which keeps a record's entries in the order its
/// row lock ordered its writes). SQLite numbers at insert: nothing to do.
pub fn number_pending(conn: &mut AnyConnection) -> QueryResult<()> {
    let AnyConnection::Postgresql(pg) = conn else {
        return Ok(());
    };
    pg.transaction(|pg| {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({NUMBERING_LOCK_KEY})"))
            .execute(pg)?;
        // A statement of its own after the lock, so its snapshot sees the previous numbering.
        let numbered = diesel::sql_query(
            "WITH pending AS ( \
                 SELECT id, row_number() OVER (ORDER BY id) AS n FROM changes \
                 WHERE sequence IS NULL \
             ) \
             UPDATE changes SET sequence = (SELECT last_sequence FROM change_log WHERE id = 1) + pending.n \
             FROM pending WHERE changes.id = pending.id",
        )
        .execute(pg)?;
        if numbered > 0 {
            diesel::sql_query(
                "UPDATE change_log SET last_sequence = last_sequence + $1 WHERE id = 1",
            )
            .bind::<BigInt, _>(i64::try_from(numbered).unwrap_or(i64::MAX))
            .execute(pg)?;
        }
        Ok(())
    })
}

/// The newest sequence given and the pruning mark, after numbering what has ended.
pub fn state(conn: &mut AnyConnection) -> QueryResult<LogState> {
    number_pending(conn)?;
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
    number_pending(conn).map_err(from_diesel)?;
    let filtered = || {
        let mut q = changes::table
            .filter(changes::sequence.is_not_null())
            .into_boxed();
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
        let (latest, pruned_through): (i64, i64) = change_log::table
            .find(1)
            .select((change_log::last_sequence, change_log::pruned_through))
            .get_result(conn)
            .map_err(from_diesel)?;
        query.check_not_pruned(LogState {
            latest: to_u64(latest),
            pruned_through: to_u64(pruned_through),
        })?;
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
        let doomed: Vec<Option<i64>> = changes::table
            .filter(changes::sequence.is_not_null())
            .filter(changes::changed_at.lt(before.naive_utc()))
            .order(changes::sequence.asc())
            .limit(to_i64(limit))
            .select(changes::sequence)
            .load(conn)?;
        let doomed: Vec<i64> = doomed.into_iter().flatten().collect();
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
