//! A documents [`ListQuery`](orgbase_domain::ListQuery) in SQL: documents' columns for
//! [`crate::listing`].

use diesel::prelude::*;
use orgbase_domain::Field;

use crate::listing::{Column, Listing};

const LISTING: Listing = Listing {
    id: "documents.id",
    column,
    custom_values: None,
};

fn column(field: Field) -> Option<Column> {
    Some(match field {
        Field::Id => Column::plain(field, "documents.id"),
        Field::Organization => Column::plain(field, "documents.organization_id"),
        Field::Title => Column::folded(field, "lower(documents.title)", "documents.title"),
        Field::Url => Column::folded(field, "lower(documents.url)", "documents.url"),
        Field::ContentType => Column::folded(
            field,
            "lower(documents.content_type)",
            "documents.content_type",
        ),
        Field::SizeBytes => Column::plain(field, "documents.size_bytes"),
        Field::Description => Column::folded(
            field,
            "lower(documents.description)",
            "documents.description",
        ),
        Field::CreatedAt => Column::plain(field, "documents.created_at"),
        Field::UpdatedAt => Column::plain(field, "documents.updated_at"),
        _ => return None,
    })
}

crate::listing::table_queries!(documents, LISTING, |_| Vec::new());
