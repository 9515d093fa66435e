//! What holds for every operation, applied once to the generated document instead of being
//! repeated on every handler: who may call it (from the authorization table the middleware
//! enforces), the answers middleware and extractors give before a handler runs, the JSON:API
//! media type, and the query parameter families' schemas.

use actix_web::http::Method;
use serde_json::{Value, json};

use super::schemas::{own_parameter, query_parameter, reference};
use crate::auth::{Access, access_for};
use crate::jsonapi::JSONAPI_MEDIA_TYPE;
use crate::query::Listing;

/// The security scheme's name in `components.securitySchemes`.
pub const API_KEY_SCHEME: &str = "apiKey";

/// Tags whose operations are not JSON:API resource endpoints: no query parameters parsed.
const PLAIN_TAGS: &[&str] = &["health", "api description"];

/// Tags whose successful answers are not JSON:API documents (the OpenAPI document, the docs
/// page and its files), so they keep the media type their handler documents. The health
/// probes answer JSON:API meta documents, and are described so.
const NON_JSONAPI_TAGS: &[&str] = &["api description"];

fn tagged(operation: &Value, tags: &[&str]) -> bool {
    operation["tags"]
        .as_array()
        .is_some_and(|own| own.iter().any(|t| tags.contains(&t.as_str().unwrap_or(""))))
}

pub fn apply(doc: &mut Value) {
    doc["components"]["securitySchemes"] = json!({
        API_KEY_SCHEME: {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An API key, sent as `Authorization: Token <key>`, `Bearer <key>` or the bare key. A missing or unknown key is a 401 (with `WWW-Authenticate`); a key whose user lacks the role is a 403.",
        },
    });
    doc["security"] = json!([{ API_KEY_SCHEME: [] }]);
    expand_references(&mut doc["paths"]);
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                continue;
            };
            operation_rules(&method, path, operation);
        }
    }
}

