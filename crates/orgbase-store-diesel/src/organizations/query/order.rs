//! Sort keys as ORDER BY terms, ending with the id in the direction of the last key, read
//! forwards or, for a page before a cursor, backwards (every term reversed, nulls first).

use diesel::prelude::*;
use orgbase_domain::{Field, ListQuery, SortDirection, SortKey};

use super::conditions::every_row_holds;
use super::custom;
use super::sql::{BoxedOrder, BoxedOrganizations, folded};
use crate::schema::organizations;

/// ORDER BY terms for one key: nullable fields first order by "is null" so nulls come last
/// in both directions (first when `reversed`), unless every row `holds` a value (a filter
/// needs one): that term would only keep an index on the values from serving the order.
pub fn order_terms(key: &SortKey, reversed: bool, holds: bool) -> Vec<BoxedOrder> {
    use organizations::dsl as o;
    let ascending = (key.direction == SortDirection::Ascending) != reversed;
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
            if holds {
                vec![by!($value)]
            } else if reversed {
                vec![
                    Box::new($column.is_null().desc()) as BoxedOrder,
                    by!($value),
                ]
            } else {
                vec![Box::new($column.is_null().asc()) as BoxedOrder, by!($value)]
            }
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
            custom::subquery_order(custom, key.direction, reversed)
        }
        // Not sortable, or other types. fields; the HTTP layer refuses them before they get here.
        Field::Lists
        | Field::Domains
        | Field::Owner
        | Field::Custom(_)
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
        | Field::Assignee => Vec::new(),
    }
}

/// Orders by the query's keys, then the id.
pub fn sorted(
    mut rows: BoxedOrganizations,
    query: &ListQuery,
    reversed: bool,
) -> BoxedOrganizations {
    for key in &query.sort {
        for term in order_terms(key, reversed, every_row_holds(query, key.field)) {
            rows = rows.then_order_by(term);
        }
    }
    if query.needs_tie_break() {
        rows = rows.then_order_by(tie_break(query, reversed));
    }
    rows
}

/// The id term that ends every order, in the direction [`ListQuery::tie_break`] gives.
pub fn tie_break(query: &ListQuery, reversed: bool) -> BoxedOrder {
    if (query.tie_break() == SortDirection::Ascending) != reversed {
        Box::new(organizations::id.asc())
    } else {
        Box::new(organizations::id.desc())
    }
}
