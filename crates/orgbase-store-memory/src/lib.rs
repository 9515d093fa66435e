//! The in-memory store: orgbase's reference implementation of [`Store`].
//!
//! It defines what every other backend must answer (the conformance suite and the
//! differential tests compare against it), so it favours being obviously right: one lock,
//! unique maps that mirror the SQL unique indexes, and [`ListQuery::compare`] as its order.

use std::collections::HashMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use orgbase_domain::name::name_key;
use orgbase_domain::time::Timestamp;
use orgbase_domain::{
    Constraint, Error, ListQuery, Organization, OrganizationId, OrganizationPatch, Page, Result,
    Store,
};

#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: RwLock<Tables>,
}

#[derive(Debug, Default)]
struct Tables {
    organizations: HashMap<OrganizationId, Organization>,
    /// The unique indexes: normalised name and slug to id.
    name_keys: HashMap<String, OrganizationId>,
    slugs: HashMap<String, OrganizationId>,
}

impl Tables {
    /// The constraint `org` would break if written over the record `replacing` (if any).
    fn collision(
        &self,
        org: &Organization,
        replacing: Option<OrganizationId>,
    ) -> Option<Constraint> {
        let taken_by_other =
            |owner: Option<&OrganizationId>| owner.is_some_and(|id| Some(*id) != replacing);
        if replacing.is_none() && self.organizations.contains_key(&org.id) {
            return Some(Constraint::OrganizationId);
        }
        if taken_by_other(self.name_keys.get(&org.name_key())) {
            return Some(Constraint::OrganizationName);
        }
        if taken_by_other(self.slugs.get(&org.slug)) {
            return Some(Constraint::OrganizationSlug);
        }
        None
    }

    fn index(&mut self, org: &Organization) {
        self.name_keys.insert(org.name_key(), org.id);
        self.slugs.insert(org.slug.clone(), org.id);
    }

    fn unindex(&mut self, org: &Organization) {
        self.name_keys.remove(&org.name_key());
        self.slugs.remove(&org.slug);
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    // A panic while holding the lock cannot leave the maps half-written (every write checks
    // first and then mutates without failing), so a poisoned lock is still consistent.
    fn read(&self) -> RwLockReadGuard<'_, Tables> {
        self.inner
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Tables> {
        self.inner
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Store for MemoryStore {
    fn insert_organization(&self, organization: &Organization) -> Result<()> {
        let mut tables = self.write();
        if let Some(constraint) = tables.collision(organization, None) {
            return Err(Error::Conflict(constraint));
        }
        tables.index(organization);
        tables
            .organizations
            .insert(organization.id, organization.clone());
        Ok(())
    }

    fn get_organization(&self, id: OrganizationId) -> Result<Organization> {
        self.read()
            .organizations
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::organization_not_found(id))
    }

    fn find_organization_by_name(&self, name: &str) -> Result<Option<Organization>> {
        let tables = self.read();
        Ok(tables
            .name_keys
            .get(&name_key(name))
            .and_then(|id| tables.organizations.get(id))
            .cloned())
    }

    fn update_organization(
        &self,
        id: OrganizationId,
        patch: &OrganizationPatch,
        now: Timestamp,
    ) -> Result<Organization> {
        let mut tables = self.write();
        let mut updated = tables
            .organizations
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::organization_not_found(id))?;
        if !patch.apply(&mut updated, now).map_err(Error::Invalid)? {
            return Ok(updated);
        }
        if let Some(constraint) = tables.collision(&updated, Some(id)) {
            return Err(Error::Conflict(constraint));
        }
        if let Some(previous) = tables.organizations.insert(id, updated.clone()) {
            tables.unindex(&previous);
        }
        tables.index(&updated);
        Ok(updated)
    }

    fn delete_organization(&self, id: OrganizationId) -> Result<()> {
        let mut tables = self.write();
        let removed = tables
            .organizations
            .remove(&id)
            .ok_or_else(|| Error::organization_not_found(id))?;
        tables.unindex(&removed);
        Ok(())
    }

    fn list_organizations(&self, query: &ListQuery) -> Result<Page<Organization>> {
        let tables = self.read();
        let mut matching: Vec<&Organization> = tables
            .organizations
            .values()
            .filter(|org| query.admits(org))
            .collect();
        matching.sort_by(|a, b| query.compare(a, b));
        Ok(Page::cut(matching.into_iter().cloned(), query))
    }

    fn check_health(&self) -> Result<()> {
        Ok(())
    }
}
