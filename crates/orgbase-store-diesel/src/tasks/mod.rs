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

pub fn insert(conn: &mut AnyConnection, task: &Task, actor: Option<UserId>) -> Result<Version> {
    conn.transaction::<_, TxError, _>(|conn| {
        check_organization(conn, task.organization_id)?;
        check_assignee(conn, task.assignee_id)?;
        let entry = ChangeEntry::created(
            ResourceType::Tasks,
            task.id,
            &Snapshot::task(task),
            time::now(),
            actor,
        );
        let version = changes::record(conn, Some(entry))?;
        diesel::insert_into(tasks::table)
            .values(TaskRow::from(&Task {
                version,
                ..task.clone()
            }))
            .execute(conn)?;
        Ok(version)
    })
    .map_err(|e| organization_or(e, task.organization_id))
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

fn load(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<TaskRow>> {
    tasks::table
        .find(id)
        .select(TaskRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn get(conn: &mut AnyConnection, id: TaskId) -> Result<Task> {
    load(conn, &id.to_string())
        .map_err(from_diesel)?
        .ok_or_else(|| Error::task_not_found(id))?
        .try_into()
}

/// The task's row, locked until the transaction ends (a no-op update).
fn locked(conn: &mut AnyConnection, id: TaskId) -> std::result::Result<Task, TxError> {
    let id_text = id.to_string();
    diesel::update(tasks::table.find(&id_text))
        .set(tasks::id.eq(tasks::id))
        .execute(conn)?;
    let row = load(conn, &id_text)?.ok_or_else(|| TxError::Domain(Error::task_not_found(id)))?;
    Task::try_from(row).map_err(TxError::Domain)
}

pub fn update(
    conn: &mut AnyConnection,
    id: TaskId,
    patch: &TaskPatch,
    now: Timestamp,
    write: Write,
) -> Result<Task> {
    let moved_to = patch.organization_id;
    conn.transaction::<_, TxError, _>(|conn| {
        let mut task = locked(conn, id)?;
        if !write.admits(task.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        let before = Snapshot::task(&task);
        let changed = patch
            .apply(&mut task, now)
            .map_err(|e| TxError::Domain(Error::Invalid(e)))?;
        if changed {
            check_organization(conn, task.organization_id)?;
            check_assignee(conn, task.assignee_id)?;
            let entry = ChangeEntry::updated(
                ResourceType::Tasks,
                id,
                &before,
                &Snapshot::task(&task),
                now,
                write.actor,
            );
            task.version = changes::record(conn, entry)?;
            diesel::update(tasks::table.find(id.to_string()))
                .set(TaskRow::from(&task))
                .execute(conn)?;
        }
        Ok(task)
    })
    .map_err(|e| match moved_to {
        Some(org) => organization_or(e, org),
        None => Error::from(e),
    })
}

pub fn delete(conn: &mut AnyConnection, id: TaskId, write: Write) -> Result<()> {
    conn.transaction::<_, TxError, _>(|conn| {
        let task = locked(conn, id)?;
        if !write.admits(task.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        changes::append_all(
            conn,
            &[ChangeEntry::deleted(
                ResourceType::Tasks,
                id,
                time::now(),
                write.actor,
            )],
        )?;
        diesel::delete(tasks::table.find(id.to_string())).execute(conn)?;
        Ok(())
    })
    .map_err(Error::from)
}

/// Inside an organization's deletion: deletes its tasks, in id order, each with its
/// tombstone (before the organization's, which the caller appends).
pub fn delete_of(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    actor: Option<UserId>,
) -> QueryResult<()> {
    let ids: Vec<String> = tasks::table
        .filter(tasks::organization_id.eq(organization.to_string()))
        .order(tasks::id)
        .select(tasks::id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(());
    }
    let now = time::now();
    let entries: Vec<ChangeEntry> = ids
        .iter()
        .map(|id| ChangeEntry::deleted(ResourceType::Tasks, id, now, actor))
        .collect();
    changes::append_all(conn, &entries)?;
    diesel::delete(tasks::table.filter(tasks::id.eq_any(&ids))).execute(conn)?;
    Ok(())
}

pub fn list(conn: &mut AnyConnection, list: &ListQuery) -> Result<Page<Task>> {
    crate::listing::page_of(
        conn,
        list,
        |conn| {
            query::filtered(list)?
                .count()
                .get_result(conn)
                .map_err(from_diesel)
        },
        |conn, limit, offset| {
            query::page(list)?
                .limit(limit)
                .offset(offset)
                .select(TaskRow::as_select())
                .load(conn)
                .map_err(from_diesel)
        },
    )
}
