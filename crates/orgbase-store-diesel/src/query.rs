//! [`ListQuery`] in SQL: each filter becomes a boxed condition, each sort key one or two
//! ORDER BY terms. The semantics are the domain's reference ones (`orgbase_domain::query`):
//! text folded with `lower()` (ASCII, as in the reference) or through the stored `name_key`,
//! `ne` including nulls, ordered comparisons excluding them, and nulls sorted last both ways.

use diesel::dsl::not;
use diesel::expression::expression_types::NotSelectable;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};
use orgbase_domain::{Condition, Error, Field, Filter, ListQuery, Operand, SortDirection, SortKey};

use crate::connection::AnyConnection;
use crate::custom_query;
use crate::row::OrganizationRow;
use crate::schema::{organization_domains, organization_lists, organizations};

pub type Backend = <AnyConnection as Connection>::Backend;
pub type BoxedOrganizations = organizations::BoxedQuery<'static, Backend>;
pub type BoxedCondition =
    Box<dyn BoxableExpression<organizations::table, Backend, SqlType = Nullable<Bool>>>;
pub type BoxedOrder =
    Box<dyn BoxableExpression<organizations::table, Backend, SqlType = NotSelectable>>;

diesel::define_sql_function!(fn lower(x: Nullable<Text>) -> Nullable<Text>);

pub fn mismatch(filter: &Filter) -> Error {
    Error::Backend(format!("operand does not fit the field in {filter:?}"))
}

/// `%`, `_` and `\` match themselves in a LIKE pattern escaped with `\`.
pub fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn text(operand: &Operand) -> Option<String> {
    match operand {
        Operand::Text(t) => Some(t.clone()),
        _ => None,
    }
}

fn integer(operand: &Operand) -> Option<i64> {
    match operand {
        Operand::Integer(n) => Some(*n),
        _ => None,
    }
}

fn datetime(operand: &Operand) -> Option<chrono::NaiveDateTime> {
    match operand {
        Operand::DateTime(t) => Some(t.naive_utc()),
        _ => None,
    }
}

fn id(operand: &Operand) -> Option<String> {
    match operand {
        Operand::Id(id) => Some(id.hyphenated().to_string()),
        _ => None,
    }
}

/// One condition on a scalar column. `$value` is the compared (nullable) expression, `$null`
/// the column's IS NULL, `$convert` turns an operand into the column's Rust type.
macro_rules! scalar_condition {
    ($filter:expr, $value:expr, $null:expr, $convert:expr, like: $like:tt) => {{
        let filter: &Filter = $filter;
        let convert = |o: &Operand| $convert(o).ok_or_else(|| mismatch(filter));
        let condition: BoxedCondition = match &filter.condition {
            Condition::Eq(o) => Box::new($value.eq(convert(o)?)),
            // Nulls are "not equal" too, as in the reference semantics.
            Condition::Ne(o) => Box::new($null.nullable().or($value.ne(convert(o)?))),
            Condition::In(os) => Box::new($value.eq_any(os.iter().map(convert).collect::<Result<Vec<_>, _>>()?)),
            Condition::Gt(o) => Box::new($value.gt(convert(o)?)),
            Condition::Gte(o) => Box::new($value.ge(convert(o)?)),
            Condition::Lt(o) => Box::new($value.lt(convert(o)?)),
            Condition::Lte(o) => Box::new($value.le(convert(o)?)),
            Condition::Null(true) => Box::new($null.nullable()),
            Condition::Null(false) => Box::new(not($null).nullable()),
            Condition::Contains(s) => scalar_condition!(@like $like, $value, format!("%{}%", like_escaped(s)), filter),
            Condition::StartsWith(s) => scalar_condition!(@like $like, $value, format!("{}%", like_escaped(s)), filter),
        };
        condition
    }};
    (@like true, $value:expr, $pattern:expr, $filter:expr) => {
        Box::new($value.like($pattern).escape('\\'))
    };
    (@like false, $value:expr, $pattern:expr, $filter:expr) => {{
        // Only text columns take patterns; the HTTP parser never builds one for others.
        let _ = $pattern;
        return Err(mismatch($filter));
    }};
}

/// Folded text of a column, as the reference semantics compare it.
macro_rules! folded {
    ($column:expr) => {
        lower($column.nullable())
    };
}

/// Membership in a side table (`lists`, `domains`), as `id IN (SELECT …)`: its cost is
/// bounded by the number of members. (A correlated EXISTS lets SQLite walk a sort index and
/// probe per row, which wins only when the sort is indexed and members are dense; for counts
/// and other sorts it probes every row, and SQLite does not choose between the two by cost.)
macro_rules! set_condition {
    ($filter:expr, $table:ident, $key:ident) => {{
        let filter: &Filter = $filter;
        let holders = |keys: Vec<String>| {
            organizations::id.eq_any(
                $table::table
                    .filter($table::$key.eq_any(keys))
                    .select($table::organization_id),
            )
        };
        let one = |o: &Operand| text(o).ok_or_else(|| mismatch(filter));
        let condition: BoxedCondition = match &filter.condition {
            Condition::Eq(o) => Box::new(holders(vec![one(o)?]).nullable()),
            Condition::Ne(o) => Box::new(not(holders(vec![one(o)?])).nullable()),
            Condition::In(os) => {
                Box::new(holders(os.iter().map(one).collect::<Result<_, _>>()?).nullable())
            }
            _ => return Err(mismatch(filter)),
        };
        condition
    }};
}

