//! User and API key attributes.

use serde_json::{Map, Value};

use super::table::{api_key, user};
use super::{AttributeReader, Parsed, Problem, datetime, email, name, string, text_of};
use crate::error::ValidationErrors;
use crate::ids::UserId;
use crate::time::Timestamp;
use crate::user::{Role, User, UserPatch};

/// A user's display name: trimmed, 1–255 characters.
fn person_name(value: &Value) -> Parsed<String> {
    name(value)
}

fn role(value: &Value) -> Parsed<Role> {
    Role::parse(string(value)?)
        .ok_or_else(|| Problem::new("invalid_value", "must be one of: admin, member, viewer"))
}

/// Reads a new user: `name` and `email` required, `role` defaulting to `viewer` (the least
/// privilege; an admin raises it deliberately).
pub fn read_new_user(
    attributes: &Map<String, Value>,
    id: Option<UserId>,
    now: Timestamp,
) -> Result<User, ValidationErrors> {
    let mut r = AttributeReader::for_type("users", attributes);
    let name = r.required(user::NAME.name, person_name);
    let email = r.required(user::EMAIL.name, email);
    let role = r.non_null(user::ROLE.name, role);
    r.read_only(user::CREATED_AT.name, datetime);
    r.finish()?;
    Ok(User {
        id: id.unwrap_or_else(UserId::generate),
        name: name.unwrap_or_default(),
        email: email.unwrap_or_default(),
        role: role.unwrap_or(Role::Viewer),
        created_at: now,
        version: 0,
    })
}

/// Reads a change to a user. `created_at` may be sent back unchanged.
pub fn read_user_patch(
    attributes: &Map<String, Value>,
    current: &User,
) -> Result<UserPatch, ValidationErrors> {
    let mut r = AttributeReader::for_type("users", attributes);
    let patch = UserPatch {
        name: r.non_null(user::NAME.name, person_name),
        email: r.non_null(user::EMAIL.name, email),
        role: r.non_null(user::ROLE.name, role),
    };
    let created_at = r.read_only(user::CREATED_AT.name, datetime);
    if created_at.is_some_and(|at| at != current.created_at) {
        r.fail(
            user::CREATED_AT.name,
            Problem::new(
                "read_only",
                "is read-only; send its current value or leave it out",
            ),
        );
    }
    r.finish()?;
    Ok(patch)
}

/// Reads a new API key's own attributes: an optional `name` (default `API key`).
pub fn read_api_key_name(attributes: &Map<String, Value>) -> Result<String, ValidationErrors> {
    let mut r = AttributeReader::for_type("api_keys", attributes);
    let name = r.non_null(api_key::NAME.name, text_of(&api_key::NAME));
    r.finish()?;
    Ok(name.unwrap_or_else(|| api_key::NAME.default.unwrap_or_default().to_owned()))
}
