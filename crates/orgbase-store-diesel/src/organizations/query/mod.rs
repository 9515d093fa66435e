//! [`ListQuery`] in SQL, and the choice of plan for it.
//!
//! Each filter becomes a boxed condition ([`conditions`], or [`custom`] for custom fields),
//! each sort key one or two ORDER BY terms ([`order`]). The semantics are the domain's
//! reference ones (`orgbase_domain::query`): text folded with `lower()` (ASCII, as in the
//! reference) or through the stored `name_key`, `ne` including nulls, ordered comparisons
//! excluding them, and nulls sorted last both ways. The plan: a query sorted by (or needing a
//! value of) one custom field joins that field's values; any other reads `organizations`
//! alone; an unfiltered total comes from the trigger-kept counts.

use diesel::prelude::*;
use orgbase_domain::{Error, Field, ListQuery};

use crate::connection::AnyConnection;
use crate::organizations::row::OrganizationRow;

mod conditions;
mod custom;
mod keyset;
mod order;
pub(crate) mod sql;

use sql::Dialect;

use conditions::{conditions, filtered, filtered_by};
use order::{order_terms, sorted};

/// One page of the query's rows: `limit` rows from `offset` in its order, within the page's
/// keyset bounds if it has them; read backwards (last row first) when it pages backwards.
pub fn page(
    conn: &mut AnyConnection,
    query: &ListQuery,
    limit: i64,
    offset: i64,
) -> Result<Vec<OrganizationRow>, Error> {
    let keyset = query.page.keyset.as_ref();
    let reversed = keyset.is_some_and(|k| k.is_backwards());
    let joined = custom::joined_key(query);
    let bounds = match keyset {
        Some(keyset) => keyset::bounds(query, keyset, joined)?,
        None => None,
    };
    // The bounds come first: when a filter bounds the same column (the sync query's
    // `updated_at > date` beside the cursor's `updated_at >= value`), SQLite starts the index
    // range at the first such term it meets; the cursor's is the narrower one (180 ms against
    // 6 ms, 900,000 rows deep). PostgreSQL keeps the tighter bound either way.
    let dialect = Dialect::of(conn);
    let skip = joined.map(Field::Custom);
    let mut conditions = conditions(query, skip, dialect)?;
    if let Some(bounds) = bounds {
        conditions.insert(0, bounds);
    }
    let loaded = match joined {
        None => sorted(filtered_by(conditions), query, reversed)
            .limit(limit)
            .offset(offset)
            .select(OrganizationRow::as_select())
            .load(conn),
        Some(key) => {
            let (rows, excludes_missing) = custom::joined(query, key, conditions)?;
            custom::sorted(rows, excludes_missing, query, key, reversed, order_terms)
                .limit(limit)
                .offset(offset)
                .select(OrganizationRow::as_select())
                .load(conn)
        }
    };
    loaded.map_err(crate::errors::from_diesel)
}

/// How many rows the query selects, by the same plan as [`page`].
pub fn count(conn: &mut AnyConnection, query: &ListQuery) -> Result<i64, Error> {
    let counted = match custom::joined_key(query) {
        None => filtered(query, Dialect::of(conn))?.count().get_result(conn),
        Some(key) => match custom::values_alone(query, key)? {
            Some(values) => values.count().get_result(conn),
            None => {
                let conditions = conditions(query, Some(Field::Custom(key)), Dialect::of(conn))?;
                let (rows, _) = custom::joined(query, key, conditions)?;
                rows.select(diesel::dsl::count_star()).get_result(conn)
            }
        },
    };
    counted.map_err(crate::errors::from_diesel)
}

/// The total for a query without filters or search: the trigger-kept counts, summed.
pub fn counted(
    conn: &mut AnyConnection,
    archived: orgbase_domain::ArchivedFilter,
) -> QueryResult<i64> {
    use crate::schema::organization_counts as c;
    use orgbase_domain::ArchivedFilter;
    let states = match archived {
        ArchivedFilter::Exclude => vec![false],
        ArchivedFilter::Only => vec![true],
        ArchivedFilter::Any => vec![false, true],
    };
    let stripes: Vec<i64> = c::table
        .filter(c::archived.eq_any(states))
        .select(c::total)
        .load(conn)?;
    Ok(stripes.into_iter().sum())
}
