//! Tasks in SQL: one row each, every write logged in its own transaction; deleting an
//! organization deletes its tasks through [`delete_of`], with their tombstones, and deleting a
//! user unassigns theirs through [`unassign`]. Lists by [`query`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use orgbase_domain::change::{ChangeEntry, Snapshot, Version, Write};
use orgbase_domain::task::Task;
use orgbase_domain::time::{self, Timestamp};
use orgbase_domain::{
    Error, ListQuery, OrganizationId, Page, ResourceType, Result, TaskId, TaskPatch, TaskStatus,
    UserId,
};

use crate::accounts::to_i64;
use crate::changes;
use crate::columns::utc;
use crate::connection::AnyConnection;
use crate::errors::{TxError, from_diesel};
use crate::organization_records::{check_organization, organization_or};
use crate::schema::{tasks, users};

mod query;

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tasks, treat_none_as_null = true)]
struct TaskRow {
    id: String,
    organization_id: String,
    title: String,
    status: String,
    due_on: Option<NaiveDateTime>,
    completed_at: Option<NaiveDateTime>,
    description: Option<String>,
    assignee_id: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
}

impl From<&Task> for TaskRow {
    fn from(d: &Task) -> Self {
        Self {
            id: d.id.to_string(),
            organization_id: d.organization_id.to_string(),
            title: d.title.clone(),
            status: d.status.as_str().to_owned(),
            due_on: d.due_on.map(|day| day.and_time(chrono::NaiveTime::MIN)),
            completed_at: d.completed_at.map(|at| at.naive_utc()),
            description: d.description.clone(),
            assignee_id: d.assignee_id.map(|u| u.to_string()),
            created_at: d.created_at.naive_utc(),
            updated_at: d.updated_at.naive_utc(),
            version: to_i64(d.version),
        }
    }
}

impl TryFrom<TaskRow> for Task {
    type Error = Error;

    fn try_from(row: TaskRow) -> Result<Self> {
        let corrupt =
            |what: &str| Error::Backend(format!("task {} has an unreadable {what}", row.id));
        Ok(Task {
            id: row.id.parse().map_err(|_| corrupt("id"))?,
            organization_id: row
                .organization_id
                .parse()
                .map_err(|_| corrupt("organization"))?,
            status: TaskStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
            assignee_id: row
                .assignee_id
                .as_deref()
                .map(|u| u.parse::<UserId>().map_err(|_| corrupt("assignee")))
                .transpose()?,
            title: row.title,
            due_on: row.due_on.map(|at| at.date()),
            completed_at: row.completed_at.map(utc),
            description: row.description,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: u64::try_from(row.version).unwrap_or(0),
        })
    }
}

/// 404 for an assignee who is not a user, checked in the writing transaction (a user's
/// deletion unassigns their tasks first, so the key never fails on its account).
fn check_assignee(
    conn: &mut AnyConnection,
    assignee: Option<UserId>,
) -> std::result::Result<(), TxError> {
    let Some(user) = assignee else {
        return Ok(());
    };
    let found: i64 = users::table
        .find(user.to_string())
        .count()
        .get_result(conn)?;
    if found == 0 {
        return Err(TxError::Domain(Error::user_not_found(user)));
    }
    Ok(())
}

crate::organization_records::organization_record_sql! {
    table: tasks,
    row: TaskRow,
    record: Task,
    id: TaskId,
    patch: TaskPatch,
    resource_type: ResourceType::Tasks,
    snapshot: Snapshot::task,
    not_found: Error::task_not_found,
    check: |conn, task| check_assignee(conn, task.assignee_id),
}

/// Inside a user's deletion: their tasks lose their assignee, each with its update entry
/// and a new version.
pub fn unassign(
    conn: &mut AnyConnection,
    user: &str,
    now: Timestamp,
    actor: Option<UserId>,
) -> QueryResult<()> {
    let rows: Vec<TaskRow> = tasks::table
        .filter(tasks::assignee_id.eq(user))
        .order(tasks::id)
        .select(TaskRow::as_select())
        .load(conn)?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let Ok(task) = Task::try_from(row) else {
            continue;
        };
        let unassigned = Task {
            assignee_id: None,
            ..task.clone()
        };
        entries.extend(ChangeEntry::updated(
            ResourceType::Tasks,
            task.id,
            &Snapshot::task(&task),
            &Snapshot::task(&unassigned),
            now,
            actor,
        ));
    }
    changes::append_all(conn, &entries)?;
    let version = to_i64(changes::version(conn)?);
    diesel::update(tasks::table.filter(tasks::assignee_id.eq(user)))
        .set((
            tasks::assignee_id.eq(None::<String>),
            tasks::version.eq(version),
        ))
        .execute(conn)?;
    Ok(())
}
