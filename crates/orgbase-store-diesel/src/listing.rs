//! A [`ListQuery`] in SQL for the tables without side tables (contacts, memberships, and the
//! types after them), with the reference semantics organizations' lists have
//! (`orgbase_domain::query`): text folded with `lower()` or through a stored key, `ne`
//! including nulls, ordered comparisons excluding them, nulls sorted last both ways, and
//! keyset bounds written `at_or_beyond AND (beyond OR rest)` so the first key bounds an index
//! range.
//!
//! Each field is one SQL expression ([`Column`], from the table's [`Listing`]) and every
//! condition is that expression with bound operands, so a new table is its column map, not
//! another query builder; organizations' larger plans (custom values, lists, trigram search)
//! are built from typed columns in `organizations::query` instead. A table with custom fields
//! (contacts) names its value table ([`ValueTable`]): a filter on a field asks for a matching
//! value row (`id [NOT] IN (SELECT …)`, served by the value indexes), and a sort or a cursor
//! reads the value through a correlated subquery.

use std::borrow::Cow;

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Double, Nullable, Text, Timestamp};
use orgbase_domain::query::{FieldKind, FieldValue};
use orgbase_domain::{
    Condition, CustomFieldKey, Error, Field, Filter, ListQuery, Operand, Position, SortDirection,
};

use crate::connection::AnyConnection;
use crate::custom_values::value_column;
use crate::organizations::query::sql::like_escaped;

type Backend = <AnyConnection as Connection>::Backend;

/// A condition on rows of the table `T`.
pub(crate) type BoxedCondition<T> =
    Box<dyn BoxableExpression<T, Backend, SqlType = Nullable<Bool>>>;

/// A field as SQL: the compared expression and the column whose nullness it has.
pub(crate) struct Column {
    pub compared: Cow<'static, str>,
    pub column: Cow<'static, str>,
    pub nullable: bool,
}

impl Column {
    /// A field stored in one column and compared as stored (ids, keys, instants).
    pub fn plain(field: Field, column: &'static str) -> Self {
        Self {
            compared: Cow::Borrowed(column),
            column: Cow::Borrowed(column),
            nullable: field.nullable(),
        }
    }

    /// A text field compared ASCII-lower-cased, as the reference folds it: `compared` is
    /// `lower(column)`.
    pub fn folded(field: Field, compared: &'static str, column: &'static str) -> Self {
        Self {
            compared: Cow::Borrowed(compared),
            column: Cow::Borrowed(column),
            nullable: field.nullable(),
        }
    }
}

/// A table's custom value table, shaped as `contact_custom_values` is: the holder's id
/// column, `field_id`, `position`, and one column per kind of value.
pub(crate) struct ValueTable {
    pub table: &'static str,
    /// The column naming the record that holds the value (`contact_id`).
    pub holder: &'static str,
}

/// What a table's lists need to know of it.
pub(crate) struct Listing {
    /// The id column, qualified (`contacts.id`): the tie-break.
    pub id: &'static str,
    /// The column each queryable field is.
    pub column: fn(Field) -> Option<Column>,
    /// Where its custom values live, if it has custom fields.
    pub custom_values: Option<ValueTable>,
}

impl Listing {
    fn column(&self, field: Field) -> Result<Column, Error> {
        if let (Field::Custom(key), Some(values)) = (field, &self.custom_values) {
            // A field's single value (multi-selects are never sorted by, so position 0 is
            // the value), null without one.
            let value = format!(
                "(SELECT cv.{} FROM {} cv WHERE cv.{} = {} AND cv.field_id = {} AND cv.position = 0)",
                value_column(key),
                values.table,
                values.holder,
                self.id,
                field_literal(key),
            );
            return Ok(Column {
                compared: Cow::Owned(value.clone()),
                column: Cow::Owned(value),
                nullable: true,
            });
        }
        (self.column)(field)
            .ok_or_else(|| Error::Backend(format!("{field:?} is not a field of {}", self.id)))
    }
}

/// A field's id as an SQL string literal: a UUID (hex digits and hyphens, as the id type
/// guarantees), so it needs no escaping, and the subqueries that name it keep their one bound
/// operand.
fn field_literal(key: CustomFieldKey) -> String {
    format!("'{}'", key.id.as_uuid().hyphenated())
}

