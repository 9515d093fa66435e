//! Export then import into an empty database gives the same data, on every backend.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::NaiveDate;
use orgbase_domain::{CustomFormat, CustomValue, Role, Store, User, UserId, time};
use orgbase_store_diesel::testing::TestDatabase;
use orgbase_store_diesel::{DatabaseTarget, DieselStore, PoolOptions};
use orgbase_store_memory::MemoryStore;
use orgbase_store_tests::cases::custom_fields::define;
use orgbase_store_tests::fixtures::{all_organizations, at, full};
use orgbase_store_tests::require_in_ci;

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
    // More than one export page (1,000), and more than one import batch (2,000).
    assert_eq!(before.len(), 2500);
    assert_eq!(after, before);
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
