use std::sync::Arc;

use orgbase_domain::{
    ArchivedFilter, Field, ListQuery, OrganizationId, OrganizationPatch, PageRequest, SortKey,
    Store, Write, time,
};

use crate::fixtures::{at, insert_named};

fn page(store: &dyn Store, query: &ListQuery) -> (Vec<OrganizationId>, u64) {
    let page = store.list_organizations(query).unwrap();
    (
        page.items.iter().map(|o| o.id).collect(),
        page.total.expect("counted"),
    )
}

fn with_page(number: u64, size: u64) -> ListQuery {
    ListQuery {
        page: PageRequest {
            number,
            size,
            keyset: None,
        },
        ..ListQuery::default()
    }
}

pub fn pages_cover_every_row_once(store: &Arc<dyn Store>) {
    let inserted: Vec<OrganizationId> = (0..25)
        .map(|i| insert_named(&**store, &format!("Org {i:02}"), at(2020, 1, 1, i)).id)
        .collect();
    let mut seen = Vec::new();
    for (number, expected_len) in [(1, 10), (2, 10), (3, 5)] {
        let (ids, total) = page(&**store, &with_page(number, 10));
        assert_eq!(total, 25);
        assert_eq!(ids.len(), expected_len, "page {number}");
        seen.extend(ids);
    }
    assert_eq!(seen, inserted);
    // An exact multiple of the page size: 25 rows in pages of 5 end on a full page 5.
    let (ids, total) = page(&**store, &with_page(5, 5));
    assert_eq!((ids.as_slice(), total), (&inserted[20..25], 25));
}

pub fn page_past_the_end_is_empty_with_the_total(store: &Arc<dyn Store>) {
    for i in 0..3 {
        insert_named(&**store, &format!("Org {i}"), at(2020, 1, 1, i));
    }
    assert_eq!(page(&**store, &with_page(2, 3)), (vec![], 3));
    assert_eq!(page(&**store, &with_page(1_000_000, 1000)), (vec![], 3));
}

pub fn default_order_is_created_at_then_id(store: &Arc<dyn Store>) {
    let late = insert_named(&**store, "Late", at(2022, 1, 1, 0));
    let tie_a = insert_named(&**store, "Tie A", at(2021, 1, 1, 0));
    let tie_b = insert_named(&**store, "Tie B", at(2021, 1, 1, 0));
    let early = insert_named(&**store, "Early", at(2020, 1, 1, 0));
    let mut ties = [tie_a.id, tie_b.id];
    ties.sort();
    let (ids, _) = page(&**store, &ListQuery::default());
    assert_eq!(ids, vec![early.id, ties[0], ties[1], late.id]);
    // A descending key breaks its ties by descending id, so one index serves both directions.
    let query = ListQuery {
        sort: vec![SortKey::descending(Field::CreatedAt)],
        ..ListQuery::default()
    };
    let (ids, _) = page(&**store, &query);
    assert_eq!(ids, vec![late.id, ties[1], ties[0], early.id]);
}

/// The id follows the last key's direction, whatever the earlier keys' directions, and
/// pages cut from such an order neither overlap nor skip (many rows share each value).
pub fn ties_follow_the_last_keys_direction_across_pages(store: &Arc<dyn Store>) {
    let mut rows: Vec<(OrganizationId, i64, time::Timestamp)> = (0..30)
        .map(|i| {
            let org = insert_named(&**store, &format!("Org {i:02}"), at(2020, 1, 1 + i % 3, 0));
            let size = i64::from(i % 2);
            let patch = OrganizationPatch {
                company_size: Some(Some(size)),
                ..OrganizationPatch::default()
            };
            store
                .update_organization(org.id, &patch, time::now(), Write::default())
                .unwrap();
            (org.id, size, org.created_at)
        })
        .collect();
    let query = |number| ListQuery {
        sort: vec![
            SortKey::ascending(Field::CompanySize),
            SortKey::descending(Field::CreatedAt),
        ],
        page: PageRequest {
            number,
            size: 7,
            keyset: None,
        },
        ..ListQuery::default()
    };
    let mut seen = Vec::new();
    for number in 1..=5 {
        seen.extend(page(&**store, &query(number)).0);
    }
    rows.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)).then(b.0.cmp(&a.0)));
    let expected: Vec<OrganizationId> = rows.iter().map(|r| r.0).collect();
    assert_eq!(seen, expected);
}