/// A filter on a custom field: a value row of the field matching the filter's predicate
/// exists (`eq`, `gt`, `contains`, …) or does not (`ne`, `null=true`), answered from the value
/// table's indexes, which lead with the field.
fn custom_condition<T: 'static>(
    listing: &Listing,
    values: &ValueTable,
    key: CustomFieldKey,
    filter: &Filter,
) -> Result<BoxedCondition<T>, Error> {
    let mismatch = || Error::Backend(format!("operand does not fit the field in {filter:?}"));
    let bound = |o: &Operand| Bound::of_operand(o).ok_or_else(mismatch);
    let rows = |negated: bool| {
        format!(
            "{} {}IN (SELECT {} FROM {} WHERE field_id = {}",
            listing.id,
            if negated { "NOT " } else { "" },
            values.holder,
            values.table,
            field_literal(key),
        )
    };
    let column = value_column(key);
    let matching = |negated: bool, operator: &str, bound: Bound| {
        compare_within(
            &format!("{} AND {column} {operator} ", rows(negated)),
            bound,
            ")",
        )
    };
    let kind = Field::Custom(key).kind();
    let text = matches!(kind, FieldKind::Text | FieldKind::Choice | FieldKind::Set);
    Ok(match &filter.condition {
        Condition::Eq(o) => matching(false, "=", bound(o)?),
        Condition::Ne(o) => matching(true, "=", bound(o)?),
        Condition::In(os) if os.is_empty() => literal("1 = 0".to_owned()),
        Condition::In(os) => any(os
            .iter()
            .map(|o| Ok(matching(false, "=", bound(o)?)))
            .collect::<Result<_, Error>>()?),
        Condition::Gt(o) => matching(false, ">", bound(o)?),
        Condition::Gte(o) => matching(false, ">=", bound(o)?),
        Condition::Lt(o) => matching(false, "<", bound(o)?),
        Condition::Lte(o) => matching(false, "<=", bound(o)?),
        Condition::Null(true) => literal(format!("{})", rows(true))),
        Condition::Null(false) => literal(format!("{})", rows(false))),
        Condition::Contains(s) if text => compare_within(
            &format!("{} AND {column} LIKE ", rows(false)),
            Bound::Text(containing(s)),
            " ESCAPE '\\')",
        ),
        Condition::StartsWith(s) if text => compare_within(
            &format!("{} AND {column} LIKE ", rows(false)),
            Bound::Text(format!("{}%", like_escaped(s))),
            " ESCAPE '\\')",
        ),
        Condition::Contains(_) | Condition::StartsWith(_) => return Err(mismatch()),
    })
}

/// A value to compare with, typed as the column is.
#[derive(Clone)]
enum Bound {
    Text(String),
    Integer(i64),
    Number(f64),
    Boolean(bool),
    DateTime(chrono::NaiveDateTime),
}

impl Bound {
    fn of_operand(operand: &Operand) -> Option<Self> {
        match operand {
            Operand::Text(t) => Some(Bound::Text(t.clone())),
            Operand::Id(id) => Some(Bound::Text(id.hyphenated().to_string())),
            Operand::Integer(n) => Some(Bound::Integer(*n)),
            Operand::Number(n) => Some(Bound::Number(*n)),
            Operand::Boolean(b) => Some(Bound::Boolean(*b)),
            Operand::DateTime(at) => Some(Bound::DateTime(at.naive_utc())),
        }
    }

    /// A position's value; `Some(None)` for a null.
    fn of_value(value: &FieldValue) -> Option<Option<Self>> {
        match value {
            FieldValue::Text(t) => Some(t.clone().map(Bound::Text)),
            FieldValue::Id(id) => Some(id.map(|u| Bound::Text(u.hyphenated().to_string()))),
            FieldValue::Integer(n) => Some(n.map(Bound::Integer)),
            FieldValue::Number(n) => Some(n.map(Bound::Number)),
            FieldValue::Boolean(b) => Some(b.map(Bound::Boolean)),
            FieldValue::DateTime(at) => Some(at.map(|t| Bound::DateTime(t.naive_utc()))),
            FieldValue::Set(_) => None,
        }
    }
}

/// `{expression} {operator} ?` with `bound` bound.
fn compare<T: 'static>(expression: &str, operator: &str, bound: Bound) -> BoxedCondition<T> {
    compare_within(&format!("{expression} {operator} "), bound, "")
}

