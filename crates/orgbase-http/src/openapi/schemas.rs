//! The JSON Schemas (2020-12, which OpenAPI 3.1 uses) of orgbase's documents and query
//! parameters, built from the constants the serializers and parsers use. Written as JSON
//! rather than derived: the wire shapes are hand-serialized for speed, and JSON:API needs
//! `const` types, `patternProperties` for custom fields and nullable unions that derives
//! cannot say. The API tests validate every response they receive against these schemas, so
//! one that drifts from the wire fails the suite.

use orgbase_domain::attributes::{
    API_KEY_ATTRIBUTES, Attribute, CUSTOM_FIELD_ATTRIBUTES, ORGANIZATION_ATTRIBUTES,
    USER_ATTRIBUTES, ValueType, Writes,
};
use orgbase_domain::query::{Field, Operator};
use serde_json::{Map, Value, json};

use crate::document::{API_KEYS, CUSTOM_FIELDS, ORGANIZATIONS, USERS};

use orgbase_domain::attributes::table::CUSTOM_ATTRIBUTE_PATTERN;

pub fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn or_null(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }] })
}

/// The JSON Schema of one attribute, from its row in the domain's attribute table: type,
/// nullability, limits, format, default; `readOnly` where only the server writes it.
fn attribute_schema(attribute: &Attribute) -> Value {
    let text = |schema: &mut Value| {
        if attribute.min_chars > 0 {
            schema["minLength"] = json!(attribute.min_chars);
        }
        if let Some(max) = attribute.max_chars {
            schema["maxLength"] = json!(max);
        }
        if let Some(format) = attribute.format {
            schema["format"] = json!(format);
        }
        if let Some(pattern) = attribute.pattern {
            schema["pattern"] = json!(pattern);
        }
    };
    let mut schema = match attribute.value {
        ValueType::Text => {
            let mut schema = json!({ "type": "string" });
            text(&mut schema);
            schema
        }
        ValueType::Integer => {
            let mut schema = json!({ "type": "integer" });
            if let Some(minimum) = attribute.minimum {
                schema["minimum"] = json!(minimum);
            }
            schema
        }
        ValueType::DateTime => json!({ "type": "string", "format": "date-time" }),
        ValueType::Enum(words) => json!({ "enum": words }),
        ValueType::TextList => {
            let mut items = json!({ "type": "string" });
            text(&mut items);
            json!({ "type": "array", "items": items, "uniqueItems": true })
        }
        ValueType::Object => json!({ "type": "object" }),
    };
    if attribute.nullable
        && let Some(kind) = schema.get("type").cloned()
    {
        schema["type"] = json!([kind, "null"]);
    }
    if let Some(default) = attribute.default {
        schema["default"] = json!(default);
    }
    if let Some(description) = attribute.description {
        schema["description"] = json!(description);
    }
    if attribute.writes == Writes::Never {
        schema["readOnly"] = json!(true);
    }
    schema
}

/// The properties of an attributes object: each attribute of the table, by name.
fn attribute_properties(table: &[Attribute]) -> Map<String, Value> {
    table
        .iter()
        .map(|a| (a.name.to_owned(), attribute_schema(a)))
        .collect()
}

/// The value of a custom field attribute: its type follows the field's `format`.
fn custom_value() -> Value {
    json!({
        "description": "A custom field's value, typed by the field's format: text, url, email, date (YYYY-MM-DD), datetime and select are strings, number a number, boolean a boolean, multi_select an array of strings; null (or [] for multi_select) when unset.",
        "type": ["string", "number", "boolean", "array", "null"],
        "items": { "type": "string" },
    })
}

/// An attributes object: these properties, custom fields by pattern, nothing else.
/// `@`-members are allowed in requests, which JSON:API 1.1 says to ignore.
fn attributes_object(properties: Map<String, Value>, required: &[&str], request: bool) -> Value {
    let mut patterns = Map::new();
    patterns.insert(CUSTOM_ATTRIBUTE_PATTERN.to_owned(), custom_value());
    if request {
        patterns.insert("^@".to_owned(), json!({}));
    }
    json!({
        "type": "object",
        "properties": properties,
        "patternProperties": patterns,
        "required": required,
        "additionalProperties": false,
    })
}