pub fn sorts_by_name_ignoring_case_both_ways(store: &Arc<dyn Store>) {
    let b = insert_named(&**store, "banana", at(2020, 1, 1, 0));
    let a = insert_named(&**store, "Apple", at(2020, 1, 1, 1));
    let c = insert_named(&**store, "CHERRY", at(2020, 1, 1, 2));
    let mut query = ListQuery {
        sort: vec![SortKey::ascending(Field::Name)],
        ..ListQuery::default()
    };
    assert_eq!(page(&**store, &query).0, vec![a.id, b.id, c.id]);
    query.sort = vec![SortKey::descending(Field::Name)];
    assert_eq!(page(&**store, &query).0, vec![c.id, b.id, a.id]);
    // A later key only orders within ties of an earlier one.
    let patch = OrganizationPatch {
        city: Some(Some("Touched".into())),
        ..OrganizationPatch::default()
    };
    let touched = store
        .update_organization(a.id, &patch, time::now(), Write::default())
        .unwrap();
    query.sort = vec![
        SortKey::descending(Field::UpdatedAt),
        SortKey::ascending(Field::Slug),
    ];
    assert_eq!(page(&**store, &query).0[0], touched.id);
}

pub fn archived_are_hidden_unless_asked_for(store: &Arc<dyn Store>) {
    let live = insert_named(&**store, "Live", at(2020, 1, 1, 0));
    let gone = insert_named(&**store, "Gone", at(2020, 1, 1, 1));
    let patch = OrganizationPatch {
        archived_at: Some(Some(at(2025, 1, 1, 0))),
        ..OrganizationPatch::default()
    };
    store
        .update_organization(gone.id, &patch, time::now(), Write::default())
        .unwrap();
    let query = |archived| ListQuery {
        archived,
        ..ListQuery::default()
    };
    assert_eq!(
        page(&**store, &query(ArchivedFilter::Exclude)),
        (vec![live.id], 1)
    );
    assert_eq!(
        page(&**store, &query(ArchivedFilter::Only)),
        (vec![gone.id], 1)
    );
    assert_eq!(
        page(&**store, &query(ArchivedFilter::Any)),
        (vec![live.id, gone.id], 2)
    );
    assert_eq!(
        store.get_organization(gone.id).unwrap().details.archived_at,
        Some(at(2025, 1, 1, 0))
    );
}

pub fn unfiltered_totals_follow_archive_restore_and_delete(store: &Arc<dyn Store>) {
    let orgs: Vec<_> = (0..4)
        .map(|i| insert_named(&**store, &format!("Counted {i}"), at(2020, 1, 1, i)))
        .collect();
    let totals = || {
        [
            ArchivedFilter::Exclude,
            ArchivedFilter::Only,
            ArchivedFilter::Any,
        ]
        .map(|archived| {
            store
                .list_organizations(&ListQuery {
                    archived,
                    ..ListQuery::default()
                })
                .unwrap()
                .total
                .expect("counted")
        })
    };
    let archive = |id, at_: Option<orgbase_domain::time::Timestamp>| {
        let patch = OrganizationPatch {
            archived_at: Some(at_),
            ..OrganizationPatch::default()
        };
        store
            .update_organization(id, &patch, time::now(), Write::default())
            .unwrap();
    };
    assert_eq!(totals(), [4, 0, 4]);
    archive(orgs[0].id, Some(at(2025, 1, 1, 0)));
    archive(orgs[1].id, Some(at(2025, 1, 1, 0)));
    assert_eq!(totals(), [2, 2, 4]);
    // Moving an archive date is not a change of state.
    archive(orgs[1].id, Some(at(2025, 6, 1, 0)));
    assert_eq!(totals(), [2, 2, 4]);
    archive(orgs[0].id, None);
    assert_eq!(totals(), [3, 1, 4]);
    store
        .delete_organization(orgs[1].id, Write::default())
        .unwrap();
    store
        .delete_organization(orgs[2].id, Write::default())
        .unwrap();
    assert_eq!(totals(), [2, 0, 2]);
}

pub fn without_a_total_pages_still_say_whether_more_follow(store: &Arc<dyn Store>) {
    let ids: Vec<OrganizationId> = (0..5)
        .map(|i| insert_named(&**store, &format!("Uncounted {i}"), at(2020, 1, 1, i)).id)
        .collect();
    for with_total in [false, true] {
        for (number, expected, has_next) in [
            (1, &ids[0..2], true),
            (2, &ids[2..4], true),
            (3, &ids[4..5], false),
            (4, &ids[0..0], false),
        ] {
            let query = ListQuery {
                page: PageRequest {
                    number,
                    size: 2,
                    keyset: None,
                },
                with_total,
                ..ListQuery::default()
            };
            let page = store.list_organizations(&query).unwrap();
            let got: Vec<OrganizationId> = page.items.iter().map(|o| o.id).collect();
            assert_eq!(got, expected, "page {number}, with_total {with_total}");
            assert_eq!(
                page.has_next, has_next,
                "page {number}, with_total {with_total}"
            );
            assert_eq!(page.total, with_total.then_some(5));
        }
    }
}