/// `{before}?{after}` with `bound` bound.
fn compare_within<T: 'static>(before: &str, bound: Bound, after: &str) -> BoxedCondition<T> {
    let sql = || sql::<Nullable<Bool>>(before);
    match bound {
        Bound::Text(t) => Box::new(sql().bind::<Text, _>(t).sql(after)),
        Bound::Integer(n) => Box::new(sql().bind::<BigInt, _>(n).sql(after)),
        Bound::Number(n) => Box::new(sql().bind::<Double, _>(n).sql(after)),
        Bound::Boolean(b) => Box::new(sql().bind::<Bool, _>(b).sql(after)),
        Bound::DateTime(at) => Box::new(sql().bind::<Timestamp, _>(at).sql(after)),
    }
}

pub(crate) fn literal<T: 'static>(text: String) -> BoxedCondition<T> {
    Box::new(sql::<Nullable<Bool>>(&text))
}

/// `{expression} LIKE ? ESCAPE '\'`.
pub(crate) fn like<T: 'static>(expression: &str, pattern: String) -> BoxedCondition<T> {
    Box::new(
        sql::<Nullable<Bool>>(&format!("{expression} LIKE "))
            .bind::<Text, _>(pattern)
            .sql(" ESCAPE '\\'"),
    )
}

/// `%text%`, escaped for [`like`].
pub(crate) fn containing(text: &str) -> String {
    format!("%{}%", like_escaped(text))
}

/// Any of the conditions (at least one), as a balanced tree of `OR`s: an `in` of a thousand
/// ids stays ten levels deep, where SQLite refuses expressions deeper than 1,000.
pub(crate) fn any<T: 'static>(mut conditions: Vec<BoxedCondition<T>>) -> BoxedCondition<T> {
    if conditions.len() == 1 {
        return conditions.remove(0);
    }
    let second = conditions.split_off(conditions.len() / 2);
    Box::new(any(conditions).or(any(second)))
}

/// The SQL condition of one filter.
pub(crate) fn condition<T: 'static>(
    listing: &Listing,
    filter: &Filter,
) -> Result<BoxedCondition<T>, Error> {
    if let (Field::Custom(key), Some(values)) = (filter.field, &listing.custom_values) {
        return custom_condition(listing, values, key, filter);
    }
    let c = listing.column(filter.field)?;
    let mismatch = || Error::Backend(format!("operand does not fit the field in {filter:?}"));
    let bound = |o: &Operand| Bound::of_operand(o).ok_or_else(mismatch);
    Ok(match &filter.condition {
        Condition::Eq(o) => compare(&c.compared, "=", bound(o)?),
        // Nulls are "not equal" too, as in the reference semantics.
        Condition::Ne(o) if c.nullable => any(vec![
            literal(format!("{} IS NULL", c.column)),
            compare(&c.compared, "<>", bound(o)?),
        ]),
        Condition::Ne(o) => compare(&c.compared, "<>", bound(o)?),
        Condition::In(os) if os.is_empty() => literal("1 = 0".to_owned()),
        Condition::In(os) => any(os
            .iter()
            .map(|o| Ok(compare(&c.compared, "=", bound(o)?)))
            .collect::<Result<_, Error>>()?),
        Condition::Gt(o) => compare(&c.compared, ">", bound(o)?),
        Condition::Gte(o) => compare(&c.compared, ">=", bound(o)?),
        Condition::Lt(o) => compare(&c.compared, "<", bound(o)?),
        Condition::Lte(o) => compare(&c.compared, "<=", bound(o)?),
        Condition::Null(true) => literal(format!("{} IS NULL", c.column)),
        Condition::Null(false) => literal(format!("{} IS NOT NULL", c.column)),
        Condition::Contains(s) if filter.field.kind() == FieldKind::Text => {
            like(&c.compared, containing(s))
        }
        Condition::StartsWith(s) if filter.field.kind() == FieldKind::Text => {
            like(&c.compared, format!("{}%", like_escaped(s)))
        }
        Condition::Contains(_) | Condition::StartsWith(_) => return Err(mismatch()),
    })
}

