//! A memberships [`ListQuery`] in SQL: memberships' columns for [`crate::listing`].

use diesel::prelude::*;
use orgbase_domain::Field;

use crate::listing::{Column, Listing};

const LISTING: Listing = Listing {
    id: "memberships.id",
    column,
    custom_values: None,
};

fn column(field: Field) -> Option<Column> {
    Some(match field {
        Field::Id => Column::plain(field, "memberships.id"),
        Field::Role => Column::plain(field, "memberships.role"),
        Field::Organization => Column::plain(field, "memberships.organization_id"),
        Field::Contact => Column::plain(field, "memberships.contact_id"),
        Field::CreatedAt => Column::plain(field, "memberships.created_at"),
        Field::UpdatedAt => Column::plain(field, "memberships.updated_at"),
        _ => return None,
    })
}

crate::listing::table_queries!(memberships, LISTING, |_| Vec::new());
