//! The query language on every backend: each operator on each kind of attribute, case
//! folding, list and domain membership, search, sorts with nulls and ties, and counts.

use std::sync::Arc;

use orgbase_domain::organization::Details;
use orgbase_domain::slug::Slug;
use orgbase_domain::{
    ArchivedFilter, Field, Filter, ListQuery, NewOrganization, Operator, Organization,
    OrganizationPatch, PageRequest, SortKey, Status, Store, Write, time,
};

use crate::fixtures::at;

/// Five organizations whose values exercise case, nulls, non-ASCII text and LIKE wildcards.
/// Creation order (and so id order) is the order here; `Zeta_Corp` is archived.
pub fn catalog(store: &dyn Store) -> Vec<Organization> {
    let org = |name: &str, created: (i32, u32), details: Details| NewOrganization {
        created_at: Some(at(created.0, created.1, 1, 0)),
        details,
        ..NewOrganization::named(name)
    };
    let text = |s: &str| Some(s.to_owned());
    let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let entries = [
        org(
            "Acme",
            (2020, 1),
            Details {
                organization_type: text("customer"),
                city: text("Gent"),
                country: text("Belgium"),
                company_size: Some(50),
                lists: strings(&["VIP", "Belgium"]),
                domains: strings(&["acme.example"]),
                website: text("https://acme.example"),
                email: text("hi@acme.example"),
                description: text("Makes ANVILS"),
                last_contact_at: Some(at(2024, 1, 1, 0)),
                ..Details::default()
            },
        ),
        org(
            "Globex",
            (2021, 1),
            Details {
                organization_type: text("prospect"),
                status: Status::Inactive,
                city: text("gent"),
                country: text("Netherlands"),
                company_size: Some(500),
                lists: strings(&["vip"]),
                domains: strings(&["globex.example", "globex.nl"]),
                last_contact_at: Some(at(2025, 6, 1, 0)),
                ..Details::default()
            },
        ),
        org(
            "Initech",
            (2022, 1),
            Details {
                country: text("Belgium"),
                description: text("100% software_stuff"),
                ..Details::default()
            },
        ),
        org(
            "École Duchamp",
            (2023, 1),
            Details {
                organization_type: text("Customer"),
                city: text("Liège"),
                company_size: Some(5),
                lists: strings(&["Über"]),
                description: text("école"),
                last_contact_at: Some(at(2024, 1, 1, 0)),
                ..Details::default()
            },
        ),
        org(
            "Zeta_Corp",
            (2019, 1),
            Details {
                city: text("Brussels"),
                company_size: Some(0),
                archived_at: Some(at(2025, 1, 1, 0)),
                ..Details::default()
            },
        ),
    ];
    entries
        .iter()
        .map(|new| {
            let mut record = new.to_organization(&Slug::derive(&new.name), time::now());
            record.version = store.insert_organization(&record).unwrap();
            record
        })
        .collect()
}

fn filter(attribute: &str, operator: &str, raw: &str) -> Filter {
    let field = Field::from_attribute(attribute).unwrap();
    Filter::parse(field, Operator::from_name(operator).unwrap(), raw).unwrap()
}

fn names(store: &dyn Store, query: &ListQuery) -> Vec<String> {
    let page = store.list_organizations(query).unwrap();
    assert_eq!(
        page.total,
        Some(page.items.len() as u64),
        "every case fits one page"
    );
    page.items.into_iter().map(|o| o.name).collect()
}

/// Checks `(attribute, operator, value) → names in default order` for each case.
fn expect(store: &dyn Store, cases: &[(&str, &str, &str, &[&str])]) {
    for (attribute, operator, raw, expected) in cases {
        let query = ListQuery {
            filters: vec![filter(attribute, operator, raw)],
            ..ListQuery::default()
        };
        assert_eq!(
            names(store, &query),
            *expected,
            "filter[{attribute}][{operator}]={raw}"
        );
    }
}