/// The filters' conditions, in order.
pub(crate) fn conditions<T: 'static>(
    listing: &Listing,
    query: &ListQuery,
) -> Result<Vec<BoxedCondition<T>>, Error> {
    query
        .filters
        .iter()
        .map(|filter| condition(listing, filter))
        .collect()
}

/// The keyset bounds of the query's page, to apply before the filters (SQLite starts an
/// index range at the first term on its column). `None` when a bound admits nothing.
pub(crate) fn keyset_bounds<T: 'static>(
    listing: &Listing,
    query: &ListQuery,
) -> Result<Option<Vec<BoxedCondition<T>>>, Error> {
    let keyset = query.page.keyset.as_ref();
    let mut bounds = Vec::new();
    for (position, side) in [
        (keyset.and_then(|k| k.after.as_ref()), Side::After),
        (keyset.and_then(|k| k.before.as_ref()), Side::Before),
    ] {
        if let Some(position) = position {
            match bound(listing, query, position, side)? {
                Term::True => {}
                Term::False => return Ok(None),
                Term::Sql(condition) => bounds.push(condition),
            }
        }
    }
    Ok(Some(bounds))
}

/// The `ORDER BY` terms of the query's order, as SQL (read backwards, last row first, for a
/// page before a cursor).
pub(crate) fn order(listing: &Listing, query: &ListQuery) -> Result<Vec<String>, Error> {
    let reversed = query.page.keyset.as_ref().is_some_and(|k| k.is_backwards());
    let mut terms = Vec::new();
    for key in &query.sort {
        let c = listing.column(key.field)?;
        let ascending = (key.direction == SortDirection::Ascending) != reversed;
        if c.nullable {
            // Nulls last in both directions (first when read backwards).
            let nulls = if reversed { "DESC" } else { "ASC" };
            terms.push(format!("{} IS NULL {nulls}", c.column));
        }
        let direction = if ascending { "ASC" } else { "DESC" };
        terms.push(format!("{} {direction}", c.compared));
    }
    if query.needs_tie_break() {
        let ascending = (query.tie_break() == SortDirection::Ascending) != reversed;
        let direction = if ascending { "ASC" } else { "DESC" };
        terms.push(format!("{} {direction}", listing.id));
    }
    Ok(terms)
}

/// A condition, kept symbolic while constant so the SQL has no `1 = 1` in it.
enum Term<T> {
    True,
    False,
    Sql(BoxedCondition<T>),
}

impl<T: 'static> Term<T> {
    fn and(self, other: Term<T>) -> Term<T> {
        match (self, other) {
            (Term::False, _) | (_, Term::False) => Term::False,
            (Term::True, t) | (t, Term::True) => t,
            (Term::Sql(a), Term::Sql(b)) => Term::Sql(Box::new(a.and(b))),
        }
    }

    fn or(self, other: Term<T>) -> Term<T> {
        match (self, other) {
            (Term::True, _) | (_, Term::True) => Term::True,
            (Term::False, t) | (t, Term::False) => t,
            (Term::Sql(a), Term::Sql(b)) => Term::Sql(Box::new(a.or(b))),
        }
    }
}

/// Which side of a position a bound keeps.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    After,
    Before,
}

/// The rows strictly on `side` of `position` in the query's order.
fn bound<T: 'static>(
    listing: &Listing,
    query: &ListQuery,
    position: &Position,
    side: Side,
) -> Result<Term<T>, Error> {
    let greater =
        |direction: SortDirection| (side == Side::After) == (direction == SortDirection::Ascending);
    let id = Bound::Text(position.id.hyphenated().to_string());
    // Past the last key only the id can decide; with the id among the keys, nothing.
    let mut rest = if !query.needs_tie_break() {
        Term::False
    } else if greater(query.tie_break()) {
        Term::Sql(compare(listing.id, ">", id))
    } else {
        Term::Sql(compare(listing.id, "<", id))
    };
    for (key, value) in query.sort.iter().zip(&position.values).rev() {
        let c = listing.column(key.field)?;
        let value = Bound::of_value(value).ok_or_else(|| {
            Error::Backend(format!(
                "cursor value {value:?} does not fit {:?}",
                key.field
            ))
        })?;
        let is_null = || Term::Sql(literal(format!("{} IS NULL", c.column)));
        let (beyond, at_or_beyond) = match value {
            // Nulls sort last: forwards only nulls are at a null and none beyond; backwards
            // every value is before it.
            None => match side {
                Side::After => (Term::False, is_null()),
                Side::Before => (
                    Term::Sql(literal(format!("{} IS NOT NULL", c.column))),
                    Term::True,
                ),
            },
            Some(v) => {
                let (strict, loose) = if greater(key.direction) {
                    (">", ">=")
                } else {
                    ("<", "<=")
                };
                let beyond = Term::Sql(compare(&c.compared, strict, v.clone()));
                let at_or = Term::Sql(compare(&c.compared, loose, v));
                if c.nullable && side == Side::After {
                    // Forwards, nulls (last) are beyond every value.
                    (beyond.or(is_null()), at_or.or(is_null()))
                } else {
                    (beyond, at_or)
                }
            }
        };
        rest = match rest {
            // Beyond implies at-or-beyond: no need to write both.
            Term::False => beyond,
            rest => at_or_beyond.and(beyond.or(rest)),
        };
    }
    Ok(rest)
}

