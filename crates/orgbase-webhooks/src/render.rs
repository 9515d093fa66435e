//! The `resource` of a delivery: the JSON:API resource object of the record the change is
//! about as it was after that change, or its resource identifier for a delete. It is the
//! record as `GET` renders it now, with the changes the log holds after this one undone
//! (each entry says what it changed from); a record deleted since is rebuilt from its own
//! entries up to this one. Secrets are never in it: an API key's and a webhook's are shown
//! once, to whoever created them.

use orgbase_domain::change::{Change, ChangeQuery, Operation};
use orgbase_domain::query::{Keyset, MAX_PAGE_SIZE, PageRequest, Position};
use orgbase_domain::{CustomResourceType, Error, ResourceType, Result, Store};
use orgbase_http::BaseUrl;
use orgbase_http::document::{
    ContactResource, DocumentResource, FieldSet, MembershipResource, OrganizationResource,
    ProjectResource, TaskResource, api_key_resource, custom_field_resource, user_resource,
    webhook_resource,
};
use serde_json::{Value, json};

pub fn resource(store: &dyn Store, change: &Change, base: &BaseUrl) -> Result<Value> {
    let entry = &change.entry;
    let identifier = || json!({"type": entry.resource_type.as_str(), "id": entry.resource_id});
    if entry.operation == Operation::Delete {
        return Ok(identifier());
    }
    match current(store, change, base)? {
        Some(mut resource) => {
            // Only what came after the change needs undoing: the entries after it.
            let later = entries_about(store, change, change.sequence, None)?;
            if !later.is_empty() {
                for later in later.iter().rev() {
                    undo(&mut resource, later);
                }
                stamp(&mut resource, change);
            }
            Ok(resource)
        }
        // Deleted since: rebuilt from its entries up to this change.
        None => {
            let earlier = entries_about(store, change, 0, Some(change.sequence + 1))?;
            let mut resource = identifier();
            let mut attributes = serde_json::Map::new();
            for earlier in &earlier {
                for (name, diff) in &earlier.entry.changes {
                    attributes.insert(name.clone(), diff["to"].clone());
                }
            }
            if !attributes.is_empty() {
                resource["attributes"] = Value::Object(attributes);
            }
            Ok(resource)
        }
    }
}

/// The entries about the change's record with a sequence above `after` and, if given, below
/// `before`, in sequence order (read forwards: a `before` alone would page backwards).
fn entries_about(
    store: &dyn Store,
    change: &Change,
    after: u64,
    before: Option<u64>,
) -> Result<Vec<Change>> {
    let keyset = |after: u64| Keyset {
        after: Some(Position::sequence(after)),
        before: before.map(Position::sequence),
    };
    let mut query = ChangeQuery {
        resource_types: vec![change.entry.resource_type],
        resource_ids: vec![change.entry.resource_id.clone()],
        page: PageRequest {
            number: 1,
            size: MAX_PAGE_SIZE,
            keyset: Some(keyset(after)),
        },
        ..ChangeQuery::default()
    };
    let mut entries = Vec::new();
    loop {
        let page = store.list_changes(&query)?;
        let Some(last) = page.items.last().map(|c| c.sequence) else {
            return Ok(entries);
        };
        let more = page.has_next;
        entries.extend(page.items);
        if !more {
            return Ok(entries);
        }
        query.page.keyset = Some(keyset(last));
    }
}

/// Puts back what a later change changed: each attribute (or relationship) to its `from`.
fn undo(resource: &mut Value, later: &Change) {
    for (name, diff) in &later.entry.changes {
        let from = diff["from"].clone();
        if let Some(attribute) = resource["attributes"].get_mut(name) {
            *attribute = from;
        } else if let Some(relationship) = resource["relationships"].get_mut(name) {
            relationship["data"] = from;
        }
    }
}

