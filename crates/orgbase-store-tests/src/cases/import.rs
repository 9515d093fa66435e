//! Import on every backend: rows match stored organizations by id or name, re-running a file
//! changes nothing, a bad row fails alone, and rows that collide inside one batch see each
//! other; or, matched by a unique custom field, by its value alone, also racing. Backends that
//! import whole batches must give the outcomes row-by-row import gives.

use std::sync::{Arc, Barrier};
use std::thread;

use orgbase_domain::import::{ImportOutcome, ImportRow};
use orgbase_domain::service::UpsertKey;
use orgbase_domain::{
    Constraint, CustomFields, CustomFormat, CustomValue, Error, Organization, OrganizationId,
    Store, UserId, time,
};
use serde_json::{Value, json};

use crate::cases::custom_fields::define;
use crate::cases::upsert::unique_field;
use crate::fixtures::{all_organizations, at, insert_named};

fn row(fields: &CustomFields, attributes: Value) -> ImportRow {
    row_with_id(fields, None, attributes)
}

fn row_with_id(fields: &CustomFields, id: Option<OrganizationId>, attributes: Value) -> ImportRow {
    let Value::Object(map) = attributes else {
        panic!("attributes must be an object")
    };
    ImportRow::read(id, &map, fields, None).unwrap()
}

/// The outcomes as words, for whole-vector assertions.
fn kinds(outcomes: &[ImportOutcome]) -> Vec<&'static str> {
    outcomes
        .iter()
        .map(|o| match o {
            ImportOutcome::Created(_) => "created",
            ImportOutcome::Updated(_) => "updated",
            ImportOutcome::Unchanged(_) => "unchanged",
            ImportOutcome::Failed(_) => "failed",
        })
        .collect()
}

pub fn importing_twice_creates_once_and_then_changes_nothing(store: &Arc<dyn Store>) {
    let tier = define(
        &**store,
        "c_tier",
        CustomFormat::Select,
        &["gold", "silver"],
    );
    let fields = store.list_custom_fields().unwrap();
    let rows: Vec<ImportRow> = (0..30)
        .map(|n| {
            row(
                &fields,
                json!({
                    "name": format!("Company {n}"),
                    "city": "Oslo",
                    "lists": ["Prospects", "Nordics"],
                    "domains": [format!("company{n}.example")],
                    "c_tier": if n % 2 == 0 { json!("gold") } else { Value::Null },
                    "created_at": "2019-05-01T10:00:00Z",
                }),
            )
        })
        .collect();
    let first = store.import_organizations(&rows, time::now());
    assert_eq!(kinds(&first), vec!["created"; 30]);
    let stored = all_organizations(&**store);
    assert_eq!(stored.len(), 30);
    let company_4 = stored.iter().find(|o| o.name == "Company 4").unwrap();
    assert_eq!(company_4.created_from, "import");
    assert_eq!(
        Some(company_4.created_at),
        time::parse("2019-05-01T10:00:00Z")
    );
    assert_eq!(company_4.slug, "company-4");
    assert_eq!(company_4.details.lists, ["Prospects", "Nordics"]);
    assert_eq!(
        company_4.details.custom.get(&tier.id),
        Some(&CustomValue::Text("gold".into()))
    );
    assert_eq!(company_4.creator_id, None);

    let second = store.import_organizations(&rows, time::now());
    assert_eq!(kinds(&second), vec!["unchanged"; 30]);
    assert_eq!(all_organizations(&**store), stored);
}

