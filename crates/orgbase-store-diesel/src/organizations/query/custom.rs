//! Custom fields in list queries.
//!
//! A filter on `c_x` asks for organizations holding a qualifying value of the field (`eq`,
//! `gt`, …) or holding none (`ne`, `null=true`), answered from the value table's per-field
//! indexes as `id IN (SELECT organization_id …)`, like list membership. Value rows copy their
//! organization's archived state, and every read of them names the states the list admits:
//! the indexes lead with (field, archived state), so a range of values is one index range.
//!
//! A sort by `c_x`, or else a filter that needs a value of `c_x`, joins that field's values
//! (`LEFT JOIN … AS joined_value`), and every filter on it is written on the join, which lets
//! both planners turn it into an inner join driven by the field's value index: a sorted page
//! stops after its rows instead of sorting every match, and two filters on one field (a range)
//! read one index range instead of intersecting two subqueries. Further custom sort keys,
//! rarer, order by a correlated subquery. A count whose every filter is on the joined field
//! counts value rows alone, without visiting organizations.

use diesel::dsl::{AsExprOf, not, sql};
use diesel::expression::expression_types::NotSelectable;
use diesel::expression::{AppearsOnTable, SelectableExpression, ValidGrouping, is_aggregate};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::query_source::{Alias, AliasedField};
use diesel::sql_types::{Bool, Nullable, Text};
use orgbase_domain::query::FieldKind;
use orgbase_domain::{
    ArchivedFilter, Condition, CustomFieldKey, Error, Field, Filter, ListQuery, Operand,
    SortDirection,
};

use super::conditions::needs_value;
use super::sql::{
    Backend, BoxedCondition, BoxedOrder, boolean, datetime, like_escaped, mismatch, number, text,
};
use crate::schema::{organization_custom_values as values, organizations};

diesel::alias!(values as joined_value: JoinedValue);

type JoinOn = diesel::dsl::And<
    diesel::dsl::And<
        diesel::dsl::Eq<AliasedField<JoinedValue, values::organization_id>, organizations::id>,
        diesel::dsl::Eq<AliasedField<JoinedValue, values::field_id>, AsExprOf<String, Text>>,
    >,
    diesel::dsl::Eq<AliasedField<JoinedValue, values::organization_archived>, AsExprOf<bool, Bool>>,
>;

/// `organizations LEFT JOIN organization_custom_values AS joined_value ON …`.
pub type SortJoin =
    diesel::helper_types::LeftJoinQuerySource<organizations::table, Alias<JoinedValue>, JoinOn>;

pub type JoinedOrganizations = diesel::helper_types::IntoBoxed<
    'static,
    diesel::helper_types::LeftJoinOn<organizations::table, Alias<JoinedValue>, JoinOn>,
    Backend,
>;

type JoinedCondition = Box<dyn BoxableExpression<SortJoin, Backend, SqlType = Nullable<Bool>>>;
type ValueCondition = Box<dyn BoxableExpression<values::table, Backend, SqlType = Nullable<Bool>>>;
pub type BoxedValues = values::BoxedQuery<'static, Backend>;
type JoinedOrder = Box<dyn BoxableExpression<SortJoin, Backend, SqlType = NotSelectable>>;

/// An expression about `organizations` alone, used in the join: the left side of a left join
/// keeps every row and column, so whatever holds on the table holds there.
pub struct Lifted<E>(pub E);

impl<ST, E> Expression for Lifted<Box<E>>
where
    E: Expression<SqlType = ST> + ?Sized,
    ST: diesel::expression::TypedExpressionType,
{
    type SqlType = ST;
}

impl<E: QueryFragment<Backend> + ?Sized> QueryFragment<Backend> for Lifted<Box<E>> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }
}

impl<E: ?Sized> QueryId for Lifted<Box<E>> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<E: ?Sized> ValidGrouping<()> for Lifted<Box<E>> {
    type IsAggregate = is_aggregate::No;
}

impl<E> AppearsOnTable<SortJoin> for Lifted<Box<E>>
where
    E: AppearsOnTable<organizations::table> + ?Sized,
    Self: Expression,
{
}

impl<E> SelectableExpression<SortJoin> for Lifted<Box<E>>
where
    E: SelectableExpression<organizations::table> + ?Sized,
    Self: AppearsOnTable<SortJoin>,
{
}

