//! Webhooks in SQL: configuration writes logged as every record's are, and the delivery
//! worker's bookkeeping written only while the webhook is still as the worker read it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use orgbase_domain::change::{ChangeEntry, Snapshot, Version, Write};
use orgbase_domain::query::PageRequest;
use orgbase_domain::time::{self, Timestamp};
use orgbase_domain::{
    DeliveryRecord, DeliveryState, Error, Page, ResourceType, Result, UserId, Webhook, WebhookId,
    WebhookPatch, WebhookSecret,
};

use crate::accounts::{oldest_first, oldest_first_position, to_i64};
use crate::changes;
use crate::columns::{to_json, utc};
use crate::connection::AnyConnection;
use crate::errors::{TxError, from_diesel};
use crate::schema::{webhook_deliveries, webhooks};

/// A webhook's columns, the lease aside (which only [`lease`] and [`release`] write).
#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = webhooks, treat_none_as_null = true)]
struct WebhookRow {
    id: String,
    url: String,
    description: Option<String>,
    events: String,
    active: bool,
    secret: String,
    previous_secret: Option<String>,
    previous_until: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
    last_delivered_sequence: i64,
    last_success_at: Option<NaiveDateTime>,
    last_failure_at: Option<NaiveDateTime>,
    consecutive_failures: i32,
    failing_since: Option<NaiveDateTime>,
    next_attempt_at: Option<NaiveDateTime>,
    disabled_reason: Option<String>,
}

impl From<&Webhook> for WebhookRow {
    fn from(w: &Webhook) -> Self {
        let d = &w.delivery;
        Self {
            id: w.id.to_string(),
            url: w.url.clone(),
            description: w.description.clone(),
            events: to_json(&w.events),
            active: w.active,
            secret: w.secret.expose().to_owned(),
            previous_secret: w
                .previous_secret
                .as_ref()
                .map(|(s, _)| s.expose().to_owned()),
            previous_until: w
                .previous_secret
                .as_ref()
                .map(|(_, until)| until.naive_utc()),
            created_at: w.created_at.naive_utc(),
            updated_at: w.updated_at.naive_utc(),
            version: to_i64(w.version),
            last_delivered_sequence: to_i64(d.last_delivered_sequence),
            last_success_at: d.last_success_at.map(|t| t.naive_utc()),
            last_failure_at: d.last_failure_at.map(|t| t.naive_utc()),
            consecutive_failures: i32::try_from(d.consecutive_failures).unwrap_or(i32::MAX),
            failing_since: d.failing_since.map(|t| t.naive_utc()),
            next_attempt_at: d.next_attempt_at.map(|t| t.naive_utc()),
            disabled_reason: d.disabled_reason.clone(),
        }
    }
}

impl TryFrom<WebhookRow> for Webhook {
    type Error = Error;

    fn try_from(row: WebhookRow) -> Result<Self> {
        let corrupt =
            |what: &str| Error::Backend(format!("webhook {} has an unreadable {what}", row.id));
        Ok(Webhook {
            id: row.id.parse().map_err(|_| corrupt("id"))?,
            events: serde_json::from_str(&row.events).map_err(|_| corrupt("events"))?,
            secret: WebhookSecret::parse(&row.secret).ok_or_else(|| corrupt("secret"))?,
            previous_secret: match (row.previous_secret.as_deref(), row.previous_until) {
                (Some(previous), Some(until)) => Some((
                    WebhookSecret::parse(previous).ok_or_else(|| corrupt("previous secret"))?,
                    utc(until),
                )),
                _ => None,
            },
            url: row.url,
            description: row.description,
            active: row.active,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: u64::try_from(row.version).unwrap_or(0),
            delivery: DeliveryState {
                last_delivered_sequence: u64::try_from(row.last_delivered_sequence).unwrap_or(0),
                last_success_at: row.last_success_at.map(utc),
                last_failure_at: row.last_failure_at.map(utc),
                consecutive_failures: u32::try_from(row.consecutive_failures).unwrap_or(0),
                failing_since: row.failing_since.map(utc),
                next_attempt_at: row.next_attempt_at.map(utc),
                disabled_reason: row.disabled_reason,
            },
        })
    }
}

pub fn insert(
    conn: &mut AnyConnection,
    webhook: &Webhook,
    actor: Option<UserId>,
) -> Result<Version> {
    conn.transaction::<_, TxError, _>(|conn| {
        let entry = ChangeEntry::created(
            ResourceType::Webhooks,
            webhook.id,
            &Snapshot::webhook(webhook),
            time::now(),
            actor,
        );
        let version = changes::record(conn, Some(entry))?;
        diesel::insert_into(webhooks::table)
            .values(WebhookRow::from(&Webhook {
                version,
                ..webhook.clone()
            }))
            .execute(conn)?;
        Ok(version)
    })
    .map_err(Error::from)
}

