//! The `organization_custom_values` rows: one per organization, field and position, the value
//! in the column of its format. Always written in the transaction that writes the
//! organization, after checking the fields inside it.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use orgbase_domain::{
    CustomFieldId, CustomFields, CustomResourceType, CustomValue, Error, Organization, Result,
};

use crate::connection::{AnyConnection, insert_many, on_inner};
use crate::custom_fields;
use crate::custom_values::{
    ReadRow, ValueColumns, columns, differences, naming_the_field, read_values,
};
use crate::errors::{TxError, from_diesel};
use crate::schema::{custom_fields as fields_table, organization_custom_values as values};

#[derive(Debug, Default, Queryable, Selectable, Insertable)]
#[diesel(table_name = values, treat_none_as_default_value = false)]
pub struct ValueRow {
    pub organization_id: String,
    pub field_id: String,
    pub position: i32,
    pub text_value: Option<String>,
    pub text_key: Option<String>,
    pub number_value: Option<f64>,
    pub datetime_value: Option<NaiveDateTime>,
    pub boolean_value: Option<bool>,
    /// A copy of the organization's archived state, so value indexes alone answer lists: set
    /// here when written, kept by a trigger when the organization is archived or restored.
    pub organization_archived: bool,
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

/// The rows holding one value of `org`.
fn rows(
    org: &Organization,
    field: CustomFieldId,
    value: &CustomValue,
    fields: &CustomFields,
) -> Vec<ValueRow> {
    let unique_value = fields.get(field).is_some_and(|f| f.unique);
    columns(value)
        .into_iter()
        .map(|c| ValueRow {
            organization_id: org.id.to_string(),
            field_id: field.to_string(),
            position: c.position,
            text_value: c.text_value,
            text_key: c.text_key,
            number_value: c.number_value,
            datetime_value: c.datetime_value,
            boolean_value: c.boolean_value,
            organization_archived: org.details.archived_at.is_some(),
            unique_value,
        })
        .collect()
}

/// The (field, unique) of each row written, for [`naming_the_field`].
fn written(rows: &[ValueRow]) -> impl Iterator<Item = (&str, bool)> {
    rows.iter().map(|r| (r.field_id.as_str(), r.unique_value))
}

fn read_row(row: &ValueRow, format: String) -> ReadRow {
    ReadRow {
        holder: row.organization_id.clone(),
        field: row.field_id.clone(),
        format,
        columns: ValueColumns::from(row),
    }
}

/// Checks and writes `changes` (set or cleared values) of one organization; returns the
/// definitions of the fields written (what the change log's snapshots name them by).
fn write<'a>(
    conn: &mut AnyConnection,
    org: &Organization,
    changes: impl Iterator<Item = (&'a CustomFieldId, Option<&'a CustomValue>)> + Clone,
) -> std::result::Result<CustomFields, TxError> {
    let organization_id = org.id.to_string();
    let changed: Vec<String> = changes.clone().map(|(id, _)| id.to_string()).collect();
    if changed.is_empty() {
        return Ok(CustomFields::EMPTY);
    }
    let set: Vec<(&CustomFieldId, &CustomValue)> = changes
        .clone()
        .filter_map(|(id, value)| Some((id, value?)))
        .collect();
    let fields = custom_fields::checked(conn, &changed)?;
    fields
        .check(CustomResourceType::Organizations, set.iter().copied())
        .map_err(|errors| TxError::Domain(Error::Invalid(errors)))?;
    diesel::delete(
        values::table
            .filter(values::organization_id.eq(&organization_id))
            .filter(values::field_id.eq_any(&changed)),
    )
    .execute(conn)?;
    let new_rows: Vec<ValueRow> = set
        .into_iter()
        .flat_map(|(id, value)| rows(org, *id, value, &fields))
        .collect();
    if !new_rows.is_empty() {
        // One multi-row INSERT; diesel builds those only on the concrete connection.
        on_inner!(conn, |c| diesel::insert_into(values::table)
            .values(&new_rows)
            .execute(c))
        .map_err(|e| naming_the_field(e, written(&new_rows)))?;
    }
    Ok(fields)
}

/// Writes the values of a new organization; returns the fields it holds values of.
pub fn insert(
    conn: &mut AnyConnection,
    org: &Organization,
) -> std::result::Result<CustomFields, TxError> {
    write(
        conn,
        org,
        org.details.custom.iter().map(|(id, v)| (id, Some(v))),
    )
}