fn condition(
    filter: &Filter,
    archived: orgbase_domain::ArchivedFilter,
) -> Result<BoxedCondition, Error> {
    use organizations::dsl as o;
    Ok(match filter.field {
        Field::Id => scalar_condition!(filter, o::id.nullable(), o::id.is_null(), id, like: false),
        Field::Name => {
            scalar_condition!(filter, o::name_key.nullable(), o::name_key.is_null(), text, like: true)
        }
        Field::Status => {
            scalar_condition!(filter, o::status.nullable(), o::status.is_null(), text, like: false)
        }
        Field::Slug => {
            scalar_condition!(filter, folded!(o::slug), o::slug.is_null(), text, like: true)
        }
        Field::CreatedFrom => {
            scalar_condition!(filter, folded!(o::created_from), o::created_from.is_null(), text, like: true)
        }
        Field::OrganizationType => {
            scalar_condition!(filter, folded!(o::organization_type), o::organization_type.is_null(), text, like: true)
        }
        Field::Description => {
            scalar_condition!(filter, folded!(o::description), o::description.is_null(), text, like: true)
        }
        Field::Website => {
            scalar_condition!(filter, folded!(o::website), o::website.is_null(), text, like: true)
        }
        Field::Email => {
            scalar_condition!(filter, folded!(o::email), o::email.is_null(), text, like: true)
        }
        Field::Phone => {
            scalar_condition!(filter, folded!(o::phone), o::phone.is_null(), text, like: true)
        }
        Field::Address => {
            scalar_condition!(filter, folded!(o::address), o::address.is_null(), text, like: true)
        }
        Field::City => {
            scalar_condition!(filter, folded!(o::city), o::city.is_null(), text, like: true)
        }
        Field::State => {
            scalar_condition!(filter, folded!(o::state), o::state.is_null(), text, like: true)
        }
        Field::Country => {
            scalar_condition!(filter, folded!(o::country), o::country.is_null(), text, like: true)
        }
        Field::Industry => {
            scalar_condition!(filter, folded!(o::industry), o::industry.is_null(), text, like: true)
        }
        Field::CompanySize => {
            scalar_condition!(filter, o::company_size, o::company_size.is_null(), integer, like: false)
        }
        Field::LastContactAt => {
            scalar_condition!(filter, o::last_contact_at, o::last_contact_at.is_null(), datetime, like: false)
        }
        Field::ArchivedAt => {
            scalar_condition!(filter, o::archived_at, o::archived_at.is_null(), datetime, like: false)
        }
        Field::CreatedAt => {
            scalar_condition!(filter, o::created_at.nullable(), o::created_at.is_null(), datetime, like: false)
        }
        Field::UpdatedAt => {
            scalar_condition!(filter, o::updated_at.nullable(), o::updated_at.is_null(), datetime, like: false)
        }
        Field::Owner => {
            scalar_condition!(filter, o::owner_id, o::owner_id.is_null(), id, like: false)
        }
        Field::Lists => set_condition!(filter, organization_lists, list_key),
        Field::Domains => set_condition!(filter, organization_domains, domain),
        Field::Custom(key) => custom_query::condition(filter, key, archived)?,
    })
}

/// `filter[q]`: any searched field contains the text.
fn search(text: &str) -> BoxedCondition {
    use organizations::dsl as o;
    let unicode = format!("%{}%", like_escaped(&Field::Name.fold(text)));
    let ascii = format!("%{}%", like_escaped(&Field::Website.fold(text)));
    let in_domains = o::id.eq_any(
        organization_domains::table
            .filter(
                organization_domains::domain
                    .like(unicode.clone())
                    .escape('\\'),
            )
            .select(organization_domains::organization_id),
    );
    Box::new(
        o::name_key
            .nullable()
            .like(unicode)
            .escape('\\')
            .or(folded!(o::website).like(ascii.clone()).escape('\\'))
            .or(folded!(o::email).like(ascii.clone()).escape('\\'))
            .or(folded!(o::description).like(ascii).escape('\\'))
            .or(in_domains.nullable()),
    )
}

