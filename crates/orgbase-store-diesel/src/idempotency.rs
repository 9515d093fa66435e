//! `Idempotency-Key` entries in SQL. A claim is decided without holding a transaction open:
//! the first request's entry is an `INSERT … ON CONFLICT DO NOTHING` (the primary key lets one
//! of racing requests in), and a spent entry is taken over by an `UPDATE` that names the
//! values it read, so of two requests taking over one entry only one changes a row. The other
//! reads again and sees the new claim.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use orgbase_domain::idempotency::{self, Claim, Entry, IdempotencyKey, StoredResponse};
use orgbase_domain::time::Timestamp;
use orgbase_domain::{Error, Result};

use crate::columns::{to_json, utc};
use crate::connection::{AnyConnection, on_inner};
use crate::errors::from_diesel;
use crate::schema::idempotency_keys as keys;

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = keys)]
struct EntryRow {
    fingerprint: String,
    claimed_at: NaiveDateTime,
    lease_until: NaiveDateTime,
    status: Option<i32>,
    response_headers: Option<String>,
    response_body: Option<String>,
}

impl EntryRow {
    fn entry(&self) -> Result<Entry> {
        let response = match (self.status, &self.response_headers, &self.response_body) {
            (Some(status), Some(headers), Some(body)) => Some(StoredResponse {
                status: u16::try_from(status)
                    .map_err(|_| Error::Backend(format!("a stored status of {status}")))?,
                headers: serde_json::from_str(headers)
                    .map_err(|e| Error::Backend(format!("stored response headers: {e}")))?,
                body: body.clone(),
            }),
            _ => None,
        };
        Ok(Entry {
            fingerprint: self.fingerprint.clone(),
            claimed_at: utc(self.claimed_at),
            lease_until: utc(self.lease_until),
            response,
        })
    }
}

/// The row of `key`.
macro_rules! entry_of {
    ($key:expr) => {
        keys::table
            .filter(keys::api_key_id.eq($key.scope.to_string()))
            .filter(keys::idempotency_key.eq(&$key.key))
    };
}

/// How many times a claim reads again after another request changed the entry under it.
const CLAIM_ROUNDS: u32 = 4;

pub fn claim(
    conn: &mut AnyConnection,
    key: &IdempotencyKey,
    fingerprint: &str,
    now: Timestamp,
) -> Result<Claim> {
    let fresh = Entry::claim(fingerprint, now);
    let (claimed_at, lease_until) = (fresh.claimed_at.naive_utc(), fresh.lease_until.naive_utc());
    for _ in 0..CLAIM_ROUNDS {
        let inserted = on_inner!(conn, |c| diesel::insert_into(keys::table)
            .values((
                keys::api_key_id.eq(key.scope.to_string()),
                keys::idempotency_key.eq(&key.key),
                keys::fingerprint.eq(fingerprint),
                keys::claimed_at.eq(claimed_at),
                keys::lease_until.eq(lease_until),
            ))
            .on_conflict_do_nothing()
            .execute(c))
        .map_err(from_diesel)?;
        if inserted == 1 {
            return Ok(Claim::Run);
        }
        let Some(row) = entry_of!(key)
            .select(EntryRow::as_select())
            .first(conn)
            .optional()
            .map_err(from_diesel)?
        else {
            // Released or pruned since the insert: insert again.
            continue;
        };
        let claim = idempotency::decide(Some(&row.entry()?), fingerprint, now);
        if claim != Claim::Run {
            return Ok(claim);
        }
        let taken = diesel::update(
            entry_of!(key)
                .filter(keys::fingerprint.eq(&row.fingerprint))
                .filter(keys::claimed_at.eq(row.claimed_at))
                .filter(keys::lease_until.eq(row.lease_until)),
        )
        .set((
            keys::fingerprint.eq(fingerprint),
            keys::claimed_at.eq(claimed_at),
            keys::lease_until.eq(lease_until),
            keys::status.eq(None::<i32>),
            keys::response_headers.eq(None::<String>),
            keys::response_body.eq(None::<String>),
        ))
        .execute(conn)
        .map_err(from_diesel)?;
        if taken == 1 {
            return Ok(Claim::Run);
        }
    }
    // Every round lost to another request changing the entry: it is that request's now.
    Ok(Claim::InProgress)
}

pub fn answer(
    conn: &mut AnyConnection,
    key: &IdempotencyKey,
    fingerprint: &str,
    response: &StoredResponse,
) -> Result<()> {
    diesel::update(
        entry_of!(key)
            .filter(keys::fingerprint.eq(fingerprint))
            .filter(keys::status.is_null()),
    )
    .set((
        keys::status.eq(Some(i32::from(response.status))),
        keys::response_headers.eq(Some(to_json(&response.headers))),
        keys::response_body.eq(Some(&response.body)),
    ))
    .execute(conn)
    .map(drop)
    .map_err(from_diesel)
}

pub fn release(conn: &mut AnyConnection, key: &IdempotencyKey, fingerprint: &str) -> Result<()> {
    diesel::delete(
        entry_of!(key)
            .filter(keys::fingerprint.eq(fingerprint))
            .filter(keys::status.is_null()),
    )
    .execute(conn)
    .map(drop)
    .map_err(from_diesel)
}

pub fn prune(conn: &mut AnyConnection, before: Timestamp) -> Result<u64> {
    diesel::delete(keys::table.filter(keys::claimed_at.lt(before.naive_utc())))
        .execute(conn)
        .map(|n| n as u64)
        .map_err(from_diesel)
}
