//! Custom fields on every backend: definitions, every format's values, the checks made inside
//! the write, options changes, cascades, filters and sorts with missing values, and the race
//! between an options change and value writes.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use chrono::NaiveDate;
use orgbase_domain::slug::Slug;
use orgbase_domain::{
    ArchivedFilter, Constraint, CustomField, CustomFieldId, CustomFieldPatch, CustomFormat,
    CustomResourceType, CustomValue, Error, Field, Filter, ListQuery, NewOrganization, Operator,
    Organization, OrganizationPatch, PageRequest, SortKey, Store, Write, time,
};

use crate::fixtures::at;

/// Defines an organizations field (created a microsecond after the previous one, so list
/// order is known).
pub fn define(
    store: &dyn Store,
    identifier: &str,
    format: CustomFormat,
    options: &[&str],
) -> CustomField {
    define_for(
        store,
        CustomResourceType::Organizations,
        identifier,
        format,
        options,
    )
}

/// `field`, made unique.
pub fn made_unique(store: &dyn Store, field: &CustomField) -> CustomField {
    let patch = CustomFieldPatch {
        unique: Some(true),
        ..CustomFieldPatch::default()
    };
    store
        .update_custom_field(field.id, &patch, time::now(), Write::default())
        .unwrap()
}

/// Defines a field of `resource_type`.
pub fn define_for(
    store: &dyn Store,
    resource_type: CustomResourceType,
    identifier: &str,
    format: CustomFormat,
    options: &[&str],
) -> CustomField {
    let now = time::now();
    let mut field = CustomField {
        id: CustomFieldId::generate(),
        resource_type,
        identifier: identifier.to_owned(),
        name: identifier.trim_start_matches("c_").to_uppercase(),
        format,
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        unique: false,
        created_at: now,
        updated_at: now,
        version: 0,
    };
    field.version = store.insert_custom_field(&field, None).unwrap();
    field
}

/// Inserts an organization holding `values`, created at `day` of January 2020.
fn insert_with(
    store: &dyn Store,
    name: &str,
    day: u32,
    values: &[(&CustomField, CustomValue)],
) -> Organization {
    let mut new = NewOrganization {
        created_at: Some(at(2020, 1, day, 0)),
        ..NewOrganization::named(name)
    };
    for (field, value) in values {
        new.details.custom.insert(field.id, value.clone());
    }
    let mut org = new.to_organization(&Slug::derive(name), time::now());
    org.version = store.insert_organization(&org).unwrap();
    org
}

fn text(t: &str) -> CustomValue {
    CustomValue::Text(t.to_owned())
}

fn choices(items: &[&str]) -> CustomValue {
    CustomValue::Choices(items.iter().map(|c| (*c).to_owned()).collect())
}