/// `filtered` (the rows a query selects, before ordering and paging: what the total counts)
/// and `page` (those rows within the page's keyset bounds, in its order; the caller limits
/// and offsets) for a table, from its [`Listing`] and `$more`, the conditions of the query
/// that are not filters on its columns (`filter[q]`, the members of an organization).
macro_rules! table_queries {
    ($table:ident, $listing:expr, $more:expr) => {
        type Backend = <crate::connection::AnyConnection as diesel::Connection>::Backend;
        pub type Boxed = $crate::schema::$table::BoxedQuery<'static, Backend>;

        fn narrowed(
            mut rows: Boxed,
            query: &orgbase_domain::ListQuery,
        ) -> Result<Boxed, orgbase_domain::Error> {
            for condition in $crate::listing::conditions(&$listing, query)? {
                rows = rows.filter(condition);
            }
            let more: fn(
                &orgbase_domain::ListQuery,
            )
                -> Vec<$crate::listing::BoxedCondition<$crate::schema::$table::table>> = $more;
            for condition in more(query) {
                rows = rows.filter(condition);
            }
            Ok(rows)
        }

        pub fn filtered(query: &orgbase_domain::ListQuery) -> Result<Boxed, orgbase_domain::Error> {
            narrowed($crate::schema::$table::table.into_boxed(), query)
        }

        pub fn page(query: &orgbase_domain::ListQuery) -> Result<Boxed, orgbase_domain::Error> {
            let mut rows = $crate::schema::$table::table.into_boxed();
            match $crate::listing::keyset_bounds(&$listing, query)? {
                Some(bounds) => {
                    for bound in bounds {
                        rows = rows.filter(bound);
                    }
                }
                None => {
                    rows = rows.filter($crate::listing::literal::<$crate::schema::$table::table>(
                        "1 = 0".to_owned(),
                    ))
                }
            }
            let mut rows = narrowed(rows, query)?;
            for term in $crate::listing::order(&$listing, query)? {
                rows = rows.then_order_by(diesel::dsl::sql::<diesel::sql_types::Bool>(&term));
            }
            Ok(rows)
        }
    };
}

pub(crate) use table_queries;

/// One page of a list, the same for every table: the total when asked (`count`), then the
/// page's rows (`load`, given the limit and offset), settled and turned into records.
pub(crate) fn page_of<R, T>(
    conn: &mut AnyConnection,
    list: &ListQuery,
    count: impl FnOnce(&mut AnyConnection) -> Result<i64, Error>,
    load: impl FnOnce(&mut AnyConnection, i64, i64) -> Result<Vec<R>, Error>,
) -> Result<orgbase_domain::Page<T>, Error>
where
    T: TryFrom<R, Error = Error>,
{
    let total = if list.with_total {
        Some(u64::try_from(count(conn)?).unwrap_or(0))
    } else {
        None
    };
    let fetch = list.page.rows_to_read(total.is_some());
    let mut rows = load(
        conn,
        crate::accounts::to_i64(fetch),
        crate::accounts::to_i64(list.page.offset()),
    )?;
    let (has_next, has_previous) = list.page.settle(&mut rows, total);
    Ok(orgbase_domain::Page {
        items: rows
            .into_iter()
            .map(T::try_from)
            .collect::<Result<_, Error>>()?,
        total,
        has_next,
        has_previous,
    })
}
