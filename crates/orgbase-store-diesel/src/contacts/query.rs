//! A contacts [`ListQuery`] in SQL, with the reference semantics organizations' lists have
//! (`orgbase_domain::query`): text folded with `lower()` or through the stored `name_key`,
//! `ne` including nulls, ordered comparisons excluding them, nulls sorted last both ways,
//! and keyset bounds written `at_or_beyond AND (beyond OR rest)` so the first key bounds an
//! index range.
//!
//! Contacts have few fields and no side tables, so each field is one SQL expression
//! ([`column`]) and every condition is that expression with bound operands, rather than the
//! typed column per field that organizations' larger plans are built from.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text, Timestamp};
use orgbase_domain::query::{FieldKind, FieldValue};
use orgbase_domain::{
    Condition, Error, Field, Filter, ListQuery, Operand, Position, SortDirection,
};

use crate::connection::AnyConnection;
use crate::organizations::query::sql::like_escaped;
use crate::schema::contacts;

type Backend = <AnyConnection as Connection>::Backend;
pub type BoxedContacts = contacts::BoxedQuery<'static, Backend>;
type BoxedCondition =
    Box<dyn BoxableExpression<contacts::table, Backend, SqlType = Nullable<Bool>>>;

/// A field as SQL: the compared expression and the column whose nullness it has.
struct Column {
    compared: &'static str,
    column: &'static str,
    nullable: bool,
}

fn column(field: Field) -> Result<Column, Error> {
    let (compared, column) = match field {
        Field::Id => ("contacts.id", "contacts.id"),
        Field::Owner => ("contacts.owner_id", "contacts.owner_id"),
        Field::Name => ("contacts.name_key", "contacts.name_key"),
        Field::Email => ("lower(contacts.email)", "contacts.email"),
        Field::Phone => ("lower(contacts.phone)", "contacts.phone"),
        Field::Title => ("lower(contacts.title)", "contacts.title"),
        Field::Notes => ("lower(contacts.notes)", "contacts.notes"),
        Field::CreatedAt => ("contacts.created_at", "contacts.created_at"),
        Field::UpdatedAt => ("contacts.updated_at", "contacts.updated_at"),
        other => {
            return Err(Error::Backend(format!("{other:?} is not a contact field")));
        }
    };
    Ok(Column {
        compared,
        column,
        nullable: field.nullable(),
    })
}

/// A value to compare with, typed as the column is.
#[derive(Clone)]
enum Bound {
    Text(String),
    DateTime(chrono::NaiveDateTime),
}

impl Bound {
    fn of_operand(operand: &Operand) -> Option<Self> {
        match operand {
            Operand::Text(t) => Some(Bound::Text(t.clone())),
            Operand::Id(id) => Some(Bound::Text(id.hyphenated().to_string())),
            Operand::DateTime(at) => Some(Bound::DateTime(at.naive_utc())),
            _ => None,
        }
    }

    /// A position's value; `Some(None)` for a null.
    fn of_value(value: &FieldValue) -> Option<Option<Self>> {
        match value {
            FieldValue::Text(t) => Some(t.clone().map(Bound::Text)),
            FieldValue::Id(id) => Some(id.map(|u| Bound::Text(u.hyphenated().to_string()))),
            FieldValue::DateTime(at) => Some(at.map(|t| Bound::DateTime(t.naive_utc()))),
            _ => None,
        }
    }
}

/// `{expression} {operator} ?` with `bound` bound.
fn compare(expression: &str, operator: &str, bound: Bound) -> BoxedCondition {
    let text = format!("{expression} {operator} ");
    match bound {
        Bound::Text(t) => Box::new(sql::<Nullable<Bool>>(&text).bind::<Text, _>(t)),
        Bound::DateTime(at) => Box::new(sql::<Nullable<Bool>>(&text).bind::<Timestamp, _>(at)),
    }
}

fn literal(text: String) -> BoxedCondition {
    Box::new(sql::<Nullable<Bool>>(&text))
}

fn like(expression: &str, pattern: String) -> BoxedCondition {
    Box::new(
        sql::<Nullable<Bool>>(&format!("{expression} LIKE "))
            .bind::<Text, _>(pattern)
            .sql(" ESCAPE '\\'"),
    )
}

fn any(mut conditions: Vec<BoxedCondition>) -> BoxedCondition {
    let first = conditions.remove(0);
    conditions
        .into_iter()
        .fold(first, |all, next| Box::new(all.or(next)))
}

