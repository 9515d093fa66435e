//! The organization record and the two inputs that change it.
//!
//! [`NewOrganization`] and [`OrganizationPatch`] hold already-validated values (see
//! [`crate::attributes`]); turning them into an [`Organization`] happens here, once, so every
//! backend stores exactly the same record.

use serde_json::{Map, Value};

use std::collections::BTreeMap;

use crate::change::Version;
use crate::custom_field::{CustomValue, CustomValues};
use crate::error::{ValidationErrors, pointer_token};
use crate::ids::{CustomFieldId, OrganizationId, UserId};
use crate::name::name_key;
use crate::slug::Slug;
use crate::time::Timestamp;

/// `active` or `inactive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    Active,
    Inactive,
}

impl Status {
    pub const ALL: [Status; 2] = [Status::Active, Status::Inactive];

    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Inactive => "inactive",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// One organization, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: String,
    pub slug: String,
    pub created_from: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Who created it and who changed it last (server-set; `None` for imports without an
    /// owner, or once their user is deleted).
    pub creator_id: Option<UserId>,
    pub updater_id: Option<UserId>,
    /// Everything else a client writes freely.
    pub details: Details,
    /// Set by the store on every write: the ETag's version.
    pub version: Version,
}

impl Organization {
    /// The normalised name under the unique index.
    pub fn name_key(&self) -> String {
        name_key(&self.name)
    }
}

/// The attributes a client writes freely, shared by the record and both inputs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Details {
    pub organization_type: Option<String>,
    pub status: Status,
    pub description: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub industry: Option<String>,
    pub company_size: Option<i64>,
    pub domains: Vec<String>,
    pub lists: Vec<String>,
    pub metadata: Option<Map<String, Value>>,
    pub last_contact_at: Option<Timestamp>,
    pub archived_at: Option<Timestamp>,
    /// The user responsible for the organization.
    pub owner_id: Option<UserId>,
    /// Values of custom fields; a field without a value has no entry.
    pub custom: CustomValues,
}

/// A validated create request.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrganization {
    /// A client-generated id, if the client sent one.
    pub id: Option<OrganizationId>,
    /// Trimmed, 1–255 characters.
    pub name: String,
    /// The client's slug; `None` derives one from the name.
    pub slug: Option<Slug>,
    pub details: Details,
    /// `api` unless the client or the importer says otherwise.
    pub created_from: String,
    /// Back-filled history; `None` means now.
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    /// Who is creating it: its creator and first updater, and its owner unless one is given.
    pub actor: Option<UserId>,
    /// Whether `details.owner_id` was given (possibly as null) rather than defaulted.
    pub owner_given: bool,
}

impl NewOrganization {
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            id: None,
            name: name.into(),
            slug: None,
            details: Details::default(),
            created_from: "api".to_owned(),
            created_at: None,
            updated_at: None,
            actor: None,
            owner_given: false,
        }
    }

    /// The record to insert, with `slug` as its slug (the caller picks derived candidates).
    pub fn to_organization(&self, slug: &Slug, now: Timestamp) -> Organization {
        let created_at = self.created_at.unwrap_or(now);
        Organization {
            id: self.id.unwrap_or_else(OrganizationId::generate),
            name: self.name.clone(),
            slug: slug.as_str().to_owned(),
            created_from: self.created_from.clone(),
            created_at,
            updated_at: self.updated_at.unwrap_or(now),
            creator_id: self.actor,
            updater_id: self.actor,
            details: Details {
                owner_id: if self.owner_given {
                    self.details.owner_id
                } else {
                    self.actor
                },
                ..self.details.clone()
            },
            version: 0,
        }
    }
}

/// A read-only attribute a client sent back; accepted only while it still holds this value.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadOnlyValue {
    CreatedFrom(String),
    CreatedAt(Timestamp),
    UpdatedAt(Timestamp),
}

/// The stored values echoed read-only attributes are compared with (`created_from` only
/// organizations have).
pub(crate) struct Stored<'a> {
    pub created_from: Option<&'a str>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A `read_only` error for each echoed value that is not the stored one, all at once.
