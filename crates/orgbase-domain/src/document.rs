//! Documents: the record of a file an organization has (a contract, a deck), with where it
//! lives; orgbase stores the record, not the file. A document belongs to one organization
//! and may be moved to another.

use crate::change::Version;
use crate::error::ValidationErrors;
use crate::ids::{DocumentId, OrganizationId};
use crate::organization::{ReadOnlyValue, Stored, check_unchanged, set};
use crate::time::Timestamp;

/// One document, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: DocumentId,
    pub organization_id: OrganizationId,
    /// Trimmed, 1–255 characters.
    pub title: String,
    /// An absolute http(s) URL.
    pub url: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub description: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Set by the store on every write: the ETag's version.
    pub version: Version,
}

/// A validated create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    pub id: Option<DocumentId>,
    pub organization_id: OrganizationId,
    pub title: String,
    pub url: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub description: Option<String>,
    /// Back-filled history; `None` means now.
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

impl NewDocument {
    pub fn titled(organization_id: OrganizationId, title: impl Into<String>) -> Self {
        Self {
            id: None,
            organization_id,
            title: title.into(),
            url: None,
            content_type: None,
            size_bytes: None,
            description: None,
            created_at: None,
            updated_at: None,
        }
    }

    /// The record to insert.
    pub fn to_document(&self, now: Timestamp) -> Document {
        Document {
            id: self.id.unwrap_or_else(DocumentId::generate),
            organization_id: self.organization_id,
            title: self.title.clone(),
            url: self.url.clone(),
            content_type: self.content_type.clone(),
            size_bytes: self.size_bytes,
            description: self.description.clone(),
            created_at: self.created_at.unwrap_or(now),
            updated_at: self.updated_at.unwrap_or(now),
            version: 0,
        }
    }
}

/// A validated update: `None` leaves a member alone; for nullable members `Some(None)` clears
/// it. `organization_id` moves the document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentPatch {
    pub organization_id: Option<OrganizationId>,
    pub title: Option<String>,
    pub url: Option<Option<String>>,
    pub content_type: Option<Option<String>>,
    pub size_bytes: Option<Option<i64>>,
    pub description: Option<Option<String>>,
    pub unchanged: Vec<ReadOnlyValue>,
}

impl DocumentPatch {
    /// Applies the patch and says whether anything changed; `updated_at` moves only then.
    pub fn apply(&self, document: &mut Document, now: Timestamp) -> Result<bool, ValidationErrors> {
        check_unchanged(
            &self.unchanged,
            Stored {
                created_from: None,
                created_at: document.created_at,
                updated_at: document.updated_at,
            },
        )?;
        let before = document.clone();
        set(&mut document.organization_id, &self.organization_id);
        set(&mut document.title, &self.title);
        set(&mut document.url, &self.url);
        set(&mut document.content_type, &self.content_type);
        set(&mut document.size_bytes, &self.size_bytes);
        set(&mut document.description, &self.description);
        let changed = *document != before;
        if changed {
            document.updated_at = now;
        }
        Ok(changed)
    }
}
