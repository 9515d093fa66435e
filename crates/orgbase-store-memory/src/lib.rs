//! The in-memory store: orgbase's reference implementation of [`Store`].
//!
//! It defines what every other backend must answer (the conformance suite and the
//! differential tests compare against it), so it favours being obviously right: one lock,
//! unique maps that mirror the SQL unique indexes, and [`ListQuery::compare`] as its order.
//! The change log is a vector appended under the same lock as the write it records, so
//! entries become visible in sequence order.

use std::collections::HashMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use orgbase_domain::change::{ChangeEntry, LogState, Snapshot, Version, Write};
use orgbase_domain::custom_field::{
    CustomResourceType, CustomValues, colliding_holders, options_in_use, values_collide,
};
use orgbase_domain::document::Document;
use orgbase_domain::idempotency::{self, Claim, Entry, IdempotencyKey, StoredResponse};
use orgbase_domain::name::name_key;
use orgbase_domain::project::Project;
use orgbase_domain::query::{PageRequest, Position};
use orgbase_domain::task::Task;
use orgbase_domain::time::{self, Timestamp};
use orgbase_domain::user::email_key;
use orgbase_domain::{
    ApiKey, ApiKeyId, Change, ChangeQuery, Constraint, Contact, ContactId, ContactPatch,
    CustomField, CustomFieldId, CustomFieldPatch, CustomFields, CustomValue, DeliveryRecord,
    DeliveryState, DocumentId, DocumentPatch, Error, ListQuery, Membership, MembershipId,
    MembershipPatch, Organization, OrganizationId, OrganizationPatch, Page, ProjectId,
    ProjectPatch, ResourceType, Result, Role, Store, TaskId, TaskPatch, User, UserId, UserPatch,
    Webhook, WebhookId, WebhookPatch, WebhookSecret,
};
use uuid::Uuid;

#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: RwLock<Tables>,
}

#[derive(Debug, Default, Clone)]
struct Tables {
    organizations: HashMap<OrganizationId, Organization>,
    /// The unique indexes: normalised name and slug to id.
    name_keys: HashMap<String, OrganizationId>,
    slugs: HashMap<String, OrganizationId>,
    users: HashMap<UserId, User>,
    /// The unique index on e-mail keys.
    emails: HashMap<String, UserId>,
    api_keys: HashMap<ApiKeyId, ApiKey>,
    custom_fields: HashMap<CustomFieldId, CustomField>,
    contacts: HashMap<ContactId, Contact>,
    /// The unique index on contacts' e-mail keys.
    contact_emails: HashMap<String, ContactId>,
    documents: HashMap<DocumentId, Document>,
    projects: HashMap<ProjectId, Project>,
    tasks: HashMap<TaskId, Task>,
    memberships: HashMap<MembershipId, Membership>,
    /// The unique index: one membership per organization and contact.
    members: HashMap<(OrganizationId, ContactId), MembershipId>,
    /// The change log, in sequence order.
    changes: Vec<Change>,
    log: LogState,
    idempotency: HashMap<IdempotencyKey, Entry>,
    webhooks: HashMap<WebhookId, Webhook>,
    /// Who delivers each webhook, until when.
    leases: HashMap<WebhookId, (String, Timestamp)>,
    /// The deliveries log.
    deliveries: Vec<DeliveryRecord>,
}

impl Tables {
    /// The sequence the next entry (or the next record version) takes.
    fn allocate(&mut self) -> Version {
        self.log.latest += 1;
        self.log.latest
    }

    /// Appends `entry` under a new sequence and returns it.
    fn append(&mut self, entry: ChangeEntry) -> Version {
        let sequence = self.allocate();
        self.changes.push(entry.numbered(sequence));
        sequence
    }

    /// The new version of a changed record: its entry's sequence, or a fresh one when
    /// nothing the log shows changed.
    fn record(&mut self, entry: Option<ChangeEntry>) -> Version {
        match entry {
            Some(entry) => self.append(entry),
            None => self.allocate(),
        }
    }

    /// The fields of one resource type: what its records' snapshots show.
    fn fields(&self, resource_type: CustomResourceType) -> CustomFields {
        CustomFields::new(
            self.custom_fields
                .values()
                .filter(|f| f.resource_type == resource_type)
                .cloned()
                .collect(),
        )
    }
}

impl Tables {
    /// The constraint `org` would break if written over the record `replacing` (if any).
    fn collision(
        &self,
        org: &Organization,
        replacing: Option<OrganizationId>,
    ) -> Option<Constraint> {
        let taken_by_other =
            |owner: Option<&OrganizationId>| owner.is_some_and(|id| Some(*id) != replacing);
        if replacing.is_none() && self.organizations.contains_key(&org.id) {
            return Some(Constraint::OrganizationId);
        }
        if taken_by_other(self.name_keys.get(&org.name_key())) {
            return Some(Constraint::OrganizationName);
        }
        if taken_by_other(self.slugs.get(&org.slug)) {
            return Some(Constraint::OrganizationSlug);
        }
        self.unique_value_taken(
            &org.details.custom,
            self.organizations
                .values()
                .filter(|other| other.id != org.id)
                .map(|other| &other.details.custom),
        )
    }

    /// The first unique field whose value in `values` one of `others` holds too. The
    /// reference scans: the SQL stores decide by a unique index.
    fn unique_value_taken<'a>(
        &self,
        values: &CustomValues,
        others: impl Iterator<Item = &'a CustomValues> + Clone,
    ) -> Option<Constraint> {
        for (field, value) in values {
            if !self.custom_fields.get(field).is_some_and(|f| f.unique) {
                continue;
            }
            let key = value.unique_key();
            let taken = others
                .clone()
                .any(|other| other.get(field).and_then(CustomValue::unique_key) == key);
            if taken {
                return Some(Constraint::CustomValue(Some(*field)));
            }
        }
        None
    }

    fn index(&mut self, org: &Organization) {
        self.name_keys.insert(org.name_key(), org.id);
        self.slugs.insert(org.slug.clone(), org.id);
    }

    fn unindex(&mut self, org: &Organization) {
        self.name_keys.remove(&org.name_key());
        self.slugs.remove(&org.slug);
    }
}

