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

crate::organization_records::organization_record_sql! {
    table: projects,
    row: ProjectRow,
    record: Project,
    id: ProjectId,
    patch: ProjectPatch,
    resource_type: ResourceType::Projects,
    snapshot: Snapshot::project,
    not_found: Error::project_not_found,
    check: |_, _| Ok(()),
}
