//! Deliveries to a real receiver on loopback (a small HTTP server in the test), from the
//! in-memory store: signatures a Standard Webhooks receiver verifies, order, retries after
//! failures with the same `webhook-id`, giving up and resuming, refused destinations, and the
//! worker's threads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as Span;
use orgbase_domain::service::{self, create_organization};
use orgbase_domain::{
    DeliveryState, NewOrganization, NewWebhook, OrganizationPatch, Store, Webhook, WebhookPatch,
    WebhookSecret, Write as WriteBy, time,
};
use orgbase_http::BaseUrl;
use orgbase_store_memory::MemoryStore;
use orgbase_webhooks::testing::{Answers, Receiver};
use orgbase_webhooks::{Deliverer, Step, start, step};

fn receiver(statuses: &[u16]) -> Receiver {
    Receiver::start(Answers {
        statuses: statuses.to_vec(),
        ..Answers::default()
    })
    .unwrap()
}

fn webhook_to(store: &dyn Store, url: &str, events: &[&str]) -> Webhook {
    let new = NewWebhook {
        url: url.to_owned(),
        description: None,
        events: events.iter().map(|e| (*e).to_owned()).collect(),
        active: true,
    };
    service::create_webhook(
        store,
        new,
        WebhookSecret::generate().unwrap(),
        None,
        None,
        time::now(),
    )
    .unwrap()
}

fn base() -> BaseUrl {
    BaseUrl::new("https://crm.example.com")
}

/// Steps until nothing is due, returning the steps taken.
fn drain(store: &dyn Store, deliverer: &Deliverer, webhook: &Webhook) -> Vec<Step> {
    let mut steps = Vec::new();
    loop {
        let done = step(store, deliverer, &base(), webhook.id).unwrap();
        let last = matches!(
            done,
            Step::Idle | Step::Waiting(_) | Step::Stopped | Step::Failed(..)
        );
        steps.push(done);
        if last {
            return steps;
        }
    }
}

#[test]
fn deliveries_are_signed_ordered_and_only_of_the_events_asked_for() {
    let store = MemoryStore::new();
    let receiver = receiver(&[]);
    let before =
        create_organization(&store, &NewOrganization::named("Before"), time::now()).unwrap();
    let webhook = webhook_to(
        &store,
        &receiver.url,
        &["organizations.created", "organizations.updated"],
    );
    let acme = create_organization(&store, &NewOrganization::named("Acme"), time::now()).unwrap();
    let rename = OrganizationPatch {
        name: Some("Acme Corp".into()),
        ..OrganizationPatch::default()
    };
    store
        .update_organization(acme.id, &rename, time::now(), WriteBy::default())
        .unwrap();
    store
        .delete_organization(before.id, WriteBy::default())
        .unwrap();
    create_organization(&store, &NewOrganization::named("Globex"), time::now()).unwrap();
    let gone = create_organization(&store, &NewOrganization::named("Gone"), time::now()).unwrap();
    store
        .delete_organization(gone.id, WriteBy::default())
        .unwrap();
    let latest = store.change_log_state().unwrap().latest;

    let deliverer = Deliverer::new(true);
    let steps = drain(&store, &deliverer, &webhook);
    assert_eq!(steps.last(), Some(&Step::Idle), "{steps:?}");
    let got = receiver.got();
    let types: Vec<String> = got
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "organizations.created",
            "organizations.updated",
            "organizations.created",
            "organizations.created"
        ],
        "the deletes are not asked for"
    );
    let sequences: Vec<u64> = got
        .iter()
        .map(|r| r.json()["data"]["sequence"].as_u64().unwrap())
        .collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
    for received in &got {
        let id = received.header("webhook-id");
        let timestamp: i64 = received.header("webhook-timestamp").parse().unwrap();
        assert_eq!(id, format!("msg_{}", received.json()["data"]["sequence"]));
        assert!((time::now().timestamp() - timestamp).abs() < 300);
        assert_eq!(received.header("content-type"), "application/json");
        assert_eq!(
            received.header("webhook-signature"),
            webhook.secret.sign(id, timestamp, &received.body),
            "verifies with the secret"
        );
    }
    // Each resource is the record as it was after its change: Acme before its rename, and
    // Gone (deleted since) rebuilt from its own entries.
    let created = got[0].json();
    assert_eq!(created["data"]["resource"]["attributes"]["name"], "Acme");
    assert_eq!(
        created["data"]["resource"]["attributes"]["updated_at"],
        created["timestamp"]
    );
    let rebuilt = got[3].json();
    assert_eq!(rebuilt["data"]["resource"]["id"], gone.id.to_string());
    assert_eq!(rebuilt["data"]["resource"]["attributes"]["name"], "Gone");
    let updated = got[1].json();
    assert_eq!(updated["data"]["resource"]["id"], acme.id.to_string());
    assert_eq!(
        updated["data"]["resource"]["attributes"]["name"],
        "Acme Corp"
    );
    assert_eq!(
        updated["data"]["resource"]["links"]["self"],
        format!("https://crm.example.com/organizations/{}", acme.id)
    );
    assert_eq!(updated["data"]["changes"]["name"]["to"], "Acme Corp");
    let state = store.get_webhook(webhook.id).unwrap().delivery;
    assert_eq!(state.last_delivered_sequence, latest);
    assert_eq!(state.consecutive_failures, 0);
    assert!(state.last_success_at.is_some());
}

