//! The query parameter families: `filter`, `sort`, `page`, `fields`, `include` and the
//! endpoint-specific ones, with the attributes and operators each accepts.

use orgbase_domain::attributes::table::CUSTOM_ATTRIBUTE_PATTERN;
use orgbase_domain::query::Operator;
use serde_json::{Map, Value, json};

use super::reference;
use crate::document::{
    API_KEYS, CONTACT_INCLUDES, CONTACTS, CUSTOM_FIELDS, DOCUMENTS, MEMBERSHIPS,
    ORGANIZATION_INCLUDES, ORGANIZATIONS, PROJECTS, TASKS, USERS, WEBHOOK_DELIVERIES, WEBHOOKS,
};
use crate::query::Listing;

pub(super) fn add(schemas: &mut Map<String, Value>) {
    let mut add = |name: &str, schema: Value| {
        schemas.insert(name.to_owned(), schema);
    };
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
}

fn operators() -> Vec<&'static str> {
    Operator::ALL.iter().map(|o| o.name()).collect()
}

/// The schema and description of a query parameter family, by name, for endpoints whose
/// The `filter` and `sort` of the collections whose parameters are not a listing's fields:
/// the changes feed (`/changes`, and a record's history without the type and id filters)
/// and the custom field definitions.
pub fn own_parameter(name: &str, path: &str) -> Option<(Value, String)> {
    let list =
        || json!({ "type": "string", "description": "A comma-separated list; any matches." });
    match (name, path) {
        ("filter", "/custom_fields") => Some((
            json!({
                "type": "object",
                "properties": { "resource_type": { "enum": ["organizations", "contacts"] } },
                "additionalProperties": false,
            }),
            "`filter[resource_type]=contacts` lists only the fields of that resource type."
                .to_owned(),
        )),
        ("filter", _) if path.ends_with("/changes") => {
            let mut properties = Map::new();
            if path == "/changes" {
                properties.insert("resource_type".into(), list());
                properties.insert("resource_id".into(), list());
            }
            properties.insert("operation".into(), json!({ "type": "string", "description": "create, update, delete; comma-separated." }));
            properties.insert("actor".into(), list());
            properties.insert(
                "changed_at".into(),
                json!({
                    "type": "object",
                    "properties": {
                        "gte": { "type": "string", "format": "date-time" },
                        "lt": { "type": "string", "format": "date-time" },
                    },
                    "additionalProperties": false,
                }),
            );
            Some((
                json!({ "type": "object", "properties": properties, "additionalProperties": false }),
                "Entries whose fields match every filter given; each list matches any of its                  elements. An unknown filter is a 400 naming it."
                    .to_owned(),
            ))
        }
        ("sort", _) if path.ends_with("/changes") => Some((
            json!({ "enum": ["sequence"] }),
            "The feed's one order, oldest change first.".to_owned(),
        )),
        _ => None,
    }
}

