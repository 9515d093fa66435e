//! Operations composed from store calls, written once for every backend and every caller
//! (HTTP handlers, the importer).

use crate::change::Write;
use crate::error::{Constraint, Error, Result, ValidationErrors};
use crate::ids::{CustomFieldId, OrganizationId};
use crate::membership::{Membership, NewMembership};
use crate::name::NAME_MAX_CHARS;
use crate::organization::{Details, NewOrganization, Organization, OrganizationPatch};
use crate::query::{Field, Filter, ListQuery, MAX_PAGE_SIZE, Operator, PageRequest};
use crate::slug::Slug;
use crate::store::Store;
use crate::time::Timestamp;

/// How many numbered slugs (`acme-2` …) to try before falling back to a random suffix.
const SLUG_ATTEMPTS: u32 = 20;
/// How many copy names (`NAME (copy)`, `NAME (copy 2)` …) `duplicate` tries.
const COPY_ATTEMPTS: u32 = 100;

/// Creates an organization. A derived slug that is taken becomes `slug-2`, `slug-3`, …; the
/// unique index decides, so concurrent creates cannot share a slug.
pub fn create_organization<S: Store + ?Sized>(
    store: &S,
    new: &NewOrganization,
    now: Timestamp,
) -> Result<Organization> {
    let mut new = new.clone();
    // Fix the id once so every attempt inserts the same record.
    let id = *new.id.get_or_insert_with(OrganizationId::generate);
    if let Some(slug) = &new.slug {
        let mut record = new.to_organization(slug, now);
        record.version = store.insert_organization(&record)?;
        return Ok(record);
    }
    let base = Slug::derive(&new.name);
    let candidates = std::iter::once(base.clone())
        .chain((2..=SLUG_ATTEMPTS).map(|n| base.with_suffix(n)))
        .chain(std::iter::once(Slug::derive(&format!(
            "{} {}",
            base,
            &id.as_uuid().simple().to_string()[20..]
        ))));
    let mut last = Error::Conflict(Constraint::OrganizationSlug);
    for slug in candidates {
        let mut record = new.to_organization(&slug, now);
        match store.insert_organization(&record) {
            Ok(version) => {
                record.version = version;
                return Ok(record);
            }
            Err(Error::Conflict(Constraint::OrganizationSlug)) => {
                last = Error::Conflict(Constraint::OrganizationSlug)
            }
            Err(other) => return Err(other),
        }
    }
    Err(last)
}

/// Creates `news` in order, each as [`create_organization`] would, in a few statements where
/// the store can ([`Store::insert_organizations`]): the whole batch is tried first, and only
/// when it fails (a name, slug or value taken, by another record or inside the batch) are
/// they created one by one, so the slugs given and the error met are the one-by-one ones. On
/// failure, the index of the first that could not be created, and why; those before it are
/// created, so callers that want all or none call this inside [`Store::atomically`].
pub fn create_organizations(
    store: &dyn Store,
    news: &[NewOrganization],
    now: Timestamp,
) -> std::result::Result<Vec<Organization>, (usize, Error)> {
    let mut news = news.to_vec();
    for new in &mut news {
        new.id.get_or_insert_with(OrganizationId::generate);
    }
    let mut records: Vec<Organization> = news
        .iter()
        .map(|new| {
            let slug = new.slug.clone().unwrap_or_else(|| Slug::derive(&new.name));
            new.to_organization(&slug, now)
        })
        .collect();
    match store.insert_organizations(&records) {
        Ok(versions) => {
            for (record, version) in records.iter_mut().zip(versions) {
                record.version = version;
            }
            Ok(records)
        }
        // Storage trouble is no record's fault: it goes back to the caller as it is.
        Err(error @ Error::Unavailable(_)) => Err((0, error)),
        Err(_) => news
            .iter()
            .enumerate()
            .map(|(index, new)| create_organization(store, new, now).map_err(|e| (index, e)))
            .collect(),
    }
}

/// What [`create_or_get_existing`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Created {
    New(Organization),
    /// An organization with the same name existed and is returned unchanged.
    Existing(Organization),
}

