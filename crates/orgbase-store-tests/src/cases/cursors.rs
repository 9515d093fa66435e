//! Keyset pages (cursor pagination): walks forwards and backwards and ranges under every kind
//! of sort key, held to the reference order, and a walk that other writers race.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use orgbase_domain::custom_field::{CustomFormat, CustomValue};
use orgbase_domain::organization::Details;
use orgbase_domain::slug::Slug;
use orgbase_domain::{
    ArchivedFilter, Condition, Field, Filter, Keyset, ListQuery, NewOrganization, Operand,
    Organization, OrganizationId, OrganizationPatch, PageRequest, SortKey, Store, Write, time,
};

use super::custom_fields::define;
use crate::fixtures::{all_organizations, at};

/// A keyset page of `size` under `query`'s filters and sort.
fn keyset_page(
    store: &dyn Store,
    query: &ListQuery,
    size: u64,
    keyset: Keyset,
) -> orgbase_domain::Page<Organization> {
    let paged = ListQuery {
        page: PageRequest {
            number: 1,
            size,
            keyset: Some(keyset),
        },
        with_total: false,
        ..query.clone()
    };
    store.list_organizations(&paged).unwrap()
}

fn ids(orgs: &[Organization]) -> Vec<OrganizationId> {
    orgs.iter().map(|o| o.id).collect()
}

/// Every page forwards from the start, each after the previous page's last record.
fn walk_forwards(store: &dyn Store, query: &ListQuery, size: u64) -> Vec<OrganizationId> {
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        // A bound that keeps its own record would loop forever.
        assert!(seen.len() < 100_000, "the walk does not end");
        let page = keyset_page(
            store,
            query,
            size,
            Keyset {
                after: after.clone(),
                before: None,
            },
        );
        assert!(page.items.len() as u64 <= size);
        assert!(!page.has_previous, "forward pages do not look back");
        seen.extend(ids(&page.items));
        match page.items.last() {
            Some(last) if page.has_next => after = Some(query.position_of(last)),
            _ => {
                assert!(!page.has_next, "a page with more to come has records");
                return seen;
            }
        }
    }
}

/// Every page backwards from just before `end`, each before the previous page's first
/// record; returned in the list's order.
fn walk_backwards(
    store: &dyn Store,
    query: &ListQuery,
    size: u64,
    end: &Organization,
) -> Vec<OrganizationId> {
    let mut pages = Vec::new();
    let mut before = query.position_of(end);
    loop {
        assert!(pages.len() < 100_000, "the walk does not end");
        let page = keyset_page(
            store,
            query,
            size,
            Keyset {
                after: None,
                before: Some(before.clone()),
            },
        );
        assert!(!page.has_next, "backward pages do not look forwards");
        pages.push(ids(&page.items));
        match page.items.first() {
            Some(first) if page.has_previous => before = query.position_of(first),
            _ => break,
        }
    }
    pages.into_iter().rev().flatten().collect()
}

/// Thirty organizations with ties and nulls in every kind of key: city (text, nullable),
/// company size (integer), last contact (date-time), a custom number and a custom text.
fn varied(store: &dyn Store) -> (Vec<Organization>, [orgbase_domain::CustomField; 2]) {
    let score = define(store, "c_score", CustomFormat::Number, &[]);
    let code = define(store, "c_code", CustomFormat::Text, &[]);
    let cities = [
        Some("Gent"),
        Some("gent"),
        None,
        Some("Oslo"),
        Some("Bergen"),
    ];
    let orgs = (0..30u32)
        .map(|i| {
            let mut custom = orgbase_domain::custom_field::CustomValues::default();
            if i % 4 != 0 {
                custom.insert(score.id, CustomValue::Number(f64::from(i % 5) - 1.5));
            }
            if i % 3 != 0 {
                custom.insert(code.id, CustomValue::Text(format!("K{}", i % 4)));
            }
            let new = NewOrganization {
                created_at: Some(at(2020, 1, 1 + i % 6, 0)),
                details: Details {
                    city: cities[(i % 5) as usize].map(str::to_owned),
                    company_size: (i % 7 != 0).then_some(i64::from(i % 3) * 10),
                    last_contact_at: (i % 2 == 0).then(|| at(2021, 3, 1 + i % 3, 0)),
                    custom,
                    ..Details::default()
                },
                ..NewOrganization::named(format!("Org {:02}", 29 - i))
            };
            let mut org = new.to_organization(&Slug::derive(&new.name), time::now());
            org.version = store.insert_organization(&org).unwrap();
            org
        })
        .collect();
    (orgs, [score, code])
}

