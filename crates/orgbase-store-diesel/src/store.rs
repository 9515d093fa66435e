//! [`DieselStore`]: the [`Store`] trait on SQLite or PostgreSQL. It owns the pool and this
//! process's SQLite writer queue, picks the connection each call needs (a writer for
//! writes, see [`crate::leases`]), and delegates the SQL to [`crate::organizations`],
//! [`crate::accounts`] and [`crate::custom_fields`]. The same calls serve the work of
//! [`Store::atomically`], on the one connection of its transaction.

use std::sync::{Mutex, PoisonError};

use diesel::prelude::*;
use orgbase_domain::change::{LogState, Version, Write};
use orgbase_domain::document::Document;
use orgbase_domain::idempotency::{Claim, IdempotencyKey, StoredResponse};
use orgbase_domain::import::{ImportOutcome, ImportRow, import_row, import_rows};
use orgbase_domain::project::Project;
use orgbase_domain::query::PageRequest;
use orgbase_domain::task::Task;
use orgbase_domain::time::Timestamp;
use orgbase_domain::{
    ApiKey, ApiKeyId, Change, ChangeQuery, Contact, ContactId, ContactPatch, CustomField,
    CustomFieldId, CustomFieldPatch, CustomFields, CustomValue, DeliveryRecord, DeliveryState,
    DocumentId, DocumentPatch, Error, ListQuery, Membership, MembershipId, MembershipPatch,
    Organization, OrganizationId, OrganizationPatch, Page, ProjectId, ProjectPatch, Result, Store,
    TaskId, TaskPatch, User, UserId, UserPatch, Webhook, WebhookId, WebhookPatch, WebhookSecret,
};

use crate::accounts;
use crate::changes;
use crate::connection::{
    self, AnyConnection, ConnectError, DatabaseTarget, Manager, Pool, PoolOptions,
};
use crate::contacts;
use crate::custom_fields;
use crate::documents;
use crate::errors::{TxError, from_diesel, from_pool, is_transient};
use crate::idempotency;
use crate::leases::{Connections, InTransaction, PoolLease};
use crate::memberships;
use crate::migrations;
use crate::organizations;
use crate::projects;
use crate::tasks;
use crate::webhooks;

/// A [`Store`] on SQLite or PostgreSQL.
#[derive(Debug)]
pub struct DieselStore {
    pool: Pool,
    target: DatabaseTarget,
    /// SQLite takes one writer at a time, and a writer that finds the database locked waits
    /// in SQLite's busy handler, which sleeps in steps of up to 100 ms: under concurrent
    /// writes that put a p99 of half a second on creates. So this process queues its own
    /// SQLite writers here, and each starts the moment the previous one commits. (Other
    /// processes on the same file still meet the busy timeout.) PostgreSQL locks rows.
    sqlite_writers: Option<Mutex<()>>,
}

impl DieselStore {
    /// Connects to `target` once (so a wrong password or a missing server is reported in the
    /// database's own words) and builds the pool. Migrations are separate:
    /// [`DieselStore::run_migrations`].
    pub fn open(
        target: DatabaseTarget,
        options: &PoolOptions,
    ) -> std::result::Result<Self, ConnectError> {
        let manager = Manager {
            target: target.clone(),
            sqlite_busy_timeout: options.sqlite_busy_timeout,
            sqlite_cache_kib: options.sqlite_cache_kib,
        };
        drop(manager.open()?);
        let sqlite_writers = matches!(target, DatabaseTarget::Sqlite(_)).then(Mutex::default);
        Ok(Self {
            pool: connection::pool(manager, options),
            target,
            sqlite_writers,
        })
    }

    /// Applies pending migrations; returns the versions applied.
    pub fn run_migrations(&self) -> std::result::Result<Vec<String>, ConnectError> {
        let fail = |message: String| ConnectError::Migrate {
            target: self.target.to_string(),
            message,
        };
        let mut conn = self.pool.get().map_err(|e| fail(e.to_string()))?;
        migrations::run_pending(&mut conn).map_err(|e| fail(e.to_string()))
    }

    pub fn target(&self) -> &DatabaseTarget {
        &self.target
    }
}

