//! A storage backend of your own: a decorator that wraps any other [`Store`] and refuses every
//! write, e.g. to serve a read replica. Plugging a backend in is implementing the trait and
//! handing an `Arc<dyn Store>` to the HTTP layer; `orgbase_store_tests::conformance_suite!`
//! then checks a real backend against the reference.
//!
//! ```sh
//! cargo run --example read_only_store            # shows reads pass and writes are refused
//! cargo run --example read_only_store -- serve    # and serves it on 127.0.0.1:8080 (its
//!                                                  # primary has no users: /healthz only)
//! ```

use std::sync::Arc;

use orgbase_domain::change::LogState;
use orgbase_domain::idempotency::{Claim, IdempotencyKey, StoredResponse};
use orgbase_domain::import::{ImportOutcome, ImportRow};
use orgbase_domain::query::PageRequest;
use orgbase_domain::service::create_organization;
use orgbase_domain::time::{self, Timestamp};
use orgbase_domain::{
    ApiKey, ApiKeyId, Change, ChangeQuery, CustomField, CustomFieldId, CustomFieldPatch,
    CustomFields, DeliveryState, Error, ListQuery, Membership, NewOrganization, Organization,
    OrganizationId, OrganizationPatch, Page, Result, Store, User, UserId, UserPatch, Version,
    Webhook, WebhookId, WebhookPatch, WebhookSecret, Write,
};
use orgbase_store_memory::MemoryStore;

/// Reads go to `inner`; writes are refused with 503 `unavailable`, which clients may retry
/// against the primary.
#[derive(Debug)]
struct ReadOnlyStore {
    inner: Arc<dyn Store>,
}

fn refused<T>() -> Result<T> {
    Err(Error::Unavailable(
        "this orgbase is a read-only replica".to_owned(),
    ))
}