/// The condition of `filter` on one set of value columns (the table's, or the joined
/// alias's). A filter asks that an organization hold a value row matching a predicate, or
/// hold none: `$holding!(predicate)` and `$lacking!(predicate)` build those for the query
/// source, `$any_holding` and `$any_lacking` the same for "any row of the field". (Macros,
/// because each predicate has its own type and a subselect cannot be boxed on a
/// MultiConnection.)
macro_rules! custom_filter {
    ($filter:expr, $key:expr, holding: $holding:ident, lacking: $lacking:ident,
     any_holding: $any_holding:expr, any_lacking: $any_lacking:expr,
     text: $text:expr, number: $number:expr, datetime: $datetime:expr, boolean: $boolean:expr) => {{
        let filter: &Filter = $filter;
        let key: CustomFieldKey = $key;
        macro_rules! compare {
            ($column:expr, $convert:expr, like: $like:tt) => {{
                let convert = |o: &Operand| $convert(o).ok_or_else(|| mismatch(filter));
                match &filter.condition {
                    Condition::Eq(o) => $holding!($column.eq(convert(o)?)),
                    Condition::Ne(o) => $lacking!($column.eq(convert(o)?)),
                    Condition::In(os) => $holding!($column.eq_any(
                        os.iter().map(convert).collect::<Result<Vec<_>, _>>()?
                    )),
                    Condition::Gt(o) => $holding!($column.gt(convert(o)?)),
                    Condition::Gte(o) => $holding!($column.ge(convert(o)?)),
                    Condition::Lt(o) => $holding!($column.lt(convert(o)?)),
                    Condition::Lte(o) => $holding!($column.le(convert(o)?)),
                    Condition::Null(true) => $any_lacking,
                    Condition::Null(false) => $any_holding,
                    Condition::Contains(s) => {
                        compare!(@like $like, $column, format!("%{}%", like_escaped(s)))
                    }
                    Condition::StartsWith(s) => {
                        compare!(@like $like, $column, format!("{}%", like_escaped(s)))
                    }
                }
            }};
            (@like true, $column:expr, $pattern:expr) => {
                $holding!($column.like($pattern).escape('\\'))
            };
            (@like false, $column:expr, $pattern:expr) => {{
                let _ = $pattern;
                return Err(mismatch(filter));
            }};
        }
        match Field::Custom(key).kind() {
            FieldKind::Text | FieldKind::Choice | FieldKind::Set => {
                compare!($text, text, like: true)
            }
            FieldKind::Number => compare!($number, number, like: false),
            FieldKind::DateTime => compare!($datetime, datetime, like: false),
            FieldKind::Boolean => compare!($boolean, boolean, like: false),
            _ => return Err(mismatch(filter)),
        }
    }};
}

/// The archived states of the organizations a list admits, as value rows copy them.
fn archived_states(archived: ArchivedFilter) -> Vec<bool> {
    match archived {
        ArchivedFilter::Exclude => vec![false],
        ArchivedFilter::Only => vec![true],
        ArchivedFilter::Any => vec![false, true],
    }
}

/// A filter on a custom field, as `id [NOT] IN (SELECT organization_id …)`, in a list
/// admitting `archived`; "holds no value" as `NOT EXISTS` (below).
pub fn condition(
    filter: &Filter,
    key: CustomFieldKey,
    archived: ArchivedFilter,
) -> Result<BoxedCondition, Error> {
    if filter.condition == Condition::Null(true) {
        return Ok(lacking_any(key));
    }
    let field_id = key.id.to_string();
    let states = archived_states(archived);
    let of_field = || {
        values::table
            .filter(values::field_id.eq(field_id.clone()))
            .filter(values::organization_archived.eq_any(states.clone()))
    };
    macro_rules! holding {
        ($predicate:expr) => {
            Box::new(
                organizations::id
                    .eq_any(
                        of_field()
                            .filter($predicate)
                            .select(values::organization_id),
                    )
                    .nullable(),
            ) as BoxedCondition
        };
    }
    macro_rules! lacking {
        ($predicate:expr) => {
            Box::new(
                not(organizations::id.eq_any(
                    of_field()
                        .filter($predicate)
                        .select(values::organization_id),
                ))
                .nullable(),
            ) as BoxedCondition
        };
    }
    let any = || organizations::id.eq_any(of_field().select(values::organization_id));
    Ok(
        custom_filter!(filter, key, holding: holding, lacking: lacking,
        any_holding: Box::new(any().nullable()),
        any_lacking: Box::new(not(any()).nullable()),
        text: values::text_key,
        number: values::number_value,
        datetime: values::datetime_value,
        boolean: values::boolean_value),
    )
}

