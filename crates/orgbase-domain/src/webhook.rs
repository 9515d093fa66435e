//! Webhooks: the record (where to deliver, which events, the signing secret, and how far
//! deliveries have got), and the rules a delivery follows whatever delivers it: which change
//! log entries a webhook hears of (its `events`), where it may point (its `url`), how a
//! delivery is signed and what its body is (the Standard Webhooks format,
//! standardwebhooks.com), and when a failing endpoint is tried again or given up on.

use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::Duration;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::change::{Change, Operation, ResourceType, Version};
use crate::ids::{DeliveryId, WebhookId};
use crate::time::{self, Timestamp};

/// A webhook: its configuration and its delivery state.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub id: WebhookId,
    pub url: String,
    pub description: Option<String>,
    /// Event names, or `["*"]`.
    pub events: Vec<String>,
    pub active: bool,
    pub secret: WebhookSecret,
    /// The secret a rotation replaced, and until when it still signs.
    pub previous_secret: Option<(WebhookSecret, Timestamp)>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: Version,
    pub delivery: DeliveryState,
}

/// How far a webhook's deliveries have got: bookkeeping the delivery worker writes (no change
/// log entry, no new version), shown read-only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryState {
    /// Every matching change log entry up to this sequence was delivered (answered 2xx).
    pub last_delivered_sequence: u64,
    pub last_success_at: Option<Timestamp>,
    pub last_failure_at: Option<Timestamp>,
    pub consecutive_failures: u32,
    /// When the current run of failures began.
    pub failing_since: Option<Timestamp>,
    /// No delivery before this (a failure's backoff).
    pub next_attempt_at: Option<Timestamp>,
    /// Why orgbase turned the webhook off; set with `active: false`.
    pub disabled_reason: Option<String>,
}

impl Webhook {
    /// A new webhook, hearing of changes after `head` (the log's newest sequence now).
    pub fn new(
        new: NewWebhook,
        secret: WebhookSecret,
        head: u64,
        id: Option<WebhookId>,
        now: Timestamp,
    ) -> Self {
        Self {
            id: id.unwrap_or_else(WebhookId::generate),
            url: new.url,
            description: new.description,
            events: new.events,
            active: new.active,
            secret,
            previous_secret: None,
            created_at: now,
            updated_at: now,
            version: 0,
            delivery: DeliveryState {
                last_delivered_sequence: head,
                ..DeliveryState::default()
            },
        }
    }

    /// Applies `patch`; returns whether anything changed. Turning a webhook on again forgets
    /// its failures, so that the next delivery is tried at once, from where they stopped.
    pub fn apply(&mut self, patch: &WebhookPatch, now: Timestamp) -> bool {
        let before = self.clone();
        if let Some(url) = &patch.url {
            self.url.clone_from(url);
        }
        if let Some(description) = &patch.description {
            self.description.clone_from(description);
        }
        if let Some(events) = &patch.events {
            self.events.clone_from(events);
        }
        if let Some(active) = patch.active {
            if active && !self.active {
                self.delivery = DeliveryState {
                    last_delivered_sequence: self.delivery.last_delivered_sequence,
                    last_success_at: self.delivery.last_success_at,
                    last_failure_at: self.delivery.last_failure_at,
                    ..DeliveryState::default()
                };
            }
            self.active = active;
        }
        let changed = *self != before;
        if changed {
            self.updated_at = now;
        }
        changed
    }

    /// The secrets that sign a delivery made at `now`: the current one, and the one a
    /// rotation replaced while its day lasts (receivers may still hold it).
    pub fn signing_secrets(&self, now: Timestamp) -> Vec<&WebhookSecret> {
        let mut secrets = vec![&self.secret];
        if let Some((previous, until)) = &self.previous_secret
            && *until > now
        {
            secrets.push(previous);
        }
        secrets
    }

    /// Replaces the secret with `secret`; the old one signs beside it for a day.
    pub fn rotate(&mut self, secret: WebhookSecret, now: Timestamp) {
        let old = std::mem::replace(&mut self.secret, secret);
        self.previous_secret = Some((old, now + rotated_secret_lasts()));
        self.updated_at = now;
    }

    /// Delivers again what came after `position`, from now on.
    pub fn rewind(&mut self, position: u64) {
        self.delivery = DeliveryState {
            last_delivered_sequence: position,
            last_success_at: self.delivery.last_success_at,
            last_failure_at: self.delivery.last_failure_at,
            disabled_reason: self.delivery.disabled_reason.take(),
            ..DeliveryState::default()
        };
    }

    /// Whether this webhook hears of `change`.
    pub fn wants(&self, change: &Change) -> bool {
        wants(&self.events, change)
    }
}

/// A webhook as a create request gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub url: String,
    pub description: Option<String>,
    pub events: Vec<String>,
    pub active: bool,
}

