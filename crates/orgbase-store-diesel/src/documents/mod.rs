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

crate::organization_records::organization_record_sql! {
    table: documents,
    row: DocumentRow,
    record: Document,
    id: DocumentId,
    patch: DocumentPatch,
    resource_type: ResourceType::Documents,
    snapshot: Snapshot::document,
    not_found: Error::document_not_found,
    check: |_, _| Ok(()),
}