fn date(y: i32, m: u32, d: u32) -> CustomValue {
    CustomValue::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn set(field: &CustomField, value: Option<CustomValue>) -> OrganizationPatch {
    OrganizationPatch {
        custom: BTreeMap::from([(field.id, value)]),
        ..OrganizationPatch::default()
    }
}

fn codes(error: Error) -> Vec<(String, &'static str)> {
    match error {
        Error::Invalid(errors) => errors.0.into_iter().map(|e| (e.pointer, e.code)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

pub fn definitions_round_trip_list_in_order_and_change(store: &Arc<dyn Store>) {
    let store = &**store;
    let tier = define(store, "c_tier", CustomFormat::Select, &["Gold", "Silver"]);
    let arr = define(store, "c_arr", CustomFormat::Number, &[]);
    assert_eq!(store.get_custom_field(tier.id).unwrap(), tier);
    let listed: Vec<CustomField> = store
        .list_custom_fields()
        .unwrap()
        .iter()
        .cloned()
        .collect();
    assert_eq!(listed, vec![tier.clone(), arr.clone()]);

    let same_identifier = CustomField {
        id: CustomFieldId::generate(),
        ..arr.clone()
    };
    assert!(matches!(
        store.insert_custom_field(&same_identifier, None),
        Err(Error::Conflict(Constraint::CustomFieldIdentifier))
    ));
    let same_id = CustomField {
        identifier: "c_other".into(),
        ..arr.clone()
    };
    assert!(matches!(
        store.insert_custom_field(&same_id, None),
        Err(Error::Conflict(Constraint::CustomFieldId))
    ));

    let later = at(2030, 1, 1, 0);
    let patch = CustomFieldPatch {
        name: Some("Account tier".into()),
        options: Some(vec!["Gold".into(), "Silver".into(), "Bronze".into()]),
        unique: None,
    };
    let changed = store
        .update_custom_field(tier.id, &patch, later, Write::default())
        .unwrap();
    assert_eq!(changed.name, "Account tier");
    assert_eq!(changed.options, ["Gold", "Silver", "Bronze"]);
    assert_eq!(changed.updated_at, later);
    assert_eq!(store.get_custom_field(tier.id).unwrap(), changed);
    // The same patch again changes nothing, so updated_at stays.
    let again = store
        .update_custom_field(tier.id, &patch, at(2031, 1, 1, 0), Write::default())
        .unwrap();
    assert_eq!(again.updated_at, later);

    let unknown = CustomFieldId::generate();
    assert!(matches!(
        store.get_custom_field(unknown),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        store.update_custom_field(unknown, &patch, later, Write::default()),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        store.delete_custom_field(unknown, Write::default()),
        Err(Error::NotFound { .. })
    ));
}

pub fn every_format_round_trips_through_create_patch_get_and_list(store: &Arc<dyn Store>) {
    let store = &**store;
    let fields = [
        (
            define(store, "c_text", CustomFormat::Text, &[]),
            text("Hot lead — «quoted» 🚀"),
        ),
        (
            define(store, "c_number", CustomFormat::Number, &[]),
            CustomValue::Number(-1234.5678),
        ),
        (
            define(store, "c_boolean", CustomFormat::Boolean, &[]),
            CustomValue::Boolean(false),
        ),
        (
            define(store, "c_date", CustomFormat::Date, &[]),
            date(1999, 12, 31),
        ),
        (
            define(store, "c_datetime", CustomFormat::DateTime, &[]),
            CustomValue::DateTime(at(2024, 2, 29, 123_456)),
        ),
        (
            define(store, "c_url", CustomFormat::Url, &[]),
            text("https://acme.example/a?b=c"),
        ),
        (
            define(store, "c_email", CustomFormat::Email, &[]),
            text("sales@acme.example"),
        ),
        (
            define(store, "c_select", CustomFormat::Select, &["Hot", "Cold"]),
            text("Cold"),
        ),
        (
            define(
                store,
                "c_multi",
                CustomFormat::MultiSelect,
                &["A", "B", "C"],
            ),
            choices(&["C", "A"]),
        ),
    ];
    let values: Vec<(&CustomField, CustomValue)> =
        fields.iter().map(|(f, v)| (f, v.clone())).collect();
    let org = insert_with(store, "Acme", 1, &values);
    assert_eq!(org.details.custom.len(), 9);
    assert_eq!(store.get_organization(org.id).unwrap(), org);
    assert_eq!(
        store.find_organization_by_name("acme").unwrap(),
        Some(org.clone())
    );
    assert_eq!(
        store
            .list_organizations(&ListQuery::default())
            .unwrap()
            .items,
        vec![org.clone()]
    );

    // A patch sets one value, clears another and leaves the rest.
    let (number, _) = &fields[1];
    let (multi, _) = &fields[8];
    let patch = OrganizationPatch {
        custom: BTreeMap::from([
            (number.id, Some(CustomValue::Number(7.0))),
            (multi.id, None),
        ]),
        ..OrganizationPatch::default()
    };
    let updated = store
        .update_organization(org.id, &patch, at(2030, 1, 1, 0), Write::default())
        .unwrap();
    let mut expected = org.clone();
    expected
        .details
        .custom
        .insert(number.id, CustomValue::Number(7.0));
    expected.details.custom.remove(&multi.id);
    expected.updated_at = at(2030, 1, 1, 0);
    assert!(updated.version > org.version, "a change is a new version");
    expected.version = updated.version;
    assert_eq!(updated, expected);
    assert_eq!(store.get_organization(org.id).unwrap(), expected);
    // Writing the same values again is no change.
    let same = store
        .update_organization(org.id, &patch, at(2031, 1, 1, 0), Write::default())
        .unwrap();
    assert_eq!(same.updated_at, at(2030, 1, 1, 0));
}

pub fn values_are_checked_inside_the_write(store: &Arc<dyn Store>) {
    let store = &**store;
    let tier = define(store, "c_tier", CustomFormat::Select, &["Gold", "Silver"]);
    let arr = define(store, "c_arr", CustomFormat::Number, &[]);
    let mut new = NewOrganization::named("Acme");
    new.details.custom.insert(tier.id, text("Platinum"));
    new.details.custom.insert(arr.id, text("12"));
    new.details
        .custom
        .insert(CustomFieldId::generate(), text("x"));
    let org = new.to_organization(&Slug::derive("Acme"), time::now());
    let mut found = codes(store.insert_organization(&org).unwrap_err());
    found.sort();
    assert_eq!(
        found,
        vec![
            (String::new(), "custom_field_deleted"),
            ("/c_arr".to_owned(), "invalid_value"),
            ("/c_tier".to_owned(), "invalid_value"),
        ]
    );
    assert!(matches!(
        store.get_organization(org.id),
        Err(Error::NotFound { .. })
    ));

    let org = insert_with(store, "Acme", 1, &[(&tier, text("Gold"))]);
    assert_eq!(
        codes(
            store
                .update_organization(
                    org.id,
                    &set(&tier, Some(text("gold"))),
                    time::now(),
                    Write::default()
                )
                .unwrap_err()
        ),
        vec![("/c_tier".to_owned(), "invalid_value")],
        "stored values are exactly an option (readers normalise case)"
    );
    assert_eq!(store.get_organization(org.id).unwrap(), org);
}

fn holders_count(error: Error) -> String {
    match error {
        Error::Invalid(errors) => {
            assert_eq!(errors.0.len(), 1);
            assert_eq!(errors.0[0].pointer, "/options");
            assert_eq!(errors.0[0].code, "options_in_use");
            errors.0[0].detail.clone()
        }
        other => panic!("expected options_in_use, got {other:?}"),
    }
}

pub fn removing_options_in_use_is_refused_with_the_number_of_holders(store: &Arc<dyn Store>) {
    let store = &**store;
    let tier = define(
        store,
        "c_tier",
        CustomFormat::Select,
        &["Gold", "Silver", "Bronze"],
    );
    let tags = define(store, "c_tags", CustomFormat::MultiSelect, &["A", "B", "C"]);
    let a = insert_with(
        store,
        "A",
        1,
        &[(&tier, text("Silver")), (&tags, choices(&["A", "B"]))],
    );
    insert_with(
        store,
        "B",
        2,
        &[(&tier, text("Silver")), (&tags, choices(&["B"]))],
    );
    insert_with(store, "C", 3, &[(&tier, text("Gold"))]);
    let options = |items: &[&str]| CustomFieldPatch {
        name: None,
        options: Some(items.iter().map(|o| (*o).to_owned()).collect()),
        unique: None,
    };
    let now = time::now();

    let detail = holders_count(
        store
            .update_custom_field(tier.id, &options(&["Gold"]), now, Write::default())
            .unwrap_err(),
    );
    assert!(detail.starts_with("2 organizations hold"), "{detail}");
    assert!(detail.contains("\"Silver\""), "{detail}");
    assert_eq!(store.get_custom_field(tier.id).unwrap(), tier, "unchanged");
    let detail = holders_count(
        store
            .update_custom_field(tags.id, &options(&["B", "C"]), now, Write::default())
            .unwrap_err(),
    );
    assert!(detail.starts_with("1 organization holds"), "{detail}");

    // Unused options go; new ones come; reordering is fine.
    let changed = store
        .update_custom_field(
            tier.id,
            &options(&["Silver", "Gold", "Platinum"]),
            now,
            Write::default(),
        )
        .unwrap();
    assert_eq!(changed.options, ["Silver", "Gold", "Platinum"]);
    // Once no organization holds it, an option can be removed.
    store
        .update_organization(
            a.id,
            &set(&tags, Some(choices(&["B"]))),
            now,
            Write::default(),
        )
        .unwrap();
    store
        .update_custom_field(tags.id, &options(&["B", "C"]), now, Write::default())
        .unwrap();
}

pub fn deleting_a_field_deletes_its_values(store: &Arc<dyn Store>) {
    let store = &**store;
    let tier = define(store, "c_tier", CustomFormat::Text, &[]);
    let arr = define(store, "c_arr", CustomFormat::Number, &[]);
    let org = insert_with(
        store,
        "Acme",
        1,
        &[(&tier, text("gold")), (&arr, CustomValue::Number(5.0))],
    );
    store
        .delete_custom_field(tier.id, Write::default())
        .unwrap();
    let stored = store.get_organization(org.id).unwrap();
    assert_eq!(
        stored.details.custom,
        BTreeMap::from([(arr.id, CustomValue::Number(5.0))])
    );
    assert_eq!(
        store
            .list_custom_fields()
            .unwrap()
            .identifiers()
            .collect::<Vec<_>>(),
        ["c_arr"]
    );
    // A new field under the old identifier starts empty.
    let again = define(store, "c_tier", CustomFormat::Text, &[]);
    let query = ListQuery {
        filters: vec![Filter::parse(Field::Custom(again.key()), Operator::Null, "false").unwrap()],
        ..ListQuery::default()
    };
    assert_eq!(store.list_organizations(&query).unwrap().total, Some(0));
    // Deleting an organization deletes its values too (and does not block the field).
    store.delete_organization(org.id, Write::default()).unwrap();
    store.delete_custom_field(arr.id, Write::default()).unwrap();
}

/// Six organizations, created in this order (so ids follow it), with values and gaps.
struct Catalog {
    number: CustomField,
    label: CustomField,
    day: CustomField,
    flag: CustomField,
    tier: CustomField,
    tags: CustomField,
    names: Vec<(String, Organization)>,
}

impl Catalog {
    fn new(store: &dyn Store) -> Self {
        let number = define(store, "c_number", CustomFormat::Number, &[]);
        let label = define(store, "c_label", CustomFormat::Text, &[]);
        let day = define(store, "c_day", CustomFormat::Date, &[]);
        let flag = define(store, "c_flag", CustomFormat::Boolean, &[]);
        let tier = define(store, "c_tier", CustomFormat::Select, &["Gold", "Silver"]);
        let tags = define(store, "c_tags", CustomFormat::MultiSelect, &["Red", "Blue"]);
        let n = CustomValue::Number;
        let b = CustomValue::Boolean;
        let rows: Vec<(&str, Vec<(&CustomField, CustomValue)>)> = vec![
            (
                "One",
                vec![
                    (&number, n(10.0)),
                    (&label, text("Alpha_1")),
                    (&day, date(2026, 1, 31)),
                    (&flag, b(true)),
                    (&tier, text("Gold")),
                    (&tags, choices(&["Red", "Blue"])),
                ],
            ),
            (
                "Two",
                vec![(&number, n(9.5)), (&label, text("beta")), (&flag, b(false))],
            ),
            ("Three", vec![]),
            (
                "Four",
                vec![
                    (&number, n(100.0)),
                    (&label, text("alpha%")),
                    (&day, date(2025, 12, 1)),
                    (&tier, text("Silver")),
                    (&tags, choices(&["Blue"])),
                ],
            ),
            ("Five", vec![(&number, n(-3.0)), (&day, date(2026, 2, 1))]),
            ("Six", vec![(&number, n(10.0)), (&flag, b(true))]),
        ];
        let names = rows
            .iter()
            .zip(1..)
            .map(|((name, values), day)| {
                ((*name).to_owned(), insert_with(store, name, day, values))
            })
            .collect();
        Catalog {
            number,
            label,
            day,
            flag,
            tier,
            tags,
            names,
        }
    }

    fn name(&self, org: &Organization) -> String {
        self.names
            .iter()
            .find(|(_, o)| o.id == org.id)
            .map(|(n, _)| n.clone())
            .unwrap()
    }

    /// The names a query lists (one page of up to 1000), in order.
    fn names(&self, store: &dyn Store, query: &ListQuery) -> Vec<String> {
        let page = store.list_organizations(query).unwrap();
        page.items.iter().map(|o| self.name(o)).collect()
    }

    fn filtered(
        &self,
        store: &dyn Store,
        field: &CustomField,
        op: Operator,
        raw: &str,
    ) -> Vec<String> {
        let query = ListQuery {
            filters: vec![Filter::parse(Field::Custom(field.key()), op, raw).unwrap()],
            ..ListQuery::default()
        };
        let page = store.list_organizations(&query).unwrap();
        assert_eq!(
            page.total,
            Some(page.items.len() as u64),
            "{field:?} {op:?} {raw}"
        );
        page.items.iter().map(|o| self.name(o)).collect()
    }
}

pub fn custom_filters_cover_each_format_with_missing_values(store: &Arc<dyn Store>) {
    let store = &**store;
    let c = Catalog::new(store);
    use Operator::*;
    let cases: Vec<(&CustomField, Operator, &str, Vec<&str>)> = vec![
        // Numbers compare as numbers (9.5 < 10 < 100), not as text.
        (&c.number, Gt, "9.5", vec!["One", "Four", "Six"]),
        (&c.number, Lte, "10", vec!["One", "Two", "Five", "Six"]),
        (&c.number, Eq, "10", vec!["One", "Six"]),
        (&c.number, Ne, "10", vec!["Two", "Three", "Four", "Five"]),
        (&c.number, In, "-3,100,7", vec!["Four", "Five"]),
        (&c.number, Null, "true", vec!["Three"]),
        (
            &c.number,
            Null,
            "false",
            vec!["One", "Two", "Four", "Five", "Six"],
        ),
        // Text ignores ASCII case; LIKE wildcards are literal.
        (&c.label, Eq, "ALPHA_1", vec!["One"]),
        (&c.label, StartsWith, "alpha", vec!["One", "Four"]),
        (&c.label, Contains, "%", vec!["Four"]),
        (&c.label, Contains, "_", vec!["One"]),
        (&c.label, Gt, "alpha_1", vec!["Two"]),
        (
            &c.label,
            Ne,
            "beta",
            vec!["One", "Three", "Four", "Five", "Six"],
        ),
        // Dates compare as dates, with a date or an instant.
        (&c.day, Gte, "2026-01-31", vec!["One", "Five"]),
        (&c.day, Lt, "2026-01-31T00:00:01Z", vec!["One", "Four"]),
        (&c.day, Null, "true", vec!["Two", "Three", "Six"]),
        (&c.flag, Eq, "false", vec!["Two"]),
        (&c.flag, Ne, "true", vec!["Two", "Three", "Four", "Five"]),
        (&c.flag, Null, "false", vec!["One", "Two", "Six"]),
        (&c.tier, Eq, "gold", vec!["One"]),
        (&c.tier, In, "Gold,SILVER", vec!["One", "Four"]),
        (
            &c.tier,
            Ne,
            "Gold",
            vec!["Two", "Three", "Four", "Five", "Six"],
        ),
        (&c.tier, Null, "true", vec!["Two", "Three", "Five", "Six"]),
        // Multi-selects test membership.
        (&c.tags, Eq, "blue", vec!["One", "Four"]),
        (
            &c.tags,
            Ne,
            "Red",
            vec!["Two", "Three", "Four", "Five", "Six"],
        ),
        (&c.tags, In, "Red,Green", vec!["One"]),
    ];
    for (field, op, raw, expected) in cases {
        assert_eq!(
            c.filtered(store, field, op, raw),
            expected,
            "filter[{}][{}]={raw}",
            field.identifier,
            op.name()
        );
    }
}

pub fn custom_sorts_put_missing_last_both_ways_and_break_ties_by_id(store: &Arc<dyn Store>) {
    let store = &**store;
    let c = Catalog::new(store);
    let by = |keys: Vec<SortKey>, filters: Vec<Filter>| ListQuery {
        sort: keys,
        filters,
        ..ListQuery::default()
    };
    let number = Field::Custom(c.number.key());
    let asc = |f: &CustomField| SortKey::ascending(Field::Custom(f.key()));
    let desc = |f: &CustomField| SortKey::descending(Field::Custom(f.key()));
    assert_eq!(
        c.names(store, &by(vec![asc(&c.number)], vec![])),
        ["Five", "Two", "One", "Six", "Four", "Three"]
    );
    // One and Six tie on the number: the later id first, as the key descends.
    assert_eq!(
        c.names(store, &by(vec![desc(&c.number)], vec![])),
        ["Four", "Six", "One", "Two", "Five", "Three"]
    );
    // Pages by number across the end of the holders (SQL reads the holders, then the
    // others): one straddling it, and ones starting at or past it.
    let page = |number: u64, size: u64| ListQuery {
        page: PageRequest::numbered(number, size),
        ..by(vec![desc(&c.number)], vec![])
    };
    assert_eq!(c.names(store, &page(2, 4)), ["Five", "Three"]);
    assert_eq!(c.names(store, &page(6, 1)), ["Three"]);
    assert_eq!(c.names(store, &page(2, 5)), ["Three"]);
    assert_eq!(c.names(store, &page(3, 3)), Vec::<String>::new());
    let one_by_one: Vec<String> = (1..=6).flat_map(|n| c.names(store, &page(n, 1))).collect();
    assert_eq!(one_by_one, ["Four", "Six", "One", "Two", "Five", "Three"]);
    assert_eq!(
        c.names(store, &by(vec![desc(&c.label)], vec![])),
        ["Two", "One", "Four", "Six", "Five", "Three"]
    );
    assert_eq!(
        c.names(store, &by(vec![asc(&c.day)], vec![])),
        ["Four", "One", "Five", "Two", "Three", "Six"]
    );
    assert_eq!(
        c.names(store, &by(vec![desc(&c.flag)], vec![])),
        ["Six", "One", "Two", "Five", "Four", "Three"]
    );
    assert_eq!(
        c.names(store, &by(vec![desc(&c.tier)], vec![])),
        ["Four", "One", "Six", "Five", "Three", "Two"]
    );
    // Filtered on the sorted field (values all present), then with "lacking" filters.
    let gte = Filter::parse(number, Operator::Gte, "9.5").unwrap();
    assert_eq!(
        c.names(store, &by(vec![desc(&c.number)], vec![gte.clone()])),
        ["Four", "Six", "One", "Two"]
    );
    let ne = Filter::parse(number, Operator::Ne, "10").unwrap();
    assert_eq!(
        c.names(store, &by(vec![asc(&c.number)], vec![ne])),
        ["Five", "Two", "Four", "Three"]
    );
    let missing = Filter::parse(number, Operator::Null, "true").unwrap();
    assert_eq!(
        c.names(store, &by(vec![asc(&c.number)], vec![missing])),
        ["Three"]
    );
    // Two custom keys, and a built-in key before a custom one.
    assert_eq!(
        c.names(store, &by(vec![desc(&c.flag), desc(&c.number)], vec![])),
        ["Six", "One", "Two", "Four", "Five", "Three"]
    );
    assert_eq!(
        c.names(
            store,
            &by(
                vec![SortKey::descending(Field::Name), asc(&c.number)],
                vec![]
            )
        ),
        ["Two", "Three", "Six", "One", "Four", "Five"]
    );
    // Pages of a custom sort cover every row once.
    let mut paged = Vec::new();
    for number in 1..=3 {
        let query = ListQuery {
            page: PageRequest {
                number,
                size: 2,
                keyset: None,
            },
            ..by(vec![desc(&c.number)], vec![])
        };
        let page = store.list_organizations(&query).unwrap();
        assert_eq!(page.total, Some(6));
        paged.extend(page.items.iter().map(|o| c.name(o)));
    }
    assert_eq!(paged, ["Four", "Six", "One", "Two", "Five", "Three"]);
    let query = ListQuery {
        page: PageRequest {
            number: 2,
            size: 2,
            keyset: None,
        },
        with_total: false,
        ..by(vec![asc(&c.number)], vec![gte])
    };
    let page = store.list_organizations(&query).unwrap();
    assert_eq!(
        page.items.iter().map(|o| c.name(o)).collect::<Vec<_>>(),
        ["Six", "Four"]
    );
    assert!(!page.has_next);
}

pub fn options_change_racing_value_writes_never_orphans_a_value(store: &Arc<dyn Store>) {
    let tier = define(&**store, "c_tier", CustomFormat::Select, &["A", "B"]);
    let orgs: Vec<Organization> = (0..8)
        .map(|i| insert_with(&**store, &format!("Org {i}"), i + 1, &[(&tier, text("A"))]))
        .collect();
    // Writers flip their value between B and A for a few rounds, then hold A until the
    // removal of B went through, then try B once more: every B must either land before the
    // removal (which then waits for it to be undone) or be refused.
    let removed = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = orgs
        .iter()
        .map(|org| {
            let (store, id, tier) = (Arc::clone(store), org.id, tier.clone());
            let removed = Arc::clone(&removed);
            thread::spawn(move || {
                for round in 0.. {
                    let last = removed.load(Ordering::SeqCst);
                    let value = if last || (round < 6 && round % 2 == 0) {
                        "B"
                    } else {
                        "A"
                    };
                    match store.update_organization(
                        id,
                        &set(&tier, Some(text(value))),
                        time::now(),
                        Write::default(),
                    ) {
                        Ok(_) | Err(Error::Unavailable(_)) => {}
                        Err(Error::Invalid(errors)) => {
                            assert_eq!(errors.0[0].pointer, "/c_tier");
                            assert_eq!(errors.0[0].code, "invalid_value");
                        }
                        Err(other) => panic!("{other:?}"),
                    }
                    if last {
                        return;
                    }
                }
            })
        })
        .collect();
    let remover = {
        let (store, id) = (Arc::clone(store), tier.id);
        let removed = Arc::clone(&removed);
        thread::spawn(move || {
            let patch = CustomFieldPatch {
                name: None,
                options: Some(vec!["A".into()]),
                unique: None,
            };
            for _ in 0..20_000 {
                match store.update_custom_field(id, &patch, time::now(), Write::default()) {
                    Ok(_) => {
                        removed.store(true, Ordering::SeqCst);
                        return true;
                    }
                    Err(Error::Invalid(_) | Error::Unavailable(_)) => thread::yield_now(),
                    Err(other) => panic!("{other:?}"),
                }
            }
            removed.store(true, Ordering::SeqCst);
            false
        })
    };
    let removed = remover.join().unwrap();
    for writer in writers {
        writer.join().unwrap();
    }
    assert!(
        removed,
        "the options change went through once no value needed B"
    );
    let options = store.get_custom_field(tier.id).unwrap().options;
    for org in &orgs {
        let value = store.get_organization(org.id).unwrap().details.custom[&tier.id].clone();
        let CustomValue::Text(choice) = value else {
            panic!("{value:?}")
        };
        assert!(
            options.contains(&choice),
            "{choice} is outside {options:?} (removed: {removed})"
        );
    }
}

/// Lists hide archived organizations by default; a filter or sort on a custom field, and the
/// total it counts, must follow an organization archived at creation, archived later or
/// restored (backends may keep a copy of the state next to the values).
pub fn archiving_moves_custom_values_between_live_and_archived_lists(store: &Arc<dyn Store>) {
    let store = &**store;
    let score = define(store, "c_score", CustomFormat::Number, &[]);
    let number = |n: f64| CustomValue::Number(n);
    insert_with(store, "A", 1, &[(&score, number(5.0))]);
    let b = insert_with(store, "B", 2, &[(&score, number(7.0))]);
    let _d = insert_with(store, "D", 4, &[]);
    let mut new_c = NewOrganization {
        created_at: Some(at(2020, 1, 3, 0)),
        ..NewOrganization::named("C")
    };
    new_c.details.archived_at = Some(at(2024, 1, 1, 0));
    new_c.details.custom.insert(score.id, number(9.0));
    let mut c = new_c.to_organization(&Slug::derive("C"), time::now());
    c.version = store.insert_organization(&c).unwrap();

    let listed = |archived: ArchivedFilter, filters: &[(Operator, &str)]| {
        let query = ListQuery {
            filters: filters
                .iter()
                .map(|(op, raw)| Filter::parse(Field::Custom(score.key()), *op, raw).unwrap())
                .collect(),
            sort: vec![SortKey::descending(Field::Custom(score.key()))],
            archived,
            ..ListQuery::default()
        };
        let page = store.list_organizations(&query).unwrap();
        let names: Vec<String> = page.items.iter().map(|o| o.name.clone()).collect();
        (names, page.total)
    };
    let expect = |archived, filters: &[(Operator, &str)], names: &[&str]| {
        assert_eq!(
            listed(archived, filters),
            (
                names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>(),
                Some(names.len() as u64)
            ),
            "{archived:?} {filters:?}"
        );
    };
    let some = [(Operator::Gte, "1")];
    let range = [(Operator::Gte, "1"), (Operator::Lt, "100")];
    let lacking = [(Operator::Ne, "5")];
    use ArchivedFilter::{Any, Exclude, Only};
    expect(Exclude, &some, &["B", "A"]);
    expect(Exclude, &range, &["B", "A"]);
    expect(Only, &some, &["C"]);
    expect(Any, &some, &["C", "B", "A"]);
    expect(Exclude, &[], &["B", "A", "D"]);
    expect(Exclude, &lacking, &["B", "D"]);

    let archive = |org: &Organization, when: Option<time::Timestamp>| {
        let patch = OrganizationPatch {
            archived_at: Some(when),
            ..OrganizationPatch::default()
        };
        store
            .update_organization(org.id, &patch, time::now(), Write::default())
            .unwrap();
    };
    archive(&b, Some(at(2025, 1, 1, 0)));
    expect(Exclude, &some, &["A"]);
    expect(Only, &range, &["C", "B"]);
    expect(Any, &some, &["C", "B", "A"]);
    expect(Exclude, &[], &["A", "D"]);

    archive(&c, None);
    expect(Exclude, &some, &["C", "A"]);
    expect(Exclude, &lacking, &["C", "D"]);
    expect(Only, &some, &["B"]);

    // A value written while archived is found among the archived.
    store
        .update_organization(
            b.id,
            &set(&score, Some(number(1.0))),
            time::now(),
            Write::default(),
        )
        .unwrap();
    expect(Only, &[(Operator::Lte, "1")], &["B"]);
    expect(Exclude, &[(Operator::Lte, "1")], &[]);
}
