//! Users: the people API keys belong to, each with one role.

use crate::change::Version;
use crate::ids::UserId;
use crate::time::Timestamp;

/// What a user may do. Ordered: every role may do what the roles below it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads.
    Viewer,
    /// Also creates and updates organizations.
    Member,
    /// Also deletes, and manages custom fields, users and keys.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Member, Role::Viewer];

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub name: String,
    /// As given; unique ignoring case (see [`email_key`]).
    pub email: String,
    pub role: Role,
    pub created_at: Timestamp,
    /// Set by the store on every write: the ETag's version.
    pub version: Version,
}

/// The key under the unique index: two spellings of one address are one user.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl User {
    pub fn email_key(&self) -> String {
        email_key(&self.email)
    }
}

/// A validated change to a user: `None` leaves a member alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPatch {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
}

impl UserPatch {
    /// Applies the patch; says whether anything changed.
    pub fn apply(&self, user: &mut User) -> bool {
        let before = user.clone();
        if let Some(name) = &self.name {
            user.name = name.clone();
        }
        if let Some(email) = &self.email {
            user.email = email.clone();
        }
        if let Some(role) = self.role {
            user.role = role;
        }
        *user != before
    }

    /// Whether applying this to `user` takes an admin away.
    pub fn demotes(&self, user: &User) -> bool {
        user.role == Role::Admin && self.role.is_some_and(|r| r != Role::Admin)
    }
}
