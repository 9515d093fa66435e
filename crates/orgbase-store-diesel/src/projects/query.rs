//! A projects [`ListQuery`](orgbase_domain::ListQuery) in SQL: projects' columns for
//! [`crate::listing`].

use diesel::prelude::*;
use orgbase_domain::Field;

use crate::listing::{Column, Listing};

const LISTING: Listing = Listing {
    id: "projects.id",
    column,
    custom_values: None,
};

fn column(field: Field) -> Option<Column> {
    Some(match field {
        Field::Id => Column::plain(field, "projects.id"),
        Field::Organization => Column::plain(field, "projects.organization_id"),
        Field::Name => Column::plain(field, "projects.name_key"),
        Field::ProjectStatus => Column::plain(field, "projects.status"),
        Field::StartsOn => Column::plain(field, "projects.starts_on"),
        Field::EndsOn => Column::plain(field, "projects.ends_on"),
        Field::Description => {
            Column::folded(field, "lower(projects.description)", "projects.description")
        }
        Field::CreatedAt => Column::plain(field, "projects.created_at"),
        Field::UpdatedAt => Column::plain(field, "projects.updated_at"),
        _ => return None,
    })
}

crate::listing::table_queries!(projects, LISTING, |_| Vec::new());