#[test]
fn a_failed_delivery_is_sent_again_with_its_id_after_a_backoff() {
    let store = MemoryStore::new();
    let receiver = receiver(&[500, 503]);
    let webhook = webhook_to(&store, &receiver.url, &["*"]);
    create_organization(&store, &NewOrganization::named("Acme"), time::now()).unwrap();
    let deliverer = Deliverer::new(true);

    let Step::Failed(attempt, Some(due)) = step(&store, &deliverer, &base(), webhook.id).unwrap()
    else {
        panic!("not a failure")
    };
    assert_eq!(
        (attempt.status, attempt.error.as_deref()),
        (Some(500), Some("answered 500"))
    );
    let state = store.get_webhook(webhook.id).unwrap().delivery;
    assert_eq!(state.consecutive_failures, 1);
    assert_eq!(state.next_attempt_at, Some(due));
    assert!(due > time::now() && due <= time::now() + Span::seconds(1));
    assert_eq!(
        step(&store, &deliverer, &base(), webhook.id).unwrap(),
        Step::Waiting(due)
    );

    // Time passes (the backoff is over): the same event, again.
    let over = |store: &MemoryStore| {
        let current = store.get_webhook(webhook.id).unwrap();
        let due_now = DeliveryState {
            next_attempt_at: None,
            ..current.delivery.clone()
        };
        assert!(
            store
                .record_delivery(webhook.id, current.version, &due_now)
                .unwrap()
        );
    };
    over(&store);
    assert!(matches!(
        step(&store, &deliverer, &base(), webhook.id).unwrap(),
        Step::Failed(_, Some(_))
    ));
    assert_eq!(
        store
            .get_webhook(webhook.id)
            .unwrap()
            .delivery
            .consecutive_failures,
        2
    );
    over(&store);
    assert!(matches!(
        step(&store, &deliverer, &base(), webhook.id).unwrap(),
        Step::Delivered(_)
    ));
    let ids: Vec<String> = receiver
        .got()
        .iter()
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let state = store.get_webhook(webhook.id).unwrap().delivery;
    assert_eq!(
        (
            state.consecutive_failures,
            state.next_attempt_at,
            state.failing_since
        ),
        (0, None, None)
    );
    assert!(state.last_failure_at.is_some());

    // Every attempt is in the deliveries log.
    let log = store
        .list_deliveries(webhook.id, Default::default())
        .unwrap()
        .items;
    let seen: Vec<(u32, Option<u16>, bool)> = log
        .iter()
        .map(|d| (d.attempt, d.status_code, d.next_attempt_at.is_some()))
        .collect();
    assert_eq!(
        seen,
        [
            (1, Some(500), true),
            (2, Some(503), true),
            (3, Some(200), false)
        ]
    );
    assert!(log.iter().all(|d| d.event_type == "organizations.created"));
    assert_eq!(log[0].error.as_deref(), Some("answered 500"));
}

#[test]
fn three_days_of_failures_turn_a_webhook_off_and_turning_it_on_resumes() {
    let store = MemoryStore::new();
    let receiver = receiver(&[500]);
    let webhook = webhook_to(&store, &receiver.url, &["*"]);
    let acme = create_organization(&store, &NewOrganization::named("Acme"), time::now()).unwrap();
    let long_ago = DeliveryState {
        consecutive_failures: 80,
        failing_since: Some(time::now() - Span::days(3)),
        ..webhook.delivery.clone()
    };
    assert!(
        store
            .record_delivery(webhook.id, webhook.version, &long_ago)
            .unwrap()
    );
    let deliverer = Deliverer::new(true);
    assert!(matches!(
        step(&store, &deliverer, &base(), webhook.id).unwrap(),
        Step::Failed(_, None)
    ));
    let off = store.get_webhook(webhook.id).unwrap();
    assert!(!off.active);
    assert!(
        off.delivery
            .disabled_reason
            .as_deref()
            .unwrap()
            .contains("answered 500")
    );
    assert_eq!(
        step(&store, &deliverer, &base(), webhook.id).unwrap(),
        Step::Stopped
    );

    let on = WebhookPatch {
        active: Some(true),
        ..WebhookPatch::default()
    };
    store
        .update_webhook(webhook.id, &on, time::now(), WriteBy::default())
        .unwrap();
    let steps = drain(&store, &deliverer, &webhook);
    assert!(steps.contains(&Step::Delivered(acme.version)), "{steps:?}");
    let types: Vec<String> = receiver
        .got()
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    // The event again, from where deliveries stopped; then the change that turned it on.
    assert_eq!(
        types,
        [
            "organizations.created",
            "organizations.created",
            "webhooks.updated"
        ]
    );
}

