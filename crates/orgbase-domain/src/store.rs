//! The storage trait.
//!
//! Synchronous and object-safe, so the server holds an `Arc<dyn Store>` and runs calls on a
//! blocking pool. Every backend passes the conformance suite in `orgbase-store-tests`; the
//! in-memory store is the reference implementation.
//!
//! Every write that changes something appends its [`ChangeEntry`](crate::ChangeEntry)s (see
//! [`crate::change`]) in its own transaction (the feed shows them in the order writes became
//! visible), and gives the records it writes a new, larger `version`. A write that changes
//! nothing appends nothing. A [`Write`] says who writes (the entries' actor) and, for
//! updates and deletes, the version the writer expects, checked inside the transaction.

use std::fmt::Debug;

use crate::api_key::ApiKey;
use crate::change::{Change, ChangeQuery, LogState, Version, Write};
use crate::contact::{Contact, ContactPatch};
use crate::custom_field::{CustomField, CustomFieldPatch, CustomFields, CustomValue};
use crate::document::{Document, DocumentPatch};
use crate::error::Result;
use crate::idempotency::{Claim, IdempotencyKey, StoredResponse};
use crate::ids::{
    ApiKeyId, ContactId, CustomFieldId, DocumentId, MembershipId, OrganizationId, ProjectId,
    TaskId, UserId, WebhookId,
};
use crate::import::{ImportOutcome, ImportRow, import_rows};
use crate::membership::{Membership, MembershipPatch};
use crate::organization::{Organization, OrganizationPatch};
use crate::project::{Project, ProjectPatch};
use crate::query::{ListQuery, Page, PageRequest};
use crate::task::{Task, TaskPatch};
use crate::time::Timestamp;
use crate::user::{User, UserPatch};
use crate::webhook::{DeliveryRecord, DeliveryState, Webhook, WebhookPatch, WebhookSecret};

pub trait Store: Send + Sync + Debug {
    /// Inserts a complete record. A taken id, name key, slug or unique custom value is
    /// [`Error::Conflict`](crate::Error::Conflict) naming that constraint, decided by the
    /// storage itself (a unique index), never by a read before the write. Custom values are
    /// checked with [`CustomFields::check`] against the fields as they are inside the write.
    /// Its creator is the entry's actor. Returns the version stored.
    fn insert_organization(&self, organization: &Organization) -> Result<Version>;

    /// Inserts complete records as [`Store::insert_organization`] inserts each, all or none:
    /// the first failure fails the call and nothing is kept. Returns their versions in
    /// order. Backends override this to write the batch in a few statements; the default
    /// inserts one by one inside [`Store::atomically`].
    fn insert_organizations(&self, organizations: &[Organization]) -> Result<Vec<Version>> {
        let mut versions = Vec::with_capacity(organizations.len());
        self.atomically(&mut |tx| {
            versions.clear();
            for organization in organizations {
                versions.push(tx.insert_organization(organization)?);
            }
            Ok(())
        })?;
        Ok(versions)
    }

    /// The organization with this id, archived or not, or
    /// [`Error::NotFound`](crate::Error::NotFound).
    fn get_organization(&self, id: OrganizationId) -> Result<Organization>;

    /// The organization whose name is the same as `name` ignoring case and surrounding space.
    fn find_organization_by_name(&self, name: &str) -> Result<Option<Organization>>;

    /// The organization, archived or not, holding `value` of the unique field `field`
    /// (compared as [`CustomValue::unique_key`](crate::CustomValue::unique_key) does): whom an
    /// upsert by that field updates.
    fn find_organization_by_custom_value(
        &self,
        field: CustomFieldId,
        value: &CustomValue,
    ) -> Result<Option<Organization>>;

