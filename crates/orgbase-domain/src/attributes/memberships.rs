//! Membership attributes: the create and update readers. The organization and the contact are
//! relationships, read by the HTTP layer.

use serde_json::{Map, Value};

use super::table::membership::*;
use super::{AttributeReader, Parsed, Problem, datetime, string};
use crate::error::ValidationErrors;
use crate::membership::{MembershipPatch, MembershipRole};
use crate::organization::ReadOnlyValue;
use crate::time::Timestamp;

const MEMBERSHIPS: &str = "memberships";

fn role(value: &Value) -> Parsed<MembershipRole> {
    MembershipRole::parse(string(value)?).ok_or_else(|| {
        Problem::new(
            "invalid_value",
            format!("must be one of: {}", MembershipRole::NAMES.join(", ")),
        )
    })
}

/// What a create request's attributes say of a membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipAttributes {
    pub role: MembershipRole,
    /// Back-filled history; `None` means now.
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

/// Reads a create request's attributes: `role` defaults to `member`.
pub fn read_new_membership(
    attributes: &Map<String, Value>,
) -> Result<MembershipAttributes, ValidationErrors> {
    let mut r = AttributeReader::for_type(MEMBERSHIPS, attributes);
    let role = r.non_null(ROLE.name, role);
    let created_at = r.non_null(CREATED_AT.name, datetime);
    let updated_at = r.non_null(UPDATED_AT.name, datetime);
    r.finish()?;
    Ok(MembershipAttributes {
        role: role.unwrap_or_default(),
        created_at,
        updated_at,
    })
}

/// Reads an update: the role; read-only attributes are kept as assertions checked against
/// the stored record.
pub fn read_membership_patch(
    attributes: &Map<String, Value>,
) -> Result<MembershipPatch, ValidationErrors> {
    let mut r = AttributeReader::for_type(MEMBERSHIPS, attributes);
    let role = r.non_null(ROLE.name, role);
    let mut patch = MembershipPatch {
        role,
        ..MembershipPatch::default()
    };
    if let Some(at) = r.read_only(CREATED_AT.name, datetime) {
        patch.unchanged.push(ReadOnlyValue::CreatedAt(at));
    }
    if let Some(at) = r.read_only(UPDATED_AT.name, datetime) {
        patch.unchanged.push(ReadOnlyValue::UpdatedAt(at));
    }
    r.finish()?;
    Ok(patch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn the_role_defaults_to_member_and_must_be_one_of_the_five() {
        let read = read_new_membership(&Map::new()).unwrap();
        assert_eq!(read.role, MembershipRole::Member);
        let billing = read_new_membership(&object(json!({"role": "billing"}))).unwrap();
        assert_eq!(billing.role, MembershipRole::Billing);
        let errors = read_new_membership(&object(json!({"role": "owner", "since": 1})))
            .unwrap_err()
            .0;
        let codes: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.code, e.pointer.as_str()))
            .collect();
        assert_eq!(
            codes,
            [("invalid_value", "/role"), ("unknown_attribute", "/since"),]
        );
        assert!(read_membership_patch(&object(json!({"role": null}))).is_err());
    }
}
