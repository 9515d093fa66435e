//! Projects: work an organization is part of, with a status and a span of dates. A project
//! belongs to one organization and may be moved to another.

use chrono::NaiveDate;

use crate::change::Version;
use crate::error::{FieldError, ValidationErrors};
use crate::ids::{OrganizationId, ProjectId};
use crate::name::name_key;
use crate::organization::{ReadOnlyValue, Stored, check_unchanged, set};
use crate::time::Timestamp;

/// Where a project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum ProjectStatus {
    #[default]
    Planned,
    Active,
    Completed,
    Cancelled,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 4] = [
        ProjectStatus::Planned,
        ProjectStatus::Active,
        ProjectStatus::Completed,
        ProjectStatus::Cancelled,
    ];

    /// The words the API uses, in [`Self::ALL`]'s order.
    pub const NAMES: &'static [&'static str] = &["planned", "active", "completed", "cancelled"];

    pub const fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Planned => "planned",
            ProjectStatus::Active => "active",
            ProjectStatus::Completed => "completed",
            ProjectStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// One project, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: ProjectId,
    pub organization_id: OrganizationId,
    /// Trimmed, 1–255 characters.
    pub name: String,
    pub status: ProjectStatus,
    pub starts_on: Option<NaiveDate>,
    /// Not before `starts_on`.
    pub ends_on: Option<NaiveDate>,
    pub description: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: Version,
}

impl Project {
    /// The folded name lists compare and sort by.
    pub fn name_key(&self) -> String {
        name_key(&self.name)
    }
}

/// `ends_on` before `starts_on` is refused, pointing at `ends_on`.
pub fn check_dates(
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
) -> Result<(), ValidationErrors> {
    match (starts_on, ends_on) {
        (Some(start), Some(end)) if end < start => Err(ValidationErrors(vec![FieldError {
            pointer: "/ends_on".to_owned(),
            code: "out_of_range",
            detail: format!("`ends_on` ({end}) must not be before `starts_on` ({start})"),
        }])),
        _ => Ok(()),
    }
}

/// A validated create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProject {
    pub id: Option<ProjectId>,
    pub organization_id: OrganizationId,
    pub name: String,
    pub status: ProjectStatus,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub description: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

impl NewProject {
    pub fn named(organization_id: OrganizationId, name: impl Into<String>) -> Self {
        Self {
            id: None,
            organization_id,
            name: name.into(),
            status: ProjectStatus::default(),
            starts_on: None,
            ends_on: None,
            description: None,
            created_at: None,
            updated_at: None,
        }
    }

    pub fn to_project(&self, now: Timestamp) -> Project {
        Project {
            id: self.id.unwrap_or_else(ProjectId::generate),
            organization_id: self.organization_id,
            name: self.name.clone(),
            status: self.status,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            description: self.description.clone(),
            created_at: self.created_at.unwrap_or(now),
            updated_at: self.updated_at.unwrap_or(now),
            version: 0,
        }
    }
}

/// A validated update; `organization_id` moves the project.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectPatch {
    pub organization_id: Option<OrganizationId>,
    pub name: Option<String>,
    pub status: Option<ProjectStatus>,
    pub starts_on: Option<Option<NaiveDate>>,
    pub ends_on: Option<Option<NaiveDate>>,
    pub description: Option<Option<String>>,
    pub unchanged: Vec<ReadOnlyValue>,
}

impl ProjectPatch {
    /// Applies the patch and says whether anything changed. The dates are checked as they
    /// end up, so a patch of one of them is held to the stored other.
    pub fn apply(&self, project: &mut Project, now: Timestamp) -> Result<bool, ValidationErrors> {
        check_unchanged(
            &self.unchanged,
            Stored {
                created_from: None,
                created_at: project.created_at,
                updated_at: project.updated_at,
            },
        )?;
        let before = project.clone();
        set(&mut project.organization_id, &self.organization_id);
        set(&mut project.name, &self.name);
        set(&mut project.status, &self.status);
        set(&mut project.starts_on, &self.starts_on);
        set(&mut project.ends_on, &self.ends_on);
        set(&mut project.description, &self.description);
        if let Err(errors) = check_dates(project.starts_on, project.ends_on) {
            *project = before;
            return Err(errors);
        }
        let changed = *project != before;
        if changed {
            project.updated_at = now;
        }
        Ok(changed)
    }
}
