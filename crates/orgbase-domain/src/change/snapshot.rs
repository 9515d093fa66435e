//! Records as the change log sees them: each attribute and relationship the API shows, with
//! the value it shows, so an entry's `from` and `to` read like the resource did.
//!
//! Left out on purpose: `updated_at` (the entry's `changed_at` is that instant), an
//! organization's `creator` and `updater` (the entry's `actor` says who wrote), an API key's
//! secret, its hash and `last_used_at` (bookkeeping, not a change).

use serde_json::{Map, Value, json};

use crate::api_key::ApiKey;
use crate::contact::Contact;
use crate::custom_field::{CustomField, CustomFields, CustomValues};
use crate::document::Document;
use crate::ids::UserId;
use crate::membership::Membership;
use crate::organization::Organization;
use crate::project::Project;
use crate::task::Task;
use crate::time;
use crate::user::User;
use crate::webhook::Webhook;

/// One record's values, by attribute or relationship name, in the order the API shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot(Map<String, Value>);

/// A to-one relationship's linkage to a user: a resource identifier object, or null.
pub fn user_linkage(user: Option<UserId>) -> Value {
    user.map_or(
        Value::Null,
        |id| json!({ "type": "users", "id": id.to_string() }),
    )
}

fn timestamp(at: Option<&time::Timestamp>) -> Value {
    at.map_or(Value::Null, |at| Value::from(time::format(at)))
}

impl Snapshot {
    fn of(values: Vec<(&str, Value)>) -> Self {
        Self(
            values
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        )
    }

    /// An organization's attributes and `owner`, and its values of `fields` (at least the
    /// fields whose values may differ between the snapshots compared), keyed by identifier.
    pub fn organization(org: &Organization, fields: &CustomFields) -> Self {
        let d = &org.details;
        let mut snapshot = Self::of(vec![
            ("name", Value::from(org.name.as_str())),
            ("organization_type", json!(d.organization_type)),
            ("status", Value::from(d.status.as_str())),
            ("description", json!(d.description)),
            ("website", json!(d.website)),
            ("email", json!(d.email)),
            ("phone", json!(d.phone)),
            ("address", json!(d.address)),
            ("city", json!(d.city)),
            ("state", json!(d.state)),
            ("country", json!(d.country)),
            ("industry", json!(d.industry)),
            ("company_size", json!(d.company_size)),
            ("domains", json!(d.domains)),
            ("lists", json!(d.lists)),
            ("metadata", json!(d.metadata)),
            ("slug", Value::from(org.slug.as_str())),
            ("created_from", Value::from(org.created_from.as_str())),
            ("last_contact_at", timestamp(d.last_contact_at.as_ref())),
            ("archived_at", timestamp(d.archived_at.as_ref())),
            ("created_at", timestamp(Some(&org.created_at))),
        ]);
        snapshot.insert_custom(&d.custom, fields);
        snapshot
            .0
            .insert("owner".to_owned(), user_linkage(d.owner_id));
        snapshot
    }

    /// Each of `fields` with the record's value (null or [] without one), by identifier.
    fn insert_custom(&mut self, values: &CustomValues, fields: &CustomFields) {
        for (field, value) in fields.shown(values, |_| true) {
            self.0.insert(field.identifier.clone(), value);
        }
    }

    /// A contact's attributes but `updated_at`, its values of `fields` (as for
    /// [`Self::organization`]), then `owner`.
    pub fn contact(contact: &Contact, fields: &CustomFields) -> Self {
        let mut values = contact_attributes(contact);
        values.retain(|(name, _)| *name != "updated_at");
        let mut snapshot = Self::of(values);
        snapshot.insert_custom(&contact.custom, fields);
        snapshot
            .0
            .insert("owner".to_owned(), user_linkage(contact.owner_id));
        snapshot
    }

    /// A membership's role, organization and contact (`updated_at` aside).
    pub fn membership(membership: &Membership) -> Self {
        Self::of(vec![
            ("role", Value::from(membership.role.as_str())),
            ("created_at", timestamp(Some(&membership.created_at))),
            (
                "organization",
                json!({ "type": "organizations", "id": membership.organization_id.to_string() }),
            ),
            (
                "contact",
                json!({ "type": "contacts", "id": membership.contact_id.to_string() }),
            ),
        ])
    }

