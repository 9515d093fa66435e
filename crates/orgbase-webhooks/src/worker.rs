//! The delivery threads. One per active webhook, so a receiver that hangs for its whole time
//! limit delays only its own deliveries; one more that starts them for webhooks created or
//! turned on since. Every step reads the webhook and the log afresh, so an admin's change
//! (off, another URL, other events) applies from the next delivery on, and a restart resumes
//! from the stored position: a delivery cut off mid-way is sent again, with its `webhook-id`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use orgbase_domain::change::ChangeQuery;
use orgbase_domain::ids::DeliveryId;
use orgbase_domain::query::{Keyset, PageRequest, Position};
use orgbase_domain::time::{self, Timestamp};
use orgbase_domain::webhook::{event_type, gives_up, message_id, payload, retry_after};
use orgbase_domain::{DeliveryRecord, DeliveryState, Error, Result, Store, WebhookId};
use orgbase_http::BaseUrl;

use crate::delivery::{Attempt, Deliverer};
use crate::render;

/// Entries read per step: the first the webhook hears of is delivered, the others it does not
/// hear of are passed.
const ENTRIES_PER_READ: u64 = 100;
/// How often an idle webhook looks for new entries, and the supervisor for new webhooks.
const IDLE_POLL: Duration = Duration::from_millis(100);
const SUPERVISOR_POLL: Duration = Duration::from_millis(500);
/// The longest a thread sleeps at once, so it notices a stop soon.
const NAP: Duration = Duration::from_millis(250);
/// How long an instance's lease on a webhook lasts, and how much of it must be left before
/// a step (more than the longest step: a delivery's 10 s and its store calls). An instance
/// that dies is taken over by another within the lease.
const LEASE_SECONDS: i64 = 20;
const LEASE_LEFT_SECONDS: i64 = 15;
/// How often an instance asks for a lease another holds.
const LEASE_RETRY: Duration = Duration::from_secs(1);

/// What one step of a webhook did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The entry with this sequence was delivered (answered 2xx).
    Delivered(u64),
    /// Entries the webhook does not hear of were passed, up to this sequence.
    Passed(u64),
    /// The attempt failed; the next is due then, or never (the webhook was turned off).
    Failed(Attempt, Option<Timestamp>),
    /// Nothing to deliver now.
    Idle,
    /// A failure's backoff: nothing before then.
    Waiting(Timestamp),
    /// The webhook is gone or off.
    Stopped,
}

/// Delivers the next entry `id` hears of, if any is due.
pub fn step(
    store: &dyn Store,
    deliverer: &Deliverer,
    base: &BaseUrl,
    id: WebhookId,
) -> Result<Step> {
    let webhook = match store.get_webhook(id) {
        Ok(webhook) if webhook.active => webhook,
        Ok(_) | Err(Error::NotFound { .. }) => return Ok(Step::Stopped),
        Err(other) => return Err(other),
    };
    let now = time::now();
    if let Some(due) = webhook.delivery.next_attempt_at
        && due > now
    {
        return Ok(Step::Waiting(due));
    }
    let position = webhook.delivery.last_delivered_sequence;
    let record = |state: DeliveryState| store.record_delivery(id, webhook.version, &state);
    let query = ChangeQuery {
        page: PageRequest {
            number: 1,
            size: ENTRIES_PER_READ,
            keyset: Some(Keyset {
                after: Some(Position::sequence(position)),
                before: None,
            }),
        },
        ..ChangeQuery::default()
    };
    let page = match store.list_changes(&query) {
        // Pruned while the receiver was down: what is gone cannot be sent.
        Err(Error::ChangesPruned { pruned_through }) => {
            tracing::warn!(webhook = %id, position, pruned_through, "a webhook's undelivered entries were pruned; resuming after them");
            record(DeliveryState {
                last_delivered_sequence: pruned_through,
                ..webhook.delivery.clone()
            })?;
            return Ok(Step::Passed(pruned_through));
        }
        other => other?,
    };
    let Some(last) = page.items.last() else {
        return Ok(Step::Idle);
    };
    let Some(change) = page.items.iter().find(|c| webhook.wants(c)) else {
        record(DeliveryState {
            last_delivered_sequence: last.sequence,
            ..webhook.delivery.clone()
        })?;
        return Ok(Step::Passed(last.sequence));
    };
    let body = payload(change, render::resource(store, change, base)?);
    let bytes = serde_json::to_vec(&body).map_err(|e| Error::Backend(e.to_string()))?;
    let attempt = deliverer.post(&webhook, &message_id(change), &bytes);
    let now = time::now();
    let before = &webhook.delivery;
    let logged = |next_attempt_at: Option<Timestamp>| DeliveryRecord {
        id: DeliveryId::generate(),
        webhook_id: id,
        sequence: change.sequence,
        event_type: event_type(change),
        attempt: before.consecutive_failures.saturating_add(1),
        status_code: attempt.status,
        duration_ms: u64::try_from(attempt.duration.as_millis()).unwrap_or(u64::MAX),
        error: attempt.error.clone(),
        delivered_at: now,
        next_attempt_at,
    };
    // The log is for looking: a failure to keep an attempt does not stop deliveries.
    let keep = |record: DeliveryRecord| {
        if let Err(error) = store.append_delivery(&record) {
            tracing::warn!(webhook = %id, %error, "cannot keep a delivery attempt in the log");
        }
    };
    if attempt.succeeded() {
        keep(logged(None));
        record(DeliveryState {
            last_delivered_sequence: change.sequence,
            last_success_at: Some(now),
            last_failure_at: before.last_failure_at,
            ..DeliveryState::default()
        })?;
        return Ok(Step::Delivered(change.sequence));
    }
    let failures = before.consecutive_failures.saturating_add(1);
    let since = before.failing_since.unwrap_or(now);
    let given_up = gives_up(since, now);
    let next = (!given_up).then(|| now + retry_after(failures, jitter()));
    keep(logged(next));
    let reason = attempt.error.as_deref().unwrap_or("no answer");
    tracing::info!(webhook = %id, sequence = change.sequence, failures, reason, "a webhook delivery failed");
    record(DeliveryState {
        last_delivered_sequence: position,
        last_success_at: before.last_success_at,
        last_failure_at: Some(now),
        consecutive_failures: failures,
        failing_since: Some(since),
        next_attempt_at: next,
        disabled_reason: given_up
            .then(|| format!("every delivery failed for 3 days; the last: {reason}")),
    })?;
    Ok(Step::Failed(attempt, next))
}

