//! A contacts [`ListQuery`] in SQL: contacts' columns for [`crate::listing`], and their
//! search.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};
use orgbase_domain::{Field, ListQuery};

use crate::listing::{BoxedCondition, Column, Listing, ValueTable, any, containing, like};
use crate::schema::contacts;

const LISTING: Listing = Listing {
    id: "contacts.id",
    column,
    custom_values: Some(ValueTable {
        table: "contact_custom_values",
        holder: "contact_id",
    }),
};

fn column(field: Field) -> Option<Column> {
    Some(match field {
        Field::Id => Column::plain(field, "contacts.id"),
        Field::Owner => Column::plain(field, "contacts.owner_id"),
        Field::Name => Column::plain(field, "contacts.name_key"),
        Field::Email => Column::folded(field, "lower(contacts.email)", "contacts.email"),
        Field::Phone => Column::folded(field, "lower(contacts.phone)", "contacts.phone"),
        Field::Title => Column::folded(field, "lower(contacts.title)", "contacts.title"),
        Field::Notes => Column::folded(field, "lower(contacts.notes)", "contacts.notes"),
        Field::CreatedAt => Column::plain(field, "contacts.created_at"),
        Field::UpdatedAt => Column::plain(field, "contacts.updated_at"),
        _ => return None,
    })
}

/// `filter[q]`: any searched field contains the text, folded as the reference folds each
/// (the name Unicode-lower-cased through its key, the rest ASCII). A scan of the filtered
/// rows: contacts have no trigram index yet.
fn search(text: &str) -> BoxedCondition<contacts::table> {
    let unicode = containing(&Field::Name.fold(text));
    let ascii = containing(&Field::Email.fold(text));
    any(vec![
        like("contacts.name_key", unicode),
        like("lower(contacts.email)", ascii.clone()),
        like("lower(contacts.phone)", ascii.clone()),
        like("lower(contacts.title)", ascii),
    ])
}

/// The search, and the members of an organization.
fn more(query: &ListQuery) -> Vec<BoxedCondition<contacts::table>> {
    let mut conditions = Vec::new();
    if let Some(text) = &query.search {
        conditions.push(search(text));
    }
    if let Some(org) = query.member_of {
        conditions.push(Box::new(
            sql::<Nullable<Bool>>(
                "contacts.id IN (SELECT contact_id FROM memberships WHERE organization_id = ",
            )
            .bind::<Text, _>(org.to_string())
            .sql(")"),
        ) as BoxedCondition<contacts::table>);
    }
    conditions
}

crate::listing::table_queries!(contacts, LISTING, more);
