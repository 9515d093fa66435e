//! The JSON Schemas (2020-12, which OpenAPI 3.1 uses) of orgbase's documents and query
//! parameters, built from the tables and constants the serializers and parsers use. Written
//! as JSON rather than derived: the wire shapes are hand-serialized for speed, and JSON:API
//! needs `const` types, `patternProperties` for custom fields and nullable unions that
//! derives cannot say. The API tests validate every response they receive against these
//! schemas, so one that drifts from the wire fails the suite.
//!
//! - [`attributes`]: attribute objects, from the domain's attribute tables;
//! - [`responses`]: resource objects and the documents answers carry;
//! - [`requests`]: the documents create, update and relationship requests send;
//! - [`parameters`]: the query parameter families.

use serde_json::{Map, Value, json};

mod attributes;
mod parameters;
mod requests;
mod responses;

pub use parameters::{own_parameter, query_parameter};

pub fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn or_null(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }] })
}

/// Every document schema, by component name.
pub fn components() -> Map<String, Value> {
    let mut schemas = Map::new();
    responses::add(&mut schemas);
    requests::add(&mut schemas);
    parameters::add(&mut schemas);
    schemas.insert(
        "ApiDescription".to_owned(),
        json!({ "type": "object", "description": "This OpenAPI 3.1 document." }),
    );
    schemas
}
