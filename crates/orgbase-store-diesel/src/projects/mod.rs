//! Projects in SQL: one row each, every write logged in its own transaction; deleting an
//! organization deletes its projects through [`delete_of`], with their tombstones. Lists by
//! [`query`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use orgbase_domain::change::{ChangeEntry, Snapshot, Version, Write};
use orgbase_domain::project::Project;
use orgbase_domain::time::{self, Timestamp};
use orgbase_domain::{
    Error, ListQuery, OrganizationId, Page, ProjectId, ProjectPatch, ProjectStatus, ResourceType,
    Result, UserId,
};

use crate::accounts::to_i64;
use crate::changes;
use crate::columns::utc;
use crate::connection::AnyConnection;
use crate::errors::{TxError, from_diesel};
use crate::organization_records::{check_organization, organization_or};
use crate::schema::projects;

mod query;

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = projects, treat_none_as_null = true)]
struct ProjectRow {
    id: String,
    organization_id: String,
    name: String,
    name_key: String,
    status: String,
    starts_on: Option<NaiveDateTime>,
    ends_on: Option<NaiveDateTime>,
    description: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
}

impl From<&Project> for ProjectRow {
    fn from(d: &Project) -> Self {
        Self {
            id: d.id.to_string(),
            organization_id: d.organization_id.to_string(),
            name: d.name.clone(),
            name_key: d.name_key(),
            status: d.status.as_str().to_owned(),
            starts_on: d.starts_on.map(|day| day.and_time(chrono::NaiveTime::MIN)),
            ends_on: d.ends_on.map(|day| day.and_time(chrono::NaiveTime::MIN)),
            description: d.description.clone(),
            created_at: d.created_at.naive_utc(),
            updated_at: d.updated_at.naive_utc(),
            version: to_i64(d.version),
        }
    }
}

impl TryFrom<ProjectRow> for Project {
    type Error = Error;

    fn try_from(row: ProjectRow) -> Result<Self> {
        let corrupt =
            |what: &str| Error::Backend(format!("project {} has an unreadable {what}", row.id));
        Ok(Project {
            id: row.id.parse().map_err(|_| corrupt("id"))?,
            organization_id: row
                .organization_id
                .parse()
                .map_err(|_| corrupt("organization"))?,
            status: ProjectStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
            name: row.name,
            starts_on: row.starts_on.map(|at| at.date()),
            ends_on: row.ends_on.map(|at| at.date()),
            description: row.description,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: u64::try_from(row.version).unwrap_or(0),
        })
    }
}

pub fn insert(
    conn: &mut AnyConnection,
    project: &Project,
    actor: Option<UserId>,
) -> Result<Version> {
    conn.transaction::<_, TxError, _>(|conn| {
        check_organization(conn, project.organization_id)?;
        let entry = ChangeEntry::created(
            ResourceType::Projects,
            project.id,
            &Snapshot::project(project),
            time::now(),
            actor,
        );
        let version = changes::record(conn, Some(entry))?;
        diesel::insert_into(projects::table)
            .values(ProjectRow::from(&Project {
                version,
                ..project.clone()
            }))
            .execute(conn)?;
        Ok(version)
    })
    .map_err(|e| organization_or(e, project.organization_id))
}

fn load(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<ProjectRow>> {
    projects::table
        .find(id)
        .select(ProjectRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn get(conn: &mut AnyConnection, id: ProjectId) -> Result<Project> {
    load(conn, &id.to_string())
        .map_err(from_diesel)?
        .ok_or_else(|| Error::project_not_found(id))?
        .try_into()
}

/// The project's row, locked until the transaction ends (a no-op update).
fn locked(conn: &mut AnyConnection, id: ProjectId) -> std::result::Result<Project, TxError> {
    let id_text = id.to_string();
    diesel::update(projects::table.find(&id_text))
        .set(projects::id.eq(projects::id))
        .execute(conn)?;
    let row = load(conn, &id_text)?.ok_or_else(|| TxError::Domain(Error::project_not_found(id)))?;
    Project::try_from(row).map_err(TxError::Domain)
}

pub fn update(
    conn: &mut AnyConnection,
    id: ProjectId,
    patch: &ProjectPatch,
    now: Timestamp,
    write: Write,
) -> Result<Project> {
    let moved_to = patch.organization_id;
    conn.transaction::<_, TxError, _>(|conn| {
        let mut project = locked(conn, id)?;
        if !write.admits(project.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        let before = Snapshot::project(&project);
        let changed = patch
            .apply(&mut project, now)
            .map_err(|e| TxError::Domain(Error::Invalid(e)))?;
        if changed {
            check_organization(conn, project.organization_id)?;
            let entry = ChangeEntry::updated(
                ResourceType::Projects,
                id,
                &before,
                &Snapshot::project(&project),
                now,
                write.actor,
            );
            project.version = changes::record(conn, entry)?;
            diesel::update(projects::table.find(id.to_string()))
                .set(ProjectRow::from(&project))
                .execute(conn)?;
        }
        Ok(project)
    })
    .map_err(|e| match moved_to {
        Some(org) => organization_or(e, org),
        None => Error::from(e),
    })
}

pub fn delete(conn: &mut AnyConnection, id: ProjectId, write: Write) -> Result<()> {
    conn.transaction::<_, TxError, _>(|conn| {
        let project = locked(conn, id)?;
        if !write.admits(project.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        changes::append_all(
            conn,
            &[ChangeEntry::deleted(
                ResourceType::Projects,
                id,
                time::now(),
                write.actor,
            )],
        )?;
        diesel::delete(projects::table.find(id.to_string())).execute(conn)?;
        Ok(())
    })
    .map_err(Error::from)
}

/// Inside an organization's deletion: deletes its projects, in id order, each with its
/// tombstone (before the organization's, which the caller appends).
pub fn delete_of(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    actor: Option<UserId>,
) -> QueryResult<()> {
    let ids: Vec<String> = projects::table
        .filter(projects::organization_id.eq(organization.to_string()))
        .order(projects::id)
        .select(projects::id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(());
    }
    let now = time::now();
    let entries: Vec<ChangeEntry> = ids
        .iter()
        .map(|id| ChangeEntry::deleted(ResourceType::Projects, id, now, actor))
        .collect();
    changes::append_all(conn, &entries)?;
    diesel::delete(projects::table.filter(projects::id.eq_any(&ids))).execute(conn)?;
    Ok(())
}

pub fn list(conn: &mut AnyConnection, list: &ListQuery) -> Result<Page<Project>> {
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
                .select(ProjectRow::as_select())
                .load(conn)
                .map_err(from_diesel)
        },
    )
}
