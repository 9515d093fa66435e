//! What create and update requests say about a resource's relationships to users (`owner`,
//! which the client sets; `creator` and `updater`, which the server does): organizations and
//! contacts read them alike.

use orgbase_domain::{Error, OrganizationId, UserId};
use serde_json::{Map, Value};

use crate::document::{ORGANIZATIONS, ToMany, USERS};
use crate::errors::{ApiError, ErrorObject, Kind};
use crate::request_body::unknown_relationships;

/// `{"data": {"type": "users", "id": "…"}}` or `{"data": null}` at `pointer`.
fn user_linkage_input(value: &Value, pointer: &str) -> Result<Option<UserId>, ApiError> {
    let data = value.get("data").ok_or_else(|| {
        ApiError::from(
            ErrorObject::new(
                Kind::InvalidDocument,
                "A relationship must carry `data`: a user identifier or null.",
            )
            .pointer(pointer),
        )
    })?;
    user_identifier(data, pointer)
}

/// A user's resource identifier, or null, as the `data` of the relationship at `pointer`.
/// Members of the identifier other than `type` and `id` (`meta`, `lid`, any the spec does not
/// define) are ignored.
pub fn user_identifier(data: &Value, pointer: &str) -> Result<Option<UserId>, ApiError> {
    if data.is_null() {
        return Ok(None);
    }
    let kind = data.get("type").and_then(Value::as_str);
    let id = data.get("id").and_then(Value::as_str);
    match (kind, id) {
        (Some(USERS), Some(id)) => id
            .parse()
            .map(Some)
            .map_err(|_| ApiError::from(Error::user_not_found(id))),
        (Some(other), Some(_)) => Err(ErrorObject::new(
            Kind::TypeMismatch,
            format!("This relationship holds users, not {other:?}."),
        )
        .pointer(format!("{pointer}/data/type"))
        .into()),
        _ => Err(ErrorObject::new(
            Kind::InvalidDocument,
            "Linkage is {\"type\": \"users\", \"id\": \"…\"} or null.",
        )
        .pointer(format!("{pointer}/data"))
        .into()),
    }
}