/// A change to a webhook: `None` leaves a member as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookPatch {
    pub url: Option<String>,
    pub description: Option<Option<String>>,
    pub events: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// One delivery attempt, as the deliveries log keeps it (30 days).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub id: DeliveryId,
    pub webhook_id: WebhookId,
    /// The change log entry delivered.
    pub sequence: u64,
    pub event_type: String,
    /// 1 for the first attempt at this entry, then 2, 3 …
    pub attempt: u32,
    /// The receiver's status, if it answered.
    pub status_code: Option<u16>,
    pub duration_ms: u64,
    /// Why it was not a 2xx.
    pub error: Option<String>,
    pub delivered_at: Timestamp,
    /// When it is tried again, after a failure (none once given up on).
    pub next_attempt_at: Option<Timestamp>,
}

/// How long the deliveries log keeps an attempt.
pub fn deliveries_kept_for() -> Duration {
    Duration::days(30)
}

/// Every event, in `events`.
pub const ALL_EVENTS: &str = "*";

/// What an event name says happened to a resource: `created`, `updated`, `deleted`.
fn past_tense(operation: Operation) -> &'static str {
    match operation {
        Operation::Create => "created",
        Operation::Update => "updated",
        Operation::Delete => "deleted",
    }
}

/// The event a change is: `organizations.updated`.
pub fn event_type(change: &Change) -> String {
    format!(
        "{}.{}",
        change.entry.resource_type.as_str(),
        past_tense(change.entry.operation)
    )
}

/// Every event name a webhook may ask for, `*` aside.
pub fn event_names() -> Vec<String> {
    ResourceType::ALL
        .into_iter()
        .flat_map(|t| {
            Operation::ALL
                .into_iter()
                .map(move |o| format!("{}.{}", t.as_str(), past_tense(o)))
        })
        .collect()
}

/// Whether a webhook with these `events` hears of `change`.
pub fn wants(events: &[String], change: &Change) -> bool {
    let event = event_type(change);
    events.iter().any(|e| e == ALL_EVENTS || *e == event)
}

/// Why a webhook's `url` is refused, in a sentence; `None` when it may be used. Without
/// `allow_private`, only `https` to a public address is allowed: `http`, loopback, private
/// and link-local addresses (and `localhost`) would let an admin's webhook reach the
/// server's own network. A host name is checked again, resolved, when it is delivered to.
pub fn url_problem(text: &str, allow_private: bool) -> Option<String> {
    let Ok(url) = url::Url::parse(text) else {
        return Some("must be an absolute URL".to_owned());
    };
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => return Some("must be an https URL".to_owned()),
        other => return Some(format!("must be an https URL, not {other}:")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Some("must not carry credentials; the signature authenticates deliveries".into());
    }
    if url.fragment().is_some() {
        return Some("must not have a fragment".to_owned());
    }
    let private = match url.host() {
        None => return Some("must name a host".to_owned()),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => is_private(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_private(IpAddr::V6(ip)),
    };
    (private && !allow_private).then(|| {
        "must be a public address: loopback, private and link-local ones are refused \
         (ORGBASE_WEBHOOKS_ALLOW_PRIVATE allows them)"
            .to_owned()
    })
}

/// Loopback, private, link-local, unspecified, or otherwise not a public destination.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                // Shared address space (carrier-grade NAT), 100.64.0.0/10.
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                // Unique local fc00::/7 and link-local fe80::/10.
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// A webhook's signing secret as Standard Webhooks writes it: `whsec_` and the base64 of
/// the key.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

const SECRET_PREFIX: &str = "whsec_";

impl WebhookSecret {
    /// A new secret: 32 bytes from the operating system's RNG.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key)?;
        Ok(Self(format!("{SECRET_PREFIX}{}", BASE64.encode(key))))
    }

    /// A stored secret, if it is one (`whsec_` and base64).
    pub fn parse(text: &str) -> Option<Self> {
        let key = text.strip_prefix(SECRET_PREFIX)?;
        BASE64.decode(key).ok().filter(|k| !k.is_empty())?;
        Some(Self(text.to_owned()))
    }

    /// The text to store, and to show once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn key(&self) -> Vec<u8> {
        let encoded = self.0.strip_prefix(SECRET_PREFIX).unwrap_or_default();
        BASE64.decode(encoded).unwrap_or_default()
    }

    /// `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`: one `webhook-signature`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        // An HMAC takes a key of any length.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key())
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
    }
}

