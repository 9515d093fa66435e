//! Unique custom fields and upsert: a unique value is decided by the storage (case ignored
//! for text), a field becomes unique only while its values are, and concurrent upserts of one
//! key make one organization whose final values are one writer's.

use std::sync::{Arc, Barrier};
use std::thread;

use orgbase_domain::service::{self, UpsertKey, Upserted};
use orgbase_domain::{
    Constraint, CustomField, CustomFieldPatch, CustomFormat, CustomValue, Error, NewOrganization,
    OrganizationPatch, Store, Write, time,
};

use super::custom_fields::{define, made_unique};
use crate::fixtures::all_organizations;

pub fn unique_field(store: &dyn Store, identifier: &str, format: CustomFormat) -> CustomField {
    made_unique(store, &define(store, identifier, format, &[]))
}

fn holding(name: &str, field: &CustomField, value: CustomValue) -> NewOrganization {
    let mut new = NewOrganization::named(name);
    new.details.custom.insert(field.id, value);
    new
}

fn text(t: &str) -> CustomValue {
    CustomValue::Text(t.to_owned())
}

pub fn a_unique_value_is_held_once_ignoring_case(store: &Arc<dyn Store>) {
    let store = &**store;
    let hubspot = unique_field(store, "c_hubspot_id", CustomFormat::Text);
    let arr = unique_field(store, "c_arr", CustomFormat::Number);
    assert!(hubspot.unique);
    let now = time::now();
    let first =
        service::create_organization(store, &holding("One", &hubspot, text("HS-1")), now).unwrap();
    let taken = Error::Conflict(Constraint::CustomValue(Some(hubspot.id)));
    let again = service::create_organization(store, &holding("Two", &hubspot, text("hs-1")), now);
    assert_eq!(format!("{:?}", again.unwrap_err()), format!("{taken:?}"));
    // Organizations without a value never collide.
    service::create_organization(store, &NewOrganization::named("Three"), now).unwrap();
    let four = service::create_organization(store, &NewOrganization::named("Four"), now).unwrap();
    // An update onto a held value is refused too; numbers compare by value.
    let patch = OrganizationPatch {
        custom: [(hubspot.id, Some(text("Hs-1")))].into(),
        ..OrganizationPatch::default()
    };
    let refused = store.update_organization(four.id, &patch, now, Write::default());
    assert_eq!(format!("{:?}", refused.unwrap_err()), format!("{taken:?}"));
    service::create_organization(store, &holding("Five", &arr, CustomValue::Number(5.0)), now)
        .unwrap();
    let six =
        service::create_organization(store, &holding("Six", &arr, CustomValue::Number(5.0)), now);
    assert_eq!(
        format!("{:?}", six.unwrap_err()),
        format!(
            "{:?}",
            Error::Conflict(Constraint::CustomValue(Some(arr.id)))
        )
    );
    assert_eq!(
        store
            .find_organization_by_custom_value(hubspot.id, &text("hS-1"))
            .unwrap()
            .map(|o| o.id),
        Some(first.id)
    );
    assert_eq!(
        store
            .find_organization_by_custom_value(hubspot.id, &text("HS-2"))
            .unwrap(),
        None
    );
    assert_eq!(all_organizations(store).len(), 4);
}

pub fn a_field_becomes_unique_only_while_its_values_are(store: &Arc<dyn Store>) {
    let store = &**store;
    let external = define(store, "c_external", CustomFormat::Email, &[]);
    let now = time::now();
    for (name, value) in [
        ("A", "a@x.example"),
        ("B", "A@X.example"),
        ("C", "c@x.example"),
    ] {
        service::create_organization(store, &holding(name, &external, text(value)), now).unwrap();
    }
    let make_unique = CustomFieldPatch {
        unique: Some(true),
        ..CustomFieldPatch::default()
    };
    match store.update_custom_field(external.id, &make_unique, now, Write::default()) {
        Err(Error::Invalid(errors)) => {
            assert_eq!(errors.0.len(), 1);
            assert_eq!(errors.0[0].pointer, "/unique");
            assert_eq!(errors.0[0].code, "values_not_unique");
            assert!(
                errors.0[0].detail.starts_with("2 organizations"),
                "{}",
                errors.0[0].detail
            );
        }
        other => panic!("made unique over colliding values: {other:?}"),
    }
    assert!(!store.get_custom_field(external.id).unwrap().unique);
    let b = store.find_organization_by_name("B").unwrap().unwrap();
    let clear = OrganizationPatch {
        custom: [(external.id, None)].into(),
        ..OrganizationPatch::default()
    };
    store
        .update_organization(b.id, &clear, now, Write::default())
        .unwrap();
    let field = store
        .update_custom_field(external.id, &make_unique, now, Write::default())
        .unwrap();
    assert!(field.unique);
    // Existing values are now guarded too.
    let again =
        service::create_organization(store, &holding("D", &external, text("C@x.example")), now);
    assert!(matches!(
        again,
        Err(Error::Conflict(Constraint::CustomValue(_)))
    ));
    // And no longer once the field is not unique.
    let relax = CustomFieldPatch {
        unique: Some(false),
        ..CustomFieldPatch::default()
    };
    store
        .update_custom_field(external.id, &relax, now, Write::default())
        .unwrap();
    service::create_organization(store, &holding("D", &external, text("C@x.example")), now)
        .unwrap();
}

