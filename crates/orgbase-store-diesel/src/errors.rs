//! diesel and pool errors as domain errors, at the backend's edge: a unique violation becomes
//! the [`Constraint`] it broke (by PostgreSQL's constraint name or SQLite's column list), a
//! lost connection `Unavailable`, anything else `Backend`. [`TxError`] carries either kind
//! out of a transaction.

use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error as DieselError};
use orgbase_domain::{Constraint, Error};

/// Each unique constraint as PostgreSQL names it and as SQLite reports it
/// (`UNIQUE constraint failed: organizations.name_key`).
const CONSTRAINTS: [(Constraint, &str, &str); 20] = [
    (
        Constraint::OrganizationId,
        "organizations_pkey",
        "organizations.id",
    ),
    (
        Constraint::OrganizationName,
        "organizations_name_key_unique",
        "organizations.name_key",
    ),
    (
        Constraint::OrganizationSlug,
        "organizations_slug_unique",
        "organizations.slug",
    ),
    (Constraint::UserId, "users_pkey", "users.id"),
    (
        Constraint::UserEmail,
        "users_email_key_unique",
        "users.email_key",
    ),
    (Constraint::ApiKeyId, "api_keys_pkey", "api_keys.id"),
    (
        Constraint::CustomFieldId,
        "custom_fields_pkey",
        "custom_fields.id",
    ),
    (Constraint::WebhookId, "webhooks_pkey", "webhooks.id"),
    (Constraint::ContactId, "contacts_pkey", "contacts.id"),
    (
        Constraint::ContactEmail,
        "contacts_email_key_unique",
        "contacts.email_key",
    ),
    (
        Constraint::MembershipId,
        "memberships_pkey",
        "memberships.id",
    ),
    (Constraint::DocumentId, "documents_pkey", "documents.id"),
    (Constraint::ProjectId, "projects_pkey", "projects.id"),
    (Constraint::TaskId, "tasks_pkey", "tasks.id"),
    (
        Constraint::AlreadyMember,
        "memberships_organization_contact_unique",
        "memberships.organization_id, memberships.contact_id",
    ),
    (
        Constraint::CustomFieldIdentifier,
        "custom_fields_identifier_unique",
        "custom_fields.identifier",
    ),
    // Which field collided is for the writer to say (it knows what it wrote).
    (
        Constraint::CustomValue(None),
        "organization_custom_values_unique_text",
        "organization_custom_values.text_key",
    ),
    (
        Constraint::CustomValue(None),
        "organization_custom_values_unique_number",
        "organization_custom_values.number_value",
    ),
    (
        Constraint::CustomValue(None),
        "contact_custom_values_unique_text",
        "contact_custom_values.text_key",
    ),
    (
        Constraint::CustomValue(None),
        "contact_custom_values_unique_number",
        "contact_custom_values.number_value",
    ),
];

fn violated_constraint(info: &dyn DatabaseErrorInformation) -> Option<Constraint> {
    CONSTRAINTS
        .iter()
        .find_map(|(constraint, pg_name, sqlite_column)| {
            let named = info.constraint_name() == Some(*pg_name);
            let reported =
                info.constraint_name().is_none() && info.message().ends_with(sqlite_column);
            (named || reported).then_some(*constraint)
        })
}

/// Maps a diesel error to the domain's: unique violations name their constraint, a lost or
/// busy database is "unavailable" (the client may retry), the rest is a backend failure.
pub fn from_diesel(error: DieselError) -> Error {
    match &error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            match violated_constraint(info.as_ref()) {
                Some(constraint) => Error::Conflict(constraint),
                None => Error::Backend(error.to_string()),
            }
        }
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
            Error::Unavailable(error.to_string())
        }
        DieselError::DatabaseError(_, info) if is_busy(info.message()) => {
            Error::Unavailable(error.to_string())
        }
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
            Error::Unavailable(format!("{TRANSIENT}: {error}"))
        }
        DieselError::DatabaseError(_, info) if info.message().starts_with("deadlock detected") => {
            Error::Unavailable(format!("{TRANSIENT}: {error}"))
        }
        _ => Error::Backend(error.to_string()),
    }
}

/// How [`from_diesel`] begins the message of a failure that running the same transaction
/// again can cure: PostgreSQL's deadlock (40P01: two transactions writing several rows took
/// locks, such as the organization count stripes, in opposite orders) and serialization
/// failure (40001). Single-statement writes meet neither; multi-write transactions
/// ([`orgbase_domain::Store::atomically`]) retry on it.
const TRANSIENT: &str = "transient conflict, retry";

/// Whether `error` is one [`TRANSIENT`] failure.
pub fn is_transient(error: &Error) -> bool {
    matches!(error, Error::Unavailable(message) if message.starts_with(TRANSIENT))
}

/// SQLite's answer when a competing writer outlasted busy_timeout.
fn is_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
}

/// No connection could be had from the pool in time.
pub fn from_pool(error: diesel::r2d2::PoolError) -> Error {
    Error::Unavailable(format!("no database connection available: {error}"))
}

/// A failure inside a transaction: the database's, or a domain rule's (a patch that broke a
/// rule, the last admin). Both become the domain's error when the transaction ends.
#[derive(Debug)]
pub enum TxError {
    Diesel(DieselError),
    Domain(Error),
}

impl From<DieselError> for TxError {
    fn from(error: DieselError) -> Self {
        TxError::Diesel(error)
    }
}

impl From<TxError> for Error {
    fn from(error: TxError) -> Self {
        match error {
            TxError::Diesel(e) => from_diesel(e),
            TxError::Domain(e) => e,
        }
    }
}