/// The reference order of `query` over every record, from a full read sorted in memory.
fn reference(store: &dyn Store, query: &ListQuery) -> Vec<Organization> {
    let mut all: Vec<Organization> = all_organizations(store)
        .into_iter()
        .filter(|o| query.admits(o))
        .collect();
    all.sort_by(|a, b| query.compare(a, b));
    all
}

pub fn keyset_pages_walk_every_order_forwards_and_backwards(store: &Arc<dyn Store>) {
    let s = &**store;
    let (_, [score, code]) = varied(s);
    let (score, code) = (Field::Custom(score.key()), Field::Custom(code.key()));
    let sorts: Vec<Vec<SortKey>> = vec![
        vec![SortKey::ascending(Field::CreatedAt)],
        vec![SortKey::descending(Field::CreatedAt)],
        vec![SortKey::ascending(Field::Name)],
        vec![SortKey::ascending(Field::City)],
        vec![
            SortKey::descending(Field::City),
            SortKey::ascending(Field::CreatedAt),
        ],
        vec![SortKey::descending(Field::CompanySize)],
        vec![
            SortKey::ascending(Field::CompanySize),
            SortKey::descending(Field::LastContactAt),
        ],
        vec![
            SortKey::ascending(Field::UpdatedAt),
            SortKey::ascending(Field::Id),
        ],
        vec![SortKey::descending(score)],
        vec![SortKey::ascending(score), SortKey::descending(code)],
        vec![SortKey::descending(code), SortKey::ascending(Field::City)],
    ];
    let filters: Vec<Vec<Filter>> = vec![
        Vec::new(),
        // A filter needing the custom value makes the join plan.
        vec![Filter {
            field: score,
            condition: Condition::Gte(Operand::Number(-1.0)),
        }],
    ];
    for sort in &sorts {
        for filter in &filters {
            let query = ListQuery {
                sort: sort.clone(),
                filters: filter.clone(),
                ..ListQuery::default()
            };
            let expected = reference(s, &query);
            let expected_ids = ids(&expected);
            for size in [1, 4, 7, 100] {
                assert_eq!(
                    walk_forwards(s, &query, size),
                    expected_ids,
                    "forwards, size {size}, {sort:?} {filter:?}"
                );
            }
            let last = expected.last().unwrap();
            let mut backwards = walk_backwards(s, &query, 4, last);
            backwards.push(last.id);
            assert_eq!(backwards, expected_ids, "backwards, {sort:?} {filter:?}");
            // A range: the records strictly between two, truncated to the size.
            let (from, to) = (&expected[3], &expected[expected.len() - 4]);
            let range = || Keyset {
                after: Some(query.position_of(from)),
                before: Some(query.position_of(to)),
            };
            let between = &expected_ids[4..expected.len() - 4];
            let truncated = keyset_page(s, &query, 5, range());
            assert_eq!(ids(&truncated.items), between[..5], "range, {sort:?}");
            assert!(truncated.has_next, "a truncated range says more follow");
            let whole = keyset_page(s, &query, 1000, range());
            assert_eq!(ids(&whole.items), between, "whole range, {sort:?}");
            assert!(!whole.has_next);
        }
    }
}

pub fn keyset_pages_count_only_when_asked(store: &Arc<dyn Store>) {
    let s = &**store;
    varied(s);
    let query = ListQuery {
        filters: vec![Filter {
            field: Field::City,
            condition: Condition::Eq(Operand::Text("gent".into())),
        }],
        ..ListQuery::default()
    };
    let counted = ListQuery {
        page: PageRequest {
            number: 1,
            size: 5,
            keyset: Some(Keyset::default()),
        },
        with_total: true,
        ..query.clone()
    };
    let page = s.list_organizations(&counted).unwrap();
    // The cities "Gent" and "gent", 12 of 30: the total ignores the bounds.
    assert_eq!(
        (page.items.len(), page.total, page.has_next),
        (5, Some(12), true)
    );
    let after = query.position_of(page.items.last().unwrap());
    let next = s
        .list_organizations(&ListQuery {
            page: PageRequest {
                number: 1,
                size: 5,
                keyset: Some(Keyset {
                    after: Some(after),
                    before: None,
                }),
            },
            ..counted
        })
        .unwrap();
    assert_eq!(next.total, Some(12));
    assert_eq!(keyset_page(s, &query, 5, Keyset::default()).total, None);
}