pub fn text_operators_fold_case_and_respect_nulls(store: &Arc<dyn Store>) {
    catalog(&**store);
    expect(
        &**store,
        &[
            ("city", "eq", "GENT", &["Acme", "Globex"]),
            ("city", "ne", "gent", &["Initech", "École Duchamp"]),
            ("city", "null", "true", &["Initech"]),
            (
                "city",
                "null",
                "false",
                &["Acme", "Globex", "École Duchamp"],
            ),
            (
                "city",
                "in",
                "gent,LIÈGE,liège",
                &["Acme", "Globex", "École Duchamp"],
            ),
            ("city", "contains", "EN", &["Acme", "Globex"]),
            ("city", "starts_with", "l", &["École Duchamp"]),
            ("city", "gt", "gent", &["École Duchamp"]),
            ("city", "gte", "gent", &["Acme", "Globex", "École Duchamp"]),
            ("city", "lt", "h", &["Acme", "Globex"]),
            ("city", "lte", "gent", &["Acme", "Globex"]),
            (
                "organization_type",
                "eq",
                "customer",
                &["Acme", "École Duchamp"],
            ),
            ("name", "eq", "ÉCOLE DUCHAMP", &["École Duchamp"]),
            ("name", "starts_with", "éc", &["École Duchamp"]),
            ("name", "gt", "globex", &["Initech", "École Duchamp"]),
            ("description", "contains", "anvil", &["Acme"]),
            // LIKE wildcards in the text match themselves.
            ("description", "contains", "%", &["Initech"]),
            ("description", "contains", "e_s", &["Initech"]),
            ("description", "contains", "_", &["Initech"]),
            ("slug", "eq", "initech", &["Initech"]),
            (
                "created_from",
                "eq",
                "API",
                &["Acme", "Globex", "Initech", "École Duchamp"],
            ),
        ],
    );
}

pub fn number_date_enum_and_id_operators(store: &Arc<dyn Store>) {
    let orgs = catalog(&**store);
    expect(
        &**store,
        &[
            ("company_size", "eq", "500", &["Globex"]),
            (
                "company_size",
                "ne",
                "50",
                &["Globex", "Initech", "École Duchamp"],
            ),
            ("company_size", "in", "5,50", &["Acme", "École Duchamp"]),
            ("company_size", "gt", "5", &["Acme", "Globex"]),
            (
                "company_size",
                "gte",
                "5",
                &["Acme", "Globex", "École Duchamp"],
            ),
            ("company_size", "lt", "50", &["École Duchamp"]),
            ("company_size", "lte", "50", &["Acme", "École Duchamp"]),
            ("company_size", "null", "true", &["Initech"]),
            (
                "created_at",
                "gte",
                "2021-01-01",
                &["Globex", "Initech", "École Duchamp"],
            ),
            ("created_at", "lt", "2021-01-01T00:00:00Z", &["Acme"]),
            ("created_at", "eq", "2022-01-01T12:30:45Z", &["Initech"]),
            (
                "last_contact_at",
                "eq",
                "2024-01-01T12:30:45+00:00",
                &["Acme", "École Duchamp"],
            ),
            (
                "last_contact_at",
                "ne",
                "2024-01-01T12:30:45Z",
                &["Globex", "Initech"],
            ),
            ("last_contact_at", "null", "true", &["Initech"]),
            ("last_contact_at", "gt", "2024-06-01", &["Globex"]),
            ("status", "eq", "INACTIVE", &["Globex"]),
            (
                "status",
                "ne",
                "inactive",
                &["Acme", "Initech", "École Duchamp"],
            ),
            (
                "status",
                "in",
                "active,inactive",
                &["Acme", "Globex", "Initech", "École Duchamp"],
            ),
        ],
    );
    let (acme, initech) = (orgs[0].id.to_string(), orgs[2].id.to_string());
    expect(
        &**store,
        &[
            ("id", "eq", &acme, &["Acme"]),
            (
                "id",
                "in",
                &format!("{initech},{acme}"),
                &["Acme", "Initech"],
            ),
            ("id", "ne", &acme, &["Globex", "Initech", "École Duchamp"]),
        ],
    );
}

