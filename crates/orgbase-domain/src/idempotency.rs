//! `Idempotency-Key`: a POST retried with the key of a request that already ran gets that
//! request's answer instead of running again. The first request claims the key (scoped to the
//! caller's API key) with its fingerprint; its answer is stored with the claim and replayed
//! for [`kept_for`]. Stores keep the entries; [`decide`] is the rule every store applies
//! under its own lock or transaction, so racing requests with one key get one run.

use chrono::Duration;

use crate::ids::ApiKeyId;
use crate::time::Timestamp;

/// The longest key accepted, in characters.
pub const KEY_MAX_CHARS: usize = 255;

/// How long an answer is replayed, from the first request's claim.
pub fn kept_for() -> Duration {
    Duration::hours(24)
}

/// How long a claim whose request never answered (the server stopped mid-request) blocks
/// retries. After it a retry runs again. Longer than any request orgbase serves.
pub fn lease() -> Duration {
    Duration::seconds(60)
}

/// A key as one caller sent it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    /// The caller's API key: keys of different callers never meet.
    pub scope: ApiKeyId,
    pub key: String,
}

/// An answer as it is replayed: status, the headers that describe the body, and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// A key's stored entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// What the first request was (its path, query and body, hashed).
    pub fingerprint: String,
    pub claimed_at: Timestamp,
    /// Until when the running first request holds the key.
    pub lease_until: Timestamp,
    /// The first request's answer; `None` while it runs.
    pub response: Option<StoredResponse>,
}

impl Entry {
    /// A fresh claim by a request with this fingerprint.
    pub fn claim(fingerprint: &str, now: Timestamp) -> Self {
        Self {
            fingerprint: fingerprint.to_owned(),
            claimed_at: now,
            lease_until: now + lease(),
            response: None,
        }
    }

    /// Whether the entry no longer binds the key: its answer's time is over, or its request
    /// stopped without answering.
    fn is_spent(&self, now: Timestamp) -> bool {
        self.claimed_at + kept_for() <= now || (self.response.is_none() && self.lease_until <= now)
    }
}

/// What a request with a key may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Run: the key is this request's now (stores have written [`Entry::claim`]).
    Run,
    /// Answer this, the first request's answer, and change nothing.
    Replay(StoredResponse),
    /// The first request with this key is still running.
    InProgress,
    /// The key was used for a different request.
    Reused,
}

/// The rule for a request with `fingerprint` arriving at `now`, given the key's entry.
/// [`Claim::Run`] means the store must (re)write the entry as [`Entry::claim`], in the same
/// transaction or under the same lock it read `existing` in.
pub fn decide(existing: Option<&Entry>, fingerprint: &str, now: Timestamp) -> Claim {
    match existing {
        None => Claim::Run,
        Some(entry) if entry.is_spent(now) => Claim::Run,
        Some(entry) if entry.fingerprint != fingerprint => Claim::Reused,
        Some(Entry {
            response: Some(response),
            ..
        }) => Claim::Replay(response.clone()),
        Some(_) => Claim::InProgress,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time;

    fn answered(fingerprint: &str, at: Timestamp) -> Entry {
        Entry {
            response: Some(StoredResponse {
                status: 201,
                headers: vec![],
                body: "{}".into(),
            }),
            ..Entry::claim(fingerprint, at)
        }
    }

    #[test]
    fn a_key_runs_once_then_replays_for_a_day() {
        let now = time::now();
        assert_eq!(decide(None, "a", now), Claim::Run);
        let entry = answered("a", now);
        assert!(matches!(decide(Some(&entry), "a", now), Claim::Replay(r) if r.status == 201));
        assert_eq!(decide(Some(&entry), "b", now), Claim::Reused);
        let later = now + Duration::hours(23);
        assert!(matches!(decide(Some(&entry), "a", later), Claim::Replay(_)));
        let next_day = now + Duration::hours(24);
        assert_eq!(decide(Some(&entry), "b", next_day), Claim::Run);
    }

    #[test]
    fn a_running_claim_holds_the_key_until_its_lease_ends() {
        let now = time::now();
        let running = Entry::claim("a", now);
        assert_eq!(decide(Some(&running), "a", now), Claim::InProgress);
        assert_eq!(decide(Some(&running), "b", now), Claim::Reused);
        assert_eq!(
            decide(Some(&running), "a", now + lease() - Duration::seconds(1)),
            Claim::InProgress
        );
        assert_eq!(decide(Some(&running), "a", now + lease()), Claim::Run);
    }
}