/// Organizations holding no value of the field, probed per organization through the value
/// table's primary key (organization, field, …); the archive state needs no test, as a
/// value row's is its organization's. As `NOT IN (SELECT …)` SQLite first listed every
/// holder (900,000 at 1,000,000 rows, 360 ms) even for a page that ten probes fill, which
/// is what the second part of a list sorted by the field reads (see `split`).
fn lacking_any(key: CustomFieldKey) -> BoxedCondition {
    Box::new(
        sql::<Nullable<Bool>>(
            "NOT EXISTS (SELECT 1 FROM organization_custom_values lacking \
             WHERE lacking.organization_id = organizations.id AND lacking.field_id = ",
        )
        .bind::<Text, _>(key.id.to_string())
        .sql(")"),
    )
}

/// A filter on the joined sort field, written on the join's columns.
fn joined_condition(filter: &Filter, key: CustomFieldKey) -> Result<JoinedCondition, Error> {
    let missing = || {
        joined_value
            .field(values::organization_id)
            .nullable()
            .is_null()
    };
    macro_rules! holding {
        ($predicate:expr) => {
            Box::new($predicate) as JoinedCondition
        };
    }
    // With at most one value row per organization here (position 0), "no row matches" is
    // "no row, or the row does not match".
    macro_rules! lacking {
        ($predicate:expr) => {
            Box::new(missing().nullable().or(not($predicate))) as JoinedCondition
        };
    }
    Ok(
        custom_filter!(filter, key, holding: holding, lacking: lacking,
        any_holding: held(key),
        any_lacking: Box::new(missing().nullable()),
        text: joined_value.field(values::text_key).nullable(),
        number: joined_value.field(values::number_value).nullable(),
        datetime: joined_value.field(values::datetime_value).nullable(),
        boolean: joined_value.field(values::boolean_value).nullable()),
    )
}

/// "Holds a value", on the join: the value equal to itself, which only a value is. Both
/// planners read a comparison on the joined columns as rejecting rows without a match, so
/// the left join becomes an inner one driven by the value index; `IS NOT NULL` (or
/// `NOT … IS NULL`) is not read so by SQLite, which then sorted every organization (0.9 s at
/// 1,000,000 rows, against under a millisecond).
fn held(key: CustomFieldKey) -> JoinedCondition {
    macro_rules! itself {
        ($column:expr) => {{
            let column = joined_value.field($column).nullable();
            Box::new(column.eq(column)) as JoinedCondition
        }};
    }
    match value_column(key) {
        "number_value" => itself!(values::number_value),
        "datetime_value" => itself!(values::datetime_value),
        "boolean_value" => itself!(values::boolean_value),
        _ => itself!(values::text_key),
    }
}

/// A filter that needs a value, on the value table's own columns (for counting value rows).
fn value_condition(filter: &Filter, key: CustomFieldKey) -> Result<ValueCondition, Error> {
    macro_rules! holding {
        ($predicate:expr) => {
            Box::new($predicate) as ValueCondition
        };
    }
    // Filters satisfied by a missing value cannot be answered from value rows.
    macro_rules! lacking {
        ($predicate:expr) => {{
            let _ = $predicate;
            return Err(mismatch(filter));
        }};
    }
    Ok(
        custom_filter!(filter, key, holding: holding, lacking: lacking,
        any_holding: Box::new(values::organization_id.is_not_null().nullable()),
        any_lacking: return Err(mismatch(filter)),
        text: values::text_key,
        number: values::number_value,
        datetime: values::datetime_value,
        boolean: values::boolean_value),
    )
}

use crate::custom_values::value_column;

/// ORDER BY terms for a custom key that is not the joined one: a correlated subquery, nulls
/// (organizations without a value) last, or first when `reversed`.
pub fn subquery_order(
    key: CustomFieldKey,
    direction: SortDirection,
    reversed: bool,
) -> Vec<BoxedOrder> {
    let value = || {
        sql::<Nullable<Text>>(&format!(
            "(SELECT cv.{} FROM organization_custom_values cv \
             WHERE cv.organization_id = organizations.id AND cv.position = 0 AND cv.field_id = ",
            value_column(key)
        ))
        .bind::<Text, _>(key.id.to_string())
        .sql(")")
    };
    let missing = value().sql(" IS NULL");
    let ordered: BoxedOrder = if (direction == SortDirection::Ascending) != reversed {
        Box::new(value().asc())
    } else {
        Box::new(value().desc())
    };
    let missing: BoxedOrder = if reversed {
        Box::new(missing.desc())
    } else {
        Box::new(missing.asc())
    };
    vec![missing, ordered]
}

