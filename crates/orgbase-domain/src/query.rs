//! The storage-agnostic list query: which organizations, in which order, which page.
//!
//! The HTTP layer parses query strings into a [`ListQuery`]; every backend executes it itself
//! (SQL for diesel), never by loading a table into memory. [`SortKey::compare`] is the
//! reference ordering: the in-memory store sorts with it and SQL backends must agree with it.

use std::cmp::Ordering;

use crate::organization::Organization;

/// Attributes a list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    /// By the normalised name, so case does not decide the order.
    Name,
    Slug,
    CreatedAt,
    UpdatedAt,
}

impl SortField {
    pub const ALL: [SortField; 4] = [
        SortField::Name,
        SortField::Slug,
        SortField::CreatedAt,
        SortField::UpdatedAt,
    ];

    /// The attribute name clients use in `sort=`.
    pub fn attribute(self) -> &'static str {
        match self {
            SortField::Name => "name",
            SortField::Slug => "slug",
            SortField::CreatedAt => "created_at",
            SortField::UpdatedAt => "updated_at",
        }
    }

    pub fn from_attribute(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.attribute() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDirection {
    Ascending,
    Descending,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub field: SortField,
    pub direction: SortDirection,
}

impl SortKey {
    pub fn ascending(field: SortField) -> Self {
        Self {
            field,
            direction: SortDirection::Ascending,
        }
    }

    pub fn descending(field: SortField) -> Self {
        Self {
            field,
            direction: SortDirection::Descending,
        }
    }

    /// The reference ordering of two organizations under this key alone.
    pub fn compare(&self, a: &Organization, b: &Organization) -> Ordering {
        let ordering = match self.field {
            SortField::Name => a.name_key().cmp(&b.name_key()),
            SortField::Slug => a.slug.cmp(&b.slug),
            SortField::CreatedAt => a.created_at.cmp(&b.created_at),
            SortField::UpdatedAt => a.updated_at.cmp(&b.updated_at),
        };
        match self.direction {
            SortDirection::Ascending => ordering,
            SortDirection::Descending => ordering.reverse(),
        }
    }
}

/// Which organizations a list shows by their archive state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArchivedFilter {
    /// Only those not archived: the default, archived records are hidden from lists.
    #[default]
    Exclude,
    /// Only archived ones.
    Only,
    /// Both.
    Any,
}

impl ArchivedFilter {
    pub fn admits(self, org: &Organization) -> bool {
        match self {
            ArchivedFilter::Exclude => org.details.archived_at.is_none(),
            ArchivedFilter::Only => org.details.archived_at.is_some(),
            ArchivedFilter::Any => true,
        }
    }
}

pub const DEFAULT_PAGE_SIZE: u64 = 100;
pub const MAX_PAGE_SIZE: u64 = 1000;

/// A page by number (from 1) and size (1 to [`MAX_PAGE_SIZE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub number: u64,
    pub size: u64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            number: 1,
            size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl PageRequest {
    pub fn offset(&self) -> u64 {
        (self.number.saturating_sub(1)).saturating_mul(self.size)
    }
}

/// A list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub archived: ArchivedFilter,
    /// Sort keys in priority order. Backends always end with the id, ascending, as a
    /// tie-breaker so pages neither overlap nor skip rows.
    pub sort: Vec<SortKey>,
    pub page: PageRequest,
}

impl Default for ListQuery {
    /// Not archived, oldest first, the first page of 100.
    fn default() -> Self {
        Self {
            archived: ArchivedFilter::default(),
            sort: vec![SortKey::ascending(SortField::CreatedAt)],
            page: PageRequest::default(),
        }
    }
}

impl ListQuery {
    /// The reference total ordering: the sort keys, then the id.
    pub fn compare(&self, a: &Organization, b: &Organization) -> Ordering {
        self.sort
            .iter()
            .map(|key| key.compare(a, b))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| a.id.cmp(&b.id))
    }
}

/// One page of results and how many match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}