/// The conditions selecting a query's rows, except filters on `skip` (written elsewhere).
fn conditions(query: &ListQuery, skip: Option<Field>) -> Result<Vec<BoxedCondition>, Error> {
    use orgbase_domain::ArchivedFilter;
    let mut conditions: Vec<BoxedCondition> = Vec::new();
    match query.archived {
        ArchivedFilter::Exclude => {
            conditions.push(Box::new(organizations::archived_at.is_null().nullable()))
        }
        ArchivedFilter::Only => conditions.push(Box::new(
            organizations::archived_at.is_not_null().nullable(),
        )),
        ArchivedFilter::Any => {}
    }
    for filter in query.filters.iter().filter(|f| Some(f.field) != skip) {
        conditions.push(condition(filter, query.archived)?);
    }
    if let Some(text) = &query.search {
        conditions.push(search(text));
    }
    Ok(conditions)
}

/// The rows a query selects, before ordering and paging.
pub fn filtered(query: &ListQuery) -> Result<BoxedOrganizations, Error> {
    let mut rows = organizations::table.into_boxed();
    for condition in conditions(query, None)? {
        rows = rows.filter(condition);
    }
    Ok(rows)
}

/// One page of the query's rows, in its order.
pub fn page(
    conn: &mut AnyConnection,
    query: &ListQuery,
    limit: i64,
    offset: i64,
) -> Result<Vec<OrganizationRow>, Error> {
    let loaded = match custom_query::joined_key(query) {
        None => sorted(filtered(query)?, query)
            .limit(limit)
            .offset(offset)
            .select(OrganizationRow::as_select())
            .load(conn),
        Some(key) => {
            let conditions = conditions(query, Some(Field::Custom(key)))?;
            let (rows, excludes_missing) = custom_query::joined(query, key, conditions)?;
            custom_query::sorted(rows, excludes_missing, query, key, order_terms)
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
    let counted = match custom_query::joined_key(query) {
        None => filtered(query)?.count().get_result(conn),
        Some(key) => match custom_query::values_alone(query, key)? {
            Some(values) => values.count().get_result(conn),
            None => {
                let conditions = conditions(query, Some(Field::Custom(key)))?;
                let (rows, _) = custom_query::joined(query, key, conditions)?;
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

/// ORDER BY terms for one key: nullable fields first order by "is null" so nulls come last
/// in both directions.
fn order_terms(key: &SortKey) -> Vec<BoxedOrder> {
    use organizations::dsl as o;
    let ascending = key.direction == SortDirection::Ascending;
    macro_rules! by {
        ($e:expr) => {
            if ascending {
                Box::new($e.asc()) as BoxedOrder
            } else {
                Box::new($e.desc()) as BoxedOrder
            }
        };
    }
    macro_rules! nulls_last {
        ($column:expr, $value:expr) => {
            vec![Box::new($column.is_null().asc()) as BoxedOrder, by!($value)]
        };
    }
    match key.field {
        Field::Id => vec![by!(o::id)],
        Field::Name => vec![by!(o::name_key)],
        Field::Status => vec![by!(o::status)],
        Field::Slug => vec![by!(folded!(o::slug))],
        Field::CreatedFrom => vec![by!(folded!(o::created_from))],
        Field::CreatedAt => vec![by!(o::created_at)],
        Field::UpdatedAt => vec![by!(o::updated_at)],
        Field::OrganizationType => nulls_last!(o::organization_type, folded!(o::organization_type)),
        Field::Description => nulls_last!(o::description, folded!(o::description)),
        Field::Website => nulls_last!(o::website, folded!(o::website)),
        Field::Email => nulls_last!(o::email, folded!(o::email)),
        Field::Phone => nulls_last!(o::phone, folded!(o::phone)),
        Field::Address => nulls_last!(o::address, folded!(o::address)),
        Field::City => nulls_last!(o::city, folded!(o::city)),
        Field::State => nulls_last!(o::state, folded!(o::state)),
        Field::Country => nulls_last!(o::country, folded!(o::country)),
        Field::Industry => nulls_last!(o::industry, folded!(o::industry)),
        Field::CompanySize => nulls_last!(o::company_size, o::company_size),
        Field::LastContactAt => nulls_last!(o::last_contact_at, o::last_contact_at),
        Field::ArchivedAt => nulls_last!(o::archived_at, o::archived_at),
        Field::Custom(custom) if key.field.sortable() => {
            custom_query::subquery_order(custom, key.direction)
        }
        // Not sortable; the HTTP layer refuses them before they get here.
        Field::Lists | Field::Domains | Field::Owner | Field::Custom(_) => Vec::new(),
    }
}

/// Orders by the query's keys, then the id.
pub fn sorted(mut rows: BoxedOrganizations, query: &ListQuery) -> BoxedOrganizations {
    for key in &query.sort {
        for term in order_terms(key) {
            rows = rows.then_order_by(term);
        }
    }
    rows.then_order_by(tie_break(query))
}

/// The id term that ends every order, in the direction [`ListQuery::tie_break`] gives.
pub fn tie_break(query: &ListQuery) -> BoxedOrder {
    match query.tie_break() {
        SortDirection::Ascending => Box::new(organizations::id.asc()),
        SortDirection::Descending => Box::new(organizations::id.desc()),
    }
}
