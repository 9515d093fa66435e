//! Export then import into an empty database gives the same data, on every backend.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::NaiveDate;
use orgbase_domain::{
    Contact, CustomFormat, CustomResourceType, CustomValue, Field, ListQuery, MembershipRole,
    NewContact, NewMembership, PageRequest, Role, SortKey, Store, User, UserId, time,
};
use orgbase_store_diesel::testing::TestDatabase;
use orgbase_store_diesel::{DatabaseTarget, DieselStore, PoolOptions};
use orgbase_store_memory::MemoryStore;
use orgbase_store_tests::cases::custom_fields::{define, define_for};
use orgbase_store_tests::fixtures::{all_organizations, at, full};
use orgbase_store_tests::require_in_ci;

use super::contacts;
use super::export::{self, ExportOptions};
use super::format::Format;
use super::import::{self, ImportOptions};

/// Whatever keeps a test database alive.
type Guard = Box<dyn std::any::Any>;

fn sqlite(dir: &std::path::Path, name: &str) -> Arc<dyn Store> {
    let store = DieselStore::open(
        DatabaseTarget::Sqlite(dir.join(name)),
        &PoolOptions::default(),
    )
    .unwrap();
    store.run_migrations().unwrap();
    Arc::new(store)
}

fn postgres() -> Option<(Arc<dyn Store>, Guard)> {
    let Ok(admin_url) = std::env::var("ORGBASE_TEST_POSTGRES_URL") else {
        return require_in_ci("ORGBASE_TEST_POSTGRES_URL is not set");
    };
    let database = TestDatabase::create(&admin_url).unwrap();
    let store = DieselStore::open(
        DatabaseTarget::Postgres(database.url().to_owned()),
        &PoolOptions::default(),
    )
    .unwrap();
    store.run_migrations().unwrap();
    Some((Arc::new(store), Box::new(database)))
}

/// Fills `source` with organizations using every attribute, owners and custom values.
fn populate(source: &dyn Store, owner: &User) {
    let arr = define(source, "c_arr", CustomFormat::Number, &[]);
    let tags = define(
        source,
        "c_tags",
        CustomFormat::MultiSelect,
        &["a", "b;c", "d"],
    );
    let renewal = define(source, "c_renewal", CustomFormat::Date, &[]);
    for n in 0..2500 {
        let mut new = full(&format!("Company {n}"));
        new.details.owner_id = (n % 3 == 0).then_some(owner.id);
        new.owner_given = true;
        if n % 7 == 0 {
            new.details.archived_at = Some(at(2025, 3, 1, n));
        }
        new.details
            .custom
            .insert(arr.id, CustomValue::Number(f64::from(n) * 1.5));
        if n % 2 == 0 {
            new.details.custom.insert(
                tags.id,
                CustomValue::Choices(vec!["b;c".into(), "a".into()]),
            );
        }
        new.details.custom.insert(
            renewal.id,
            CustomValue::Date(NaiveDate::from_ymd_opt(2027, 1, 1 + n % 28).unwrap()),
        );
        let slug = new.slug.clone().unwrap().with_suffix(n);
        source
            .insert_organization(&new.to_organization(&slug, time::now()))
            .unwrap();
    }
}

