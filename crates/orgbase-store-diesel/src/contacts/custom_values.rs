//! The `contact_custom_values` rows: one per contact, field and position, as organizations'
//! values are (see `organizations::custom_values`), written in the transaction that writes
//! the contact after checking the fields inside it.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use orgbase_domain::{
    Contact, CustomField, CustomFieldId, CustomFields, CustomResourceType, CustomValue, Error,
    Result,
};

use crate::connection::{AnyConnection, on_inner};
use crate::custom_fields;
use crate::custom_values::{
    ReadRow, ValueColumns, columns, differences, naming_the_field, read_values,
};
use crate::errors::{TxError, from_diesel};
use crate::schema::{contact_custom_values as values, custom_fields as fields_table};

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = values, treat_none_as_default_value = false)]
pub struct ValueRow {
    pub contact_id: String,
    pub field_id: String,
    pub position: i32,
    pub text_value: Option<String>,
    pub text_key: Option<String>,
    pub number_value: Option<f64>,
    pub datetime_value: Option<NaiveDateTime>,
    pub boolean_value: Option<bool>,
    /// A copy of the field's `unique`, which the partial unique indexes key on.
    pub unique_value: bool,
}

impl From<&ValueRow> for ValueColumns {
    fn from(row: &ValueRow) -> Self {
        Self {
            position: row.position,
            text_value: row.text_value.clone(),
            text_key: row.text_key.clone(),
            number_value: row.number_value,
            datetime_value: row.datetime_value,
            boolean_value: row.boolean_value,
        }
    }
}

fn read_row(row: &ValueRow, format: String) -> ReadRow {
    ReadRow {
        holder: row.contact_id.clone(),
        field: row.field_id.clone(),
        format,
        columns: ValueColumns::from(row),
    }
}

/// Checks and writes `changes` (set or cleared values) of one contact; returns the fields
/// written (what the change log's snapshots name them by).
fn write(
    conn: &mut AnyConnection,
    contact: &Contact,
    changes: &[(&CustomFieldId, Option<&CustomValue>)],
) -> std::result::Result<CustomFields, TxError> {
    if changes.is_empty() {
        return Ok(CustomFields::EMPTY);
    }
    let contact_id = contact.id.to_string();
    let changed: Vec<String> = changes.iter().map(|(id, _)| id.to_string()).collect();
    let fields = custom_fields::checked(conn, &changed)?;
    let set: Vec<(&CustomFieldId, &CustomValue)> = changes
        .iter()
        .filter_map(|(id, value)| Some((*id, (*value)?)))
        .collect();
    fields
        .check(CustomResourceType::Contacts, set.iter().copied())
        .map_err(|errors| TxError::Domain(Error::Invalid(errors)))?;
    diesel::delete(
        values::table
            .filter(values::contact_id.eq(&contact_id))
            .filter(values::field_id.eq_any(&changed)),
    )
    .execute(conn)?;
    let new_rows: Vec<ValueRow> = set
        .into_iter()
        .flat_map(|(id, value)| {
            let unique_value = fields.get(*id).is_some_and(|f| f.unique);
            columns(value).into_iter().map(move |c| ValueRow {
                contact_id: contact.id.to_string(),
                field_id: id.to_string(),
                position: c.position,
                text_value: c.text_value,
                text_key: c.text_key,
                number_value: c.number_value,
                datetime_value: c.datetime_value,
                boolean_value: c.boolean_value,
                unique_value,
            })
        })
        .collect();
    if !new_rows.is_empty() {
        // One multi-row INSERT; diesel builds those only on the concrete connection.
        on_inner!(conn, |c| diesel::insert_into(values::table)
            .values(&new_rows)
            .execute(c))
        .map_err(|e| {
            naming_the_field(
                e,
                new_rows
                    .iter()
                    .map(|r| (r.field_id.as_str(), r.unique_value)),
            )
        })?;
    }
    Ok(fields)
}

/// Writes the values of a new contact; returns the fields it holds values of.
pub fn insert(
    conn: &mut AnyConnection,
    contact: &Contact,
) -> std::result::Result<CustomFields, TxError> {
    let changes: Vec<_> = contact.custom.iter().map(|(id, v)| (id, Some(v))).collect();
    write(conn, contact, &changes)
}

/// Rewrites the values that differ between `before` and `after`; returns those fields.
pub fn replace(
    conn: &mut AnyConnection,
    before: &Contact,
    after: &Contact,
) -> std::result::Result<CustomFields, TxError> {
    write(conn, after, &differences(&before.custom, &after.custom))
}

/// Every contact's value of `field` (by contact id, in id order): what deleting the field
/// removes.
pub fn of_field(
    conn: &mut AnyConnection,
    field: &CustomField,
) -> Result<Vec<(String, CustomValue)>> {
    let loaded: Vec<ValueRow> = values::table
        .filter(values::field_id.eq(field.id.to_string()))
        .order((values::contact_id, values::position))
        .select(ValueRow::as_select())
        .load(conn)
        .map_err(from_diesel)?;
    let rows = loaded
        .iter()
        .map(|row| read_row(row, field.format.as_str().to_owned()))
        .collect();
    Ok(read_values(rows, "contact")?
        .into_iter()
        .map(|(holder, _, value)| (holder, value))
        .collect())
}

/// Reads the custom values of `contacts` (one query for a whole page).
pub fn attach(conn: &mut AnyConnection, contacts: &mut [Contact]) -> Result<()> {
    if contacts.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = contacts.iter().map(|c| c.id.to_string()).collect();
    let loaded: Vec<(ValueRow, String)> = values::table
        .inner_join(fields_table::table)
        .filter(values::contact_id.eq_any(&ids))
        .order((values::contact_id, values::field_id, values::position))
        .select((ValueRow::as_select(), fields_table::format))
        .load(conn)
        .map_err(from_diesel)?;
    let rows = loaded
        .iter()
        .map(|(row, format)| read_row(row, format.clone()))
        .collect();
    let by_id: HashMap<String, usize> = ids.into_iter().zip(0..).collect();
    for (holder, field, value) in read_values(rows, "contact")? {
        if let Some(contact) = by_id.get(&holder).and_then(|i| contacts.get_mut(*i)) {
            contact.custom.insert(field, value);
        }
    }
    Ok(())
}
