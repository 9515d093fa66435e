//! Contacts in SQL: one row each and their [`custom_values`], every write logged in its own
//! transaction, lists by [`query`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use orgbase_domain::change::{ChangeEntry, Snapshot, Version, Write};
use orgbase_domain::time::{self, Timestamp};
use orgbase_domain::{
    Contact, ContactId, ContactPatch, Error, ListQuery, Page, ResourceType, Result, UserId,
};

use crate::accounts::to_i64;
use crate::changes;
use crate::columns::utc;
use crate::connection::AnyConnection;
use crate::errors::{TxError, from_diesel};
use crate::memberships;
use crate::schema::contacts;

pub(crate) mod custom_values;
mod query;

/// A `contacts` row: UUID text, UTC timestamps, and the folded keys lists and the unique
/// index read.
#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = contacts, treat_none_as_null = true)]
pub(crate) struct ContactRow {
    id: String,
    name: String,
    name_key: String,
    email: Option<String>,
    email_key: Option<String>,
    phone: Option<String>,
    title: Option<String>,
    notes: Option<String>,
    owner_id: Option<String>,
    creator_id: Option<String>,
    updater_id: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
}

impl From<&Contact> for ContactRow {
    fn from(c: &Contact) -> Self {
        let id = |u: Option<UserId>| u.map(|u| u.to_string());
        Self {
            id: c.id.to_string(),
            name: c.name.clone(),
            name_key: c.name_key(),
            email: c.email.clone(),
            email_key: c.email_key(),
            phone: c.phone.clone(),
            title: c.title.clone(),
            notes: c.notes.clone(),
            owner_id: id(c.owner_id),
            creator_id: id(c.creator_id),
            updater_id: id(c.updater_id),
            created_at: c.created_at.naive_utc(),
            updated_at: c.updated_at.naive_utc(),
            version: to_i64(c.version),
        }
    }
}

impl TryFrom<ContactRow> for Contact {
    type Error = Error;

    fn try_from(row: ContactRow) -> Result<Self> {
        let corrupt =
            |what: &str| Error::Backend(format!("contact {} has an unreadable {what}", row.id));
        let user = |text: &Option<String>, what: &str| {
            text.as_deref()
                .map(|t| t.parse::<UserId>().map_err(|_| corrupt(what)))
                .transpose()
        };
        Ok(Contact {
            id: row.id.parse().map_err(|_| corrupt("id"))?,
            owner_id: user(&row.owner_id, "owner")?,
            creator_id: user(&row.creator_id, "creator")?,
            updater_id: user(&row.updater_id, "updater")?,
            name: row.name,
            email: row.email,
            phone: row.phone,
            title: row.title,
            notes: row.notes,
            custom: orgbase_domain::CustomValues::new(),
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: u64::try_from(row.version).unwrap_or(0),
        })
    }
}

/// A foreign-key violation on a contact write can only be its owner (creator and updater
/// are the caller, who exists).
fn owner_or(error: TxError, owner: Option<UserId>) -> Error {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};
    match (error, owner) {
        (
            TxError::Diesel(DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)),
            Some(owner),
        ) => Error::user_not_found(owner),
        (other, _) => Error::from(other),
    }
}

pub fn insert(conn: &mut AnyConnection, contact: &Contact) -> Result<Version> {
    conn.transaction::<_, TxError, _>(|conn| {
        let version = changes::version(conn)?;
        diesel::insert_into(contacts::table)
            .values(ContactRow::from(&Contact {
                version,
                ..contact.clone()
            }))
            .execute(conn)?;
        let fields = custom_values::insert(conn, contact)?;
        let entry = ChangeEntry::created(
            ResourceType::Contacts,
            contact.id,
            &Snapshot::contact(contact, &fields),
            time::now(),
            contact.creator_id,
        );
        changes::append_versioned(conn, &entry, version)?;
        Ok(version)
    })
    .map_err(|e| owner_or(e, contact.owner_id))
}

