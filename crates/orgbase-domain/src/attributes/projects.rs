//! Project attributes: the create and update readers. The organization is a relationship,
//! read by the HTTP layer.

use serde_json::{Map, Value};

use super::custom_fields::date;
use super::table::project::*;
use super::{AttributeReader, Parsed, Problem, datetime, name, string, text_of};
use crate::error::ValidationErrors;
use crate::ids::{OrganizationId, ProjectId};
use crate::organization::ReadOnlyValue;
use crate::project::{NewProject, ProjectPatch, ProjectStatus, check_dates};

const PROJECTS: &str = "projects";

fn status(value: &Value) -> Parsed<ProjectStatus> {
    ProjectStatus::parse(string(value)?).ok_or_else(|| {
        Problem::new(
            "invalid_value",
            format!("must be one of: {}", ProjectStatus::NAMES.join(", ")),
        )
    })
}

fn read_changes(r: &mut AttributeReader<'_>) -> ProjectPatch {
    ProjectPatch {
        status: r.non_null(STATUS.name, status),
        starts_on: r.nullable(STARTS_ON.name, date),
        ends_on: r.nullable(ENDS_ON.name, date),
        description: r.nullable(DESCRIPTION.name, text_of(&DESCRIPTION)),
        ..ProjectPatch::default()
    }
}

/// Reads a create request; `organization_id` comes from its relationship. `ends_on` before
/// `starts_on` is refused with the other errors.
pub fn read_new_project(
    attributes: &Map<String, Value>,
    id: Option<ProjectId>,
    organization_id: OrganizationId,
) -> Result<NewProject, ValidationErrors> {
    let mut r = AttributeReader::for_type(PROJECTS, attributes);
    let name = r.required(NAME.name, name);
    let changes = read_changes(&mut r);
    let created_at = r.non_null(CREATED_AT.name, datetime);
    let updated_at = r.non_null(UPDATED_AT.name, datetime);
    let dates = check_dates(changes.starts_on.flatten(), changes.ends_on.flatten());
    match (r.finish(), dates) {
        (Ok(()), Ok(())) => {}
        (Err(mut errors), Err(more)) => {
            errors.0.extend(more.0);
            return Err(errors);
        }
        (Err(errors), _) | (_, Err(errors)) => return Err(errors),
    }
    Ok(NewProject {
        id,
        organization_id,
        name: name.unwrap_or_default(),
        status: changes.status.unwrap_or_default(),
        starts_on: changes.starts_on.flatten(),
        ends_on: changes.ends_on.flatten(),
        description: changes.description.flatten(),
        created_at,
        updated_at,
    })
}

/// Reads an update; the dates are checked against the stored record when it is applied.
pub fn read_project_patch(
    attributes: &Map<String, Value>,
) -> Result<ProjectPatch, ValidationErrors> {
    let mut r = AttributeReader::for_type(PROJECTS, attributes);
    let name = r.non_null(NAME.name, name);
    let mut patch = read_changes(&mut r);
    if let Some(at) = r.read_only(CREATED_AT.name, datetime) {
        patch.unchanged.push(ReadOnlyValue::CreatedAt(at));
    }
    if let Some(at) = r.read_only(UPDATED_AT.name, datetime) {
        patch.unchanged.push(ReadOnlyValue::UpdatedAt(at));
    }
    r.finish()?;
    patch.name = name;
    Ok(patch)
}
