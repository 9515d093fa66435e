//! The OpenAPI 3.1 description served at `/openapi.json`.
//!
//! Each operation is declared on its handler with `#[utoipa::path]` (summary, description,
//! parameters, the statuses that handler itself answers), so it sits next to the code it
//! describes. [`schemas`] builds the documents' JSON Schemas from the constants the
//! serializers use; [`rules`] adds what holds for every operation once (who may call it,
//! the answers middleware gives, media types). The API tests check every response they get
//! against this document, and that every route the app registers is in it.

use std::sync::OnceLock;

use serde_json::Value;
use utoipa::OpenApi;

pub mod params;
pub mod rules;
pub mod schemas;

use crate::routes::{api_description, api_keys, custom_fields, health, organizations, users};

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
        (name = "custom_fields", description = "Definitions of custom attributes (`c_…`) that organizations then carry."),
        (name = "users", description = "People who hold API keys and own organizations."),
        (name = "api_keys", description = "Keys that authenticate requests; the secret is shown once."),
        (name = "health", description = "Liveness and readiness probes, without a key."),
        (name = "api description", description = "This document and a browsable page of it, without a key."),
    ),
    paths(
        organizations::list,
        organizations::create,
        organizations::get,
        organizations::update,
        organizations::delete,
        organizations::duplicate,
        organizations::owner_relationship,
        organizations::update_owner,
        organizations::creator_relationship,
        organizations::update_creator,
        organizations::updater_relationship,
        organizations::update_updater,
        organizations::owner,
        organizations::creator,
        organizations::updater,
        custom_fields::list,
        custom_fields::create,
        custom_fields::get,
        custom_fields::update,
        custom_fields::delete,
        users::list,
        users::create,
        users::get,
        users::update,
        users::delete,
        api_keys::list,
        api_keys::create,
        api_keys::get,
        api_keys::update,
        api_keys::delete,
        health::healthz,
        health::readyz,
        api_description::openapi_json,
        api_description::docs,
        api_description::docs_index,
        api_description::docs_file,
    )
)]
struct ApiDoc;

/// The whole description, built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        // Serializing utoipa's model cannot fail: every map in it has string keys.
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
        doc["info"]["version"] = Value::from(env!("CARGO_PKG_VERSION"));
        doc["components"]["schemas"] = Value::Object(schemas::components());
        rules::apply(&mut doc);
        doc
    })
}
