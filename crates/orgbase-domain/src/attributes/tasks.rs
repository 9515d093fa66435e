//! Task attributes: the create and update readers. The organization and the assignee are
//! relationships, read by the HTTP layer.

use serde_json::{Map, Value};

use super::custom_fields::date;
use super::table::task::*;
use super::{AttributeReader, Parsed, Problem, datetime, name, string, text_of};
use crate::error::ValidationErrors;
use crate::ids::{OrganizationId, TaskId};
use crate::organization::ReadOnlyValue;
use crate::task::{NewTask, TaskPatch, TaskStatus};

const TASKS: &str = "tasks";

fn status(value: &Value) -> Parsed<TaskStatus> {
    TaskStatus::parse(string(value)?).ok_or_else(|| {
        Problem::new(
            "invalid_value",
            format!("must be one of: {}", TaskStatus::NAMES.join(", ")),
        )
    })
}

fn read_changes(r: &mut AttributeReader<'_>) -> TaskPatch {
    TaskPatch {
        status: r.non_null(STATUS.name, status),
        due_on: r.nullable(DUE_ON.name, date),
        completed_at: r.nullable(COMPLETED_AT.name, datetime),
        description: r.nullable(DESCRIPTION.name, text_of(&DESCRIPTION)),
        ..TaskPatch::default()
    }
}

/// Reads a create request; `organization_id` comes from its relationship.
pub fn read_new_task(
    attributes: &Map<String, Value>,
    id: Option<TaskId>,
    organization_id: OrganizationId,
) -> Result<NewTask, ValidationErrors> {
    let mut r = AttributeReader::for_type(TASKS, attributes);
    let title = r.required(TITLE.name, name);
    let changes = read_changes(&mut r);
    let created_at = r.non_null(CREATED_AT.name, datetime);
    let updated_at = r.non_null(UPDATED_AT.name, datetime);
    r.finish()?;
    Ok(NewTask {
        id,
        organization_id,
        title: title.unwrap_or_default(),
        status: changes.status.unwrap_or_default(),
        due_on: changes.due_on.flatten(),
        completed_at: changes.completed_at.flatten(),
        description: changes.description.flatten(),
        assignee_id: None,
        created_at,
        updated_at,
    })
}

/// Reads an update; read-only attributes are kept as assertions checked against the stored
/// record.
pub fn read_task_patch(attributes: &Map<String, Value>) -> Result<TaskPatch, ValidationErrors> {
    let mut r = AttributeReader::for_type(TASKS, attributes);
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
