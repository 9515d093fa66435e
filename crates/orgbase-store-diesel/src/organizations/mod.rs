//! Organizations in SQL: the record and its side tables (the rows of its lists and domains,
//! custom values), reads and writes, the batched import, and the list query planner.
//!
//! Every function takes the connection to run on; [`crate::store`] chooses it (a writer holds
//! this process's SQLite writer turn).

use diesel::prelude::*;
use orgbase_domain::change::{ChangeEntry, Snapshot, Version, Write};
use orgbase_domain::name::name_key;
use orgbase_domain::time::{self, Timestamp};
use orgbase_domain::{
    CustomFieldId, CustomValue, Error, ListQuery, Organization, OrganizationId, OrganizationPatch,
    Page, ResourceType, Result,
};

use crate::changes;
use crate::connection::{AnyConnection, insert_many, on_inner};
use crate::errors::{TxError, from_diesel};
use crate::schema::organizations;
use crate::{documents, memberships, projects, tasks};

pub(crate) mod custom_values;
pub(crate) mod import;
pub(crate) mod query;
pub(crate) mod row;
mod set_rows;

use row::OrganizationRow;

// Lookups by a unique key use `get_result`, not `first`: `first` adds `LIMIT ?`, and SQLite
// re-prepares a statement whose LIMIT is a bound parameter at every run unless it is built
// with SQLITE_ENABLE_QPSG (.cargo/config.toml does; a crate depending on this one may not).
// It cost GET one about 40 % of its CPU. The query runs on the inner connection, where
// diesel keeps its SQL with the prepared statement; through `AnyConnection` it writes the SQL
// out again on every call (another 15 %).
fn load(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<OrganizationRow>> {
    on_inner!(conn, |c| organizations::table
        .find(id)
        .select(OrganizationRow::as_select())
        .get_result(c)
        .optional())
}

/// Records from rows, with their custom values.
pub(crate) fn records(
    conn: &mut AnyConnection,
    rows: Vec<OrganizationRow>,
) -> Result<Vec<Organization>> {
    let mut orgs: Vec<Organization> = rows
        .into_iter()
        .map(Organization::try_from)
        .collect::<Result<_>>()?;
    custom_values::attach(conn, &mut orgs)?;
    Ok(orgs)
}

fn record(conn: &mut AnyConnection, row: OrganizationRow) -> Result<Organization> {
    records(conn, vec![row])?
        .pop()
        .ok_or_else(|| Error::Backend("a loaded row vanished".to_owned()))
}

/// A foreign-key violation on an organization write can only be its owner (creator and
/// updater are the caller, who exists).
fn owner_or(error: diesel::result::Error, org: &Organization) -> Error {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};
    match (&error, org.details.owner_id) {
        (DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _), Some(owner)) => {
            Error::user_not_found(owner)
        }
        _ => from_diesel(error),
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Inserts the record with its list and domain rows and custom values and appends its entry, in one
/// transaction; returns its version.
pub fn insert(conn: &mut AnyConnection, organization: &Organization) -> Result<Version> {
    conn.transaction::<_, TxError, _>(|conn| {
        let version = changes::version(conn)?;
        let stored = Organization {
            version,
            ..organization.clone()
        };
        diesel::insert_into(organizations::table)
            .values(OrganizationRow::from(&stored))
            .execute(conn)?;
        set_rows::insert(conn, organization)?;
        let fields = custom_values::insert(conn, organization)?;
        let entry = ChangeEntry::created(
            ResourceType::Organizations,
            organization.id,
            &Snapshot::organization(organization, &fields),
            time::now(),
            organization.creator_id,
        );
        changes::append_versioned(conn, &entry, version)?;
        Ok(version)
    })
    .map_err(|e| match e {
        TxError::Diesel(e) => owner_or(e, organization),
        TxError::Domain(e) => e,
    })
}

/// Inserts many records as [`insert`] inserts one, all in one transaction and a few
/// statements (one version for all: each record is written once); the first failure fails
/// them all, and the caller finds which by inserting one by one.
pub fn insert_many(conn: &mut AnyConnection, orgs: &[Organization]) -> Result<Vec<Version>> {
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    conn.transaction::<_, TxError, _>(|conn| {
        let version = changes::version(conn)?;
        let stored: Vec<Organization> = orgs
            .iter()
            .map(|org| Organization {
                version,
                ..org.clone()
            })
            .collect();
        let rows: Vec<OrganizationRow> = stored.iter().map(OrganizationRow::from).collect();
        insert_many!(&mut *conn, organizations::table, &rows)?;
        set_rows::insert_all(conn, &stored)?;
        let fields = custom_values::insert_all(conn, &stored)?;
        let changed_at = time::now();
        let log: Vec<ChangeEntry> = stored
            .iter()
            .map(|org| {
                ChangeEntry::created(
                    ResourceType::Organizations,
                    org.id,
                    &Snapshot::organization(org, &fields),
                    changed_at,
                    org.creator_id,
                )
            })
            .collect();
        changes::append_all(conn, &log)?;
        Ok(vec![version; orgs.len()])
    })
    .map_err(Error::from)
}

pub fn get(conn: &mut AnyConnection, id: OrganizationId) -> Result<Organization> {
    let row = load(conn, &id.to_string())
        .map_err(from_diesel)?
        .ok_or_else(|| Error::organization_not_found(id))?;
    record(conn, row)
}

/// The organization whose name is `name`, ignoring case and surrounding space.
pub fn find_by_name(conn: &mut AnyConnection, name: &str) -> Result<Option<Organization>> {
    organizations::table
        .filter(organizations::name_key.eq(name_key(name)))
        .select(OrganizationRow::as_select())
        .get_result(conn)
        .optional()
        .map_err(from_diesel)?
        .map(|row| record(conn, row))
        .transpose()
}

/// The holder of a unique field's value, in one query served by the partial unique indexes
/// (their key columns and predicate).
pub fn find_by_custom_value(
    conn: &mut AnyConnection,
    field: CustomFieldId,
    value: &CustomValue,
) -> Result<Option<Organization>> {
    use crate::schema::organization_custom_values as values;
    let field_id = field.to_string();
    // A macro, not a closure: the key column's type differs by format.
    macro_rules! holder {
        ($key:expr) => {
            organizations::table
                .filter(
                    organizations::id.eq_any(
                        values::table
                            .filter(values::field_id.eq(&field_id))
                            .filter(values::unique_value.eq(true))
                            .filter($key)
                            .select(values::organization_id),
                    ),
                )
                .select(OrganizationRow::as_select())
                .first(conn)
                .optional()
        };
    }
    let row = match value {
        CustomValue::Text(text) => holder!(values::text_key.eq(text.to_ascii_lowercase())),
        CustomValue::Number(n) => holder!(values::number_value.eq(*n)),
        _ => Ok(None),
    }
    .map_err(from_diesel)?;
    row.map(|row| record(conn, row)).transpose()
}

/// Applies `patch` under the row's lock, so concurrent patches queue instead of losing
/// updates (and the version compared is the one replaced); writes nothing when it changes
/// nothing.
pub fn update(
    conn: &mut AnyConnection,
    id: OrganizationId,
    patch: &OrganizationPatch,
    now: Timestamp,
    write: Write,
) -> Result<Organization> {
    let id_text = id.to_string();
    let updated = conn
        .transaction::<_, TxError, _>(|conn| {
            // Write first: the no-op UPDATE takes the row lock on PostgreSQL and the write lock on
            // SQLite before anything is read, so concurrent read-modify-writes queue up instead
            // of losing updates (or, on SQLite, failing to upgrade a read lock).
            let touched = diesel::update(organizations::table.find(&id_text))
                .set(organizations::id.eq(organizations::id))
                .execute(conn)?;
            if touched == 0 {
                return Err(TxError::Domain(Error::organization_not_found(id)));
            }
            let row = load(conn, &id_text)?
                .ok_or_else(|| TxError::Domain(Error::organization_not_found(id)))?;
            let mut org = record(conn, row).map_err(TxError::Domain)?;
            if !write.admits(org.version) {
                return Err(TxError::Domain(Error::PreconditionFailed));
            }
            let before = org.clone();
            let changed = patch
                .apply(&mut org, now)
                .map_err(|errors| TxError::Domain(Error::Invalid(errors)))?;
            if changed {
                set_rows::replace(conn, &before, &org)?;
                // The fields whose values changed: the only ones the snapshots can differ in.
                let fields = custom_values::replace(conn, &before, &org)?;
                let entry = ChangeEntry::updated(
                    ResourceType::Organizations,
                    id,
                    &Snapshot::organization(&before, &fields),
                    &Snapshot::organization(&org, &fields),
                    now,
                    write.actor,
                );
                org.version = changes::record(conn, entry)?;
                diesel::update(organizations::table.find(&id_text))
                    .set(OrganizationRow::from(&org))
                    .execute(conn)?;
            }
            Ok(org)
        })
        .map_err(|error| match (error, patch.owner_id) {
            (
                TxError::Diesel(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                    _,
                )),
                Some(Some(owner)),
            ) => Error::user_not_found(owner),
            (other, _) => Error::from(other),
        })?;

    Ok(updated)
}

