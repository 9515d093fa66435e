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
use orgbase_domain::{Condition, Error, Field, ListQuery, Operand};

use crate::connection::AnyConnection;
use crate::organizations::row::OrganizationRow;

mod complement;
mod conditions;
mod custom;
mod keyset;
mod order;
mod split;
pub(crate) mod sql;

use sql::Dialect;

use conditions::{Membership, conditions, every_row_holds, filtered, filtered_by};
use order::{order_terms, sorted};

/// One page of the query's rows: `limit` rows from `offset` in its order, within the page's
/// keyset bounds if it has them; read backwards (last row first) when it pages backwards.
pub fn page(
    conn: &mut AnyConnection,
    query: &ListQuery,
    limit: i64,
    offset: i64,
) -> Result<Vec<OrganizationRow>, Error> {
    match split::by_first_nullable_key(query) {
        Some(parts) => parts.page(conn, limit, offset),
        None => planned_page(conn, query, limit, offset),
    }
}

/// [`page`] by one plan: the custom field join, or `organizations` alone.
fn planned_page(
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
    let membership = membership(conn, query, dialect, joined.is_some())?;
    let along = match joined {
        None => along_order(conn, query, dialect, limit.saturating_add(offset))?,
        Some(_) => None,
    };
    let mut conditions = conditions(query, skip, dialect, membership, along)?;
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
            custom::sorted(rows, excludes_missing, query, key, reversed, |k, r| {
                order_terms(k, r, every_row_holds(query, k.field))
            })
            .limit(limit)
            .offset(offset)
            .select(OrganizationRow::as_select())
            .load(conn)
        }
    };
    loaded.map_err(crate::errors::from_diesel)
}

/// The field whose index SQLite should walk for the page, testing the filters row by row,
/// instead of letting a filter's index find every match and then sorting them all: for an
/// order the filter indexes do not carry (name, update time, company size, id) when the
/// matches are dense. Walking finds the page after about `rows × listed / matches` rows,
/// sorting costs the matches, so the walk wins once the matches number at least
/// `√(rows × listed)` (about 10,000 for a page of 100 of 1,000,000): one index probe of the
/// filters at that depth says so. SQLite alone needs telling; PostgreSQL weighs the two plans
/// by its statistics, and its choices measured right (`EXPLAIN ANALYZE`: 5.7 ms walking the
/// size index for one country in seven, 101 ms → 7.8 ms for one city in fifty).
fn along_order(
    conn: &mut AnyConnection,
    query: &ListQuery,
    dialect: Dialect,
    rows: i64,
) -> Result<Option<Field>, Error> {
    let Some(first) = query.sort.first().map(|k| k.field) else {
        return Ok(None);
    };
    let walkable = match first {
        Field::Name | Field::UpdatedAt | Field::Id => true,
        // Only the holders of a size are in its index's order ([`split`] reads them apart).
        Field::CompanySize => every_row_holds(query, first),
        _ => false,
    };
    // A filter with an index of its own, which SQLite would otherwise pick.
    let indexed = |f: &orgbase_domain::Filter| {
        f.field != first
            && matches!(
                f.field,
                Field::Country
                    | Field::City
                    | Field::Industry
                    | Field::Owner
                    | Field::Name
                    | Field::CreatedAt
                    | Field::UpdatedAt
                    | Field::CompanySize
                    | Field::Id
            )
    };
    if dialect != Dialect::Sqlite
        || !walkable
        || query.search.is_some()
        || !query.filters.iter().any(indexed)
    {
        return Ok(None);
    }
    let listed = counted(conn, query.archived).map_err(crate::errors::from_diesel)?;
    let needed = rows.saturating_mul(listed).isqrt().max(1);
    let scalar = ListQuery {
        filters: query
            .filters
            .iter()
            .filter(|f| f.field.kind() != orgbase_domain::query::FieldKind::Set)
            .cloned()
            .collect(),
        ..query.clone()
    };
    let reached: Vec<i32> = filtered(&scalar, dialect)?
        .select(diesel::dsl::sql::<diesel::sql_types::Integer>("1"))
        .offset(needed - 1)
        .limit(1)
        .load(conn)
        .map_err(crate::errors::from_diesel)?;
    Ok((!reached.is_empty()).then_some(first))
}

/// How a page writes its membership filters: probed per row while walking the order's index
/// when that index exists and the members are dense enough that the page is found within a
/// few thousand probes (1 in 50 of the listed organizations, or more, for every such
/// filter), else as a subquery. Only SQLite needs telling; PostgreSQL chooses by cost.
fn membership(
    conn: &mut AnyConnection,
    query: &ListQuery,
    dialect: Dialect,
    joined: bool,
) -> Result<Membership, Error> {
    use crate::schema::{organization_domains as d, organization_lists as l};
    let indexed_order = matches!(
        query.sort.first().map(|k| k.field),
        Some(Field::Name | Field::CreatedAt | Field::UpdatedAt | Field::Id)
    );
    let members: Vec<&orgbase_domain::Filter> = query
        .filters
        .iter()
        .filter(|f| matches!(f.field, Field::Lists | Field::Domains))
        .filter(|f| matches!(f.condition, Condition::Eq(_) | Condition::In(_)))
        .collect();
    if dialect != Dialect::Sqlite || joined || !indexed_order || members.is_empty() {
        return Ok(Membership::Subquery);
    }
    let listed = counted(conn, query.archived).map_err(crate::errors::from_diesel)?;
    for filter in members {
        let keys: Vec<String> = match &filter.condition {
            Condition::Eq(Operand::Text(t)) => vec![t.clone()],
            Condition::In(os) => os
                .iter()
                .filter_map(|o| match o {
                    Operand::Text(t) => Some(t.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        // Index range counts, a few milliseconds even for 50,000 members.
        let holding: i64 = match filter.field {
            Field::Lists => l::table
                .filter(l::list_key.eq_any(keys))
                .count()
                .get_result(conn),
            _ => d::table
                .filter(d::domain.eq_any(keys))
                .count()
                .get_result(conn),
        }
        .map_err(crate::errors::from_diesel)?;
        if holding.saturating_mul(50) < listed {
            return Ok(Membership::Subquery);
        }
    }
    Ok(Membership::Probe)
}

/// How many rows the query selects, by the same plan as [`page`].
pub fn count(conn: &mut AnyConnection, query: &ListQuery) -> Result<i64, Error> {
    if let Some(total) = complement::count(conn, query)? {
        return Ok(total);
    }
    let counted = match custom::joined_key(query) {
        None => filtered(query, Dialect::of(conn))?.count().get_result(conn),
        Some(key) => match custom::values_alone(query, key)? {
            Some(values) => values.count().get_result(conn),
            None => {
                let conditions = conditions(
                    query,
                    Some(Field::Custom(key)),
                    Dialect::of(conn),
                    Membership::Subquery,
                    None,
                )?;
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
