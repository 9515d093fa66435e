//! Differential property test: random organizations and random list queries (filters,
//! search, archive state, sorts, pages) must give exactly the same page and total on SQLite
//! and PostgreSQL as on the in-memory reference store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use orgbase_domain::organization::Details;
use orgbase_domain::query::FieldKind;
use orgbase_domain::slug::Slug;
use orgbase_domain::{
    ArchivedFilter, Field, Filter, ListQuery, NewOrganization, Operator, PageRequest,
    SortDirection, SortKey, Status, Store, time,
};
use orgbase_store_diesel::testing::TestDatabase;
use orgbase_store_diesel::{DatabaseTarget, DieselStore, PoolOptions};
use orgbase_store_memory::MemoryStore;
use orgbase_store_tests::require_in_ci;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

const WORDS: [&str; 6] = ["acme", "ACME", "Globex", "école", "Über", "a_b%c"];
const CITIES: [&str; 6] = ["Gent", "gent", "GENT", "Liège", "liège", "Brussels"];
const LISTS: [&str; 5] = ["VIP", "vip", "EU", "Über", "über"];
const DOMAINS: [&str; 3] = ["acme.example", "globex.example", "x.example"];
const DESCRIPTIONS: [&str; 4] = ["100% real", "snake_case", "Plain", "ÉCOLE"];
const TEXT_VALUES: [&str; 12] = [
    "gent", "GENT", "liège", "LIÈGE", "e", "%", "_", "acme 1", "über", "a", "plain", "zzz",
];

#[derive(Debug, Clone)]
struct OrgSpec {
    word: usize,
    city: Option<usize>,
    size: Option<i64>,
    lists: Vec<usize>,
    domains: Vec<usize>,
    created: u32,
    inactive: bool,
    description: Option<usize>,
    last_contact: Option<u32>,
    archived: bool,
}

fn org_spec() -> impl Strategy<Value = OrgSpec> {
    (
        (
            0..WORDS.len(),
            proptest::option::of(0..CITIES.len()),
            proptest::option::of(0i64..4),
        ),
        (
            proptest::collection::vec(0..LISTS.len(), 0..3),
            proptest::collection::vec(0..DOMAINS.len(), 0..2),
        ),
        (
            0u32..4,
            any::<bool>(),
            proptest::option::of(0..DESCRIPTIONS.len()),
        ),
        (proptest::option::of(0u32..3), proptest::bool::weighted(0.2)),
    )
        .prop_map(
            |(
                (word, city, size),
                (lists, domains),
                (created, inactive, description),
                (last_contact, archived),
            )| OrgSpec {
                word,
                city,
                size,
                lists,
                domains,
                created,
                inactive,
                description,
                last_contact,
                archived,
            },
        )
}

fn moment(n: u32) -> time::Timestamp {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single().unwrap() + Duration::days(i64::from(n))
}

fn dedup(items: Vec<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.iter().any(|o| o == item) {
            out.push(item.to_owned());
        }
    }
    out
}

fn new_organization(i: usize, spec: &OrgSpec) -> NewOrganization {
    NewOrganization {
        created_at: Some(moment(spec.created)),
        details: Details {
            status: if spec.inactive {
                Status::Inactive
            } else {
                Status::Active
            },
            city: spec.city.map(|c| CITIES[c].to_owned()),
            company_size: spec.size,
            lists: dedup(spec.lists.iter().map(|l| LISTS[*l]).collect()),
            domains: dedup(spec.domains.iter().map(|d| DOMAINS[*d]).collect()),
            description: spec.description.map(|d| DESCRIPTIONS[d].to_owned()),
            last_contact_at: spec.last_contact.map(moment),
            archived_at: spec.archived.then(|| moment(9)),
            ..Details::default()
        },
        ..NewOrganization::named(format!("{} {i}", WORDS[spec.word]))
    }
}

/// A raw filter value fitting the field's kind, from pools that overlap the data.
fn raw_value(field: Field, operator: Operator, pick: usize) -> String {
    if operator == Operator::Null {
        return ["true", "false"][pick % 2].to_owned();
    }
    let one = |p: usize| -> String {
        match field.kind() {
            FieldKind::Integer => (p % 5).to_string(),
            FieldKind::DateTime if p.is_multiple_of(2) => time::format(&moment((p % 5) as u32)),
            FieldKind::DateTime => moment((p % 5) as u32).format("%Y-%m-%d").to_string(),
            FieldKind::Enum(words) => words[p % words.len()].to_owned(),
            FieldKind::Set if field == Field::Domains => DOMAINS[p % DOMAINS.len()].to_owned(),
            FieldKind::Set => LISTS[p % LISTS.len()].to_owned(),
            FieldKind::Text if field == Field::City => CITIES[p % CITIES.len()].to_owned(),
            _ => TEXT_VALUES[p % TEXT_VALUES.len()].to_owned(),
        }
    };
    if operator == Operator::In {
        (0..1 + pick % 3)
            .map(|k| one(pick / 3 + k * 7))
            .collect::<Vec<_>>()
            .join(",")
    } else {
        one(pick)
    }
}

