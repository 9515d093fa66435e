//! Which page of a list: by number (an offset), or by position (a keyset, for cursor
//! pagination), and the reference cut of a page from all the matches in order.
//!
//! A position is a record's place in the list's order: its sort keys' values, then its id. A
//! keyset page holds the records strictly after one position and/or strictly before another,
//! so it costs what the page costs at any depth, and rows written or deleted elsewhere in the
//! list never shift it: a walk by positions sees every record that existed throughout exactly
//! once.

use std::cmp::Ordering;

use uuid::Uuid;

use super::{FieldValue, compare_values};
use crate::time::Timestamp;

pub const DEFAULT_PAGE_SIZE: u64 = 100;
pub const MAX_PAGE_SIZE: u64 = 1000;

/// A record's place in a list's order: the values of the sort keys, in order, folded as the
/// query compares them, then the id that breaks ties.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub values: Vec<FieldValue>,
    pub id: Uuid,
}

impl Position {
    /// A record's place in an oldest-first list (users, API keys, custom fields): its creation
    /// time, then its id.
    pub fn oldest_first(created_at: Timestamp, id: Uuid) -> Self {
        Self {
            values: vec![FieldValue::DateTime(Some(created_at))],
            id,
        }
    }

    /// Two positions of a list ordered ascending by every key, then by id (the oldest-first
    /// lists' order).
    pub fn cmp_ascending(&self, other: &Self) -> Ordering {
        self.values
            .iter()
            .zip(&other.values)
            .map(|(a, b)| compare_values(a, b))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| self.id.cmp(&other.id))
    }
}

/// The bounds of a keyset page; both absent is the first page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Keyset {
    /// The page starts strictly after this position.
    pub after: Option<Position>,
    /// The page ends strictly before this position. Alone, the page is the last `size`
    /// records before it (paging backwards); with `after`, the first `size` between the two.
    pub before: Option<Position>,
}

impl Keyset {
    /// Paging backwards: a `before` bound without an `after` one, so the page is the last
    /// records before it and is read in reverse order.
    pub fn is_backwards(&self) -> bool {
        self.before.is_some() && self.after.is_none()
    }
}

/// A page by number (from 1) and size (1 to [`MAX_PAGE_SIZE`]), or, when `keyset` is set, by
/// position (`number` is then 1 and unused).
#[derive(Debug, Clone, PartialEq)]
pub struct PageRequest {
    pub number: u64,
    pub size: u64,
    pub keyset: Option<Keyset>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            number: 1,
            size: DEFAULT_PAGE_SIZE,
            keyset: None,
        }
    }
}

impl PageRequest {
    /// Page `number` of `size` records.
    pub fn numbered(number: u64, size: u64) -> Self {
        Self {
            number,
            size,
            keyset: None,
        }
    }

    /// How many rows a store reads for the page: one more than it holds on keyset pages and
    /// when the list is not `counted`, so the extra row says whether more follow (or precede).
    pub fn rows_to_read(&self, counted: bool) -> u64 {
        if counted && self.keyset.is_none() {
            self.size
        } else {
            self.size.saturating_add(1)
        }
    }

    /// Settles the rows a store read for the page ([`Self::rows_to_read`], in the order it
    /// read them): drops the extra row, puts a backward page back in the list's order, and
    /// says whether records lie beyond it: `(has_next, has_previous)`, as [`Page`] has them.
    pub fn settle<T>(&self, rows: &mut Vec<T>, total: Option<u64>) -> (bool, bool) {
        let more = rows.len() as u64 > self.size;
        rows.truncate(usize::try_from(self.size).unwrap_or(usize::MAX));
        match (&self.keyset, total) {
            (Some(keyset), _) if keyset.is_backwards() => {
                rows.reverse();
                (false, more)
            }
            (Some(_), _) | (None, None) => (more, false),
            (None, Some(total)) => (
                self.offset().saturating_add(rows.len() as u64) < total,
                false,
            ),
        }
    }

    /// How many records precede the page: always 0 for a keyset page.
    pub fn offset(&self) -> u64 {
        if self.keyset.is_some() {
            return 0;
        }
        (self.number.saturating_sub(1)).saturating_mul(self.size)
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many match in all (keyset bounds aside); `None` when the query asked not to count.
    pub total: Option<u64>,
    /// Whether records follow the page within the request's bounds. Paging backwards does not
    /// look (the records after a `before` bound start with the bound itself): `false`.
    pub has_next: bool,
    /// Whether records precede the page within the request's bounds; only paging backwards
    /// looks, otherwise `false`.
    pub has_previous: bool,
}

impl<T> Page<T> {
    /// The reference page cut from all the matches, in order: `place` compares a record with
    /// a position in the list's order. Every backend's pages must be these.
    pub fn cut(
        sorted: Vec<T>,
        page: &PageRequest,
        with_total: bool,
        place: impl Fn(&T, &Position) -> Ordering,
    ) -> Self {
        let total = with_total.then_some(sorted.len() as u64);
        let size = usize::try_from(page.size).unwrap_or(usize::MAX);
        let Some(keyset) = &page.keyset else {
            let offset = usize::try_from(page.offset()).unwrap_or(usize::MAX);
            let all = sorted.len();
            let items: Vec<T> = sorted.into_iter().skip(offset).take(size).collect();
            return Self {
                has_next: offset.saturating_add(items.len()) < all,
                has_previous: false,
                total,
                items,
            };
        };
        let mut within: Vec<T> = sorted
            .into_iter()
            .filter(|item| {
                keyset
                    .after
                    .as_ref()
                    .is_none_or(|p| place(item, p) == Ordering::Greater)
                    && keyset
                        .before
                        .as_ref()
                        .is_none_or(|p| place(item, p) == Ordering::Less)
            })
            .collect();
        if keyset.is_backwards() {
            let skipped = within.len().saturating_sub(size);
            let items = within.split_off(skipped);
            Self {
                items,
                total,
                has_next: false,
                has_previous: skipped > 0,
            }
        } else {
            let has_next = within.len() > size;
            within.truncate(size);
            Self {
                items: within,
                total,
                has_next,
                has_previous: false,
            }
        }
    }
}