/// Writes the values of new organizations, checking every field they use once; returns
/// those fields as the write saw them.
pub fn insert_all(
    conn: &mut AnyConnection,
    orgs: &[Organization],
) -> std::result::Result<CustomFields, TxError> {
    let used: std::collections::BTreeSet<&CustomFieldId> =
        orgs.iter().flat_map(|o| o.details.custom.keys()).collect();
    if used.is_empty() {
        return Ok(CustomFields::EMPTY);
    }
    let ids: Vec<String> = used.iter().map(|id| id.to_string()).collect();
    let fields = custom_fields::checked(conn, &ids)?;
    let mut new_rows = Vec::new();
    for org in orgs {
        fields
            .check(CustomResourceType::Organizations, org.details.custom.iter())
            .map_err(|errors| TxError::Domain(Error::Invalid(errors)))?;
        new_rows.extend(
            org.details
                .custom
                .iter()
                .flat_map(|(id, value)| rows(org, *id, value, &fields)),
        );
    }
    insert_many!(&mut *conn, values::table, &new_rows)
        .map_err(|e| naming_the_field(e, written(&new_rows)))?;
    Ok(fields)
}

/// Rewrites the values that differ between `before` and `after`; returns those fields.
/// (Archiving or restoring updates the archived state the other rows copy by a trigger.)
pub fn replace(
    conn: &mut AnyConnection,
    before: &Organization,
    after: &Organization,
) -> std::result::Result<CustomFields, TxError> {
    let changes = differences(&before.details.custom, &after.details.custom);
    write(conn, after, changes.into_iter())
}

/// Every organization's value of `field` (by organization id, in id order): what deleting
/// the field removes.
pub fn of_field(
    conn: &mut AnyConnection,
    field: &orgbase_domain::CustomField,
) -> Result<Vec<(String, CustomValue)>> {
    let loaded: Vec<ValueRow> = values::table
        .filter(values::field_id.eq(field.id.to_string()))
        .order((values::organization_id, values::position))
        .select(ValueRow::as_select())
        .load(conn)
        .map_err(from_diesel)?;
    let rows = loaded
        .iter()
        .map(|row| read_row(row, field.format.as_str().to_owned()))
        .collect();
    Ok(read_values(rows, "organization")?
        .into_iter()
        .map(|(holder, _, value)| (holder, value))
        .collect())
}

/// The fields `orgs` hold values of, share-locked as [`custom_fields::checked`] does: what a
/// batch's change log snapshots name them by.
pub fn lock_fields<'a>(
    conn: &mut AnyConnection,
    orgs: impl IntoIterator<Item = &'a Organization>,
) -> std::result::Result<orgbase_domain::CustomFields, TxError> {
    let ids: std::collections::BTreeSet<String> = orgs
        .into_iter()
        .flat_map(|o| o.details.custom.keys())
        .map(ToString::to_string)
        .collect();
    if ids.is_empty() {
        return Ok(orgbase_domain::CustomFields::EMPTY);
    }
    let ids: Vec<String> = ids.into_iter().collect();
    custom_fields::checked(conn, &ids)
}

/// Reads the custom values of `orgs` (one query for a whole page).
pub fn attach(conn: &mut AnyConnection, orgs: &mut [Organization]) -> Result<()> {
    if orgs.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = orgs.iter().map(|o| o.id.to_string()).collect();
    macro_rules! value_rows {
        ($conn:expr, $condition:expr) => {
            values::table
                .inner_join(fields_table::table)
                .filter($condition)
                .order((values::organization_id, values::field_id, values::position))
                .select((ValueRow::as_select(), fields_table::format))
                .load($conn)
        };
    }
    // One organization (every get, create and update) gets a query diesel keeps prepared, on
    // the inner connection so that its SQL is not written out again (see `store::load`);
    // an `IN` list of varying length is parsed afresh every time.
    let loaded: Vec<(ValueRow, String)> = match ids.as_slice() {
        [one] => on_inner!(&mut *conn, |c| value_rows!(
            c,
            values::organization_id.eq(one)
        )),
        _ => on_inner!(&mut *conn, |c| value_rows!(
            c,
            values::organization_id.eq_any(&ids)
        )),
    }
    .map_err(from_diesel)?;
    let rows = loaded
        .iter()
        .map(|(row, format)| read_row(row, format.clone()))
        .collect();
    let by_id: HashMap<String, usize> = ids.into_iter().zip(0..).collect();
    for (holder, field, value) in read_values(rows, "organization")? {
        if let Some(org) = by_id.get(&holder).and_then(|i| orgs.get_mut(*i)) {
            org.details.custom.insert(field, value);
        }
    }
    Ok(())
}
