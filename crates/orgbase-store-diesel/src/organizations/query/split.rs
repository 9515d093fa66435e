//! A list sorted first by a nullable key with an index of its values (a custom field, the
//! company size), read in two parts: the organizations holding a value of it, in its order,
//! then those without one (which sort last both ways), in the order of the other keys.
//!
//! Read as one query, "missing values last" is an `IS NULL` sort term no index serves, so
//! both planners sort every organization to answer page 1 (a second at 1,000,000 rows). Each
//! part alone is index-ordered: the holders are the value index walked in order (the plan a
//! filter that needs a value already gets), and the others are the organizations lacking a
//! value, in id (or the next key's) order. The first part answers every page until its rows
//! run out; only then is the second read, and only a page that starts past every holder
//! counts them (one range of the value index) to know where in the second part it starts.
//! Cursor bounds are divided the same way: a position with a value bounds the holders, one
//! without bounds the others.

use orgbase_domain::query::FieldValue;
use orgbase_domain::{Condition, Error, Field, Filter, Keyset, ListQuery, Position, SortKey};

use super::{count, planned_page};
use crate::connection::AnyConnection;
use crate::organizations::row::OrganizationRow;

/// The two parts of a list sorted first by a custom field that some organizations may lack.
pub struct Parts {
    /// The holders, in the list's order; `None` when the bounds leave none.
    holders: Option<ListQuery>,
    /// The others, in the order of the keys after the first; `None` when the bounds leave
    /// none.
    others: Option<ListQuery>,
    backwards: bool,
}

/// `None` for lists read by one plan: not sorted first by a custom field the join serves or
/// by the company size (the one nullable attribute with an index of its values), or filtered
/// so that every listed organization holds a value (then there is no second part).
pub fn by_first_nullable_key(query: &ListQuery) -> Option<Parts> {
    let field = query.sort.first()?.field;
    let indexed = match field {
        Field::Custom(key) => super::custom::joined_key(query) == Some(key),
        Field::CompanySize => true,
        _ => false,
    };
    if !indexed {
        return None;
    }
    if super::conditions::every_row_holds(query, field) {
        return None;
    }
    let with_filter = |held: bool, keyset: Option<Keyset>| {
        let mut part = query.clone();
        part.filters.push(Filter {
            field,
            condition: Condition::Null(!held),
        });
        if !held {
            part.sort.remove(0);
            if part.sort.is_empty() {
                // Alone, the ties are ordered by id in the first key's direction.
                part.sort.push(SortKey {
                    field: Field::Id,
                    direction: query.tie_break(),
                });
            }
        }
        part.page.keyset = keyset;
        part.with_total = false;
        part
    };
    let Some(keyset) = &query.page.keyset else {
        return Some(Parts {
            holders: Some(with_filter(true, None)),
            others: Some(with_filter(false, None)),
            backwards: false,
        });
    };
    let lacks = |p: &Position| p.values.first().is_some_and(FieldValue::is_null);
    let after_lacks = keyset.after.as_ref().is_some_and(lacks);
    let before_holds = keyset.before.as_ref().is_some_and(|p| !lacks(p));
    // Paging back from among the others reads the last holders by the opposite order, which
    // is their exact reverse only without nulls in the later keys (nulls sort last both ways).
    if keyset.is_backwards() && !before_holds && query.sort[1..].iter().any(|k| k.field.nullable())
    {
        return None;
    }
    // A range from a holder to one of the others would read the others from their start up
    // to a bound, which a keyset cannot say (a lone `before` reads backwards): one plan.
    let after_holds = keyset.after.as_ref().is_some_and(|p| !lacks(p));
    let before_lacks = keyset.before.as_ref().is_some_and(lacks);
    if after_holds && before_lacks {
        return None;
    }
    // A position without a value is past every holder; one with a value, before every other.
    let holders = (!after_lacks).then(|| {
        let before = keyset.before.clone().filter(|p| !lacks(p));
        if keyset.is_backwards() && before.is_none() {
            // The last holders, last first: the holders in the opposite order (they have no
            // missing values to keep last), read forwards.
            let mut part = with_filter(true, Some(Keyset::default()));
            for key in &mut part.sort {
                key.direction = key.direction.reversed();
            }
            return part;
        }
        with_filter(
            true,
            Some(Keyset {
                after: keyset.after.clone(),
                before,
            }),
        )
    });
    let others = (!before_holds).then(|| {
        with_filter(
            false,
            Some(Keyset {
                after: keyset.after.as_ref().filter(|p| lacks(p)).map(rest),
                before: keyset.before.as_ref().filter(|p| lacks(p)).map(rest),
            }),
        )
    });
    Some(Parts {
        holders,
        others,
        backwards: keyset.is_backwards(),
    })
}

/// A position in the second part: without the first key, which it lacks (the id stands in
/// when no other key is left, as the part is then sorted by it).
fn rest(position: &Position) -> Position {
    let mut values = position.values[1..].to_vec();
    if values.is_empty() {
        values.push(FieldValue::Id(Some(position.id)));
    }
    Position {
        values,
        id: position.id,
    }
}

impl Parts {
    pub fn page(
        self,
        conn: &mut AnyConnection,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<OrganizationRow>, Error> {
        // Read in the page's direction: backwards, the others come first.
        let (first, second) = if self.backwards {
            (self.others, self.holders)
        } else {
            (self.holders, self.others)
        };
        let mut rows = match &first {
            Some(part) => planned_page(conn, part, limit, offset)?,
            None => Vec::new(),
        };
        let short = limit - i64::try_from(rows.len()).unwrap_or(limit);
        if let (Some(part), true) = (second, short > 0) {
            // Past the first part: where the page starts in the second. With rows of the
            // first part on this page, at its start; without, `offset` less the first part's
            // size (counted only then; keyset pages have no offset).
            let skip = match (&first, rows.is_empty(), offset) {
                (Some(first), true, o) if o > 0 => (o - count(conn, first)?).max(0),
                _ => 0,
            };
            rows.extend(planned_page(conn, &part, short, skip)?);
        }
        Ok(rows)
    }
}
