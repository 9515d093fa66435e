//! Pruning the change log: entries older than the retention period go in batches of
//! [`BATCH`], each its own short transaction, so writers (who share the log's allocation row
//! with the pruner) never wait long. A thread of its own runs it at start and then every
//! [`EVERY`], and prunes idempotency keys older than a day and webhook delivery attempts older
//! than 30 days with it.

use std::sync::Arc;
use std::time::Duration;

use orgbase_domain::time::{self, Timestamp};
use orgbase_domain::{Store, idempotency, webhook};

/// Entries deleted per transaction.
pub const BATCH: u64 = 1000;
/// How often the server prunes.
const EVERY: Duration = Duration::from_secs(10 * 60);
/// The pause between batches, so a large backlog yields to requests.
const BETWEEN_BATCHES: Duration = Duration::from_millis(50);

/// Deletes every entry changed before `now` minus `days`, a batch at a time; returns how
/// many went.
pub fn prune(
    store: &dyn Store,
    days: u32,
    now: Timestamp,
    pause: Duration,
) -> orgbase_domain::Result<u64> {
    let cutoff = now - chrono::Duration::days(i64::from(days));
    let mut pruned = 0;
    loop {
        let deleted = store.prune_changes(cutoff, BATCH)?;
        pruned += deleted;
        if deleted < BATCH {
            return Ok(pruned);
        }
        std::thread::sleep(pause);
    }
}

/// Starts the pruning thread: the change log unless `days` is 0 (keep everything), and
/// idempotency keys whose day is over (they replay nothing any more) always.
pub fn start(store: Arc<dyn Store>, days: u32) {
    if days == 0 {
        tracing::info!("the change log keeps every entry (changes_retention_days = 0)");
    }
    let spawned = std::thread::Builder::new()
        .name("orgbase-retention".to_owned())
        .spawn(move || {
            loop {
                let now = time::now();
                if days > 0 {
                    match prune(&*store, days, now, BETWEEN_BATCHES) {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(pruned = n, days, "pruned the change log"),
                        Err(error) => {
                            tracing::warn!(%error, "pruning the change log failed; retrying later")
                        }
                    }
                }
                match store.prune_deliveries(now - webhook::deliveries_kept_for()) {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(pruned = n, "pruned the webhook deliveries log"),
                    Err(error) => {
                        tracing::warn!(%error, "pruning webhook deliveries failed; retrying later")
                    }
                }
                match store.prune_idempotency_keys(now - idempotency::kept_for()) {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(pruned = n, "pruned spent idempotency keys"),
                    Err(error) => {
                        tracing::warn!(%error, "pruning idempotency keys failed; retrying later")
                    }
                }
                std::thread::sleep(EVERY);
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot start pruning the change log");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use orgbase_domain::service::create_organization;
    use orgbase_domain::{ChangeQuery, NewOrganization};
    use orgbase_store_memory::MemoryStore;

    use super::*;

    #[test]
    fn entries_older_than_the_period_go_in_batches_and_newer_ones_stay() {
        let store = MemoryStore::new();
        for n in 0..(BATCH + 5) {
            create_organization(
                &store,
                &NewOrganization::named(format!("Org {n}")),
                time::now(),
            )
            .unwrap();
        }
        let now = time::now();
        assert_eq!(prune(&store, 400, now, Duration::ZERO).unwrap(), 0);
        let later = now + chrono::Duration::days(401);
        assert_eq!(
            prune(&store, 400, later, Duration::ZERO).unwrap(),
            BATCH + 5
        );
        let left = store.list_changes(&ChangeQuery::default()).unwrap();
        assert!(left.items.is_empty());
        assert_eq!(store.change_log_state().unwrap().pruned_through, BATCH + 5);
    }
}
