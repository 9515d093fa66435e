use chrono::TimeZone;
use orgbase_domain::organization::Details;
use orgbase_domain::query::Listed;
use orgbase_domain::slug::Slug;
use orgbase_domain::time::{self, Timestamp};
use orgbase_domain::{
    ArchivedFilter, Keyset, ListQuery, NewOrganization, Organization, Page, PageRequest, Status,
    Store,
};
use serde_json::json;

pub fn at(year: i32, month: u32, day: u32, micros: u32) -> Timestamp {
    time::truncate(
        chrono::Utc
            .with_ymd_and_hms(year, month, day, 12, 30, 45)
            .single()
            .unwrap()
            + chrono::Duration::microseconds(i64::from(micros)),
    )
}

/// An organization with every attribute set, non-ASCII text included.
pub fn full(name: &str) -> NewOrganization {
    NewOrganization {
        slug: Some(Slug::derive(name)),
        details: Details {
            organization_type: Some("customer".into()),
            status: Status::Inactive,
            description: Some("Makes anvils — and rockets. \u{1F680} \"quoted\" 'single'".into()),
            website: Some("https://acme.example/path?q=1".into()),
            email: Some("hello@acme.example".into()),
            phone: Some("+32-481-754-301".into()),
            address: Some("1 Road Runner Way".into()),
            city: Some("Wavre".into()),
            state: Some("Brabant wallon".into()),
            country: Some("Belgium".into()),
            industry: Some("Manufacturing".into()),
            company_size: Some(9_000_000_000),
            domains: vec!["acme.example".into(), "acme-corp.example".into()],
            lists: vec!["Belgium".into(), "IT".into(), "Über".into()],
            metadata: json!({"tier": "gold", "nested": {"n": [1, 2.5, null, true]}})
                .as_object()
                .cloned(),
            last_contact_at: Some(at(2024, 2, 29, 123_456)),
            archived_at: None,
            owner_id: None,
            custom: Default::default(),
        },
        created_from: "extension".into(),
        created_at: Some(at(2015, 8, 15, 0)),
        updated_at: Some(at(2016, 11, 25, 500_000)),
        ..NewOrganization::named(name)
    }
}

/// Inserts a minimal organization with the given name and creation time.
pub fn insert_named(store: &dyn Store, name: &str, created_at: Timestamp) -> Organization {
    let new = NewOrganization {
        created_at: Some(created_at),
        ..NewOrganization::named(name)
    };
    let mut org = new.to_organization(&Slug::derive(name), time::now());
    org.version = store.insert_organization(&org).unwrap();
    org
}

/// Every organization, archived or not, read a page at a time, in id order.
pub fn all_organizations(store: &dyn Store) -> Vec<Organization> {
    let mut all = Vec::new();
    for number in 1.. {
        let page = store
            .list_organizations(&ListQuery {
                archived: ArchivedFilter::Any,
                page: PageRequest {
                    number,
                    size: 1000,
                    keyset: None,
                },
                ..ListQuery::default()
            })
            .unwrap();
        all.extend(page.items);
        if !page.has_next {
            break;
        }
    }
    all.sort_by_key(|o| o.id);
    all
}

/// Every page of `query` by number, then by cursor both ways, against the reference.
/// `list` is the store's list call for the records' type.
pub fn check_against_reference<T: Listed + Clone + PartialEq + std::fmt::Debug>(
    list: &dyn Fn(&ListQuery) -> orgbase_domain::Result<Page<T>>,
    all: &[T],
    query: &ListQuery,
) {
    let mut expected: Vec<&T> = all.iter().filter(|c| query.admits(*c)).collect();
    expected.sort_by(|a, b| query.compare(*a, *b));
    let expected: Vec<T> = expected.into_iter().cloned().collect();
    let size = 7;

    let mut numbered = Vec::new();
    for number in 1.. {
        let page = list(&ListQuery {
            page: PageRequest::numbered(number, size),
            ..query.clone()
        })
        .unwrap();
        assert_eq!(page.total, Some(expected.len() as u64), "{query:?}");
        let done = !page.has_next;
        numbered.extend(page.items);
        if done {
            break;
        }
    }
    assert_eq!(numbered, expected, "pages by number of {query:?}");

    let keyset = |keyset: Keyset| ListQuery {
        page: PageRequest {
            number: 1,
            size,
            keyset: Some(keyset),
        },
        with_total: false,
        ..query.clone()
    };
    let mut forwards: Vec<T> = Vec::new();
    loop {
        let after = forwards.last().map(|c| query.position_of(c));
        let page = list(&keyset(Keyset {
            after,
            before: None,
        }))
        .unwrap();
        assert_eq!(page.total, None);
        let more = page.has_next;
        forwards.extend(page.items);
        if !more {
            break;
        }
    }
    assert_eq!(forwards, expected, "pages by cursor of {query:?}");

    // Backwards from the last record, which each walk then ends with.
    let Some(last) = expected.last() else {
        return;
    };
    let mut backwards = vec![last.clone()];
    loop {
        let before = Some(query.position_of(&backwards[0]));
        let page = list(&keyset(Keyset {
            after: None,
            before,
        }))
        .unwrap();
        let more = page.has_previous;
        let mut items = page.items;
        items.extend(backwards);
        backwards = items;
        if !more {
            break;
        }
    }
    assert_eq!(
        backwards, expected,
        "pages backwards by cursor of {query:?}"
    );
}
