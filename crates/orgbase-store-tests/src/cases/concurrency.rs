use std::sync::{Arc, Barrier};
use std::thread;

use orgbase_domain::service::{self, Created};
use orgbase_domain::{
    ArchivedFilter, Constraint, Error, ListQuery, NewOrganization, OrganizationPatch, Store, Write,
    time,
};

use crate::fixtures::{at, insert_named};

const THREADS: usize = 16;

/// Runs `work(i)` on 16 threads released at the same instant.
fn race<T: Send + 'static>(work: impl Fn(usize) -> T + Send + Sync + 'static) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(THREADS));
    let work = Arc::new(work);
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            let work = Arc::clone(&work);
            thread::spawn(move || {
                barrier.wait();
                work(i)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

fn count_all(store: &dyn Store) -> u64 {
    let query = ListQuery {
        archived: ArchivedFilter::Any,
        ..ListQuery::default()
    };
    store
        .list_organizations(&query)
        .unwrap()
        .total
        .expect("counted")
}

pub fn sixteen_threads_creating_one_name_make_one_row(store: &Arc<dyn Store>) {
    let shared = Arc::clone(store);
    let results = race(move |i| {
        let name = if i % 2 == 0 {
            "Race Corp"
        } else {
            "  race CORP "
        };
        service::create_organization(&*shared, &NewOrganization::named(name), time::now())
    });
    let created = results.iter().filter(|r| r.is_ok()).count();
    let name_conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(Error::Conflict(Constraint::OrganizationName))))
        .count();
    assert_eq!((created, name_conflicts), (1, THREADS - 1), "{results:?}");
    assert_eq!(count_all(&**store), 1);
}

pub fn sixteen_threads_returning_existing_all_see_one_row(store: &Arc<dyn Store>) {
    let shared = Arc::clone(store);
    let results = race(move |_| {
        service::create_or_get_existing(&*shared, &NewOrganization::named("Once Only"), time::now())
            .unwrap()
    });
    let new = results
        .iter()
        .filter(|r| matches!(r, Created::New(_)))
        .count();
    assert_eq!(new, 1);
    let ids: Vec<_> = results
        .iter()
        .map(|r| match r {
            Created::New(o) | Created::Existing(o) => o.id,
        })
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(count_all(&**store), 1);
}

pub fn concurrent_patches_of_one_record_lose_no_update(store: &Arc<dyn Store>) {
    let org = insert_named(&**store, "Contended", at(2020, 1, 1, 0));
    let shared = Arc::clone(store);
    let id = org.id;
    // Each thread appends its own list entry by read-modify-write inside the store's
    // transaction; a lost update would drop an entry.
    race(move |i| {
        loop {
            let current = shared.get_organization(id).unwrap();
            let mut lists = current.details.lists.clone();
            lists.push(format!("t{i}"));
            let patch = OrganizationPatch {
                lists: Some(lists),
                unchanged: vec![orgbase_domain::organization::ReadOnlyValue::UpdatedAt(
                    current.updated_at,
                )],
                ..OrganizationPatch::default()
            };
            // `updated_at` works as an optimistic version: a stale one is refused, and we retry.
            match shared.update_organization(id, &patch, time::now(), Write::default()) {
                Ok(_) => break,
                Err(Error::Invalid(_)) => thread::yield_now(),
                Err(other) => panic!("{other:?}"),
            }
        }
    });
    let mut lists = store.get_organization(id).unwrap().details.lists;
    lists.sort();
    let mut expected: Vec<String> = (0..THREADS).map(|i| format!("t{i}")).collect();
    expected.sort();
    assert_eq!(lists, expected);
}
