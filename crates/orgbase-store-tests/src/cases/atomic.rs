//! Several writes as one ([`Store::atomically`]): kept together with their entries, undone
//! together (entries too) when the work gives up, a failed write inside the work undoing
//! only itself, and of two racing transactions that collide, one kept whole and the other
//! not at all.

use std::sync::{Arc, Barrier};
use std::thread;

use orgbase_domain::{
    Constraint, Error, NewOrganization, OrganizationPatch, Role, Store, User, UserId, Write,
    service, time,
};

use crate::fixtures::all_organizations;

fn new(name: &str) -> NewOrganization {
    NewOrganization::named(name)
}

fn latest(store: &dyn Store) -> u64 {
    store.change_log_state().unwrap().latest
}

pub fn the_work_is_kept_whole_with_its_entries(store: &Arc<dyn Store>) {
    let before = latest(&**store);
    let admin = User {
        id: UserId::generate(),
        name: "Ada".into(),
        email: "ada@atomic.example".into(),
        role: Role::Admin,
        created_at: time::now(),
        version: 0,
    };
    let mut made = None;
    store
        .atomically(&mut |tx| {
            tx.insert_user(&admin, None)?;
            let org = service::create_organization(tx, &new("Atomic One"), time::now())?;
            // The work reads its own writes.
            assert_eq!(tx.get_organization(org.id)?.name, "Atomic One");
            let patch = OrganizationPatch {
                owner_id: Some(Some(admin.id)),
                ..OrganizationPatch::default()
            };
            tx.update_organization(org.id, &patch, time::now(), Write::by(Some(admin.id)))?;
            made = Some(org.id);
            Ok(())
        })
        .unwrap();
    let org = store.get_organization(made.unwrap()).unwrap();
    assert_eq!(org.details.owner_id, Some(admin.id));
    assert_eq!(
        store.get_user(admin.id).unwrap().email,
        "ada@atomic.example"
    );
    // A user create, an organization create, its update.
    assert!(latest(&**store) > before);
    let page = store
        .list_changes(&orgbase_domain::ChangeQuery::default())
        .unwrap();
    let operations: Vec<(&str, &str)> = page
        .items
        .iter()
        .filter(|c| c.sequence > before)
        .map(|c| (c.entry.operation.as_str(), c.entry.resource_type.as_str()))
        .collect();
    assert_eq!(
        operations,
        [
            ("create", "users"),
            ("create", "organizations"),
            ("update", "organizations")
        ]
    );
}

pub fn work_that_gives_up_keeps_nothing(store: &Arc<dyn Store>) {
    let kept = service::create_organization(&**store, &new("Kept"), time::now()).unwrap();
    let before = latest(&**store);
    let outcome = store.atomically(&mut |tx| {
        service::create_organization(tx, &new("Undone"), time::now())?;
        tx.delete_organization(kept.id, Write::by(None))?;
        // The third write collides: the work gives up with its error.
        service::create_organization(tx, &new("undone "), time::now())?;
        Ok(())
    });
    assert!(
        matches!(outcome, Err(Error::Conflict(Constraint::OrganizationName))),
        "{outcome:?}"
    );
    let names: Vec<String> = all_organizations(&**store)
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, ["Kept"]);
    assert_eq!(
        store.get_organization(kept.id).unwrap().version,
        kept.version
    );
    // No entry of the undone writes was kept, nor is one shown later.
    let after = store
        .list_changes(&orgbase_domain::ChangeQuery::default())
        .unwrap();
    assert!(after.items.iter().all(|c| c.sequence <= before));
    // The name the undone work took is free again.
    service::create_organization(&**store, &new("Undone"), time::now()).unwrap();
}

pub fn a_failed_write_inside_undoes_only_itself(store: &Arc<dyn Store>) {
    store
        .atomically(&mut |tx| {
            service::create_organization(tx, &new("Twice"), time::now())?;
            // Refused by the unique index; the work goes on, as a retry after a taken slug does.
            let refused = service::create_organization(tx, &new("TWICE"), time::now());
            assert!(
                matches!(refused, Err(Error::Conflict(Constraint::OrganizationName))),
                "{refused:?}"
            );
            // A taken derived slug is retried inside the same transaction.
            service::create_organization(tx, &new("Twice!"), time::now())?;
            Ok(())
        })
        .unwrap();
    let mut slugs: Vec<String> = all_organizations(&**store)
        .into_iter()
        .map(|o| o.slug.to_string())
        .collect();
    slugs.sort();
    assert_eq!(slugs, ["twice", "twice-2"]);
}