/// `?return_existing=true`: creates, or returns the organization that already has the name.
/// The insert goes first and the lookup only follows a name conflict, so N concurrent calls
/// make one organization and all N see it.
pub fn create_or_get_existing(
    store: &dyn Store,
    new: &NewOrganization,
    now: Timestamp,
) -> Result<Created> {
    // Two rounds: the holder of the name may be deleted between our insert and our lookup.
    for _ in 0..2 {
        match create_organization(store, new, now) {
            Ok(created) => return Ok(Created::New(created)),
            Err(Error::Conflict(Constraint::OrganizationName)) => {
                if let Some(existing) = store.find_organization_by_name(&new.name)? {
                    return Ok(Created::Existing(existing));
                }
            }
            Err(other) => return Err(other),
        }
    }
    Err(Error::Conflict(Constraint::OrganizationName))
}

/// The attribute an upsert finds its organization by: the name, or a unique custom field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertKey {
    Name,
    Custom(CustomFieldId),
}

impl UpsertKey {
    /// Whether a create's conflict may be the key taken (the organization to update appeared
    /// meanwhile; its name collides first when the racing writers send one name). A real
    /// name collision stays one: every round finds no holder and fails the same way.
    pub(crate) fn taken(self, error: &Error) -> bool {
        match (self, error) {
            (_, Error::Conflict(Constraint::OrganizationName)) => true,
            (UpsertKey::Custom(field), Error::Conflict(Constraint::CustomValue(collided))) => {
                collided.is_none_or(|c| c == field)
            }
            _ => false,
        }
    }
}

/// What [`upsert_organization`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Upserted {
    Created(Organization),
    Updated(Organization),
}

/// How many times an upsert looks again after losing a race (the holder deleted between the
/// lookup and the update, or a concurrent create taking the key first).
const UPSERT_ROUNDS: u32 = 4;

/// Creates `new`, or applies `patch` (the same request read as a PATCH) to the organization
/// that holds `new`'s value of `key`. The unique index decides: a create that finds the key
/// taken looks again and updates, so N concurrent upserts of one key make one organization,
/// and each update is an ordinary locked update (none is lost).
pub fn upsert_organization(
    store: &dyn Store,
    key: UpsertKey,
    new: &NewOrganization,
    patch: &OrganizationPatch,
    write: Write,
    now: Timestamp,
) -> Result<Upserted> {
    let value = match key {
        UpsertKey::Name => None,
        UpsertKey::Custom(field) => Some(new.details.custom.get(&field).ok_or_else(|| {
            Error::Invalid(ValidationErrors::single(
                "",
                "required",
                "an upsert needs a value of the attribute it matches by",
            ))
        })?),
    };
    let mut last = Error::Conflict(Constraint::OrganizationName);
    for _ in 0..UPSERT_ROUNDS {
        let holder = match (key, value) {
            (UpsertKey::Custom(field), Some(value)) => {
                store.find_organization_by_custom_value(field, value)?
            }
            _ => store.find_organization_by_name(&new.name)?,
        };
        match holder {
            Some(holder) => match store.update_organization(holder.id, patch, now, write.clone()) {
                Ok(updated) => return Ok(Upserted::Updated(updated)),
                Err(error @ Error::NotFound { .. }) => last = error,
                Err(other) => return Err(other),
            },
            None => match create_organization(store, new, now) {
                Ok(created) => return Ok(Upserted::Created(created)),
                Err(error) if key.taken(&error) => last = error,
                Err(other) => return Err(other),
            },
        }
    }
    Err(last)
}

/// The name of the `n`th copy (`n` from 1), cut so it stays within the name limit.
pub fn copy_name(name: &str, n: u32) -> String {
    let suffix = if n == 1 {
        " (copy)".to_owned()
    } else {
        format!(" (copy {n})")
    };
    let room = NAME_MAX_CHARS - suffix.chars().count();
    let base: String = name.chars().take(room).collect();
    format!("{}{suffix}", base.trim_end())
}