impl Store for ReadOnlyStore {
    fn insert_organization(&self, _: &Organization) -> Result<Version> {
        refused()
    }
    fn get_organization(&self, id: OrganizationId) -> Result<Organization> {
        self.inner.get_organization(id)
    }
    fn find_organization_by_name(&self, name: &str) -> Result<Option<Organization>> {
        self.inner.find_organization_by_name(name)
    }
    fn find_organization_by_custom_value(
        &self,
        field: CustomFieldId,
        value: &orgbase_domain::CustomValue,
    ) -> Result<Option<Organization>> {
        self.inner.find_organization_by_custom_value(field, value)
    }
    fn update_organization(
        &self,
        _: OrganizationId,
        _: &OrganizationPatch,
        _: Timestamp,
        _: Write,
    ) -> Result<Organization> {
        refused()
    }
    fn delete_organization(&self, _: OrganizationId, _: Write) -> Result<()> {
        refused()
    }
    fn list_organizations(&self, query: &ListQuery) -> Result<Page<Organization>> {
        self.inner.list_organizations(query)
    }
    fn import_organizations(&self, rows: &[ImportRow], _: Timestamp) -> Vec<ImportOutcome> {
        rows.iter()
            .map(|_| ImportOutcome::Failed(Error::Unavailable("read-only".to_owned())))
            .collect()
    }
    fn check_health(&self) -> Result<()> {
        self.inner.check_health()
    }
    fn insert_user(&self, _: &User, _: Option<UserId>) -> Result<Version> {
        refused()
    }
    fn get_user(&self, id: UserId) -> Result<User> {
        self.inner.get_user(id)
    }
    fn get_users(&self, ids: &[UserId]) -> Result<Vec<User>> {
        self.inner.get_users(ids)
    }
    fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        self.inner.find_user_by_email(email)
    }
    fn list_users(&self, page: PageRequest) -> Result<Page<User>> {
        self.inner.list_users(page)
    }
    fn update_user(&self, _: UserId, _: &UserPatch, _: Write) -> Result<User> {
        refused()
    }
    fn delete_user(&self, _: UserId, _: Option<UserId>, _: Write) -> Result<()> {
        refused()
    }
    fn count_users(&self) -> Result<u64> {
        self.inner.count_users()
    }
    fn insert_api_key(&self, _: &ApiKey, _: Option<UserId>) -> Result<Version> {
        refused()
    }
    fn get_api_key(&self, id: ApiKeyId) -> Result<ApiKey> {
        self.inner.get_api_key(id)
    }
    fn list_api_keys(&self, user: Option<UserId>, page: PageRequest) -> Result<Page<ApiKey>> {
        self.inner.list_api_keys(user, page)
    }
    fn delete_api_key(&self, _: ApiKeyId, _: Write) -> Result<()> {
        refused()
    }
    fn find_api_keys_by_prefix(&self, prefix: &str) -> Result<Vec<(ApiKey, User)>> {
        self.inner.find_api_keys_by_prefix(prefix)
    }
    /// Recording a key's last use is bookkeeping, not data: a replica skips it.
    fn touch_api_key(&self, _: ApiKeyId, _: Timestamp) -> Result<()> {
        Ok(())
    }
    fn insert_custom_field(&self, _: &CustomField, _: Option<UserId>) -> Result<Version> {
        refused()
    }
    fn get_custom_field(&self, id: CustomFieldId) -> Result<CustomField> {
        self.inner.get_custom_field(id)
    }
    fn list_custom_fields(&self) -> Result<CustomFields> {
        self.inner.list_custom_fields()
    }
    fn update_custom_field(
        &self,
        _: CustomFieldId,
        _: &CustomFieldPatch,
        _: Timestamp,
        _: Write,
    ) -> Result<CustomField> {
        refused()
    }
    fn delete_custom_field(&self, _: CustomFieldId, _: Write) -> Result<()> {
        refused()
    }
    /// The replica's feed is the primary's: it changes nothing itself.
    fn list_changes(&self, query: &ChangeQuery) -> Result<Page<Change>> {
        self.inner.list_changes(query)
    }
    fn change_log_state(&self) -> Result<LogState> {
        self.inner.change_log_state()
    }
    /// Pruning is the primary's job.
    fn prune_changes(&self, _: Timestamp, _: u64) -> Result<u64> {
        Ok(0)
    }
    fn insert_webhook(&self, _: &Webhook, _: Option<UserId>) -> Result<Version> {
        refused()
    }
    fn insert_contact(&self, _: &orgbase_domain::Contact) -> Result<Version> {
        refused()
    }
    fn get_contact(&self, id: orgbase_domain::ContactId) -> Result<orgbase_domain::Contact> {
        self.inner.get_contact(id)
    }
    fn update_contact(
        &self,
        _: orgbase_domain::ContactId,
        _: &orgbase_domain::ContactPatch,
        _: Timestamp,
        _: Write,
    ) -> Result<orgbase_domain::Contact> {
        refused()
    }
    fn delete_contact(&self, _: orgbase_domain::ContactId, _: Write) -> Result<()> {
        refused()
    }
    fn list_contacts(&self, query: &ListQuery) -> Result<Page<orgbase_domain::Contact>> {
        self.inner.list_contacts(query)
    }
    fn insert_document(
        &self,
        _: &orgbase_domain::document::Document,
        _: Option<UserId>,
    ) -> Result<Version> {
        refused()
    }
    fn get_document(
        &self,
        id: orgbase_domain::DocumentId,
    ) -> Result<orgbase_domain::document::Document> {
        self.inner.get_document(id)
    }
    fn update_document(
        &self,
        _: orgbase_domain::DocumentId,
        _: &orgbase_domain::DocumentPatch,
        _: Timestamp,
        _: Write,
    ) -> Result<orgbase_domain::document::Document> {
        refused()
    }
    fn delete_document(&self, _: orgbase_domain::DocumentId, _: Write) -> Result<()> {
        refused()
    }
    fn list_documents(
        &self,
        query: &ListQuery,
    ) -> Result<Page<orgbase_domain::document::Document>> {
        self.inner.list_documents(query)
    }
    fn insert_project(
        &self,
        _: &orgbase_domain::project::Project,
        _: Option<UserId>,
    ) -> Result<Version> {
        refused()
    }
    fn get_project(
        &self,
        id: orgbase_domain::ProjectId,
    ) -> Result<orgbase_domain::project::Project> {
        self.inner.get_project(id)
    }
    fn update_project(
        &self,
        _: orgbase_domain::ProjectId,
        _: &orgbase_domain::ProjectPatch,
        _: Timestamp,
        _: Write,
    ) -> Result<orgbase_domain::project::Project> {
        refused()
    }
    fn delete_project(&self, _: orgbase_domain::ProjectId, _: Write) -> Result<()> {
        refused()
    }
    fn list_projects(&self, query: &ListQuery) -> Result<Page<orgbase_domain::project::Project>> {
        self.inner.list_projects(query)
    }
    fn insert_task(&self, _: &orgbase_domain::task::Task, _: Option<UserId>) -> Result<Version> {
        refused()
    }
    fn get_task(&self, id: orgbase_domain::TaskId) -> Result<orgbase_domain::task::Task> {
        self.inner.get_task(id)
    }
    fn update_task(
        &self,
        _: orgbase_domain::TaskId,
        _: &orgbase_domain::TaskPatch,
        _: Timestamp,
        _: Write,
    ) -> Result<orgbase_domain::task::Task> {
        refused()
    }
    fn delete_task(&self, _: orgbase_domain::TaskId, _: Write) -> Result<()> {
        refused()
    }
    fn list_tasks(&self, query: &ListQuery) -> Result<Page<orgbase_domain::task::Task>> {
        self.inner.list_tasks(query)
    }
    fn insert_membership(&self, _: &Membership, _: Option<UserId>) -> Result<Version> {
        refused()
    }
    fn get_membership(&self, id: orgbase_domain::MembershipId) -> Result<Membership> {
        self.inner.get_membership(id)
    }
    fn update_membership(
        &self,
        _: orgbase_domain::MembershipId,
        _: &orgbase_domain::MembershipPatch,
        _: Timestamp,
        _: Write,
    ) -> Result<Membership> {
        refused()
    }
    fn delete_membership(&self, _: orgbase_domain::MembershipId, _: Write) -> Result<()> {
        refused()
    }
    fn list_memberships(&self, query: &ListQuery) -> Result<Page<Membership>> {
        self.inner.list_memberships(query)
    }
    fn get_webhook(&self, id: WebhookId) -> Result<Webhook> {
        self.inner.get_webhook(id)
    }
    fn list_webhooks(&self, page: PageRequest) -> Result<Page<Webhook>> {
        self.inner.list_webhooks(page)
    }
    fn update_webhook(
        &self,
        _: WebhookId,
        _: &WebhookPatch,
        _: Timestamp,
        _: Write,
    ) -> Result<Webhook> {
        refused()
    }
    fn delete_webhook(&self, _: WebhookId, _: Write) -> Result<()> {
        refused()
    }
    fn rotate_webhook_secret(
        &self,
        _: WebhookId,
        _: &WebhookSecret,
        _: Timestamp,
        _: Write,
    ) -> Result<Webhook> {
        refused()
    }
    fn rewind_webhook(&self, _: WebhookId, _: u64, _: Write) -> Result<Webhook> {
        refused()
    }
    /// Deliveries are the primary's job: a replica delivers nothing.
    fn active_webhooks(&self) -> Result<Vec<Webhook>> {
        Ok(Vec::new())
    }
    fn record_delivery(&self, _: WebhookId, _: Version, _: &DeliveryState) -> Result<bool> {
        refused()
    }
    fn append_delivery(&self, _: &orgbase_domain::DeliveryRecord) -> Result<()> {
        refused()
    }
    fn list_deliveries(
        &self,
        webhook: WebhookId,
        page: PageRequest,
    ) -> Result<Page<orgbase_domain::DeliveryRecord>> {
        self.inner.list_deliveries(webhook, page)
    }
    fn prune_deliveries(&self, _: Timestamp) -> Result<u64> {
        Ok(0)
    }
    fn lease_webhook(&self, _: WebhookId, _: &str, _: Timestamp, _: Timestamp) -> Result<bool> {
        Ok(false)
    }
    fn release_webhook(&self, _: WebhookId, _: &str) -> Result<()> {
        Ok(())
    }
    // A replica answers no POST, so it keeps no idempotency keys.
    fn claim_idempotency_key(&self, _: &IdempotencyKey, _: &str, _: Timestamp) -> Result<Claim> {
        refused()
    }
    fn answer_idempotency_key(
        &self,
        _: &IdempotencyKey,
        _: &str,
        _: &StoredResponse,
    ) -> Result<()> {
        refused()
    }
    fn release_idempotency_key(&self, _: &IdempotencyKey, _: &str) -> Result<()> {
        refused()
    }
    fn prune_idempotency_keys(&self, _: Timestamp) -> Result<u64> {
        Ok(0)
    }
    // Every write in the work is refused anyway, so there is nothing to keep or undo.
    fn atomically(&self, work: &mut dyn FnMut(&dyn Store) -> Result<()>) -> Result<()> {
        work(self)
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let primary: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let acme = create_organization(&*primary, &NewOrganization::named("Acme"), time::now())
        .map_err(std::io::Error::other)?;
    let replica: Arc<dyn Store> = Arc::new(ReadOnlyStore { inner: primary });

    let read = replica
        .get_organization(acme.id)
        .map_err(std::io::Error::other)?;
    println!("read through the replica: {}", read.name);
    let refused = create_organization(&*replica, &NewOrganization::named("Globex"), time::now());
    println!("a write through the replica: {refused:?}");

    if std::env::args().nth(1).as_deref() == Some("serve") {
        let state = orgbase_http::AppState::new(replica);
        actix_web::HttpServer::new(move || orgbase_http::app(state.clone()))
            .bind("127.0.0.1:8080")?
            .run()
            .await?;
    }
    Ok(())
}