/// The `webhook-signature` header: a signature by each secret that signs now, space
/// separated (while a rotated secret still signs, receivers may hold either).
pub fn signature_header(
    secrets: &[&WebhookSecret],
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .iter()
        .map(|s| s.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `webhook-id` of the event a change is: the same for every attempt and every replay.
pub fn message_id(change: &Change) -> String {
    format!("msg_{}", change.sequence)
}

/// A delivery's body: the event type, when it happened, and the change itself (`resource`
/// is the JSON:API resource object, or its identifier for a delete).
pub fn payload(change: &Change, resource: Value) -> Value {
    json!({
        "type": event_type(change),
        "timestamp": time::format(&change.entry.changed_at),
        "data": {
            "sequence": change.sequence,
            "resource": resource,
            "changes": change.entry.changes,
        },
    })
}

/// How long after its `failures`th failure in a row (from 1) a delivery is tried again:
/// doubling from 1 second up to one hour, less up to a fifth at random (`jitter` in
/// `0.0..1.0`), so endpoints that failed together are not retried together.
pub fn retry_after(failures: u32, jitter: f64) -> Duration {
    const MAX_SECONDS: f64 = 3600.0;
    let exponent = i32::try_from(failures.saturating_sub(1).min(16)).unwrap_or(16);
    let seconds = 2f64.powi(exponent).min(MAX_SECONDS);
    let jittered = seconds * (1.0 - 0.2 * jitter.clamp(0.0, 1.0));
    Duration::milliseconds((jittered * 1000.0) as i64)
}

/// How long a rotated-out secret still signs deliveries.
pub fn rotated_secret_lasts() -> Duration {
    Duration::hours(24)
}

/// How long an endpoint may fail before its webhook is turned off.
pub fn gives_up_after() -> Duration {
    Duration::days(3)
}

/// Whether a webhook failing since `since` is to be turned off at `now`.
pub fn gives_up(since: Timestamp, now: Timestamp) -> bool {
    now - since >= gives_up_after()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::ChangeEntry;
    use serde_json::Map;

    /// The Standard Webhooks specification's own example.
    #[test]
    fn signs_as_the_standard_webhooks_libraries_verify() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            secret.sign(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let other = WebhookSecret::generate().unwrap();
        let header = signature_header(&[&secret, &other], "msg_1", 1, b"{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], secret.sign("msg_1", 1, b"{}"));
    }

    #[test]
    fn secrets_are_whsec_and_32_random_bytes() {
        let secret = WebhookSecret::generate().unwrap();
        assert!(secret.expose().starts_with("whsec_"));
        assert_eq!(secret.key().len(), 32);
        assert_ne!(secret, WebhookSecret::generate().unwrap());
        assert_eq!(WebhookSecret::parse(secret.expose()), Some(secret));
        assert_eq!(WebhookSecret::parse("whsec_not base64!"), None);
        assert_eq!(WebhookSecret::parse("secret"), None);
        assert_eq!(
            format!("{:?}", WebhookSecret::generate().unwrap()),
            "WebhookSecret(…)"
        );
    }

    fn change(resource_type: ResourceType, operation: Operation) -> Change {
        ChangeEntry {
            operation,
            resource_type,
            resource_id: "0190f5a2-7b1c-7def-8abc-0123456789ab".into(),
            changed_at: time::now(),
            actor: None,
            changes: Map::new(),
        }
        .numbered(42)
    }

    #[test]
    fn events_name_the_type_and_what_happened() {
        let updated = change(ResourceType::Organizations, Operation::Update);
        assert_eq!(event_type(&updated), "organizations.updated");
        assert!(wants(&["*".into()], &updated));
        assert!(wants(&["organizations.updated".into()], &updated));
        assert!(!wants(&["organizations.created".into()], &updated));
        let names = event_names();
        assert!(names.contains(&"custom_fields.deleted".to_owned()));
        assert_eq!(names.len(), ResourceType::ALL.len() * 3);
        assert_eq!(message_id(&updated), "msg_42");
        let body = payload(&updated, json!({"type": "organizations", "id": "x"}));
        assert_eq!(body["type"], "organizations.updated");
        assert_eq!(body["data"]["sequence"], 42);
        assert_eq!(body["data"]["resource"]["id"], "x");
    }

    #[test]
    fn urls_are_public_https_unless_private_ones_are_allowed() {
        assert_eq!(
            url_problem("https://hooks.example.com/orgbase", false),
            None
        );
        for refused in [
            "hooks.example.com",
            "http://hooks.example.com/",
            "ftp://hooks.example.com/",
            "https://user:pw@hooks.example.com/",
            "https://localhost/",
            "https://api.localhost/",
            "https://127.0.0.1/",
            "https://10.1.2.3/",
            "https://192.168.1.1/",
            "https://172.16.0.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fe80::1]/",
            "https://[fd00::1]/",
            "https://[::ffff:127.0.0.1]/",
        ] {
            assert!(url_problem(refused, false).is_some(), "{refused}");
        }
        assert_eq!(url_problem("http://127.0.0.1:9000/hook", true), None);
        assert!(url_problem("ftp://127.0.0.1/", true).is_some());
        assert_eq!(url_problem("https://8.8.8.8/", false), None);
    }

    #[test]
    fn retries_double_from_a_second_to_an_hour_and_stop_after_three_days() {
        assert_eq!(retry_after(1, 0.0), Duration::seconds(1));
        assert_eq!(retry_after(2, 0.0), Duration::seconds(2));
        assert_eq!(retry_after(5, 0.0), Duration::seconds(16));
        assert_eq!(retry_after(13, 0.0), Duration::hours(1));
        assert_eq!(retry_after(1_000, 0.0), Duration::hours(1));
        assert_eq!(retry_after(1, 1.0), Duration::milliseconds(800));
        let now = time::now();
        assert!(!gives_up(now - Duration::hours(71), now));
        assert!(gives_up(now - Duration::days(3), now));
    }
}