fn load(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<ContactRow>> {
    contacts::table
        .find(id)
        .select(ContactRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn get(conn: &mut AnyConnection, id: ContactId) -> Result<Contact> {
    let mut contact: Contact = load(conn, &id.to_string())
        .map_err(from_diesel)?
        .ok_or_else(|| Error::contact_not_found(id))?
        .try_into()?;
    custom_values::attach(conn, std::slice::from_mut(&mut contact))?;
    Ok(contact)
}

/// The contact's row, locked until the transaction ends (a no-op update, which SQLite and
/// PostgreSQL both take as a write lock), and what it holds.
fn locked(conn: &mut AnyConnection, id: ContactId) -> std::result::Result<Contact, TxError> {
    let id_text = id.to_string();
    diesel::update(contacts::table.find(&id_text))
        .set(contacts::id.eq(contacts::id))
        .execute(conn)?;
    let row = load(conn, &id_text)?.ok_or_else(|| TxError::Domain(Error::contact_not_found(id)))?;
    Contact::try_from(row).map_err(TxError::Domain)
}

pub fn update(
    conn: &mut AnyConnection,
    id: ContactId,
    patch: &ContactPatch,
    now: Timestamp,
    write: Write,
) -> Result<Contact> {
    conn.transaction::<_, TxError, _>(|conn| {
        let mut contact = locked(conn, id)?;
        if !write.admits(contact.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        // Its values, which the patch may change (a delete needs none).
        custom_values::attach(conn, std::slice::from_mut(&mut contact)).map_err(TxError::Domain)?;
        let before = contact.clone();
        let changed = patch
            .apply(&mut contact, now)
            .map_err(|e| TxError::Domain(Error::Invalid(e)))?;
        if changed {
            // The fields whose values changed: the only ones the snapshots can differ in.
            let fields = custom_values::replace(conn, &before, &contact)?;
            let entry = ChangeEntry::updated(
                ResourceType::Contacts,
                id,
                &Snapshot::contact(&before, &fields),
                &Snapshot::contact(&contact, &fields),
                now,
                write.actor,
            );
            contact.version = changes::record(conn, entry)?;
            diesel::update(contacts::table.find(id.to_string()))
                .set(ContactRow::from(&contact))
                .execute(conn)?;
        }
        Ok(contact)
    })
    .map_err(|e| owner_or(e, patch.owner_id.flatten()))
}

pub fn delete(conn: &mut AnyConnection, id: ContactId, write: Write) -> Result<()> {
    conn.transaction::<_, TxError, _>(|conn| {
        let contact = locked(conn, id)?;
        if !write.admits(contact.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        memberships::delete_where(conn, memberships::Of::Contact(id), write.actor)?;
        changes::append_all(
            conn,
            &[ChangeEntry::deleted(
                ResourceType::Contacts,
                id,
                time::now(),
                write.actor,
            )],
        )?;
        diesel::delete(contacts::table.find(id.to_string())).execute(conn)?;
        Ok(())
    })
    .map_err(Error::from)
}

pub fn list(conn: &mut AnyConnection, list: &ListQuery) -> Result<Page<Contact>> {
    let mut page = crate::listing::page_of(
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
                .select(ContactRow::as_select())
                .load(conn)
                .map_err(from_diesel)
        },
    )?;
    custom_values::attach(conn, &mut page.items)?;
    Ok(page)
}

/// The ids of the contacts `user` owns, in id order (locked on PostgreSQL; SQLite's writer
/// holds the whole database): those a deletion of the user reassigns, each with its entry.
pub fn owned_by(conn: &mut AnyConnection, user: &str) -> QueryResult<Vec<String>> {
    let owned = || {
        contacts::table
            .filter(contacts::owner_id.eq(user.to_owned()))
            .order(contacts::id)
            .select(contacts::id)
    };
    match conn {
        AnyConnection::Postgresql(pg) => owned().for_update().load(pg),
        AnyConnection::Sqlite(sqlite) => owned().load(sqlite),
    }
}

/// Inside `user`'s deletion: every contact naming them takes `version`, and those they own
/// go to `heir` (creator and updater are forgotten by the foreign keys' `SET NULL`).
pub fn forget_user(
    conn: &mut AnyConnection,
    user: &str,
    heir: Option<UserId>,
    version: i64,
) -> QueryResult<()> {
    diesel::update(
        contacts::table.filter(
            contacts::owner_id
                .eq(user.to_owned())
                .or(contacts::creator_id.eq(user.to_owned()))
                .or(contacts::updater_id.eq(user.to_owned())),
        ),
    )
    .set(contacts::version.eq(version))
    .execute(conn)?;
    if let Some(heir) = heir {
        diesel::update(contacts::table.filter(contacts::owner_id.eq(user.to_owned())))
            .set(contacts::owner_id.eq(Some(heir.to_string())))
            .execute(conn)?;
    }
    Ok(())
}