fn round_trip(source: &dyn Store, target: &dyn Store) {
    let owner = User {
        id: UserId::generate(),
        name: "Owner".into(),
        email: "owner@crm.example".into(),
        role: Role::Member,
        created_at: at(2026, 1, 1, 0),
        version: 0,
    };
    // Users are not part of an export: the target knows the same people.
    source.insert_user(&owner, None).unwrap();
    target.insert_user(&owner, None).unwrap();
    populate(source, &owner);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.ndjson");
    export::run(
        source,
        &ExportOptions {
            format: Format::Ndjson,
            output: Some(file.clone()),
            filter: None,
        },
    )
    .unwrap();
    let options = ImportOptions {
        file,
        format: None,
        owner: None,
        strict: false,
        match_by: None,
    };
    import::run(target, &options).unwrap();
    // Versions are each store's own numbers; the data is what must round-trip.
    let unversioned = |store: &dyn Store| {
        let mut all = all_organizations(store);
        all.iter_mut().for_each(|o| o.version = 0);
        all
    };
    let (before, after) = (unversioned(source), unversioned(target));
    let before = &before;
    // More than one export page (1,000), and more than one import batch (2,000).
    assert_eq!(before.len(), 2500);
    assert_eq!(&after, before);
    assert_eq!(
        target
            .list_custom_fields()
            .unwrap()
            .iter()
            .map(|f| (f.id, &f.identifier, f.format, &f.options))
            .collect::<Vec<_>>(),
        source
            .list_custom_fields()
            .unwrap()
            .iter()
            .map(|f| (f.id, &f.identifier, f.format, &f.options))
            .collect::<Vec<_>>(),
    );
    // Importing the same file again changes nothing, not even a version.
    let imported = all_organizations(target);
    import::run(target, &options).unwrap();
    assert_eq!(all_organizations(target), imported);
    contacts_round_trip(source, target, &owner, before);
}

/// Every contact, by id, versions zeroed.
fn all_contacts(store: &dyn Store) -> Vec<Contact> {
    let mut all = Vec::new();
    for number in 1.. {
        let page = store
            .list_contacts(&ListQuery {
                sort: vec![SortKey::ascending(Field::Id)],
                page: PageRequest::numbered(number, 1000),
                ..ListQuery::default()
            })
            .unwrap();
        let more = page.has_next;
        all.extend(page.items.into_iter().map(|c| Contact { version: 0, ..c }));
        if !more {
            break;
        }
    }
    all
}

/// Every membership as (organization, contact, role), sorted.
fn all_memberships(store: &dyn Store) -> Vec<(String, String, MembershipRole)> {
    let mut all = Vec::new();
    for number in 1.. {
        let page = store
            .list_memberships(&ListQuery {
                page: PageRequest::numbered(number, 1000),
                ..ListQuery::default()
            })
            .unwrap();
        let more = page.has_next;
        all.extend(page.items.into_iter().map(|m| {
            (
                m.organization_id.to_string(),
                m.contact_id.to_string(),
                m.role,
            )
        }));
        if !more {
            break;
        }
    }
    all.sort();
    all
}