fn organization_properties(request: bool) -> Map<String, Value> {
    let mut properties = attribute_properties(ORGANIZATION_ATTRIBUTES);
    if request {
        properties.insert(
            "owner_id".into(),
            json!({
                "type": ["string", "null"], "format": "uuid",
                "description": "An alias of the `owner` relationship; never in responses.",
            }),
        );
    }
    properties
}

fn user_identifier() -> Value {
    json!({
        "type": "object",
        "required": ["type", "id"],
        "properties": { "type": { "const": USERS }, "id": { "type": "string", "format": "uuid" } },
        "additionalProperties": false,
    })
}

fn self_link() -> Value {
    json!({
        "type": "object",
        "required": ["self"],
        "properties": { "self": { "type": "string", "format": "uri" } },
        "additionalProperties": false,
    })
}

/// A resource object of `kind` with these attributes (and relationships, if any).
fn resource(kind: &str, attributes: Value, relationships: Option<Value>) -> Value {
    let mut properties = json!({
        "type": { "const": kind },
        "id": { "type": "string", "format": "uuid" },
        "attributes": attributes,
        "links": self_link(),
    });
    if let Some(relationships) = relationships {
        properties["relationships"] = relationships;
    }
    json!({
        "type": "object",
        "required": ["type", "id", "links"],
        "properties": properties,
        "additionalProperties": false,
    })
}

/// A plain attributes object (users, keys, custom fields): no custom attributes.
fn plain_attributes(table: &[Attribute], required: &[&str], request: bool) -> Value {
    let properties = attribute_properties(table);
    let mut schema = json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    });
    if request {
        schema["patternProperties"] = json!({ "^@": {} });
    }
    schema
}

/// A request document creating (`id` optional) or updating (`id` required) a resource.
fn request_document(kind: &str, attributes: Value, relationships: Value, update: bool) -> Value {
    let required: &[&str] = if update { &["type", "id"] } else { &["type"] };
    json!({
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {
                "type": "object",
                "required": required,
                "properties": {
                    "type": { "const": kind },
                    "id": {
                        "type": "string",
                        "description": if update { "Must equal the id in the URL." } else { "A client-generated UUID (optional; a taken id is 409)." },
                    },
                    "lid": { "type": "string" },
                    "attributes": attributes,
                    "relationships": relationships,
                    "meta": { "type": "object" },
                    "links": { "type": "object" },
                },
                "patternProperties": { "^@": {} },
                "additionalProperties": false,
            },
            "meta": { "type": "object" },
            "jsonapi": { "type": "object" },
            "links": { "type": "object" },
        },
        "patternProperties": { "^@": {} },
        "additionalProperties": false,
    })
}

/// The `relationships` member of a type that has none.
fn no_relationships() -> Value {
    json!({ "type": "object", "additionalProperties": false })
}