/// The custom field worth a join: the first one sorted by, else the first one a filter needs
/// a value of. Multi-selects hold several rows per organization and are never joined, nor is
/// anything in a list of both live and archived organizations (two states: no one index
/// range).
pub fn joined_key(query: &ListQuery) -> Option<CustomFieldKey> {
    if query.archived == ArchivedFilter::Any {
        return None;
    }
    let single = |key: CustomFieldKey| key.format != orgbase_domain::CustomFormat::MultiSelect;
    let sorted = query.sort.iter().find_map(|k| match k.field {
        Field::Custom(key) if single(key) => Some(key),
        _ => None,
    });
    sorted.or_else(|| {
        query.filters.iter().find_map(|f| match f.field {
            Field::Custom(key) if single(key) && needs_value(f) => Some(key),
            _ => None,
        })
    })
}

/// The query's rows with `key`'s values joined, unordered, and whether every row has a
/// value of `key` (a filter needs one). `conditions` are built for the plain table by the
/// caller, except those about `key`, which are written here.
pub fn joined(
    query: &ListQuery,
    key: CustomFieldKey,
    conditions: Vec<BoxedCondition>,
) -> Result<(JoinedOrganizations, bool), Error> {
    let on = joined_value
        .field(values::organization_id)
        .eq(organizations::id)
        // One row per organization: joined fields are never multi-selects, whose elements
        // are the only rows past position 0 (and leaving position out keeps the value
        // indexes covering).
        .and(joined_value.field(values::field_id).eq(key.id.to_string()))
        .and(
            joined_value
                .field(values::organization_archived)
                .eq(query.archived == ArchivedFilter::Only),
        );
    let mut rows: JoinedOrganizations = organizations::table
        .left_join(joined_value.on(on))
        .into_boxed();
    for condition in conditions {
        rows = rows.filter(Lifted(condition));
    }
    let mut excludes_missing = false;
    for filter in query
        .filters
        .iter()
        .filter(|f| f.field == Field::Custom(key))
    {
        excludes_missing |= needs_value(filter);
        rows = rows.filter(joined_condition(filter, key)?);
    }
    Ok((rows, excludes_missing))
}

/// Orders joined rows by the query's keys, then the id. `plain_order` gives the terms of keys
/// other than `key`.
pub fn sorted(
    mut rows: JoinedOrganizations,
    excludes_missing: bool,
    query: &ListQuery,
    key: CustomFieldKey,
    reversed: bool,
    mut plain_order: impl FnMut(&orgbase_domain::SortKey, bool) -> Vec<BoxedOrder>,
) -> JoinedOrganizations {
    for sort in &query.sort {
        if sort.field != Field::Custom(key) {
            for term in plain_order(sort, reversed) {
                rows = rows.then_order_by(Lifted(term));
            }
            continue;
        }
        macro_rules! by {
            ($column:expr) => {{
                let column = joined_value.field($column).nullable();
                // Every row has a value when a filter excludes those without: no need to
                // order missing values last, and the value index alone gives the order.
                if !excludes_missing {
                    rows = if reversed {
                        rows.then_order_by(Box::new(column.is_null().desc()) as JoinedOrder)
                    } else {
                        rows.then_order_by(Box::new(column.is_null().asc()) as JoinedOrder)
                    };
                }
                rows = if (sort.direction == SortDirection::Ascending) != reversed {
                    rows.then_order_by(column.asc())
                } else {
                    rows.then_order_by(column.desc())
                };
            }};
        }
        match value_column(key) {
            "number_value" => by!(values::number_value),
            "datetime_value" => by!(values::datetime_value),
            "boolean_value" => by!(values::boolean_value),
            _ => by!(values::text_key),
        }
    }
    if query.needs_tie_break() {
        rows = rows.then_order_by(Lifted(super::order::tie_break(query, reversed)));
    }
    rows
}

/// The value rows standing for the query's organizations, when every filter is on `key` (the
/// joined field) and needs a value: one row per organization, so counting them counts the
/// organizations without visiting any.
pub fn values_alone(query: &ListQuery, key: CustomFieldKey) -> Result<Option<BoxedValues>, Error> {
    let answerable = query.search.is_none()
        && query
            .filters
            .iter()
            .all(|f| f.field == Field::Custom(key) && needs_value(f));
    if !answerable || query.filters.is_empty() {
        return Ok(None);
    }
    let mut rows = values::table
        .filter(values::field_id.eq(key.id.to_string()))
        .filter(values::organization_archived.eq(query.archived == ArchivedFilter::Only))
        .into_boxed();
    for filter in &query.filters {
        rows = rows.filter(value_condition(filter, key)?);
    }
    Ok(Some(rows))
}
