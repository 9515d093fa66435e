//! Batched import: a batch of rows costs a few queries and multi-row INSERTs in one
//! transaction instead of several round trips per row, which is what makes tens of thousands
//! of rows a second possible.
//!
//! The batch handles the common rows (a new organization whose slug is free, an existing one
//! whose name and slug stay) and leaves the rest to the reference path,
//! [`orgbase_domain::import::import_row`], after it commits: a row that collides with another
//! row of the same batch, a derived slug that is taken, an update that renames, a row matched
//! by a custom field (`--match c_…`). If the batch
//! fails as a whole (a concurrent writer took a name, an owner does not exist), every row
//! goes through the reference path, which reports each failing row by itself.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use orgbase_domain::change::{ChangeEntry, Snapshot};
use orgbase_domain::import::{ImportOutcome, ImportRow};
use orgbase_domain::name::name_key;
use orgbase_domain::service::UpsertKey;
use orgbase_domain::slug::Slug;
use orgbase_domain::time::{self, Timestamp};
use orgbase_domain::{Error, Organization, OrganizationId, ResourceType, UserId};

use super::custom_values;
use super::records;
use super::row::OrganizationRow;
use super::set_rows;
use crate::changes;
use crate::connection::{AnyConnection, insert_many};
use crate::errors::TxError;
use crate::schema::organizations;

/// The stored organizations the rows may be about, by id and by name key.
struct Matches {
    by_id: HashMap<OrganizationId, Organization>,
    by_name: HashMap<String, OrganizationId>,
    taken_slugs: HashSet<String>,
}

fn load_matches(conn: &mut AnyConnection, rows: &[ImportRow]) -> Result<Matches, TxError> {
    let ids: Vec<String> = rows
        .iter()
        .filter_map(|r| r.new.id.map(|id| id.to_string()))
        .collect();
    let names: Vec<String> = rows.iter().map(|r| name_key(&r.new.name)).collect();
    let slugs: Vec<String> = rows
        .iter()
        .map(|r| wanted_slug(r).as_str().to_owned())
        .collect();
    // Locked on PostgreSQL until the batch commits, so no concurrent update is lost between
    // this read and the batch's write. On SQLite a concurrent writer makes the batch's first
    // write fail instead, and the rows take the reference path. Two queries, not one with OR:
    // SQLite scans the whole table for `id IN () OR …`.
    macro_rules! locked {
        ($condition:expr) => {
            match conn {
                AnyConnection::Postgresql(pg) => organizations::table
                    .filter($condition)
                    .select(OrganizationRow::as_select())
                    .for_update()
                    .load(pg)?,
                AnyConnection::Sqlite(sqlite) => organizations::table
                    .filter($condition)
                    .select(OrganizationRow::as_select())
                    .load(sqlite)?,
            }
        };
    }
    let mut found: Vec<OrganizationRow> = locked!(organizations::name_key.eq_any(&names));
    if !ids.is_empty() {
        let by_name: HashSet<String> = found.iter().map(|row| row.id.clone()).collect();
        let by_id: Vec<OrganizationRow> = locked!(organizations::id.eq_any(&ids));
        found.extend(by_id.into_iter().filter(|row| !by_name.contains(&row.id)));
    }
    let taken_slugs = organizations::table
        .filter(organizations::slug.eq_any(&slugs))
        .select(organizations::slug)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut by_id = HashMap::new();
    let mut by_name = HashMap::new();
    for org in records(conn, found).map_err(TxError::Domain)? {
        by_name.insert(org.name_key(), org.id);
        by_id.insert(org.id, org);
    }
    Ok(Matches {
        by_id,
        by_name,
        taken_slugs,
    })
}

/// The slug a new organization gets if it is free: its own, or the one derived from its name.
fn wanted_slug(row: &ImportRow) -> Slug {
    row.new
        .slug
        .clone()
        .unwrap_or_else(|| Slug::derive(&row.new.name))
}

/// What the batch decided for one row.
enum Plan {
    Done(ImportOutcome),
    /// Left to the reference path, after the batch commits.
    Deferred,
}

