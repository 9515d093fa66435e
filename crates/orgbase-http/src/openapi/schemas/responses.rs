//! Resource objects and the documents answers carry: single resources, pages, relationship
//! linkage, related resources, health and errors.

use orgbase_domain::ResourceType;
use orgbase_domain::attributes::{
    API_KEY_ATTRIBUTES, CONTACT_ATTRIBUTES, CUSTOM_FIELD_ATTRIBUTES, DOCUMENT_ATTRIBUTES,
    MEMBERSHIP_ATTRIBUTES, PROJECT_ATTRIBUTES, TASK_ATTRIBUTES, USER_ATTRIBUTES,
    WEBHOOK_ATTRIBUTES, WEBHOOK_DELIVERY_ATTRIBUTES,
};
use serde_json::{Map, Value, json};

use super::attributes::{
    attributes_object, organization_properties, plain_attributes, with_custom_attributes,
};
use super::{or_null, reference};
use crate::document::{
    API_KEYS, CONTACTS, CUSTOM_FIELDS, DOCUMENTS, MEMBERSHIPS, ORGANIZATIONS, PROJECTS, TASKS,
    USERS, WEBHOOK_DELIVERIES, WEBHOOKS,
};

fn user_identifier() -> Value {
    json!({
        "type": "object",
        "required": ["type", "id"],
        "properties": { "type": { "const": USERS }, "id": { "type": "string", "format": "uuid" } },
        "additionalProperties": false,
    })
}