/// Relationships a request may set: each a to-one linkage to a user.
fn user_relationships_input(names: &[&str], required: &[&str]) -> Value {
    let linkage = json!({
        "type": "object",
        "required": ["data"],
        "properties": { "data": or_null(reference("UserIdentifier")) },
    });
    let properties: Map<String, Value> = names
        .iter()
        .map(|name| ((*name).to_owned(), linkage.clone()))
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn page_links() -> Value {
    let link = json!({ "type": ["string", "null"], "format": "uri" });
    json!({
        "type": "object",
        "required": ["self", "first", "last", "prev", "next"],
        "properties": {
            "self": { "type": "string", "format": "uri" },
            "first": link, "last": link, "prev": link, "next": link,
        },
        "additionalProperties": false,
        "description": "`last` is null when the total was not counted (`page[total]=false`).",
    })
}

fn page_meta() -> Value {
    json!({
        "type": "object",
        "required": ["page"],
        "properties": {
            "total": { "type": "integer", "minimum": 0 },
            "page": {
                "type": "object",
                "required": ["number", "size"],
                "properties": {
                    "number": { "type": "integer", "minimum": 1 },
                    "size": { "type": "integer", "minimum": 1, "maximum": 1000 },
                    "pages": { "type": "integer", "minimum": 1 },
                },
                "additionalProperties": false,
            },
        },
        "additionalProperties": false,
    })
}

/// `{Name}Document` (one resource) and `{Name}Collection` (a page) for a resource schema.
fn documents(schemas: &mut Map<String, Value>, name: &str) {
    let included = json!({
        "type": "array",
        "items": reference("User"),
        "description": "Present, possibly empty, whenever the request had `include`.",
    });
    schemas.insert(
        format!("{name}Document"),
        json!({
            "type": "object",
            "required": ["jsonapi", "data", "links"],
            "properties": {
                "jsonapi": reference("JsonApi"),
                "data": reference(name),
                "included": included,
                "links": self_link(),
            },
            "additionalProperties": false,
        }),
    );
    schemas.insert(
        format!("{name}Collection"),
        json!({
            "type": "object",
            "required": ["jsonapi", "data", "links", "meta"],
            "properties": {
                "jsonapi": reference("JsonApi"),
                "data": { "type": "array", "items": reference(name) },
                "included": included,
                "links": reference("PageLinks"),
                "meta": reference("PageMeta"),
            },
            "additionalProperties": false,
        }),
    );
}

/// Every document schema, by component name.
pub fn components() -> Map<String, Value> {
    let mut schemas = Map::new();
    let mut add = |name: &str, schema: Value| {
        schemas.insert(name.to_owned(), schema);
    };
    add(
        "JsonApi",
        json!({
            "type": "object",
            "required": ["version"],
            "properties": { "version": { "const": "1.1" } },
            "additionalProperties": false,
        }),
    );
    add("UserIdentifier", user_identifier());
    add("PageLinks", page_links());
    add("PageMeta", page_meta());
    add(
        "RelationshipLinks",
        json!({
            "type": "object",
            "required": ["self", "related"],
            "properties": {
                "self": { "type": "string", "format": "uri" },
                "related": { "type": "string", "format": "uri" },
            },
            "additionalProperties": false,
        }),
    );
    add(
        "ToOneUser",
        json!({
            "type": "object",
            "required": ["links", "data"],
            "properties": {
                "links": reference("RelationshipLinks"),
                "data": or_null(reference("UserIdentifier")),
            },
            "additionalProperties": false,
        }),
    );
    add(
        "OrganizationAttributes",
        attributes_object(organization_properties(false), &[], false),
    );
    add(
        "Organization",
        resource(
            ORGANIZATIONS,
            reference("OrganizationAttributes"),
            Some(json!({
                "type": "object",
                "properties": {
                    "owner": reference("ToOneUser"),
                    "creator": reference("ToOneUser"),
                    "updater": reference("ToOneUser"),
                },
                "additionalProperties": false,
            })),
        ),
    );
    add(
        "User",
        resource(USERS, plain_attributes(USER_ATTRIBUTES, &[], false), None),
    );
    add(
        "CustomField",
        resource(
            CUSTOM_FIELDS,
            plain_attributes(CUSTOM_FIELD_ATTRIBUTES, &[], false),
            None,
        ),
    );
    add(
        "ApiKey",
        resource(
            API_KEYS,
            plain_attributes(API_KEY_ATTRIBUTES, &[], false),
            Some(json!({
                "type": "object",
                "properties": {
                    "user": {
                        "type": "object",
                        "required": ["data"],
                        "properties": { "data": reference("UserIdentifier") },
                        "additionalProperties": false,
                    },
                },
                "additionalProperties": false,
            })),
        ),
    );
    for name in ["Organization", "User", "CustomField", "ApiKey"] {
        documents(&mut schemas, name);
    }
    let mut add = |name: &str, schema: Value| {
        schemas.insert(name.to_owned(), schema);
    };

    let owner_input = user_relationships_input(&["owner"], &[]);
    add(
        "NewOrganizationDocument",
        request_document(
            ORGANIZATIONS,
            attributes_object(organization_properties(true), &["name"], true),
            owner_input.clone(),
            false,
        ),
    );
    add(
        "OrganizationPatchDocument",
        request_document(
            ORGANIZATIONS,
            attributes_object(organization_properties(true), &[], true),
            owner_input,
            true,
        ),
    );
    add(
        "NewCustomFieldDocument",
        request_document(
            CUSTOM_FIELDS,
            plain_attributes(
                CUSTOM_FIELD_ATTRIBUTES,
                &["identifier", "name", "format"],
                true,
            ),
            no_relationships(),
            false,
        ),
    );
    add(
        "CustomFieldPatchDocument",
        request_document(
            CUSTOM_FIELDS,
            plain_attributes(CUSTOM_FIELD_ATTRIBUTES, &[], true),
            no_relationships(),
            true,
        ),
    );
    add(
        "NewUserDocument",
        request_document(
            USERS,
            plain_attributes(USER_ATTRIBUTES, &["name", "email"], true),
            no_relationships(),
            false,
        ),
    );
    add(
        "UserPatchDocument",
        request_document(
            USERS,
            plain_attributes(USER_ATTRIBUTES, &[], true),
            no_relationships(),
            true,
        ),
    );
    add(
        "NewApiKeyDocument",
        request_document(
            API_KEYS,
            plain_attributes(API_KEY_ATTRIBUTES, &[], true),
            user_relationships_input(&["user"], &["user"]),
            false,
        ),
    );
    add(
        "UserLinkageDocument",
        json!({
            "type": "object",
            "required": ["data"],
            "properties": { "data": or_null(reference("UserIdentifier")) },
            "patternProperties": { "^@": {} },
            "additionalProperties": false,
        }),
    );
    add(
        "RelationshipDocument",
        json!({
            "type": "object",
            "required": ["jsonapi", "data", "links"],
            "properties": {
                "jsonapi": reference("JsonApi"),
                "data": or_null(reference("UserIdentifier")),
                "included": { "type": "array", "items": reference("User") },
                "links": reference("RelationshipLinks"),
            },
            "additionalProperties": false,
        }),
    );
    add(
        "RelatedUserDocument",
        json!({
            "type": "object",
            "required": ["jsonapi", "data", "links"],
            "properties": {
                "jsonapi": reference("JsonApi"),
                "data": or_null(reference("User")),
                "included": { "type": "array", "items": reference("User") },
                "links": self_link(),
            },
            "additionalProperties": false,
        }),
    );
    add(
        "StatusDocument",
        json!({
            "type": "object",
            "required": ["jsonapi", "meta"],
            "properties": {
                "jsonapi": reference("JsonApi"),
                "meta": {
                    "type": "object",
                    "required": ["status"],
                    "properties": { "status": { "enum": ["ok", "ready"] } },
                    "additionalProperties": false,
                },
            },
            "additionalProperties": false,
        }),
    );
    add(
        "Error",
        json!({
            "type": "object",
            "required": ["status", "code", "title", "detail"],
            "properties": {
                "status": { "type": "string", "pattern": "^[45][0-9]{2}$" },
                "code": { "type": "string", "description": "Stable and machine-readable: `name_taken`, `required`, `invalid_parameter` …" },
                "title": { "type": "string" },
                "detail": { "type": "string" },
                "source": {
                    "type": "object",
                    "minProperties": 1,
                    "maxProperties": 1,
                    "properties": {
                        "pointer": { "type": "string", "description": "A JSON pointer into the request body." },
                        "parameter": { "type": "string", "description": "The query parameter, as sent." },
                        "header": { "type": "string" },
                    },
                    "additionalProperties": false,
                },
            },
            "additionalProperties": false,
        }),
    );
    add(
        "ErrorDocument",
        json!({
            "type": "object",
            "required": ["jsonapi", "errors"],
            "properties": {
                "jsonapi": reference("JsonApi"),
                "errors": { "type": "array", "minItems": 1, "items": reference("Error") },
            },
            "additionalProperties": false,
        }),
    );
    add(
        "FilterCondition",
        json!({
            "description": "`filter[attr]=v` (equality), or `filter[attr][op]=v`.",
            "anyOf": [
                { "type": "string" },
                {
                    "type": "object",
                    "propertyNames": { "enum": operators() },
                    "additionalProperties": { "type": "string" },
                },
            ],
        }),
    );
    add(
        "ApiDescription",
        json!({ "type": "object", "description": "This OpenAPI 3.1 document." }),
    );
    schemas
}

fn operators() -> Vec<&'static str> {
    Operator::ALL.iter().map(|o| o.name()).collect()
}