pub fn rows_match_by_id_else_by_name_and_update_in_place(store: &Arc<dyn Store>) {
    let fields = CustomFields::default();
    let acme = insert_named(&**store, "Acme", at(2020, 1, 1, 0));
    let globex = insert_named(&**store, "Globex", at(2020, 1, 2, 0));
    let rows = vec![
        // By name, ignoring case and space: the history in the file is not applied to updates.
        row(
            &fields,
            json!({"name": "  ACME ", "city": "Paris", "created_at": "1999-01-01T00:00:00Z", "created_from": "crm"}),
        ),
        // By id: a rename.
        row_with_id(
            &fields,
            Some(globex.id),
            json!({"name": "Globex Corporation"}),
        ),
        // A given id that is not stored: created with it.
        row_with_id(
            &fields,
            Some(OrganizationId::generate()),
            json!({"name": "Initech"}),
        ),
    ];
    let outcomes = store.import_organizations(&rows, time::now());
    assert_eq!(kinds(&outcomes), ["updated", "updated", "created"]);
    let got = store.get_organization(acme.id).unwrap();
    assert_eq!(
        (
            got.name.as_str(),
            got.details.city.as_deref(),
            got.created_at,
            got.created_from.as_str()
        ),
        (
            "ACME",
            Some("Paris"),
            acme.created_at,
            acme.created_from.as_str()
        )
    );
    assert_eq!(
        store.get_organization(globex.id).unwrap().name,
        "Globex Corporation"
    );
    let ImportOutcome::Created(initech) = outcomes[2] else {
        unreachable!()
    };
    assert_eq!(rows[2].new.id, Some(initech));
    assert_eq!(store.get_organization(initech).unwrap().name, "Initech");
    assert_eq!(all_organizations(&**store).len(), 3);
}

pub fn a_bad_row_fails_alone(store: &Arc<dyn Store>) {
    let fields = CustomFields::default();
    insert_named(&**store, "Taken", at(2020, 1, 1, 0));
    let rows = vec![
        row(&fields, json!({"name": "Good One"})),
        // An owner that does not exist fails inside the write.
        row(
            &fields,
            json!({"name": "Orphan", "owner_id": UserId::generate().to_string()}),
        ),
        // A given id whose name belongs to another organization.
        row_with_id(
            &fields,
            Some(OrganizationId::generate()),
            json!({"name": "taken"}),
        ),
        row(&fields, json!({"name": "Good Two"})),
    ];
    let outcomes = store.import_organizations(&rows, time::now());
    assert_eq!(kinds(&outcomes), ["created", "failed", "failed", "created"]);
    assert!(
        matches!(
            &outcomes[1],
            ImportOutcome::Failed(Error::NotFound {
                resource: "user",
                ..
            })
        ),
        "{:?}",
        outcomes[1]
    );
    assert!(
        matches!(&outcomes[2], ImportOutcome::Failed(Error::Conflict(_))),
        "{:?}",
        outcomes[2]
    );
    let mut names: Vec<String> = all_organizations(&**store)
        .into_iter()
        .map(|o| o.name)
        .collect();
    names.sort();
    assert_eq!(names, ["Good One", "Good Two", "Taken"]);
}

pub fn rows_colliding_in_one_batch_see_each_other(store: &Arc<dyn Store>) {
    let fields = CustomFields::default();
    insert_named(&**store, "Umbrella", at(2020, 1, 1, 0));
    let rows = vec![
        row(&fields, json!({"name": "Hooli", "city": "Palo Alto"})),
        // The same name again: an update of the row just created.
        row(&fields, json!({"name": "hooli", "city": "Mountain View"})),
        // A name whose derived slug (`umbrella`) is taken gets a numbered one.
        row(&fields, json!({"name": "Umbrella!!"})),
        row(&fields, json!({"name": "Umbrella?"})),
    ];
    let outcomes = store.import_organizations(&rows, time::now());
    assert_eq!(
        kinds(&outcomes),
        ["created", "updated", "created", "created"]
    );
    let stored = all_organizations(&**store);
    let hooli: Vec<&Organization> = stored.iter().filter(|o| o.name_key() == "hooli").collect();
    assert_eq!(hooli.len(), 1);
    assert_eq!(hooli[0].details.city.as_deref(), Some("Mountain View"));
    let mut slugs: Vec<&str> = stored
        .iter()
        .filter(|o| o.name.starts_with("Umbrella"))
        .map(|o| o.slug.as_str())
        .collect();
    slugs.sort();
    assert_eq!(slugs, ["umbrella", "umbrella-2", "umbrella-3"]);
}

