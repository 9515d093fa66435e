//! Request bodies: the media type, the 1 MiB limit (16 MiB for atomic operations), JSON syntax, and the shape of a JSON:API
//! resource document. Attribute values are checked later, by the domain's attribute reader.

use actix_web::HttpRequest;
use actix_web::body::{BodyStream, to_bytes_limited};
use actix_web::dev::Payload;
use actix_web::http::header;
use serde_json::{Map, Value};

use crate::errors::{ApiError, ErrorObject, Kind};
use crate::media_type::check_content_type;

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 1024 * 1024;

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        Kind::BodyTooLarge,
        format!("Request bodies here are limited to {limit} bytes."),
    )
}

fn invalid_document(pointer: &str, detail: impl Into<String>) -> ApiError {
    ErrorObject::new(Kind::InvalidDocument, detail)
        .pointer(pointer)
        .into()
}

/// Reads the body as a JSON object, enforcing the media type and the size limit.
pub async fn read_json_object(
    req: &HttpRequest,
    payload: Payload,
) -> Result<Map<String, Value>, ApiError> {
    check_content_type(req.headers().get(header::CONTENT_TYPE))?;
    read_object(req, payload, BODY_LIMIT).await
}

/// Reads the body, at most `limit` bytes, as a JSON object (its media type already checked).
pub async fn read_object(
    req: &HttpRequest,
    payload: Payload,
    limit: usize,
) -> Result<Map<String, Value>, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    let body = to_bytes_limited(BodyStream::new(payload), limit)
        .await
        .map_err(|_| too_large(limit))?
        .map_err(|e| {
            ApiError::new(
                Kind::InvalidDocument,
                format!("The request body could not be read: {e}"),
            )
        })?;
    if body.is_empty() {
        return Err(invalid_document(
            "",
            "The request body is empty; send a JSON:API document.",
        ));
    }
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            Kind::InvalidJson,
            format!("The request body is not valid JSON: {e}."),
        )
    })?;
    match value {
        Value::Object(document) => Ok(document),
        _ => Err(invalid_document(
            "",
            "A JSON:API document must be a JSON object.",
        )),
    }
}

/// What a create or update request says about its resource.
#[derive(Debug, Default)]
pub struct ResourceInput {
    pub id: Option<String>,
    pub attributes: Map<String, Value>,
    pub relationships: Map<String, Value>,
}

/// Whether the document creates a resource or updates the one named by the URL.
#[derive(Debug, Clone, Copy)]
pub enum Intent<'a> {
    Create,
    Update { id: &'a str },
}

/// The document's primary data: the one top-level member a request needs. JSON:API 1.1 says
/// servers MUST ignore members they do not recognize, so that newer clients and extensions
/// work with older servers: every other top-level member (`meta`, `jsonapi`, `links`,
/// `included`, @-members, and any the spec does not define) is ignored. `data` together
/// with `errors` is no document at all, and stays a 400.
pub fn primary_data(mut document: Map<String, Value>) -> Result<Value, ApiError> {
    if document.contains_key("errors") && document.contains_key("data") {
        return Err(invalid_document(
            "/errors",
            "A document may not carry both `data` and `errors`.",
        ));
    }
    document
        .remove("data")
        .ok_or_else(|| invalid_document("", "The document has no `data` member."))
}

/// Checks the document's structure and returns its resource object's parts.
/// Structural faults are 400s; a wrong `type` or a URL/body id mismatch is a 409. Members of
/// the resource object other than `type`, `id`, `lid`, `attributes` and `relationships` are
/// ignored (see [`primary_data`]); unknown attributes and relationships are not members but
/// fields of the resource, and the attribute readers answer them with a 422.
pub fn resource_input(
    document: Map<String, Value>,
    expected_type: &str,
    intent: Intent<'_>,
) -> Result<ResourceInput, ApiError> {
    let data = primary_data(document)?;
    let Value::Object(data) = data else {
        return Err(invalid_document(
            "/data",
            "`data` must be a resource object.",
        ));
    };
    let mut input = ResourceInput::default();
    let mut resource_type = None;
    for (name, value) in data {
        match (name.as_str(), value) {
            ("type", Value::String(t)) => resource_type = Some(t),
            ("id", Value::String(id)) => input.id = Some(id),
            ("attributes", Value::Object(attributes)) => input.attributes = attributes,
            ("relationships", Value::Object(relationships)) => input.relationships = relationships,
            ("lid", Value::String(_)) => {}
            ("type" | "id" | "lid", _) => {
                return Err(invalid_document(
                    &format!("/data/{name}"),
                    format!("`{name}` must be a string."),
                ));
            }
            ("attributes" | "relationships", _) => {
                return Err(invalid_document(
                    &format!("/data/{name}"),
                    format!("`{name}` must be an object."),
                ));
            }
            _ => {}
        }
    }
    match resource_type {
        None => {
            return Err(invalid_document(
                "/data",
                "The resource object has no `type`.",
            ));
        }
        Some(t) if t != expected_type => {
            return Err(ErrorObject::new(
                Kind::TypeMismatch,
                format!("This endpoint takes {expected_type:?} resources, not {t:?}."),
            )
            .pointer("/data/type")
            .into());
        }
        Some(_) => {}
    }
    if let Intent::Update { id } = intent {
        match &input.id {
            None => {
                return Err(invalid_document(
                    "/data",
                    "An update must carry the resource's `id`.",
                ));
            }
            Some(given) if !same_id(given, id) => {
                return Err(ErrorObject::new(
                    Kind::IdMismatch,
                    format!("The body's id {given:?} is not the URL's {id:?}."),
                )
                .pointer("/data/id")
                .into());
            }
            Some(_) => {}
        }
    }
    Ok(input)
}

/// Ids are UUIDs: compare them as UUIDs, so letter case does not matter.
fn same_id(a: &str, b: &str) -> bool {
    match (uuid::Uuid::parse_str(a), uuid::Uuid::parse_str(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Every relationship member is unknown to a resource that has none (yet): 422 each.
pub fn unknown_relationships(
    relationships: &Map<String, Value>,
    resource: &str,
) -> Vec<ErrorObject> {
    relationships
        .keys()
        .filter(|name| !name.starts_with('@'))
        .map(|name| {
            ErrorObject::invalid_field(
                "unknown_relationship",
                format!(
                    "/data/relationships/{}",
                    orgbase_domain::error::pointer_token(name)
                ),
                format!("`{name}` is not a relationship of {resource}."),
            )
        })
        .collect()
}

/// Attribute errors and other body errors together, so the client hears about all of them.
pub fn combine<T>(
    attributes: Result<T, orgbase_domain::ValidationErrors>,
    others: Vec<ErrorObject>,
) -> Result<T, ApiError> {
    match attributes {
        Ok(value) if others.is_empty() => Ok(value),
        Ok(_) => Err(ApiError::many(others)),
        Err(errors) => {
            let mut all = ApiError::from(orgbase_domain::Error::Invalid(errors)).errors;
            all.extend(others);
            Err(ApiError::many(all))
        }
    }
}