impl Connections for DieselStore {
    type Lease<'a> = PoolLease<'a>;

    fn reader(&self) -> Result<PoolLease<'_>> {
        Ok(PoolLease {
            conn: self.pool.get().map_err(from_pool)?,
            _turn: None,
        })
    }

    fn writer(&self) -> Result<PoolLease<'_>> {
        // A writer that panicked rolled back; the turn itself holds no data.
        let turn = self
            .sqlite_writers
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(PoisonError::into_inner));
        Ok(PoolLease {
            conn: self.pool.get().map_err(from_pool)?,
            _turn: turn,
        })
    }
}

/// The store's calls, written once for both sources of connections: the pool
/// ([`DieselStore`]) and a transaction in progress ([`InTransaction`]).
macro_rules! sql_store {
    ($store:ty) => {
impl Store for $store {
    fn insert_organization(&self, organization: &Organization) -> Result<Version> {
        organizations::insert(&mut *Connections::writer(self)?, organization)
    }

    fn insert_organizations(&self, organizations: &[Organization]) -> Result<Vec<Version>> {
        organizations::insert_many(&mut *Connections::writer(self)?, organizations)
    }

    fn import_organizations(&self, rows: &[ImportRow], now: Timestamp) -> Vec<ImportOutcome> {
        let batched = Connections::writer(self).and_then(|mut conn| {
            conn.transaction::<_, TxError, _>(|conn| organizations::import::batch(conn, rows, now))
                .map_err(Error::from)
        });
        // The connection is given back here: the reference path takes its own.
        match batched {
            Ok(outcomes) => outcomes
                .into_iter()
                .zip(rows)
                .map(|(done, row)| done.unwrap_or_else(|| import_row(self, row, now)))
                .collect(),
            Err(error) => {
                tracing::debug!(%error, "an import batch failed as a whole; importing its rows one by one");
                import_rows(self, rows, now)
            }
        }
    }

    fn get_organization(&self, id: OrganizationId) -> Result<Organization> {
        organizations::get(&mut *Connections::reader(self)?, id)
    }

    fn find_organization_by_name(&self, name: &str) -> Result<Option<Organization>> {
        organizations::find_by_name(&mut *Connections::reader(self)?, name)
    }

    fn find_organization_by_custom_value(
        &self,
        field: CustomFieldId,
        value: &CustomValue,
    ) -> Result<Option<Organization>> {
        organizations::find_by_custom_value(&mut *Connections::reader(self)?, field, value)
    }

    fn update_organization(
        &self,
        id: OrganizationId,
        patch: &OrganizationPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Organization> {
        organizations::update(&mut *Connections::writer(self)?, id, patch, now, write)
    }

    fn delete_organization(&self, id: OrganizationId, write: Write) -> Result<()> {
        organizations::delete(&mut *Connections::writer(self)?, id, write)
    }

    fn list_organizations(&self, query: &ListQuery) -> Result<Page<Organization>> {
        organizations::list(&mut *Connections::reader(self)?, query)
    }

    fn insert_contact(&self, contact: &Contact) -> Result<Version> {
        contacts::insert(&mut *Connections::writer(self)?, contact)
    }

    fn get_contact(&self, id: ContactId) -> Result<Contact> {
        contacts::get(&mut *Connections::reader(self)?, id)
    }

    fn update_contact(
        &self,
        id: ContactId,
        patch: &ContactPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Contact> {
        contacts::update(&mut *Connections::writer(self)?, id, patch, now, write)
    }

    fn delete_contact(&self, id: ContactId, write: Write) -> Result<()> {
        contacts::delete(&mut *Connections::writer(self)?, id, write)
    }

    fn list_contacts(&self, query: &ListQuery) -> Result<Page<Contact>> {
        contacts::list(&mut *Connections::reader(self)?, query)
    }

    fn insert_document(&self, document: &Document, actor: Option<UserId>) -> Result<Version> {
        documents::insert(&mut *Connections::writer(self)?, document, actor)
    }

    fn get_document(&self, id: DocumentId) -> Result<Document> {
        documents::get(&mut *Connections::reader(self)?, id)
    }

    fn update_document(
        &self,
        id: DocumentId,
        patch: &DocumentPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Document> {
        documents::update(&mut *Connections::writer(self)?, id, patch, now, write)
    }

    fn delete_document(&self, id: DocumentId, write: Write) -> Result<()> {
        documents::delete(&mut *Connections::writer(self)?, id, write)
    }

    fn list_documents(&self, query: &ListQuery) -> Result<Page<Document>> {
        documents::list(&mut *Connections::reader(self)?, query)
    }

    fn insert_project(&self, project: &Project, actor: Option<UserId>) -> Result<Version> {
        projects::insert(&mut *Connections::writer(self)?, project, actor)
    }

    fn get_project(&self, id: ProjectId) -> Result<Project> {
        projects::get(&mut *Connections::reader(self)?, id)
    }

    fn update_project(
        &self,
        id: ProjectId,
        patch: &ProjectPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Project> {
        projects::update(&mut *Connections::writer(self)?, id, patch, now, write)
    }

    fn delete_project(&self, id: ProjectId, write: Write) -> Result<()> {
        projects::delete(&mut *Connections::writer(self)?, id, write)
    }

    fn list_projects(&self, query: &ListQuery) -> Result<Page<Project>> {
        projects::list(&mut *Connections::reader(self)?, query)
    }

    fn insert_task(&self, task: &Task, actor: Option<UserId>) -> Result<Version> {
        tasks::insert(&mut *Connections::writer(self)?, task, actor)
    }

    fn get_task(&self, id: TaskId) -> Result<Task> {
        tasks::get(&mut *Connections::reader(self)?, id)
    }

    fn update_task(
        &self,
        id: TaskId,
        patch: &TaskPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Task> {
        tasks::update(&mut *Connections::writer(self)?, id, patch, now, write)
    }

    fn delete_task(&self, id: TaskId, write: Write) -> Result<()> {
        tasks::delete(&mut *Connections::writer(self)?, id, write)
    }

    fn list_tasks(&self, query: &ListQuery) -> Result<Page<Task>> {
        tasks::list(&mut *Connections::reader(self)?, query)
    }

    fn insert_membership(
        &self,
        membership: &Membership,
        actor: Option<UserId>,
    ) -> Result<Version> {
        memberships::insert(&mut *Connections::writer(self)?, membership, actor)
    }

    fn get_membership(&self, id: MembershipId) -> Result<Membership> {
        memberships::get(&mut *Connections::reader(self)?, id)
    }

    fn update_membership(
        &self,
        id: MembershipId,
        patch: &MembershipPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Membership> {
        memberships::update(&mut *Connections::writer(self)?, id, patch, now, write)
    }

    fn delete_membership(&self, id: MembershipId, write: Write) -> Result<()> {
        memberships::delete(&mut *Connections::writer(self)?, id, write)
    }

    fn list_memberships(&self, query: &ListQuery) -> Result<Page<Membership>> {
        memberships::list(&mut *Connections::reader(self)?, query)
    }

    fn check_health(&self) -> Result<()> {
        let mut conn = Connections::reader(self)?;
        diesel::sql_query("SELECT 1")
            .execute(&mut *conn)
            .map_err(from_diesel)?;
        Ok(())
    }

    fn insert_user(&self, user: &User, actor: Option<UserId>) -> Result<Version> {
        accounts::insert_user(&mut *Connections::writer(self)?, user, actor)
    }

    fn get_user(&self, id: UserId) -> Result<User> {
        accounts::get_user(&mut *Connections::reader(self)?, id)
    }

    fn get_users(&self, ids: &[UserId]) -> Result<Vec<User>> {
        accounts::get_users(&mut *Connections::reader(self)?, ids)
    }

    fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        accounts::find_user_by_email(&mut *Connections::reader(self)?, email)
    }

    fn list_users(&self, page: PageRequest) -> Result<Page<User>> {
        accounts::list_users(&mut *Connections::reader(self)?, page)
    }

    fn update_user(&self, id: UserId, patch: &UserPatch, write: Write) -> Result<User> {
        accounts::update_user(&mut *Connections::writer(self)?, id, patch, write)
    }

    fn delete_user(&self, id: UserId, reassign_to: Option<UserId>, write: Write) -> Result<()> {
        accounts::delete_user(&mut *Connections::writer(self)?, id, reassign_to, write)
    }

    fn count_users(&self) -> Result<u64> {
        accounts::count_users(&mut *Connections::reader(self)?)
    }

    fn insert_api_key(&self, key: &ApiKey, actor: Option<UserId>) -> Result<Version> {
        accounts::insert_api_key(&mut *Connections::writer(self)?, key, actor)
    }

    fn get_api_key(&self, id: ApiKeyId) -> Result<ApiKey> {
        accounts::get_api_key(&mut *Connections::reader(self)?, id)
    }

    fn list_api_keys(&self, user: Option<UserId>, page: PageRequest) -> Result<Page<ApiKey>> {
        accounts::list_api_keys(&mut *Connections::reader(self)?, user, page)
    }

    fn delete_api_key(&self, id: ApiKeyId, write: Write) -> Result<()> {
        accounts::delete_api_key(&mut *Connections::writer(self)?, id, write)
    }

    fn find_api_keys_by_prefix(&self, prefix: &str) -> Result<Vec<(ApiKey, User)>> {
        accounts::find_api_keys_by_prefix(&mut *Connections::reader(self)?, prefix)
    }

    fn touch_api_key(&self, id: ApiKeyId, at: Timestamp) -> Result<()> {
        accounts::touch_api_key(&mut *Connections::writer(self)?, id, at)
    }

    fn insert_custom_field(&self, field: &CustomField, actor: Option<UserId>) -> Result<Version> {
        custom_fields::insert(&mut *Connections::writer(self)?, field, actor)
    }

    fn get_custom_field(&self, id: CustomFieldId) -> Result<CustomField> {
        custom_fields::get(&mut *Connections::reader(self)?, id)
    }

    fn list_custom_fields(&self) -> Result<CustomFields> {
        custom_fields::list(&mut *Connections::reader(self)?)
    }

    fn update_custom_field(
        &self,
        id: CustomFieldId,
        patch: &CustomFieldPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<CustomField> {
        custom_fields::update(&mut *Connections::writer(self)?, id, patch, now, write)
    }

    fn delete_custom_field(&self, id: CustomFieldId, write: Write) -> Result<()> {
        custom_fields::delete(&mut *Connections::writer(self)?, id, write)
    }

    fn list_changes(&self, query: &ChangeQuery) -> Result<Page<Change>> {
        changes::list(&mut *Connections::reader(self)?, query)
    }

    fn change_log_state(&self) -> Result<LogState> {
        changes::state(&mut *Connections::reader(self)?).map_err(from_diesel)
    }

    fn prune_changes(&self, before: Timestamp, limit: u64) -> Result<u64> {
        changes::prune(&mut *Connections::writer(self)?, before, limit)
    }

    fn insert_webhook(&self, webhook: &Webhook, actor: Option<UserId>) -> Result<Version> {
        webhooks::insert(&mut *Connections::writer(self)?, webhook, actor)
    }

    fn get_webhook(&self, id: WebhookId) -> Result<Webhook> {
        webhooks::get(&mut *Connections::reader(self)?, id)
    }

    fn list_webhooks(&self, page: PageRequest) -> Result<Page<Webhook>> {
        webhooks::list(&mut *Connections::reader(self)?, page)
    }

    fn update_webhook(
        &self,
        id: WebhookId,
        patch: &WebhookPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Webhook> {
        webhooks::update(&mut *Connections::writer(self)?, id, patch, now, write)
    }

    fn delete_webhook(&self, id: WebhookId, write: Write) -> Result<()> {
        webhooks::delete(&mut *Connections::writer(self)?, id, write)
    }

    fn rotate_webhook_secret(
        &self,
        id: WebhookId,
        secret: &WebhookSecret,
        now: Timestamp,
        write: Write,
    ) -> Result<Webhook> {
        webhooks::rewrite(&mut *Connections::writer(self)?, id, write, &|webhook| {
            webhook.rotate(secret.clone(), now)
        })
    }

    fn rewind_webhook(&self, id: WebhookId, position: u64, write: Write) -> Result<Webhook> {
        webhooks::rewrite(&mut *Connections::writer(self)?, id, write, &|webhook| {
            webhook.rewind(position)
        })
    }

    fn active_webhooks(&self) -> Result<Vec<Webhook>> {
        webhooks::active(&mut *Connections::reader(self)?)
    }

    fn record_delivery(
        &self,
        id: WebhookId,
        version: Version,
        state: &DeliveryState,
    ) -> Result<bool> {
        webhooks::record_delivery(&mut *Connections::writer(self)?, id, version, state)
    }

    fn append_delivery(&self, record: &DeliveryRecord) -> Result<()> {
        webhooks::append_delivery(&mut *Connections::writer(self)?, record)
    }

    fn list_deliveries(
        &self,
        webhook: WebhookId,
        page: PageRequest,
    ) -> Result<Page<DeliveryRecord>> {
        webhooks::list_deliveries(&mut *Connections::reader(self)?, webhook, page)
    }

    fn prune_deliveries(&self, before: Timestamp) -> Result<u64> {
        webhooks::prune_deliveries(&mut *Connections::writer(self)?, before)
    }

    fn lease_webhook(
        &self,
        id: WebhookId,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool> {
        webhooks::lease(&mut *Connections::writer(self)?, id, owner, now, until)
    }

    fn release_webhook(&self, id: WebhookId, owner: &str) -> Result<()> {
        webhooks::release(&mut *Connections::writer(self)?, id, owner)
    }

    fn claim_idempotency_key(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        now: Timestamp,
    ) -> Result<Claim> {
        idempotency::claim(&mut *Connections::writer(self)?, key, fingerprint, now)
    }

    fn answer_idempotency_key(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        response: &StoredResponse,
    ) -> Result<()> {
        idempotency::answer(&mut *Connections::writer(self)?, key, fingerprint, response)
    }

    fn release_idempotency_key(&self, key: &IdempotencyKey, fingerprint: &str) -> Result<()> {
        idempotency::release(&mut *Connections::writer(self)?, key, fingerprint)
    }

    fn prune_idempotency_keys(&self, before: Timestamp) -> Result<u64> {
        idempotency::prune(&mut *Connections::writer(self)?, before)
    }

    fn atomically(&self, work: &mut dyn FnMut(&dyn Store) -> Result<()>) -> Result<()> {
        // Two such transactions can deadlock on PostgreSQL, which then aborts one of them:
        // the work runs again from the start, a few times, before the failure is answered.
        let mut attempts = 1;
        loop {
            match atomically_once(Connections::writer(self)?, work) {
                Err(error) if is_transient(&error) && attempts < TRANSIENT_ATTEMPTS => {
                    tracing::debug!(%error, attempts, "an atomic write met a deadlock; running it again");
                    attempts += 1;
                }
                outcome => return outcome,
            }
        }
    }
}
    };
}

/// How many times [`Store::atomically`] runs work that meets a deadlock.
const TRANSIENT_ATTEMPTS: u32 = 5;

/// One attempt of [`Store::atomically`], on the writer `conn`.
fn atomically_once(
    mut conn: impl std::ops::DerefMut<Target = AnyConnection>,
    work: &mut dyn FnMut(&dyn Store) -> Result<()>,
) -> Result<()> {
    let mut failure = None;
    let outcome = conn.transaction::<_, TxError, _>(|conn| {
        if matches!(conn, AnyConnection::Sqlite(_)) {
            // Take SQLite's write lock before the work reads anything: a read transaction
            // that later writes fails when another process wrote in between. (PostgreSQL
            // locks rows as the writes reach them.)
            changes::hold_sqlite_write_lock(conn)?;
        }
        // Kept aside, so that the rollback is not mistaken for a storage failure.
        work(&InTransaction::new(conn)).map_err(|error| {
            failure = Some(error);
            TxError::Domain(Error::GaveUp)
        })
    });
    match (outcome, failure) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(error)) => Err(error),
        (Err(error), None) => Err(Error::from(error)),
    }
}

sql_store!(DieselStore);
sql_store!(InTransaction<'_>);