impl Tables {
    /// The foreign key: an assignee must be a user.
    fn check_assignee(&self, assignee: Option<UserId>) -> Result<()> {
        match assignee {
            Some(user) if !self.users.contains_key(&user) => Err(Error::user_not_found(user)),
            _ => Ok(()),
        }
    }

    /// Deletes the memberships `doomed` picks, in id order, each with its tombstone (the
    /// cascade of deleting their organization or contact, in its transaction).
    fn delete_memberships(&mut self, doomed: impl Fn(&Membership) -> bool, actor: Option<UserId>) {
        let mut ids: Vec<MembershipId> = self
            .memberships
            .values()
            .filter(|m| doomed(m))
            .map(|m| m.id)
            .collect();
        ids.sort();
        let now = time::now();
        for id in ids {
            if let Some(removed) = self.memberships.remove(&id) {
                self.members
                    .remove(&(removed.organization_id, removed.contact_id));
            }
            self.append(ChangeEntry::deleted(
                ResourceType::Memberships,
                id,
                now,
                actor,
            ));
        }
    }

    /// The foreign key: an owner must be a user.
    fn check_owner(&self, org: &Organization) -> Result<()> {
        match org.details.owner_id {
            Some(owner) if !self.users.contains_key(&owner) => Err(Error::user_not_found(owner)),
            _ => Ok(()),
        }
    }

    /// The foreign key and the format check of custom values.
    fn check_custom_values(&self, holder: CustomResourceType, values: &CustomValues) -> Result<()> {
        CustomFields::new(self.custom_fields.values().cloned().collect())
            .check(holder, values)
            .map_err(Error::Invalid)
    }

    /// The constraint `contact` would break if written over the record `replacing` (if any),
    /// or the owner it names that is not a user.
    fn check_contact(&self, contact: &Contact, replacing: Option<ContactId>) -> Result<()> {
        if replacing.is_none() && self.contacts.contains_key(&contact.id) {
            return Err(Error::Conflict(Constraint::ContactId));
        }
        if let Some(key) = contact.email_key()
            && self
                .contact_emails
                .get(&key)
                .is_some_and(|holder| Some(*holder) != replacing)
        {
            return Err(Error::Conflict(Constraint::ContactEmail));
        }
        self.check_custom_values(CustomResourceType::Contacts, &contact.custom)?;
        let others = self
            .contacts
            .values()
            .filter(|other| other.id != contact.id)
            .map(|other| &other.custom);
        if let Some(constraint) = self.unique_value_taken(&contact.custom, others) {
            return Err(Error::Conflict(constraint));
        }
        match contact.owner_id {
            Some(owner) if !self.users.contains_key(&owner) => Err(Error::user_not_found(owner)),
            _ => Ok(()),
        }
    }

    /// Stores `contact` (its version set), keeping the e-mail index.
    fn put_contact(&mut self, contact: Contact) {
        if let Some(previous) = self.contacts.get(&contact.id)
            && let Some(key) = previous.email_key()
        {
            self.contact_emails.remove(&key);
        }
        if let Some(key) = contact.email_key() {
            self.contact_emails.insert(key, contact.id);
        }
        self.contacts.insert(contact.id, contact);
    }

    /// Every value of `field`, in the records of its resource type.
    fn values_of(&self, field: &CustomField) -> Vec<&CustomValue> {
        match field.resource_type {
            CustomResourceType::Organizations => self
                .organizations
                .values()
                .filter_map(|org| org.details.custom.get(&field.id))
                .collect(),
            CustomResourceType::Contacts => self
                .contacts
                .values()
                .filter_map(|c| c.custom.get(&field.id))
                .collect(),
        }
    }

    fn admins(&self) -> usize {
        self.users
            .values()
            .filter(|u| u.role == Role::Admin)
            .count()
    }
}

/// Oldest first, then by id: the order of users and keys everywhere.
fn page_of<T: Clone>(
    mut items: Vec<&T>,
    key: impl Fn(&T) -> (Timestamp, Uuid),
    page: PageRequest,
) -> Page<T> {
    items.sort_by_key(|item| key(item));
    Page::cut(
        items.into_iter().cloned().collect(),
        &page,
        true,
        |item, position| {
            let (at, id) = key(item);
            Position::oldest_first(at, id).cmp_ascending(position)
        },
    )
}