const FILTERABLE: [Field; 12] = [
    Field::Name,
    Field::City,
    Field::Status,
    Field::Description,
    Field::CompanySize,
    Field::CreatedAt,
    Field::UpdatedAt,
    Field::LastContactAt,
    Field::ArchivedAt,
    Field::Lists,
    Field::Domains,
    Field::Slug,
];

const SORTABLE: [Field; 8] = [
    Field::Name,
    Field::City,
    Field::Status,
    Field::Description,
    Field::CompanySize,
    Field::CreatedAt,
    Field::LastContactAt,
    Field::Slug,
];

fn list_query() -> impl Strategy<Value = ListQuery> {
    (
        proptest::collection::vec((0..FILTERABLE.len(), 0usize..10, 0usize..100), 0..3),
        proptest::option::of(0..TEXT_VALUES.len()),
        0usize..3,
        proptest::collection::vec((0..SORTABLE.len(), any::<bool>()), 0..3),
        (1u64..4, 1u64..8, proptest::bool::weighted(0.8)),
    )
        .prop_map(
            |(filters, search, archived, sort, (number, size, with_total))| {
                let filters = filters
                    .into_iter()
                    .map(|(f, o, v)| {
                        let field = FILTERABLE[f];
                        let operator = field.operators()[o % field.operators().len()];
                        Filter::parse(field, operator, &raw_value(field, operator, v)).unwrap()
                    })
                    .collect();
                let mut keys: Vec<SortKey> = Vec::new();
                for (f, descending) in sort {
                    if !keys.iter().any(|k| k.field == SORTABLE[f]) {
                        let direction = if descending {
                            SortDirection::Descending
                        } else {
                            SortDirection::Ascending
                        };
                        keys.push(SortKey {
                            field: SORTABLE[f],
                            direction,
                        });
                    }
                }
                ListQuery {
                    filters,
                    search: search.map(|s| TEXT_VALUES[s].to_owned()),
                    archived: [
                        ArchivedFilter::Exclude,
                        ArchivedFilter::Only,
                        ArchivedFilter::Any,
                    ][archived],
                    sort: keys,
                    page: PageRequest { number, size },
                    with_total,
                }
            },
        )
}

fn clear(store: &dyn Store) {
    let everything = ListQuery {
        archived: ArchivedFilter::Any,
        page: PageRequest {
            number: 1,
            size: 1000,
        },
        ..ListQuery::default()
    };
    for org in store.list_organizations(&everything).unwrap().items {
        store.delete_organization(org.id).unwrap();
    }
}

fn open(target: DatabaseTarget) -> Arc<dyn Store> {
    let store = DieselStore::open(target, &PoolOptions::default()).unwrap();
    store.run_migrations().unwrap();
    Arc::new(store)
}

#[test]
fn sql_backends_answer_exactly_like_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let mut backends: Vec<(&str, Arc<dyn Store>)> = vec![(
        "SQLite",
        open(DatabaseTarget::Sqlite(dir.path().join("diff.db"))),
    )];
    let _database = match std::env::var("ORGBASE_TEST_POSTGRES_URL") {
        Ok(url) => {
            let database = TestDatabase::create(&url).unwrap();
            backends.push((
                "PostgreSQL",
                open(DatabaseTarget::Postgres(database.url().to_owned())),
            ));
            Some(database)
        }
        Err(_) => require_in_ci::<TestDatabase>(
            "ORGBASE_TEST_POSTGRES_URL is not set; comparing SQLite only",
        ),
    };
    let cases = std::env::var("ORGBASE_PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(96);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        proptest::collection::vec(org_spec(), 0..24),
        proptest::collection::vec(list_query(), 1..6),
    );
    runner
        .run(&strategy, |(specs, queries)| {
            let reference = MemoryStore::new();
            let now = time::now();
            let records: Vec<_> = specs
                .iter()
                .enumerate()
                .map(|(i, spec)| {
                    let new = new_organization(i, spec);
                    new.to_organization(&Slug::derive(&new.name), now)
                })
                .collect();
            for (_, store) in &backends {
                clear(&**store);
            }
            for record in &records {
                reference.insert_organization(record).unwrap();
                for (_, store) in &backends {
                    store.insert_organization(record).unwrap();
                }
            }
            for query in &queries {
                let expected = reference.list_organizations(query).unwrap();
                for (name, store) in &backends {
                    let got = store.list_organizations(query).unwrap();
                    if got != expected {
                        let ids = |p: &orgbase_domain::Page<orgbase_domain::Organization>| {
                            p.items.iter().map(|o| o.name.clone()).collect::<Vec<_>>()
                        };
                        return Err(TestCaseError::fail(format!(
                            "{name} differs for {query:#?}\nexpected total {:?} {:?}\n     got total {:?} {:?}",
                            expected.total,
                            ids(&expected),
                            got.total,
                            ids(&got)
                        )));
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}
