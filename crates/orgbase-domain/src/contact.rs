//! Contacts: the people a CRM knows at its organizations, and the two inputs that change one.
//!
//! As with organizations, [`NewContact`] and [`ContactPatch`] hold already-validated values
//! (see [`crate::attributes`]), and turning them into a [`Contact`] happens here, once.

use std::collections::BTreeMap;

use crate::change::Version;
use crate::custom_field::{CustomValue, CustomValues};
use crate::error::ValidationErrors;
use crate::ids::{ContactId, CustomFieldId, UserId};
use crate::name::name_key;
use crate::organization::{ReadOnlyValue, Stored, check_unchanged, set};
use crate::time::Timestamp;

/// One contact, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: ContactId,
    /// Trimmed, 1–255 characters; not unique (two people may share a name).
    pub name: String,
    /// Unique ignoring case when present (see [`email_key`]).
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The job title.
    pub title: Option<String>,
    pub notes: Option<String>,
    /// Values of the contacts' custom fields; a field without a value has no entry.
    pub custom: CustomValues,
    /// The user responsible for the contact.
    pub owner_id: Option<UserId>,
    /// Who created it and who changed it last (server-set; `None` once their user is
    /// deleted).
    pub creator_id: Option<UserId>,
    pub updater_id: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Set by the store on every write: the ETag's version.
    pub version: Version,
}

/// The key under the unique index: two spellings of one address are one contact (the rule
/// users' addresses follow).
pub fn email_key(email: &str) -> String {
    crate::user::email_key(email)
}

impl Contact {
    /// The folded name lists compare and sort by (as organizations' names do).
    pub fn name_key(&self) -> String {
        name_key(&self.name)
    }

    pub fn email_key(&self) -> Option<String> {
        self.email.as_deref().map(email_key)
    }
}

/// A validated create request.
#[derive(Debug, Clone, PartialEq)]
pub struct NewContact {
    /// A client-generated id, if the client sent one.
    pub id: Option<ContactId>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub notes: Option<String>,
    pub custom: CustomValues,
    pub owner_id: Option<UserId>,
    /// Whether `owner_id` was given (possibly as null) rather than defaulted to the actor.
    pub owner_given: bool,
    /// Back-filled history; `None` means now.
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    /// Who is creating it: its creator and first updater, and its owner unless one is given.
    pub actor: Option<UserId>,
}

impl NewContact {
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            id: None,
            name: name.into(),
            email: None,
            phone: None,
            title: None,
            notes: None,
            custom: CustomValues::new(),
            owner_id: None,
            owner_given: false,
            created_at: None,
            updated_at: None,
            actor: None,
        }
    }

    /// The record to insert.
    pub fn to_contact(&self, now: Timestamp) -> Contact {
        Contact {
            id: self.id.unwrap_or_else(ContactId::generate),
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            title: self.title.clone(),
            notes: self.notes.clone(),
            custom: self.custom.clone(),
            owner_id: if self.owner_given {
                self.owner_id
            } else {
                self.actor
            },
            creator_id: self.actor,
            updater_id: self.actor,
            created_at: self.created_at.unwrap_or(now),
            updated_at: self.updated_at.unwrap_or(now),
            version: 0,
        }
    }
}

/// A validated update: `None` leaves a member alone; for nullable members `Some(None)` clears
/// it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactPatch {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub title: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    /// Custom values to set (`Some`) or clear (`None`), by field.
    pub custom: BTreeMap<CustomFieldId, Option<CustomValue>>,
    pub owner_id: Option<Option<UserId>>,
    /// Who is changing it: becomes the updater when anything changes.
    pub actor: Option<UserId>,
    /// Read-only attributes the client echoed; each must equal the stored value.
    pub unchanged: Vec<ReadOnlyValue>,
}

impl ContactPatch {
    /// Applies the patch to the stored record (inside the write's transaction, so the
    /// read-only checks see the value replaced) and says whether anything changed;
    /// `updated_at` moves only then.
    pub fn apply(&self, contact: &mut Contact, now: Timestamp) -> Result<bool, ValidationErrors> {
        check_unchanged(
            &self.unchanged,
            Stored {
                // Contacts have no `created_from`; their reader never builds its echo.
                created_from: None,
                created_at: contact.created_at,
                updated_at: contact.updated_at,
            },
        )?;
        let before = contact.clone();
        set(&mut contact.name, &self.name);
        set(&mut contact.email, &self.email);
        set(&mut contact.phone, &self.phone);
        set(&mut contact.title, &self.title);
        set(&mut contact.notes, &self.notes);
        set(&mut contact.owner_id, &self.owner_id);
        for (field, value) in &self.custom {
            match value {
                Some(value) => contact.custom.insert(*field, value.clone()),
                None => contact.custom.remove(field),
            };
        }
        let changed = *contact != before;
        if changed {
            contact.updated_at = now;
            contact.updater_id = self.actor.or(contact.updater_id);
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time;

    #[test]
    fn the_actor_owns_a_new_contact_unless_an_owner_is_given() {
        let actor = UserId::generate();
        let mut new = NewContact::named("Ada");
        new.actor = Some(actor);
        assert_eq!(new.to_contact(time::now()).owner_id, Some(actor));
        new.owner_given = true;
        assert_eq!(new.to_contact(time::now()).owner_id, None);
    }

    #[test]
    fn a_patch_that_changes_nothing_keeps_updated_at_and_the_updater() {
        let mut contact = NewContact::named("Ada").to_contact(time::now());
        let before = contact.clone();
        let patch = ContactPatch {
            name: Some("Ada".to_owned()),
            actor: Some(UserId::generate()),
            ..ContactPatch::default()
        };
        assert_eq!(patch.apply(&mut contact, time::now()), Ok(false));
        assert_eq!(contact, before);
        let later = before.updated_at + chrono::Duration::seconds(1);
        let patch = ContactPatch {
            title: Some(Some("CTO".to_owned())),
            actor: patch.actor,
            ..ContactPatch::default()
        };
        assert_eq!(patch.apply(&mut contact, later), Ok(true));
        assert_eq!(contact.updated_at, later);
        assert_eq!(contact.updater_id, patch.actor);
    }

    #[test]
    fn an_echoed_read_only_value_must_be_the_stored_one() {
        let mut contact = NewContact::named("Ada").to_contact(time::now());
        let patch = ContactPatch {
            unchanged: vec![ReadOnlyValue::CreatedAt(contact.created_at)],
            ..ContactPatch::default()
        };
        assert_eq!(patch.apply(&mut contact, time::now()), Ok(false));
        let patch = ContactPatch {
            unchanged: vec![ReadOnlyValue::CreatedAt(
                contact.created_at + chrono::Duration::seconds(1),
            )],
            ..ContactPatch::default()
        };
        let errors = patch.apply(&mut contact, time::now()).unwrap_err();
        assert_eq!(errors.0[0].pointer, "/created_at");
    }
}
