//! Memberships in SQL: one row each, unique per organization and contact by an index, every
//! write logged in its own transaction; deleting an organization or a contact deletes its
//! memberships through [`delete_where`], with their tombstones. Lists by [`query`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use orgbase_domain::change::{ChangeEntry, Snapshot, Version, Write};
use orgbase_domain::time::{self, Timestamp};
use orgbase_domain::{
    ContactId, Error, ListQuery, Membership, MembershipId, MembershipPatch, MembershipRole,
    OrganizationId, Page, ResourceType, Result, UserId,
};

use crate::accounts::to_i64;
use crate::changes;
use crate::columns::utc;
use crate::connection::AnyConnection;
use crate::errors::{TxError, from_diesel};
use crate::schema::{contacts, memberships, organizations};

mod query;

/// A `memberships` row: UUID text, the role's word, UTC timestamps.
#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = memberships)]
struct MembershipRow {
    id: String,
    organization_id: String,
    contact_id: String,
    role: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
}

impl From<&Membership> for MembershipRow {
    fn from(m: &Membership) -> Self {
        Self {
            id: m.id.to_string(),
            organization_id: m.organization_id.to_string(),
            contact_id: m.contact_id.to_string(),
            role: m.role.as_str().to_owned(),
            created_at: m.created_at.naive_utc(),
            updated_at: m.updated_at.naive_utc(),
            version: to_i64(m.version),
        }
    }
}

impl TryFrom<MembershipRow> for Membership {
    type Error = Error;

    fn try_from(row: MembershipRow) -> Result<Self> {
        let corrupt =
            |what: &str| Error::Backend(format!("membership {} has an unreadable {what}", row.id));
        Ok(Membership {
            id: row.id.parse().map_err(|_| corrupt("id"))?,
            organization_id: row
                .organization_id
                .parse()
                .map_err(|_| corrupt("organization"))?,
            contact_id: row.contact_id.parse().map_err(|_| corrupt("contact"))?,
            role: MembershipRole::parse(&row.role).ok_or_else(|| corrupt("role"))?,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: u64::try_from(row.version).unwrap_or(0),
        })
    }
}

/// 404 for an organization or contact that is not there. Checked inside the inserting
/// transaction for the answer's sake; the foreign keys decide under concurrency (a deletion
/// committed between the check and the insert fails the insert).
fn check_related(
    conn: &mut AnyConnection,
    membership: &Membership,
) -> std::result::Result<(), TxError> {
    let organization = membership.organization_id.to_string();
    let found: i64 = organizations::table
        .find(&organization)
        .count()
        .get_result(conn)?;
    if found == 0 {
        return Err(TxError::Domain(Error::organization_not_found(organization)));
    }
    let contact = membership.contact_id.to_string();
    let found: i64 = contacts::table.find(&contact).count().get_result(conn)?;
    if found == 0 {
        return Err(TxError::Domain(Error::contact_not_found(contact)));
    }
    Ok(())
}

pub fn insert(
    conn: &mut AnyConnection,
    membership: &Membership,
    actor: Option<UserId>,
) -> Result<Version> {
    conn.transaction::<_, TxError, _>(|conn| {
        check_related(conn, membership)?;
        let entry = ChangeEntry::created(
            ResourceType::Memberships,
            membership.id,
            &Snapshot::membership(membership),
            time::now(),
            actor,
        );
        let version = changes::record(conn, Some(entry))?;
        diesel::insert_into(memberships::table)
            .values(MembershipRow::from(&Membership {
                version,
                ..membership.clone()
            }))
            .execute(conn)?;
        Ok(version)
    })
    .map_err(|e| match e {
        // The organization or the contact went between the check and the insert.
        TxError::Diesel(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ForeignKeyViolation,
            _,
        )) => Error::organization_not_found(membership.organization_id),
        other => Error::from(other),
    })
}

fn load(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<MembershipRow>> {
    memberships::table
        .find(id)
        .select(MembershipRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn get(conn: &mut AnyConnection, id: MembershipId) -> Result<Membership> {
    load(conn, &id.to_string())
        .map_err(from_diesel)?
        .ok_or_else(|| Error::membership_not_found(id))?
        .try_into()
}

/// The membership's row, locked until the transaction ends (a no-op update), and what it
/// holds.
fn locked(conn: &mut AnyConnection, id: MembershipId) -> std::result::Result<Membership, TxError> {
    let id_text = id.to_string();
    diesel::update(memberships::table.find(&id_text))
        .set(memberships::id.eq(memberships::id))
        .execute(conn)?;
    let row =
        load(conn, &id_text)?.ok_or_else(|| TxError::Domain(Error::membership_not_found(id)))?;
    Membership::try_from(row).map_err(TxError::Domain)
}

pub fn update(
    conn: &mut AnyConnection,
    id: MembershipId,
    patch: &MembershipPatch,
    now: Timestamp,
    write: Write,
) -> Result<Membership> {
    conn.transaction::<_, TxError, _>(|conn| {
        let mut membership = locked(conn, id)?;
        if !write.admits(membership.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        let before = Snapshot::membership(&membership);
        let changed = patch
            .apply(&mut membership, now)
            .map_err(|e| TxError::Domain(Error::Invalid(e)))?;
        if changed {
            let entry = ChangeEntry::updated(
                ResourceType::Memberships,
                id,
                &before,
                &Snapshot::membership(&membership),
                now,
                write.actor,
            );
            membership.version = changes::record(conn, entry)?;
            diesel::update(memberships::table.find(id.to_string()))
                .set(MembershipRow::from(&membership))
                .execute(conn)?;
        }
        Ok(membership)
    })
    .map_err(Error::from)
}

pub fn delete(conn: &mut AnyConnection, id: MembershipId, write: Write) -> Result<()> {
    conn.transaction::<_, TxError, _>(|conn| {
        let membership = locked(conn, id)?;
        if !write.admits(membership.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        delete_ids(conn, &[id.to_string()], write.actor)?;
        Ok(())
    })
    .map_err(Error::from)
}

/// Whose memberships a cascade deletes.
pub enum Of {
    Organization(OrganizationId),
    Contact(ContactId),
}

/// Inside the deletion of an organization or a contact: deletes its memberships, in id
/// order, each with its tombstone (before the parent's, which the caller appends).
pub fn delete_where(conn: &mut AnyConnection, of: Of, actor: Option<UserId>) -> QueryResult<()> {
    let ids: Vec<String> = match of {
        Of::Organization(id) => memberships::table
            .filter(memberships::organization_id.eq(id.to_string()))
            .order(memberships::id)
            .select(memberships::id)
            .load(conn)?,
        Of::Contact(id) => memberships::table
            .filter(memberships::contact_id.eq(id.to_string()))
            .order(memberships::id)
            .select(memberships::id)
            .load(conn)?,
    };
    delete_ids(conn, &ids, actor)
}

fn delete_ids(conn: &mut AnyConnection, ids: &[String], actor: Option<UserId>) -> QueryResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let now = time::now();
    let entries: Vec<ChangeEntry> = ids
        .iter()
        .map(|id| ChangeEntry::deleted(ResourceType::Memberships, id, now, actor))
        .collect();
    changes::append_all(conn, &entries)?;
    diesel::delete(memberships::table.filter(memberships::id.eq_any(ids))).execute(conn)?;
    Ok(())
}

pub fn list(conn: &mut AnyConnection, list: &ListQuery) -> Result<Page<Membership>> {
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
                .select(MembershipRow::as_select())
                .load(conn)
                .map_err(from_diesel)
        },
    )
}
