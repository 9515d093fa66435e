//! Keyset bounds (cursor pages) as SQL conditions: "after this position" and "before that
//! one" in the query's order, written so the first sort key bounds an index range.
//!
//! A row is after a position when its first key is beyond the position's value, or equal and
//! the rest is after. That is written `at_or_beyond AND (beyond OR rest)`, not
//! `beyond OR (equal AND rest)`: the leading `key >= value` is a range both planners start an
//! index scan at, where the OR form makes them scan from the start of the index and filter,
//! which costs the depth of the page. Nulls sort last in both directions, so they are beyond
//! every value when paging forwards and before none when paging backwards; the last term is
//! the id, in the tie-break's direction.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Double, Nullable, Text, Timestamp};
use orgbase_domain::query::{FieldKind, FieldValue};
use orgbase_domain::{CustomFieldKey, Error, Field, Keyset, ListQuery, Position, SortDirection};

use super::sql::{BoxedCondition, folded};
use crate::custom_values::value_column;
use crate::schema::organizations;

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

/// One key's part of a bound: the rows beyond the position's value, and those beyond or at it.
struct KeyTerms {
    beyond: Term,
    at_or_beyond: Term,
}

fn mismatch(field: Field, value: &FieldValue) -> Error {
    Error::Backend(format!("cursor value {value:?} does not fit {field:?}"))
}

/// The conditions of `keyset` on the query's rows, none for an unbounded page. `joined` is
/// the custom field whose values the plan joins (its keys are read from the join).
pub fn bounds(
    query: &ListQuery,
    keyset: &Keyset,
    joined: Option<CustomFieldKey>,
) -> Result<Option<BoxedCondition>, Error> {
    let mut all = Term::True;
    if let Some(after) = &keyset.after {
        all = all.and(bound(query, after, Side::After, joined)?);
    }
    if let Some(before) = &keyset.before {
        all = all.and(bound(query, before, Side::Before, joined)?);
    }
    Ok(match all {
        Term::True => None,
        Term::False => Some(Box::new(diesel::dsl::sql::<Bool>("1 = 0").nullable())),
        Term::Sql(condition) => Some(condition),
    })
}

fn bound(
    query: &ListQuery,
    position: &Position,
    side: Side,
    joined: Option<CustomFieldKey>,
) -> Result<Term, Error> {
    let greater =
        |direction: SortDirection| (side == Side::After) == (direction == SortDirection::Ascending);
    let id = position.id.hyphenated().to_string();
    // Past the last key, only the id can still decide; with the id among the keys, nothing.
    let mut rest = if !query.needs_tie_break() {
        Term::False
    } else if greater(query.tie_break()) {
        Term::Sql(Box::new(organizations::id.gt(id).nullable()))
    } else {
        Term::Sql(Box::new(organizations::id.lt(id).nullable()))
    };
    for (key, value) in query.sort.iter().zip(&position.values).rev() {
        // A key every listed organization holds (a filter needs a value) has no null to
        // place, and an `OR … IS NULL` would only hide the index's range.
        let held = super::conditions::every_row_holds(query, key.field);
        let terms = key_terms(key.field, value, greater(key.direction), side, joined, held)?;
        rest = match rest {
            // Beyond implies at-or-beyond: no need to write both.
            Term::False => terms.beyond,
            rest => terms.at_or_beyond.and(terms.beyond.or(rest)),
        };
    }
    Ok(rest)
}

/// The terms of one key. `greater`: whether "beyond" means greater values.
fn key_terms(
    field: Field,
    value: &FieldValue,
    greater: bool,
    side: Side,
    joined: Option<CustomFieldKey>,
    held: bool,
) -> Result<KeyTerms, Error> {
    use organizations::dsl as o;
    // `$value`: the compared expression (nullable); `$convert`: the cursor value as the
    // column's Rust type, `None` for a null.
    macro_rules! typed {
        ($value:expr, $convert:expr) => {{
            let value_of: Option<_> = $convert.ok_or_else(|| mismatch(field, value))?;
            let null = || Term::Sql(Box::new($value.is_null().nullable()));
            match value_of {
                Some(v) => {
                    let (beyond, at_or): (BoxedCondition, BoxedCondition) = if greater {
                        (Box::new($value.gt(v.clone())), Box::new($value.ge(v)))
                    } else {
                        (Box::new($value.lt(v.clone())), Box::new($value.le(v)))
                    };
                    if field.nullable() && !held {
                        nulls_last(Term::Sql(beyond), Term::Sql(at_or), side, null)
                    } else {
                        // No null to place: an `OR … IS NULL` would only hide the range.
                        KeyTerms {
                            beyond: Term::Sql(beyond),
                            at_or_beyond: Term::Sql(at_or),
                        }
                    }
                }
                None => null_position(side, null),
            }
        }};
    }
    let text = || match value {
        FieldValue::Text(t) => Some(t.clone()),
        _ => None,
    };
    let integer = || match value {
        FieldValue::Integer(n) => Some(*n),
        _ => None,
    };
    let datetime = || match value {
        FieldValue::DateTime(t) => Some(t.map(|t| t.naive_utc())),
        _ => None,
    };
    let id = || match value {
        FieldValue::Id(u) => Some(u.map(|u| u.hyphenated().to_string())),
        _ => None,
    };
    Ok(match field {
        Field::Id => typed!(o::id.nullable(), id()),
        Field::Name => typed!(o::name_key.nullable(), text()),
        Field::Status => typed!(o::status.nullable(), text()),
        Field::Slug => typed!(folded!(o::slug), text()),
        Field::CreatedFrom => typed!(folded!(o::created_from), text()),
        Field::CreatedAt => typed!(o::created_at.nullable(), datetime()),
        Field::UpdatedAt => typed!(o::updated_at.nullable(), datetime()),
        Field::OrganizationType => typed!(folded!(o::organization_type), text()),
        Field::Description => typed!(folded!(o::description), text()),
        Field::Website => typed!(folded!(o::website), text()),
        Field::Email => typed!(folded!(o::email), text()),
        Field::Phone => typed!(folded!(o::phone), text()),
        Field::Address => typed!(folded!(o::address), text()),
        Field::City => typed!(folded!(o::city), text()),
        Field::State => typed!(folded!(o::state), text()),
        Field::Country => typed!(folded!(o::country), text()),
        Field::Industry => typed!(folded!(o::industry), text()),
        Field::CompanySize => typed!(o::company_size, integer()),
        Field::LastContactAt => typed!(o::last_contact_at, datetime()),
        Field::ArchivedAt => typed!(o::archived_at, datetime()),
        Field::Custom(key) => custom_terms(key, value, greater, side, joined == Some(key), held)?,
        Field::Lists
        | Field::Domains
        | Field::Owner
        | Field::Title
        | Field::Notes
        | Field::Role
        | Field::Organization
        | Field::Contact
        | Field::Url
        | Field::ContentType
        | Field::SizeBytes
        | Field::ProjectStatus
        | Field::StartsOn
        | Field::EndsOn
        | Field::TaskStatus
        | Field::DueOn
        | Field::CompletedAt
        | Field::Assignee => {
            return Err(mismatch(field, value));
        }
    })
}