    /// A document's attributes but `updated_at`, then its organization.
    pub fn document(document: &Document) -> Self {
        Self::of(vec![
            ("title", Value::from(document.title.as_str())),
            ("url", json!(document.url)),
            ("content_type", json!(document.content_type)),
            ("size_bytes", json!(document.size_bytes)),
            ("description", json!(document.description)),
            ("created_at", timestamp(Some(&document.created_at))),
            (
                "organization",
                json!({ "type": "organizations", "id": document.organization_id.to_string() }),
            ),
        ])
    }

    /// A project's attributes but `updated_at`, then its organization.
    pub fn project(project: &Project) -> Self {
        Self::of(vec![
            ("name", Value::from(project.name.as_str())),
            ("status", Value::from(project.status.as_str())),
            ("starts_on", json!(project.starts_on.map(|d| d.to_string()))),
            ("ends_on", json!(project.ends_on.map(|d| d.to_string()))),
            ("description", json!(project.description)),
            ("created_at", timestamp(Some(&project.created_at))),
            (
                "organization",
                json!({ "type": "organizations", "id": project.organization_id.to_string() }),
            ),
        ])
    }

    /// A task's attributes but `updated_at`, then its organization and assignee.
    pub fn task(task: &Task) -> Self {
        Self::of(vec![
            ("title", Value::from(task.title.as_str())),
            ("status", Value::from(task.status.as_str())),
            ("due_on", json!(task.due_on.map(|d| d.to_string()))),
            ("completed_at", timestamp(task.completed_at.as_ref())),
            ("description", json!(task.description)),
            ("created_at", timestamp(Some(&task.created_at))),
            (
                "organization",
                json!({ "type": "organizations", "id": task.organization_id.to_string() }),
            ),
            ("assignee", user_linkage(task.assignee_id)),
        ])
    }

    /// A user's attributes, as the API shows them.
    pub fn user(user: &User) -> Self {
        Self::of(user_attributes(user))
    }

    /// A custom field's attributes, `updated_at` aside.
    pub fn custom_field(field: &CustomField) -> Self {
        let mut values = custom_field_attributes(field);
        values.retain(|(name, _)| *name != "updated_at");
        Self::of(values)
    }

    /// An API key's name, prefix, creation time and user; never its secret.
    pub fn api_key(key: &ApiKey) -> Self {
        let mut values = api_key_attributes(key);
        values.retain(|(name, _)| *name != "last_used_at");
        values.push(("user", user_linkage(Some(key.user_id))));
        Self::of(values)
    }

    /// A webhook's configuration: never its secret, nor its delivery state (bookkeeping).
    pub fn webhook(webhook: &Webhook) -> Self {
        let mut values = webhook_attributes(webhook);
        values.truncate(WEBHOOK_CONFIGURATION);
        values.push(("created_at", timestamp(Some(&webhook.created_at))));
        Self::of(values)
    }

    /// `{"name": {"from": …, "to": …}}` for each value that differs. From an empty snapshot
    /// (a create), only the values set: not null, not an empty list.
    pub fn changes_to(&self, after: &Snapshot) -> Map<String, Value> {
        let creating = self.0.is_empty();
        let mut changes = Map::new();
        let names = after
            .0
            .keys()
            .chain(self.0.keys().filter(|k| !after.0.contains_key(*k)));
        for name in names {
            let from = self.0.get(name).unwrap_or(&Value::Null);
            let to = after.0.get(name).unwrap_or(&Value::Null);
            let unset = to.is_null() || to.as_array().is_some_and(Vec::is_empty);
            if from != to && !(creating && unset) {
                changes.insert(name.clone(), json!({ "from": from, "to": to }));
            }
        }
        changes
    }
}

/// A contact's attributes in the order the API shows them (the contact resource writes
/// these).
pub fn contact_attributes(contact: &Contact) -> Vec<(&'static str, Value)> {
    vec![
        ("name", Value::from(contact.name.as_str())),
        ("email", json!(contact.email)),
        ("phone", json!(contact.phone)),
        ("title", json!(contact.title)),
        ("notes", json!(contact.notes)),
        ("created_at", timestamp(Some(&contact.created_at))),
        ("updated_at", timestamp(Some(&contact.updated_at))),
    ]
}

