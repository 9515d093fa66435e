//! The `resource` of a delivery: the JSON:API resource object of the record the change is
//! about, as it is when delivered (the entry's `changes` say what that change did), or, when
//! the change deleted it or it is gone since, its resource identifier. Secrets are never in
//! it: an API key's and a webhook's are shown once, to whoever created them.

use orgbase_domain::change::{Change, Operation};
use orgbase_domain::{Error, ResourceType, Result, Store};
use orgbase_http::BaseUrl;
use orgbase_http::document::{
    FieldSet, OrganizationResource, api_key_resource, custom_field_resource, user_resource,
    webhook_resource,
};
use serde_json::{Value, json};

pub fn resource(store: &dyn Store, change: &Change, base: &BaseUrl) -> Result<Value> {
    let entry = &change.entry;
    let identifier = || json!({"type": entry.resource_type.as_str(), "id": entry.resource_id});
    if entry.operation == Operation::Delete {
        return Ok(identifier());
    }
    let all = FieldSet::All;
    let found = match entry.resource_type {
        ResourceType::Organizations => parse(&entry.resource_id)
            .and_then(|id| store.get_organization(id))
            .and_then(|org| {
                let custom = store.list_custom_fields()?;
                serde_json::to_value(OrganizationResource {
                    org: &org,
                    base,
                    fields: &all,
                    custom: &custom,
                    cursor: None,
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
        ResourceType::Webhooks => parse(&entry.resource_id)
            .and_then(|id| store.get_webhook(id))
            .map(|webhook| webhook_resource(&webhook, false, base, &all)),
    };
    match found {
        Ok(resource) => Ok(resource),
        // Deleted since: what is left to say is which record it was.
        Err(Error::NotFound { .. }) => Ok(identifier()),
        Err(other) => Err(other),
    }
}

fn parse<T: std::str::FromStr>(id: &str) -> Result<T> {
    id.parse().map_err(|_| Error::NotFound {
        resource: "record",
        id: id.to_owned(),
    })
}
