//! Memberships on every backend: writes and their entries, one membership per organization
//! and contact under racing adds, the cascade of deleting either end (with tombstones), and
//! lists held to the reference semantics.

use std::sync::{Arc, Barrier};
use std::thread;

use orgbase_domain::{
    ChangeEntry, ChangeQuery, Constraint, Contact, ContactId, Error, Field, Filter, ListQuery,
    Membership, MembershipPatch, MembershipRole, NewContact, NewMembership, Operation, Operator,
    Organization, OrganizationId, PageRequest, ResourceType, SortKey, Store, UserId, Write, time,
};
use serde_json::json;

use crate::fixtures::{at, check_against_reference, insert_named};

fn contact(store: &dyn Store, name: &str) -> Contact {
    let mut contact = NewContact::named(name).to_contact(time::now());
    contact.version = store.insert_contact(&contact).unwrap();
    contact
}

fn organization(store: &dyn Store, name: &str) -> Organization {
    insert_named(store, name, at(2020, 1, 1, 0))
}

fn join(
    store: &dyn Store,
    org: OrganizationId,
    contact: ContactId,
    role: MembershipRole,
) -> Membership {
    let mut membership = NewMembership {
        role,
        ..NewMembership::new(org, contact)
    }
    .to_membership(time::now());
    membership.version = store.insert_membership(&membership, None).unwrap();
    membership
}