impl MemoryStore {
    /// An admin's write the log does not show: the version checked and renewed, no entry.
    fn rewrite_webhook(
        &self,
        id: WebhookId,
        write: Write,
        change: impl FnOnce(&mut Webhook),
    ) -> Result<Webhook> {
        let mut tables = self.write();
        let mut webhook = tables
            .webhooks
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::webhook_not_found(id))?;
        if !write.admits(webhook.version) {
            return Err(Error::PreconditionFailed);
        }
        change(&mut webhook);
        webhook.version = tables.allocate();
        tables.webhooks.insert(id, webhook.clone());
        Ok(webhook)
    }
    pub fn new() -> Self {
        Self::default()
    }

    // A panic while holding the lock cannot leave the maps half-written (every write checks
    // first and then mutates without failing), so a poisoned lock is still consistent.
    fn read(&self) -> RwLockReadGuard<'_, Tables> {
        self.inner
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Tables> {
        self.inner
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The records that belong to an organization (documents, projects, tasks): in which map
/// they are, and their ids.
trait OwnedRecord {
    fn organization_id(&self) -> OrganizationId;
}

impl OwnedRecord for Document {
    fn organization_id(&self) -> OrganizationId {
        self.organization_id
    }
}

impl OwnedRecord for Project {
    fn organization_id(&self) -> OrganizationId {
        self.organization_id
    }
}

impl OwnedRecord for Task {
    fn organization_id(&self) -> OrganizationId {
        self.organization_id
    }
}

/// Removes `organization`'s records from `map` and returns their ids, in order (the cascade
/// of deleting it, whose caller appends each tombstone).
fn take_owned<K: Copy + Ord + std::hash::Hash, V: OwnedRecord>(
    map: &mut HashMap<K, V>,
    organization: OrganizationId,
) -> Vec<K> {
    let mut ids: Vec<K> = map
        .iter()
        .filter(|(_, record)| record.organization_id() == organization)
        .map(|(id, _)| *id)
        .collect();
    ids.sort();
    for id in &ids {
        map.remove(id);
    }
    ids
}

/// The `Store` methods of a record that belongs to an organization: insert (its id free,
/// its organization there, and `check` for the table's own keys), get, update, delete, list.
macro_rules! organization_record {
    (
        $insert:ident, $get:ident, $update:ident, $delete:ident, $list:ident;
        map: $map:ident,
        record: $record:ty,
        id: $id:ty,
        patch: $patch:ty,
        taken: $taken:expr,
        resource_type: $resource_type:expr,
        snapshot: $snapshot:path,
        not_found: $not_found:path,
        check: $check:expr $(,)?
    ) => {
        fn $insert(&self, record: &$record, actor: Option<UserId>) -> Result<Version> {
            let check: fn(&Tables, &$record) -> Result<()> = $check;
            let mut tables = self.write();
            if tables.$map.contains_key(&record.id) {
                return Err(Error::Conflict($taken));
            }
            if !tables.organizations.contains_key(&record.organization_id) {
                return Err(Error::organization_not_found(record.organization_id));
            }
            check(&tables, record)?;
            let version = tables.append(ChangeEntry::created(
                $resource_type,
                record.id,
                &$snapshot(record),
                time::now(),
                actor,
            ));
            let mut stored = record.clone();
            stored.version = version;
            tables.$map.insert(record.id, stored);
            Ok(version)
        }

        fn $get(&self, id: $id) -> Result<$record> {
            self.read()
                .$map
                .get(&id)
                .cloned()
                .ok_or_else(|| $not_found(id))
        }

        fn $update(
            &self,
            id: $id,
            patch: &$patch,
            now: Timestamp,
            write: Write,
        ) -> Result<$record> {
            let check: fn(&Tables, &$record) -> Result<()> = $check;
            let mut tables = self.write();
            let mut updated = tables
                .$map
                .get(&id)
                .cloned()
                .ok_or_else(|| $not_found(id))?;
            if !write.admits(updated.version) {
                return Err(Error::PreconditionFailed);
            }
            let before = updated.clone();
            if !patch.apply(&mut updated, now).map_err(Error::Invalid)? {
                return Ok(updated);
            }
            if !tables.organizations.contains_key(&updated.organization_id) {
                return Err(Error::organization_not_found(updated.organization_id));
            }
            check(&tables, &updated)?;
            updated.version = tables.record(ChangeEntry::updated(
                $resource_type,
                id,
                &$snapshot(&before),
                &$snapshot(&updated),
                now,
                write.actor,
            ));
            tables.$map.insert(id, updated.clone());
            Ok(updated)
        }

        fn $delete(&self, id: $id, write: Write) -> Result<()> {
            let mut tables = self.write();
            let version = tables.$map.get(&id).ok_or_else(|| $not_found(id))?.version;
            if !write.admits(version) {
                return Err(Error::PreconditionFailed);
            }
            tables.$map.remove(&id);
            tables.append(ChangeEntry::deleted(
                $resource_type,
                id,
                time::now(),
                write.actor,
            ));
            Ok(())
        }

        fn $list(&self, query: &ListQuery) -> Result<Page<$record>> {
            let tables = self.read();
            let mut matching: Vec<&$record> = tables
                .$map
                .values()
                .filter(|record| query.admits(*record))
                .collect();
            matching.sort_by(|a, b| query.compare(*a, *b));
            Ok(query.cut(matching.into_iter().cloned().collect()))
        }
    };
}

impl Store for MemoryStore {
    fn insert_organization(&self, organization: &Organization) -> Result<Version> {
        let mut tables = self.write();
        tables.check_owner(organization)?;
        tables.check_custom_values(
            CustomResourceType::Organizations,
            &organization.details.custom,
        )?;
        if let Some(constraint) = tables.collision(organization, None) {
            return Err(Error::Conflict(constraint));
        }
        let created = Snapshot::organization(
            organization,
            &tables.fields(CustomResourceType::Organizations),
        );
        let version = tables.append(ChangeEntry::created(
            ResourceType::Organizations,
            organization.id,
            &created,
            time::now(),
            organization.creator_id,
        ));
        tables.index(organization);
        tables.organizations.insert(
            organization.id,
            Organization {
                version,
                ..organization.clone()
            },
        );
        Ok(version)
    }

    fn get_organization(&self, id: OrganizationId) -> Result<Organization> {
        self.read()
            .organizations
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::organization_not_found(id))
    }

    fn find_organization_by_name(&self, name: &str) -> Result<Option<Organization>> {
        let tables = self.read();
        Ok(tables
            .name_keys
            .get(&name_key(name))
            .and_then(|id| tables.organizations.get(id))
            .cloned())
    }

    fn find_organization_by_custom_value(
        &self,
        field: CustomFieldId,
        value: &CustomValue,
    ) -> Result<Option<Organization>> {
        let key = value.unique_key();
        Ok(self
            .read()
            .organizations
            .values()
            .find(|org| {
                org.details
                    .custom
                    .get(&field)
                    .and_then(CustomValue::unique_key)
                    == key
            })
            .cloned())
    }

    fn update_organization(
        &self,
        id: OrganizationId,
        patch: &OrganizationPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Organization> {
        let mut tables = self.write();
        let mut updated = tables
            .organizations
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::organization_not_found(id))?;
        if !write.admits(updated.version) {
            return Err(Error::PreconditionFailed);
        }
        let before = updated.clone();
        if !patch.apply(&mut updated, now).map_err(Error::Invalid)? {
            return Ok(updated);
        }
        tables.check_owner(&updated)?;
        tables.check_custom_values(CustomResourceType::Organizations, &updated.details.custom)?;
        if let Some(constraint) = tables.collision(&updated, Some(id)) {
            return Err(Error::Conflict(constraint));
        }
        let fields = tables.fields(CustomResourceType::Organizations);
        updated.version = tables.record(ChangeEntry::updated(
            ResourceType::Organizations,
            id,
            &Snapshot::organization(&before, &fields),
            &Snapshot::organization(&updated, &fields),
            now,
            write.actor,
        ));
        if let Some(previous) = tables.organizations.insert(id, updated.clone()) {
            tables.unindex(&previous);
        }
        tables.index(&updated);
        Ok(updated)
    }

    fn delete_organization(&self, id: OrganizationId, write: Write) -> Result<()> {
        let mut tables = self.write();
        let version = tables
            .organizations
            .get(&id)
            .ok_or_else(|| Error::organization_not_found(id))?
            .version;
        if !write.admits(version) {
            return Err(Error::PreconditionFailed);
        }
        tables.delete_memberships(|m| m.organization_id == id, write.actor);
        for document in take_owned(&mut tables.documents, id) {
            tables.append(ChangeEntry::deleted(
                ResourceType::Documents,
                document,
                time::now(),
                write.actor,
            ));
        }
        for project in take_owned(&mut tables.projects, id) {
            tables.append(ChangeEntry::deleted(
                ResourceType::Projects,
                project,
                time::now(),
                write.actor,
            ));
        }
        for task in take_owned(&mut tables.tasks, id) {
            tables.append(ChangeEntry::deleted(
                ResourceType::Tasks,
                task,
                time::now(),
                write.actor,
            ));
        }
        if let Some(removed) = tables.organizations.remove(&id) {
            tables.unindex(&removed);
        }
        tables.append(ChangeEntry::deleted(
            ResourceType::Organizations,
            id,
            time::now(),
            write.actor,
        ));
        Ok(())
    }

    fn list_organizations(&self, query: &ListQuery) -> Result<Page<Organization>> {
        let tables = self.read();
        let mut matching: Vec<&Organization> = tables
            .organizations
            .values()
            .filter(|org| query.admits(org))
            .collect();
        matching.sort_by(|a, b| query.compare(a, b));
        Ok(query.cut(matching.into_iter().cloned().collect()))
    }

    fn check_health(&self) -> Result<()> {
        Ok(())
    }

    fn insert_contact(&self, contact: &Contact) -> Result<Version> {
        let mut tables = self.write();
        tables.check_contact(contact, None)?;
        let fields = tables.fields(CustomResourceType::Contacts);
        let version = tables.append(ChangeEntry::created(
            ResourceType::Contacts,
            contact.id,
            &Snapshot::contact(contact, &fields),
            time::now(),
            contact.creator_id,
        ));
        tables.put_contact(Contact {
            version,
            ..contact.clone()
        });
        Ok(version)
    }

    fn get_contact(&self, id: ContactId) -> Result<Contact> {
        self.read()
            .contacts
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::contact_not_found(id))
    }

    fn update_contact(
        &self,
        id: ContactId,
        patch: &ContactPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Contact> {
        let mut tables = self.write();
        let mut updated = tables
            .contacts
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::contact_not_found(id))?;
        if !write.admits(updated.version) {
            return Err(Error::PreconditionFailed);
        }
        let before = updated.clone();
        if !patch.apply(&mut updated, now).map_err(Error::Invalid)? {
            return Ok(updated);
        }
        tables.check_contact(&updated, Some(id))?;
        let fields = tables.fields(CustomResourceType::Contacts);
        updated.version = tables.record(ChangeEntry::updated(
            ResourceType::Contacts,
            id,
            &Snapshot::contact(&before, &fields),
            &Snapshot::contact(&updated, &fields),
            now,
            write.actor,
        ));
        tables.put_contact(updated.clone());
        Ok(updated)
    }

    fn delete_contact(&self, id: ContactId, write: Write) -> Result<()> {
        let mut tables = self.write();
        let version = tables
            .contacts
            .get(&id)
            .ok_or_else(|| Error::contact_not_found(id))?
            .version;
        if !write.admits(version) {
            return Err(Error::PreconditionFailed);
        }
        tables.delete_memberships(|m| m.contact_id == id, write.actor);
        if let Some(removed) = tables.contacts.remove(&id)
            && let Some(key) = removed.email_key()
        {
            tables.contact_emails.remove(&key);
        }
        tables.append(ChangeEntry::deleted(
            ResourceType::Contacts,
            id,
            time::now(),
            write.actor,
        ));
        Ok(())
    }

    fn list_contacts(&self, query: &ListQuery) -> Result<Page<Contact>> {
        let tables = self.read();
        let mut matching: Vec<&Contact> = tables
            .contacts
            .values()
            .filter(|contact| query.admits(*contact))
            .filter(|contact| {
                query
                    .member_of
                    .is_none_or(|org| tables.members.contains_key(&(org, contact.id)))
            })
            .collect();
        matching.sort_by(|a, b| query.compare(*a, *b));
        Ok(query.cut(matching.into_iter().cloned().collect()))
    }

    organization_record! {
        insert_document, get_document, update_document, delete_document, list_documents;
        map: documents,
        record: Document,
        id: DocumentId,
        patch: DocumentPatch,
        taken: Constraint::DocumentId,
        resource_type: ResourceType::Documents,
        snapshot: Snapshot::document,
        not_found: Error::document_not_found,
        check: |_, _| Ok(()),
    }

    organization_record! {
        insert_project, get_project, update_project, delete_project, list_projects;
        map: projects,
        record: Project,
        id: ProjectId,
        patch: ProjectPatch,
        taken: Constraint::ProjectId,
        resource_type: ResourceType::Projects,
        snapshot: Snapshot::project,
        not_found: Error::project_not_found,
        check: |_, _| Ok(()),
    }

    organization_record! {
        insert_task, get_task, update_task, delete_task, list_tasks;
        map: tasks,
        record: Task,
        id: TaskId,
        patch: TaskPatch,
        taken: Constraint::TaskId,
        resource_type: ResourceType::Tasks,
        snapshot: Snapshot::task,
        not_found: Error::task_not_found,
        check: |tables, task| tables.check_assignee(task.assignee_id),
    }

    fn insert_membership(&self, membership: &Membership, actor: Option<UserId>) -> Result<Version> {
        let mut tables = self.write();
        if tables.memberships.contains_key(&membership.id) {
            return Err(Error::Conflict(Constraint::MembershipId));
        }
        if !tables
            .organizations
            .contains_key(&membership.organization_id)
        {
            return Err(Error::organization_not_found(membership.organization_id));
        }
        if !tables.contacts.contains_key(&membership.contact_id) {
            return Err(Error::contact_not_found(membership.contact_id));
        }
        let pair = (membership.organization_id, membership.contact_id);
        if tables.members.contains_key(&pair) {
            return Err(Error::Conflict(Constraint::AlreadyMember));
        }
        let version = tables.append(ChangeEntry::created(
            ResourceType::Memberships,
            membership.id,
            &Snapshot::membership(membership),
            time::now(),
            actor,
        ));
        tables.members.insert(pair, membership.id);
        tables.memberships.insert(
            membership.id,
            Membership {
                version,
                ..membership.clone()
            },
        );
        Ok(version)
    }

    fn get_membership(&self, id: MembershipId) -> Result<Membership> {
        self.read()
            .memberships
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::membership_not_found(id))
    }

    fn update_membership(
        &self,
        id: MembershipId,
        patch: &MembershipPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Membership> {
        let mut tables = self.write();
        let mut updated = tables
            .memberships
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::membership_not_found(id))?;
        if !write.admits(updated.version) {
            return Err(Error::PreconditionFailed);
        }
        let before = updated.clone();
        if !patch.apply(&mut updated, now).map_err(Error::Invalid)? {
            return Ok(updated);
        }
        updated.version = tables.record(ChangeEntry::updated(
            ResourceType::Memberships,
            id,
            &Snapshot::membership(&before),
            &Snapshot::membership(&updated),
            now,
            write.actor,
        ));
        tables.memberships.insert(id, updated.clone());
        Ok(updated)
    }

    fn delete_membership(&self, id: MembershipId, write: Write) -> Result<()> {
        let mut tables = self.write();
        let version = tables
            .memberships
            .get(&id)
            .ok_or_else(|| Error::membership_not_found(id))?
            .version;
        if !write.admits(version) {
            return Err(Error::PreconditionFailed);
        }
        tables.delete_memberships(|m| m.id == id, write.actor);
        Ok(())
    }

    fn list_memberships(&self, query: &ListQuery) -> Result<Page<Membership>> {
        let tables = self.read();
        let mut matching: Vec<&Membership> = tables
            .memberships
            .values()
            .filter(|membership| query.admits(*membership))
            .collect();
        matching.sort_by(|a, b| query.compare(*a, *b));
        Ok(query.cut(matching.into_iter().cloned().collect()))
    }

    fn insert_user(&self, user: &User, actor: Option<UserId>) -> Result<Version> {
        let mut tables = self.write();
        if tables.users.contains_key(&user.id) {
            return Err(Error::Conflict(Constraint::UserId));
        }
        if tables.emails.contains_key(&user.email_key()) {
            return Err(Error::Conflict(Constraint::UserEmail));
        }
        let version = tables.append(ChangeEntry::created(
            ResourceType::Users,
            user.id,
            &Snapshot::user(user),
            time::now(),
            actor,
        ));
        tables.emails.insert(user.email_key(), user.id);
        tables.users.insert(
            user.id,
            User {
                version,
                ..user.clone()
            },
        );
        Ok(version)
    }

    fn get_user(&self, id: UserId) -> Result<User> {
        self.read()
            .users
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::user_not_found(id))
    }

    fn get_users(&self, ids: &[UserId]) -> Result<Vec<User>> {
        let tables = self.read();
        Ok(ids
            .iter()
            .filter_map(|id| tables.users.get(id))
            .cloned()
            .collect())
    }

    fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        let tables = self.read();
        Ok(tables
            .emails
            .get(&email_key(email))
            .and_then(|id| tables.users.get(id))
            .cloned())
    }

    fn list_users(&self, page: PageRequest) -> Result<Page<User>> {
        let tables = self.read();
        Ok(page_of(
            tables.users.values().collect(),
            |u| (u.created_at, u.id.as_uuid()),
            page,
        ))
    }

    fn update_user(&self, id: UserId, patch: &UserPatch, write: Write) -> Result<User> {
        let mut tables = self.write();
        let mut user = tables
            .users
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::user_not_found(id))?;
        if !write.admits(user.version) {
            return Err(Error::PreconditionFailed);
        }
        let before = Snapshot::user(&user);
        if patch.demotes(&user) && tables.admins() <= 1 {
            return Err(Error::Conflict(Constraint::LastAdmin));
        }
        let old_key = user.email_key();
        if !patch.apply(&mut user) {
            return Ok(user);
        }
        if tables
            .emails
            .get(&user.email_key())
            .is_some_and(|owner| *owner != id)
        {
            return Err(Error::Conflict(Constraint::UserEmail));
        }
        let after = Snapshot::user(&user);
        user.version = tables.record(ChangeEntry::updated(
            ResourceType::Users,
            id,
            &before,
            &after,
            time::now(),
            write.actor,
        ));
        tables.emails.remove(&old_key);
        tables.emails.insert(user.email_key(), id);
        tables.users.insert(id, user.clone());
        Ok(user)
    }

    fn delete_user(&self, id: UserId, reassign_to: Option<UserId>, write: Write) -> Result<()> {
        let mut tables = self.write();
        let user = tables
            .users
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::user_not_found(id))?;
        if !write.admits(user.version) {
            return Err(Error::PreconditionFailed);
        }
        if user.role == Role::Admin && tables.admins() <= 1 {
            return Err(Error::Conflict(Constraint::LastAdmin));
        }
        let owns = tables
            .organizations
            .values()
            .any(|o| o.details.owner_id == Some(id))
            || tables.contacts.values().any(|c| c.owner_id == Some(id));
        match reassign_to {
            _ if !owns => {}
            None => return Err(Error::Conflict(Constraint::UserOwnsOrganizations)),
            Some(heir) if heir == id || !tables.users.contains_key(&heir) => {
                return Err(Error::user_not_found(heir));
            }
            Some(_) => {}
        }
        let now = time::now();
        let mut touched: Vec<OrganizationId> = tables
            .organizations
            .values()
            .filter(|o| [o.details.owner_id, o.creator_id, o.updater_id].contains(&Some(id)))
            .map(|o| o.id)
            .collect();
        touched.sort();
        // One version for the organizations that only forget the user; each reassigned one
        // gets its own entry's.
        let forgotten = tables.allocate();
        for org_id in touched {
            let Some(mut org) = tables.organizations.get(&org_id).cloned() else {
                continue;
            };
            let before = Snapshot::organization(&org, &CustomFields::EMPTY);
            if org.details.owner_id == Some(id) {
                org.details.owner_id = reassign_to;
            }
            if org.creator_id == Some(id) {
                org.creator_id = None;
            }
            if org.updater_id == Some(id) {
                org.updater_id = None;
            }
            let after = Snapshot::organization(&org, &CustomFields::EMPTY);
            org.version = match ChangeEntry::updated(
                ResourceType::Organizations,
                org_id,
                &before,
                &after,
                now,
                write.actor,
            ) {
                Some(entry) => tables.append(entry),
                None => forgotten,
            };
            tables.organizations.insert(org_id, org);
        }
        let mut contacts: Vec<ContactId> = tables
            .contacts
            .values()
            .filter(|c| [c.owner_id, c.creator_id, c.updater_id].contains(&Some(id)))
            .map(|c| c.id)
            .collect();
        contacts.sort();
        for contact_id in contacts {
            let Some(mut contact) = tables.contacts.get(&contact_id).cloned() else {
                continue;
            };
            let before = Snapshot::contact(&contact, &CustomFields::EMPTY);
            if contact.owner_id == Some(id) {
                contact.owner_id = reassign_to;
            }
            if contact.creator_id == Some(id) {
                contact.creator_id = None;
            }
            if contact.updater_id == Some(id) {
                contact.updater_id = None;
            }
            contact.version = match ChangeEntry::updated(
                ResourceType::Contacts,
                contact_id,
                &before,
                &Snapshot::contact(&contact, &CustomFields::EMPTY),
                now,
                write.actor,
            ) {
                Some(entry) => tables.append(entry),
                None => forgotten,
            };
            tables.put_contact(contact);
        }
        let mut tasks: Vec<TaskId> = tables
            .tasks
            .values()
            .filter(|t| t.assignee_id == Some(id))
            .map(|t| t.id)
            .collect();
        tasks.sort();
        for task_id in tasks {
            let Some(mut task) = tables.tasks.get(&task_id).cloned() else {
                continue;
            };
            let before = Snapshot::task(&task);
            task.assignee_id = None;
            task.version = match ChangeEntry::updated(
                ResourceType::Tasks,
                task_id,
                &before,
                &Snapshot::task(&task),
                now,
                write.actor,
            ) {
                Some(entry) => tables.append(entry),
                None => forgotten,
            };
            tables.tasks.insert(task_id, task);
        }
        let mut keys: Vec<ApiKeyId> = tables
            .api_keys
            .values()
            .filter(|key| key.user_id == id)
            .map(|key| key.id)
            .collect();
        keys.sort();
        for key in keys {
            tables.api_keys.remove(&key);
            tables.append(ChangeEntry::deleted(
                ResourceType::ApiKeys,
                key,
                now,
                write.actor,
            ));
        }
        tables.users.remove(&id);
        tables.emails.remove(&user.email_key());
        tables.append(ChangeEntry::deleted(
            ResourceType::Users,
            id,
            now,
            write.actor,
        ));
        Ok(())
    }

    fn count_users(&self) -> Result<u64> {
        Ok(self.read().users.len() as u64)
    }

    fn insert_api_key(&self, key: &ApiKey, actor: Option<UserId>) -> Result<Version> {
        let mut tables = self.write();
        if !tables.users.contains_key(&key.user_id) {
            return Err(Error::user_not_found(key.user_id));
        }
        if tables.api_keys.contains_key(&key.id) {
            return Err(Error::Conflict(Constraint::ApiKeyId));
        }
        let version = tables.append(ChangeEntry::created(
            ResourceType::ApiKeys,
            key.id,
            &Snapshot::api_key(key),
            time::now(),
            actor,
        ));
        tables.api_keys.insert(
            key.id,
            ApiKey {
                version,
                ..key.clone()
            },
        );
        Ok(version)
    }

    fn get_api_key(&self, id: ApiKeyId) -> Result<ApiKey> {
        self.read()
            .api_keys
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::api_key_not_found(id))
    }

    fn list_api_keys(&self, user: Option<UserId>, page: PageRequest) -> Result<Page<ApiKey>> {
        let tables = self.read();
        let keys = tables
            .api_keys
            .values()
            .filter(|k| user.is_none_or(|u| k.user_id == u))
            .collect();
        Ok(page_of(keys, |k| (k.created_at, k.id.as_uuid()), page))
    }

    fn delete_api_key(&self, id: ApiKeyId, write: Write) -> Result<()> {
        let mut tables = self.write();
        let version = tables
            .api_keys
            .get(&id)
            .ok_or_else(|| Error::api_key_not_found(id))?
            .version;
        if !write.admits(version) {
            return Err(Error::PreconditionFailed);
        }
        tables.api_keys.remove(&id);
        tables.append(ChangeEntry::deleted(
            ResourceType::ApiKeys,
            id,
            time::now(),
            write.actor,
        ));
        Ok(())
    }

    fn find_api_keys_by_prefix(&self, prefix: &str) -> Result<Vec<(ApiKey, User)>> {
        let tables = self.read();
        Ok(tables
            .api_keys
            .values()
            .filter(|k| k.prefix == prefix)
            .filter_map(|k| tables.users.get(&k.user_id).map(|u| (k.clone(), u.clone())))
            .collect())
    }

    fn touch_api_key(&self, id: ApiKeyId, at: Timestamp) -> Result<()> {
        let mut tables = self.write();
        let key = tables
            .api_keys
            .get_mut(&id)
            .ok_or_else(|| Error::api_key_not_found(id))?;
        key.last_used_at = Some(at);
        Ok(())
    }

    fn insert_custom_field(&self, field: &CustomField, actor: Option<UserId>) -> Result<Version> {
        let mut tables = self.write();
        if tables.custom_fields.contains_key(&field.id) {
            return Err(Error::Conflict(Constraint::CustomFieldId));
        }
        if tables
            .custom_fields
            .values()
            .any(|f| f.identifier == field.identifier && f.resource_type == field.resource_type)
        {
            return Err(Error::Conflict(Constraint::CustomFieldIdentifier));
        }
        let version = tables.append(ChangeEntry::created(
            ResourceType::CustomFields,
            field.id,
            &Snapshot::custom_field(field),
            time::now(),
            actor,
        ));
        tables.custom_fields.insert(
            field.id,
            CustomField {
                version,
                ..field.clone()
            },
        );
        Ok(version)
    }

    fn get_custom_field(&self, id: CustomFieldId) -> Result<CustomField> {
        self.read()
            .custom_fields
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::custom_field_not_found(id))
    }

    fn list_custom_fields(&self) -> Result<CustomFields> {
        Ok(CustomFields::new(
            self.read().custom_fields.values().cloned().collect(),
        ))
    }

    fn update_custom_field(
        &self,
        id: CustomFieldId,
        patch: &CustomFieldPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<CustomField> {
        let mut tables = self.write();
        let mut field = tables
            .custom_fields
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::custom_field_not_found(id))?;
        if !write.admits(field.version) {
            return Err(Error::PreconditionFailed);
        }
        let before = Snapshot::custom_field(&field);
        if let Some(options) = &patch.options {
            let removed = field.removed_options(options);
            let holds_removed = |value: &CustomValue| match value {
                CustomValue::Text(choice) => removed.contains(choice),
                CustomValue::Choices(choices) => choices.iter().any(|c| removed.contains(c)),
                _ => false,
            };
            let holders = tables
                .values_of(&field)
                .into_iter()
                .filter(|value| holds_removed(value))
                .count() as u64;
            if holders > 0 {
                return Err(options_in_use(&field, &removed, holders));
            }
        }
        if patch.unique == Some(true) && !field.unique {
            let holders = colliding_holders(tables.values_of(&field));
            if holders > 0 {
                return Err(values_collide(&field, holders));
            }
        }
        if patch.apply(&mut field, now) {
            let after = Snapshot::custom_field(&field);
            field.version = tables.record(ChangeEntry::updated(
                ResourceType::CustomFields,
                id,
                &before,
                &after,
                now,
                write.actor,
            ));
            tables.custom_fields.insert(id, field.clone());
        }
        Ok(field)
    }

    fn delete_custom_field(&self, id: CustomFieldId, write: Write) -> Result<()> {
        let mut tables = self.write();
        let field = tables
            .custom_fields
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::custom_field_not_found(id))?;
        if !write.admits(field.version) {
            return Err(Error::PreconditionFailed);
        }
        let now = time::now();
        // As on SQL: each holder's entry is logged, its version stays (its ETag changes
        // through the custom field digest).
        let mut removed: Vec<(Uuid, CustomValue)> = match field.resource_type {
            CustomResourceType::Organizations => tables
                .organizations
                .values_mut()
                .filter_map(|org| Some((org.id.as_uuid(), org.details.custom.remove(&id)?)))
                .collect(),
            CustomResourceType::Contacts => tables
                .contacts
                .values_mut()
                .filter_map(|c| Some((c.id.as_uuid(), c.custom.remove(&id)?)))
                .collect(),
        };
        removed.sort_by_key(|(holder, _)| *holder);
        for (holder, value) in removed {
            tables.append(ChangeEntry::value_removed(
                field.resource_type,
                holder,
                &field.identifier,
                &value,
                now,
                write.actor,
            ));
        }
        tables.custom_fields.remove(&id);
        tables.append(ChangeEntry::deleted(
            ResourceType::CustomFields,
            id,
            now,
            write.actor,
        ));
        Ok(())
    }

    fn list_changes(&self, query: &ChangeQuery) -> Result<Page<Change>> {
        let tables = self.read();
        query.check_not_pruned(tables.log)?;
        Ok(query.cut(&tables.changes))
    }

    fn change_log_state(&self) -> Result<LogState> {
        Ok(self.read().log)
    }

    fn prune_changes(&self, before: Timestamp, limit: u64) -> Result<u64> {
        let mut tables = self.write();
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut pruned = 0;
        let mut through = tables.log.pruned_through;
        tables.changes.retain(|change| {
            let prune = pruned < limit && change.entry.changed_at < before;
            if prune {
                pruned += 1;
                through = through.max(change.sequence);
            }
            !prune
        });
        tables.log.pruned_through = through;
        Ok(pruned as u64)
    }

    fn insert_webhook(&self, webhook: &Webhook, actor: Option<UserId>) -> Result<Version> {
        let mut tables = self.write();
        if tables.webhooks.contains_key(&webhook.id) {
            return Err(Error::Conflict(Constraint::WebhookId));
        }
        let version = tables.append(ChangeEntry::created(
            ResourceType::Webhooks,
            webhook.id,
            &Snapshot::webhook(webhook),
            time::now(),
            actor,
        ));
        tables.webhooks.insert(
            webhook.id,
            Webhook {
                version,
                ..webhook.clone()
            },
        );
        Ok(version)
    }

    fn get_webhook(&self, id: WebhookId) -> Result<Webhook> {
        self.read()
            .webhooks
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::webhook_not_found(id))
    }

    fn list_webhooks(&self, page: PageRequest) -> Result<Page<Webhook>> {
        let tables = self.read();
        let webhooks = tables.webhooks.values().collect();
        Ok(page_of(webhooks, |w| (w.created_at, w.id.as_uuid()), page))
    }

    fn update_webhook(
        &self,
        id: WebhookId,
        patch: &WebhookPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Webhook> {
        let mut tables = self.write();
        let mut webhook = tables
            .webhooks
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::webhook_not_found(id))?;
        if !write.admits(webhook.version) {
            return Err(Error::PreconditionFailed);
        }
        let before = Snapshot::webhook(&webhook);
        if webhook.apply(patch, now) {
            let after = Snapshot::webhook(&webhook);
            webhook.version = tables.record(ChangeEntry::updated(
                ResourceType::Webhooks,
                id,
                &before,
                &after,
                now,
                write.actor,
            ));
            tables.webhooks.insert(id, webhook.clone());
        }
        Ok(webhook)
    }

    fn delete_webhook(&self, id: WebhookId, write: Write) -> Result<()> {
        let mut tables = self.write();
        let version = tables
            .webhooks
            .get(&id)
            .ok_or_else(|| Error::webhook_not_found(id))?
            .version;
        if !write.admits(version) {
            return Err(Error::PreconditionFailed);
        }
        tables.webhooks.remove(&id);
        tables.append(ChangeEntry::deleted(
            ResourceType::Webhooks,
            id,
            time::now(),
            write.actor,
        ));
        Ok(())
    }

    fn rotate_webhook_secret(
        &self,
        id: WebhookId,
        secret: &WebhookSecret,
        now: Timestamp,
        write: Write,
    ) -> Result<Webhook> {
        self.rewrite_webhook(id, write, |webhook| webhook.rotate(secret.clone(), now))
    }

    fn rewind_webhook(&self, id: WebhookId, position: u64, write: Write) -> Result<Webhook> {
        self.rewrite_webhook(id, write, |webhook| webhook.rewind(position))
    }

    fn active_webhooks(&self) -> Result<Vec<Webhook>> {
        let tables = self.read();
        let mut active: Vec<Webhook> = tables
            .webhooks
            .values()
            .filter(|w| w.active)
            .cloned()
            .collect();
        active.sort_by_key(|w| (w.created_at, w.id));
        Ok(active)
    }

    fn record_delivery(
        &self,
        id: WebhookId,
        version: Version,
        state: &DeliveryState,
    ) -> Result<bool> {
        let mut tables = self.write();
        let Some(webhook) = tables.webhooks.get_mut(&id) else {
            return Ok(false);
        };
        if webhook.version != version || !webhook.active {
            return Ok(false);
        }
        webhook.delivery = state.clone();
        if state.disabled_reason.is_some() {
            webhook.active = false;
        }
        Ok(true)
    }

    fn append_delivery(&self, record: &DeliveryRecord) -> Result<()> {
        self.write().deliveries.push(record.clone());
        Ok(())
    }

    fn list_deliveries(
        &self,
        webhook: WebhookId,
        page: PageRequest,
    ) -> Result<Page<DeliveryRecord>> {
        let tables = self.read();
        let deliveries = tables
            .deliveries
            .iter()
            .filter(|d| d.webhook_id == webhook)
            .collect();
        Ok(page_of(
            deliveries,
            |d| (d.delivered_at, d.id.as_uuid()),
            page,
        ))
    }

    fn prune_deliveries(&self, before: Timestamp) -> Result<u64> {
        let mut tables = self.write();
        let count = tables.deliveries.len();
        tables.deliveries.retain(|d| d.delivered_at >= before);
        Ok((count - tables.deliveries.len()) as u64)
    }

    fn lease_webhook(
        &self,
        id: WebhookId,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool> {
        let mut tables = self.write();
        if !tables.webhooks.contains_key(&id) {
            return Ok(false);
        }
        let free = match tables.leases.get(&id) {
            Some((holder, expires)) => holder == owner || *expires <= now,
            None => true,
        };
        if free {
            tables.leases.insert(id, (owner.to_owned(), until));
        }
        Ok(free)
    }

    fn release_webhook(&self, id: WebhookId, owner: &str) -> Result<()> {
        let mut tables = self.write();
        if tables
            .leases
            .get(&id)
            .is_some_and(|(holder, _)| holder == owner)
        {
            tables.leases.remove(&id);
        }
        Ok(())
    }

    fn claim_idempotency_key(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        now: Timestamp,
    ) -> Result<Claim> {
        let mut tables = self.write();
        let claim = idempotency::decide(tables.idempotency.get(key), fingerprint, now);
        if claim == Claim::Run {
            tables
                .idempotency
                .insert(key.clone(), Entry::claim(fingerprint, now));
        }
        Ok(claim)
    }

    fn answer_idempotency_key(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        response: &StoredResponse,
    ) -> Result<()> {
        let mut tables = self.write();
        if let Some(entry) = tables.idempotency.get_mut(key)
            && entry.fingerprint == fingerprint
            && entry.response.is_none()
        {
            entry.response = Some(response.clone());
        }
        Ok(())
    }

    fn release_idempotency_key(&self, key: &IdempotencyKey, fingerprint: &str) -> Result<()> {
        let mut tables = self.write();
        if tables
            .idempotency
            .get(key)
            .is_some_and(|e| e.fingerprint == fingerprint && e.response.is_none())
        {
            tables.idempotency.remove(key);
        }
        Ok(())
    }

    fn prune_idempotency_keys(&self, before: Timestamp) -> Result<u64> {
        let mut tables = self.write();
        let count = tables.idempotency.len();
        tables.idempotency.retain(|_, e| e.claimed_at >= before);
        Ok((count - tables.idempotency.len()) as u64)
    }

    /// The work runs on a copy of the tables, under the write lock held throughout (so no
    /// other write can interleave), and the copy replaces them only if it succeeds: the
    /// reference's transaction is as plain as that.
    fn atomically(&self, work: &mut dyn FnMut(&dyn Store) -> Result<()>) -> Result<()> {
        let mut tables = self.write();
        let draft = MemoryStore {
            inner: RwLock::new(tables.clone()),
        };
        work(&draft)?;
        *tables = draft
            .inner
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(())
    }
}