pub fn list_and_domain_membership(store: &Arc<dyn Store>) {
    let orgs = catalog(&**store);
    expect(
        &**store,
        &[
            ("lists", "eq", "vip", &["Acme", "Globex"]),
            ("lists", "eq", "VIP", &["Acme", "Globex"]),
            ("lists", "ne", "vip", &["Initech", "École Duchamp"]),
            ("lists", "in", "ÜBER,belgium", &["Acme", "École Duchamp"]),
            ("lists", "eq", "nobody", &[]),
            ("domains", "eq", "GLOBEX.NL", &["Globex"]),
            (
                "domains",
                "in",
                "acme.example,globex.example",
                &["Acme", "Globex"],
            ),
            (
                "domains",
                "ne",
                "acme.example",
                &["Globex", "Initech", "École Duchamp"],
            ),
        ],
    );
    // Membership follows updates of the collections.
    let patch = orgbase_domain::OrganizationPatch {
        lists: Some(vec!["Gold".into()]),
        domains: Some(vec![]),
        ..Default::default()
    };
    store
        .update_organization(orgs[0].id, &patch, time::now(), Write::default())
        .unwrap();
    expect(
        &**store,
        &[
            ("lists", "eq", "vip", &["Globex"]),
            ("lists", "eq", "gold", &["Acme"]),
            ("domains", "eq", "acme.example", &[]),
        ],
    );
    store
        .delete_organization(orgs[1].id, Write::default())
        .unwrap();
    expect(&**store, &[("lists", "eq", "vip", &[])]);
}

pub fn search_covers_name_website_email_domains_and_description(store: &Arc<dyn Store>) {
    catalog(&**store);
    for (text, expected) in [
        ("ACME", &["Acme"][..]),
        ("globex.nl", &["Globex"]),
        ("anvils", &["Acme"]),
        ("hi@", &["Acme"]),
        ("ÉCOLE", &["École Duchamp"]),
        ("%", &["Initech"]),
        ("e", &["Acme", "Globex", "Initech", "École Duchamp"]),
        ("nothing-like-this", &[]),
    ] {
        let query = ListQuery {
            search: Some(text.to_owned()),
            ..ListQuery::default()
        };
        assert_eq!(names(&**store, &query), expected, "filter[q]={text}");
    }
}

/// The search index follows every write: an update, a domain change, a rename, a delete.
pub fn search_follows_updates_renames_and_deletes(store: &Arc<dyn Store>) {
    catalog(&**store);
    let s = &**store;
    let search = |text: &str| {
        names(
            s,
            &ListQuery {
                search: Some(text.to_owned()),
                archived: ArchivedFilter::Any,
                ..ListQuery::default()
            },
        )
    };
    let acme = s.find_organization_by_name("Acme").unwrap().unwrap();
    assert_eq!(search("anvils"), ["Acme"]);
    let patch = OrganizationPatch {
        description: Some(Some("Sells QUANTUM widgets".into())),
        domains: Some(vec!["Wile-Coyote.example".into()]),
        ..OrganizationPatch::default()
    };
    s.update_organization(acme.id, &patch, time::now(), Write::default())
        .unwrap();
    assert_eq!(
        search("anvils"),
        Vec::<String>::new(),
        "the old text is gone"
    );
    assert_eq!(search("quantum wid"), ["Acme"]);
    assert_eq!(search("coyote.exa"), ["Acme"], "domains, case folded");
    let rename = OrganizationPatch {
        name: Some("Roadrunner Supplies".into()),
        ..OrganizationPatch::default()
    };
    s.update_organization(acme.id, &rename, time::now(), Write::default())
        .unwrap();
    assert_eq!(search("runner sup"), ["Roadrunner Supplies"]);
    assert_eq!(
        search("acme"),
        ["Roadrunner Supplies"],
        "by its website, still"
    );
    s.delete_organization(acme.id, Write::default()).unwrap();
    assert_eq!(search("quantum"), Vec::<String>::new());
    // Two characters have no trigram: still answered, by a scan.
    assert_eq!(search("nl").len(), 1);
}