pub(crate) fn check_unchanged(
    unchanged: &[ReadOnlyValue],
    stored: Stored<'_>,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    for value in unchanged {
        let (attribute, same) = match value {
            ReadOnlyValue::CreatedFrom(v) => {
                ("created_from", Some(v.as_str()) == stored.created_from)
            }
            ReadOnlyValue::CreatedAt(v) => ("created_at", *v == stored.created_at),
            ReadOnlyValue::UpdatedAt(v) => ("updated_at", *v == stored.updated_at),
        };
        if !same {
            errors.push(
                format!("/{}", pointer_token(attribute)),
                "read_only",
                format!("`{attribute}` is read-only; send its current value or leave it out"),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Replaces `target` with the change, when a patch gives one.
pub(crate) fn set<T: Clone>(target: &mut T, change: &Option<T>) {
    if let Some(value) = change {
        *target = value.clone();
    }
}

/// A validated update: `None` leaves a member alone; for nullable members `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrganizationPatch {
    pub name: Option<String>,
    pub slug: Option<Slug>,
    pub organization_type: Option<Option<String>>,
    pub status: Option<Status>,
    pub description: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub state: Option<Option<String>>,
    pub country: Option<Option<String>>,
    pub industry: Option<Option<String>>,
    pub company_size: Option<Option<i64>>,
    pub domains: Option<Vec<String>>,
    pub lists: Option<Vec<String>>,
    pub metadata: Option<Option<Map<String, Value>>>,
    pub last_contact_at: Option<Option<Timestamp>>,
    pub archived_at: Option<Option<Timestamp>>,
    pub owner_id: Option<Option<UserId>>,
    /// Custom values to set (`Some`) or clear (`None`); fields not named keep their values.
    pub custom: BTreeMap<CustomFieldId, Option<CustomValue>>,
    /// Who is changing it: becomes the updater when anything changes.
    pub actor: Option<UserId>,
    /// Read-only attributes the client echoed; each must equal the stored value.
    pub unchanged: Vec<ReadOnlyValue>,
}

impl OrganizationPatch {
    /// Applies the patch to the stored record and says whether anything changed. Backends call
    /// this inside their write transaction, so the read-only checks see the value being
    /// replaced. `updated_at` moves only on a real change: a client that round-trips an
    /// unchanged object must not make it look new to everyone syncing by `updated_at`.
    pub fn apply(&self, org: &mut Organization, now: Timestamp) -> Result<bool, ValidationErrors> {
        check_unchanged(
            &self.unchanged,
            Stored {
                created_from: Some(&org.created_from),
                created_at: org.created_at,
                updated_at: org.updated_at,
            },
        )?;
        let before = org.clone();
        set(&mut org.name, &self.name);
        if let Some(slug) = &self.slug {
            org.slug = slug.as_str().to_owned();
        }
        let d = &mut org.details;
        set(&mut d.organization_type, &self.organization_type);
        set(&mut d.status, &self.status);
        set(&mut d.description, &self.description);
        set(&mut d.website, &self.website);
        set(&mut d.email, &self.email);
        set(&mut d.phone, &self.phone);
        set(&mut d.address, &self.address);
        set(&mut d.city, &self.city);
        set(&mut d.state, &self.state);
        set(&mut d.country, &self.country);
        set(&mut d.industry, &self.industry);
        set(&mut d.company_size, &self.company_size);
        set(&mut d.domains, &self.domains);
        set(&mut d.lists, &self.lists);
        set(&mut d.metadata, &self.metadata);
        set(&mut d.last_contact_at, &self.last_contact_at);
        set(&mut d.archived_at, &self.archived_at);
        set(&mut d.owner_id, &self.owner_id);
        for (field, value) in &self.custom {
            match value {
                Some(value) => d.custom.insert(*field, value.clone()),
                None => d.custom.remove(field),
            };
        }
        let changed = *org != before;
        if changed {
            org.updated_at = now;
            org.updater_id = self.actor.or(org.updater_id);
        }
        Ok(changed)
    }
}
