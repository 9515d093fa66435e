//! Webhooks on every backend: the record round-trips, its configuration changes are logged
//! (never its secret, never its delivery bookkeeping), and the delivery worker's bookkeeping
//! is written only while the webhook is as the worker read it, so an admin's change wins.

use std::sync::Arc;

use chrono::Duration;
use orgbase_domain::change::ChangeQuery;
use orgbase_domain::ids::DeliveryId;
use orgbase_domain::query::PageRequest;
use orgbase_domain::{
    DeliveryRecord, DeliveryState, Error, NewWebhook, ResourceType, Store, Webhook, WebhookPatch,
    WebhookSecret, Write, time,
};

fn webhook(url: &str, head: u64) -> Webhook {
    let new = NewWebhook {
        url: url.to_owned(),
        description: Some("CRM mirror".into()),
        events: vec![
            "organizations.created".into(),
            "organizations.deleted".into(),
        ],
        active: true,
    };
    Webhook::new(
        new,
        WebhookSecret::generate().unwrap(),
        head,
        None,
        time::truncate(time::now()),
    )
}

fn stored(store: &dyn Store, webhook: &Webhook) -> Webhook {
    let version = store.insert_webhook(webhook, None).unwrap();
    Webhook {
        version,
        ..webhook.clone()
    }
}

pub fn webhooks_round_trip_and_log_their_configuration_only(store: &Arc<dyn Store>) {
    let before = store.change_log_state().unwrap().latest;
    let first = stored(&**store, &webhook("https://a.example/hook", before));
    let second = stored(&**store, &webhook("https://b.example/hook", before));
    assert_eq!(store.get_webhook(first.id).unwrap(), first);
    let page = store.list_webhooks(PageRequest::default()).unwrap();
    let urls: Vec<&str> = page.items.iter().map(|w| w.url.as_str()).collect();
    assert_eq!(urls.len(), 2);
    assert_eq!(page.total, Some(2));
    assert!(page.items.contains(&second));

    let patch = WebhookPatch {
        events: Some(vec!["*".into()]),
        description: Some(None),
        ..WebhookPatch::default()
    };
    let stale = Write {
        actor: None,
        expected: Some(vec![first.version + 1_000]),
    };
    assert!(matches!(
        store.update_webhook(first.id, &patch, time::now(), stale),
        Err(Error::PreconditionFailed)
    ));
    let updated = store
        .update_webhook(first.id, &patch, time::now(), Write::default())
        .unwrap();
    assert!(updated.version > first.version);
    assert_eq!(
        (updated.events.as_slice(), updated.description.as_deref()),
        (&["*".to_owned()][..], None)
    );
    assert_eq!(store.get_webhook(first.id).unwrap(), updated);
    assert_eq!(updated.secret, first.secret, "a change keeps the secret");

    store.delete_webhook(second.id, Write::default()).unwrap();
    assert!(matches!(
        store.get_webhook(second.id),
        Err(Error::NotFound {
            resource: "webhook",
            ..
        })
    ));
    assert!(matches!(
        store.delete_webhook(second.id, Write::default()),
        Err(Error::NotFound { .. })
    ));

    let entries = store
        .list_changes(&ChangeQuery {
            resource_types: vec![ResourceType::Webhooks],
            ..ChangeQuery::default()
        })
        .unwrap();
    let log: Vec<(&str, String)> = entries
        .items
        .iter()
        .filter(|c| c.sequence > before)
        .map(|c| (c.entry.operation.as_str(), c.entry.resource_id.clone()))
        .collect();
    assert_eq!(
        log,
        [
            ("create", first.id.to_string()),
            ("create", second.id.to_string()),
            ("update", first.id.to_string()),
            ("delete", second.id.to_string()),
        ]
    );
    for change in &entries.items {
        let text = serde_json::to_string(&change.entry.changes).unwrap();
        assert!(
            !text.contains("whsec_") && !text.contains("secret"),
            "{text}"
        );
        assert!(!text.contains("last_delivered_sequence"), "{text}");
    }
}