fn conflict(result: orgbase_domain::Result<impl std::fmt::Debug>) -> Constraint {
    match result {
        Err(Error::Conflict(constraint)) => constraint,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// The entries of these types, oldest first.
fn entries(store: &dyn Store, types: Vec<ResourceType>) -> Vec<ChangeEntry> {
    store
        .list_changes(&ChangeQuery {
            resource_types: types,
            page: PageRequest::numbered(1, 1000),
            ..ChangeQuery::default()
        })
        .unwrap()
        .items
        .into_iter()
        .map(|c| c.entry)
        .collect()
}

pub fn memberships_round_trip_change_and_delete_with_their_entries(store: &Arc<dyn Store>) {
    let acme = organization(&**store, "Acme");
    let ada = contact(&**store, "Ada");
    let actor = Some(UserId::generate());
    let new = NewMembership {
        role: MembershipRole::DecisionMaker,
        created_at: Some(at(2019, 5, 1, 250_000)),
        ..NewMembership::new(acme.id, ada.id)
    };
    let mut membership = new.to_membership(time::now());
    membership.version = store.insert_membership(&membership, actor).unwrap();
    assert_eq!(store.get_membership(membership.id).unwrap(), membership);

    let patch = MembershipPatch {
        role: Some(MembershipRole::Billing),
        actor,
        ..MembershipPatch::default()
    };
    let now = time::now();
    let updated = store
        .update_membership(membership.id, &patch, now, Write::by(actor))
        .unwrap();
    assert_eq!(updated.role, MembershipRole::Billing);
    assert_eq!(updated.updated_at, now);
    assert!(updated.version > membership.version);
    assert_eq!(
        (updated.organization_id, updated.contact_id),
        (acme.id, ada.id)
    );
    // The same role again changes nothing and appends nothing.
    let again = store
        .update_membership(membership.id, &patch, time::now(), Write::by(actor))
        .unwrap();
    assert_eq!(again, updated);
    let stale = Write {
        actor,
        expected: Some(vec![membership.version]),
    };
    assert!(matches!(
        store.update_membership(membership.id, &patch, time::now(), stale.clone()),
        Err(Error::PreconditionFailed)
    ));
    assert!(matches!(
        store.delete_membership(membership.id, stale),
        Err(Error::PreconditionFailed)
    ));
    store
        .delete_membership(membership.id, Write::by(actor))
        .unwrap();
    assert!(matches!(
        store.get_membership(membership.id),
        Err(Error::NotFound {
            resource: "membership",
            ..
        })
    ));
    assert!(matches!(
        store.delete_membership(membership.id, Write::default()),
        Err(Error::NotFound { .. })
    ));
    // Both ends stay.
    assert_eq!(store.get_contact(ada.id).unwrap(), ada);
    store.get_organization(acme.id).unwrap();

    let logged = entries(&**store, vec![ResourceType::Memberships]);
    let operations: Vec<Operation> = logged.iter().map(|e| e.operation).collect();
    assert_eq!(
        operations,
        vec![Operation::Create, Operation::Update, Operation::Delete]
    );
    assert!(logged.iter().all(|e| e.actor == actor));
    assert!(
        logged
            .iter()
            .all(|e| e.resource_id == membership.id.to_string())
    );
    assert_eq!(
        serde_json::Value::Object(logged[0].changes.clone()),
        json!({
            "role": {"from": null, "to": "decision_maker"},
            "created_at": {"from": null, "to": "2019-05-01T12:30:45.250Z"},
            "organization": {"from": null, "to": {"type": "organizations", "id": acme.id.to_string()}},
            "contact": {"from": null, "to": {"type": "contacts", "id": ada.id.to_string()}},
        })
    );
    assert_eq!(
        serde_json::Value::Object(logged[1].changes.clone()),
        json!({"role": {"from": "decision_maker", "to": "billing"}})
    );
}

pub fn a_contact_is_a_member_once_and_both_ends_must_exist(store: &Arc<dyn Store>) {
    let acme = organization(&**store, "Acme");
    let globex = organization(&**store, "Globex");
    let ada = contact(&**store, "Ada");
    let first = join(&**store, acme.id, ada.id, MembershipRole::Member);
    let twice = NewMembership::new(acme.id, ada.id).to_membership(time::now());
    assert_eq!(
        conflict(store.insert_membership(&twice, None)),
        Constraint::AlreadyMember
    );
    let same_id = Membership {
        organization_id: globex.id,
        ..first.clone()
    };
    assert_eq!(
        conflict(store.insert_membership(&same_id, None)),
        Constraint::MembershipId
    );
    // The same contact in another organization is another membership.
    join(&**store, globex.id, ada.id, MembershipRole::Technical);
    let nowhere = NewMembership::new(OrganizationId::generate(), ada.id).to_membership(time::now());
    assert!(matches!(
        store.insert_membership(&nowhere, None),
        Err(Error::NotFound {
            resource: "organization",
            ..
        })
    ));
    let nobody = NewMembership::new(acme.id, ContactId::generate()).to_membership(time::now());
    assert!(matches!(
        store.insert_membership(&nobody, None),
        Err(Error::NotFound {
            resource: "contact",
            ..
        })
    ));
    let page = store.list_memberships(&ListQuery::default()).unwrap();
    assert_eq!(page.total, Some(2));
    assert_eq!(
        entries(&**store, vec![ResourceType::Memberships]).len(),
        2,
        "refused inserts append nothing"
    );
}

pub fn sixteen_threads_adding_one_contact_make_one_membership(store: &Arc<dyn Store>) {
    const THREADS: usize = 16;
    let acme = organization(&**store, "Acme");
    let ada = contact(&**store, "Ada");
    let barrier = Arc::new(Barrier::new(THREADS));
    let results: Vec<orgbase_domain::Result<u64>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let store = Arc::clone(store);
                let barrier = Arc::clone(&barrier);
                scope.spawn(move || {
                    let membership = NewMembership {
                        role: MembershipRole::ALL[i % 5],
                        ..NewMembership::new(acme.id, ada.id)
                    }
                    .to_membership(time::now());
                    barrier.wait();
                    store.insert_membership(&membership, None)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    for result in results.into_iter().filter(Result::is_err) {
        assert_eq!(conflict(result), Constraint::AlreadyMember);
    }
    assert_eq!(
        store.list_memberships(&ListQuery::default()).unwrap().total,
        Some(1)
    );
    assert_eq!(entries(&**store, vec![ResourceType::Memberships]).len(), 1);
}

pub fn deleting_an_organization_or_a_contact_deletes_its_memberships_with_tombstones(
    store: &Arc<dyn Store>,
) {
    let acme = organization(&**store, "Acme");
    let globex = organization(&**store, "Globex");
    let ada = contact(&**store, "Ada");
    let bob = contact(&**store, "Bob");
    let ada_acme = join(&**store, acme.id, ada.id, MembershipRole::Billing);
    let ada_globex = join(&**store, globex.id, ada.id, MembershipRole::Member);
    let bob_acme = join(&**store, acme.id, bob.id, MembershipRole::Technical);
    let bob_globex = join(&**store, globex.id, bob.id, MembershipRole::Member);
    let actor = Some(UserId::generate());
    let before = entries(&**store, ResourceType::ALL.to_vec()).len();

    store.delete_contact(ada.id, Write::by(actor)).unwrap();
    let mut gone = [ada_acme.id.to_string(), ada_globex.id.to_string()];
    gone.sort();
    let logged = entries(&**store, ResourceType::ALL.to_vec());
    let tail: Vec<(ResourceType, Operation, String)> = logged[before..]
        .iter()
        .map(|e| (e.resource_type, e.operation, e.resource_id.clone()))
        .collect();
    assert_eq!(
        tail,
        vec![
            (
                ResourceType::Memberships,
                Operation::Delete,
                gone[0].clone()
            ),
            (
                ResourceType::Memberships,
                Operation::Delete,
                gone[1].clone()
            ),
            (
                ResourceType::Contacts,
                Operation::Delete,
                ada.id.to_string()
            ),
        ],
        "each membership's tombstone, then the contact's"
    );
    assert!(logged[before..].iter().all(|e| e.actor == actor));
    for id in [ada_acme.id, ada_globex.id] {
        assert!(matches!(
            store.get_membership(id),
            Err(Error::NotFound { .. })
        ));
    }

    store
        .delete_organization(acme.id, Write::by(actor))
        .unwrap();
    let logged = entries(&**store, ResourceType::ALL.to_vec());
    let tail: Vec<(ResourceType, String)> = logged[before + 3..]
        .iter()
        .map(|e| (e.resource_type, e.resource_id.clone()))
        .collect();
    assert_eq!(
        tail,
        vec![
            (ResourceType::Memberships, bob_acme.id.to_string()),
            (ResourceType::Organizations, acme.id.to_string()),
        ]
    );
    let left = store.list_memberships(&ListQuery::default()).unwrap();
    assert_eq!(left.items, vec![bob_globex], "the others' memberships stay");
    assert_eq!(store.get_contact(bob.id).unwrap(), bob);
}

pub fn membership_lists_filter_sort_and_page_as_the_reference(store: &Arc<dyn Store>) {
    let orgs: Vec<Organization> = (0..4)
        .map(|i| organization(&**store, &format!("Org {i}")))
        .collect();
    let contacts: Vec<Contact> = (0..9)
        .map(|i| contact(&**store, &format!("Person {i}")))
        .collect();
    let mut all = Vec::new();
    for (i, person) in contacts.iter().enumerate() {
        for (j, org) in orgs.iter().enumerate() {
            if (i + j) % 3 == 0 {
                continue;
            }
            let mut membership = NewMembership {
                role: MembershipRole::ALL[(i * 3 + j) % 5],
                // Runs of equal times, so ties are broken by id.
                created_at: Some(at(2020, 1, 1 + ((i + j) % 4) as u32, 0)),
                updated_at: Some(at(2021, 1, 1 + (i % 3) as u32, 0)),
                ..NewMembership::new(org.id, person.id)
            }
            .to_membership(time::now());
            membership.version = store.insert_membership(&membership, None).unwrap();
            all.push(membership);
        }
    }
    let filter =
        |field: Field, operator: Operator, raw: &str| Filter::parse(field, operator, raw).unwrap();
    let sorted = |keys: Vec<SortKey>| ListQuery {
        sort: keys,
        ..ListQuery::default()
    };
    let mut queries = vec![
        ListQuery::default(),
        sorted(vec![SortKey::ascending(Field::Role)]),
        sorted(vec![SortKey::descending(Field::Role)]),
        sorted(vec![SortKey::descending(Field::CreatedAt)]),
        sorted(vec![
            SortKey::ascending(Field::UpdatedAt),
            SortKey::descending(Field::Role),
        ]),
    ];
    let org = orgs[1].id.to_string();
    let person = contacts[4].id.to_string();
    for filters in [
        vec![filter(Field::Role, Operator::Eq, "billing")],
        vec![filter(Field::Role, Operator::In, "member,technical")],
        vec![filter(Field::Role, Operator::Ne, "member")],
        vec![filter(Field::Organization, Operator::Eq, &org)],
        vec![filter(Field::Contact, Operator::Eq, &person)],
        vec![
            filter(Field::Organization, Operator::Ne, &org),
            filter(Field::CreatedAt, Operator::Gte, "2020-01-02"),
        ],
    ] {
        queries.push(ListQuery {
            filters: filters.clone(),
            ..ListQuery::default()
        });
        queries.push(ListQuery {
            filters,
            sort: vec![SortKey::ascending(Field::Role)],
            ..ListQuery::default()
        });
    }
    for query in &queries {
        check_against_reference(&|q| store.list_memberships(q), &all, query);
    }
    // An organization's members: contacts listed within its memberships only.
    for org in &orgs {
        let members: Vec<Contact> = contacts
            .iter()
            .filter(|c| {
                all.iter()
                    .any(|m| m.organization_id == org.id && m.contact_id == c.id)
            })
            .cloned()
            .collect();
        assert!(!members.is_empty() && members.len() < contacts.len());
        for sort in [
            vec![SortKey::ascending(Field::CreatedAt)],
            vec![SortKey::descending(Field::Name)],
        ] {
            let query = ListQuery {
                sort,
                member_of: Some(org.id),
                ..ListQuery::default()
            };
            check_against_reference(&|q| store.list_contacts(q), &members, &query);
        }
        let named = ListQuery {
            filters: vec![filter(Field::Name, Operator::StartsWith, "person 1")],
            member_of: Some(org.id),
            ..ListQuery::default()
        };
        let expected: Vec<Contact> = members
            .iter()
            .filter(|c| c.name.starts_with("Person 1"))
            .cloned()
            .collect();
        check_against_reference(&|q| store.list_contacts(q), &expected, &named);
    }
}
