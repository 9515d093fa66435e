//! Contacts on every backend: writes and their entries, e-mail uniqueness under racing
//! creates, owners, and lists held to the reference semantics.

use std::sync::{Arc, Barrier};
use std::thread;

use orgbase_domain::query::{DEFAULT_PAGE_SIZE, Listed};
use orgbase_domain::{
    ChangeQuery, Constraint, Contact, ContactPatch, Error, Field, Filter, ListQuery, NewContact,
    Operation, Operator, PageRequest, ResourceType, Role, SortKey, Store, User, UserId, Write,
    time,
};
use serde_json::json;

use crate::fixtures::{at, check_against_reference};

fn insert(store: &dyn Store, new: NewContact) -> Contact {
    let mut contact = new.to_contact(time::now());
    contact.version = store.insert_contact(&contact).unwrap();
    contact
}

fn add_user(store: &dyn Store, name: &str) -> User {
    let mut user = User {
        id: UserId::generate(),
        name: name.to_owned(),
        email: format!("{}@crm.example", name.to_lowercase()),
        role: Role::Admin,
        created_at: at(2026, 1, 1, 0),
        version: 0,
    };
    user.version = store.insert_user(&user, None).unwrap();
    user
}

fn conflict(result: orgbase_domain::Result<impl std::fmt::Debug>) -> Constraint {
    match result {
        Err(Error::Conflict(constraint)) => constraint,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// The contacts' entries, oldest first.
fn contact_entries(store: &dyn Store) -> Vec<orgbase_domain::ChangeEntry> {
    store
        .list_changes(&ChangeQuery {
            resource_types: vec![ResourceType::Contacts],
            page: PageRequest::numbered(1, 1000),
            ..ChangeQuery::default()
        })
        .unwrap()
        .items
        .into_iter()
        .map(|c| c.entry)
        .collect()
}

pub fn contacts_round_trip_change_and_delete_with_their_entries(store: &Arc<dyn Store>) {
    let ada = add_user(&**store, "Ada");
    let new = NewContact {
        email: Some("Grace@Navy.example".into()),
        phone: Some("+1 555 0100".into()),
        title: Some("Rear admiral — COBOL".into()),
        notes: Some("Met at the \u{1F680} fair".into()),
        created_at: Some(at(2015, 8, 15, 123_456)),
        actor: Some(ada.id),
        ..NewContact::named("Grace Hopper")
    };
    let grace = insert(&**store, new);
    assert_eq!(store.get_contact(grace.id).unwrap(), grace);
    assert_eq!(
        grace.owner_id,
        Some(ada.id),
        "the creator owns it by default"
    );

    let patch = ContactPatch {
        title: Some(Some("Admiral".into())),
        notes: Some(None),
        actor: Some(ada.id),
        ..ContactPatch::default()
    };
    let now = time::now();
    let updated = store
        .update_contact(grace.id, &patch, now, Write::by(Some(ada.id)))
        .unwrap();
    assert_eq!(updated.title.as_deref(), Some("Admiral"));
    assert_eq!(updated.notes, None);
    assert_eq!(updated.updated_at, now);
    assert!(updated.version > grace.version);
    assert_eq!(store.get_contact(grace.id).unwrap(), updated);

    // The same patch again changes nothing and appends nothing.
    let again = store
        .update_contact(grace.id, &patch, time::now(), Write::by(Some(ada.id)))
        .unwrap();
    assert_eq!(again, updated);

    // A writer expecting the first version changes nothing.
    let stale = Write {
        actor: Some(ada.id),
        expected: Some(vec![grace.version]),
    };
    assert!(matches!(
        store.update_contact(grace.id, &patch, time::now(), stale.clone()),
        Err(Error::PreconditionFailed)
    ));
    assert!(matches!(
        store.delete_contact(grace.id, stale),
        Err(Error::PreconditionFailed)
    ));

    store
        .delete_contact(grace.id, Write::by(Some(ada.id)))
        .unwrap();
    assert!(matches!(
        store.get_contact(grace.id),
        Err(Error::NotFound {
            resource: "contact",
            ..
        })
    ));
    assert!(matches!(
        store.delete_contact(grace.id, Write::default()),
        Err(Error::NotFound { .. })
    ));

    let entries = contact_entries(&**store);
    let operations: Vec<Operation> = entries.iter().map(|e| e.operation).collect();
    assert_eq!(
        operations,
        vec![Operation::Create, Operation::Update, Operation::Delete]
    );
    assert!(
        entries
            .iter()
            .all(|e| e.resource_id == grace.id.to_string())
    );
    assert!(entries.iter().all(|e| e.actor == Some(ada.id)));
    assert_eq!(
        serde_json::Value::Object(entries[0].changes.clone()),
        json!({
            "name": {"from": null, "to": "Grace Hopper"},
            "email": {"from": null, "to": "Grace@Navy.example"},
            "phone": {"from": null, "to": "+1 555 0100"},
            "title": {"from": null, "to": "Rear admiral — COBOL"},
            "notes": {"from": null, "to": "Met at the \u{1F680} fair"},
            "created_at": {"from": null, "to": "2015-08-15T12:30:45.123456Z"},
            "owner": {"from": null, "to": {"type": "users", "id": ada.id.to_string()}},
        })
    );
    assert_eq!(
        serde_json::Value::Object(entries[1].changes.clone()),
        json!({
            "title": {"from": "Rear admiral — COBOL", "to": "Admiral"},
            "notes": {"from": "Met at the \u{1F680} fair", "to": null},
        })
    );
    assert!(entries[2].changes.is_empty(), "a tombstone");
}

pub fn contact_emails_are_unique_ignoring_case_when_present(store: &Arc<dyn Store>) {
    let with = |name: &str, email: Option<&str>| NewContact {
        email: email.map(str::to_owned),
        ..NewContact::named(name)
    };
    let ada = insert(&**store, with("Ada", Some("ada@example.com")));
    // Any number of contacts have no address; two may share a name.
    insert(&**store, with("Nobody", None));
    insert(&**store, with("Nobody", None));
    let twin = with("Ada Two", Some(" ADA@example.COM ")).to_contact(time::now());
    assert_eq!(
        conflict(store.insert_contact(&twin)),
        Constraint::ContactEmail
    );
    let same_id = Contact {
        email: None,
        ..ada.clone()
    };
    assert_eq!(
        conflict(store.insert_contact(&same_id)),
        Constraint::ContactId
    );

    let bob = insert(&**store, with("Bob", Some("bob@example.com")));
    let taking = ContactPatch {
        email: Some(Some("Ada@Example.com".into())),
        title: Some(Some("CEO".into())),
        ..ContactPatch::default()
    };
    assert_eq!(
        conflict(store.update_contact(bob.id, &taking, time::now(), Write::default())),
        Constraint::ContactEmail
    );
    assert_eq!(store.get_contact(bob.id).unwrap(), bob, "nothing changed");

    // Deleting, or changing, an address frees it.
    store.delete_contact(ada.id, Write::default()).unwrap();
    let moved = store
        .update_contact(bob.id, &taking, time::now(), Write::default())
        .unwrap();
    assert_eq!(moved.email.as_deref(), Some("Ada@Example.com"));
    insert(&**store, with("Bob again", Some("bob@example.com")));
}

pub fn sixteen_threads_creating_one_email_make_one_contact(store: &Arc<dyn Store>) {
    const THREADS: usize = 16;
    let barrier = Arc::new(Barrier::new(THREADS));
    let results: Vec<orgbase_domain::Result<orgbase_domain::Version>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let store = Arc::clone(store);
                let barrier = Arc::clone(&barrier);
                scope.spawn(move || {
                    let contact = NewContact {
                        email: Some(format!("Same@Example.com{}", " ".repeat(i % 3))),
                        ..NewContact::named(format!("Racer {i}"))
                    }
                    .to_contact(time::now());
                    barrier.wait();
                    store.insert_contact(&contact)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let created = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(created, 1, "{results:?}");
    for result in results.into_iter().filter(Result::is_err) {
        assert_eq!(conflict(result), Constraint::ContactEmail);
    }
    let page = store.list_contacts(&ListQuery::default()).unwrap();
    assert_eq!(page.total, Some(1));
    assert_eq!(
        contact_entries(&**store).len(),
        1,
        "one entry, for the one row"
    );
}

pub fn contact_owners_must_exist_and_go_with_their_users_deletion(store: &Arc<dyn Store>) {
    let ada = add_user(&**store, "Ada");
    let bob = add_user(&**store, "Bob");
    let ghost = UserId::generate();
    let orphan = NewContact {
        owner_id: Some(ghost),
        owner_given: true,
        ..NewContact::named("Orphan")
    }
    .to_contact(time::now());
    assert!(matches!(
        store.insert_contact(&orphan),
        Err(Error::NotFound {
            resource: "user",
            ..
        })
    ));
    let owned = insert(
        &**store,
        NewContact {
            actor: Some(bob.id),
            ..NewContact::named("Owned by Bob")
        },
    );
    let created_only = insert(
        &**store,
        NewContact {
            actor: Some(bob.id),
            owner_id: Some(ada.id),
            owner_given: true,
            ..NewContact::named("Created by Bob")
        },
    );
    let to_ghost = ContactPatch {
        owner_id: Some(Some(ghost)),
        ..ContactPatch::default()
    };
    assert!(matches!(
        store.update_contact(owned.id, &to_ghost, time::now(), Write::default()),
        Err(Error::NotFound {
            resource: "user",
            ..
        })
    ));

    assert_eq!(
        conflict(store.delete_user(bob.id, None, Write::by(Some(ada.id)))),
        Constraint::UserOwnsOrganizations
    );
    let before = contact_entries(&**store).len();
    store
        .delete_user(bob.id, Some(ada.id), Write::by(Some(ada.id)))
        .unwrap();
    let now_owned = store.get_contact(owned.id).unwrap();
    assert_eq!(now_owned.owner_id, Some(ada.id));
    assert_eq!(
        now_owned.creator_id, None,
        "the deleted creator is forgotten"
    );
    assert!(now_owned.version > owned.version);
    let other = store.get_contact(created_only.id).unwrap();
    assert_eq!((other.owner_id, other.creator_id), (Some(ada.id), None));
    assert!(
        other.version > created_only.version,
        "a new version for the forgotten creator"
    );
    let entries = contact_entries(&**store);
    assert_eq!(entries.len(), before + 1, "one entry: the reassigned owner");
    let last = entries.last().unwrap();
    assert_eq!(last.resource_id, owned.id.to_string());
    assert_eq!(
        serde_json::Value::Object(last.changes.clone()),
        json!({"owner": {
            "from": {"type": "users", "id": bob.id.to_string()},
            "to": {"type": "users", "id": ada.id.to_string()},
        }})
    );
}

/// Contacts with every kind of value, nulls, ties and case differences among them.
fn varied(store: &dyn Store, owner: UserId) -> Vec<Contact> {
    let names = ["Ada", "ada", "Émile", "Bob", "carol", "Dave", "Ève", "bob"];
    let titles = [Some("CTO"), None, Some("cto"), Some("Engineer"), None];
    (0..40)
        .map(|i| {
            insert(
                store,
                NewContact {
                    email: (i % 4 != 0).then(|| format!("person{i}@Example.com")),
                    phone: (i % 3 == 0).then(|| format!("+32 {:03}", i % 7)),
                    title: titles[i % titles.len()].map(str::to_owned),
                    notes: (i % 5 == 1).then(|| "Met at FOSDEM".to_owned()),
                    owner_id: (i % 2 == 0).then_some(owner),
                    owner_given: true,
                    // Runs of equal times, so ties are broken by id.
                    created_at: Some(at(2020, 1, 1 + (i % 6) as u32, 0)),
                    updated_at: Some(at(2021, 1, 1 + (i % 4) as u32, 0)),
                    ..NewContact::named(names[i % names.len()])
                },
            )
        })
        .collect()
}

pub fn contact_lists_filter_sort_search_and_page_as_the_reference(store: &Arc<dyn Store>) {
    let owner = add_user(&**store, "Owner");
    let all = varied(&**store, owner.id);
    assert_eq!(all.len(), 40);
    let filter =
        |field: Field, operator: Operator, raw: &str| Filter::parse(field, operator, raw).unwrap();
    let sorted = |keys: Vec<SortKey>| ListQuery {
        sort: keys,
        ..ListQuery::default()
    };
    let mut queries = vec![
        ListQuery::default(),
        sorted(vec![SortKey::ascending(Field::Name)]),
        sorted(vec![SortKey::descending(Field::Name)]),
        sorted(vec![SortKey::descending(Field::CreatedAt)]),
        sorted(vec![
            SortKey::ascending(Field::UpdatedAt),
            SortKey::ascending(Field::Id),
        ]),
        sorted(vec![
            SortKey::ascending(Field::Title),
            SortKey::descending(Field::Name),
        ]),
        sorted(vec![SortKey::descending(Field::Email)]),
        sorted(vec![
            SortKey::descending(Field::Phone),
            SortKey::ascending(Field::Notes),
        ]),
    ];
    for (filters, search) in [
        (vec![filter(Field::Name, Operator::Eq, "ADA")], None),
        (vec![filter(Field::Name, Operator::StartsWith, "É")], None),
        (vec![filter(Field::Title, Operator::Eq, "Cto")], None),
        (vec![filter(Field::Title, Operator::Ne, "cto")], None),
        (vec![filter(Field::Title, Operator::Null, "true")], None),
        (vec![filter(Field::Email, Operator::Contains, "ON1")], None),
        (
            vec![filter(Field::Phone, Operator::In, "+32 000,+32 003")],
            None,
        ),
        (vec![filter(Field::Notes, Operator::Null, "false")], None),
        (
            vec![filter(Field::Owner, Operator::Eq, &owner.id.to_string())],
            None,
        ),
        (vec![filter(Field::Owner, Operator::Null, "true")], None),
        (
            vec![
                filter(Field::CreatedAt, Operator::Gte, "2020-01-03"),
                filter(Field::UpdatedAt, Operator::Lt, "2021-01-03"),
            ],
            None,
        ),
        (vec![], Some("cto")),
        (vec![], Some("émi")),
        (vec![], Some("+32 00")),
        (vec![], Some("PERSON1")),
        (
            vec![filter(Field::Title, Operator::Null, "false")],
            Some("bob"),
        ),
        (vec![], Some("nobody")),
    ] {
        queries.push(ListQuery {
            filters: filters.clone(),
            search: search.map(str::to_owned),
            ..ListQuery::default()
        });
        queries.push(ListQuery {
            filters,
            search: search.map(str::to_owned),
            sort: vec![SortKey::descending(Field::Title)],
            ..ListQuery::default()
        });
    }
    for query in &queries {
        check_against_reference(&|q| store.list_contacts(q), &all, query);
    }
    // The default page: oldest first, all forty of them.
    let page = store.list_contacts(&ListQuery::default()).unwrap();
    assert!(page.items.len() as u64 <= DEFAULT_PAGE_SIZE);
    assert_eq!(page.items.len(), 40);
    assert!(
        page.items
            .windows(2)
            .all(|w| (w[0].created_at, w[0].list_id()) < (w[1].created_at, w[1].list_id()))
    );
}
