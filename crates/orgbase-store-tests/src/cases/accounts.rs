//! Users and API keys on every backend.

use std::sync::{Arc, Barrier};
use std::thread;

use orgbase_domain::query::PageRequest;
use orgbase_domain::{
    ApiKey, Constraint, Error, Keyset, Position, Role, Secret, Store, User, UserId, UserPatch,
    Write, time,
};

use crate::fixtures::at;

fn user(name: &str, email: &str, role: Role, minute: u32) -> User {
    User {
        id: UserId::generate(),
        name: name.to_owned(),
        email: email.to_owned(),
        role,
        created_at: at(2026, 1, 1, minute),
        version: 0,
    }
}

fn add_user(store: &dyn Store, name: &str, role: Role, minute: u32) -> User {
    let mut user = user(
        name,
        &format!("{}@crm.example", name.to_lowercase()),
        role,
        minute,
    );
    user.version = store.insert_user(&user, None).unwrap();
    user
}

fn conflict(result: orgbase_domain::Result<impl std::fmt::Debug>) -> Constraint {
    match result {
        Err(Error::Conflict(constraint)) => constraint,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub fn users_round_trip_and_emails_are_unique_ignoring_case(store: &Arc<dyn Store>) {
    let mut ada = user("Ada", "Ada@CRM.example", Role::Admin, 0);
    ada.version = store.insert_user(&ada, None).unwrap();
    assert_eq!(store.get_user(ada.id).unwrap(), ada);
    assert_eq!(
        store.find_user_by_email(" ada@crm.EXAMPLE ").unwrap(),
        Some(ada.clone())
    );
    assert_eq!(store.find_user_by_email("bob@crm.example").unwrap(), None);
    let twin = user("Ada Two", "ada@crm.example", Role::Viewer, 1);
    assert_eq!(
        conflict(store.insert_user(&twin, None)),
        Constraint::UserEmail
    );
    let same_id = User {
        email: "other@crm.example".into(),
        ..ada.clone()
    };
    assert_eq!(
        conflict(store.insert_user(&same_id, None)),
        Constraint::UserId
    );
    assert!(matches!(
        store.get_user(UserId::generate()),
        Err(Error::NotFound {
            resource: "user",
            ..
        })
    ));
    assert_eq!(store.count_users().unwrap(), 1);
}

pub fn users_list_oldest_first_in_pages(store: &Arc<dyn Store>) {
    let c = add_user(&**store, "Carol", Role::Viewer, 3);
    let a = add_user(&**store, "Alan", Role::Admin, 1);
    let b = add_user(&**store, "Bea", Role::Member, 2);
    let first = store
        .list_users(PageRequest {
            number: 1,
            size: 2,
            keyset: None,
        })
        .unwrap();
    assert_eq!(first.items, vec![a, b]);
    assert_eq!((first.total, first.has_next), (Some(3), true));
    let second = store
        .list_users(PageRequest {
            number: 2,
            size: 2,
            keyset: None,
        })
        .unwrap();
    assert_eq!((second.items, second.has_next), (vec![c], false));
}

/// A keyset page of an oldest-first list: after and/or before `(created_at, id)` positions.
fn by_position(size: u64, after: Option<&User>, before: Option<&User>) -> PageRequest {
    let position = |user: &User| Position::oldest_first(user.created_at, user.id.as_uuid());
    PageRequest {
        number: 1,
        size,
        keyset: Some(Keyset {
            after: after.map(position),
            before: before.map(position),
        }),
    }
}

pub fn users_and_keys_page_by_position_both_ways(store: &Arc<dyn Store>) {
    // Two users share a creation time: the id breaks the tie.
    let mut users: Vec<User> = [("Ann", 1), ("Ben", 2), ("Cy", 2), ("Dee", 3), ("Eve", 4)]
        .into_iter()
        .map(|(name, minute)| add_user(&**store, name, Role::Admin, minute))
        .collect();
    users.sort_by_key(|u| (u.created_at, u.id));
    let list = |page| store.list_users(page).unwrap();
    let first = list(by_position(2, None, None));
    assert_eq!(
        (first.items.as_slice(), first.has_next),
        (&users[..2], true)
    );
    let second = list(by_position(2, Some(&users[1]), None));
    assert_eq!(
        (second.items.as_slice(), second.has_next),
        (&users[2..4], true)
    );
    let third = list(by_position(2, Some(&users[3]), None));
    assert_eq!(
        (third.items.as_slice(), third.has_next),
        (&users[4..], false)
    );
    let back = list(by_position(2, None, Some(&users[4])));
    assert_eq!(
        (back.items.as_slice(), back.has_previous),
        (&users[2..4], true)
    );
    let front = list(by_position(2, None, Some(&users[2])));
    assert_eq!(
        (front.items.as_slice(), front.has_previous),
        (&users[..2], false)
    );
    let range = list(by_position(2, Some(&users[0]), Some(&users[4])));
    assert_eq!(
        (range.items.as_slice(), range.has_next),
        (&users[1..3], true)
    );
    assert_eq!(range.total, Some(5));
    // Keys page the same way, within one user's keys too.
    let (k1, _) = issue(&**store, &users[0], "a", 0);
    let (k2, _) = issue(&**store, &users[1], "b", 1);
    let (k3, _) = issue(&**store, &users[0], "c", 2);
    let key_position = |k: &ApiKey| Position::oldest_first(k.created_at, k.id.as_uuid());
    let after_k1 = PageRequest {
        number: 1,
        size: 1,
        keyset: Some(Keyset {
            after: Some(key_position(&k1)),
            before: None,
        }),
    };
    let everyone = store.list_api_keys(None, after_k1.clone()).unwrap();
    assert_eq!((everyone.items, everyone.has_next), (vec![k2], true));
    let own = store.list_api_keys(Some(users[0].id), after_k1).unwrap();
    assert_eq!((own.items, own.has_next), (vec![k3], false));
}

pub fn user_patches_change_only_given_members(store: &Arc<dyn Store>) {
    add_user(&**store, "Admin", Role::Admin, 0);
    let bea = add_user(&**store, "Bea", Role::Viewer, 1);
    let patch = UserPatch {
        role: Some(Role::Member),
        ..UserPatch::default()
    };
    let updated = store.update_user(bea.id, &patch, Write::default()).unwrap();
    assert!(updated.version > bea.version, "a change is a new version");
    assert_eq!(
        updated,
        User {
            role: Role::Member,
            version: updated.version,
            ..bea.clone()
        }
    );
    assert_eq!(store.get_user(bea.id).unwrap(), updated);
    let taken = UserPatch {
        email: Some("ADMIN@crm.example".into()),
        ..UserPatch::default()
    };
    assert_eq!(
        conflict(store.update_user(bea.id, &taken, Write::default())),
        Constraint::UserEmail
    );
    let renamed = UserPatch {
        email: Some("bea.new@crm.example".into()),
        ..UserPatch::default()
    };
    store
        .update_user(bea.id, &renamed, Write::default())
        .unwrap();
    assert_eq!(
        store.find_user_by_email("bea@crm.example").unwrap(),
        None,
        "the old address is free"
    );
    assert!(
        store
            .find_user_by_email("BEA.new@crm.example")
            .unwrap()
            .is_some()
    );
}

pub fn the_last_admin_cannot_be_demoted_or_deleted(store: &Arc<dyn Store>) {
    let ada = add_user(&**store, "Ada", Role::Admin, 0);
    let viewer = add_user(&**store, "Vic", Role::Viewer, 1);
    let demote = UserPatch {
        role: Some(Role::Member),
        ..UserPatch::default()
    };
    assert_eq!(
        conflict(store.update_user(ada.id, &demote, Write::default())),
        Constraint::LastAdmin
    );
    assert_eq!(
        conflict(store.delete_user(ada.id, None, Write::default())),
        Constraint::LastAdmin
    );
    assert_eq!(store.get_user(ada.id).unwrap(), ada);
    // Renaming the last admin is fine; so is anything done to others.
    store
        .update_user(
            ada.id,
            &UserPatch {
                name: Some("Ada L.".into()),
                ..UserPatch::default()
            },
            Write::default(),
        )
        .unwrap();
    store
        .delete_user(viewer.id, None, Write::default())
        .unwrap();
    // With a second admin, the first may go.
    let grace = add_user(&**store, "Grace", Role::Admin, 2);
    store
        .update_user(ada.id, &demote, Write::default())
        .unwrap();
    assert_eq!(
        conflict(store.delete_user(grace.id, None, Write::default())),
        Constraint::LastAdmin
    );
}

pub fn two_admins_demoted_at_once_leave_one(store: &Arc<dyn Store>) {
    let admins = [
        add_user(&**store, "One", Role::Admin, 0),
        add_user(&**store, "Two", Role::Admin, 1),
    ];
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = admins
        .iter()
        .map(|admin| {
            let (store, barrier, id) = (Arc::clone(store), Arc::clone(&barrier), admin.id);
            thread::spawn(move || {
                barrier.wait();
                store.update_user(
                    id,
                    &UserPatch {
                        role: Some(Role::Viewer),
                        ..UserPatch::default()
                    },
                    Write::default(),
                )
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(Error::Conflict(Constraint::LastAdmin))))
        .count();
    assert_eq!(refused, 1, "{results:?}");
    let remaining = store.list_users(PageRequest::default()).unwrap().items;
    assert_eq!(
        remaining.iter().filter(|u| u.role == Role::Admin).count(),
        1
    );
}

fn issue(store: &dyn Store, user: &User, name: &str, minute: u32) -> (ApiKey, Secret) {
    let secret = Secret::generate().unwrap();
    let mut key = ApiKey::issue(user.id, name.to_owned(), &secret, at(2026, 2, 1, minute));
    key.version = store.insert_api_key(&key, None).unwrap();
    (key, secret)
}

pub fn api_keys_round_trip_list_by_user_and_revoke(store: &Arc<dyn Store>) {
    let ada = add_user(&**store, "Ada", Role::Admin, 0);
    let bob = add_user(&**store, "Bob", Role::Member, 1);
    let (k1, _) = issue(&**store, &ada, "laptop", 0);
    let (k2, _) = issue(&**store, &bob, "ci", 1);
    let (k3, _) = issue(&**store, &ada, "sync", 2);
    assert_eq!(store.get_api_key(k1.id).unwrap(), k1);
    let everyone = store.list_api_keys(None, PageRequest::default()).unwrap();
    assert_eq!(
        (everyone.items, everyone.total),
        (vec![k1.clone(), k2.clone(), k3.clone()], Some(3))
    );
    let adas = store
        .list_api_keys(Some(ada.id), PageRequest::default())
        .unwrap();
    assert_eq!(adas.items, vec![k1.clone(), k3.clone()]);
    store.delete_api_key(k1.id, Write::default()).unwrap();
    assert!(matches!(
        store.get_api_key(k1.id),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        store.delete_api_key(k1.id, Write::default()),
        Err(Error::NotFound { .. })
    ));
    assert!(
        store
            .find_api_keys_by_prefix(&k1.prefix)
            .unwrap()
            .is_empty(),
        "revoked at once"
    );
}

pub fn keys_are_found_by_prefix_with_their_user(store: &Arc<dyn Store>) {
    let ada = add_user(&**store, "Ada", Role::Admin, 0);
    let (key, secret) = issue(&**store, &ada, "laptop", 0);
    let found = store.find_api_keys_by_prefix(&secret.prefix()).unwrap();
    assert_eq!(found, vec![(key.clone(), ada)]);
    assert!(found[0].0.verifies(secret.expose()));
    assert!(
        store
            .find_api_keys_by_prefix("ob_000000000000")
            .unwrap()
            .is_empty()
    );
    let missing = ApiKey::issue(
        UserId::generate(),
        "orphan".into(),
        &Secret::generate().unwrap(),
        time::now(),
    );
    assert!(matches!(
        store.insert_api_key(&missing, None),
        Err(Error::NotFound {
            resource: "user",
            ..
        })
    ));
}

pub fn deleting_a_user_revokes_their_keys(store: &Arc<dyn Store>) {
    add_user(&**store, "Admin", Role::Admin, 0);
    let bob = add_user(&**store, "Bob", Role::Member, 1);
    let (key, secret) = issue(&**store, &bob, "ci", 0);
    store.delete_user(bob.id, None, Write::default()).unwrap();
    assert!(matches!(
        store.get_user(bob.id),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        store.get_api_key(key.id),
        Err(Error::NotFound { .. })
    ));
    assert!(
        store
            .find_api_keys_by_prefix(&secret.prefix())
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.count_users().unwrap(), 1);
}

pub fn touching_a_key_records_its_last_use(store: &Arc<dyn Store>) {
    let ada = add_user(&**store, "Ada", Role::Admin, 0);
    let (key, _) = issue(&**store, &ada, "laptop", 0);
    assert_eq!(key.last_used_at, None);
    store.touch_api_key(key.id, at(2026, 3, 1, 7)).unwrap();
    assert_eq!(
        store.get_api_key(key.id).unwrap().last_used_at,
        Some(at(2026, 3, 1, 7))
    );
    assert!(matches!(
        store.touch_api_key(orgbase_domain::ApiKeyId::generate(), time::now()),
        Err(Error::NotFound { .. })
    ));
}

pub fn owners_must_exist_and_are_reassigned_before_deletion(store: &Arc<dyn Store>) {
    use orgbase_domain::{NewOrganization, OrganizationPatch, service};
    let admin = add_user(&**store, "Admin", Role::Admin, 0);
    let kim = add_user(&**store, "Kim", Role::Member, 1);
    let lee = add_user(&**store, "Lee", Role::Member, 2);
    // The creator owns by default, and is creator and updater.
    let new = NewOrganization {
        actor: Some(kim.id),
        ..NewOrganization::named("Owned")
    };
    let org = service::create_organization(&**store, &new, time::now()).unwrap();
    assert_eq!(
        (org.details.owner_id, org.creator_id, org.updater_id),
        (Some(kim.id), Some(kim.id), Some(kim.id))
    );
    // An owner that is no user is not found, on create and on update.
    let ghost = UserId::generate();
    let mut orphan = NewOrganization {
        actor: Some(kim.id),
        owner_given: true,
        ..NewOrganization::named("Orphan")
    };
    orphan.details.owner_id = Some(ghost);
    assert!(matches!(
        service::create_organization(&**store, &orphan, time::now()),
        Err(Error::NotFound {
            resource: "user",
            ..
        })
    ));
    let to_ghost = OrganizationPatch {
        owner_id: Some(Some(ghost)),
        actor: Some(lee.id),
        ..Default::default()
    };
    assert!(matches!(
        store.update_organization(org.id, &to_ghost, time::now(), Write::default()),
        Err(Error::NotFound {
            resource: "user",
            ..
        })
    ));
    // A change records its updater.
    let rename = OrganizationPatch {
        name: Some("Renamed".into()),
        actor: Some(lee.id),
        ..Default::default()
    };
    assert_eq!(
        store
            .update_organization(org.id, &rename, time::now(), Write::default())
            .unwrap()
            .updater_id,
        Some(lee.id)
    );
    // Kim owns it: refused without an heir, an unknown heir is not found, then handed to Admin.
    assert_eq!(
        conflict(store.delete_user(kim.id, None, Write::default())),
        Constraint::UserOwnsOrganizations
    );
    assert!(matches!(
        store.delete_user(kim.id, Some(ghost), Write::default()),
        Err(Error::NotFound { .. })
    ));
    store
        .delete_user(kim.id, Some(admin.id), Write::default())
        .unwrap();
    let after = store.get_organization(org.id).unwrap();
    assert_eq!(
        (after.details.owner_id, after.creator_id, after.updater_id),
        (Some(admin.id), None, Some(lee.id))
    );
    // Filter by owner, and by having none.
    let by_owner = |raw: &str, op: &str| {
        let filter = orgbase_domain::Filter::parse(
            orgbase_domain::Field::Owner,
            orgbase_domain::Operator::from_name(op).unwrap(),
            raw,
        )
        .unwrap();
        let query = orgbase_domain::ListQuery {
            filters: vec![filter],
            ..Default::default()
        };
        store
            .list_organizations(&query)
            .unwrap()
            .items
            .into_iter()
            .map(|o| o.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(by_owner(&admin.id.to_string(), "eq"), vec![org.id]);
    assert_eq!(by_owner("true", "null"), Vec::new());
    // Deleting Lee (no organizations owned) forgets them as updater.
    store.delete_user(lee.id, None, Write::default()).unwrap();
    assert_eq!(store.get_organization(org.id).unwrap().updater_id, None);
}

pub fn users_are_fetched_by_ids_in_one_call(store: &Arc<dyn Store>) {
    let a = add_user(&**store, "Ann", Role::Admin, 0);
    let b = add_user(&**store, "Ben", Role::Viewer, 1);
    add_user(&**store, "Cat", Role::Viewer, 2);
    let mut got = store.get_users(&[b.id, UserId::generate(), a.id]).unwrap();
    got.sort_by_key(|u| u.created_at);
    assert_eq!(got, vec![a, b], "missing ids are skipped");
    assert!(store.get_users(&[]).unwrap().is_empty());
}
