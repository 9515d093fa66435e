//! The exact total of a list bounded by one time, counted from the side the bound excludes.
//!
//! The sync query (`filter[updated_at][gt]=<last sync>`) selects nearly every organization:
//! counting its 945,000 matches in the `(updated_at, id)` index costs 60–90 ms at 1,000,000
//! rows on either backend, on every page. The listed organizations are known in O(1) (the
//! trigger-kept counts), and the few the bound excludes are one short range of the same
//! index, so the total is the one less the other: a few thousand entries instead of a
//! million. Which side is smaller is guessed from where the bound falls between the oldest
//! and newest time (two index ends); a wrong guess costs what counting the matches costs.
//! Both counts are read in one snapshot, so a write between them cannot skew the total.

use chrono::NaiveDateTime;
use diesel::dsl::{max, min};
use diesel::prelude::*;
use orgbase_domain::{Condition, Error, Field, Filter, ListQuery, Operand};

use super::conditions::filtered;
use super::counted;
use super::sql::Dialect;
use crate::connection::AnyConnection;
use crate::errors::from_diesel;
use crate::schema::organizations;

/// The query's total counted as "listed less excluded", or `None` when the query is not a
/// single bound on `created_at` or `updated_at` (both non-null, so the excluded rows are
/// exactly those meeting the opposite bound), or when the matches look like the smaller side.
pub fn count(conn: &mut AnyConnection, query: &ListQuery) -> Result<Option<i64>, Error> {
    let ([filter], None) = (query.filters.as_slice(), &query.search) else {
        return Ok(None);
    };
    let Some(bound) = Bound::of(filter) else {
        return Ok(None);
    };
    let dialect = Dialect::of(conn);
    let excluded = filtered(
        &ListQuery {
            filters: vec![bound.opposite],
            ..query.clone()
        },
        dialect,
    )?;
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        if dialect == Dialect::Postgres {
            // READ COMMITTED would give each statement its own snapshot.
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(conn)?;
        }
        // One statement each: SQLite reads a lone min() or max() off the index's end, but
        // scans the whole index for both in one SELECT (90 ms at 1,000,000 rows).
        macro_rules! ends {
            ($column:expr) => {
                (
                    organizations::table.select(min($column)).get_result(conn)?,
                    organizations::table.select(max($column)).get_result(conn)?,
                )
            };
        }
        let (oldest, newest): (Option<NaiveDateTime>, Option<NaiveDateTime>) = match filter.field {
            Field::CreatedAt => ends!(organizations::created_at),
            _ => ends!(organizations::updated_at),
        };
        let (Some(oldest), Some(newest)) = (oldest, newest) else {
            return Ok(None);
        };
        let span = (newest - oldest).num_milliseconds().max(1);
        let later = (newest - bound.at).num_milliseconds().clamp(0, span);
        let matched = if bound.matches_later {
            later
        } else {
            span - later
        };
        if matched * 2 <= span {
            return Ok(None);
        }
        let listed = counted(conn, query.archived)?;
        let excluded: i64 = excluded.count().get_result(conn)?;
        Ok(Some(listed - excluded))
    })
    .map_err(from_diesel)
}

/// A filter bounding a non-null time on one side.
struct Bound {
    at: NaiveDateTime,
    /// Whether the filter keeps the times after the bound (`gt`, `gte`).
    matches_later: bool,
    /// The filter keeping exactly the rows this one does not.
    opposite: Filter,
}

impl Bound {
    fn of(filter: &Filter) -> Option<Self> {
        if !matches!(filter.field, Field::CreatedAt | Field::UpdatedAt) {
            return None;
        }
        let (opposite, operand, matches_later) = match &filter.condition {
            Condition::Gt(o) => (Condition::Lte(o.clone()), o, true),
            Condition::Gte(o) => (Condition::Lt(o.clone()), o, true),
            Condition::Lt(o) => (Condition::Gte(o.clone()), o, false),
            Condition::Lte(o) => (Condition::Gt(o.clone()), o, false),
            _ => return None,
        };
        let Operand::DateTime(at) = operand else {
            return None;
        };
        Some(Self {
            at: at.naive_utc(),
            matches_later,
            opposite: Filter {
                field: filter.field,
                condition: opposite,
            },
        })
    }
}