/// Imports what it can of `rows` in the caller's transaction; `None` marks deferred rows.
pub fn batch(
    conn: &mut AnyConnection,
    rows: &[ImportRow],
    now: Timestamp,
) -> Result<Vec<Option<ImportOutcome>>, TxError> {
    let matches = load_matches(conn, rows)?;
    // Every id, name key and slug the batch has used: a second row touching one is deferred,
    // so it sees the first row's write.
    let mut claimed: HashSet<String> = HashSet::new();
    let mut claim = |keys: [String; 3]| {
        if keys.iter().any(|k| claimed.contains(k)) {
            return false;
        }
        claimed.extend(keys);
        true
    };
    let mut created: Vec<Organization> = Vec::new();
    let mut updated: Vec<(Organization, Organization, Option<UserId>)> = Vec::new();
    let mut plans = Vec::with_capacity(rows.len());
    for row in rows {
        let existing = match (row.key, row.new.id) {
            // Matched by a custom value, which the batch does not load.
            (Some(UpsertKey::Custom(_)), _) => {
                plans.push(Plan::Deferred);
                continue;
            }
            (None, Some(id)) => matches.by_id.get(&id),
            (Some(UpsertKey::Name), _) | (None, None) => matches
                .by_name
                .get(&name_key(&row.new.name))
                .and_then(|id| matches.by_id.get(id)),
        };
        let plan = match existing {
            Some(org) => {
                let mut after = org.clone();
                match row.patch.apply(&mut after, now) {
                    Err(errors) => Plan::Done(ImportOutcome::Failed(Error::Invalid(errors))),
                    Ok(_)
                        if !claim([
                            format!("id:{}", org.id),
                            format!("name:{}", org.name_key()),
                            format!("slug:{}", org.slug),
                        ]) =>
                    {
                        Plan::Deferred
                    }
                    Ok(false) => Plan::Done(ImportOutcome::Unchanged(org.id)),
                    // A new name or slug may collide: the reference path decides.
                    Ok(true) if after.name_key() != org.name_key() || after.slug != org.slug => {
                        Plan::Deferred
                    }
                    Ok(true) => {
                        let id = org.id;
                        updated.push((org.clone(), after, row.patch.actor));
                        Plan::Done(ImportOutcome::Updated(id))
                    }
                }
            }
            None => {
                let slug = wanted_slug(row);
                let key = name_key(&row.new.name);
                let free = !matches.taken_slugs.contains(slug.as_str())
                    && !matches.by_name.contains_key(&key);
                let mut new = row.new.clone();
                let id = *new.id.get_or_insert_with(OrganizationId::generate);
                if free
                    && claim([
                        format!("id:{id}"),
                        format!("name:{key}"),
                        format!("slug:{slug}"),
                    ])
                {
                    created.push(new.to_organization(&slug, now));
                    Plan::Done(ImportOutcome::Created(id))
                } else {
                    Plan::Deferred
                }
            }
        };
        plans.push(plan);
    }

    // The fields every row's snapshot may name, read (and share-locked) once for the batch.
    let fields = custom_values::lock_fields(
        conn,
        created.iter().chain(
            updated
                .iter()
                .flat_map(|(before, after, _)| [before, after]),
        ),
    )?;
    let mut log = Vec::new();
    if !created.is_empty() || !updated.is_empty() {
        // One version for every record the batch writes (each is written once).
        let version = changes::version(conn)?;
        let changed_at = time::now();
        for org in &mut created {
            org.version = version;
            let snapshot = Snapshot::organization(org, &fields);
            log.push(ChangeEntry::created(
                ResourceType::Organizations,
                org.id,
                &snapshot,
                changed_at,
                org.creator_id,
            ));
        }
        for (before, after, actor) in &mut updated {
            after.version = version;
            log.extend(ChangeEntry::updated(
                ResourceType::Organizations,
                after.id,
                &Snapshot::organization(before, &fields),
                &Snapshot::organization(after, &fields),
                now,
                *actor,
            ));
        }
    }
    let new_rows: Vec<OrganizationRow> = created.iter().map(OrganizationRow::from).collect();
    insert_many!(&mut *conn, organizations::table, &new_rows)?;
    set_rows::insert_all(conn, &created)?;
    custom_values::insert_all(conn, &created)?;
    for (before, after, _) in &updated {
        diesel::update(organizations::table.find(after.id.to_string()))
            .set(OrganizationRow::from(after))
            .execute(conn)?;
        set_rows::replace(conn, before, after)?;
        custom_values::replace(conn, before, after)?;
    }
    changes::append_all(conn, &log)?;
    Ok(plans
        .into_iter()
        .map(|plan| match plan {
            Plan::Done(outcome) => Some(outcome),
            Plan::Deferred => None,
        })
        .collect())
}
