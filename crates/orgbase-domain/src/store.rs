//! The storage trait.
//!
//! Synchronous and object-safe, so the server holds an `Arc<dyn Store>` and runs calls on a
//! blocking pool. Every backend passes the conformance suite in `orgbase-store-tests`; the
//! in-memory store is the reference implementation.

use std::fmt::Debug;

use crate::error::Result;
use crate::ids::OrganizationId;
use crate::organization::{Organization, OrganizationPatch};
use crate::query::{ListQuery, Page};
use crate::time::Timestamp;

pub trait Store: Send + Sync + Debug {
    /// Inserts a complete record. A taken id, name key or slug is
    /// [`Error::Conflict`](crate::Error::Conflict) naming that constraint, decided by the
    /// storage itself (a unique index), never by a read before the write.
    fn insert_organization(&self, organization: &Organization) -> Result<()>;

    /// The organization with this id, archived or not, or
    /// [`Error::NotFound`](crate::Error::NotFound).
    fn get_organization(&self, id: OrganizationId) -> Result<Organization>;

    /// The organization whose name is the same as `name` ignoring case and surrounding space.
    fn find_organization_by_name(&self, name: &str) -> Result<Option<Organization>>;

    /// Applies `patch` with [`OrganizationPatch::apply`] to the stored record and writes the
    /// result if anything changed, all in one transaction that excludes concurrent writers of
    /// the same record. Returns the record as stored afterwards.
    fn update_organization(
        &self,
        id: OrganizationId,
        patch: &OrganizationPatch,
        now: Timestamp,
    ) -> Result<Organization>;

    /// Deletes the organization, or [`Error::NotFound`](crate::Error::NotFound).
    fn delete_organization(&self, id: OrganizationId) -> Result<()>;

    /// One page of the organizations `query` selects, in its order, with the total count.
    fn list_organizations(&self, query: &ListQuery) -> Result<Page<Organization>>;

    /// `Ok` when the storage answers a trivial query now.
    fn check_health(&self) -> Result<()>;
}