pub fn filters_combine_with_archive_state_and_count(store: &Arc<dyn Store>) {
    catalog(&**store);
    let query = ListQuery {
        filters: vec![
            filter("country", "eq", "belgium"),
            filter("company_size", "gt", "10"),
        ],
        ..ListQuery::default()
    };
    assert_eq!(names(&**store, &query), ["Acme"]);
    let archived = ListQuery {
        filters: vec![filter("name", "contains", "_corp")],
        archived: ArchivedFilter::Only,
        ..ListQuery::default()
    };
    assert_eq!(names(&**store, &archived), ["Zeta_Corp"]);
    let any = ListQuery {
        filters: vec![filter("company_size", "lte", "50")],
        archived: ArchivedFilter::Any,
        page: PageRequest {
            number: 2,
            size: 2,
            keyset: None,
        },
        ..ListQuery::default()
    };
    let page = store.list_organizations(&any).unwrap();
    assert_eq!(
        page.total,
        Some(3),
        "the total counts every match, not the page"
    );
    assert_eq!(
        page.items
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>(),
        ["École Duchamp"]
    );
}

/// A bound on `created_at` or `updated_at` that keeps most rows is counted as "listed less
/// excluded" by the SQL backends: the totals must be exact on either side of the guess, for
/// every operator, at the ends and past them, in each archive state.
pub fn totals_bounded_by_one_time_are_exact(store: &Arc<dyn Store>) {
    // Ten organizations a day apart, created and last updated on days 1–10; days 3 and 8
    // archived.
    let days: Vec<u32> = (1..=10).collect();
    for &day in &days {
        let new = NewOrganization {
            created_at: Some(at(2020, 3, day, 0)),
            updated_at: Some(at(2020, 3, day, 0)),
            details: Details {
                archived_at: [3, 8].contains(&day).then(|| at(2024, 1, 1, 0)),
                ..Details::default()
            },
            ..NewOrganization::named(format!("Day {day}"))
        };
        let org = new.to_organization(&Slug::derive(&format!("day-{day}")), time::now());
        store.insert_organization(&org).unwrap();
    }
    let archived = |day: u32| [3, 8].contains(&day);
    for attribute in ["created_at", "updated_at"] {
        for operator in ["gt", "gte", "lt", "lte"] {
            for bound in [0, 1, 2, 3, 5, 8, 9, 10, 11] {
                let keeps = |day: u32| match operator {
                    "gt" => day > bound,
                    "gte" => day >= bound,
                    "lt" => day < bound,
                    _ => day <= bound,
                };
                // Day 0 and 11 fall outside March's first ten days: before and after every row.
                let raw = match bound {
                    0 => "2020-02-29T12:30:45Z".to_owned(),
                    11 => "2020-03-11T12:30:45Z".to_owned(),
                    d => format!("2020-03-{d:02}T12:30:45Z"),
                };
                for (state, wanted) in [
                    (ArchivedFilter::Exclude, Some(false)),
                    (ArchivedFilter::Only, Some(true)),
                    (ArchivedFilter::Any, None),
                ] {
                    let expected = days
                        .iter()
                        .filter(|&&d| keeps(d) && wanted.is_none_or(|w| archived(d) == w))
                        .count() as u64;
                    let query = ListQuery {
                        filters: vec![filter(attribute, operator, &raw)],
                        archived: state,
                        ..ListQuery::default()
                    };
                    let page = store.list_organizations(&query).unwrap();
                    assert_eq!(
                        page.total,
                        Some(expected),
                        "{attribute} {operator} day {bound}, {state:?}"
                    );
                    assert_eq!(page.items.len() as u64, expected);
                }
            }
        }
    }
}

