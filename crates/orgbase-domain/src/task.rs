//! Tasks: things to do for an organization, open or done, with a due day and someone
//! assigned. A task belongs to one organization and may be moved to another.

use chrono::NaiveDate;

use crate::change::Version;
use crate::error::ValidationErrors;
use crate::ids::{OrganizationId, TaskId, UserId};
use crate::organization::{ReadOnlyValue, Stored, check_unchanged, set};
use crate::time::Timestamp;

/// Whether a task is still to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum TaskStatus {
    #[default]
    Open,
    Done,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 2] = [TaskStatus::Open, TaskStatus::Done];
    /// The words the API uses, in [`Self::ALL`]'s order.
    pub const NAMES: &'static [&'static str] = &["open", "done"];

    pub const fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::Done => "done",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// One task, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: TaskId,
    pub organization_id: OrganizationId,
    /// Trimmed, 1–255 characters.
    pub title: String,
    pub status: TaskStatus,
    pub due_on: Option<NaiveDate>,
    /// When it was done: set when the status becomes `done` (unless given), cleared when it
    /// becomes `open` again.
    pub completed_at: Option<Timestamp>,
    pub description: Option<String>,
    /// The user who is to do it (`None` once their user is deleted).
    pub assignee_id: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: Version,
}

/// A validated create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub id: Option<TaskId>,
    pub organization_id: OrganizationId,
    pub title: String,
    pub status: TaskStatus,
    pub due_on: Option<NaiveDate>,
    pub completed_at: Option<Timestamp>,
    pub description: Option<String>,
    pub assignee_id: Option<UserId>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

impl NewTask {
    pub fn titled(organization_id: OrganizationId, title: impl Into<String>) -> Self {
        Self {
            id: None,
            organization_id,
            title: title.into(),
            status: TaskStatus::default(),
            due_on: None,
            completed_at: None,
            description: None,
            assignee_id: None,
            created_at: None,
            updated_at: None,
        }
    }

    /// The record to insert: a task made done is completed now unless the request says when.
    pub fn to_task(&self, now: Timestamp) -> Task {
        let completed_at = match self.status {
            TaskStatus::Done => Some(self.completed_at.unwrap_or(now)),
            TaskStatus::Open => None,
        };
        Task {
            id: self.id.unwrap_or_else(TaskId::generate),
            organization_id: self.organization_id,
            title: self.title.clone(),
            status: self.status,
            due_on: self.due_on,
            completed_at,
            description: self.description.clone(),
            assignee_id: self.assignee_id,
            created_at: self.created_at.unwrap_or(now),
            updated_at: self.updated_at.unwrap_or(now),
            version: 0,
        }
    }
}

/// A validated update; `organization_id` moves the task.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskPatch {
    pub organization_id: Option<OrganizationId>,
    pub title: Option<String>,
    pub status: Option<TaskStatus>,
    pub due_on: Option<Option<NaiveDate>>,
    pub completed_at: Option<Option<Timestamp>>,
    pub description: Option<Option<String>>,
    pub assignee_id: Option<Option<UserId>>,
    pub unchanged: Vec<ReadOnlyValue>,
}

impl TaskPatch {
    /// Applies the patch and says whether anything changed. A task becoming `done` is
    /// completed now unless the patch says when; one becoming `open` is no longer completed.
    pub fn apply(&self, task: &mut Task, now: Timestamp) -> Result<bool, ValidationErrors> {
        check_unchanged(
            &self.unchanged,
            Stored {
                created_from: None,
                created_at: task.created_at,
                updated_at: task.updated_at,
            },
        )?;
        let before = task.clone();
        set(&mut task.organization_id, &self.organization_id);
        set(&mut task.title, &self.title);
        set(&mut task.status, &self.status);
        set(&mut task.due_on, &self.due_on);
        set(&mut task.completed_at, &self.completed_at);
        set(&mut task.description, &self.description);
        set(&mut task.assignee_id, &self.assignee_id);
        match task.status {
            TaskStatus::Open => task.completed_at = None,
            TaskStatus::Done if task.completed_at.is_none() => task.completed_at = Some(now),
            TaskStatus::Done => {}
        }
        let changed = *task != before;
        if changed {
            task.updated_at = now;
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time;

    #[test]
    fn a_task_is_completed_when_done_and_no_longer_when_open() {
        let now = time::now();
        let mut task = NewTask::titled(OrganizationId::generate(), "Call").to_task(now);
        assert_eq!(task.completed_at, None);
        let later = now + chrono::Duration::seconds(5);
        let done = TaskPatch {
            status: Some(TaskStatus::Done),
            ..TaskPatch::default()
        };
        assert_eq!(done.apply(&mut task, later), Ok(true));
        assert_eq!(task.completed_at, Some(later));
        // Done again: nothing changes, the completion stays.
        assert_eq!(
            done.apply(&mut task, later + chrono::Duration::seconds(1)),
            Ok(false)
        );
        let open = TaskPatch {
            status: Some(TaskStatus::Open),
            ..TaskPatch::default()
        };
        assert_eq!(open.apply(&mut task, later), Ok(true));
        assert_eq!(task.completed_at, None);
        let made_done = NewTask {
            status: TaskStatus::Done,
            ..NewTask::titled(OrganizationId::generate(), "Sent")
        }
        .to_task(now);
        assert_eq!(made_done.completed_at, Some(now));
    }
}