/// Deletes the record (its list, domain and custom value rows go with it, ON DELETE
/// CASCADE) and its contacts' memberships (each with its tombstone), and appends its
/// tombstone.
pub fn delete(conn: &mut AnyConnection, id: OrganizationId, write: Write) -> Result<()> {
    let id_text = id.to_string();
    conn.transaction::<_, TxError, _>(|conn| {
        // A no-op write first holds the row while its version is compared.
        let touched = diesel::update(organizations::table.find(&id_text))
            .set(organizations::id.eq(organizations::id))
            .execute(conn)?;
        let version: Option<i64> = organizations::table
            .find(&id_text)
            .select(organizations::version)
            .get_result(conn)
            .optional()?;
        let (Some(version), 1) = (version, touched) else {
            return Err(TxError::Domain(Error::organization_not_found(id)));
        };
        if !write.admits(u64::try_from(version).unwrap_or(0)) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        memberships::delete_where(conn, memberships::Of::Organization(id), write.actor)?;
        documents::delete_of(conn, id, write.actor)?;
        projects::delete_of(conn, id, write.actor)?;
        tasks::delete_of(conn, id, write.actor)?;
        changes::append_all(
            conn,
            &[ChangeEntry::deleted(
                ResourceType::Organizations,
                id,
                time::now(),
                write.actor,
            )],
        )?;
        diesel::delete(organizations::table.find(&id_text)).execute(conn)?;
        Ok(())
    })?;
    Ok(())
}

/// One page of the query's matches, with the total when it asks for one.
pub fn list(conn: &mut AnyConnection, query: &ListQuery) -> Result<Page<Organization>> {
    // An unfiltered total comes from the trigger-kept counts: O(1) instead of a scan.
    let total: Option<i64> = match (
        query.with_total,
        query.filters.is_empty() && query.search.is_none(),
    ) {
        (false, _) => None,
        (true, true) => Some(query::counted(conn, query.archived).map_err(from_diesel)?),
        (true, false) => Some(query::count(conn, query)?),
    };
    let total = total.map(|t| u64::try_from(t).unwrap_or(0));
    let fetch = query.page.rows_to_read(total.is_some());
    let mut rows = query::page(conn, query, to_i64(fetch), to_i64(query.page.offset()))?;
    // Settled before the custom values are read, so the extra row costs no query.
    let (has_next, has_previous) = query.page.settle(&mut rows, total);
    let items = records(conn, rows)?;
    Ok(Page {
        items,
        total,
        has_next,
        has_previous,
    })
}
