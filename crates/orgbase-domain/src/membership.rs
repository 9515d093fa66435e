//! Memberships: one contact in one organization, with the role they play there.
//!
//! The organization and the contact are fixed when the membership is made (moving someone is
//! removing one membership and adding another); only the role changes.

use crate::change::Version;
use crate::error::ValidationErrors;
use crate::ids::{ContactId, MembershipId, OrganizationId, UserId};
use crate::organization::{ReadOnlyValue, Stored, check_unchanged, set};
use crate::time::Timestamp;

/// What a contact does at an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum MembershipRole {
    PrimaryContact,
    DecisionMaker,
    Billing,
    Technical,
    #[default]
    Member,
}

impl MembershipRole {
    pub const ALL: [MembershipRole; 5] = [
        MembershipRole::PrimaryContact,
        MembershipRole::DecisionMaker,
        MembershipRole::Billing,
        MembershipRole::Technical,
        MembershipRole::Member,
    ];

    /// The words the API uses, in [`Self::ALL`]'s order.
    pub const NAMES: &'static [&'static str] = &[
        "primary_contact",
        "decision_maker",
        "billing",
        "technical",
        "member",
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            MembershipRole::PrimaryContact => "primary_contact",
            MembershipRole::DecisionMaker => "decision_maker",
            MembershipRole::Billing => "billing",
            MembershipRole::Technical => "technical",
            MembershipRole::Member => "member",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// One membership, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub id: MembershipId,
    pub organization_id: OrganizationId,
    pub contact_id: ContactId,
    pub role: MembershipRole,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Set by the store on every write: the ETag's version.
    pub version: Version,
}

/// A validated create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMembership {
    /// A client-generated id, if the client sent one.
    pub id: Option<MembershipId>,
    pub organization_id: OrganizationId,
    pub contact_id: ContactId,
    pub role: MembershipRole,
    /// Back-filled history; `None` means now.
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

impl NewMembership {
    pub fn new(organization_id: OrganizationId, contact_id: ContactId) -> Self {
        Self {
            id: None,
            organization_id,
            contact_id,
            role: MembershipRole::default(),
            created_at: None,
            updated_at: None,
        }
    }

    /// The record to insert.
    pub fn to_membership(&self, now: Timestamp) -> Membership {
        Membership {
            id: self.id.unwrap_or_else(MembershipId::generate),
            organization_id: self.organization_id,
            contact_id: self.contact_id,
            role: self.role,
            created_at: self.created_at.unwrap_or(now),
            updated_at: self.updated_at.unwrap_or(now),
            version: 0,
        }
    }
}

/// A validated update: the role, and the read-only attributes the client echoed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MembershipPatch {
    pub role: Option<MembershipRole>,
    /// Who is changing it (the change log's actor).
    pub actor: Option<UserId>,
    pub unchanged: Vec<ReadOnlyValue>,
}

impl MembershipPatch {
    /// Applies the patch to the stored record and says whether anything changed;
    /// `updated_at` moves only then.
    pub fn apply(
        &self,
        membership: &mut Membership,
        now: Timestamp,
    ) -> Result<bool, ValidationErrors> {
        check_unchanged(
            &self.unchanged,
            Stored {
                created_from: None,
                created_at: membership.created_at,
                updated_at: membership.updated_at,
            },
        )?;
        let before = membership.role;
        set(&mut membership.role, &self.role);
        let changed = membership.role != before;
        if changed {
            membership.updated_at = now;
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time;

    #[test]
    fn roles_read_as_they_are_written() {
        for (role, name) in MembershipRole::ALL.iter().zip(MembershipRole::NAMES) {
            assert_eq!(role.as_str(), *name);
            assert_eq!(MembershipRole::parse(name), Some(*role));
        }
        assert_eq!(MembershipRole::parse("owner"), None);
        assert_eq!(MembershipRole::default(), MembershipRole::Member);
    }

    #[test]
    fn only_a_new_role_is_a_change() {
        let new = NewMembership::new(OrganizationId::generate(), ContactId::generate());
        let mut membership = new.to_membership(time::now());
        let later = membership.updated_at + chrono::Duration::seconds(1);
        let same = MembershipPatch {
            role: Some(MembershipRole::Member),
            ..MembershipPatch::default()
        };
        assert_eq!(same.apply(&mut membership, later), Ok(false));
        let billing = MembershipPatch {
            role: Some(MembershipRole::Billing),
            ..MembershipPatch::default()
        };
        assert_eq!(billing.apply(&mut membership, later), Ok(true));
        assert_eq!(membership.role, MembershipRole::Billing);
        assert_eq!(membership.updated_at, later);
    }
}
