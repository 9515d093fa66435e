//! Custom field definitions in SQL.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use orgbase_domain::change::{ChangeEntry, Snapshot, Version, Write};
use orgbase_domain::custom_field::{options_in_use, values_collide};
use orgbase_domain::time::{self, Timestamp};
use orgbase_domain::{
    CustomField, CustomFieldId, CustomFieldPatch, CustomFields, CustomFormat, CustomResourceType,
    Error, ResourceType, Result, UserId,
};

use crate::changes;
use crate::columns::{to_json, utc};
use crate::connection::AnyConnection;
use crate::errors::{TxError, from_diesel};
use crate::organizations::custom_values;
use crate::schema::{
    contact_custom_values, contacts, custom_fields, organization_custom_values, organizations,
};

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = custom_fields)]
pub struct CustomFieldRow {
    pub id: String,
    pub identifier: String,
    pub name: String,
    pub format: String,
    pub options: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    pub is_unique: bool,
    pub resource_type: String,
}

impl From<&CustomField> for CustomFieldRow {
    fn from(field: &CustomField) -> Self {
        Self {
            id: field.id.to_string(),
            identifier: field.identifier.clone(),
            name: field.name.clone(),
            format: field.format.as_str().to_owned(),
            options: to_json(&field.options),
            created_at: field.created_at.naive_utc(),
            updated_at: field.updated_at.naive_utc(),
            version: i64::try_from(field.version).unwrap_or(i64::MAX),
            is_unique: field.unique,
            resource_type: field.resource_type.as_str().to_owned(),
        }
    }
}

impl TryFrom<CustomFieldRow> for CustomField {
    type Error = Error;

    fn try_from(row: CustomFieldRow) -> Result<Self> {
        let corrupt = |what: &str| {
            Error::Backend(format!("custom field {} has an unreadable {what}", row.id))
        };
        Ok(CustomField {
            id: row.id.parse().map_err(|_| corrupt("id"))?,
            format: CustomFormat::parse(&row.format).ok_or_else(|| corrupt("format"))?,
            resource_type: CustomResourceType::parse(&row.resource_type)
                .ok_or_else(|| corrupt("resource type"))?,
            options: serde_json::from_str(&row.options).map_err(|_| corrupt("options"))?,
            identifier: row.identifier,
            name: row.name,
            unique: row.is_unique,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: u64::try_from(row.version).unwrap_or(0),
        })
    }
}

fn fields(rows: Vec<CustomFieldRow>) -> Result<CustomFields> {
    Ok(CustomFields::new(
        rows.into_iter()
            .map(CustomField::try_from)
            .collect::<Result<_>>()?,
    ))
}

pub fn insert(
    conn: &mut AnyConnection,
    field: &CustomField,
    actor: Option<UserId>,
) -> Result<Version> {
    let version = conn.transaction::<_, TxError, _>(|conn| {
        let entry = ChangeEntry::created(
            ResourceType::CustomFields,
            field.id,
            &Snapshot::custom_field(field),
            time::now(),
            actor,
        );
        let version = changes::record(conn, Some(entry))?;
        diesel::insert_into(custom_fields::table)
            .values(CustomFieldRow::from(&CustomField {
                version,
                ..field.clone()
            }))
            .execute(conn)?;
        Ok(version)
    })?;
    Ok(version)
}

fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<CustomFieldRow>> {
    custom_fields::table
        .find(id)
        .select(CustomFieldRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn get(conn: &mut AnyConnection, id: CustomFieldId) -> Result<CustomField> {
    find(conn, &id.to_string())
        .map_err(from_diesel)?
        .ok_or_else(|| Error::custom_field_not_found(id))?
        .try_into()
}

pub fn list(conn: &mut AnyConnection) -> Result<CustomFields> {
    let rows = custom_fields::table
        .select(CustomFieldRow::as_select())
        .load(conn)
        .map_err(from_diesel)?;
    fields(rows)
}

/// The fields with these ids, as they are inside the current transaction. On PostgreSQL the
/// rows are share-locked until it ends, so an options change (which updates the row first)
/// either waits for this write or is seen by it.
pub fn locked(conn: &mut AnyConnection, ids: &[String]) -> QueryResult<Vec<CustomFieldRow>> {
    // A macro, not a closure: the selection's type depends on the backend.
    macro_rules! query {
        () => {
            custom_fields::table
                .filter(custom_fields::id.eq_any(ids))
                .select(CustomFieldRow::as_select())
        };
    }
    match conn {
        AnyConnection::Postgresql(pg) => query!().for_share().load(pg),
        // SQLite writers hold the database's one write lock already.
        AnyConnection::Sqlite(sqlite) => query!().load(sqlite),
    }
}

/// The checks of [`CustomFields::check`] against the fields as stored now.
pub fn checked(
    conn: &mut AnyConnection,
    ids: &[String],
) -> std::result::Result<CustomFields, TxError> {
    let rows = locked(conn, ids)?;
    fields(rows).map_err(TxError::Domain)
}

pub fn update(
    conn: &mut AnyConnection,
    id: CustomFieldId,
    patch: &CustomFieldPatch,
    now: Timestamp,
    write: Write,
) -> Result<CustomField> {
    let id_text = id.to_string();
    let field = conn.transaction::<_, TxError, _>(|conn| {
        // Write first: the row lock makes concurrent writers of this field's values wait (see
        // `locked`), so the count below sees every value that will exist.
        let touched = diesel::update(custom_fields::table.find(&id_text))
            .set(custom_fields::id.eq(custom_fields::id))
            .execute(conn)?;
        let row = find(conn, &id_text)?;
        let (Some(row), 1) = (row, touched) else {
            return Err(TxError::Domain(Error::custom_field_not_found(id)));
        };
        let mut field = CustomField::try_from(row).map_err(TxError::Domain)?;
        if !write.admits(field.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        let before = Snapshot::custom_field(&field);
        if let Some(options) = &patch.options {
            let removed = field.removed_options(options);
            if !removed.is_empty() {
                // Counted among the records, as a multi-select holds a row per chosen option.
                macro_rules! holders {
                    ($records:ident, $values:ident, $holder:ident) => {
                        $records::table
                            .filter(
                                $records::id.eq_any(
                                    $values::table
                                        .filter($values::field_id.eq(&id_text))
                                        .filter($values::text_value.eq_any(&removed))
                                        .select($values::$holder),
                                ),
                            )
                            .count()
                            .get_result::<i64>(conn)?
                    };
                }
                let holders = match field.resource_type {
                    CustomResourceType::Organizations => {
                        holders!(organizations, organization_custom_values, organization_id)
                    }
                    CustomResourceType::Contacts => {
                        holders!(contacts, contact_custom_values, contact_id)
                    }
                };
                if holders > 0 {
                    let holders = u64::try_from(holders).unwrap_or(0);
                    return Err(TxError::Domain(options_in_use(&field, &removed, holders)));
                }
            }
        }
        let making_unique = patch.unique.is_some_and(|u| u != field.unique);
        if patch.unique == Some(true) && making_unique {
            let holders = colliding_holders(conn, &field)?;
            if holders > 0 {
                return Err(TxError::Domain(values_collide(&field, holders)));
            }
        }
        if patch.apply(&mut field, now) {
            if making_unique {
                macro_rules! copy_unique {
                    ($values:ident) => {
                        diesel::update($values::table.filter($values::field_id.eq(&id_text)))
                            .set($values::unique_value.eq(field.unique))
                            .execute(conn)?
                    };
                }
                match field.resource_type {
                    CustomResourceType::Organizations => {
                        copy_unique!(organization_custom_values)
                    }
                    CustomResourceType::Contacts => copy_unique!(contact_custom_values),
                };
            }
            let after = Snapshot::custom_field(&field);
            field.version = changes::record(
                conn,
                ChangeEntry::updated(
                    ResourceType::CustomFields,
                    id,
                    &before,
                    &after,
                    now,
                    write.actor,
                ),
            )?;
            diesel::update(custom_fields::table.find(&id_text))
                .set(CustomFieldRow::from(&field))
                .execute(conn)?;
        }
        Ok(field)
    })?;
    Ok(field)
}

/// How many records hold a value of `field` that another one holds too, counted by the
/// database per shared key (text keys are lower-cased already).
fn colliding_holders(conn: &mut AnyConnection, field: &CustomField) -> QueryResult<u64> {
    use diesel::dsl::count_star;
    let id = field.id.to_string();
    macro_rules! shared {
        ($values:ident, $key:ident) => {
            $values::table
                .filter($values::field_id.eq(&id))
                .filter($values::$key.is_not_null())
                .group_by($values::$key)
                .having(count_star().gt(1))
                .select(count_star())
                .load::<i64>(conn)?
        };
    }
    use {contact_custom_values as contacts, organization_custom_values as orgs};
    let groups = match (field.resource_type, field.format) {
        (CustomResourceType::Organizations, CustomFormat::Number) => shared!(orgs, number_value),
        (CustomResourceType::Organizations, _) => shared!(orgs, text_key),
        (CustomResourceType::Contacts, CustomFormat::Number) => shared!(contacts, number_value),
        (CustomResourceType::Contacts, _) => shared!(contacts, text_key),
    };
    Ok(groups
        .into_iter()
        .map(|n| u64::try_from(n).unwrap_or(0))
        .sum())
}

/// Deletes the field; its values go with it (`ON DELETE CASCADE`). Each organization (or
/// contact) that held one gets an update entry; its version stays (writing its row would lock
/// records while holding the field, the reverse of a record write's order, which locks its row
/// and then the fields), and its ETag changes anyway, since a record's ETag names the set of
/// fields it was rendered with.
pub fn delete(conn: &mut AnyConnection, id: CustomFieldId, write: Write) -> Result<()> {
    let id_text = id.to_string();
    conn.transaction::<_, TxError, _>(|conn| {
        // Locked for the delete, and so its version is compared with what is deleted: writers
        // of its values hold it shared until they commit (see `locked`), so they finish first
        // or wait for this.
        let row = match conn {
            AnyConnection::Postgresql(pg) => custom_fields::table
                .find(&id_text)
                .select(CustomFieldRow::as_select())
                .for_update()
                .get_result(pg)
                .optional()?,
            AnyConnection::Sqlite(sqlite) => custom_fields::table
                .find(&id_text)
                .select(CustomFieldRow::as_select())
                .get_result(sqlite)
                .optional()?,
        };
        let field = CustomField::try_from(
            row.ok_or_else(|| TxError::Domain(Error::custom_field_not_found(id)))?,
        )
        .map_err(TxError::Domain)?;
        if !write.admits(field.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        let now = time::now();
        let held = match field.resource_type {
            CustomResourceType::Organizations => custom_values::of_field(conn, &field),
            CustomResourceType::Contacts => crate::contacts::custom_values::of_field(conn, &field),
        }
        .map_err(TxError::Domain)?;
        let mut entries: Vec<ChangeEntry> = held
            .into_iter()
            .map(|(holder, value)| {
                ChangeEntry::value_removed(
                    field.resource_type,
                    holder,
                    &field.identifier,
                    &value,
                    now,
                    write.actor,
                )
            })
            .collect();
        entries.push(ChangeEntry::deleted(
            ResourceType::CustomFields,
            id,
            now,
            write.actor,
        ));
        changes::append_all(conn, &entries)?;
        diesel::delete(custom_fields::table.find(&id_text)).execute(conn)?;
        Ok(())
    })?;
    Ok(())
}
