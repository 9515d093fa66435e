//! The resource object of a `documents` record (the record of a file an organization has).
//! Its `organization` changes by `PATCH /documents/{id}`, so the relationship carries its
//! linkage and a `related` link, and no relationship endpoint.

use orgbase_domain::document::Document;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::membership::organization_only;
use super::{DOCUMENTS, FieldSet, rfc3339, serialize_record};
use crate::links::BaseUrl;

/// The relationships of a document.
pub const DOCUMENT_RELATIONSHIPS: &[&str] = &["organization"];

struct DocumentAttributes<'a> {
    document: &'a Document,
    fields: &'a FieldSet,
}

impl Serialize for DocumentAttributes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (d, fields) = (self.document, self.fields);
        let mut map = serializer.serialize_map(None)?;
        macro_rules! entries {
            ($($name:literal => $value:expr),* $(,)?) => {
                $(if fields.includes($name) {
                    map.serialize_entry($name, &$value)?;
                })*
            };
        }
        entries! {
            "title" => d.title,
            "url" => d.url,
            "content_type" => d.content_type,
            "size_bytes" => d.size_bytes,
            "description" => d.description,
            "created_at" => rfc3339(&d.created_at),
            "updated_at" => rfc3339(&d.updated_at),
        }
        map.end()
    }
}

/// A document resource object.
#[derive(Debug)]
pub struct DocumentResource<'a> {
    pub document: &'a Document,
    pub base: &'a BaseUrl,
    pub fields: &'a FieldSet,
    /// Its cursor, on a page paged by cursor: written as `meta.page.cursor`.
    pub cursor: Option<String>,
}

impl DocumentResource<'_> {
    pub fn self_link(base: &BaseUrl, document: &Document) -> String {
        base.join(&format!("/{DOCUMENTS}/{}", document.id))
    }
}

impl Serialize for DocumentResource<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (d, base, fields) = (self.document, self.base, self.fields);
        serialize_record(
            serializer,
            DOCUMENTS,
            &d.id,
            base,
            (!fields.is_empty()).then_some(DocumentAttributes {
                document: d,
                fields,
            }),
            organization_only(base, fields, &d.organization_id),
            self.cursor.as_deref(),
        )
    }
}