/// filters and sorts name `listing`'s fields. `None` for names the table does not know,
/// which the tests refuse.
pub fn query_parameter(name: &str, listing: Listing) -> Option<(Value, String)> {
    let filterable: Vec<&str> = listing.fields().iter().map(|f| f.attribute()).collect();
    let described = match name {
        "filter" if listing != Listing::Organizations => {
            let condition = reference("FilterCondition");
            let mut properties: Map<String, Value> = filterable
                .iter()
                .map(|name| ((*name).to_owned(), condition.clone()))
                .collect();
            if listing.searchable() {
                properties.insert("q".into(), json!({ "type": "string" }));
            }
            let search = match listing {
                Listing::Contacts => "`filter[q]` searches name, email, phone and title; custom fields (`resource_type` `contacts`) filter by their identifier. ",
                _ => "",
            };
            let mut schema = json!({
                "type": "object",
                "properties": properties,
                "additionalProperties": false,
            });
            if listing.has_custom_fields() {
                schema["patternProperties"] = json!({ CUSTOM_ATTRIBUTE_PATTERN: condition });
            }
            (
                schema,
                format!(
                    "`filter[attr]=v` is equality; `filter[attr][op]=v` with op one of {}, as \
                     for organizations; relationships (`owner`, `organization`, `contact`) \
                     filter by the related id. {search}An unknown attribute or operator is a \
                     400 naming the parameter.",
                    operators().join(", ")
                ),
            )
        }
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
                 direction of the last key, so pages are stable. Sortable: {}{}.",
                listing
                    .fields()
                    .iter()
                    .filter(|f| f.sortable())
                    .map(|f| f.attribute())
                    .collect::<Vec<_>>()
                    .join(", "),
                if listing.has_custom_fields() {
                    " and every custom field of this type but multi-selects"
                } else {
                    ""
                }
            ),
        ),
        "page" => (
            json!({
                "type": "object",
                "properties": {
                    "number": { "type": "integer", "minimum": 1, "default": 1 },
                    "size": { "type": "integer", "minimum": 1, "maximum": 1000, "default": 100 },
                    "total": { "type": "boolean" },
                    "after": { "type": "string" },
                    "before": { "type": "string" },
                },
                "additionalProperties": false,
            }),
            "By number: `page[number]` (from 1) and `page[size]` (1–1000, default 100); \
             `page[total]=false` skips counting (no `meta.total`, `links.last` null). \
             By cursor (the cursor pagination profile, \
             https://jsonapi.org/profiles/ethanresnick/cursor-pagination), when \
             `page[after]` or `page[before]` is given or `Accept` asks for the profile: \
             `page[after]`/`page[before]` take a resource's `meta.page.cursor` (both: the \
             records between), `page[size]` above 1000 is a 400 `max-size-exceeded`, \
             `page[number]` is refused, and `page[total]=true` adds `meta.page.total`."
                .to_owned(),
        ),
        "fields" => (
            json!({
                "type": "object",
                "properties": {
                    ORGANIZATIONS: { "type": "string" },
                    CONTACTS: { "type": "string" },
                    MEMBERSHIPS: { "type": "string" },
                    DOCUMENTS: { "type": "string" },
                    PROJECTS: { "type": "string" },
                    TASKS: { "type": "string" },
                    USERS: { "type": "string" },
                    API_KEYS: { "type": "string" },
                    CUSTOM_FIELDS: { "type": "string" },
                    WEBHOOKS: { "type": "string" },
                    WEBHOOK_DELIVERIES: { "type": "string" },
                },
                "additionalProperties": false,
            }),
            "Sparse fieldsets: `fields[type]=a,b` renders only those attributes and \
             relationships of that type; an empty value renders none."
                .to_owned(),
        ),
        "include" if matches!(listing, Listing::Memberships | Listing::Documents | Listing::Projects | Listing::Tasks) => (
            json!({ "type": "string", "pattern": "^$" }),
            "Memberships, documents, projects and tasks include nothing; an empty `include` still yields an empty `included`."
                .to_owned(),
        ),
        "include" => {
            let paths: &[&str] = match listing {
                Listing::Contacts => CONTACT_INCLUDES,
                _ => ORGANIZATION_INCLUDES,
            };
            let one = format!("({})", paths.join("|").replace('.', "\\."));
            (
                json!({ "type": "string", "pattern": format!("^({one}(,{one})*)?$") }),
                format!(
                    "Related resources to add as `included` (each once): a comma-separated \
                     subset of {}. Users come from the to-one relationships; a to-many \
                     relationship named gets its `data` (an organization's members with \
                     `meta.role`), and a nested path includes the memberships and what they \
                     lead to. With `include` present, `included` is present even when empty.",
                    paths.join(", ")
                ),
            )
        }
        "return_existing" => (
            json!({ "type": "boolean", "default": false }),
            "When the name is taken, answer 200 with the existing organization, unchanged, \
             instead of a 422 `name_taken`; safe under concurrent creates."
                .to_owned(),
        ),
        "upsert" => (
            json!({ "type": "string", "pattern": "^(name|c_[a-z0-9_]{0,59}[a-z0-9])$" }),
            "Create or update by a key: `name` or a unique custom field's identifier. When no \
             organization holds the body's value for it, the organization is created (201); \
             when one does, it is updated with the body, with PATCH semantics (200). The body \
             must carry a value for the key (422 `required`) and no `id`; combining it with \
             `return_existing` is a 400."
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