pub fn delivery_bookkeeping_yields_to_an_admins_change(store: &Arc<dyn Store>) {
    let hook = stored(&**store, &webhook("https://a.example/hook", 3));
    let now = time::truncate(time::now());
    let delivered = DeliveryState {
        last_delivered_sequence: 9,
        last_success_at: Some(now),
        ..DeliveryState::default()
    };
    assert!(
        store
            .record_delivery(hook.id, hook.version, &delivered)
            .unwrap()
    );
    let read = store.get_webhook(hook.id).unwrap();
    assert_eq!(
        (read.delivery.clone(), read.version),
        (delivered.clone(), hook.version)
    );
    assert_eq!(
        store.active_webhooks().unwrap(),
        std::slice::from_ref(&read)
    );

    // An admin re-aims the webhook meanwhile: the worker's older view does not overwrite it.
    let patch = WebhookPatch {
        url: Some("https://c.example/hook".into()),
        ..WebhookPatch::default()
    };
    let aimed = store
        .update_webhook(hook.id, &patch, now, Write::default())
        .unwrap();
    let failing = DeliveryState {
        consecutive_failures: 1,
        last_failure_at: Some(now),
        failing_since: Some(now),
        next_attempt_at: Some(now + Duration::seconds(1)),
        ..delivered.clone()
    };
    assert!(
        !store
            .record_delivery(hook.id, hook.version, &failing)
            .unwrap()
    );
    assert_eq!(store.get_webhook(hook.id).unwrap().delivery, delivered);

    // Given up on: turned off, and no longer walked.
    let given_up = DeliveryState {
        consecutive_failures: 40,
        disabled_reason: Some("failing for 3 days".into()),
        ..failing
    };
    assert!(
        store
            .record_delivery(hook.id, aimed.version, &given_up)
            .unwrap()
    );
    let off = store.get_webhook(hook.id).unwrap();
    assert!(!off.active);
    assert_eq!(off.delivery, given_up);
    assert!(store.active_webhooks().unwrap().is_empty());
    assert!(
        !store
            .record_delivery(hook.id, aimed.version, &delivered)
            .unwrap(),
        "off stays off"
    );

    // Turned on again: failures forgotten, the position kept.
    let on = WebhookPatch {
        active: Some(true),
        ..WebhookPatch::default()
    };
    let resumed = store
        .update_webhook(hook.id, &on, now, Write::default())
        .unwrap();
    assert!(resumed.active);
    assert_eq!(
        resumed.delivery,
        DeliveryState {
            last_delivered_sequence: 9,
            last_success_at: Some(now),
            last_failure_at: Some(now),
            ..DeliveryState::default()
        }
    );
    assert_eq!(store.get_webhook(hook.id).unwrap(), resumed);
    assert_eq!(store.active_webhooks().unwrap().len(), 1);
}

pub fn one_instance_at_a_time_holds_a_webhooks_lease(store: &Arc<dyn Store>) {
    let hook = stored(&**store, &webhook("https://a.example/hook", 0));
    let now = time::truncate(time::now());
    let until = now + Duration::seconds(20);
    assert!(store.lease_webhook(hook.id, "a", now, until).unwrap());
    assert!(
        !store.lease_webhook(hook.id, "b", now, until).unwrap(),
        "held by a"
    );
    assert!(
        store
            .lease_webhook(hook.id, "a", now, until + Duration::seconds(5))
            .unwrap(),
        "a renews"
    );
    // b takes over once a's lease ended (a died without giving it up).
    let later = until + Duration::seconds(5);
    assert!(
        !store
            .lease_webhook(hook.id, "b", later - Duration::seconds(1), later)
            .unwrap()
    );
    assert!(
        store
            .lease_webhook(hook.id, "b", later, later + Duration::seconds(20))
            .unwrap()
    );
    assert!(!store.lease_webhook(hook.id, "a", later, later).unwrap());
    // Given up: free for anyone; a lease of another owner is not ours to give up.
    store.release_webhook(hook.id, "a").unwrap();
    assert!(!store.lease_webhook(hook.id, "c", later, later).unwrap());
    store.release_webhook(hook.id, "b").unwrap();
    assert!(
        store
            .lease_webhook(hook.id, "c", later, later + Duration::seconds(20))
            .unwrap()
    );
    // A lease is no change: the webhook's version and bookkeeping stay.
    assert_eq!(store.get_webhook(hook.id).unwrap(), hook);
    store.delete_webhook(hook.id, Write::default()).unwrap();
    assert!(
        !store.lease_webhook(hook.id, "c", later, later).unwrap(),
        "gone"
    );
}

