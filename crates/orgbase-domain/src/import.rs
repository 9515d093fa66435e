//! Importing organizations from another system: each row is matched to a stored record (by id
//! when it has one, else by normalised name; or, when the import names one, by a unique
//! custom field) and updated rather than duplicated, so running the same file twice changes
//! nothing the second time.
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
use crate::service::{UpsertKey, create_organization};
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
    /// What finds the stored organization: `None` is the id, else the name; a key (`orgbase
    /// import --match`) is that attribute alone, the name or a unique custom field.
    pub key: Option<UpsertKey>,
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
        Ok(Self {
            new,
            patch,
            key: None,
        })
    }

    /// The row matched by `key` instead of its id or name; it must carry a value for it.
    pub fn matched_by(
        mut self,
        key: UpsertKey,
        identifier: &str,
    ) -> Result<Self, ValidationErrors> {
        if let UpsertKey::Custom(field) = key
            && !self.new.details.custom.contains_key(&field)
        {
            return Err(ValidationErrors::single(
                "",
                "required",
                format!("`{identifier}` is required: the import matches rows by it (--match)"),
            ));
        }
        self.key = Some(key);
        Ok(self)
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
    row: &ImportRow,
) -> Result<Option<Organization>, Error> {
    let new = &row.new;
    match (row.key, new.id) {
        (Some(UpsertKey::Custom(field)), _) => match new.details.custom.get(&field) {
            Some(value) => store.find_organization_by_custom_value(field, value),
            None => Ok(None),
        },
        (None, Some(id)) => match store.get_organization(id) {
            Ok(org) => Ok(Some(org)),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(other) => Err(other),
        },
        (Some(UpsertKey::Name), _) | (None, None) => store.find_organization_by_name(&new.name),
    }
}

/// Whether a create's conflict may mean a concurrent writer created the row's match between
/// the lookup and the insert (so looking again finds it).
fn lost_race(row: &ImportRow, error: &Error) -> bool {
    match (row.key, error) {
        (Some(key), error) => key.taken(error),
        (None, Error::Conflict(Constraint::OrganizationName)) => row.new.id.is_none(),
        _ => false,
    }
}

/// Imports one row through ordinary store calls.
pub fn import_row<S: Store + ?Sized>(store: &S, row: &ImportRow, now: Timestamp) -> ImportOutcome {
    // Two rounds: a concurrent writer may create the match between our lookup and our insert.
    let mut last = Error::Conflict(Constraint::OrganizationName);
    for _ in 0..2 {
        let existing = match find_match(store, row) {
            Ok(existing) => existing,
            Err(error) => return ImportOutcome::Failed(error),
        };
        let Some(org) = existing else {
            match create_organization(store, &row.new, now) {
                Ok(created) => return ImportOutcome::Created(created.id),
                Err(error) if lost_race(row, &error) => {
                    last = error;
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
    ImportOutcome::Failed(last)
}

/// Imports rows one by one: the default of [`Store::import_organizations`].
pub fn import_rows<S: Store + ?Sized>(
    store: &S,
    rows: &[ImportRow],
    now: Timestamp,
) -> Vec<ImportOutcome> {
    rows.iter().map(|row| import_row(store, row, now)).collect()
}