pub(super) fn self_link() -> Value {
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
        "meta": reference("CursorMeta"),
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

fn cursor_page_links() -> Value {
    let link = json!({ "type": ["string", "null"], "format": "uri" });
    json!({
        "type": "object",
        "required": ["self", "first", "prev", "next"],
        "properties": {
            "self": { "type": "string", "format": "uri" },
            "first": { "type": "string", "format": "uri" },
            "prev": link, "next": link,
        },
        "additionalProperties": false,
        "description": "Null where there is known to be no such page.",
    })
}

fn cursor_page_meta() -> Value {
    json!({
        "type": "object",
        "required": ["page"],
        "properties": {
            "page": {
                "type": "object",
                "required": ["size"],
                "properties": {
                    "size": { "type": "integer", "minimum": 1, "maximum": 1000 },
                    "total": { "type": "integer", "minimum": 0, "description": "With `page[total]=true`." },
                    "rangeTruncated": { "type": "boolean", "description": "With both `page[after]` and `page[before]`: more records lie between them than the page holds." },
                },
                "additionalProperties": false,
            },
        },
        "additionalProperties": false,
    })
}

/// `{Name}Document` (one resource), `{Name}Collection` (a page by number) and
/// `{Name}CursorCollection` (a page by cursor) for a resource schema.
fn documents(schemas: &mut Map<String, Value>, name: &str) {
    let included = json!({
        "type": "array",
        "items": { "anyOf": [reference("User"), reference("Contact"), reference("Membership"), reference("Organization")] },
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
    // A page by number and a page by cursor differ in their links and meta only.
    for (kind, links, meta) in [
        ("Collection", "PageLinks", "PageMeta"),
        ("CursorCollection", "CursorPageLinks", "CursorPageMeta"),
    ] {
        schemas.insert(
            format!("{name}{kind}"),
            json!({
                "type": "object",
                "required": ["jsonapi", "data", "links", "meta"],
                "properties": {
                    "jsonapi": reference("JsonApi"),
                    "data": { "type": "array", "items": reference(name) },
                    "included": included,
                    "links": reference(links),
                    "meta": reference(meta),
                },
                "additionalProperties": false,
            }),
        );
    }
}

/// The changes feed: `Change` and its two page documents, whose `meta` also has `latest`.
fn changes(schemas: &mut Map<String, Value>) {
    let change = json!({
        "type": "object",
        "required": ["type", "id", "attributes", "relationships"],
        "properties": {
            "type": { "const": "changes" },
            "id": { "type": "string", "pattern": "^[1-9][0-9]*$", "description": "The sequence, as a string." },
            "attributes": {
                "type": "object",
                "required": ["sequence", "operation", "resource_type", "resource_id", "changed_at", "changes"],
                "properties": {
                    "sequence": { "type": "integer", "minimum": 1, "description": "Strictly increasing in the order changes became visible." },
                    "operation": { "enum": ["create", "update", "delete"] },
                    "resource_type": { "enum": ResourceType::ALL.map(ResourceType::as_str) },
                    "resource_id": { "type": "string", "format": "uuid" },
                    "changed_at": { "type": "string", "format": "date-time" },
                    "changes": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "required": ["from", "to"],
                            "properties": { "from": {}, "to": {} },
                            "additionalProperties": false,
                        },
                        "description": "Each attribute or relationship that changed, `{from, to}`; every value set on a create; empty on a delete.",
                    },
                },
                "additionalProperties": false,
            },
            "relationships": {
                "type": "object",
                "required": ["actor"],
                "properties": {
                    "actor": {
                        "type": "object",
                        "required": ["data"],
                        "properties": { "data": or_null(reference("UserIdentifier")) },
                        "additionalProperties": false,
                        "description": "The user whose key made the change; null for the command line.",
                    },
                },
                "additionalProperties": false,
            },
            "meta": reference("CursorMeta"),
        },
        "additionalProperties": false,
    });
    schemas.insert("Change".to_owned(), change);
    let latest = json!({
        "type": "object",
        "required": ["sequence", "cursor"],
        "properties": {
            "sequence": { "type": "integer", "minimum": 0 },
            "cursor": { "type": "string" },
        },
        "additionalProperties": false,
        "description": "The newest change visible when the request was read, and a cursor to follow the feed from it with the same filters (`page[after]`).",
    });
    for (kind, links, mut meta) in [
        ("Collection", "PageLinks", page_meta()),
        ("CursorCollection", "CursorPageLinks", cursor_page_meta()),
    ] {
        meta["properties"]["latest"] = latest.clone();
        schemas.insert(
            format!("Change{kind}"),
            json!({
                "type": "object",
                "required": ["jsonapi", "data", "links", "meta"],
                "properties": {
                    "jsonapi": reference("JsonApi"),
                    "data": { "type": "array", "items": reference("Change") },
                    "links": reference(links),
                    "meta": meta,
                },
                "additionalProperties": false,
            }),
        );
    }
}

pub(super) fn add(schemas: &mut Map<String, Value>) {
    let mut add = |name: &str, schema: Value| {
        schemas.insert(name.to_owned(), schema);
    };
    add(
        "JsonApi",
        json!({
            "type": "object",
            "required": ["version"],
            "properties": {
                "version": { "const": "1.1" },
                "profile": {
                    "type": "array",
                    "items": { "const": crate::cursor::CURSOR_PROFILE },
                    "description": "On pages by cursor: the cursor pagination profile.",
                },
                "ext": {
                    "type": "array",
                    "items": { "const": crate::atomic::ATOMIC_EXT },
                    "description": "On the answers of `/operations`: the atomic extension.",
                },
            },
            "additionalProperties": false,
        }),
    );
    add("UserIdentifier", user_identifier());
    add(
        "AtomicResultsDocument",
        json!({
            "type": "object",
            "required": ["jsonapi", "atomic:results"],
            "properties": {
                "jsonapi": reference("JsonApi"),
                "atomic:results": {
                    "type": "array",
                    "description": "One result per operation, in order: the resource an add or an update wrote as `data`; `{}` for a remove or a relationship update.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "data": { "oneOf": [reference("Organization"), reference("CustomField"), reference("User")] },
                        },
                        "additionalProperties": false,
                    },
                },
            },
            "additionalProperties": false,
        }),
    );
    add("PageLinks", page_links());
    add("PageMeta", page_meta());
    add("CursorPageLinks", cursor_page_links());
    add("CursorPageMeta", cursor_page_meta());
    add(
        "CursorMeta",
        json!({
            "type": "object",
            "required": ["page"],
            "properties": {
                "page": {
                    "type": "object",
                    "required": ["cursor"],
                    "properties": { "cursor": { "type": "string", "description": "Where this resource stands in the page's order: give it as `page[after]` or `page[before]`." } },
                    "additionalProperties": false,
                },
            },
            "additionalProperties": false,
            "description": "On pages by cursor only.",
        }),
    );
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
        "ToManyLinks",
        json!({
            "type": "object",
            "required": ["links"],
            "properties": {
                "data": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["type", "id"],
                        "properties": {
                            "type": { "type": "string" },
                            "id": { "type": "string" },
                            "meta": { "type": "object" },
                        },
                        "additionalProperties": false,
                    },
                    "description": "Only when `include` named the relationship.",
                },
                "links": {
                    "type": "object",
                    "required": ["related"],
                    "properties": {
                        "self": { "type": "string", "format": "uri" },
                        "related": { "type": "string", "format": "uri" },
                    },
                    "additionalProperties": false,
                },
            },
            "additionalProperties": false,
            "description": "A to-many relationship shown by its links: its linkage is at `links.self` (where there is one) and its resources at `links.related`.",
        }),
    );
    let user_relationships = |to_many: &[&str]| {
        let mut properties = json!({
            "owner": reference("ToOneUser"),
            "creator": reference("ToOneUser"),
            "updater": reference("ToOneUser"),
        });
        for name in to_many {
            properties[*name] = reference("ToManyLinks");
        }
        json!({ "type": "object", "properties": properties, "additionalProperties": false })
    };
    add(
        "Organization",
        resource(
            ORGANIZATIONS,
            reference("OrganizationAttributes"),
            Some(user_relationships(&[
                "members",
                "memberships",
                "tasks",
                "projects",
                "documents",
            ])),
        ),
    );
    add(
        "ContactAttributes",
        with_custom_attributes(CONTACT_ATTRIBUTES, &[], false),
    );
    // In an organization's `members`, a contact also carries its role there.
    let mut contact = resource(
        CONTACTS,
        reference("ContactAttributes"),
        Some(user_relationships(&["organizations", "memberships"])),
    );
    contact["properties"]["meta"] = json!({
        "type": "object",
        "properties": {
            "page": { "$ref": "#/components/schemas/CursorMeta/properties/page" },
            "role": {
                "enum": orgbase_domain::MembershipRole::NAMES,
                "description": "In `GET /organizations/{id}/members`: the contact's role in that organization.",
            },
        },
        "additionalProperties": false,
        "description": "`page.cursor` on pages by cursor; `role` among an organization's members.",
    });
    add("Contact", contact);
    let fixed = |kind: &str| {
        json!({
            "type": "object",
            "required": ["links", "data"],
            "properties": {
                "links": {
                    "type": "object",
                    "required": ["related"],
                    "properties": { "related": { "type": "string", "format": "uri" } },
                    "additionalProperties": false,
                },
                "data": {
                    "type": "object",
                    "required": ["type", "id"],
                    "properties": { "type": { "const": kind }, "id": { "type": "string", "format": "uuid" } },
                    "additionalProperties": false,
                },
            },
            "additionalProperties": false,
        })
    };
    add(
        "Membership",
        resource(
            MEMBERSHIPS,
            plain_attributes(MEMBERSHIP_ATTRIBUTES, &[], false),
            Some(json!({
                "type": "object",
                "properties": {
                    "organization": fixed(ORGANIZATIONS),
                    "contact": fixed(CONTACTS),
                },
                "additionalProperties": false,
            })),
        ),
    );
    add(
        "Document",
        resource(
            DOCUMENTS,
            plain_attributes(DOCUMENT_ATTRIBUTES, &[], false),
            Some(json!({
                "type": "object",
                "properties": { "organization": fixed(ORGANIZATIONS) },
                "additionalProperties": false,
            })),
        ),
    );
    add(
        "Project",
        resource(
            PROJECTS,
            plain_attributes(PROJECT_ATTRIBUTES, &[], false),
            Some(json!({
                "type": "object",
                "properties": { "organization": fixed(ORGANIZATIONS) },
                "additionalProperties": false,
            })),
        ),
    );
    add(
        "Task",
        resource(
            TASKS,
            plain_attributes(TASK_ATTRIBUTES, &[], false),
            Some(json!({
                "type": "object",
                "properties": {
                    "organization": fixed(ORGANIZATIONS),
                    "assignee": {
                        "type": "object",
                        "required": ["data"],
                        "properties": { "data": or_null(reference("UserIdentifier")) },
                        "additionalProperties": false,
                    },
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
    add(
        "Webhook",
        resource(
            WEBHOOKS,
            plain_attributes(WEBHOOK_ATTRIBUTES, &[], false),
            None,
        ),
    );
    // Attempts are read as a webhook's list only: no link of their own.
    let mut delivery = resource(
        WEBHOOK_DELIVERIES,
        plain_attributes(WEBHOOK_DELIVERY_ATTRIBUTES, &[], false),
        None,
    );
    delivery["required"] = json!(["type", "id"]);
    if let Some(properties) = delivery["properties"].as_object_mut() {
        properties.remove("links");
    }
    add("WebhookDelivery", delivery);
    add(
        "PingDocument",
        json!({
            "type": "object",
            "required": ["jsonapi", "meta"],
            "properties": {
                "jsonapi": reference("JsonApi"),
                "meta": {
                    "type": "object",
                    "required": ["delivered", "status_code", "error", "duration_ms"],
                    "properties": {
                        "delivered": { "type": "boolean", "description": "Whether the receiver answered 2xx." },
                        "status_code": { "type": ["integer", "null"] },
                        "error": { "type": ["string", "null"] },
                        "duration_ms": { "type": "integer", "minimum": 0 },
                    },
                    "additionalProperties": false,
                },
            },
            "additionalProperties": false,
        }),
    );
    for name in [
        "Organization",
        "Contact",
        "Membership",
        "Document",
        "Project",
        "Task",
        "User",
        "CustomField",
        "ApiKey",
        "Webhook",
        "WebhookDelivery",
    ] {
        documents(schemas, name);
    }
    changes(schemas);
    let mut add = |name: &str, schema: Value| {
        schemas.insert(name.to_owned(), schema);
    };
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
        "MembersLinkageDocument",
        json!({
            "type": "object",
            "required": ["data"],
            "properties": {
                "jsonapi": reference("JsonApi"),
                "data": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["type", "id"],
                        "properties": {
                            "type": { "const": CONTACTS },
                            "id": { "type": "string" },
                            "meta": {
                                "type": "object",
                                "properties": { "role": { "enum": orgbase_domain::MembershipRole::NAMES } },
                            },
                        },
                    },
                },
                "links": { "type": "object" },
                "meta": reference("PageMeta"),
            },
            "description": "Contacts with their `meta.role`: a page of them in answers, the members to add, remove or keep in requests.",
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
                "links": {
                    "type": "object",
                    "required": ["type"],
                    "properties": { "type": { "type": "string", "format": "uri" } },
                    "additionalProperties": false,
                    "description": "`type` links to the definition of a profile's error (`max-size-exceeded`).",
                },
                "meta": {
                    "type": "object",
                    "description": "`page.maxSize` with `max-size-exceeded`.",
                },
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
}