/// What a request's `relationships` say: the `owner` it sets, if any; the `creator` and
/// `updater` it sent back (the server's: accepted only unchanged, since clients round-trip
/// whole objects; a change is 403, an update the API does not support); unknown names (422,
/// returned with the attribute errors).
pub struct RequestedRelationships {
    pub owner: Option<Option<UserId>>,
    pub echoed: Vec<(&'static str, Option<UserId>)>,
    pub unknown: Vec<ErrorObject>,
}

/// The relationships of a request about a resource of type `kind`, whose to-many
/// relationships are `to_many`: those are changed at their own endpoints, so one sent back as
/// the server wrote it (links, no `data`) is ignored, and one with `data` is 403.
pub fn requested_relationships(
    relationships: &Map<String, Value>,
    kind: &str,
    to_many: &[ToMany],
) -> Result<RequestedRelationships, ApiError> {
    let mut owner = None;
    let mut echoed = Vec::new();
    let mut unknown = Map::new();
    for (name, value) in relationships {
        let pointer = format!("/data/relationships/{name}");
        match name.as_str() {
            "owner" => owner = Some(user_linkage_input(value, &pointer)?),
            "creator" => echoed.push(("creator", user_linkage_input(value, &pointer)?)),
            "updater" => echoed.push(("updater", user_linkage_input(value, &pointer)?)),
            _ if to_many.iter().any(|t| t.name == name) => {
                if value.get("data").is_some() {
                    return Err(ApiError::new(
                        Kind::UnsupportedUpdate,
                        format!(
                            "`{name}` is changed at its own endpoints (…/{name} and …/relationships/{name}, or /memberships), not in this body."
                        ),
                    ));
                }
            }
            _ => {
                unknown.insert(name.clone(), value.clone());
            }
        }
    }
    Ok(RequestedRelationships {
        owner,
        echoed,
        unknown: unknown_relationships(&unknown, kind),
    })
}

/// The user a stored record's relationship names, by relationship name.
pub type RelatedUser<'a> = &'a dyn Fn(&str) -> Option<UserId>;

/// 403 unless every echoed server-set relationship still holds its value: `current` gives the
/// stored record's user for a relationship name, and is `None` on a create (nothing is set
/// yet, so any echo is a change).
pub fn check_echoed(
    echoed: &[(&'static str, Option<UserId>)],
    current: Option<RelatedUser<'_>>,
) -> Result<(), ApiError> {
    for (name, value) in echoed {
        if current.is_none_or(|related| related(name) != *value) {
            return Err(server_set(name));
        }
    }
    Ok(())
}

pub fn server_set(relationship: &str) -> ApiError {
    ApiError::new(
        Kind::UnsupportedUpdate,
        format!("`{relationship}` is set by the server; it cannot be changed."),
    )
}

/// 404 for an id that names no record of `resource`.
pub fn not_found(resource: &'static str, id: &str) -> ApiError {
    ApiError::from(orgbase_domain::Error::NotFound {
        resource,
        id: id.to_owned(),
    })
}

/// The id of `{"data": {"type": kind, "id": …}}`, the relationship `name` of a request body
/// (at `/data/relationships/{name}`): a to-one relationship to another record.
pub fn record_identifier(value: &Value, name: &str, kind: &str) -> Result<String, ApiError> {
    let pointer = format!("/data/relationships/{name}");
    let data = value.get("data").filter(|d| !d.is_null()).ok_or_else(|| {
        ApiError::from(
            ErrorObject::new(
                Kind::InvalidDocument,
                format!("`{name}` must carry `data`: {{\"type\": \"{kind}\", \"id\": \"…\"}}."),
            )
            .pointer(&pointer),
        )
    })?;
    match (
        data.get("type").and_then(Value::as_str),
        data.get("id").and_then(Value::as_str),
    ) {
        (Some(t), Some(id)) if t == kind => Ok(id.to_owned()),
        (Some(other), Some(_)) => Err(ErrorObject::new(
            Kind::TypeMismatch,
            format!("`{name}` holds {kind}, not {other:?}."),
        )
        .pointer(format!("{pointer}/data/type"))
        .into()),
        _ => Err(ErrorObject::new(
            Kind::InvalidDocument,
            format!("Linkage is {{\"type\": \"{kind}\", \"id\": \"…\"}}."),
        )
        .pointer(format!("{pointer}/data"))
        .into()),
    }
}

/// What a request says of the relationships of a record that belongs to an organization
/// (documents, projects, tasks): its organization, its assignee (tasks alone), and the
/// `unknown_relationship` errors of any other name, returned with the attribute errors.
pub struct OwnedRecordRelationships {
    pub organization: Option<OrganizationId>,
    pub assignee: Option<Option<UserId>>,
    pub unknown: Vec<ErrorObject>,
}

pub fn owned_record_relationships(
    relationships: &Map<String, Value>,
    kind: &str,
    takes_assignee: bool,
) -> Result<OwnedRecordRelationships, ApiError> {
    let mut organization = None;
    let mut assignee = None;
    let mut others = Map::new();
    for (name, value) in relationships {
        match name.as_str() {
            "organization" => {
                let id = record_identifier(value, "organization", ORGANIZATIONS)?;
                organization = Some(id.parse().map_err(|_| not_found("organization", &id))?);
            }
            "assignee" if takes_assignee => {
                assignee = Some(user_linkage_input(value, "/data/relationships/assignee")?);
            }
            _ => {
                others.insert(name.clone(), value.clone());
            }
        }
    }
    Ok(OwnedRecordRelationships {
        organization,
        assignee,
        unknown: unknown_relationships(&others, kind),
    })
}
