//! Differential property test: random organizations and random list queries (filters,
//! search, archive state, sorts, pages) must give exactly the same page and total on SQLite
//! and PostgreSQL as on the in-memory reference store. Organizations hold values of six
//! custom fields (some missing), which filters and sorts use like built-in attributes. Random
//! contacts with their own custom fields are held to the reference the same way.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use orgbase_domain::Write;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use orgbase_domain::organization::Details;
use orgbase_domain::query::FieldKind;
use orgbase_domain::slug::Slug;
use orgbase_domain::{
    ArchivedFilter, CustomField, CustomFieldId, CustomFormat, CustomValue, Field, Filter, Keyset,
    ListQuery, NewOrganization, Operator, PageRequest, SortDirection, SortKey, Status, Store, time,
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

const NUMBERS: [f64; 5] = [-1.0, 0.0, 0.5, 1.0, 2.5];
const TIERS: [&str; 3] = ["Gold", "Silver", "Bronze"];
const TAGS: [&str; 3] = ["Red", "Blue", "Green"];

/// The custom fields every store defines, with the same ids.
struct Custom {
    number: CustomField,
    text: CustomField,
    day: CustomField,
    flag: CustomField,
    tier: CustomField,
    tags: CustomField,
}

impl Custom {
    fn new(resource_type: orgbase_domain::CustomResourceType) -> Self {
        let field = |identifier: &str, format, options: &[&str]| CustomField {
            id: CustomFieldId::generate(),
            resource_type,
            identifier: identifier.to_owned(),
            name: identifier.to_owned(),
            format,
            options: options.iter().map(|o| (*o).to_owned()).collect(),
            unique: false,
            created_at: moment(0),
            updated_at: moment(0),
            version: 0,
        };
        Self {
            number: field("c_number", CustomFormat::Number, &[]),
            text: field("c_text", CustomFormat::Text, &[]),
            day: field("c_day", CustomFormat::Date, &[]),
            flag: field("c_flag", CustomFormat::Boolean, &[]),
            tier: field("c_tier", CustomFormat::Select, &TIERS),
            tags: field("c_tags", CustomFormat::MultiSelect, &TAGS),
        }
    }

    fn all(&self) -> [&CustomField; 6] {
        [
            &self.number,
            &self.text,
            &self.day,
            &self.flag,
            &self.tier,
            &self.tags,
        ]
    }

    fn define(&self, store: &dyn Store) {
        for field in self.all() {
            store.insert_custom_field(field, None).unwrap();
        }
    }

    fn values(&self, spec: &CustomSpec) -> orgbase_domain::CustomValues {
        let mut values = orgbase_domain::CustomValues::new();
        let mut put = |field: &CustomField, value: Option<CustomValue>| {
            if let Some(value) = value {
                values.insert(field.id, value);
            }
        };
        put(
            &self.number,
            spec.number.map(|n| CustomValue::Number(NUMBERS[n])),
        );
        put(
            &self.text,
            spec.text
                .map(|t| CustomValue::Text(TEXT_VALUES[t].to_owned())),
        );
        put(
            &self.day,
            spec.day.map(|d| CustomValue::Date(moment(d).date_naive())),
        );
        put(&self.flag, spec.flag.map(CustomValue::Boolean));
        put(
            &self.tier,
            spec.tier.map(|t| CustomValue::Text(TIERS[t].to_owned())),
        );
        let tags = dedup(spec.tags.iter().map(|t| TAGS[*t]).collect());
        put(
            &self.tags,
            (!tags.is_empty()).then_some(CustomValue::Choices(tags)),
        );
        values
    }

    fn filterable(&self, built_in: &[Field]) -> Vec<Field> {
        let mut fields = built_in.to_vec();
        fields.extend(self.all().iter().map(|f| Field::Custom(f.key())));
        fields
    }

    fn sortable(&self, built_in: &[Field]) -> Vec<Field> {
        let mut fields = built_in.to_vec();
        fields.extend(
            self.all()
                .iter()
                .map(|f| Field::Custom(f.key()))
                .filter(|f| f.sortable()),
        );
        fields
    }
}

#[derive(Debug, Clone)]
struct CustomSpec {
    number: Option<usize>,
    text: Option<usize>,
    day: Option<u32>,
    flag: Option<bool>,
    tier: Option<usize>,
    tags: Vec<usize>,
}

fn custom_spec() -> impl Strategy<Value = CustomSpec> {
    (
        proptest::option::of(0..NUMBERS.len()),
        proptest::option::of(0..TEXT_VALUES.len()),
        proptest::option::of(0u32..4),
        proptest::option::of(any::<bool>()),
        proptest::option::of(0..TIERS.len()),
        proptest::collection::vec(0..TAGS.len(), 0..3),
    )
        .prop_map(|(number, text, day, flag, tier, tags)| CustomSpec {
            number,
            text,
            day,
            flag,
            tier,
            tags,
        })
}

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
    custom: CustomSpec,
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
        (
            proptest::option::of(0u32..3),
            proptest::bool::weighted(0.2),
            custom_spec(),
        ),
    )
        .prop_map(
            |(
                (word, city, size),
                (lists, domains),
                (created, inactive, description),
                (last_contact, archived, custom),
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
                custom,
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

fn new_organization(i: usize, spec: &OrgSpec, custom: &Custom) -> NewOrganization {
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
            custom: custom.values(&spec.custom),
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
            FieldKind::Number => ["-1", "0", "0.5", "1", "2.5", "0.25"][p % 6].to_owned(),
            FieldKind::Boolean => ["true", "false"][p % 2].to_owned(),
            FieldKind::Choice => ["gold", "SILVER", "Bronze", "Platinum"][p % 4].to_owned(),
            FieldKind::Set if matches!(field, Field::Custom(_)) => {
                ["red", "Blue", "GREEN", "Pink"][p % 4].to_owned()
            }
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

/// Random queries over these fields; `archived` picks an archive state (organizations only).
fn list_query(
    filterable: Vec<Field>,
    sortable: Vec<Field>,
    archived: bool,
) -> impl Strategy<Value = ListQuery> + use<> {
    (
        proptest::collection::vec((0..filterable.len(), 0usize..10, 0usize..100), 0..3),
        proptest::option::of(0..TEXT_VALUES.len()),
        0usize..if archived { 3 } else { 1 },
        proptest::collection::vec((0..sortable.len(), any::<bool>()), 0..3),
        (1u64..4, 1u64..8, proptest::bool::weighted(0.8)),
    )
        .prop_map(
            move |(filters, search, archived, sort, (number, size, with_total))| {
                let filters = filters
                    .into_iter()
                    .map(|(f, o, v)| {
                        let field = filterable[f];
                        let operator = field.operators()[o % field.operators().len()];
                        Filter::parse(field, operator, &raw_value(field, operator, v)).unwrap()
                    })
                    .collect();
                let mut keys: Vec<SortKey> = Vec::new();
                for (f, descending) in sort {
                    if !keys.iter().any(|k| k.field == sortable[f]) {
                        let direction = if descending {
                            SortDirection::Descending
                        } else {
                            SortDirection::Ascending
                        };
                        keys.push(SortKey {
                            field: sortable[f],
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
                    page: PageRequest {
                        number,
                        size,
                        keyset: None,
                    },
                    with_total,
                    member_of: None,
                }
            },
        )
}

fn clear(store: &dyn Store) {
    let everything = ListQuery {
        archived: ArchivedFilter::Any,
        page: PageRequest::numbered(1, 1000),
        ..ListQuery::default()
    };
    for org in store.list_organizations(&everything).unwrap().items {
        store.delete_organization(org.id, Write::default()).unwrap();
    }
}

/// The stores compared with the reference, by name.
type Backends = Vec<(&'static str, Arc<dyn Store>)>;

/// SQLite in `file`, and PostgreSQL when `ORGBASE_TEST_POSTGRES_URL` names one (required in
/// CI), with what keeps its database alive.
fn sql_backends(file: &std::path::Path) -> (Backends, Option<TestDatabase>) {
    let mut backends: Backends = vec![("SQLite", open(DatabaseTarget::Sqlite(file.to_owned())))];
    let database = match std::env::var("ORGBASE_TEST_POSTGRES_URL") {
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
    (backends, database)
}

/// `ORGBASE_PROPTEST_CASES` cases, else `default`.
fn runner(default: u32) -> TestRunner {
    let cases = std::env::var("ORGBASE_PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

/// The query by keyset: after, before and between positions of its own records (`all`, in its
/// order; nulls, ties and custom keys included), chosen by the page number.
fn by_keysets(query: &ListQuery, all: &[impl orgbase_domain::query::Listed]) -> Vec<ListQuery> {
    let at = |k: u64| query.position_of(&all[(k as usize) % all.len()]);
    let n = query.page.number;
    [
        Keyset::default(),
        Keyset {
            after: Some(at(n)),
            before: None,
        },
        Keyset {
            after: None,
            before: Some(at(n * 3)),
        },
        Keyset {
            after: Some(at(1)),
            before: Some(at(n + 5)),
        },
    ]
    .into_iter()
    .map(|keyset| ListQuery {
        page: PageRequest {
            number: 1,
            size: query.page.size,
            keyset: Some(keyset),
        },
        ..query.clone()
    })
    .collect()
}

fn open(target: DatabaseTarget) -> Arc<dyn Store> {
    let store = DieselStore::open(target, &PoolOptions::default()).unwrap();
    store.run_migrations().unwrap();
    Arc::new(store)
}

#[test]
fn sql_backends_answer_exactly_like_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let (backends, _database) = sql_backends(&dir.path().join("diff.db"));
    let mut runner = runner(96);
    let custom = Custom::new(orgbase_domain::CustomResourceType::Organizations);
    for (_, store) in &backends {
        custom.define(&**store);
    }
    let strategy = (
        proptest::collection::vec(org_spec(), 0..24),
        proptest::collection::vec(
            list_query(
                custom.filterable(&FILTERABLE),
                custom.sortable(&SORTABLE),
                true,
            ),
            1..6,
        ),
    );
    runner
        .run(&strategy, |(specs, queries)| {
            let reference = MemoryStore::new();
            custom.define(&reference);
            let now = time::now();
            let records: Vec<_> = specs
                .iter()
                .enumerate()
                .map(|(i, spec)| {
                    let new = new_organization(i, spec, &custom);
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
            // Every case also pages through a descending order with many ties (two statuses,
            // four creation days), where the id must follow the last key's direction.
            let ties = ListQuery {
                sort: vec![
                    SortKey {
                        field: Field::Status,
                        direction: SortDirection::Ascending,
                    },
                    SortKey {
                        field: Field::CreatedAt,
                        direction: SortDirection::Descending,
                    },
                ],
                archived: ArchivedFilter::Any,
                page: PageRequest { number: 2, size: 3, keyset: None },
                ..ListQuery::default()
            };
            // Versions are each store's own sequence numbers (the SQL stores live across
            // cases); what is compared is which records, in which order, with which values.
            let unversioned = |mut page: orgbase_domain::Page<orgbase_domain::Organization>| {
                page.items.iter_mut().for_each(|o| o.version = 0);
                page
            };
            let check = |query: &ListQuery| -> Result<(), TestCaseError> {
                let expected = unversioned(reference.list_organizations(query).unwrap());
                for (name, store) in &backends {
                    let got = unversioned(store.list_organizations(query).unwrap());
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
                Ok(())
            };
            for query in queries.iter().chain([&ties]) {
                check(query)?;
                // The same query by keyset: after, before and between positions of its own
                // records (nulls, ties and custom keys included), chosen by the page number.
                let all = reference
                    .list_organizations(&ListQuery {
                        page: PageRequest::numbered(1, 1000),
                        ..query.clone()
                    })
                    .unwrap()
                    .items;
                if all.is_empty() {
                    continue;
                }
                for by_keyset in by_keysets(query, &all) {
                    check(&by_keyset)?;
                }
            }
            Ok(())
        })
        .unwrap();
}

const PHONES: [&str; 3] = ["+32 1", "+32 2", "0032 1"];

#[derive(Debug, Clone)]
struct ContactSpec {
    word: usize,
    email: Option<usize>,
    phone: Option<usize>,
    title: Option<usize>,
    created: u32,
    custom: CustomSpec,
}

fn contact_spec() -> impl Strategy<Value = ContactSpec> {
    (
        0..WORDS.len(),
        proptest::option::of(0..DOMAINS.len()),
        proptest::option::of(0..PHONES.len()),
        proptest::option::of(0..DESCRIPTIONS.len()),
        0u32..4,
        custom_spec(),
    )
        .prop_map(|(word, email, phone, title, created, custom)| ContactSpec {
            word,
            email,
            phone,
            title,
            created,
            custom,
        })
}

const CONTACT_FILTERABLE: [Field; 6] = [
    Field::Name,
    Field::Email,
    Field::Phone,
    Field::Title,
    Field::CreatedAt,
    Field::UpdatedAt,
];

const CONTACT_SORTABLE: [Field; 5] = [
    Field::Name,
    Field::Email,
    Field::Phone,
    Field::Title,
    Field::CreatedAt,
];

#[test]
fn sql_backends_list_contacts_exactly_like_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let (backends, _database) = sql_backends(&dir.path().join("contacts.db"));
    let mut runner = runner(64);
    let custom = Custom::new(orgbase_domain::CustomResourceType::Contacts);
    for (_, store) in &backends {
        custom.define(&**store);
    }
    let strategy = (
        proptest::collection::vec(contact_spec(), 0..24),
        proptest::collection::vec(
            list_query(
                custom.filterable(&CONTACT_FILTERABLE),
                custom.sortable(&CONTACT_SORTABLE),
                false,
            ),
            1..6,
        ),
    );
    runner
        .run(&strategy, |(specs, queries)| {
            let reference = MemoryStore::new();
            custom.define(&reference);
            let now = time::now();
            let records: Vec<orgbase_domain::Contact> = specs
                .iter()
                .enumerate()
                .map(|(i, spec)| {
                    orgbase_domain::NewContact {
                        // Unique addresses, in mixed case, so filters and sorts fold them.
                        email: spec.email.map(|d| format!("Person{i}@{}", DOMAINS[d])),
                        phone: spec.phone.map(|p| PHONES[p].to_owned()),
                        title: spec.title.map(|t| DESCRIPTIONS[t].to_owned()),
                        custom: custom.values(&spec.custom),
                        created_at: Some(moment(spec.created)),
                        updated_at: Some(moment(spec.created)),
                        ..orgbase_domain::NewContact::named(WORDS[spec.word])
                    }
                    .to_contact(now)
                })
                .collect();
            for (_, store) in &backends {
                let everything = ListQuery {
                    page: PageRequest::numbered(1, 1000),
                    ..ListQuery::default()
                };
                for contact in store.list_contacts(&everything).unwrap().items {
                    store.delete_contact(contact.id, Write::default()).unwrap();
                }
            }
            for record in &records {
                reference.insert_contact(record).unwrap();
                for (_, store) in &backends {
                    store.insert_contact(record).unwrap();
                }
            }
            let unversioned = |mut page: orgbase_domain::Page<orgbase_domain::Contact>| {
                page.items.iter_mut().for_each(|c| c.version = 0);
                page
            };
            let check = |query: &ListQuery| -> Result<(), TestCaseError> {
                let expected = unversioned(reference.list_contacts(query).unwrap());
                for (name, store) in &backends {
                    let got = unversioned(store.list_contacts(query).unwrap());
                    if got != expected {
                        let names = |p: &orgbase_domain::Page<orgbase_domain::Contact>| {
                            p.items.iter().map(|c| c.id).collect::<Vec<_>>()
                        };
                        return Err(TestCaseError::fail(format!(
                            "{name} differs for {query:#?}\nexpected total {:?} {:?}\n     got total {:?} {:?}",
                            expected.total,
                            names(&expected),
                            got.total,
                            names(&got)
                        )));
                    }
                }
                Ok(())
            };
            for query in &queries {
                check(query)?;
                let all = reference
                    .list_contacts(&ListQuery {
                        page: PageRequest::numbered(1, 1000),
                        ..query.clone()
                    })
                    .unwrap()
                    .items;
                if all.is_empty() {
                    continue;
                }
                for by_keyset in by_keysets(query, &all) {
                    check(&by_keyset)?;
                }
            }
            Ok(())
        })
        .unwrap();
}
