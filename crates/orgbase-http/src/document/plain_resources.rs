//! The resource objects of users, custom fields, API keys and webhooks: few per answer, so
//! they are built as JSON values, limited to the fieldset.

use orgbase_domain::CustomField;
use serde_json::Value;

use super::{API_KEYS, CUSTOM_FIELDS, FieldSet, USERS, WEBHOOK_DELIVERIES, WEBHOOKS, rfc3339};
use crate::links::BaseUrl;

fn sparse(fields: &FieldSet, all: Vec<(&str, Value)>) -> serde_json::Map<String, Value> {
    all.into_iter()
        .filter(|(name, _)| fields.includes(name))
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

/// A user resource object.
pub fn user_resource(user: &orgbase_domain::User, base: &BaseUrl, fields: &FieldSet) -> Value {
    let attributes = sparse(
        fields,
        vec![
            ("name", Value::from(user.name.clone())),
            ("email", Value::from(user.email.clone())),
            ("role", Value::from(user.role.as_str())),
            ("created_at", Value::from(rfc3339(&user.created_at))),
        ],
    );
    let mut resource = serde_json::json!({
        "type": USERS,
        "id": user.id.to_string(),
        "links": { "self": base.join(&format!("/{USERS}/{}", user.id)) },
    });
    if !attributes.is_empty() {
        resource["attributes"] = Value::Object(attributes);
    }
    resource
}

/// A custom field resource object.
pub fn custom_field_resource(field: &CustomField, base: &BaseUrl, fields: &FieldSet) -> Value {
    let attributes = sparse(
        fields,
        orgbase_domain::change::snapshot::custom_field_attributes(field),
    );
    let mut resource = serde_json::json!({
        "type": CUSTOM_FIELDS,
        "id": field.id.to_string(),
        "links": { "self": base.join(&format!("/{CUSTOM_FIELDS}/{}", field.id)) },
    });
    if !attributes.is_empty() {
        resource["attributes"] = Value::Object(attributes);
    }
    resource
}

/// An API key resource object; `secret` only in the answer that creates the key.
pub fn api_key_resource(
    key: &orgbase_domain::ApiKey,
    secret: Option<&str>,
    base: &BaseUrl,
    fields: &FieldSet,
) -> Value {
    let mut all = vec![
        ("name", Value::from(key.name.clone())),
        ("prefix", Value::from(key.prefix.clone())),
    ];
    if let Some(secret) = secret {
        all.push(("secret", Value::from(secret)));
    }
    all.push(("created_at", Value::from(rfc3339(&key.created_at))));
    all.push((
        "last_used_at",
        key.last_used_at
            .as_ref()
            .map(rfc3339)
            .map_or(Value::Null, Value::from),
    ));
    let attributes = sparse(fields, all);
    let mut resource = serde_json::json!({
        "type": API_KEYS,
        "id": key.id.to_string(),
        "links": { "self": base.join(&format!("/{API_KEYS}/{}", key.id)) },
    });
    if !attributes.is_empty() {
        resource["attributes"] = Value::Object(attributes);
    }
    if fields.includes("user") {
        resource["relationships"] = serde_json::json!({
            "user": { "data": { "type": USERS, "id": key.user_id.to_string() } }
        });
    }
    resource
}

/// A webhook resource object; `secret` only in the answer that creates the webhook.
pub fn webhook_resource(
    webhook: &orgbase_domain::Webhook,
    with_secret: bool,
    base: &BaseUrl,
    fields: &FieldSet,
) -> Value {
    let mut all = orgbase_domain::change::snapshot::webhook_attributes(webhook);
    if with_secret {
        // In the table's order: after the configuration, before the delivery state.
        let at = all
            .iter()
            .position(|(name, _)| *name == "active")
            .map_or(all.len(), |i| i + 1);
        all.insert(at, ("secret", Value::from(webhook.secret.expose())));
    }
    let attributes = sparse(fields, all);
    let mut resource = serde_json::json!({
        "type": WEBHOOKS,
        "id": webhook.id.to_string(),
        "links": { "self": base.join(&format!("/{WEBHOOKS}/{}", webhook.id)) },
    });
    if !attributes.is_empty() {
        resource["attributes"] = Value::Object(attributes);
    }
    resource
}

/// A delivery attempt's resource object (no link: attempts are read as a webhook's list).
pub fn delivery_resource(delivery: &orgbase_domain::DeliveryRecord, fields: &FieldSet) -> Value {
    let attributes = sparse(
        fields,
        vec![
            ("sequence", Value::from(delivery.sequence)),
            ("event_type", Value::from(delivery.event_type.clone())),
            ("attempt", Value::from(delivery.attempt)),
            (
                "status_code",
                delivery.status_code.map_or(Value::Null, Value::from),
            ),
            ("duration_ms", Value::from(delivery.duration_ms)),
            (
                "error",
                delivery.error.clone().map_or(Value::Null, Value::from),
            ),
            ("delivered_at", Value::from(rfc3339(&delivery.delivered_at))),
            (
                "next_attempt_at",
                delivery
                    .next_attempt_at
                    .as_ref()
                    .map(rfc3339)
                    .map_or(Value::Null, Value::from),
            ),
        ],
    );
    let mut resource = serde_json::json!({
        "type": WEBHOOK_DELIVERIES,
        "id": delivery.id.to_string(),
    });
    if !attributes.is_empty() {
        resource["attributes"] = Value::Object(attributes);
    }
    resource
}