fn operation_rules(method: &Method, path: &str, operation: &mut Value) {
    let plain = tagged(operation, PLAIN_TAGS);
    let jsonapi_bodies = !tagged(operation, NON_JSONAPI_TAGS);
    let access = access_for(method, path);
    let has_body = operation.get("requestBody").is_some();

    let mut common: Vec<(u16, &str)> = vec![(
        406,
        "`Accept` lists the JSON:API media type only with parameters orgbase cannot honour.",
    )];
    if !plain {
        common.push((400, "A query parameter is unknown or invalid (`source.parameter` names it), or the body is not a valid JSON:API document."));
        common.push((
            503,
            "Storage is unavailable; retry after `Retry-After` seconds.",
        ));
    }
    if path.contains("{id}") {
        common.push((404, "No resource has this id."));
    }
    if has_body {
        common.push((
            409,
            "The body's `type` (or `id`) does not match the endpoint.",
        ));
        common.push((413, "The body is larger than 1 MiB."));
        common.push((415, "The body's `Content-Type` is not the JSON:API media type (or `application/json`), or carries an extension."));
        common.push((
            422,
            "Validation failed: every failing member is reported, each with its `source.pointer`.",
        ));
    }
    match access {
        Access::Open => operation["security"] = json!([]),
        Access::AtLeast(role) => {
            require(
                operation,
                &format!("the `{}` role or higher", role.as_str()),
            );
            common.push((401, "No API key, or an unknown or revoked one."));
            common.push((403, "The key's user lacks the role this needs."));
        }
        Access::AdminOrSelf => {
            require(operation, "an admin, or the user the resource belongs to");
            common.push((401, "No API key, or an unknown or revoked one."));
            common.push((
                403,
                "The caller is neither an admin nor the user it belongs to.",
            ));
        }
    }

    let conditional = Conditional::of(method, path);
    match conditional {
        Conditional::Read => {
            common.push((
                304,
                "`If-None-Match` names this representation's current `ETag`: no body.",
            ));
            add_parameter(
                operation,
                "If-None-Match",
                "Answers 304 when it names the current `ETag` (or is `*`).",
            );
        }
        Conditional::Write => {
            common.push((412, "`If-Match` names no current version of the resource (`precondition_failed`, `source.header`), or the resource does not exist."));
            add_parameter(
                operation,
                "If-Match",
                "The write happens only while the resource is at the version one of these `ETag`s names (any representation of it); `*` matches any existing resource. Decided inside the write: of two writes sent with one `ETag`, one succeeds and the other gets 412.",
            );
        }
        Conditional::Create | Conditional::None => {}
    }

    let idempotent = *method == Method::POST && path != "/api_keys";
    if *method == Method::POST {
        add_parameter(
            operation,
            "Idempotency-Key",
            if idempotent {
                "A key (a quoted string as the IETF draft writes it, `\"8e03…\"`, or the bare value; at most 255 characters) that makes a retry safe: the first request with it runs and its answer is kept for 24 hours, scoped to the caller's API key; a retry with the same key and a byte-identical request (path, query, body) gets that answer again, with `Idempotency-Replayed: true`, and changes nothing. Server errors (5xx) are not kept."
            } else {
                "Refused (400): this answer holds the new key's secret, which orgbase never stores, so it could not be replayed."
            },
        );
    }

    let responses = operation["responses"]
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let mut responses = responses;
    for (status, description) in common {
        responses
            .entry(status.to_string())
            .or_insert_with(|| json!({ "description": description }));
    }
    if idempotent {
        for (status, addition) in [
            (
                "409",
                "With `Idempotency-Key`: the first request with this key is still running (`idempotency_key_in_progress`).",
            ),
            (
                "422",
                "With `Idempotency-Key`: the key was sent before with a different request (`idempotency_key_reused`).",
            ),
        ] {
            let response = responses
                .entry(status.to_owned())
                .or_insert_with(|| json!({ "description": "" }));
            let before = response["description"].as_str().unwrap_or("").to_owned();
            let separator = if before.is_empty() { "" } else { " " };
            response["description"] = json!(format!("{before}{separator}{addition}"));
        }
        for (status, response) in responses.iter_mut() {
            if status.starts_with('2') || status.starts_with('4') {
                response["headers"]["Idempotency-Replayed"] = json!({
                    "description": "`true` when this is the kept answer of an earlier request with the same `Idempotency-Key`.",
                    "schema": { "type": "string", "enum": ["true"] },
                });
            }
        }
    }
    for (status, response) in responses.iter_mut() {
        response_rules(status, response, jsonapi_bodies);
        let answers_a_resource =
            matches!(status.as_str(), "200" | "201" | "304") && conditional != Conditional::None;
        if answers_a_resource {
            response["headers"]["ETag"] = json!({
                "description": "Strong: the resource's version, and a digest of what else this representation depends on (fieldsets, include, an organization's custom fields).",
                "schema": { "type": "string" },
            });
        }
    }
    // Statuses in numeric order, as a reader scans them.
    let mut sorted: Vec<(String, Value)> = responses.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    operation["responses"] = Value::Object(sorted.into_iter().collect());

    if let Some(body) = operation.get_mut("requestBody") {
        request_body_rules(body);
    }
    if let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        for parameter in parameters {
            parameter_rules(parameter, path);
        }
    }
}

/// What conditional requests an operation takes (see [`crate::conditional`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conditional {
    /// `GET` of one resource: `If-None-Match`, 304, `ETag`.
    Read,
    /// A write of one resource: `If-Match`, 412, `ETag` on its answer.
    Write,
    /// A create: `ETag` on its 201.
    Create,
    None,
}