/// Two transactions race, each creating one shared name and one of its own: one is kept
/// whole, the other not at all (its own organization included), on every round.
pub fn of_two_racing_transactions_that_collide_one_is_kept_whole(store: &Arc<dyn Store>) {
    for round in 0..8 {
        let barrier = Arc::new(Barrier::new(2));
        let outcomes: Vec<Result<(), Error>> = (0..2)
            .map(|writer| {
                let store = Arc::clone(store);
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || {
                    barrier.wait();
                    store.atomically(&mut |tx| {
                        service::create_organization(
                            tx,
                            &new(&format!("Own {round}-{writer}")),
                            time::now(),
                        )?;
                        service::create_organization(
                            tx,
                            &new(&format!("Shared {round}")),
                            time::now(),
                        )?;
                        Ok(())
                    })
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect();
        let won: Vec<usize> = (0..2).filter(|w| outcomes[*w].is_ok()).collect();
        assert_eq!(won.len(), 1, "round {round}: {outcomes:?}");
        let loser = 1 - won[0];
        assert!(
            matches!(
                outcomes[loser],
                Err(Error::Conflict(Constraint::OrganizationName))
            ),
            "{outcomes:?}"
        );
        let names: Vec<String> = all_organizations(&**store)
            .into_iter()
            .map(|o| o.name)
            .collect();
        assert!(names.contains(&format!("Own {round}-{}", won[0])));
        assert!(names.contains(&format!("Shared {round}")));
        assert!(
            !names.contains(&format!("Own {round}-{loser}")),
            "{names:?}"
        );
    }
}

/// The organizations a batch of creates would be, as `create_organizations` builds them.
fn batch(names: &[&str]) -> Vec<orgbase_domain::Organization> {
    names
        .iter()
        .map(|name| {
            let new = new(name);
            new.to_organization(&orgbase_domain::slug::Slug::derive(name), time::now())
        })
        .collect()
}

pub fn many_inserts_are_kept_together_or_not_at_all(store: &Arc<dyn Store>) {
    let before = latest(&**store);
    let orgs = batch(&["One", "Two", "Three"]);
    let versions = store.insert_organizations(&orgs).unwrap();
    assert_eq!(versions.len(), 3);
    for (org, version) in orgs.iter().zip(&versions) {
        let stored = store.get_organization(org.id).unwrap();
        assert_eq!(
            (stored.name.as_str(), stored.version),
            (org.name.as_str(), *version)
        );
    }
    let page = store
        .list_changes(&orgbase_domain::ChangeQuery::default())
        .unwrap();
    let created: Vec<&str> = page
        .items
        .iter()
        .filter(|c| c.sequence > before)
        .map(|c| c.entry.operation.as_str())
        .collect();
    assert_eq!(created, ["create"; 3], "an entry each");

    // A name taken by a stored record, or twice inside the batch: nothing of it is kept.
    // (Its slug collides too; which of the two a backend reports first is its own.)
    let mark = latest(&**store);
    for names in [&["Four", "two"][..], &["Five", "Six", "five "][..]] {
        match store.insert_organizations(&batch(names)) {
            Err(Error::Conflict(Constraint::OrganizationName | Constraint::OrganizationSlug)) => {}
            other => panic!("{names:?}: {other:?}"),
        }
    }
    assert_eq!(all_organizations(&**store).len(), 3);
    assert_eq!(latest(&**store), mark, "no entry of a refused batch");
    assert_eq!(store.insert_organizations(&[]).unwrap(), Vec::<u64>::new());
}

pub fn batched_creates_end_as_one_by_one_creates_would(store: &Arc<dyn Store>) {
    service::create_organization(&**store, &new("Taken"), time::now()).unwrap();
    // Slugs collide inside the batch: numbered as one by one would number them.
    let created =
        service::create_organizations(&**store, &[new("Acme!"), new("Acme?")], time::now())
            .unwrap();
    let slugs: Vec<&str> = created.iter().map(|o| o.slug.as_str()).collect();
    assert_eq!(slugs, ["acme", "acme-2"]);
    for org in &created {
        assert_eq!(store.get_organization(org.id).unwrap().version, org.version);
    }
    match service::create_organizations(
        &**store,
        &[new("Fresh"), new("taken"), new("Later")],
        time::now(),
    ) {
        Err((1, Error::Conflict(Constraint::OrganizationName))) => {}
        other => panic!("{other:?}"),
    }
}
