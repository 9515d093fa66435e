//! Importing organizations from another system: each row is matched to a stored record (by id
//! when it has one, else by normalised name) and updated rather than duplicated, so running
//! the same file twice changes nothing the second time.
//!
//! [`import_row`] is the reference, written with ordinary store calls; backends may import a
//! whole batch faster ([`Store::import_organizations`]) but must reach the same outcomes.

use serde_json::{Map, Value};

use crate::attributes::{read_new_organization, read_organization_patch};
use crate::change::Write;
use crate::custom_field::CustomFields;
use crate::error::{Constraint, Error, ValidationErrors};
use crate::ids::{OrganizationId, UserId};
use crate::organization::{NewOrganization, Organization, OrganizationPatch};
use crate::service::create_organization;
use crate::store::Store;
use crate::time::Timestamp;

/// One validated row of an import file, read both ways because which applies depends on what
/// is stored when the row is written.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    /// The row read as a create, used when nothing matches it.
    pub new: NewOrganization,
    /// The row read as an update of the matching organization. It never carries `created_at`,
    /// `updated_at` or `created_from`: the stored history wins over the file's.
    pub patch: OrganizationPatch,
}

/// The attributes that record history: a new row takes them from the file (so an export
/// re-imports to the same data), an update never does.
const HISTORY: [&str; 3] = ["created_from", "created_at", "updated_at"];

impl ImportRow {
    /// Reads one row's attributes (custom fields by identifier) the way a create and an update
    /// read them. `created_from` is `import` unless the row says otherwise; `owner` becomes
    /// the creator, and the owner unless the row names one, of a new organization.
    pub fn read(
        id: Option<OrganizationId>,
        attributes: &Map<String, Value>,
        fields: &CustomFields,
        owner: Option<UserId>,
    ) -> Result<Self, ValidationErrors> {
        let mut new = read_new_organization(attributes, id, fields)?;
        if !attributes.contains_key("created_from") {
            "import".clone_into(&mut new.created_from);
        }
        new.actor = owner;
        let mut changes = attributes.clone();
        for name in HISTORY {
            changes.remove(name);
        }
        let patch = read_organization_patch(&changes, fields)?;
        Ok(Self { new, patch })
    }
}

/// What importing one row did.
#[derive(Debug)]
pub enum ImportOutcome {
    Created(OrganizationId),
    Updated(OrganizationId),
    /// A match existed and the row holds nothing new.
    Unchanged(OrganizationId),
    Failed(Error),
}

/// The stored organization a row is about, if any.
pub fn find_match<S: Store + ?Sized>(
    store: &S,
    new: &NewOrganization,
) -> Result<Option<Organization>, Error> {
    match new.id {
        Some(id) => match store.get_organization(id) {
            Ok(org) => Ok(Some(org)),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(other) => Err(other),
        },
        None => store.find_organization_by_name(&new.name),
    }
}

/// Imports one row through ordinary store calls.
pub fn import_row<S: Store + ?Sized>(store: &S, row: &ImportRow, now: Timestamp) -> ImportOutcome {
    // Two rounds: a concurrent writer may create the name between our lookup and our insert.
    for _ in 0..2 {
        let existing = match find_match(store, &row.new) {
            Ok(existing) => existing,
            Err(error) => return ImportOutcome::Failed(error),
        };
        let Some(org) = existing else {
            match create_organization(store, &row.new, now) {
                Ok(created) => return ImportOutcome::Created(created.id),
                Err(Error::Conflict(Constraint::OrganizationName)) if row.new.id.is_none() => {
                    continue;
                }
                Err(error) => return ImportOutcome::Failed(error),
            }
        };
        let mut probe = org.clone();
        return match row.patch.apply(&mut probe, now) {
            Err(errors) => ImportOutcome::Failed(Error::Invalid(errors)),
            Ok(false) => ImportOutcome::Unchanged(org.id),
            Ok(true) => {
                match store.update_organization(org.id, &row.patch, now, Write::by(row.patch.actor))
                {
                    Ok(updated) => ImportOutcome::Updated(updated.id),
                    Err(error) => ImportOutcome::Failed(error),
                }
            }
        };
    }
    ImportOutcome::Failed(Error::Conflict(Constraint::OrganizationName))
}

/// Imports rows one by one: the default of [`Store::import_organizations`].
pub fn import_rows<S: Store + ?Sized>(
    store: &S,
    rows: &[ImportRow],
    now: Timestamp,
) -> Vec<ImportOutcome> {
    rows.iter().map(|row| import_row(store, row, now)).collect()
}
