//! Operations composed from store calls, written once for every backend and every caller
//! (HTTP handlers, the importer).

use crate::change::Write;
use crate::error::{Constraint, Error, Result};
use crate::ids::OrganizationId;
use crate::name::NAME_MAX_CHARS;
use crate::organization::{Details, NewOrganization, Organization};
use crate::slug::Slug;
use crate::store::Store;
use crate::time::Timestamp;

/// How many numbered slugs (`acme-2` …) to try before falling back to a random suffix.
const SLUG_ATTEMPTS: u32 = 20;
/// How many copy names (`NAME (copy)`, `NAME (copy 2)` …) `duplicate` tries.
const COPY_ATTEMPTS: u32 = 100;

/// Creates an organization. A derived slug that is taken becomes `slug-2`, `slug-3`, …; the
/// unique index decides, so concurrent creates cannot share a slug.
pub fn create_organization<S: Store + ?Sized>(
    store: &S,
    new: &NewOrganization,
    now: Timestamp,
) -> Result<Organization> {
    let mut new = new.clone();
    // Fix the id once so every attempt inserts the same record.
    let id = *new.id.get_or_insert_with(OrganizationId::generate);
    if let Some(slug) = &new.slug {
        let mut record = new.to_organization(slug, now);
        record.version = store.insert_organization(&record)?;
        return Ok(record);
    }
    let base = Slug::derive(&new.name);
    let candidates = std::iter::once(base.clone())
        .chain((2..=SLUG_ATTEMPTS).map(|n| base.with_suffix(n)))
        .chain(std::iter::once(Slug::derive(&format!(
            "{} {}",
            base,
            &id.as_uuid().simple().to_string()[20..]
        ))));
    let mut last = Error::Conflict(Constraint::OrganizationSlug);
    for slug in candidates {
        let mut record = new.to_organization(&slug, now);
        match store.insert_organization(&record) {
            Ok(version) => {
                record.version = version;
                return Ok(record);
            }
            Err(Error::Conflict(Constraint::OrganizationSlug)) => {
                last = Error::Conflict(Constraint::OrganizationSlug)
            }
            Err(other) => return Err(other),
        }
    }
    Err(last)
}

/// What [`create_or_get_existing`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Created {
    New(Organization),
    /// An organization with the same name existed and is returned unchanged.
    Existing(Organization),
}

/// `?return_existing=true`: creates, or returns the organization that already has the name.
/// The insert goes first and the lookup only follows a name conflict, so N concurrent calls
/// make one organization and all N see it.
pub fn create_or_get_existing(
    store: &dyn Store,
    new: &NewOrganization,
    now: Timestamp,
) -> Result<Created> {
    // Two rounds: the holder of the name may be deleted between our insert and our lookup.
    for _ in 0..2 {
        match create_organization(store, new, now) {
            Ok(created) => return Ok(Created::New(created)),
            Err(Error::Conflict(Constraint::OrganizationName)) => {
                if let Some(existing) = store.find_organization_by_name(&new.name)? {
                    return Ok(Created::Existing(existing));
                }
            }
            Err(other) => return Err(other),
        }
    }
    Err(Error::Conflict(Constraint::OrganizationName))
}

/// The name of the `n`th copy (`n` from 1), cut so it stays within the name limit.
pub fn copy_name(name: &str, n: u32) -> String {
    let suffix = if n == 1 {
        " (copy)".to_owned()
    } else {
        format!(" (copy {n})")
    };
    let room = NAME_MAX_CHARS - suffix.chars().count();
    let base: String = name.chars().take(room).collect();
    format!("{}{suffix}", base.trim_end())
}

/// Copies an organization's attributes, lists, domains, metadata and owner into a new,
/// unarchived organization named `NAME (copy)`, or `NAME (copy 2)` … when that is taken;
/// the writer becomes its creator. The source must be at the version the writer expects.
pub fn duplicate_organization(
    store: &dyn Store,
    id: OrganizationId,
    write: Write,
    now: Timestamp,
) -> Result<Organization> {
    let source = store.get_organization(id)?;
    if !write.admits(source.version) {
        return Err(Error::PreconditionFailed);
    }
    let actor = write.actor;
    let details = Details {
        archived_at: None,
        ..source.details
    };
    for n in 1..=COPY_ATTEMPTS {
        let new = NewOrganization {
            details: details.clone(),
            owner_given: true,
            actor,
            ..NewOrganization::named(copy_name(&source.name, n))
        };
        match create_organization(store, &new, now) {
            Err(Error::Conflict(Constraint::OrganizationName)) => continue,
            other => return other,
        }
    }
    Err(Error::Conflict(Constraint::OrganizationName))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_names_count_and_fit() {
        assert_eq!(copy_name("Acme", 1), "Acme (copy)");
        assert_eq!(copy_name("Acme", 2), "Acme (copy 2)");
        let long = "x".repeat(255);
        let copy = copy_name(&long, 12);
        assert_eq!(copy.chars().count(), 255);
        assert!(copy.ends_with(" (copy 12)"));
    }
}