/// A reader walks every page while writers insert, update and delete: every organization that
/// existed throughout is seen exactly once, and no organization twice.
pub fn a_walk_racing_writers_sees_every_survivor_once(store: &Arc<dyn Store>) {
    const STABLE: u32 = 150;
    const DOOMED: u32 = 40;
    let insert = |store: &dyn Store, name: String, created_at| {
        let new = NewOrganization {
            created_at: Some(created_at),
            ..NewOrganization::named(&name)
        };
        let mut org = new.to_organization(&Slug::derive(&name), time::now());
        org.version = store.insert_organization(&org).unwrap();
        org
    };
    // Stable records, many sharing a timestamp; each walk's doomed ones interleave with them.
    let stable: Vec<OrganizationId> = (0..STABLE)
        .map(|i| {
            insert(
                &**store,
                format!("Walk {i:03}"),
                at(2020, 1, 1 + i % 20, i % 3),
            )
            .id
        })
        .collect();
    for (round, sort) in [
        vec![SortKey::ascending(Field::CreatedAt)],
        vec![SortKey::descending(Field::CreatedAt)],
        vec![SortKey::ascending(Field::Name)],
    ]
    .into_iter()
    .enumerate()
    {
        let doomed: Vec<OrganizationId> = (0..DOOMED)
            .map(|i| {
                let name = format!("Walk {:03} doomed {round}", i * STABLE / DOOMED);
                insert(&**store, name, at(2020, 1, 1 + i % 20, i % 3)).id
            })
            .collect();
        let query = ListQuery {
            sort,
            archived: ArchivedFilter::Exclude,
            ..ListQuery::default()
        };
        let done = Arc::new(AtomicBool::new(false));
        let start = Arc::new(Barrier::new(4));
        let mut writers = Vec::new();
        // Inserts land before, inside and after the walk's position.
        {
            let (store, done, start) = (Arc::clone(store), Arc::clone(&done), Arc::clone(&start));
            let tag = round;
            writers.push(thread::spawn(move || {
                start.wait();
                let mut n = 0u32;
                while !done.load(Ordering::Relaxed) && n < 400 {
                    insert(
                        &*store,
                        format!("New {tag} {n:04}"),
                        at(2020, 1, 1 + n % 22, 1),
                    );
                    n += 1;
                }
            }));
        }
        // Updates change what is not a sort key.
        {
            let (store, done, start) = (Arc::clone(store), Arc::clone(&done), Arc::clone(&start));
            let targets = stable.clone();
            writers.push(thread::spawn(move || {
                start.wait();
                for (n, id) in targets.iter().cycle().enumerate() {
                    if done.load(Ordering::Relaxed) || n > 2000 {
                        break;
                    }
                    let patch = OrganizationPatch {
                        description: Some(Some(format!("edit {n}"))),
                        ..OrganizationPatch::default()
                    };
                    store
                        .update_organization(*id, &patch, time::now(), Write::default())
                        .unwrap();
                }
            }));
        }
        // Deletes remove records the walk may or may not have passed.
        {
            let (store, start) = (Arc::clone(store), Arc::clone(&start));
            let targets = doomed;
            writers.push(thread::spawn(move || {
                start.wait();
                for id in targets {
                    store.delete_organization(id, Write::default()).unwrap();
                    thread::yield_now();
                }
            }));
        }
        start.wait();
        let seen = walk_forwards(&**store, &query, 7);
        done.store(true, Ordering::Relaxed);
        for writer in writers {
            writer.join().unwrap();
        }
        let mut counts: HashMap<OrganizationId, u32> = HashMap::new();
        for id in &seen {
            *counts.entry(*id).or_default() += 1;
        }
        let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "seen more than once: {twice:?}");
        let missed: Vec<_> = stable
            .iter()
            .filter(|id| !counts.contains_key(id))
            .collect();
        assert!(
            missed.is_empty(),
            "missed {} survivors under {:?}",
            missed.len(),
            query.sort
        );
    }
}
