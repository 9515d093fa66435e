//! The OpenAPI 3.1 description served at `/openapi.json`.
//!
//! Each operation is declared on its handler with `#[utoipa::path]` (summary, description,
//! parameters, the statuses that handler itself answers), so it sits next to the code it
//! describes; the paths are those of the routing table ([`crate::routes::endpoints`]). [`schemas`] builds the documents' JSON Schemas from the constants the
//! serializers use; [`rules`] adds what holds for every operation once (who may call it,
//! the answers middleware gives, media types). The API tests check every response they get
//! against this document, and that every route the app registers is in it.

use std::sync::OnceLock;

use serde_json::Value;
use utoipa::OpenApi;

pub mod params;
pub mod rules;
pub mod schemas;

use crate::routes::{endpoints, http_method};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "orgbase",
        description = "A JSON:API 1.1 service for organization records (the companies a CRM tracks). \
            Every document is `application/vnd.api+json`; `GET` routes also answer `HEAD`; \
            any other method on a known path is a 405 whose `Allow` lists the methods.",
    ),
    tags(
        (name = "organizations", description = "Organization records, their relationships to users, and duplication."),
        (name = "contacts", description = "The people a CRM knows, and their relationships to users."),
        (name = "memberships", description = "Contacts in organizations, each with a role."),
        (name = "documents", description = "Records of the files organizations have (orgbase stores the record, not the file)."),
        (name = "projects", description = "Work organizations are part of, with a status and a span of dates."),
        (name = "tasks", description = "Things to do for organizations, open or done, assigned to users."),
        (name = "custom_fields", description = "Definitions of custom attributes (`c_…`) that organizations then carry."),
        (name = "users", description = "People who hold API keys and own organizations."),
        (name = "api_keys", description = "Keys that authenticate requests; the secret is shown once."),
        (name = "operations", description = "Atomic Operations: many writes in one request, kept together or not at all."),
        (name = "changes", description = "The change log: every committed write, in the order it became visible, for keeping a mirror in sync."),
        (name = "webhooks", description = "URLs that hear of changes: the change log delivered in order, at least once, signed in the Standard Webhooks format."),
        (name = "health", description = "Liveness and readiness probes, without a key."),
        (name = "api description", description = "This document and a browsable page of it, without a key."),
    ),
)]
struct ApiDoc;

/// The whole description, built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        // Serializing utoipa's model cannot fail: every map in it has string keys.
        let mut api = ApiDoc::openapi();
        for endpoint in endpoints() {
            api.paths.add_path_operation(
                &endpoint.path,
                vec![http_method(&endpoint.method)],
                endpoint.operation.clone(),
            );
        }
        let mut doc = serde_json::to_value(api).unwrap_or(Value::Null);
        doc["info"]["version"] = Value::from(env!("CARGO_PKG_VERSION"));
        doc["components"]["schemas"] = Value::Object(schemas::components());
        rules::apply(&mut doc);
        describe_cursor_pages(&mut doc);
        describe_atomic_media_type(&mut doc);
        doc
    })
}

/// `/operations` takes and answers the JSON:API media type with the atomic extension, and
/// that only.
fn describe_atomic_media_type(doc: &mut Value) {
    let media = format!(
        "{}; ext=\"{}\"",
        crate::jsonapi::JSONAPI_MEDIA_TYPE,
        crate::atomic::ATOMIC_EXT
    );
    let Some(operation) = doc.pointer_mut("/paths/~1operations/post") else {
        return;
    };
    for pointer in ["/requestBody/content", "/responses/200/content"] {
        if let Some(content) = operation
            .pointer_mut(pointer)
            .and_then(Value::as_object_mut)
            && let Some(schema) = content.values().next().cloned()
        {
            content.clear();
            content.insert(media.clone(), schema);
        }
    }
}

/// Every collection also answers pages by cursor: its 200 lists the profile's media type
/// beside the plain one, with the cursor page schema.
fn describe_cursor_pages(doc: &mut Value) {
    let media = format!(
        "{}; profile=\"{}\"",
        crate::jsonapi::JSONAPI_MEDIA_TYPE,
        crate::cursor::CURSOR_PROFILE
    );
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for path in paths.values_mut() {
        // Only existing members are read: indexing a JSON object mutably would add them.
        let Some(content) = path
            .pointer_mut("/get/responses/200/content")
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let Some(plain) = content
            .get(crate::jsonapi::JSONAPI_MEDIA_TYPE)
            .and_then(|c| c.pointer("/schema/$ref"))
            .and_then(Value::as_str)
            .filter(|r| r.ends_with("Collection"))
            .map(str::to_owned)
        else {
            continue;
        };
        let cursor = plain.replace("Collection", "CursorCollection");
        content.insert(
            media.clone(),
            serde_json::json!({ "schema": { "$ref": cursor } }),
        );
    }
}
