//! The domain's one error type.
//!
//! Storage backends map their driver errors to [`Error`] at their own edge ("not found",
//! a named unique constraint, an unreachable database), so nothing above a backend ever sees
//! diesel or a socket error. Validation failures carry every failing field at once, each with
//! a JSON pointer relative to the attributes object, so the HTTP layer can point at
//! `/data/attributes/...` and the importer can name the column.

use std::fmt;

/// A result whose error is the domain [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The unique constraints a write can collide with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    /// Another organization already has this id.
    OrganizationId,
    /// Another organization already has this name (ignoring case and surrounding space).
    OrganizationName,
    /// Another organization already has this slug.
    OrganizationSlug,
    /// Another user already has this id.
    UserId,
    /// Another user already has this e-mail address (ignoring case).
    UserEmail,
    /// Another API key already has this id.
    ApiKeyId,
    /// Another custom field already has this id.
    CustomFieldId,
    /// Another webhook already has this id.
    WebhookId,
    /// Another contact already has this id.
    ContactId,
    /// Another contact already has this e-mail address (ignoring case).
    ContactEmail,
    /// Another membership already has this id.
    MembershipId,
    /// The contact is already a member of the organization.
    AlreadyMember,
    /// Another document already has this id.
    DocumentId,
    /// Another project already has this id.
    ProjectId,
    /// Another task already has this id.
    TaskId,
    /// Another custom field already has this identifier.
    CustomFieldIdentifier,
    /// Another organization already holds this value of this unique custom field. `None`
    /// when the storage could not say which of several unique fields collided.
    CustomValue(Option<crate::ids::CustomFieldId>),
    /// The change would leave no admin (an invariant rather than an index, kept the same way:
    /// decided inside the writing transaction).
    LastAdmin,
    /// The user still owns organizations or contacts (deleting them needs a user to reassign
    /// those to).
    UserOwnsOrganizations,
}

/// What can go wrong in the domain and in storage.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The addressed record does not exist.
    #[error("{resource} {id} was not found")]
    NotFound { resource: &'static str, id: String },
    /// A write collided with a unique constraint.
    #[error("unique constraint violated: {0:?}")]
    Conflict(Constraint),
    /// The input broke one or more rules.
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// The record is no longer at the version the write expected (`If-Match`).
    #[error("the record changed since the version the write expected")]
    PreconditionFailed,
    /// A changes-feed cursor points at or before entries the retention period pruned.
    #[error("changes up to sequence {pruned_through} were pruned")]
    ChangesPruned { pruned_through: u64 },
    /// The work given to [`Store::atomically`](crate::Store::atomically) gave up, for a
    /// reason its caller holds; nothing it wrote was kept.
    #[error("an atomic write gave up; nothing was kept")]
    GaveUp,
    /// Storage cannot be reached now; the same request may succeed later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Storage failed in a way the caller cannot fix.
    #[error("storage failure: {0}")]
    Backend(String),
}

impl Error {
    pub fn user_not_found(id: impl fmt::Display) -> Self {
        Error::NotFound {
            resource: "user",
            id: id.to_string(),
        }
    }

    pub fn api_key_not_found(id: impl fmt::Display) -> Self {
        Error::NotFound {
            resource: "API key",
            id: id.to_string(),
        }
    }

    pub fn custom_field_not_found(id: impl fmt::Display) -> Self {
        Error::NotFound {
            resource: "custom field",
            id: id.to_string(),
        }
    }

    pub fn webhook_not_found(id: impl fmt::Display) -> Self {
        Error::NotFound {
            resource: "webhook",
            id: id.to_string(),
        }
    }

    pub fn organization_not_found(id: impl fmt::Display) -> Self {
        Error::NotFound {
            resource: "organization",
            id: id.to_string(),
        }
    }

    pub fn contact_not_found(id: impl fmt::Display) -> Self {
        Error::NotFound {
            resource: "contact",
            id: id.to_string(),
        }
    }

    pub fn task_not_found(id: impl fmt::Display) -> Self {
        Error::NotFound {
            resource: "task",
            id: id.to_string(),
        }
    }

    pub fn project_not_found(id: impl fmt::Display) -> Self {
        Error::NotFound {
            resource: "project",
            id: id.to_string(),
        }
    }

    pub fn document_not_found(id: impl fmt::Display) -> Self {
        Error::NotFound {
            resource: "document",
            id: id.to_string(),
        }
    }

    pub fn membership_not_found(id: impl fmt::Display) -> Self {
        Error::NotFound {
            resource: "membership",
            id: id.to_string(),
        }
    }
}

/// One failing field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// A JSON pointer relative to the attributes object: `""` for the object itself,
    /// `/name`, `/domains/2`.
    pub pointer: String,
    /// A stable snake_case code, e.g. `too_long`.
    pub code: &'static str,
    /// A sentence for people.
    pub detail: String,
}

/// Every failing field of one input, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn push(
        &mut self,
        pointer: impl Into<String>,
        code: &'static str,
        detail: impl Into<String>,
    ) {
        self.0.push(FieldError {
            pointer: pointer.into(),
            code,
            detail: detail.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing failed, else every failure.
    pub fn into_result<T>(self, value: T) -> Result<T> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(Error::Invalid(self))
        }
    }

    pub fn single(
        pointer: impl Into<String>,
        code: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        let mut errors = Self::default();
        errors.push(pointer, code, detail);
        errors
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.pointer, e.detail))
            .collect();
        write!(f, "invalid input: {}", parts.join("; "))
    }
}

/// Escapes one JSON pointer reference token (RFC 6901).
pub fn pointer_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}