fn load(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<WebhookRow>> {
    webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn get(conn: &mut AnyConnection, id: WebhookId) -> Result<Webhook> {
    load(conn, &id.to_string())
        .map_err(from_diesel)?
        .ok_or_else(|| Error::webhook_not_found(id))?
        .try_into()
}

pub fn list(conn: &mut AnyConnection, page: PageRequest) -> Result<Page<Webhook>> {
    let scoped = || webhooks::table.into_boxed();
    Ok(oldest_first!(conn, scoped, webhooks, WebhookRow, &page))
}

/// The webhook's row, locked until the transaction ends (a no-op update, which SQLite and
/// PostgreSQL both take as a write lock), and what it holds.
fn locked(conn: &mut AnyConnection, id: WebhookId) -> std::result::Result<Webhook, TxError> {
    let id_text = id.to_string();
    diesel::update(webhooks::table.find(&id_text))
        .set(webhooks::id.eq(webhooks::id))
        .execute(conn)?;
    let row = load(conn, &id_text)?.ok_or_else(|| TxError::Domain(Error::webhook_not_found(id)))?;
    Webhook::try_from(row).map_err(TxError::Domain)
}

pub fn update(
    conn: &mut AnyConnection,
    id: WebhookId,
    patch: &WebhookPatch,
    now: Timestamp,
    write: Write,
) -> Result<Webhook> {
    conn.transaction::<_, TxError, _>(|conn| {
        let mut webhook = locked(conn, id)?;
        if !write.admits(webhook.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        let before = Snapshot::webhook(&webhook);
        if webhook.apply(patch, now) {
            let entry = ChangeEntry::updated(
                ResourceType::Webhooks,
                id,
                &before,
                &Snapshot::webhook(&webhook),
                now,
                write.actor,
            );
            webhook.version = changes::record(conn, entry)?;
            diesel::update(webhooks::table.find(id.to_string()))
                .set(WebhookRow::from(&webhook))
                .execute(conn)?;
        }
        Ok(webhook)
    })
    .map_err(Error::from)
}

/// An admin's write that the change log does not show (a new secret, a rewound position):
/// under the row's lock, the version checked and renewed, the row written whole.
pub fn rewrite(
    conn: &mut AnyConnection,
    id: WebhookId,
    write: Write,
    change: &dyn Fn(&mut Webhook),
) -> Result<Webhook> {
    conn.transaction::<_, TxError, _>(|conn| {
        let mut webhook = locked(conn, id)?;
        if !write.admits(webhook.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        change(&mut webhook);
        webhook.version = changes::record(conn, None)?;
        diesel::update(webhooks::table.find(id.to_string()))
            .set(WebhookRow::from(&webhook))
            .execute(conn)?;
        Ok(webhook)
    })
    .map_err(Error::from)
}

pub fn delete(conn: &mut AnyConnection, id: WebhookId, write: Write) -> Result<()> {
    conn.transaction::<_, TxError, _>(|conn| {
        let webhook = locked(conn, id)?;
        if !write.admits(webhook.version) {
            return Err(TxError::Domain(Error::PreconditionFailed));
        }
        changes::append_all(
            conn,
            &[ChangeEntry::deleted(
                ResourceType::Webhooks,
                id,
                time::now(),
                write.actor,
            )],
        )?;
        diesel::delete(webhooks::table.find(id.to_string())).execute(conn)?;
        Ok(())
    })
    .map_err(Error::from)
}

pub fn active(conn: &mut AnyConnection) -> Result<Vec<Webhook>> {
    webhooks::table
        .filter(webhooks::active.eq(true))
        .order((webhooks::created_at.asc(), webhooks::id.asc()))
        .select(WebhookRow::as_select())
        .load(conn)
        .map_err(from_diesel)?
        .into_iter()
        .map(Webhook::try_from)
        .collect()
}

/// One statement, conditional on the version and `active` the worker read: an admin's
/// change since then wins.
pub fn record_delivery(
    conn: &mut AnyConnection,
    id: WebhookId,
    version: Version,
    state: &DeliveryState,
) -> Result<bool> {
    let at = |t: Option<Timestamp>| t.map(|t| t.naive_utc());
    let updated = diesel::update(
        webhooks::table
            .find(id.to_string())
            .filter(webhooks::version.eq(to_i64(version)))
            .filter(webhooks::active.eq(true)),
    )
    .set((
        webhooks::active.eq(state.disabled_reason.is_none()),
        webhooks::last_delivered_sequence.eq(to_i64(state.last_delivered_sequence)),
        webhooks::last_success_at.eq(at(state.last_success_at)),
        webhooks::last_failure_at.eq(at(state.last_failure_at)),
        webhooks::consecutive_failures
            .eq(i32::try_from(state.consecutive_failures).unwrap_or(i32::MAX)),
        webhooks::failing_since.eq(at(state.failing_since)),
        webhooks::next_attempt_at.eq(at(state.next_attempt_at)),
        webhooks::disabled_reason.eq(&state.disabled_reason),
    ))
    .execute(conn)
    .map_err(from_diesel)?;
    Ok(updated == 1)
}

/// One conditional UPDATE: the row is the lease, and the database decides between racers.
pub fn lease(
    conn: &mut AnyConnection,
    id: WebhookId,
    owner: &str,
    now: Timestamp,
    until: Timestamp,
) -> Result<bool> {
    let granted = diesel::update(
        webhooks::table.find(id.to_string()).filter(
            webhooks::lease_owner
                .is_null()
                .or(webhooks::lease_owner.eq(owner))
                .or(webhooks::lease_until.le(now.naive_utc())),
        ),
    )
    .set((
        webhooks::lease_owner.eq(owner),
        webhooks::lease_until.eq(until.naive_utc()),
    ))
    .execute(conn)
    .map_err(from_diesel)?;
    Ok(granted == 1)
}

pub fn release(conn: &mut AnyConnection, id: WebhookId, owner: &str) -> Result<()> {
    diesel::update(
        webhooks::table
            .find(id.to_string())
            .filter(webhooks::lease_owner.eq(owner)),
    )
    .set((
        webhooks::lease_owner.eq(None::<String>),
        webhooks::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
    .map(drop)
    .map_err(from_diesel)
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries)]
struct DeliveryRow {
    id: String,
    webhook_id: String,
    sequence: i64,
    event_type: String,
    attempt: i32,
    status_code: Option<i32>,
    duration_ms: i64,
    error: Option<String>,
    delivered_at: NaiveDateTime,
    next_attempt_at: Option<NaiveDateTime>,
}

impl From<&DeliveryRecord> for DeliveryRow {
    fn from(d: &DeliveryRecord) -> Self {
        Self {
            id: d.id.to_string(),
            webhook_id: d.webhook_id.to_string(),
            sequence: to_i64(d.sequence),
            event_type: d.event_type.clone(),
            attempt: i32::try_from(d.attempt).unwrap_or(i32::MAX),
            status_code: d.status_code.map(i32::from),
            duration_ms: to_i64(d.duration_ms),
            error: d.error.clone(),
            delivered_at: d.delivered_at.naive_utc(),
            next_attempt_at: d.next_attempt_at.map(|t| t.naive_utc()),
        }
    }
}

impl TryFrom<DeliveryRow> for DeliveryRecord {
    type Error = Error;

    fn try_from(row: DeliveryRow) -> Result<Self> {
        let corrupt =
            |what: &str| Error::Backend(format!("delivery {} has an unreadable {what}", row.id));
        Ok(DeliveryRecord {
            id: row.id.parse().map_err(|_| corrupt("id"))?,
            webhook_id: row.webhook_id.parse().map_err(|_| corrupt("webhook id"))?,
            sequence: u64::try_from(row.sequence).unwrap_or(0),
            event_type: row.event_type,
            attempt: u32::try_from(row.attempt).unwrap_or(0),
            status_code: row.status_code.and_then(|s| u16::try_from(s).ok()),
            duration_ms: u64::try_from(row.duration_ms).unwrap_or(0),
            error: row.error,
            delivered_at: utc(row.delivered_at),
            next_attempt_at: row.next_attempt_at.map(utc),
        })
    }
}

pub fn append_delivery(conn: &mut AnyConnection, record: &DeliveryRecord) -> Result<()> {
    diesel::insert_into(webhook_deliveries::table)
        .values(DeliveryRow::from(record))
        .execute(conn)
        .map(drop)
        .map_err(from_diesel)
}

pub fn list_deliveries(
    conn: &mut AnyConnection,
    webhook: WebhookId,
    page: PageRequest,
) -> Result<Page<DeliveryRecord>> {
    let webhook = webhook.to_string();
    let scoped = || {
        webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(webhook.clone()))
            .into_boxed()
    };
    Ok(oldest_first!(
        conn,
        scoped,
        webhook_deliveries,
        DeliveryRow,
        &page,
        delivered_at
    ))
}

pub fn prune_deliveries(conn: &mut AnyConnection, before: Timestamp) -> Result<u64> {
    diesel::delete(
        webhook_deliveries::table.filter(webhook_deliveries::delivered_at.lt(before.naive_utc())),
    )
    .execute(conn)
    .map(|n| n as u64)
    .map_err(from_diesel)
}