impl Conditional {
    fn of(method: &Method, path: &str) -> Self {
        let one = path.ends_with("/{id}");
        match *method {
            Method::GET if one => Self::Read,
            // Keys cannot be changed: their PATCH is always 403.
            Method::PATCH if one && !path.starts_with("/api_keys") => Self::Write,
            Method::DELETE if one => Self::Write,
            Method::PATCH if path.ends_with("/relationships/owner") => Self::Write,
            Method::POST if path.ends_with("/duplicate") => Self::Write,
            Method::POST if path.ends_with("/rotate_secret") || path.ends_with("/replay") => {
                Self::Write
            }
            // Many resources at once: no one version to tag.
            Method::POST if path == "/operations" => Self::None,
            Method::POST if !path.contains('{') => Self::Create,
            _ => Self::None,
        }
    }
}

fn add_parameter(operation: &mut Value, name: &str, description: &str) {
    let parameter = json!({
        "name": name,
        "in": "header",
        "required": false,
        "description": description,
        "schema": { "type": "string" },
    });
    match operation["parameters"].as_array_mut() {
        Some(parameters) => parameters.push(parameter),
        None => operation["parameters"] = json!([parameter]),
    }
}

fn require(operation: &mut Value, who: &str) {
    let description = operation["description"].as_str().unwrap_or("").to_owned();
    let separator = if description.is_empty() { "" } else { "\n\n" };
    operation["description"] = json!(format!("{description}{separator}Requires {who}."));
}

/// Error statuses answer an error document unless the handler documented another body;
/// every JSON body is in the JSON:API media type; headers the status always carries.
fn response_rules(status: &str, response: &mut Value, jsonapi_bodies: bool) {
    let is_error = status.starts_with('4') || status.starts_with('5');
    if is_error && response.get("content").is_none() {
        response["content"] =
            json!({ "application/json": { "schema": reference("ErrorDocument") } });
    }
    if jsonapi_bodies || is_error {
        rename_json_content(response, JSONAPI_MEDIA_TYPE);
    }
    let header =
        |description: &str, schema: Value| json!({ "description": description, "schema": schema });
    let headers = match status {
        "201" => Some((
            "Location",
            header(
                "The new resource's URL.",
                json!({ "type": "string", "format": "uri" }),
            ),
        )),
        "401" => Some((
            "WWW-Authenticate",
            header("The schemes orgbase accepts.", json!({ "type": "string" })),
        )),
        "503" => Some((
            "Retry-After",
            header(
                "Seconds to wait before retrying.",
                json!({ "type": "integer" }),
            ),
        )),
        _ => None,
    };
    if let Some((name, value)) = headers {
        response["headers"][name] = value;
    }
}

/// Request bodies are accepted in the JSON:API media type and as plain JSON.
fn request_body_rules(body: &mut Value) {
    let Some(schema) = body["content"]
        .as_object()
        .and_then(|content| content.values().next())
        .map(|media| media["schema"].clone())
    else {
        return;
    };
    body["content"] = json!({
        JSONAPI_MEDIA_TYPE: { "schema": schema },
        "application/json": { "schema": schema },
    });
    body["required"] = json!(true);
}

fn rename_json_content(response: &mut Value, media_type: &str) {
    if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut)
        && let Some(media) = content.remove("application/json")
    {
        content.insert(media_type.to_owned(), media);
    }
}

/// A query parameter family's schema and description, from the one table of them.
fn parameter_rules(parameter: &mut Value, path: &str) {
    let Some(name) = parameter["name"].as_str() else {
        return;
    };
    let described =
        own_parameter(name, path).or_else(|| query_parameter(name, Listing::of_path(path)));
    if let Some((schema, description)) = described {
        parameter["schema"] = schema;
        parameter["description"] = json!(description);
    }
    // Path parameters are required; no query parameter is (utoipa cannot tell, as the
    // parameter structs only name them).
    parameter["required"] = json!(parameter["in"] == "path");
}

/// Handlers name bodies by component (`body = ref("OrganizationDocument")`); the document
/// needs the full JSON pointer.
fn expand_references(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get_mut("$ref")
                && !target.starts_with('#')
            {
                *target = format!("#/components/schemas/{target}");
            }
            map.values_mut().for_each(expand_references);
        }
        Value::Array(items) => items.iter_mut().for_each(expand_references),
        _ => {}
    }
}
