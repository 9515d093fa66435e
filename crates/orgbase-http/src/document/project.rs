//! The project resource object. Its `organization` changes by `PATCH /projects/{id}`, so the
//! relationship carries its linkage and a `related` link, as a document's does.

use orgbase_domain::project::Project;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::membership::organization_only;
use super::{FieldSet, PROJECTS, rfc3339, serialize_record};
use crate::links::BaseUrl;

/// The relationships of a project.
pub const PROJECT_RELATIONSHIPS: &[&str] = &["organization"];

struct ProjectAttributes<'a> {
    project: &'a Project,
    fields: &'a FieldSet,
}

impl Serialize for ProjectAttributes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (p, fields) = (self.project, self.fields);
        let mut map = serializer.serialize_map(None)?;
        macro_rules! entries {
            ($($name:literal => $value:expr),* $(,)?) => {
                $(if fields.includes($name) {
                    map.serialize_entry($name, &$value)?;
                })*
            };
        }
        entries! {
            "name" => p.name,
            "status" => p.status.as_str(),
            "starts_on" => p.starts_on.map(|day| day.to_string()),
            "ends_on" => p.ends_on.map(|day| day.to_string()),
            "description" => p.description,
            "created_at" => rfc3339(&p.created_at),
            "updated_at" => rfc3339(&p.updated_at),
        }
        map.end()
    }
}

/// A project resource object.
#[derive(Debug)]
pub struct ProjectResource<'a> {
    pub project: &'a Project,
    pub base: &'a BaseUrl,
    pub fields: &'a FieldSet,
    /// Its cursor, on a page paged by cursor: written as `meta.page.cursor`.
    pub cursor: Option<String>,
}

impl ProjectResource<'_> {
    pub fn self_link(base: &BaseUrl, project: &Project) -> String {
        base.join(&format!("/{PROJECTS}/{}", project.id))
    }
}

impl Serialize for ProjectResource<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (d, base, fields) = (self.project, self.base, self.fields);
        serialize_record(
            serializer,
            PROJECTS,
            &d.id,
            base,
            (!fields.is_empty()).then_some(ProjectAttributes { project: d, fields }),
            organization_only(base, fields, &d.organization_id),
            self.cursor.as_deref(),
        )
    }
}
