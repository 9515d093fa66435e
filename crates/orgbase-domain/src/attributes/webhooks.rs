//! Webhook attributes. The URL rule is [`crate::webhook::url_problem`]; what orgbase writes
//! (the secret, the delivery state, the times) may only be sent back as it is.

use serde_json::{Map, Value};

use super::table::{WEBHOOK_ATTRIBUTES, Writes, webhook};
use super::{AttributeReader, Parsed, Problem, boolean, distinct_strings, text_of};
use crate::change::snapshot::webhook_attributes;
use crate::error::ValidationErrors;
use crate::webhook::{ALL_EVENTS, NewWebhook, Webhook, WebhookPatch, event_names, url_problem};

fn url(allow_private: bool) -> impl Fn(&Value) -> Parsed<String> {
    move |value| {
        let url = text_of(&webhook::URL)(value)?;
        match url_problem(&url, allow_private) {
            Some(problem) => Err(Problem::new("invalid_value", problem)),
            None => Ok(url),
        }
    }
}

/// Event names, or `*` alone; at least one.
fn events(value: &Value) -> Parsed<Vec<String>> {
    let known = event_names();
    let events = distinct_strings(value, |e| {
        if e == ALL_EVENTS || known.iter().any(|k| k == e) {
            Ok(e.to_owned())
        } else {
            Err(Problem::new(
                "invalid_value",
                format!(
                    "has {e:?}, which is neither `*` nor one of: {}",
                    known.join(", ")
                ),
            ))
        }
    })?;
    if events.is_empty() {
        return Err(Problem::new(
            "invalid_length",
            "must name at least one event (or `*`)",
        ));
    }
    if events.len() > 1 && events.iter().any(|e| e == ALL_EVENTS) {
        return Err(Problem::new(
            "invalid_value",
            "`*` means every event; send it alone",
        ));
    }
    Ok(events)
}

/// What orgbase writes: refused on create, and on update unless it is the current value.
fn server_set(r: &mut AttributeReader, current: Option<&Webhook>) {
    let shown = current.map(webhook_attributes).unwrap_or_default();
    for attribute in WEBHOOK_ATTRIBUTES
        .iter()
        .filter(|a| a.writes == Writes::Never)
    {
        let current_value = shown
            .iter()
            .find(|(name, _)| *name == attribute.name)
            .map(|(_, value)| value.clone());
        let sent = r.read_only(attribute.name, |v| Ok(v.clone()));
        if sent.is_some() && sent != current_value {
            r.fail(
                attribute.name,
                Problem::new(
                    "read_only",
                    "is set by orgbase; send its current value or leave it out",
                ),
            );
        }
    }
}

/// Reads a new webhook: `url` required; `events` default `["*"]`, `active` default `true`.
pub fn read_new_webhook(
    attributes: &Map<String, Value>,
    allow_private: bool,
) -> Result<NewWebhook, ValidationErrors> {
    let mut r = AttributeReader::for_type("webhooks", attributes);
    let url = r.required(webhook::URL.name, url(allow_private));
    let description = r.nullable(webhook::DESCRIPTION.name, text_of(&webhook::DESCRIPTION));
    let events = r.non_null(webhook::EVENTS.name, events);
    let active = r.non_null(webhook::ACTIVE.name, boolean);
    server_set(&mut r, None);
    r.finish()?;
    Ok(NewWebhook {
        url: url.unwrap_or_default(),
        description: description.flatten(),
        events: events.unwrap_or_else(|| vec![ALL_EVENTS.to_owned()]),
        active: active.unwrap_or(true),
    })
}

/// Reads a change to `current`.
pub fn read_webhook_patch(
    attributes: &Map<String, Value>,
    current: &Webhook,
    allow_private: bool,
) -> Result<WebhookPatch, ValidationErrors> {
    let mut r = AttributeReader::for_type("webhooks", attributes);
    let patch = WebhookPatch {
        url: r.non_null(webhook::URL.name, url(allow_private)),
        description: r.nullable(webhook::DESCRIPTION.name, text_of(&webhook::DESCRIPTION)),
        events: r.non_null(webhook::EVENTS.name, events),
        active: r.non_null(webhook::ACTIVE.name, boolean),
    };
    server_set(&mut r, Some(current));
    r.finish()?;
    Ok(patch)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::time;
    use crate::webhook::WebhookSecret;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    fn codes(errors: &ValidationErrors) -> Vec<(&str, &str)> {
        errors
            .0
            .iter()
            .map(|e| (e.pointer.as_str(), e.code))
            .collect()
    }

    #[test]
    fn a_new_webhook_needs_a_url_and_defaults_the_rest() {
        let new = read_new_webhook(&map(json!({"url": "https://hooks.example.com/h"})), false)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(new.events, ["*"]);
        assert!(new.active);
        assert_eq!(new.description, None);

        let Err(errors) = read_new_webhook(
            &map(
                json!({"url": "http://127.0.0.1/h", "events": ["*", "organizations.created"],
                "active": "yes", "secret": "whsec_x", "colour": 1}),
            ),
            false,
        ) else {
            panic!("accepted")
        };
        assert_eq!(
            codes(&errors),
            [
                ("/url", "invalid_value"),
                ("/events", "invalid_value"),
                ("/active", "invalid_type"),
                ("/secret", "read_only"),
                ("/colour", "unknown_attribute"),
            ]
        );
        let Err(errors) = read_new_webhook(&map(json!({"events": []})), true) else {
            panic!("accepted")
        };
        assert_eq!(
            codes(&errors),
            [("", "required"), ("/events", "invalid_length")]
        );
        let private = read_new_webhook(&map(json!({"url": "http://127.0.0.1:9/h"})), true);
        assert!(private.is_ok());
    }

    #[test]
    fn a_patch_may_send_back_what_orgbase_sets_but_not_change_it() {
        let new = NewWebhook {
            url: "https://hooks.example.com/h".into(),
            description: None,
            events: vec!["*".into()],
            active: true,
        };
        let secret = WebhookSecret::generate().unwrap_or_else(|e| panic!("{e}"));
        let current = Webhook::new(new, secret, 7, None, time::now());
        let patch = read_webhook_patch(
            &map(
                json!({"events": ["organizations.deleted"], "last_delivered_sequence": 7,
                "description": "CRM mirror"}),
            ),
            &current,
            false,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(patch.events, Some(vec!["organizations.deleted".to_owned()]));
        assert_eq!(patch.description, Some(Some("CRM mirror".to_owned())));
        let Err(errors) = read_webhook_patch(
            &map(json!({"last_delivered_sequence": 3, "url": null})),
            &current,
            false,
        ) else {
            panic!("accepted")
        };
        assert_eq!(
            codes(&errors),
            [
                ("/url", "not_nullable"),
                ("/last_delivered_sequence", "read_only")
            ]
        );
    }
}