fn condition(filter: &Filter) -> Result<BoxedCondition, Error> {
    let c = column(filter.field)?;
    let mismatch = || Error::Backend(format!("operand does not fit the field in {filter:?}"));
    let bound = |o: &Operand| Bound::of_operand(o).ok_or_else(mismatch);
    Ok(match &filter.condition {
        Condition::Eq(o) => compare(c.compared, "=", bound(o)?),
        // Nulls are "not equal" too, as in the reference semantics.
        Condition::Ne(o) if c.nullable => any(vec![
            literal(format!("{} IS NULL", c.column)),
            compare(c.compared, "<>", bound(o)?),
        ]),
        Condition::Ne(o) => compare(c.compared, "<>", bound(o)?),
        Condition::In(os) if os.is_empty() => literal("1 = 0".to_owned()),
        Condition::In(os) => any(os
            .iter()
            .map(|o| Ok(compare(c.compared, "=", bound(o)?)))
            .collect::<Result<_, Error>>()?),
        Condition::Gt(o) => compare(c.compared, ">", bound(o)?),
        Condition::Gte(o) => compare(c.compared, ">=", bound(o)?),
        Condition::Lt(o) => compare(c.compared, "<", bound(o)?),
        Condition::Lte(o) => compare(c.compared, "<=", bound(o)?),
        Condition::Null(true) => literal(format!("{} IS NULL", c.column)),
        Condition::Null(false) => literal(format!("{} IS NOT NULL", c.column)),
        Condition::Contains(s) if filter.field.kind() == FieldKind::Text => {
            like(c.compared, format!("%{}%", like_escaped(s)))
        }
        Condition::StartsWith(s) if filter.field.kind() == FieldKind::Text => {
            like(c.compared, format!("{}%", like_escaped(s)))
        }
        Condition::Contains(_) | Condition::StartsWith(_) => return Err(mismatch()),
    })
}

/// `filter[q]`: any searched field contains the text, folded as the reference folds each
/// (the name Unicode-lower-cased through its key, the rest ASCII). A scan of the filtered
/// rows: contacts have no trigram index yet.
fn search(text: &str) -> BoxedCondition {
    let unicode = format!("%{}%", like_escaped(&Field::Name.fold(text)));
    let ascii = format!("%{}%", like_escaped(&Field::Email.fold(text)));
    any(vec![
        like("contacts.name_key", unicode),
        like("lower(contacts.email)", ascii.clone()),
        like("lower(contacts.phone)", ascii.clone()),
        like("lower(contacts.title)", ascii),
    ])
}

/// `rows` narrowed by the query's filters and search.
fn narrowed(mut rows: BoxedContacts, query: &ListQuery) -> Result<BoxedContacts, Error> {
    for filter in &query.filters {
        rows = rows.filter(condition(filter)?);
    }
    if let Some(text) = &query.search {
        rows = rows.filter(search(text));
    }
    Ok(rows)
}

/// The rows a query selects, before ordering and paging.
pub fn filtered(query: &ListQuery) -> Result<BoxedContacts, Error> {
    narrowed(contacts::table.into_boxed(), query)
}

/// The query's rows within its page's keyset bounds, in its order (read backwards, last row
/// first, for a page before a cursor); the caller limits and offsets.
pub fn page(query: &ListQuery) -> Result<BoxedContacts, Error> {
    let mut rows = contacts::table.into_boxed();
    let keyset = query.page.keyset.as_ref();
    // The bounds first: SQLite starts an index range at the first term on its column.
    for (position, side) in [
        (keyset.and_then(|k| k.after.as_ref()), Side::After),
        (keyset.and_then(|k| k.before.as_ref()), Side::Before),
    ] {
        if let Some(position) = position {
            rows = match bound(query, position, side)? {
                Term::True => rows,
                Term::False => rows.filter(literal("1 = 0".to_owned())),
                Term::Sql(condition) => rows.filter(condition),
            };
        }
    }
    let mut rows = narrowed(rows, query)?;
    let reversed = keyset.is_some_and(|k| k.is_backwards());
    for key in &query.sort {
        let c = column(key.field)?;
        let ascending = (key.direction == SortDirection::Ascending) != reversed;
        if c.nullable {
            // Nulls last in both directions (first when read backwards).
            let nulls = if reversed { "DESC" } else { "ASC" };
            rows = rows.then_order_by(sql::<Bool>(&format!("{} IS NULL {nulls}", c.column)));
        }
        let direction = if ascending { "ASC" } else { "DESC" };
        rows = rows.then_order_by(sql::<Bool>(&format!("{} {direction}", c.compared)));
    }
    if query.needs_tie_break() {
        let ascending = (query.tie_break() == SortDirection::Ascending) != reversed;
        rows = if ascending {
            rows.then_order_by(contacts::id.asc())
        } else {
            rows.then_order_by(contacts::id.desc())
        };
    }
    Ok(rows)
}

/// A condition, kept symbolic while constant so the SQL has no `1 = 1` in it.
enum Term {
    True,
    False,
    Sql(BoxedCondition),
}

impl Term {
    fn and(self, other: Term) -> Term {
        match (self, other) {
            (Term::False, _) | (_, Term::False) => Term::False,
            (Term::True, t) | (t, Term::True) => t,
            (Term::Sql(a), Term::Sql(b)) => Term::Sql(Box::new(a.and(b))),
        }
    }

    fn or(self, other: Term) -> Term {
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
fn bound(query: &ListQuery, position: &Position, side: Side) -> Result<Term, Error> {
    let greater =
        |direction: SortDirection| (side == Side::After) == (direction == SortDirection::Ascending);
    let id = Bound::Text(position.id.hyphenated().to_string());
    // Past the last key only the id can decide; with the id among the keys, nothing.
    let mut rest = if !query.needs_tie_break() {
        Term::False
    } else if greater(query.tie_break()) {
        Term::Sql(compare("contacts.id", ">", id))
    } else {
        Term::Sql(compare("contacts.id", "<", id))
    };
    for (key, value) in query.sort.iter().zip(&position.values).rev() {
        let c = column(key.field)?;
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
                let beyond = Term::Sql(compare(c.compared, strict, v.clone()));
                let at_or = Term::Sql(compare(c.compared, loose, v));
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
