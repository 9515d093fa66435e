//! The task resource object. Its `organization` changes by `PATCH /tasks/{id}` (linkage and a
//! `related` link, as a document's), and its `assignee` is linkage to a user, or null.

use orgbase_domain::task::Task;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::membership::organization_only;
use super::user_linkage;
use super::{FieldSet, TASKS, rfc3339, serialize_record};
use crate::links::BaseUrl;

/// The relationships of a task.
pub const TASK_RELATIONSHIPS: &[&str] = &["organization", "assignee"];

struct TaskAttributes<'a> {
    task: &'a Task,
    fields: &'a FieldSet,
}

impl Serialize for TaskAttributes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (t, fields) = (self.task, self.fields);
        let mut map = serializer.serialize_map(None)?;
        macro_rules! entries {
            ($($name:literal => $value:expr),* $(,)?) => {
                $(if fields.includes($name) {
                    map.serialize_entry($name, &$value)?;
                })*
            };
        }
        entries! {
            "title" => t.title,
            "status" => t.status.as_str(),
            "due_on" => t.due_on.map(|day| day.to_string()),
            "completed_at" => t.completed_at.as_ref().map(rfc3339),
            "description" => t.description,
            "created_at" => rfc3339(&t.created_at),
            "updated_at" => rfc3339(&t.updated_at),
        }
        map.end()
    }
}

/// A task resource object.
#[derive(Debug)]
pub struct TaskResource<'a> {
    pub task: &'a Task,
    pub base: &'a BaseUrl,
    pub fields: &'a FieldSet,
    /// Its cursor, on a page paged by cursor: written as `meta.page.cursor`.
    pub cursor: Option<String>,
}

impl TaskResource<'_> {
    pub fn self_link(base: &BaseUrl, task: &Task) -> String {
        base.join(&format!("/{TASKS}/{}", task.id))
    }
}

impl Serialize for TaskResource<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (d, base, fields) = (self.task, self.base, self.fields);
        let mut relationships =
            organization_only(base, fields, &d.organization_id).unwrap_or_default();
        if fields.includes("assignee") {
            relationships.insert(
                "assignee".to_owned(),
                serde_json::json!({ "data": user_linkage(d.assignee_id) }),
            );
        }
        serialize_record(
            serializer,
            TASKS,
            &d.id,
            base,
            (!fields.is_empty()).then_some(TaskAttributes { task: d, fields }),
            (!relationships.is_empty()).then_some(relationships),
            self.cursor.as_deref(),
        )
    }
}
