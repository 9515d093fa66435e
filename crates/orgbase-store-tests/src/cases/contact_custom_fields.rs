//! Contacts' custom fields on every backend: values of every format through every write,
//! checked inside it (deleted fields, options, another type's field), identifiers unique
//! within a resource type, unique values (racing writers too), options and uniqueness
//! changes counted in contacts, deletion with its entries, and filters, sorts and cursor
//! pages held to the reference semantics.

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};
use std::thread;

use chrono::NaiveDate;
use orgbase_domain::{
    ChangeQuery, Constraint, Contact, ContactPatch, CustomField, CustomFieldPatch, CustomFormat,
    CustomResourceType, CustomValue, Error, Field, Filter, ListQuery, NewContact, Operation,
    Operator, PageRequest, ResourceType, SortKey, Store, Write, time,
};
use serde_json::json;

use super::custom_fields::{define_for, made_unique};
use crate::fixtures::{at, check_against_reference};

fn define(
    store: &dyn Store,
    identifier: &str,
    format: CustomFormat,
    options: &[&str],
) -> CustomField {
    define_for(
        store,
        CustomResourceType::Contacts,
        identifier,
        format,
        options,
    )
}

fn text(t: &str) -> CustomValue {
    CustomValue::Text(t.to_owned())
}

fn insert(
    store: &dyn Store,
    name: &str,
    values: &[(&CustomField, CustomValue)],
) -> orgbase_domain::Result<Contact> {
    let mut new = NewContact::named(name);
    for (field, value) in values {
        new.custom.insert(field.id, value.clone());
    }
    let mut contact = new.to_contact(time::now());
    contact.version = store.insert_contact(&contact)?;
    Ok(contact)
}

fn set(field: &CustomField, value: Option<CustomValue>) -> ContactPatch {
    ContactPatch {
        custom: BTreeMap::from([(field.id, value)]),
        ..ContactPatch::default()
    }
}

fn entries_of(store: &dyn Store, contact: &Contact) -> Vec<orgbase_domain::ChangeEntry> {
    store
        .list_changes(&ChangeQuery {
            resource_types: vec![ResourceType::Contacts],
            resource_ids: vec![contact.id.to_string()],
            page: PageRequest::numbered(1, 100),
            ..ChangeQuery::default()
        })
        .unwrap()
        .items
        .into_iter()
        .map(|c| c.entry)
        .collect()
}