/// The schema and description of a query parameter family, by name. `None` for names the
/// table does not know, which the tests refuse.
pub fn query_parameter(name: &str) -> Option<(Value, String)> {
    let filterable: Vec<&str> = Field::ALL.iter().map(|f| f.attribute()).collect();
    let described = match name {
        "filter" => {
            let condition = reference("FilterCondition");
            let mut properties: Map<String, Value> = filterable
                .iter()
                .map(|name| ((*name).to_owned(), condition.clone()))
                .collect();
            properties.insert("q".into(), json!({ "type": "string" }));
            properties.insert(
                "archived".into(),
                json!({ "enum": ["false", "true", "any"], "default": "false" }),
            );
            (
                json!({
                    "type": "object",
                    "properties": properties,
                    "patternProperties": { CUSTOM_ATTRIBUTE_PATTERN: condition },
                    "additionalProperties": false,
                }),
                format!(
                    "`filter[attr]=v` is equality; `filter[attr][op]=v` with op one of {}. \
                     `in` takes a comma-separated list, `null` takes true or false. Strings \
                     compare ignoring case. `filter[lists]=X` and `filter[domains]=X` match \
                     organizations having that element; `filter[owner]` takes a user id; \
                     `filter[q]` searches name, website, email, domains and description; \
                     `filter[archived]` is `false` (default), `true` or `any`. Custom fields \
                     filter by their identifier. An unknown attribute or operator is a 400 \
                     naming the parameter.",
                    operators().join(", ")
                ),
            )
        }
        "sort" => (
            json!({ "type": "string", "pattern": "^-?[a-z0-9_]+(,-?[a-z0-9_]+)*$", "example": "-created_at,name" }),
            format!(
                "Comma-separated attributes, `-` for descending; ties are broken by id, in the \
                 direction of the last key, so pages are stable. Sortable: {} and every custom field.",
                Field::ALL
                    .iter()
                    .filter(|f| f.sortable())
                    .map(|f| f.attribute())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        "page" => (
            json!({
                "type": "object",
                "properties": {
                    "number": { "type": "integer", "minimum": 1, "default": 1 },
                    "size": { "type": "integer", "minimum": 1, "maximum": 1000, "default": 100 },
                    "total": { "type": "boolean", "default": true },
                },
                "additionalProperties": false,
            }),
            "`page[number]` (from 1) and `page[size]` (1–1000, default 100); \
             `page[total]=false` skips counting (no `meta.total`, `links.last` null)."
                .to_owned(),
        ),
        "fields" => (
            json!({
                "type": "object",
                "properties": {
                    ORGANIZATIONS: { "type": "string" },
                    USERS: { "type": "string" },
                    API_KEYS: { "type": "string" },
                    CUSTOM_FIELDS: { "type": "string" },
                },
                "additionalProperties": false,
            }),
            "Sparse fieldsets: `fields[type]=a,b` renders only those attributes and \
             relationships of that type; an empty value renders none."
                .to_owned(),
        ),
        "include" => (
            json!({ "type": "string", "pattern": "^((owner|creator|updater)(,(owner|creator|updater))*)?$" }),
            "Related users to add as `included` (each once): a comma-separated subset of \
             owner, creator, updater. With `include` present, `included` is present even \
             when empty."
                .to_owned(),
        ),
        "return_existing" => (
            json!({ "type": "boolean", "default": false }),
            "When the name is taken, answer 200 with the existing organization, unchanged, \
             instead of a 422 `name_taken`; safe under concurrent creates."
                .to_owned(),
        ),
        "reassign_to" => (
            json!({ "type": "string", "format": "uuid" }),
            "A user to hand the deleted user's organizations to; without it, deleting a \
             user who owns organizations is a 409."
                .to_owned(),
        ),
        "id" => (
            json!({ "type": "string", "format": "uuid" }),
            "The resource's id; text that is not a UUID names nothing (404).".to_owned(),
        ),
        _ => return None,
    };
    Some(described)
}
