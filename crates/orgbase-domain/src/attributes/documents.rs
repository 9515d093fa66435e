//! Document attributes: the create and update readers. The organization is a relationship,
//! read by the HTTP layer.

use serde_json::{Map, Value};

use super::organizations::non_negative_integer;
use super::table::document::*;
use super::{AttributeReader, datetime, name, text_of, website};
use crate::document::{DocumentPatch, NewDocument};
use crate::error::ValidationErrors;
use crate::ids::{DocumentId, OrganizationId};
use crate::organization::ReadOnlyValue;

const DOCUMENTS: &str = "documents";

/// The writable attributes create and update share, read as changes.
fn read_changes(r: &mut AttributeReader<'_>) -> DocumentPatch {
    DocumentPatch {
        url: r.nullable(URL.name, website),
        content_type: r.nullable(CONTENT_TYPE.name, text_of(&CONTENT_TYPE)),
        size_bytes: r.nullable(SIZE_BYTES.name, non_negative_integer),
        description: r.nullable(DESCRIPTION.name, text_of(&DESCRIPTION)),
        ..DocumentPatch::default()
    }
}

/// Reads a create request; `organization_id` comes from its relationship.
pub fn read_new_document(
    attributes: &Map<String, Value>,
    id: Option<DocumentId>,
    organization_id: OrganizationId,
) -> Result<NewDocument, ValidationErrors> {
    let mut r = AttributeReader::for_type(DOCUMENTS, attributes);
    let title = r.required(TITLE.name, name);
    let changes = read_changes(&mut r);
    let created_at = r.non_null(CREATED_AT.name, datetime);
    let updated_at = r.non_null(UPDATED_AT.name, datetime);
    r.finish()?;
    Ok(NewDocument {
        id,
        organization_id,
        title: title.unwrap_or_default(),
        url: changes.url.flatten(),
        content_type: changes.content_type.flatten(),
        size_bytes: changes.size_bytes.flatten(),
        description: changes.description.flatten(),
        created_at,
        updated_at,
    })
}

/// Reads an update; read-only attributes are kept as assertions checked against the stored
/// record.
pub fn read_document_patch(
    attributes: &Map<String, Value>,
) -> Result<DocumentPatch, ValidationErrors> {
    let mut r = AttributeReader::for_type(DOCUMENTS, attributes);
    let title = r.non_null(TITLE.name, name);
    let mut patch = read_changes(&mut r);
    if let Some(at) = r.read_only(CREATED_AT.name, datetime) {
        patch.unchanged.push(ReadOnlyValue::CreatedAt(at));
    }
    if let Some(at) = r.read_only(UPDATED_AT.name, datetime) {
        patch.unchanged.push(ReadOnlyValue::UpdatedAt(at));
    }
    r.finish()?;
    patch.title = title;
    Ok(patch)
}