fn invalid(result: orgbase_domain::Result<impl std::fmt::Debug>) -> (String, &'static str, String) {
    match result {
        Err(Error::Invalid(errors)) => {
            let e = &errors.0[0];
            (e.pointer.clone(), e.code, e.detail.clone())
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

pub fn contact_values_of_every_format_round_trip_with_their_entries(store: &Arc<dyn Store>) {
    let store = &**store;
    let tier = define(store, "c_tier", CustomFormat::Select, &["Gold", "Silver"]);
    let score = define(store, "c_score", CustomFormat::Number, &[]);
    let vip = define(store, "c_vip", CustomFormat::Boolean, &[]);
    let birthday = define(store, "c_birthday", CustomFormat::Date, &[]);
    let met = define(store, "c_met_at", CustomFormat::DateTime, &[]);
    let topics = define(
        store,
        "c_topics",
        CustomFormat::MultiSelect,
        &["Sales", "Tech", "Ops"],
    );
    let handle = define(store, "c_handle", CustomFormat::Text, &[]);
    let values = vec![
        (&tier, text("Gold")),
        (&score, CustomValue::Number(12.5)),
        (&vip, CustomValue::Boolean(false)),
        (
            &birthday,
            CustomValue::Date(NaiveDate::from_ymd_opt(1990, 2, 28).unwrap()),
        ),
        (&met, CustomValue::DateTime(at(2026, 3, 1, 9))),
        (
            &topics,
            CustomValue::Choices(vec!["Tech".into(), "Sales".into()]),
        ),
        (&handle, text("Ada L.")),
    ];
    let ada = insert(store, "Ada", &values).unwrap();
    let fetched = store.get_contact(ada.id).unwrap();
    assert_eq!(fetched, ada);
    assert_eq!(fetched.custom.len(), 7);
    let listed = store.list_contacts(&ListQuery::default()).unwrap();
    assert_eq!(listed.items, vec![ada.clone()]);

    // Set one, clear another: the rest stay.
    let patch = ContactPatch {
        custom: BTreeMap::from([
            (score.id, Some(CustomValue::Number(-3.0))),
            (topics.id, None),
        ]),
        ..ContactPatch::default()
    };
    let changed = store
        .update_contact(ada.id, &patch, time::now(), Write::default())
        .unwrap();
    assert_eq!(
        changed.custom.get(&score.id),
        Some(&CustomValue::Number(-3.0))
    );
    assert!(!changed.custom.contains_key(&topics.id));
    assert_eq!(changed.custom.len(), 6);
    assert_eq!(store.get_contact(ada.id).unwrap(), changed);

    let entries = entries_of(store, &ada);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].operation, Operation::Create);
    assert_eq!(
        entries[0].changes["c_tier"],
        json!({"from": null, "to": "Gold"})
    );
    assert_eq!(
        entries[0].changes["c_topics"],
        json!({"from": null, "to": ["Tech", "Sales"]})
    );
    assert_eq!(
        entries[0].changes["c_birthday"],
        json!({"from": null, "to": "1990-02-28"})
    );
    assert_eq!(
        entries[1].changes,
        json!({
            "c_score": {"from": 12.5, "to": -3},
            "c_topics": {"from": ["Tech", "Sales"], "to": []},
        })
        .as_object()
        .unwrap()
        .clone()
        .into_iter()
        .chain(
            entries[1]
                .changes
                .get("updated_at")
                .map(|u| ("updated_at".to_owned(), u.clone()))
        )
        .collect()
    );
}

pub fn contact_values_are_checked_inside_the_write(store: &Arc<dyn Store>) {
    let store = &**store;
    let tier = define(store, "c_tier", CustomFormat::Select, &["Gold"]);
    let org_field = define_for(
        store,
        CustomResourceType::Organizations,
        "c_arr",
        CustomFormat::Number,
        &[],
    );
    // An option the field does not offer (a concurrent options change would look like this).
    let (pointer, code, _) = invalid(insert(store, "Ada", &[(&tier, text("Bronze"))]));
    assert_eq!((pointer.as_str(), code), ("/c_tier", "invalid_value"));
    // Another type's field is no attribute of contacts.
    let (pointer, code, detail) = invalid(insert(
        store,
        "Ada",
        &[(&org_field, CustomValue::Number(1.0))],
    ));
    assert_eq!((pointer.as_str(), code), ("/c_arr", "unknown_attribute"));
    assert!(
        detail.contains("of organizations, not of contacts"),
        "{detail}"
    );
    assert_eq!(
        store.list_contacts(&ListQuery::default()).unwrap().items,
        vec![]
    );
    // A field deleted before the write.
    let gone = define(store, "c_gone", CustomFormat::Text, &[]);
    let ada = insert(store, "Ada", &[]).unwrap();
    store
        .delete_custom_field(gone.id, Write::default())
        .unwrap();
    let (_, code, _) = invalid(store.update_contact(
        ada.id,
        &set(&gone, Some(text("x"))),
        time::now(),
        Write::default(),
    ));
    assert_eq!(code, "custom_field_deleted");
    assert_eq!(store.get_contact(ada.id).unwrap(), ada);
}

pub fn identifiers_are_unique_within_a_resource_type(store: &Arc<dyn Store>) {
    let store = &**store;
    define_for(
        store,
        CustomResourceType::Organizations,
        "c_tier",
        CustomFormat::Text,
        &[],
    );
    let contacts_tier = define(store, "c_tier", CustomFormat::Number, &[]);
    let again = CustomField {
        id: orgbase_domain::CustomFieldId::generate(),
        ..contacts_tier.clone()
    };
    assert!(matches!(
        store.insert_custom_field(&again, None),
        Err(Error::Conflict(Constraint::CustomFieldIdentifier))
    ));
    let all = store.list_custom_fields().unwrap();
    assert_eq!(all.iter().count(), 2);
    assert_eq!(all.of(CustomResourceType::Contacts).iter().count(), 1);
    assert_eq!(
        store
            .get_custom_field(contacts_tier.id)
            .unwrap()
            .resource_type,
        CustomResourceType::Contacts
    );
}

pub fn unique_contact_values_options_and_deletion_count_contacts(store: &Arc<dyn Store>) {
    let store = &**store;
    let badge = made_unique(store, &define(store, "c_badge", CustomFormat::Text, &[]));
    let ada = insert(store, "Ada", &[(&badge, text("B-1"))]).unwrap();
    match insert(store, "Bob", &[(&badge, text("b-1"))]) {
        Err(Error::Conflict(Constraint::CustomValue(Some(id)))) => assert_eq!(id, badge.id),
        other => panic!("expected the badge to be taken, got {other:?}"),
    }
    // An organizations field of the same identifier is another field.
    let org_badge = define_for(
        store,
        CustomResourceType::Organizations,
        "c_badge",
        CustomFormat::Text,
        &[],
    );
    assert_ne!(org_badge.id, badge.id);
    let bob = insert(store, "Bob", &[(&badge, text("B-2"))]).unwrap();

    // Options held by two contacts cannot be removed.
    let team = define(
        store,
        "c_team",
        CustomFormat::MultiSelect,
        &["Red", "Blue", "Green"],
    );
    for (contact, teams) in [(&ada, vec!["Red", "Blue"]), (&bob, vec!["Blue"])] {
        let value = CustomValue::Choices(teams.into_iter().map(str::to_owned).collect());
        store
            .update_contact(
                contact.id,
                &set(&team, Some(value)),
                time::now(),
                Write::default(),
            )
            .unwrap();
    }
    let drop_blue = CustomFieldPatch {
        options: Some(vec!["Red".into(), "Green".into()]),
        ..CustomFieldPatch::default()
    };
    let (pointer, code, detail) =
        invalid(store.update_custom_field(team.id, &drop_blue, time::now(), Write::default()));
    assert_eq!((pointer.as_str(), code), ("/options", "options_in_use"));
    assert!(detail.starts_with("2 contacts hold"), "{detail}");

    // Two contacts share a value: the field cannot become unique.
    let city = define(store, "c_city", CustomFormat::Text, &[]);
    for contact in [&ada, &bob] {
        store
            .update_contact(
                contact.id,
                &set(&city, Some(text("Ghent"))),
                time::now(),
                Write::default(),
            )
            .unwrap();
    }
    let make_unique = CustomFieldPatch {
        unique: Some(true),
        ..CustomFieldPatch::default()
    };
    let (pointer, code, detail) =
        invalid(store.update_custom_field(city.id, &make_unique, time::now(), Write::default()));
    assert_eq!((pointer.as_str(), code), ("/unique", "values_not_unique"));
    assert!(detail.starts_with("2 contacts hold"), "{detail}");

    // Deleting a field takes its values, each holder with its entry.
    let before = store.get_contact(ada.id).unwrap();
    store
        .delete_custom_field(team.id, Write::default())
        .unwrap();
    let after = store.get_contact(ada.id).unwrap();
    assert!(!after.custom.contains_key(&team.id));
    assert_eq!(after.custom.len(), before.custom.len() - 1);
    let last = entries_of(store, &ada).pop().unwrap();
    assert_eq!(last.operation, Operation::Update);
    assert_eq!(last.resource_type, ResourceType::Contacts);
    assert_eq!(
        last.changes["c_team"],
        json!({"from": ["Red", "Blue"], "to": null})
    );
    // The freed value of a unique field can be taken by another contact.
    store
        .update_contact(ada.id, &set(&badge, None), time::now(), Write::default())
        .unwrap();
    store
        .update_contact(
            bob.id,
            &set(&badge, Some(text("B-1"))),
            time::now(),
            Write::default(),
        )
        .unwrap();
}

pub fn sixteen_threads_writing_one_unique_contact_value_make_one_holder(store: &Arc<dyn Store>) {
    let badge = made_unique(
        &**store,
        &define(&**store, "c_badge", CustomFormat::Number, &[]),
    );
    let barrier = Arc::new(Barrier::new(16));
    let racers: Vec<_> = (0..16)
        .map(|i| {
            let (store, barrier, badge) = (Arc::clone(store), Arc::clone(&barrier), badge.clone());
            thread::spawn(move || {
                barrier.wait();
                loop {
                    match insert(
                        &*store,
                        &format!("Racer {i}"),
                        &[(&badge, CustomValue::Number(7.0))],
                    ) {
                        Ok(_) => return true,
                        Err(Error::Conflict(Constraint::CustomValue(Some(id)))) => {
                            assert_eq!(id, badge.id);
                            return false;
                        }
                        Err(Error::Unavailable(_)) => thread::yield_now(),
                        Err(other) => panic!("{other:?}"),
                    }
                }
            })
        })
        .collect();
    let outcomes: Vec<bool> = racers.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(outcomes.iter().filter(|won| **won).count(), 1);
    let holders = store
        .list_contacts(&ListQuery {
            filters: vec![Filter::parse(Field::Custom(badge.key()), Operator::Eq, "7").unwrap()],
            ..ListQuery::default()
        })
        .unwrap();
    assert_eq!(holders.total, Some(1));
}

pub fn contact_custom_filters_and_sorts_match_the_reference(store: &Arc<dyn Store>) {
    let store = &**store;
    let tier = define(
        store,
        "c_tier",
        CustomFormat::Select,
        &["Gold", "Silver", "Bronze"],
    );
    let score = define(store, "c_score", CustomFormat::Number, &[]);
    let vip = define(store, "c_vip", CustomFormat::Boolean, &[]);
    let since = define(store, "c_since", CustomFormat::Date, &[]);
    let topics = define(
        store,
        "c_topics",
        CustomFormat::MultiSelect,
        &["Sales", "Tech", "Ops"],
    );
    let handle = define(store, "c_handle", CustomFormat::Text, &[]);
    let tiers = ["Gold", "Silver", "Bronze"];
    let all: Vec<Contact> = (0..30u32)
        .map(|i| {
            let mut values = Vec::new();
            // Every field is missing on some contacts, and values repeat (ties).
            if i % 4 != 0 {
                values.push((&tier, text(tiers[i as usize % 3])));
            }
            if i % 5 != 1 {
                values.push((&score, CustomValue::Number(f64::from(i % 7) - 2.5)));
            }
            if i % 3 != 2 {
                values.push((&vip, CustomValue::Boolean(i % 2 == 0)));
            }
            if i % 6 != 3 {
                let day = NaiveDate::from_ymd_opt(2020, 1, 1 + (i % 9)).unwrap();
                values.push((&since, CustomValue::Date(day)));
            }
            let chosen: Vec<String> = ["Sales", "Tech", "Ops"]
                .iter()
                .enumerate()
                .filter(|(k, _)| (i as usize + k).is_multiple_of(3))
                .map(|(_, t)| (*t).to_owned())
                .collect();
            if !chosen.is_empty() && i % 7 != 0 {
                values.push((&topics, CustomValue::Choices(chosen)));
            }
            if i % 8 != 5 {
                values.push((
                    &handle,
                    text(&format!(
                        "{}-{}",
                        ["Ada", "bob", "ÉMILE"][i as usize % 3],
                        i % 4
                    )),
                ));
            }
            insert(store, &format!("Person {i:02}"), &values).unwrap()
        })
        .collect();
    let filter = |field: &CustomField, operator: Operator, raw: &str| {
        Filter::parse(Field::Custom(field.key()), operator, raw).unwrap()
    };
    let by = |field: &CustomField| Field::Custom(field.key());
    let mut queries = Vec::new();
    for filters in [
        vec![],
        vec![filter(&tier, Operator::Eq, "gold")],
        vec![filter(&tier, Operator::Ne, "Gold")],
        vec![filter(&tier, Operator::In, "Silver,Bronze")],
        vec![filter(&tier, Operator::Null, "true")],
        vec![filter(&score, Operator::Gt, "0")],
        vec![
            filter(&score, Operator::Gte, "-1.5"),
            filter(&score, Operator::Lt, "2.5"),
        ],
        vec![filter(&score, Operator::Ne, "0.5")],
        vec![filter(&score, Operator::Null, "false")],
        vec![filter(&vip, Operator::Eq, "true")],
        vec![filter(&vip, Operator::Ne, "true")],
        vec![filter(&since, Operator::Lte, "2020-01-04")],
        vec![filter(&since, Operator::Null, "true")],
        vec![filter(&topics, Operator::Eq, "tech")],
        vec![filter(&topics, Operator::Ne, "Tech")],
        vec![filter(&topics, Operator::In, "Ops,Sales")],
        vec![filter(&handle, Operator::Contains, "DA-")],
        vec![filter(&handle, Operator::StartsWith, "bob")],
        vec![filter(&handle, Operator::Gt, "b")],
        vec![
            filter(&tier, Operator::Ne, "Bronze"),
            filter(&vip, Operator::Null, "false"),
        ],
    ] {
        for sort in [
            vec![],
            vec![SortKey::ascending(by(&score))],
            vec![SortKey::descending(by(&score))],
            vec![
                SortKey::descending(by(&tier)),
                SortKey::ascending(by(&since)),
            ],
            vec![
                SortKey::ascending(by(&vip)),
                SortKey::descending(Field::Name),
            ],
            vec![SortKey::descending(by(&handle))],
        ] {
            queries.push(ListQuery {
                filters: filters.clone(),
                sort,
                ..ListQuery::default()
            });
        }
    }
    for query in &queries {
        check_against_reference(&|q| store.list_contacts(q), &all, query);
    }
    // One spot check of the reference itself: the Gold contacts.
    let gold = store
        .list_contacts(&ListQuery {
            filters: vec![filter(&tier, Operator::Eq, "GOLD")],
            ..ListQuery::default()
        })
        .unwrap();
    let expected = all
        .iter()
        .filter(|c| c.custom.get(&tier.id) == Some(&text("Gold")))
        .count();
    assert_eq!(gold.total, Some(expected as u64));
    assert_eq!(expected, 7);
}
