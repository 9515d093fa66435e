//! A tasks [`ListQuery`](orgbase_domain::ListQuery) in SQL: tasks' columns for
//! [`crate::listing`].

use diesel::prelude::*;
use orgbase_domain::Field;

use crate::listing::{Column, Listing};

const LISTING: Listing = Listing {
    id: "tasks.id",
    column,
    custom_values: None,
};

fn column(field: Field) -> Option<Column> {
    Some(match field {
        Field::Id => Column::plain(field, "tasks.id"),
        Field::Organization => Column::plain(field, "tasks.organization_id"),
        Field::Assignee => Column::plain(field, "tasks.assignee_id"),
        Field::Title => Column::folded(field, "lower(tasks.title)", "tasks.title"),
        Field::TaskStatus => Column::plain(field, "tasks.status"),
        Field::DueOn => Column::plain(field, "tasks.due_on"),
        Field::CompletedAt => Column::plain(field, "tasks.completed_at"),
        Field::Description => {
            Column::folded(field, "lower(tasks.description)", "tasks.description")
        }
        Field::CreatedAt => Column::plain(field, "tasks.created_at"),
        Field::UpdatedAt => Column::plain(field, "tasks.updated_at"),
        _ => return None,
    })
}

crate::listing::table_queries!(tasks, LISTING, |_| Vec::new());