/// Filters dense enough that SQLite walks the order's index and tests each row (at least
/// `√(rows × listed)` matches; eighty organizations, pages of seven), and sparse ones it
/// sorts, under orders that walk (name, update time, company size with nulls, id): every
/// page, by number and by cursor both ways, must be the reference's.
pub fn dense_and_sparse_filters_page_in_every_order(store: &Arc<dyn Store>) {
    let mut all = Vec::new();
    for i in 0..80u32 {
        let new = NewOrganization {
            created_at: Some(at(2020, 1 + i % 12, 1 + i % 28, i)),
            updated_at: Some(at(2021, 1 + i % 5, 1 + i % 9, i)),
            details: Details {
                country: Some(if i % 3 == 0 { "Norway" } else { "belgium" }.to_owned()),
                city: Some(format!("City {}", i % 4)),
                status: if i % 4 == 0 {
                    Status::Inactive
                } else {
                    Status::Active
                },
                company_size: (i % 9 != 0).then_some(i64::from(i % 6) * 100),
                ..Details::default()
            },
            ..NewOrganization::named(format!("Dense {:02}", (i * 37) % 80))
        };
        let mut org = new.to_organization(&Slug::derive(&new.name), time::now());
        org.version = store.insert_organization(&org).unwrap();
        all.push(org);
    }
    let filter_sets = [
        vec![filter("country", "eq", "Belgium")],
        vec![
            filter("country", "eq", "norway"),
            filter("status", "eq", "active"),
        ],
        vec![
            filter("city", "in", "city 1,city 2"),
            filter("created_at", "gte", "2020-03-01"),
        ],
        vec![
            filter("company_size", "gt", "100"),
            filter("country", "eq", "belgium"),
        ],
        vec![filter("city", "eq", "city 3")],
    ];
    let sorts = [
        vec![SortKey::ascending(Field::Name)],
        vec![SortKey::descending(Field::Name)],
        vec![SortKey::descending(Field::CompanySize)],
        vec![
            SortKey::ascending(Field::CompanySize),
            SortKey::descending(Field::Name),
        ],
        vec![SortKey::ascending(Field::UpdatedAt)],
        vec![SortKey::descending(Field::Id)],
    ];
    for filters in &filter_sets {
        for sort in &sorts {
            let query = ListQuery {
                filters: filters.clone(),
                sort: sort.clone(),
                ..ListQuery::default()
            };
            crate::fixtures::check_against_reference(
                &|q| store.list_organizations(q),
                &all,
                &query,
            );
        }
    }
}

fn sorted(store: &dyn Store, keys: Vec<SortKey>) -> Vec<String> {
    names(
        store,
        &ListQuery {
            sort: keys,
            ..ListQuery::default()
        },
    )
}

pub fn sorts_put_nulls_last_both_ways_and_break_ties_by_id(store: &Arc<dyn Store>) {
    catalog(&**store);
    let s = &**store;
    // Acme and Globex tie on the folded city "gent": the id (creation order) decides, in the
    // direction of the last key.
    assert_eq!(
        sorted(s, vec![SortKey::ascending(Field::City)]),
        ["Acme", "Globex", "École Duchamp", "Initech"]
    );
    assert_eq!(
        sorted(s, vec![SortKey::descending(Field::City)]),
        ["École Duchamp", "Globex", "Acme", "Initech"]
    );
    assert_eq!(
        sorted(s, vec![SortKey::descending(Field::CompanySize)]),
        ["Globex", "Acme", "École Duchamp", "Initech"]
    );
    assert_eq!(
        sorted(s, vec![SortKey::ascending(Field::CompanySize)]),
        ["École Duchamp", "Acme", "Globex", "Initech"]
    );
    assert_eq!(
        sorted(
            s,
            vec![
                SortKey::descending(Field::OrganizationType),
                SortKey::ascending(Field::Name)
            ]
        ),
        ["Globex", "Acme", "École Duchamp", "Initech"]
    );
    assert_eq!(
        sorted(
            s,
            vec![
                SortKey::ascending(Field::LastContactAt),
                SortKey::descending(Field::Name)
            ]
        ),
        ["École Duchamp", "Acme", "Globex", "Initech"]
    );
    assert_eq!(
        sorted(
            s,
            vec![
                SortKey::descending(Field::Status),
                SortKey::descending(Field::CreatedAt)
            ]
        ),
        ["Globex", "École Duchamp", "Initech", "Acme"]
    );
    assert_eq!(
        sorted(s, vec![SortKey::ascending(Field::Name)]),
        ["Acme", "Globex", "Initech", "École Duchamp"]
    );
}
