use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// An organization's id: a UUID, generated as v7 so ids sort by creation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrganizationId(Uuid);

impl OrganizationId {
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

/// The text is not a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a UUID")]
pub struct InvalidId(pub String);

impl FromStr for OrganizationId {
    type Err = InvalidId;

    /// Accepts any UUID spelling `uuid` accepts and keeps the canonical lower-case, hyphenated
    /// form, so the same id always has one spelling in storage.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s)
            .map(Self)
            .map_err(|_| InvalidId(s.to_owned()))
    }
}

impl fmt::Display for OrganizationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}