/// A user's attributes in the order the API shows them (the user resource writes these).
pub fn user_attributes(user: &User) -> Vec<(&'static str, Value)> {
    vec![
        ("name", Value::from(user.name.as_str())),
        ("email", Value::from(user.email.as_str())),
        ("role", Value::from(user.role.as_str())),
        ("created_at", timestamp(Some(&user.created_at))),
    ]
}

/// A custom field's attributes in the order the API shows them.
pub fn custom_field_attributes(field: &CustomField) -> Vec<(&'static str, Value)> {
    vec![
        ("resource_type", Value::from(field.resource_type.as_str())),
        ("identifier", Value::from(field.identifier.as_str())),
        ("name", Value::from(field.name.as_str())),
        ("format", Value::from(field.format.as_str())),
        ("options", json!(field.options)),
        ("unique", Value::from(field.unique)),
        ("created_at", timestamp(Some(&field.created_at))),
        ("updated_at", timestamp(Some(&field.updated_at))),
    ]
}

/// An API key's attributes in the order the API shows them, the secret (shown once, by the
/// answer that creates the key) aside.
pub fn api_key_attributes(key: &ApiKey) -> Vec<(&'static str, Value)> {
    vec![
        ("name", Value::from(key.name.as_str())),
        ("prefix", Value::from(key.prefix.as_str())),
        ("created_at", timestamp(Some(&key.created_at))),
        ("last_used_at", timestamp(key.last_used_at.as_ref())),
    ]
}

/// How many of [`webhook_attributes`] are configuration, set by admins.
const WEBHOOK_CONFIGURATION: usize = 4;

/// A webhook's attributes in the order the API shows them, the secret (shown once, by the
/// answer that creates the webhook) aside: its configuration, then its delivery state.
pub fn webhook_attributes(webhook: &Webhook) -> Vec<(&'static str, Value)> {
    let d = &webhook.delivery;
    vec![
        ("url", Value::from(webhook.url.as_str())),
        ("description", json!(webhook.description)),
        ("events", json!(webhook.events)),
        ("active", Value::from(webhook.active)),
        (
            "last_delivered_sequence",
            Value::from(d.last_delivered_sequence),
        ),
        ("last_success_at", timestamp(d.last_success_at.as_ref())),
        ("last_failure_at", timestamp(d.last_failure_at.as_ref())),
        ("consecutive_failures", Value::from(d.consecutive_failures)),
        ("disabled_reason", json!(d.disabled_reason)),
        ("created_at", timestamp(Some(&webhook.created_at))),
        ("updated_at", timestamp(Some(&webhook.updated_at))),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::table::ORGANIZATION_ATTRIBUTES;
    use crate::organization::NewOrganization;
    use crate::slug::Slug;

    #[test]
    fn an_organization_snapshot_has_every_attribute_but_updated_at_then_owner() {
        let org =
            NewOrganization::named("Acme").to_organization(&Slug::derive("Acme"), time::now());
        let snapshot = Snapshot::organization(&org, &CustomFields::EMPTY);
        let names: Vec<&str> = snapshot.0.keys().map(String::as_str).collect();
        let mut expected: Vec<&str> = ORGANIZATION_ATTRIBUTES
            .iter()
            .map(|a| a.name)
            .filter(|n| *n != "updated_at")
            .collect();
        expected.push("owner");
        assert_eq!(names, expected);
    }

    #[test]
    fn a_create_lists_what_is_set_and_an_update_what_differs() {
        let mut org =
            NewOrganization::named("Acme").to_organization(&Slug::derive("Acme"), time::now());
        let created = Snapshot::organization(&org, &CustomFields::EMPTY);
        let changes = Snapshot::default().changes_to(&created);
        assert_eq!(changes["name"], json!({"from": null, "to": "Acme"}));
        assert!(!changes.contains_key("domains"), "an empty list is not set");
        assert!(!changes.contains_key("owner"), "no owner is not set");
        org.details.city = Some("Oslo".to_owned());
        let after = Snapshot::organization(&org, &CustomFields::EMPTY);
        let update = created.changes_to(&after);
        assert_eq!(
            Value::Object(update),
            json!({"city": {"from": null, "to": "Oslo"}})
        );
        assert!(after.changes_to(&after).is_empty());
    }
}