/// Contacts (more than an export page of them) with owners and memberships, exported and
/// imported after the organizations they belong to.
fn contacts_round_trip(
    source: &dyn Store,
    target: &dyn Store,
    owner: &User,
    orgs: &[orgbase_domain::Organization],
) {
    // Contacts' own custom fields; the NDJSON export carries their definitions.
    let contacts = CustomResourceType::Contacts;
    let tier = define_for(
        source,
        contacts,
        "c_tier",
        CustomFormat::Select,
        &["Gold", "A;B"],
    );
    let score = define_for(source, contacts, "c_score", CustomFormat::Number, &[]);
    let topics = define_for(
        source,
        contacts,
        "c_topics",
        CustomFormat::MultiSelect,
        &["Sales", "Tech"],
    );
    for n in 0..1200u32 {
        let mut custom = orgbase_domain::CustomValues::new();
        if n % 3 != 1 {
            custom.insert(
                tier.id,
                CustomValue::Text(["Gold", "A;B"][n as usize % 2].into()),
            );
        }
        custom.insert(score.id, CustomValue::Number(f64::from(n) / 4.0));
        if n % 4 == 0 {
            custom.insert(
                topics.id,
                CustomValue::Choices(vec!["Tech".into(), "Sales".into()]),
            );
        }
        let mut contact = NewContact {
            custom,
            email: (n % 5 != 0).then(|| format!("Person{n}@Example.com")),
            phone: (n % 2 == 0).then(|| format!("+32 {n:04}")),
            title: (n % 3 == 0).then(|| "CTO, \"quoted\" — ünïcode".to_owned()),
            notes: (n % 7 == 0).then(|| "line one\nline two; three".to_owned()),
            owner_id: (n % 4 == 0).then_some(owner.id),
            owner_given: true,
            created_at: Some(at(2021, 1, 1 + n % 28, n)),
            updated_at: Some(at(2022, 1, 1 + n % 28, n)),
            ..NewContact::named(format!("Person {n}"))
        }
        .to_contact(time::now());
        contact.version = source.insert_contact(&contact).unwrap();
        for (i, org) in orgs
            .iter()
            .skip(n as usize % 50)
            .step_by(700)
            .take(2)
            .enumerate()
        {
            let membership = NewMembership {
                role: MembershipRole::ALL[(n as usize + i) % 5],
                ..NewMembership::new(org.id, contact.id)
            }
            .to_membership(time::now());
            source.insert_membership(&membership, None).unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("contacts.ndjson");
    contacts::export(source, Format::Ndjson, Some(&file)).unwrap();
    let tally = contacts::import(target, &file, None, None).unwrap();
    assert_eq!(
        (tally.created, tally.failed, tally.fields_defined),
        (1200, 0, 3)
    );
    let before = all_contacts(source);
    assert_eq!(all_contacts(target), before);
    let memberships = all_memberships(source);
    assert!(memberships.len() > 1200, "{}", memberships.len());
    assert_eq!(all_memberships(target), memberships);
    // Again: nothing changes.
    let again = contacts::import(target, &file, None, None).unwrap();
    assert_eq!(
        (
            again.created,
            again.updated,
            again.unchanged,
            again.memberships
        ),
        (0, 0, 1200, 0)
    );
    assert_eq!(all_contacts(target), before);

    // CSV carries the contacts without their memberships.
    let csv = dir.path().join("contacts.csv");
    contacts::export(source, Format::Csv, Some(&csv)).unwrap();
    let fresh = MemoryStore::new();
    fresh.insert_user(owner, None).unwrap();
    // A CSV file cannot define fields: they exist before its import.
    for field in [&tier, &score, &topics] {
        fresh.insert_custom_field(field, None).unwrap();
    }
    contacts::import(&fresh, &csv, None, None).unwrap();
    assert_eq!(all_contacts(&fresh), before);
    assert!(all_memberships(&fresh).is_empty());
}

#[test]
fn memory_export_reimports_to_the_same_data() {
    round_trip(&MemoryStore::new(), &MemoryStore::new());
}

#[test]
fn sqlite_export_reimports_to_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    round_trip(&*sqlite(dir.path(), "a.db"), &*sqlite(dir.path(), "b.db"));
}

#[test]
fn postgres_export_reimports_to_the_same_data() {
    let (Some((source, _a)), Some((target, _b))) = (postgres(), postgres()) else {
        return;
    };
    round_trip(&*source, &*target);
}

#[test]
fn bad_contact_rows_are_reported_and_the_others_imported() {
    let store = MemoryStore::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.ndjson");
    let missing = UserId::generate();
    std::fs::write(
        &file,
        [
            r#"{"type":"contacts","attributes":{"name":"Ada","email":"ada@example.com"}}"#.to_owned(),
            "not json".to_owned(),
            r#"{"type":"contacts","attributes":{"name":"Bad","email":"nope"}}"#.to_owned(),
            format!(
                r#"{{"type":"contacts","attributes":{{"name":"Lost"}},"relationships":{{"organizations":{{"data":[{{"type":"organizations","id":"{missing}"}}]}}}}}}"#
            ),
            // The same address, another spelling: the first row's contact, renamed.
            r#"{"attributes":{"name":"Ada L.","email":"ADA@example.com"}}"#.to_owned(),
        ]
        .join("\n"),
    )
    .unwrap();
    let error = contacts::import(&store, &file, None, None).unwrap_err();
    assert_eq!(error.to_string(), "3 rows failed (listed above)");
    let stored = all_contacts(&store);
    let names: Vec<&str> = stored.iter().map(|c| c.name.as_str()).collect();
    // "Lost" failed whole: its organizations are checked before anything is written.
    assert_eq!(names, ["Ada L."]);
}
