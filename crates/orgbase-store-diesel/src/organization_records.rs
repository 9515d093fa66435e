//! What the records that belong to an organization (documents, projects) share: the check
//! that their organization exists, and the reading of a foreign-key failure as its absence.

use diesel::prelude::*;
use orgbase_domain::{Error, OrganizationId};

use crate::connection::AnyConnection;
use crate::errors::TxError;
use crate::schema::organizations;

/// 404 for an organization that is not there, checked in the writing transaction for the
/// answer's sake; the foreign key decides under concurrency.
pub fn check_organization(
    conn: &mut AnyConnection,
    id: OrganizationId,
) -> std::result::Result<(), TxError> {
    let found: i64 = organizations::table
        .find(id.to_string())
        .count()
        .get_result(conn)?;
    if found == 0 {
        return Err(TxError::Domain(Error::organization_not_found(id)));
    }
    Ok(())
}

/// A foreign-key violation can only be the organization, gone since the check.
pub fn organization_or(error: TxError, organization: OrganizationId) -> Error {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};
    match error {
        TxError::Diesel(DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
            Error::organization_not_found(organization)
        }
        other => Error::from(other),
    }
}
