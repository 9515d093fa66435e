//! Typed ids: one newtype per resource over a UUIDv7, so an organization id cannot be passed
//! where a user id is meant, and each id has one spelling.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// The text is not a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a UUID")]
pub struct InvalidId(pub String);

/// A typed UUID id: generated as v7 so ids sort by creation time; parsed from any spelling
/// `uuid` accepts and shown lower-case and hyphenated, so each id has one stored spelling.
macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Uuid);

        impl $name {
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| InvalidId(s.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

typed_id!(
    /// An organization's id.
    OrganizationId
);
typed_id!(
    /// A user's id.
    UserId
);
typed_id!(
    /// An API key's id (not its secret).
    ApiKeyId
);
typed_id!(
    /// A custom field's id.
    CustomFieldId
);
typed_id!(
    /// A webhook's id.
    WebhookId
);
typed_id!(
    /// A contact's id.
    ContactId
);
typed_id!(
    /// A membership's id (one contact in one organization).
    MembershipId
);
typed_id!(
    /// A document's id (the record of a file).
    DocumentId
);
typed_id!(
    /// A project's id.
    ProjectId
);
typed_id!(
    /// A task's id.
    TaskId
);
typed_id!(
    /// One delivery attempt's id, in the deliveries log.
    DeliveryId
);