/// Rows read with `--match c_hs`: matched by the unique value alone.
fn keyed_row(fields: &CustomFields, key: UpsertKey, attributes: Value) -> ImportRow {
    row(fields, attributes).matched_by(key, "c_hs").unwrap()
}

pub fn rows_match_by_a_unique_custom_field(store: &Arc<dyn Store>) {
    let hs = unique_field(&**store, "c_hs", CustomFormat::Text);
    let key = UpsertKey::Custom(hs.id);
    let fields = store.list_custom_fields().unwrap();
    let rows = vec![
        keyed_row(
            &fields,
            key,
            json!({"name": "Acme", "c_hs": "HS-1", "city": "Gent"}),
        ),
        keyed_row(&fields, key, json!({"name": "Globex", "c_hs": "HS-2"})),
    ];
    let first = store.import_organizations(&rows, time::now());
    assert_eq!(kinds(&first), ["created", "created"]);
    assert_eq!(
        kinds(&store.import_organizations(&rows, time::now())),
        ["unchanged", "unchanged"]
    );

    // The value finds the organization whatever its name: a renamed record in the other
    // system renames here, and a row with a known name but a new value is a new record.
    let rows = vec![
        keyed_row(
            &fields,
            key,
            json!({"name": "Acme Holdings", "c_hs": "hs-1"}),
        ),
        keyed_row(&fields, key, json!({"name": "Globex", "c_hs": "HS-3"})),
        keyed_row(&fields, key, json!({"name": "Initech", "c_hs": "HS-4"})),
    ];
    let second = store.import_organizations(&rows, time::now());
    assert_eq!(kinds(&second), ["updated", "failed", "created"]);
    assert!(
        matches!(
            &second[1],
            ImportOutcome::Failed(Error::Conflict(Constraint::OrganizationName))
        ),
        "{:?}",
        second[1]
    );
    let ImportOutcome::Created(acme) = first[0] else {
        unreachable!()
    };
    let acme = store.get_organization(acme).unwrap();
    assert_eq!(
        (acme.name.as_str(), acme.details.city.as_deref()),
        ("Acme Holdings", Some("Gent"))
    );
    assert_eq!(all_organizations(&**store).len(), 3);

    let Err(errors) = row(&fields, json!({"name": "Keyless"})).matched_by(key, "c_hs") else {
        panic!("a row without the value it is matched by was read")
    };
    assert_eq!(errors.0[0].code, "required");
}

pub fn racing_imports_matched_by_a_unique_field_make_one_organization_each(store: &Arc<dyn Store>) {
    const IMPORTERS: usize = 4;
    const ROWS: usize = 20;
    let hs = unique_field(&**store, "c_hs", CustomFormat::Text);
    let key = UpsertKey::Custom(hs.id);
    let fields = store.list_custom_fields().unwrap();
    let barrier = Arc::new(Barrier::new(IMPORTERS));
    let handles: Vec<_> = (0..IMPORTERS)
        .map(|n| {
            let (store, barrier) = (Arc::clone(store), Arc::clone(&barrier));
            // Each importer names the records its own way: only the value matches them.
            let rows: Vec<ImportRow> = (0..ROWS)
                .map(|r| {
                    keyed_row(
                        &fields,
                        key,
                        json!({"name": format!("Record {r}"), "c_hs": format!("HS-{r}"),
                            "description": format!("importer {n}")}),
                    )
                })
                .collect();
            thread::spawn(move || {
                barrier.wait();
                store.import_organizations(&rows, time::now())
            })
        })
        .collect();
    for handle in handles {
        let outcomes = handle.join().unwrap();
        assert!(
            outcomes
                .iter()
                .all(|o| !matches!(o, ImportOutcome::Failed(_))),
            "{outcomes:?}"
        );
    }
    let stored = all_organizations(&**store);
    assert_eq!(stored.len(), ROWS, "one organization per value");
    for org in &stored {
        let description = org.details.description.as_deref().unwrap_or_default();
        assert!(description.starts_with("importer "), "{description}");
    }
}
