//! Idempotency keys on every backend: a key runs once and then replays its answer, a
//! different request under it is refused, keys of different callers never meet, an
//! unanswered claim blocks until it is released or its lease ends, and of racing retries of
//! one key exactly one runs.

use std::sync::{Arc, Barrier};
use std::thread;

use chrono::Duration;
use orgbase_domain::idempotency::{self, Claim, IdempotencyKey, StoredResponse};
use orgbase_domain::{ApiKeyId, Store, time};

fn key(scope: ApiKeyId, key: &str) -> IdempotencyKey {
    IdempotencyKey {
        scope,
        key: key.to_owned(),
    }
}

fn created(body: &str) -> StoredResponse {
    StoredResponse {
        status: 201,
        headers: vec![
            ("content-type".into(), "application/vnd.api+json".into()),
            ("location".into(), "http://localhost/organizations/1".into()),
        ],
        body: body.to_owned(),
    }
}

pub fn a_key_runs_once_then_replays_its_answer(store: &Arc<dyn Store>) {
    let (alice, bob) = (ApiKeyId::generate(), ApiKeyId::generate());
    let now = time::now();
    let k = key(alice, "8e03978e-40d5-43e8-bc93-6894a57f9324");
    assert_eq!(
        store.claim_idempotency_key(&k, "f1", now).unwrap(),
        Claim::Run
    );
    // Until it answers, a retry waits and a different request is refused.
    assert_eq!(
        store.claim_idempotency_key(&k, "f1", now).unwrap(),
        Claim::InProgress
    );
    assert_eq!(
        store.claim_idempotency_key(&k, "f2", now).unwrap(),
        Claim::Reused
    );
    // Another caller's key of the same text is another key.
    let theirs = key(bob, &k.key);
    assert_eq!(
        store.claim_idempotency_key(&theirs, "f2", now).unwrap(),
        Claim::Run
    );

    let answer = created("{\"data\": {\"type\": \"organizations\", \"id\": \"…\"}}");
    store.answer_idempotency_key(&k, "f1", &answer).unwrap();
    assert_eq!(
        store.claim_idempotency_key(&k, "f1", now).unwrap(),
        Claim::Replay(answer.clone())
    );
    // An answer is stored once: a second one for the same claim changes nothing.
    store
        .answer_idempotency_key(&k, "f1", &created("{}"))
        .unwrap();
    let later = now + Duration::hours(23);
    assert_eq!(
        store.claim_idempotency_key(&k, "f1", later).unwrap(),
        Claim::Replay(answer)
    );
    assert_eq!(
        store.claim_idempotency_key(&k, "f2", later).unwrap(),
        Claim::Reused
    );
    // After a day the key is free again, for any request.
    let next_day = now + Duration::hours(24);
    assert_eq!(
        store.claim_idempotency_key(&k, "f2", next_day).unwrap(),
        Claim::Run
    );
}

pub fn an_unanswered_claim_is_released_or_ends_with_its_lease(store: &Arc<dyn Store>) {
    let scope = ApiKeyId::generate();
    let now = time::now();
    let k = key(scope, "released");
    assert_eq!(
        store.claim_idempotency_key(&k, "f", now).unwrap(),
        Claim::Run
    );
    // A release by another request's fingerprint is not this claim's.
    store.release_idempotency_key(&k, "other").unwrap();
    assert_eq!(
        store.claim_idempotency_key(&k, "f", now).unwrap(),
        Claim::InProgress
    );
    store.release_idempotency_key(&k, "f").unwrap();
    assert_eq!(
        store.claim_idempotency_key(&k, "f", now).unwrap(),
        Claim::Run
    );

    // A server that stopped mid-request never answers: the key frees when the lease ends.
    let k = key(scope, "abandoned");
    assert_eq!(
        store.claim_idempotency_key(&k, "f", now).unwrap(),
        Claim::Run
    );
    let almost = now + idempotency::lease() - Duration::seconds(1);
    assert_eq!(
        store.claim_idempotency_key(&k, "f", almost).unwrap(),
        Claim::InProgress
    );
    let after = now + idempotency::lease();
    assert_eq!(
        store.claim_idempotency_key(&k, "g", after).unwrap(),
        Claim::Run
    );
    // The abandoned request's late answer is not the new claim's.
    store
        .answer_idempotency_key(&k, "f", &created("late"))
        .unwrap();
    assert_eq!(
        store.claim_idempotency_key(&k, "g", after).unwrap(),
        Claim::InProgress
    );

    // Pruning removes entries claimed before the cutoff, and only those.
    let pruned = store
        .prune_idempotency_keys(now + Duration::seconds(1))
        .unwrap();
    assert_eq!(pruned, 1, "the released-then-claimed entry");
    assert_eq!(
        store.claim_idempotency_key(&k, "g", after).unwrap(),
        Claim::InProgress,
        "the entry claimed after the cutoff stays"
    );
}

pub fn racing_retries_of_one_key_run_once(store: &Arc<dyn Store>) {
    const RETRIES: usize = 16;
    let k = key(ApiKeyId::generate(), "raced");
    let barrier = Arc::new(Barrier::new(RETRIES));
    let handles: Vec<_> = (0..RETRIES)
        .map(|_| {
            let (store, barrier, k) = (Arc::clone(store), Arc::clone(&barrier), k.clone());
            thread::spawn(move || {
                barrier.wait();
                let claim = store.claim_idempotency_key(&k, "f", time::now()).unwrap();
                if claim == Claim::Run {
                    store
                        .answer_idempotency_key(&k, "f", &created("first"))
                        .unwrap();
                }
                claim
            })
        })
        .collect();
    let claims: Vec<Claim> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let runs = claims.iter().filter(|c| **c == Claim::Run).count();
    assert_eq!(runs, 1, "{claims:?}");
    assert!(
        claims.iter().all(|c| matches!(
            c,
            Claim::Run | Claim::InProgress | Claim::Replay(StoredResponse { status: 201, .. })
        )),
        "{claims:?}"
    );
    assert_eq!(
        store.claim_idempotency_key(&k, "f", time::now()).unwrap(),
        Claim::Replay(created("first"))
    );
}
