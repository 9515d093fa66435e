//! Documents in SQL: one row each, every write logged in its own transaction; deleting an
//! organization deletes its documents through [`delete_of`], with their tombstones. Lists by
//! [`query`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use orgbase_domain::change::{ChangeEntry, Snapshot, Version, Write};
use orgbase_domain::document::Document;
use orgbase_domain::time::{self, Timestamp};
use orgbase_domain::{
    DocumentId, DocumentPatch, Error, ListQuery, OrganizationId, Page, ResourceType, Result, UserId,
};

use crate::accounts::to_i64;
use crate::changes;
use crate::columns::utc;
use crate::connection::AnyConnection;
use crate::errors::{TxError, from_diesel};
use crate::organization_records::{check_organization, organization_or};
use crate::schema::documents;

mod query;

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = documents, treat_none_as_null = true)]
struct DocumentRow {
    id: String,
    organization_id: String,
    title: String,
    url: Option<String>,
    content_type: Option<String>,
    size_bytes: Option<i64>,
    description: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
}

impl From<&Document> for DocumentRow {
    fn from(d: &Document) -> Self {
        Self {
            id: d.id.to_string(),
            organization_id: d.organization_id.to_string(),
            title: d.title.clone(),
            url: d.url.clone(),
            content_type: d.content_type.clone(),
            size_bytes: d.size_bytes,
            description: d.description.clone(),
            created_at: d.created_at.naive_utc(),
            updated_at: d.updated_at.naive_utc(),
            version: to_i64(d.version),
        }
    }
}

impl TryFrom<DocumentRow> for Document {
    type Error = Error;

    fn try_from(row: DocumentRow) -> Result<Self> {
        let corrupt =
            |what: &str| Error::Backend(format!("document {} has an unreadable {what}", row.id));
        Ok(Document {
            id: row.id.parse().map_err(|_| corrupt("id"))?,
            organization_id: row
                .organization_id
                .parse()
                .map_err(|_| corrupt("organization"))?,
            title: row.title,
            url: row.url,
            content_type: row.content_type,
            size_bytes: row.size_bytes,
            description: row.description,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: u64::try_from(row.version).unwrap_or(0),
        })
    }
}

pub fn insert(
    conn: &mut AnyConnection,
    document: &Document,
    actor: Option<UserId>,
) -> Result<Version> {
    conn.transaction::<_, TxError, _>(|conn| {
        check_organization(conn, document.organization_id)?;
        let entry = ChangeEntry::created(
            ResourceType::Documents,
            document.id,
            &Snapshot::document(document),
            time::now(),
            actor,
        );
        let version = changes::record(conn, Some(entry))?;
        diesel::insert_into(documents::table)
            .values(DocumentRow::from(&Document {
                version,
                ..document.clone()
            }))
            .execute(conn)?;
        Ok(version)
    })
    .map_err(|e| organization_or(e, document.organization_id))
}

fn load(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<DocumentRow>> {
    documents::table
        .find(id)
        .select(DocumentRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn get(conn: &mut AnyConnection, id: DocumentId) -> Result<Document> {
    load(conn, &id.to_string())
        .map_err(from_diesel)?
        .ok_or_else(|| Error::document_not_found(id))?
        .try_into()
}

/// The document's row, locked until the transaction ends (a no-op update).
fn locked(conn: &mut AnyConnection, id: DocumentId) -> std::result::Result<Document, TxError> {
    let id_text = id.to_string();
    diesel::update(documents::table.find(&id_text))
        .set(documents::id.eq(documents::id))
        .execute(conn)?;
    let row =
        load(conn, &id_text)?.ok_or_else(|| TxError::Domain(Error::document_not_found(id)))?;
    Document::try_from(row).map_err(TxError::Domain)
}

pub fn update(
    conn: &mut AnyConnection,
    id: DocumentId,
    patch: &DocumentPatch,
    now: Timestamp,
    write: Write,
) -> Result<Document> {
    let moved_to = patch.organization_id;
    conn.transaction::<_, TxError, _>(|conn| {
        let mut document = locked(conn, id)?;
        if !write.admits(document.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        let before = Snapshot::document(&document);
        let changed = patch
            .apply(&mut document, now)
            .map_err(|e| TxError::Domain(Error::Invalid(e)))?;
        if changed {
            check_organization(conn, document.organization_id)?;
            let entry = ChangeEntry::updated(
                ResourceType::Documents,
                id,
                &before,
                &Snapshot::document(&document),
                now,
                write.actor,
            );
            document.version = changes::record(conn, entry)?;
            diesel::update(documents::table.find(id.to_string()))
                .set(DocumentRow::from(&document))
                .execute(conn)?;
        }
        Ok(document)
    })
    .map_err(|e| match moved_to {
        Some(org) => organization_or(e, org),
        None => Error::from(e),
    })
}

pub fn delete(conn: &mut AnyConnection, id: DocumentId, write: Write) -> Result<()> {
    conn.transaction::<_, TxError, _>(|conn| {
        let document = locked(conn, id)?;
        if !write.admits(document.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        changes::append_all(
            conn,
            &[ChangeEntry::deleted(
                ResourceType::Documents,
                id,
                time::now(),
                write.actor,
            )],
        )?;
        diesel::delete(documents::table.find(id.to_string())).execute(conn)?;
        Ok(())
    })
    .map_err(Error::from)
}

/// Inside an organization's deletion: deletes its documents, in id order, each with its
/// tombstone (before the organization's, which the caller appends).
pub fn delete_of(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    actor: Option<UserId>,
) -> QueryResult<()> {
    let ids: Vec<String> = documents::table
        .filter(documents::organization_id.eq(organization.to_string()))
        .order(documents::id)
        .select(documents::id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(());
    }
    let now = time::now();
    let entries: Vec<ChangeEntry> = ids
        .iter()
        .map(|id| ChangeEntry::deleted(ResourceType::Documents, id, now, actor))
        .collect();
    changes::append_all(conn, &entries)?;
    diesel::delete(documents::table.filter(documents::id.eq_any(&ids))).execute(conn)?;
    Ok(())
}

pub fn list(conn: &mut AnyConnection, list: &ListQuery) -> Result<Page<Document>> {
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
                .select(DocumentRow::as_select())
                .load(conn)
                .map_err(from_diesel)
        },
    )
}