    /// Applies `patch` with [`OrganizationPatch::apply`] to the stored record and writes the
    /// result if anything changed, all in one transaction that excludes concurrent writers of
    /// the same record. Returns the record as stored afterwards.
    fn update_organization(
        &self,
        id: OrganizationId,
        patch: &OrganizationPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Organization>;

    /// Deletes the organization, or [`Error::NotFound`](crate::Error::NotFound), and its
    /// memberships, documents, projects and tasks in the same transaction; appends each one's tombstone, then
    /// the organization's.
    fn delete_organization(&self, id: OrganizationId, write: Write) -> Result<()>;

    /// One page of the organizations `query` selects, in its order, with the total count.
    fn list_organizations(&self, query: &ListQuery) -> Result<Page<Organization>>;

    /// Imports `rows` in order, each matched by id or name as [`import_row`](crate::import::import_row) does, and says
    /// what happened to each. Backends override this to write a batch in one transaction;
    /// the outcomes must be the ones row-by-row import would give.
    fn import_organizations(&self, rows: &[ImportRow], now: Timestamp) -> Vec<ImportOutcome> {
        import_rows(self, rows, now)
    }

    /// `Ok` when the storage answers a trivial query now.
    fn check_health(&self) -> Result<()>;

    // Contacts.

    /// Inserts a contact; a taken id or e-mail address (ignoring case) is
    /// [`Error::Conflict`](crate::Error::Conflict) naming it, decided by a unique index. Its
    /// creator is the entry's actor. Returns the version stored.
    fn insert_contact(&self, contact: &Contact) -> Result<Version>;

    /// The contact with this id, or [`Error::NotFound`](crate::Error::NotFound).
    fn get_contact(&self, id: ContactId) -> Result<Contact>;

    /// Applies `patch` with [`ContactPatch::apply`] in one transaction that excludes
    /// concurrent writers of the contact, and writes the result if anything changed.
    fn update_contact(
        &self,
        id: ContactId,
        patch: &ContactPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Contact>;

    /// Deletes the contact, or [`Error::NotFound`](crate::Error::NotFound), and its
    /// memberships in the same transaction; appends its tombstone and each membership's.
    fn delete_contact(&self, id: ContactId, write: Write) -> Result<()>;

    /// One page of the contacts `query` selects (its filters and sorts name
    /// [`Field::CONTACT`](crate::Field::CONTACT) fields only; `archived` does not apply), in
    /// its order, with the total when asked.
    fn list_contacts(&self, query: &ListQuery) -> Result<Page<Contact>>;

    // Documents.

    /// Inserts a document; an organization that does not exist is
    /// [`Error::NotFound`](crate::Error::NotFound) for it, a taken id a conflict. Returns the
    /// version.
    fn insert_document(&self, document: &Document, actor: Option<UserId>) -> Result<Version>;

    /// The document with this id, or [`Error::NotFound`](crate::Error::NotFound).
    fn get_document(&self, id: DocumentId) -> Result<Document>;

    /// Applies `patch` with [`DocumentPatch::apply`] in one transaction that excludes
    /// concurrent writers of the document; moving it to an organization that does not exist
    /// is [`Error::NotFound`](crate::Error::NotFound) for it.
    fn update_document(
        &self,
        id: DocumentId,
        patch: &DocumentPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Document>;

    /// Deletes the document, or [`Error::NotFound`](crate::Error::NotFound); appends its
    /// tombstone.
    fn delete_document(&self, id: DocumentId, write: Write) -> Result<()>;

    /// One page of the documents `query` selects ([`Field::DOCUMENT`](crate::Field::DOCUMENT)
    /// fields), in its order, with the total when asked.
    fn list_documents(&self, query: &ListQuery) -> Result<Page<Document>>;

    // Projects.

    /// Inserts a project; an organization that does not exist is
    /// [`Error::NotFound`](crate::Error::NotFound) for it, a taken id a conflict.
    fn insert_project(&self, project: &Project, actor: Option<UserId>) -> Result<Version>;

    /// The project with this id, or [`Error::NotFound`](crate::Error::NotFound).
    fn get_project(&self, id: ProjectId) -> Result<Project>;

    /// Applies `patch` with [`ProjectPatch::apply`] in one transaction that excludes
    /// concurrent writers; moving it to an organization that does not exist is
    /// [`Error::NotFound`](crate::Error::NotFound) for it.
    fn update_project(
        &self,
        id: ProjectId,
        patch: &ProjectPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Project>;

    /// Deletes the project, or [`Error::NotFound`](crate::Error::NotFound); appends its
    /// tombstone.
    fn delete_project(&self, id: ProjectId, write: Write) -> Result<()>;

    /// One page of the projects `query` selects ([`Field::PROJECT`](crate::Field::PROJECT)
    /// fields).
    fn list_projects(&self, query: &ListQuery) -> Result<Page<Project>>;

    // Tasks.

    /// Inserts a task; an organization or assignee that does not exist is
    /// [`Error::NotFound`](crate::Error::NotFound) for it, a taken id a conflict.
    fn insert_task(&self, task: &Task, actor: Option<UserId>) -> Result<Version>;

    /// The task with this id, or [`Error::NotFound`](crate::Error::NotFound).
    fn get_task(&self, id: TaskId) -> Result<Task>;

    /// Applies `patch` with [`TaskPatch::apply`] in one transaction that excludes
    /// concurrent writers; moving it to an organization that does not exist is
    /// [`Error::NotFound`](crate::Error::NotFound) for it.
    fn update_task(
        &self,
        id: TaskId,
        patch: &TaskPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Task>;

    /// Deletes the task, or [`Error::NotFound`](crate::Error::NotFound); appends its
    /// tombstone.
    fn delete_task(&self, id: TaskId, write: Write) -> Result<()>;

    /// One page of the tasks `query` selects ([`Field::TASK`](crate::Field::TASK)
    /// fields).
    fn list_tasks(&self, query: &ListQuery) -> Result<Page<Task>>;

    // Memberships.

    /// Inserts a membership. An organization or contact that does not exist is
    /// [`Error::NotFound`](crate::Error::NotFound) for it; a contact already a member of the
    /// organization is [`Constraint::AlreadyMember`](crate::Constraint::AlreadyMember),
    /// decided by a unique index (so racing inserts make one row); a taken id is
    /// [`Constraint::MembershipId`](crate::Constraint::MembershipId). Returns the version.
    fn insert_membership(&self, membership: &Membership, actor: Option<UserId>) -> Result<Version>;

    /// The membership with this id, or [`Error::NotFound`](crate::Error::NotFound).
    fn get_membership(&self, id: MembershipId) -> Result<Membership>;

    /// Applies `patch` with [`MembershipPatch::apply`] in one transaction that excludes
    /// concurrent writers of the membership.
    fn update_membership(
        &self,
        id: MembershipId,
        patch: &MembershipPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Membership>;

    /// Deletes the membership, or [`Error::NotFound`](crate::Error::NotFound); appends its
    /// tombstone.
    fn delete_membership(&self, id: MembershipId, write: Write) -> Result<()>;

    /// One page of the memberships `query` selects (its filters and sorts name
    /// [`Field::MEMBERSHIP`](crate::Field::MEMBERSHIP) fields only), in its order, with the
    /// total when asked.
    fn list_memberships(&self, query: &ListQuery) -> Result<Page<Membership>>;

    // Users.

    /// Inserts a user; a taken id or e-mail (ignoring case) is a conflict naming it.
    fn insert_user(&self, user: &User, actor: Option<UserId>) -> Result<Version>;

    /// The user with this id, or [`Error::NotFound`](crate::Error::NotFound).
    fn get_user(&self, id: UserId) -> Result<User>;

    /// The users with these ids that exist, in any order: one query for a whole page's
    /// related users (`include`).
    fn get_users(&self, ids: &[UserId]) -> Result<Vec<User>>;

    /// The user with this e-mail address, ignoring case.
    fn find_user_by_email(&self, email: &str) -> Result<Option<User>>;

    /// A page of users, oldest first (then by id).
    fn list_users(&self, page: PageRequest) -> Result<Page<User>>;

    /// Applies `patch` in one transaction; demoting the last admin is
    /// [`Constraint::LastAdmin`](crate::Constraint::LastAdmin), decided inside it so two
    /// concurrent demotions cannot both pass.
    fn update_user(&self, id: UserId, patch: &UserPatch, write: Write) -> Result<User>;

    /// Deletes a user and, with them, their API keys; the last admin cannot be deleted. A
    /// user who owns organizations is
    /// [`Constraint::UserOwnsOrganizations`](crate::Constraint::UserOwnsOrganizations) unless
    /// `reassign_to` names the user who takes them over (in the same transaction).
    /// Organizations they created or last updated forget them (a new version, no entry:
    /// neither relationship is logged). Contacts they own count as organizations do (the
    /// same constraint, the same `reassign_to`), and contacts forget their creator and
    /// updater as organizations do.
    /// Appends the user's and their keys' tombstones and an update of each organization and
    /// contact whose owner changed. Tasks assigned to them are left unassigned, each with its
    /// update entry.
    fn delete_user(&self, id: UserId, reassign_to: Option<UserId>, write: Write) -> Result<()>;

    /// How many users exist (the first start creates an admin when none do).
    fn count_users(&self) -> Result<u64>;

    // API keys.

    /// Inserts a key; a user id that does not exist is
    /// [`Error::NotFound`](crate::Error::NotFound) for that user.
    fn insert_api_key(&self, key: &ApiKey, actor: Option<UserId>) -> Result<Version>;

    /// The key with this id, or [`Error::NotFound`](crate::Error::NotFound).
    fn get_api_key(&self, id: ApiKeyId) -> Result<ApiKey>;

    /// A page of keys, oldest first, of one user or of everyone.
    fn list_api_keys(&self, user: Option<UserId>, page: PageRequest) -> Result<Page<ApiKey>>;

    /// Revokes (deletes) a key at once.
    fn delete_api_key(&self, id: ApiKeyId, write: Write) -> Result<()>;

    /// The keys with this public prefix and their users: the candidates a presented secret is
    /// compared with.
    fn find_api_keys_by_prefix(&self, prefix: &str) -> Result<Vec<(ApiKey, User)>>;

    /// Records a use of the key (callers throttle this; it is a write, but bookkeeping: no
    /// entry, no new version).
    fn touch_api_key(&self, id: ApiKeyId, at: Timestamp) -> Result<()>;

    // Custom fields.

    /// Inserts a field; a taken id or identifier is a conflict naming it.
    fn insert_custom_field(&self, field: &CustomField, actor: Option<UserId>) -> Result<Version>;

    /// The field with this id, or [`Error::NotFound`](crate::Error::NotFound).
    fn get_custom_field(&self, id: CustomFieldId) -> Result<CustomField>;

    /// Every field, in creation order (a CRM defines tens, not thousands).
    fn list_custom_fields(&self) -> Result<CustomFields>;

    /// Applies `patch` in one transaction. Removing options that organizations hold is
    /// [`options_in_use`](crate::custom_field::options_in_use), and making a field unique
    /// while values collide is [`values_collide`](crate::custom_field::values_collide), both
    /// decided inside it, so no concurrent write can store a value the change forbids.
    fn update_custom_field(
        &self,
        id: CustomFieldId,
        patch: &CustomFieldPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<CustomField>;

    /// Deletes the field and every value organizations hold for it: its tombstone, and an
    /// update of each organization that held a value (`{identifier: {from: value, to: null}}`).
    fn delete_custom_field(&self, id: CustomFieldId, write: Write) -> Result<()>;

    // The change log.

    /// A page of entries in sequence order. A cursor at or before pruned entries is
    /// [`Error::ChangesPruned`](crate::Error::ChangesPruned) (see
    /// [`ChangeQuery::check_not_pruned`]). A reader paging by `after` from any position sees
    /// every entry committed later exactly once: a store must never make an entry visible
    /// with a sequence below one already visible. Every write committed before the call is
    /// in it.
    fn list_changes(&self, query: &ChangeQuery) -> Result<Page<Change>>;

    /// The newest visible sequence and the pruning mark.
    fn change_log_state(&self) -> Result<LogState>;

    /// Deletes up to `limit` of the oldest entries changed before `before`; returns how many
    /// went. The pruning mark moves to the last sequence deleted.
    fn prune_changes(&self, before: Timestamp, limit: u64) -> Result<u64>;

    // Several writes as one.

    /// Runs `work` against a view of this store in which its writes form one transaction:
    /// all of them are kept when it returns `Ok`, none when it returns `Err` (which is
    /// returned as is). Reads through the view see the writes made before them, and each
    /// write is checked exactly as it is outside (constraints, preconditions, entries); the
    /// entries of every write commit together, so the feed shows all of them or none.
    /// Other writers may wait for the whole of `work`: keep it to storage calls.
    fn atomically(&self, work: &mut dyn FnMut(&dyn Store) -> Result<()>) -> Result<()>;

    // Webhooks.

    /// Inserts a webhook; a taken id is a conflict. Its entry never holds the secret.
    fn insert_webhook(&self, webhook: &Webhook, actor: Option<UserId>) -> Result<Version>;

    /// The webhook with this id, or [`Error::NotFound`](crate::Error::NotFound).
    fn get_webhook(&self, id: WebhookId) -> Result<Webhook>;

    /// A page of webhooks, oldest first (then by id).
    fn list_webhooks(&self, page: PageRequest) -> Result<Page<Webhook>>;

    /// Applies `patch` with [`Webhook::apply`] in one transaction that excludes concurrent
    /// writers of the webhook (the delivery worker's bookkeeping included).
    fn update_webhook(
        &self,
        id: WebhookId,
        patch: &WebhookPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Webhook>;

    /// Deletes the webhook, or [`Error::NotFound`](crate::Error::NotFound).
    fn delete_webhook(&self, id: WebhookId, write: Write) -> Result<()>;

    /// Gives the webhook a new secret ([`Webhook::rotate`]) in one transaction: a new version,
    /// and no entry (the log never holds secrets).
    fn rotate_webhook_secret(
        &self,
        id: WebhookId,
        secret: &WebhookSecret,
        now: Timestamp,
        write: Write,
    ) -> Result<Webhook>;

    /// Moves the webhook's position back to `position` (the entries after it are delivered
    /// again) and forgets its backoff, in one transaction: a new version, so a delivery step
    /// that read the webhook before cannot move the position forward over it; no entry.
    fn rewind_webhook(&self, id: WebhookId, position: u64, write: Write) -> Result<Webhook>;

    /// Every active webhook: what the delivery worker walks.
    fn active_webhooks(&self) -> Result<Vec<Webhook>>;

    /// Records how far deliveries got (bookkeeping: no entry, no new version), only while
    /// the webhook is still at `version` and active, so that an admin's change made
    /// meanwhile (turned off, re-aimed, turned on again) wins over a delivery that began
    /// before it; `Ok(false)` when it did. A `disabled_reason` turns the webhook off.
    fn record_delivery(
        &self,
        id: WebhookId,
        version: Version,
        state: &DeliveryState,
    ) -> Result<bool>;

    /// Keeps one attempt in the deliveries log (bookkeeping: no entry, no version).
    fn append_delivery(&self, record: &DeliveryRecord) -> Result<()>;

    /// A page of a webhook's attempts, oldest first (then by id).
    fn list_deliveries(
        &self,
        webhook: WebhookId,
        page: PageRequest,
    ) -> Result<Page<DeliveryRecord>>;

    /// Deletes the attempts made before `before`; returns how many went.
    fn prune_deliveries(&self, before: Timestamp) -> Result<u64>;

    /// Takes or renews the lease on delivering `id` for `owner` (a server instance) until
    /// `until`: granted when no other owner holds an unexpired one, decided in one step, so
    /// of instances sharing a database one delivers each webhook at a time, and another takes
    /// over once a dead one's lease ends. `Ok(false)` when another owner holds it (or the
    /// webhook is gone).
    fn lease_webhook(
        &self,
        id: WebhookId,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool>;

    /// Gives the lease up, if `owner` holds it (a stopping instance).
    fn release_webhook(&self, id: WebhookId, owner: &str) -> Result<()>;

    // Idempotency keys: bookkeeping of requests, never in the change log.

    /// Decides, by [`decide`](crate::idempotency::decide), what a request with `key` and
    /// `fingerprint` may do, and on [`Claim::Run`] writes the key's entry as
    /// [`Entry::claim`], in one step: of racing claims of one key, exactly one gets `Run`.
    ///
    /// [`Entry::claim`]: crate::idempotency::Entry::claim
    fn claim_idempotency_key(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        now: Timestamp,
    ) -> Result<Claim>;

    /// Stores the answer of the request that claimed `key` with `fingerprint`; nothing when
    /// the key is no longer claimed so (its lease ended and another request took it).
    fn answer_idempotency_key(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        response: &StoredResponse,
    ) -> Result<()>;

    /// Forgets an unanswered claim of `key` with `fingerprint`, so that a retry runs again
    /// (its request failed in a way a retry may not).
    fn release_idempotency_key(&self, key: &IdempotencyKey, fingerprint: &str) -> Result<()>;

    /// Deletes every entry claimed before `before`; returns how many went.
    fn prune_idempotency_keys(&self, before: Timestamp) -> Result<u64>;
}
