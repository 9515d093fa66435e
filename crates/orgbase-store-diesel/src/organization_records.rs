//! What the records that belong to an organization (documents, projects) share: the check
//! that their organization exists, and the reading of a foreign-key failure as its absence.

use diesel::prelude::*;
use orgbase_domain::{Error, OrganizationId};

use crate::connection::AnyConnection;
use crate::errors::TxError;
use crate::schema::organizations;

/// 404 for an organization that is not there, checked in the writing transaction for the
/// answer's sake; the foreign key decides under concurrency.
pub fn check_organization(
    conn: &mut AnyConnection,
    id: OrganizationId,
) -> std::result::Result<(), TxError> {
    let found: i64 = organizations::table
        .find(id.to_string())
        .count()
        .get_result(conn)?;
    if found == 0 {
        return Err(TxError::Domain(Error::organization_not_found(id)));
    }
    Ok(())
}

/// A foreign-key violation can only be the organization, gone since the check.
pub fn organization_or(error: TxError, organization: OrganizationId) -> Error {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};
    match error {
        TxError::Diesel(DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
            Error::organization_not_found(organization)
        }
        other => Error::from(other),
    }
}

/// The reads and writes every record that belongs to an organization has, for one table:
/// `insert`, `get`, `update`, `delete`, `delete_of` (inside the organization's deletion) and
/// `list`. `$check` runs on the record about to be written, in its transaction, for the
/// table's own keys (a task's assignee); `$row` converts both ways with the record.
macro_rules! organization_record_sql {
    (
        table: $table:ident,
        row: $row:ty,
        record: $record:ty,
        id: $id:ty,
        patch: $patch:ty,
        resource_type: $resource_type:expr,
        snapshot: $snapshot:path,
        not_found: $not_found:path,
        check: $check:expr $(,)?
    ) => {
        pub fn insert(
            conn: &mut AnyConnection,
            record: &$record,
            actor: Option<UserId>,
        ) -> Result<Version> {
            let check: fn(&mut AnyConnection, &$record) -> std::result::Result<(), TxError> =
                $check;
            conn.transaction::<_, TxError, _>(|conn| {
                check_organization(conn, record.organization_id)?;
                check(conn, record)?;
                let entry = ChangeEntry::created(
                    $resource_type,
                    record.id,
                    &$snapshot(record),
                    time::now(),
                    actor,
                );
                let version = changes::record(conn, Some(entry))?;
                let mut stored = record.clone();
                stored.version = version;
                diesel::insert_into($table::table)
                    .values(<$row>::from(&stored))
                    .execute(conn)?;
                Ok(version)
            })
            .map_err(|e| organization_or(e, record.organization_id))
        }

        fn load(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<$row>> {
            $table::table
                .find(id)
                .select(<$row>::as_select())
                .get_result(conn)
                .optional()
        }

        pub fn get(conn: &mut AnyConnection, id: $id) -> Result<$record> {
            load(conn, &id.to_string())
                .map_err(from_diesel)?
                .ok_or_else(|| $not_found(id))?
                .try_into()
        }

        /// The row, locked until the transaction ends (a no-op update), and what it holds.
        fn locked(conn: &mut AnyConnection, id: $id) -> std::result::Result<$record, TxError> {
            let id_text = id.to_string();
            diesel::update($table::table.find(&id_text))
                .set($table::id.eq($table::id))
                .execute(conn)?;
            let row = load(conn, &id_text)?.ok_or_else(|| TxError::Domain($not_found(id)))?;
            <$record>::try_from(row).map_err(TxError::Domain)
        }

        pub fn update(
            conn: &mut AnyConnection,
            id: $id,
            patch: &$patch,
            now: Timestamp,
            write: Write,
        ) -> Result<$record> {
            let check: fn(&mut AnyConnection, &$record) -> std::result::Result<(), TxError> =
                $check;
            let moved_to = patch.organization_id;
            conn.transaction::<_, TxError, _>(|conn| {
                let mut record = locked(conn, id)?;
                if !write.admits(record.version) {
                    return Err(TxError::Domain(Error::PreconditionFailed));
                }
                let before = $snapshot(&record);
                let changed = patch
                    .apply(&mut record, now)
                    .map_err(|e| TxError::Domain(Error::Invalid(e)))?;
                if changed {
                    check_organization(conn, record.organization_id)?;
                    check(conn, &record)?;
                    let entry = ChangeEntry::updated(
                        $resource_type,
                        id,
                        &before,
                        &$snapshot(&record),
                        now,
                        write.actor,
                    );
                    record.version = changes::record(conn, entry)?;
                    diesel::update($table::table.find(id.to_string()))
                        .set(<$row>::from(&record))
                        .execute(conn)?;
                }
                Ok(record)
            })
            .map_err(|e| match moved_to {
                Some(org) => organization_or(e, org),
                None => Error::from(e),
            })
        }

        pub fn delete(conn: &mut AnyConnection, id: $id, write: Write) -> Result<()> {
            conn.transaction::<_, TxError, _>(|conn| {
                let record = locked(conn, id)?;
                if !write.admits(record.version) {
                    return Err(TxError::Domain(Error::PreconditionFailed));
                }
                changes::append_all(
                    conn,
                    &[ChangeEntry::deleted(
                        $resource_type,
                        id,
                        time::now(),
                        write.actor,
                    )],
                )?;
                diesel::delete($table::table.find(id.to_string())).execute(conn)?;
                Ok(())
            })
            .map_err(Error::from)
        }

        /// Inside an organization's deletion: deletes its records, in id order, each with its
        /// tombstone (before the organization's, which the caller appends).
        pub fn delete_of(
            conn: &mut AnyConnection,
            organization: OrganizationId,
            actor: Option<UserId>,
        ) -> QueryResult<()> {
            let ids: Vec<String> = $table::table
                .filter($table::organization_id.eq(organization.to_string()))
                .order($table::id)
                .select($table::id)
                .load(conn)?;
            if ids.is_empty() {
                return Ok(());
            }
            let now = time::now();
            let entries: Vec<ChangeEntry> = ids
                .iter()
                .map(|id| ChangeEntry::deleted($resource_type, id, now, actor))
                .collect();
            changes::append_all(conn, &entries)?;
            diesel::delete($table::table.filter($table::id.eq_any(&ids))).execute(conn)?;
            Ok(())
        }

        pub fn list(conn: &mut AnyConnection, list: &ListQuery) -> Result<Page<$record>> {
            crate::listing::page_of(
                conn,
                list,
                |conn| {
                    query::filtered(list)?
                        .count()
                        .get_result(conn)
                        .map_err(from_diesel)
                },
                |conn, limit, offset| {
                    query::page(list)?
                        .limit(limit)
                        .offset(offset)
                        .select(<$row>::as_select())
                        .load(conn)
                        .map_err(from_diesel)
                },
            )
        }
    };
}

pub(crate) use organization_record_sql;