pub fn upsert_creates_then_updates_by_name_and_by_unique_field(store: &Arc<dyn Store>) {
    let store = &**store;
    let hubspot = unique_field(store, "c_hs", CustomFormat::Text);
    let now = time::now();
    let write = Write::default();
    let mut new = holding("Acme", &hubspot, text("HS-9"));
    new.details.city = Some("Berlin".into());
    let patch = OrganizationPatch {
        city: Some(Some("Berlin".into())),
        ..OrganizationPatch::default()
    };
    let key = UpsertKey::Custom(hubspot.id);
    let created =
        match service::upsert_organization(store, key, &new, &patch, write.clone(), now).unwrap() {
            Upserted::Created(org) => org,
            other => panic!("{other:?}"),
        };
    // The same key in another case, another city: the same organization, changed.
    let mut again = holding("Acme Renamed", &hubspot, text("hs-9"));
    again.details.city = Some("Paris".into());
    let moved = OrganizationPatch {
        name: Some("Acme Renamed".into()),
        city: Some(Some("Paris".into())),
        ..OrganizationPatch::default()
    };
    match service::upsert_organization(store, key, &again, &moved, write.clone(), now).unwrap() {
        Upserted::Updated(org) => {
            assert_eq!(org.id, created.id);
            assert_eq!(org.name, "Acme Renamed");
            assert_eq!(org.details.city.as_deref(), Some("Paris"));
        }
        other => panic!("{other:?}"),
    }
    // By name, ignoring case.
    let by_name = NewOrganization::named("ACME renamed");
    let rural = OrganizationPatch {
        city: Some(Some("Lyon".into())),
        ..OrganizationPatch::default()
    };
    match service::upsert_organization(store, UpsertKey::Name, &by_name, &rural, write.clone(), now)
        .unwrap()
    {
        Upserted::Updated(org) => {
            assert_eq!(org.id, created.id);
            assert_eq!(org.details.city.as_deref(), Some("Lyon"));
        }
        other => panic!("{other:?}"),
    }
    // Without a value of the key there is nothing to match by.
    let missing = NewOrganization::named("Nobody");
    assert!(matches!(
        service::upsert_organization(store, key, &missing, &rural, write, now),
        Err(Error::Invalid(_))
    ));
    assert_eq!(all_organizations(store).len(), 1);
    // A copy leaves the unique value behind (it would collide).
    let copy = service::duplicate_organization(store, created.id, Write::default(), now).unwrap();
    assert_eq!(copy.details.custom.get(&hubspot.id), None);
}

pub fn racing_upserts_of_one_key_make_one_organization(store: &Arc<dyn Store>) {
    const WRITERS: usize = 16;
    let hubspot = unique_field(&**store, "c_race", CustomFormat::Text);
    let barrier = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|n| {
            let (store, barrier) = (Arc::clone(store), Arc::clone(&barrier));
            let field = hubspot.clone();
            thread::spawn(move || {
                let description = format!("writer {n}");
                let mut new = holding("Raced", &field, text("RACE-1"));
                new.details.description = Some(description.clone());
                let patch = OrganizationPatch {
                    description: Some(Some(description.clone())),
                    ..OrganizationPatch::default()
                };
                barrier.wait();
                let upserted = service::upsert_organization(
                    &*store,
                    UpsertKey::Custom(field.id),
                    &new,
                    &patch,
                    Write::default(),
                    time::now(),
                )
                .unwrap_or_else(|e| panic!("writer {n}: {e:?}"));
                let org = match upserted {
                    Upserted::Created(org) | Upserted::Updated(org) => org,
                };
                (org.id, org.version, description)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let orgs = all_organizations(&**store);
    assert_eq!(orgs.len(), 1, "one key, one organization");
    let org = &orgs[0];
    assert!(results.iter().all(|(id, _, _)| *id == org.id));
    // The final description is what the writer that wrote last (the highest version) sent.
    let last = results
        .iter()
        .max_by_key(|(_, version, _)| *version)
        .unwrap();
    assert_eq!(org.details.description.as_deref(), Some(last.2.as_str()));
    let versions: std::collections::BTreeSet<u64> = results.iter().map(|r| r.1).collect();
    assert_eq!(
        versions.len(),
        WRITERS,
        "every upsert wrote once: {results:?}"
    );
}