#[test]
fn private_destinations_are_refused_at_delivery_unless_allowed() {
    let store = MemoryStore::new();
    let receiver = receiver(&[]);
    let localhost = receiver.url.replace("127.0.0.1", "localhost");
    let webhook = webhook_to(&store, &localhost, &["*"]);
    create_organization(&store, &NewOrganization::named("Acme"), time::now()).unwrap();
    let Step::Failed(attempt, _) =
        step(&store, &Deliverer::new(false), &base(), webhook.id).unwrap()
    else {
        panic!("delivered to a private address")
    };
    assert!(attempt.error.unwrap().contains("private address"));
    assert!(receiver.got().is_empty());
}

#[test]
fn the_worker_delivers_from_its_own_threads() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let receiver = receiver(&[]);
    let worker = start(Arc::clone(&store), base(), true);
    webhook_to(&*store, &receiver.url, &["organizations.created"]);
    for n in 0..20 {
        create_organization(
            &*store,
            &NewOrganization::named(format!("Org {n}")),
            time::now(),
        )
        .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while receiver.got().len() < 20 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    worker.stop();
    let names: Vec<String> = receiver
        .got()
        .iter()
        .map(|r| {
            r.json()["data"]["resource"]["attributes"]["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let expected: Vec<String> = (0..20).map(|n| format!("Org {n}")).collect();
    assert_eq!(names, expected);
}

#[test]
fn two_instances_on_one_store_deliver_each_event_once() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let receiver = receiver(&[]);
    let first = start(Arc::clone(&store), base(), true);
    let second = start(Arc::clone(&store), base(), true);
    webhook_to(&*store, &receiver.url, &["organizations.created"]);
    for n in 0..20 {
        create_organization(
            &*store,
            &NewOrganization::named(format!("Org {n}")),
            time::now(),
        )
        .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while receiver.got().len() < 20 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    // Time for a second delivery of any of them, if there were one.
    std::thread::sleep(Duration::from_millis(500));
    first.stop();
    second.stop();
    let ids: Vec<String> = receiver
        .got()
        .iter()
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    assert_eq!(ids.len(), 20, "{ids:?}");
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique, ids, "each once, in order");
}

#[test]
fn a_rotated_secret_signs_beside_the_new_one_and_a_replay_resends_with_the_same_ids() {
    let store = MemoryStore::new();
    let receiver = receiver(&[]);
    let webhook = webhook_to(&store, &receiver.url, &["organizations.created"]);
    let old = webhook.secret.clone();
    let new = WebhookSecret::generate().unwrap();
    let rotated = store
        .rotate_webhook_secret(webhook.id, &new, time::now(), WriteBy::default())
        .unwrap();
    assert!(rotated.version > webhook.version);
    create_organization(&store, &NewOrganization::named("Acme"), time::now()).unwrap();
    create_organization(&store, &NewOrganization::named("Globex"), time::now()).unwrap();
    let deliverer = Deliverer::new(true);
    drain(&store, &deliverer, &webhook);
    let first = receiver.got();
    assert_eq!(first.len(), 2);
    for received in &first {
        let (id, ts) = (
            received.header("webhook-id"),
            received.header("webhook-timestamp"),
        );
        let ts: i64 = ts.parse().unwrap();
        let signatures: Vec<&str> = received.header("webhook-signature").split(' ').collect();
        assert_eq!(
            signatures,
            [
                new.sign(id, ts, &received.body),
                old.sign(id, ts, &received.body)
            ]
        );
    }
    // A day later only the new secret signs.
    let later = rotated.signing_secrets(time::now() + Span::hours(25));
    assert_eq!(later, [&new]);

    let first_sequence = first[0].json()["data"]["sequence"].as_u64().unwrap();
    let rewound = store
        .rewind_webhook(webhook.id, first_sequence - 1, WriteBy::default())
        .unwrap();
    assert_eq!(rewound.delivery.last_delivered_sequence, first_sequence - 1);
    drain(&store, &deliverer, &webhook);
    let ids: Vec<String> = receiver
        .got()
        .iter()
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    assert_eq!(
        ids[2..],
        ids[..2],
        "the same events again, with their ids, in order"
    );
}

#[test]
fn a_redirect_is_a_failure_and_is_not_followed() {
    let store = MemoryStore::new();
    let receiver = receiver(&[307]);
    let webhook = webhook_to(&store, &receiver.url, &["*"]);
    create_organization(&store, &NewOrganization::named("Acme"), time::now()).unwrap();
    let step = step(&store, &Deliverer::new(true), &base(), webhook.id).unwrap();
    let Step::Failed(attempt, Some(_)) = step else {
        panic!("{step:?}")
    };
    assert_eq!(attempt.status, Some(307));
    assert_eq!(receiver.got().len(), 1, "the redirect was not followed");
}