/// A custom key's terms, on the joined value column or on the correlated subquery the order
/// uses. The field id is written into the SQL: it is a UUID orgbase generated.
fn custom_terms(
    key: CustomFieldKey,
    value: &FieldValue,
    greater: bool,
    side: Side,
    joined: bool,
    held: bool,
) -> Result<KeyTerms, Error> {
    let column = value_column(key);
    let expression = if joined {
        format!("joined_value.{column}")
    } else {
        format!(
            "(SELECT cv.{column} FROM organization_custom_values cv \
             WHERE cv.organization_id = organizations.id AND cv.position = 0 \
             AND cv.field_id = '{}')",
            key.id.as_uuid().hyphenated()
        )
    };
    let null = || -> Term {
        Term::Sql(Box::new(sql::<Nullable<Bool>>(&format!(
            "{expression} IS NULL"
        ))))
    };
    let (strict, loose) = if greater { (">", ">=") } else { ("<", "<=") };
    macro_rules! compared {
        ($sql_type:ty, $v:expr) => {{
            let v = $v;
            let beyond: BoxedCondition = Box::new(
                sql::<Nullable<Bool>>(&format!("{expression} {strict} "))
                    .bind::<$sql_type, _>(v.clone()),
            );
            let at_or: BoxedCondition = Box::new(
                sql::<Nullable<Bool>>(&format!("{expression} {loose} ")).bind::<$sql_type, _>(v),
            );
            if held {
                KeyTerms {
                    beyond: Term::Sql(beyond),
                    at_or_beyond: Term::Sql(at_or),
                }
            } else {
                nulls_last(Term::Sql(beyond), Term::Sql(at_or), side, null)
            }
        }};
    }
    Ok(match (Field::Custom(key).kind(), value) {
        (_, FieldValue::Text(None) | FieldValue::Number(None) | FieldValue::DateTime(None))
        | (_, FieldValue::Boolean(None)) => null_position(side, null),
        (FieldKind::Text | FieldKind::Choice, FieldValue::Text(Some(t))) => {
            compared!(Text, t.clone())
        }
        (FieldKind::Number, FieldValue::Number(Some(n))) => compared!(Double, *n),
        (FieldKind::DateTime, FieldValue::DateTime(Some(t))) => {
            compared!(Timestamp, t.naive_utc())
        }
        (FieldKind::Boolean, FieldValue::Boolean(Some(b))) => compared!(Bool, *b),
        _ => return Err(mismatch(Field::Custom(key), value)),
    })
}

/// A non-null position's terms given the value comparisons: forwards, nulls (last) are
/// beyond every value; backwards, comparisons already leave them out.
fn nulls_last(beyond: Term, at_or: Term, side: Side, null: impl Fn() -> Term) -> KeyTerms {
    match side {
        Side::After => KeyTerms {
            beyond: beyond.or(null()),
            at_or_beyond: at_or.or(null()),
        },
        Side::Before => KeyTerms {
            beyond,
            at_or_beyond: at_or,
        },
    }
}

/// A null position's terms: forwards only nulls are at it and none beyond; backwards every
/// value is beyond (before) it.
fn null_position(side: Side, null: impl Fn() -> Term) -> KeyTerms {
    match side {
        Side::After => KeyTerms {
            beyond: Term::False,
            at_or_beyond: null(),
        },
        Side::Before => KeyTerms {
            beyond: match null() {
                Term::Sql(is_null) => Term::Sql(Box::new(diesel::dsl::not(is_null))),
                other => other,
            },
            at_or_beyond: Term::True,
        },
    }
}