/// A number in `0.0..1.0` from the operating system's RNG (0 if it cannot say).
fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.0,
    }
}

/// The running delivery threads; dropping it does not stop them (the process's end does).
#[derive(Debug, Clone)]
pub struct Worker {
    stop: Arc<AtomicBool>,
}

impl Worker {
    /// Asks every thread to stop after its current step.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts delivering for every active webhook of `store`, now and as they appear, each while
/// this instance holds its lease. Links in deliveries are made from `base`.
pub fn start(store: Arc<dyn Store>, base: BaseUrl, allow_private: bool) -> Worker {
    // Unique per process: what leases name this instance by.
    let owner: Arc<str> = Arc::from(uuid::Uuid::now_v7().simple().to_string().as_str());
    let stop = Arc::new(AtomicBool::new(false));
    let worker = Worker {
        stop: Arc::clone(&stop),
    };
    let running: Arc<Mutex<HashSet<WebhookId>>> = Arc::default();
    let deliverer = Deliverer::new(allow_private);
    let supervisor = std::thread::Builder::new()
        .name("orgbase-webhooks".to_owned())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match store.active_webhooks() {
                    Ok(active) => {
                        for webhook in active {
                            let id = webhook.id;
                            if !lock(&running).insert(id) {
                                continue;
                            }
                            let context = Context {
                                store: Arc::clone(&store),
                                deliverer: deliverer.clone(),
                                base: base.clone(),
                                stop: Arc::clone(&stop),
                                running: Arc::clone(&running),
                                owner: Arc::clone(&owner),
                            };
                            let spawned = std::thread::Builder::new()
                                .name(format!("orgbase-webhook-{id}"))
                                .spawn(move || context.deliver(id));
                            if let Err(error) = spawned {
                                tracing::warn!(%error, "cannot start a webhook's delivery thread");
                                lock(&running).remove(&id);
                            }
                        }
                    }
                    Err(error) => tracing::warn!(%error, "cannot read the active webhooks"),
                }
                std::thread::sleep(SUPERVISOR_POLL);
            }
        });
    if let Err(error) = supervisor {
        tracing::warn!(%error, "cannot start webhook deliveries");
    }
    worker
}

fn lock(running: &Mutex<HashSet<WebhookId>>) -> std::sync::MutexGuard<'_, HashSet<WebhookId>> {
    running.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a webhook's thread works with.
struct Context {
    store: Arc<dyn Store>,
    deliverer: Deliverer,
    base: BaseUrl,
    stop: Arc<AtomicBool>,
    running: Arc<Mutex<HashSet<WebhookId>>>,
    /// This instance, as leases name it.
    owner: Arc<str>,
}

impl Context {
    fn deliver(self, id: WebhookId) {
        let mut leased_until: Option<Timestamp> = None;
        while !self.stop.load(Ordering::Relaxed) {
            let now = time::now();
            let enough = chrono::Duration::seconds(LEASE_LEFT_SECONDS);
            if leased_until.is_none_or(|until| until - now < enough) {
                let until = now + chrono::Duration::seconds(LEASE_SECONDS);
                match self.store.lease_webhook(id, &self.owner, now, until) {
                    Ok(true) => leased_until = Some(until),
                    Ok(false) => {
                        // Another instance delivers it, or it is gone or off.
                        leased_until = None;
                        match self.store.get_webhook(id) {
                            Ok(webhook) if webhook.active => {}
                            _ => break,
                        }
                        std::thread::sleep(LEASE_RETRY);
                        continue;
                    }
                    Err(error) => {
                        tracing::warn!(webhook = %id, %error, "cannot take a webhook's lease; trying again");
                        std::thread::sleep(LEASE_RETRY);
                        continue;
                    }
                }
            }
            let pause = match step(&*self.store, &self.deliverer, &self.base, id) {
                Ok(Step::Delivered(_) | Step::Passed(_)) => continue,
                Ok(Step::Idle) => IDLE_POLL,
                Ok(Step::Waiting(due) | Step::Failed(_, Some(due))) => (due - time::now())
                    .to_std()
                    .unwrap_or(Duration::ZERO)
                    .min(NAP),
                Ok(Step::Failed(_, None) | Step::Stopped) => break,
                Err(error) => {
                    tracing::warn!(webhook = %id, %error, "a webhook's delivery step failed; trying again");
                    Duration::from_secs(1)
                }
            };
            std::thread::sleep(pause.min(NAP));
        }
        if leased_until.is_some()
            && let Err(error) = self.store.release_webhook(id, &self.owner)
        {
            tracing::debug!(webhook = %id, %error, "cannot give a webhook's lease up; it will end");
        }
        lock(&self.running).remove(&id);
    }
}