/// The time and author of the change the resource is as of: its `updated_at` and `updater`.
fn stamp(resource: &mut Value, change: &Change) {
    if let Some(updated_at) = resource["attributes"].get_mut("updated_at") {
        *updated_at = Value::from(orgbase_domain::time::format(&change.entry.changed_at));
    }
    if let Some(updater) = resource["relationships"].get_mut("updater") {
        updater["data"] = orgbase_domain::change::snapshot::user_linkage(change.entry.actor);
    }
}

/// The record as `GET` renders it now; `None` when it is gone.
fn current(store: &dyn Store, change: &Change, base: &BaseUrl) -> Result<Option<Value>> {
    let entry = &change.entry;
    let all = FieldSet::All;
    let found = match entry.resource_type {
        ResourceType::Organizations => parse(&entry.resource_id)
            .and_then(|id| store.get_organization(id))
            .and_then(|org| {
                let custom = store
                    .list_custom_fields()?
                    .of(CustomResourceType::Organizations);
                serde_json::to_value(OrganizationResource {
                    org: &org,
                    base,
                    fields: &all,
                    custom: &custom,
                    cursor: None,
                    linkage: None,
                })
                .map_err(|e| Error::Backend(e.to_string()))
            }),
        ResourceType::CustomFields => parse(&entry.resource_id)
            .and_then(|id| store.get_custom_field(id))
            .map(|field| custom_field_resource(&field, base, &all)),
        ResourceType::Users => parse(&entry.resource_id)
            .and_then(|id| store.get_user(id))
            .map(|user| user_resource(&user, base, &all)),
        ResourceType::ApiKeys => parse(&entry.resource_id)
            .and_then(|id| store.get_api_key(id))
            .map(|key| api_key_resource(&key, None, base, &all)),
        ResourceType::Contacts => parse(&entry.resource_id)
            .and_then(|id| store.get_contact(id))
            .and_then(|contact| {
                let custom = store.list_custom_fields()?.of(CustomResourceType::Contacts);
                serde_json::to_value(ContactResource {
                    contact: &contact,
                    base,
                    fields: &all,
                    custom: &custom,
                    cursor: None,
                    role: None,
                    linkage: None,
                })
                .map_err(|e| Error::Backend(e.to_string()))
            }),
        ResourceType::Documents => parse(&entry.resource_id)
            .and_then(|id| store.get_document(id))
            .and_then(|document| {
                serde_json::to_value(DocumentResource {
                    document: &document,
                    base,
                    fields: &all,
                    cursor: None,
                })
                .map_err(|e| Error::Backend(e.to_string()))
            }),
        ResourceType::Projects => parse(&entry.resource_id)
            .and_then(|id| store.get_project(id))
            .and_then(|project| {
                serde_json::to_value(ProjectResource {
                    project: &project,
                    base,
                    fields: &all,
                    cursor: None,
                })
                .map_err(|e| Error::Backend(e.to_string()))
            }),
        ResourceType::Tasks => parse(&entry.resource_id)
            .and_then(|id| store.get_task(id))
            .and_then(|task| {
                serde_json::to_value(TaskResource {
                    task: &task,
                    base,
                    fields: &all,
                    cursor: None,
                })
                .map_err(|e| Error::Backend(e.to_string()))
            }),
        ResourceType::Memberships => parse(&entry.resource_id)
            .and_then(|id| store.get_membership(id))
            .and_then(|membership| {
                serde_json::to_value(MembershipResource {
                    membership: &membership,
                    base,
                    fields: &all,
                    cursor: None,
                })
                .map_err(|e| Error::Backend(e.to_string()))
            }),
        ResourceType::Webhooks => parse(&entry.resource_id)
            .and_then(|id| store.get_webhook(id))
            .map(|webhook| webhook_resource(&webhook, false, base, &all)),
    };
    match found {
        Ok(resource) => Ok(Some(resource)),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

fn parse<T: std::str::FromStr>(id: &str) -> Result<T> {
    id.parse().map_err(|_| Error::NotFound {
        resource: "record",
        id: id.to_owned(),
    })
}
