//! Attribute objects, each property from a row of the domain's attribute tables, so the
//! description states the limits validation applies.

use orgbase_domain::attributes::table::CUSTOM_ATTRIBUTE_PATTERN;
use orgbase_domain::attributes::{Attribute, ORGANIZATION_ATTRIBUTES, ValueType, Writes};
use serde_json::{Map, Value, json};

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
        ValueType::Boolean => json!({ "type": "boolean" }),
    };
    if attribute.nullable
        && let Some(kind) = schema.get("type").cloned()
    {
        schema["type"] = json!([kind, "null"]);
    }
    if let Some(default) = attribute.default {
        schema["default"] = match attribute.value {
            ValueType::Boolean => json!(default == "true"),
            _ => json!(default),
        };
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
pub(super) fn attributes_object(
    properties: Map<String, Value>,
    required: &[&str],
    request: bool,
) -> Value {
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

pub(super) fn organization_properties(request: bool) -> Map<String, Value> {
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

/// The attributes object of a type with custom fields besides organizations (contacts): its
/// table's attributes and custom fields by pattern.
pub(super) fn with_custom_attributes(
    table: &[Attribute],
    required: &[&str],
    request: bool,
) -> Value {
    attributes_object(attribute_properties(table), required, request)
}

/// A plain attributes object (users, keys, custom fields): no custom attributes.
pub(super) fn plain_attributes(table: &[Attribute], required: &[&str], request: bool) -> Value {
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
