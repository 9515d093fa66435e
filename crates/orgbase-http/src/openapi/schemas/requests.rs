//! The documents requests send: creates and updates of each resource type, and relationship
//! linkage. @-members and the members the spec defines are allowed where JSON:API 1.1 allows
//! them; anything else a server ignores is left out, so generated clients do not send it.

use orgbase_domain::attributes::{
    API_KEY_ATTRIBUTES, CONTACT_ATTRIBUTES, CUSTOM_FIELD_ATTRIBUTES, DOCUMENT_ATTRIBUTES,
    MEMBERSHIP_ATTRIBUTES, PROJECT_ATTRIBUTES, TASK_ATTRIBUTES, USER_ATTRIBUTES,
    WEBHOOK_ATTRIBUTES,
};
use serde_json::{Map, Value, json};

use super::attributes::{
    attributes_object, organization_properties, plain_attributes, with_custom_attributes,
};
use super::{or_null, reference};
use crate::document::{
    API_KEYS, CONTACTS, CUSTOM_FIELDS, DOCUMENTS, MEMBERSHIPS, ORGANIZATIONS, PROJECTS, TASKS,
    USERS, WEBHOOKS,
};

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

pub(super) fn add(schemas: &mut Map<String, Value>) {
    let mut add = |name: &str, schema: Value| {
        schemas.insert(name.to_owned(), schema);
    };
    add(
        "AtomicOperationsDocument",
        json!({
            "type": "object",
            "required": ["atomic:operations"],
            "properties": {
                "atomic:operations": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": crate::atomic::MAX_OPERATIONS,
                    "items": {
                        "type": "object",
                        "required": ["op"],
                        "properties": {
                            "op": { "enum": ["add", "update", "remove"] },
                            "ref": {
                                "type": "object",
                                "required": ["type"],
                                "properties": {
                                    "type": { "enum": [ORGANIZATIONS, CUSTOM_FIELDS, USERS] },
                                    "id": { "type": "string" },
                                    "lid": { "type": "string", "description": "The `lid` an earlier add gave its resource." },
                                    "relationship": { "type": "string", "description": "An organization's `owner`." },
                                },
                            },
                            "href": { "type": "string", "description": "The endpoint the operation stands for: `/organizations`, `/users/{id}`, `/organizations/{id}/relationships/owner`; `/users/{id}?reassign_to=ID` for a remove." },
                            "data": {
                                "description": "A resource object (its `lid` names it for later operations; linkage may name users by `lid`), or a relationship's linkage.",
                                "type": ["object", "null"],
                            },
                        },
                    },
                },
            },
        }),
    );
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
            owner_input.clone(),
            true,
        ),
    );
    add(
        "NewContactDocument",
        request_document(
            CONTACTS,
            with_custom_attributes(CONTACT_ATTRIBUTES, &["name"], true),
            owner_input.clone(),
            false,
        ),
    );
    add(
        "ContactPatchDocument",
        request_document(
            CONTACTS,
            with_custom_attributes(CONTACT_ATTRIBUTES, &[], true),
            owner_input,
            true,
        ),
    );
    let end = |kind: &str| {
        json!({
            "type": "object",
            "required": ["data"],
            "properties": {
                "data": {
                    "type": "object",
                    "required": ["type", "id"],
                    "properties": { "type": { "const": kind }, "id": { "type": "string" } },
                },
            },
        })
    };
    let ends = |required: &[&str]| {
        json!({
            "type": "object",
            "properties": { "organization": end(ORGANIZATIONS), "contact": end(CONTACTS) },
            "required": required,
            "additionalProperties": false,
        })
    };
    add(
        "NewMembershipDocument",
        request_document(
            MEMBERSHIPS,
            plain_attributes(MEMBERSHIP_ATTRIBUTES, &[], true),
            ends(&["organization", "contact"]),
            false,
        ),
    );
    add(
        "MembershipPatchDocument",
        request_document(
            MEMBERSHIPS,
            plain_attributes(MEMBERSHIP_ATTRIBUTES, &[], true),
            ends(&[]),
            true,
        ),
    );
    let organization = |required: &[&str]| {
        json!({
            "type": "object",
            "properties": { "organization": end(ORGANIZATIONS) },
            "required": required,
            "additionalProperties": false,
        })
    };
    add(
        "NewDocumentDocument",
        request_document(
            DOCUMENTS,
            plain_attributes(DOCUMENT_ATTRIBUTES, &["title"], true),
            organization(&["organization"]),
            false,
        ),
    );
    add(
        "DocumentPatchDocument",
        request_document(
            DOCUMENTS,
            plain_attributes(DOCUMENT_ATTRIBUTES, &[], true),
            organization(&[]),
            true,
        ),
    );
    add(
        "NewProjectDocument",
        request_document(
            PROJECTS,
            plain_attributes(PROJECT_ATTRIBUTES, &["name"], true),
            organization(&["organization"]),
            false,
        ),
    );
    add(
        "ProjectPatchDocument",
        request_document(
            PROJECTS,
            plain_attributes(PROJECT_ATTRIBUTES, &[], true),
            organization(&[]),
            true,
        ),
    );
    let task_relationships = |required: &[&str]| {
        json!({
            "type": "object",
            "properties": {
                "organization": end(ORGANIZATIONS),
                "assignee": {
                    "type": "object",
                    "required": ["data"],
                    "properties": { "data": or_null(reference("UserIdentifier")) },
                },
            },
            "required": required,
            "additionalProperties": false,
        })
    };
    add(
        "NewTaskDocument",
        request_document(
            TASKS,
            plain_attributes(TASK_ATTRIBUTES, &["title"], true),
            task_relationships(&["organization"]),
            false,
        ),
    );
    add(
        "TaskPatchDocument",
        request_document(
            TASKS,
            plain_attributes(TASK_ATTRIBUTES, &[], true),
            task_relationships(&[]),
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
        "NewWebhookDocument",
        request_document(
            WEBHOOKS,
            plain_attributes(WEBHOOK_ATTRIBUTES, &["url"], true),
            no_relationships(),
            false,
        ),
    );
    add(
        "WebhookPatchDocument",
        request_document(
            WEBHOOKS,
            plain_attributes(WEBHOOK_ATTRIBUTES, &[], true),
            no_relationships(),
            true,
        ),
    );
    add(
        "ReplayDocument",
        json!({
            "type": "object",
            "required": ["meta"],
            "properties": {
                "meta": {
                    "type": "object",
                    "required": ["from_sequence"],
                    "properties": {
                        "from_sequence": { "type": "integer", "minimum": 1, "description": "The first change log sequence to deliver again." },
                    },
                },
            },
        }),
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
}