/// Copies an organization's attributes, lists, domains, metadata and owner into a new,
/// unarchived organization named `NAME (copy)`, or `NAME (copy 2)` … when that is taken;
/// the writer becomes its creator. The source must be at the version the writer expects.
pub fn duplicate_organization(
    store: &dyn Store,
    id: OrganizationId,
    write: Write,
    now: Timestamp,
) -> Result<Organization> {
    let source = store.get_organization(id)?;
    if !write.admits(source.version) {
        return Err(Error::PreconditionFailed);
    }
    let actor = write.actor;
    let fields = store.list_custom_fields()?;
    let mut details = Details {
        archived_at: None,
        ..source.details
    };
    // A unique value would collide with the source's own.
    details
        .custom
        .retain(|field, _| !fields.get(*field).is_some_and(|f| f.unique));
    for n in 1..=COPY_ATTEMPTS {
        let new = NewOrganization {
            details: details.clone(),
            owner_given: true,
            actor,
            ..NewOrganization::named(copy_name(&source.name, n))
        };
        // The copy and its memberships are one write: a copy is never seen without its
        // members.
        let mut copy = None;
        let made = store.atomically(&mut |tx| {
            let org = create_organization(tx, &new, now)?;
            let of_source = Filter::parse(Field::Organization, Operator::Eq, &id.to_string())
                .map_err(Error::Backend)?;
            for membership in memberships_where(tx, vec![of_source])? {
                let member = NewMembership {
                    role: membership.role,
                    ..NewMembership::new(org.id, membership.contact_id)
                }
                .to_membership(now);
                tx.insert_membership(&member, actor)?;
            }
            copy = Some(org);
            Ok(())
        });
        match made {
            Err(Error::Conflict(Constraint::OrganizationName)) => continue,
            Err(other) => return Err(other),
            Ok(()) => {
                return copy.ok_or_else(|| Error::Backend("the copy was not kept".into()));
            }
        }
    }
    Err(Error::Conflict(Constraint::OrganizationName))
}

/// Every membership `filters` select (on its organization or its contact), a thousand at a
/// time, oldest first.
pub fn memberships_where(store: &dyn Store, filters: Vec<Filter>) -> Result<Vec<Membership>> {
    let mut all = Vec::new();
    for number in 1.. {
        let page = store.list_memberships(&ListQuery {
            filters: filters.clone(),
            page: PageRequest::numbered(number, MAX_PAGE_SIZE),
            with_total: false,
            ..ListQuery::default()
        })?;
        let more = page.has_next;
        all.extend(page.items);
        if !more {
            break;
        }
    }
    Ok(all)
}

/// Registers a webhook. It hears of what is committed after its creation: its position is
/// the log's head once its own entry is in it (changes committed in that instant may be
/// passed; none before its creation is delivered).
pub fn create_webhook(
    store: &dyn Store,
    new: crate::webhook::NewWebhook,
    secret: crate::webhook::WebhookSecret,
    id: Option<crate::ids::WebhookId>,
    actor: Option<crate::ids::UserId>,
    now: Timestamp,
) -> Result<crate::webhook::Webhook> {
    let head = store.change_log_state()?.latest;
    let mut webhook = crate::webhook::Webhook::new(new, secret, head, id, now);
    webhook.version = store.insert_webhook(&webhook, actor)?;
    let delivery = crate::webhook::DeliveryState {
        last_delivered_sequence: store.change_log_state()?.latest,
        ..webhook.delivery.clone()
    };
    if store.record_delivery(webhook.id, webhook.version, &delivery)? {
        webhook.delivery = delivery;
    }
    Ok(webhook)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_names_count_and_fit() {
        assert_eq!(copy_name("Acme", 1), "Acme (copy)");
        assert_eq!(copy_name("Acme", 2), "Acme (copy 2)");
        let long = "x".repeat(255);
        let copy = copy_name(&long, 12);
        assert_eq!(copy.chars().count(), 255);
        assert!(copy.ends_with(" (copy 12)"));
    }
}