pub fn racing_instances_get_one_lease(store: &Arc<dyn Store>) {
    const INSTANCES: usize = 8;
    let hook = stored(&**store, &webhook("https://a.example/hook", 0));
    let barrier = Arc::new(std::sync::Barrier::new(INSTANCES));
    let now = time::truncate(time::now());
    let handles: Vec<_> = (0..INSTANCES)
        .map(|n| {
            let (store, barrier) = (Arc::clone(store), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                store
                    .lease_webhook(
                        hook.id,
                        &format!("instance {n}"),
                        now,
                        now + Duration::seconds(20),
                    )
                    .unwrap()
            })
        })
        .collect();
    let granted = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|granted| *granted)
        .count();
    assert_eq!(granted, 1);
}

pub fn rotating_the_secret_and_rewinding_are_versioned_but_not_logged(store: &Arc<dyn Store>) {
    let hook = stored(&**store, &webhook("https://a.example/hook", 7));
    let latest = store.change_log_state().unwrap().latest;
    let now = time::truncate(time::now());
    let secret = WebhookSecret::generate().unwrap();
    let rotated = store
        .rotate_webhook_secret(hook.id, &secret, now, Write::default())
        .unwrap();
    assert!(rotated.version > hook.version);
    assert_eq!(rotated.secret, secret);
    assert_eq!(
        rotated.previous_secret,
        Some((hook.secret.clone(), now + Duration::hours(24)))
    );
    assert_eq!(store.get_webhook(hook.id).unwrap(), rotated);

    // A delivery step that read the webhook before the rewind cannot undo it.
    let rewound = store.rewind_webhook(hook.id, 2, Write::default()).unwrap();
    assert!(rewound.version > rotated.version);
    assert_eq!(rewound.delivery.last_delivered_sequence, 2);
    let stale = DeliveryState {
        last_delivered_sequence: 9,
        ..DeliveryState::default()
    };
    assert!(
        !store
            .record_delivery(hook.id, rotated.version, &stale)
            .unwrap()
    );
    assert_eq!(store.get_webhook(hook.id).unwrap(), rewound);
    let stale_write = Write {
        actor: None,
        expected: Some(vec![hook.version]),
    };
    assert!(matches!(
        store.rewind_webhook(hook.id, 1, stale_write),
        Err(Error::PreconditionFailed)
    ));
    let entries = store
        .list_changes(&ChangeQuery {
            resource_types: vec![ResourceType::Webhooks],
            ..ChangeQuery::default()
        })
        .unwrap();
    assert!(
        entries.items.iter().all(|c| c.sequence <= latest),
        "no entry for either"
    );
}

fn attempt(
    webhook: &Webhook,
    sequence: u64,
    attempt: u32,
    at: orgbase_domain::time::Timestamp,
) -> DeliveryRecord {
    DeliveryRecord {
        id: DeliveryId::generate(),
        webhook_id: webhook.id,
        sequence,
        event_type: "organizations.created".into(),
        attempt,
        status_code: (attempt > 1).then_some(200),
        duration_ms: 12,
        error: (attempt == 1).then(|| "timed out".to_owned()),
        delivered_at: at,
        next_attempt_at: (attempt == 1).then(|| at + Duration::seconds(1)),
    }
}

pub fn the_deliveries_log_lists_a_webhooks_attempts_and_forgets_old_ones(store: &Arc<dyn Store>) {
    let mine = stored(&**store, &webhook("https://a.example/hook", 0));
    let other = stored(&**store, &webhook("https://b.example/hook", 0));
    let now = time::truncate(time::now());
    let old = attempt(&mine, 3, 1, now - Duration::days(31));
    let failed = attempt(&mine, 4, 1, now - Duration::seconds(2));
    let delivered = attempt(&mine, 4, 2, now);
    for record in [&old, &failed, &delivered, &attempt(&other, 4, 1, now)] {
        store.append_delivery(record).unwrap();
    }
    let page = store
        .list_deliveries(mine.id, PageRequest::default())
        .unwrap();
    assert_eq!(page.items, [old.clone(), failed.clone(), delivered.clone()]);
    assert_eq!(page.total, Some(3));
    let second = store
        .list_deliveries(
            mine.id,
            PageRequest {
                number: 2,
                size: 2,
                keyset: None,
            },
        )
        .unwrap();
    assert_eq!(second.items, std::slice::from_ref(&delivered));
    assert_eq!(store.prune_deliveries(now - Duration::days(30)).unwrap(), 1);
    let page = store
        .list_deliveries(mine.id, PageRequest::default())
        .unwrap();
    assert_eq!(page.items, [failed, delivered]);
}
