//! The change log on every backend: which entries each write appends (exactly), that a write
//! changing nothing appends nothing, versions and the `If-Match` check inside the write, the
//! feed's filters and pages, pruning, and the two guarantees under concurrency: a reader
//! paging by `after` skips no change while eight writers commit, and of writes racing with one
//! expected version exactly one wins.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use orgbase_domain::change::LogState;
use orgbase_domain::import::ImportRow;
use orgbase_domain::query::PageRequest;
use orgbase_domain::{
    ApiKey, Change, ChangeQuery, CustomFieldPatch, CustomFormat, CustomValue, Error, Keyset,
    NewOrganization, Operation, OrganizationPatch, Position, ResourceType, Role, Secret, Store,
    User, UserId, UserPatch, Write, service, time,
};
use serde_json::{Value, json};

use crate::cases::custom_fields::define;
use crate::fixtures::at;

/// Every entry after `sequence`, read by cursor in pages of 50.
fn entries_after(store: &dyn Store, sequence: u64) -> Vec<Change> {
    let mut all = Vec::new();
    let mut after = sequence;
    loop {
        let page = store
            .list_changes(&ChangeQuery {
                page: PageRequest {
                    number: 1,
                    size: 50,
                    keyset: Some(Keyset {
                        after: Some(Position::sequence(after)),
                        before: None,
                    }),
                },
                ..ChangeQuery::default()
            })
            .unwrap();
        let Some(last) = page.items.last() else {
            return all;
        };
        after = last.sequence;
        all.extend(page.items);
    }
}

fn latest(store: &dyn Store) -> u64 {
    store.change_log_state().unwrap().latest
}

/// An entry as `(operation, type, id, changes)`, for whole-vector assertions.
fn summary(change: &Change) -> (&'static str, &'static str, String, Value) {
    let e = &change.entry;
    (
        e.operation.as_str(),
        e.resource_type.as_str(),
        e.resource_id.clone(),
        Value::Object(e.changes.clone()),
    )
}

fn summaries(changes: &[Change]) -> Vec<(&'static str, &'static str, String, Value)> {
    changes.iter().map(summary).collect()
}

fn admin(store: &dyn Store) -> User {
    let mut user = User {
        id: UserId::generate(),
        name: "Ada".into(),
        email: format!("ada-{}@crm.example", UserId::generate()),
        role: Role::Admin,
        created_at: at(2026, 1, 1, 0),
        version: 0,
    };
    user.version = store.insert_user(&user, None).unwrap();
    user
}

pub fn organization_writes_append_exactly_their_changes(store: &Arc<dyn Store>) {
    let ada = admin(&**store);
    let tier = define(
        &**store,
        "c_tier",
        CustomFormat::Select,
        &["gold", "silver"],
    );
    let start = latest(&**store);
    let new = NewOrganization {
        actor: Some(ada.id),
        details: orgbase_domain::organization::Details {
            city: Some("Oslo".into()),
            custom: BTreeMap::from([(tier.id, CustomValue::Text("gold".into()))]),
            ..Default::default()
        },
        ..NewOrganization::named("Acme")
    };
    let now = time::now();
    let org = service::create_organization(&**store, &new, now).unwrap();
    let id = org.id.to_string();
    let created = entries_after(&**store, start);
    assert_eq!(created.len(), 1);
    assert!(org.version > 0, "a stored record has a version");
    assert_eq!(created[0].entry.actor, Some(ada.id));
    assert_eq!(
        summary(&created[0]),
        (
            "create",
            "organizations",
            id.clone(),
            json!({
                "name": {"from": null, "to": "Acme"},
                "status": {"from": null, "to": "active"},
                "city": {"from": null, "to": "Oslo"},
                "slug": {"from": null, "to": "acme"},
                "created_from": {"from": null, "to": "api"},
                "created_at": {"from": null, "to": time::format(&org.created_at)},
                "c_tier": {"from": null, "to": "gold"},
                "owner": {"from": null, "to": {"type": "users", "id": ada.id.to_string()}},
            })
        )
    );

    let patch = OrganizationPatch {
        city: Some(None),
        lists: Some(vec!["Prospects".into()]),
        custom: BTreeMap::from([(tier.id, Some(CustomValue::Text("silver".into())))]),
        owner_id: Some(None),
        ..OrganizationPatch::default()
    };
    let updated = store
        .update_organization(org.id, &patch, time::now(), Write::by(Some(ada.id)))
        .unwrap();
    // The same values again: no change, no entry, the same version.
    let again = store
        .update_organization(org.id, &patch, time::now(), Write::default())
        .unwrap();
    assert_eq!(again.version, updated.version);
    let archive = OrganizationPatch {
        archived_at: Some(Some(at(2026, 3, 1, 0))),
        ..OrganizationPatch::default()
    };
    store
        .update_organization(org.id, &archive, time::now(), Write::default())
        .unwrap();
    store
        .delete_organization(org.id, Write::by(Some(ada.id)))
        .unwrap();
    let later = entries_after(&**store, created[0].sequence);
    assert_eq!(
        summaries(&later),
        vec![
            (
                "update",
                "organizations",
                id.clone(),
                json!({
                    "city": {"from": "Oslo", "to": null},
                    "lists": {"from": [], "to": ["Prospects"]},
                    "c_tier": {"from": "gold", "to": "silver"},
                    "owner": {"from": {"type": "users", "id": ada.id.to_string()}, "to": null},
                })
            ),
            (
                "update",
                "organizations",
                id.clone(),
                json!({"archived_at": {"from": null, "to": "2026-03-01T12:30:45Z"}})
            ),
            ("delete", "organizations", id.clone(), json!({})),
        ]
    );
    assert!(updated.version > org.version, "a change is a new version");
    assert_eq!(later[0].entry.actor, Some(ada.id));
    assert_eq!(later[1].entry.actor, None, "no actor: the command line");
    assert!(later.windows(2).all(|w| w[0].sequence < w[1].sequence));
}

pub fn duplicates_and_imports_append_one_entry_per_changed_record(store: &Arc<dyn Store>) {
    let source =
        service::create_organization(&**store, &NewOrganization::named("Acme"), time::now())
            .unwrap();
    let start = latest(&**store);
    let copy = service::duplicate_organization(&**store, source.id, Write::default(), time::now())
        .unwrap();
    let fields = store.list_custom_fields().unwrap();
    let read = |attributes: Value| {
        let Value::Object(map) = attributes else {
            unreachable!()
        };
        ImportRow::read(None, &map, &fields, None).unwrap()
    };
    let rows = vec![
        read(json!({"name": "Imported 1", "city": "Bergen"})),
        read(json!({"name": "Imported 2"})),
    ];
    store.import_organizations(&rows, time::now());
    let after_first = latest(&**store);
    store.import_organizations(&rows, time::now());
    let changed = vec![
        read(json!({"name": "Imported 1", "city": "Bergen"})),
        read(json!({"name": "Imported 2", "city": "Tromsø"})),
    ];
    store.import_organizations(&changed, time::now());
    let entries = entries_after(&**store, start);
    let kinds: Vec<(&str, String)> = entries
        .iter()
        .map(|c| {
            let name = c
                .entry
                .changes
                .get("name")
                .map_or(String::new(), |n| n["to"].to_string());
            (c.entry.operation.as_str(), name)
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("create", "\"Acme (copy)\"".to_owned()),
            ("create", "\"Imported 1\"".to_owned()),
            ("create", "\"Imported 2\"".to_owned()),
            ("update", String::new()),
        ]
    );
    assert_eq!(entries[0].entry.resource_id, copy.id.to_string());
    assert_eq!(
        Value::Object(entries[3].entry.changes.clone()),
        json!({"city": {"from": null, "to": "Tromsø"}})
    );
    assert!(
        entries.iter().filter(|c| c.sequence > after_first).count() == 1,
        "the unchanged re-import appended nothing"
    );
}

pub fn accounts_and_fields_append_their_entries_and_never_a_secret(store: &Arc<dyn Store>) {
    let ada = admin(&**store);
    let start = latest(&**store);
    let mut bea = User {
        id: UserId::generate(),
        name: "Bea".into(),
        email: "bea@crm.example".into(),
        role: Role::Viewer,
        created_at: at(2026, 1, 2, 0),
        version: 0,
    };
    bea.version = store.insert_user(&bea, Some(ada.id)).unwrap();
    let promote = UserPatch {
        role: Some(Role::Member),
        ..UserPatch::default()
    };
    store
        .update_user(bea.id, &promote, Write::by(Some(ada.id)))
        .unwrap();
    let secret = Secret::generate().unwrap();
    let mut key = ApiKey::issue(bea.id, "sync".into(), &secret, at(2026, 1, 3, 0));
    key.version = store.insert_api_key(&key, Some(ada.id)).unwrap();
    store.touch_api_key(key.id, time::now()).unwrap();
    assert_eq!(
        store.get_api_key(key.id).unwrap().version,
        key.version,
        "a recorded use is bookkeeping: no new version"
    );
    let field = define(&**store, "c_score", CustomFormat::Number, &[]);
    let holder = NewOrganization {
        details: orgbase_domain::organization::Details {
            custom: BTreeMap::from([(field.id, CustomValue::Number(7.0))]),
            ..Default::default()
        },
        ..NewOrganization::named("Holder")
    };
    let holder = service::create_organization(&**store, &holder, time::now()).unwrap();
    let rename = CustomFieldPatch {
        name: Some("Score".into()),
        options: None,
        unique: None,
    };
    store
        .update_custom_field(field.id, &rename, time::now(), Write::default())
        .unwrap();
    store
        .delete_custom_field(field.id, Write::default())
        .unwrap();
    store
        .delete_user(bea.id, None, Write::by(Some(ada.id)))
        .unwrap();
    let entries = entries_after(&**store, start);
    let (bea_id, key_id, field_id) = (bea.id.to_string(), key.id.to_string(), field.id.to_string());
    assert_eq!(
        summaries(&entries),
        vec![
            (
                "create",
                "users",
                bea_id.clone(),
                json!({
                    "name": {"from": null, "to": "Bea"},
                    "email": {"from": null, "to": "bea@crm.example"},
                    "role": {"from": null, "to": "viewer"},
                    "created_at": {"from": null, "to": "2026-01-02T12:30:45Z"},
                })
            ),
            (
                "update",
                "users",
                bea_id.clone(),
                json!({"role": {"from": "viewer", "to": "member"}})
            ),
            (
                "create",
                "api_keys",
                key_id.clone(),
                json!({
                    "name": {"from": null, "to": "sync"},
                    "prefix": {"from": null, "to": key.prefix},
                    "created_at": {"from": null, "to": "2026-01-03T12:30:45Z"},
                    "user": {"from": null, "to": {"type": "users", "id": bea_id}},
                })
            ),
            (
                "create",
                "custom_fields",
                field_id.clone(),
                json!({
                    "resource_type": {"from": null, "to": "organizations"},
                    "identifier": {"from": null, "to": "c_score"},
                    "name": {"from": null, "to": "SCORE"},
                    "format": {"from": null, "to": "number"},
                    "unique": {"from": null, "to": false},
                    "created_at": {"from": null, "to": time::format(&field.created_at)},
                })
            ),
            (
                "create",
                "organizations",
                holder.id.to_string(),
                json!({
                    "name": {"from": null, "to": "Holder"},
                    "status": {"from": null, "to": "active"},
                    "slug": {"from": null, "to": "holder"},
                    "created_from": {"from": null, "to": "api"},
                    "created_at": {"from": null, "to": time::format(&holder.created_at)},
                    "c_score": {"from": null, "to": 7},
                })
            ),
            (
                "update",
                "custom_fields",
                field_id.clone(),
                json!({"name": {"from": "SCORE", "to": "Score"}})
            ),
            (
                "update",
                "organizations",
                holder.id.to_string(),
                json!({"c_score": {"from": 7, "to": null}})
            ),
            ("delete", "custom_fields", field_id, json!({})),
            ("delete", "api_keys", key_id, json!({})),
            ("delete", "users", bea.id.to_string(), json!({})),
        ]
    );
    assert_eq!(entries[0].entry.actor, Some(ada.id));
    let text = format!("{entries:?}");
    assert!(
        !text.contains(&key.secret_hash) && !text.contains(secret.expose()),
        "no secret or hash is ever logged"
    );
}

pub fn a_write_expecting_another_version_changes_nothing(store: &Arc<dyn Store>) {
    let org = service::create_organization(&**store, &NewOrganization::named("Acme"), time::now())
        .unwrap();
    let stale = Write {
        actor: None,
        expected: Some(vec![org.version + 1_000]),
    };
    let patch = OrganizationPatch {
        city: Some(Some("Oslo".into())),
        ..OrganizationPatch::default()
    };
    let before = latest(&**store);
    assert!(matches!(
        store.update_organization(org.id, &patch, time::now(), stale.clone()),
        Err(Error::PreconditionFailed)
    ));
    assert!(matches!(
        store.delete_organization(org.id, stale.clone()),
        Err(Error::PreconditionFailed)
    ));
    assert!(matches!(
        service::duplicate_organization(&**store, org.id, stale.clone(), time::now()),
        Err(Error::PreconditionFailed)
    ));
    assert_eq!(store.get_organization(org.id).unwrap(), org, "unchanged");
    assert_eq!(latest(&**store), before, "nothing appended");
    let current = Write {
        actor: None,
        expected: Some(vec![7, org.version]),
    };
    let updated = store
        .update_organization(org.id, &patch, time::now(), current.clone())
        .unwrap();
    assert!(updated.version > org.version);
    assert!(matches!(
        store.delete_organization(org.id, current),
        Err(Error::PreconditionFailed)
    ));
    let field = define(&**store, "c_x", CustomFormat::Text, &[]);
    let stale_field = Write {
        actor: None,
        expected: Some(vec![field.version + 1]),
    };
    assert!(matches!(
        store.delete_custom_field(field.id, stale_field),
        Err(Error::PreconditionFailed)
    ));
    let ada = admin(&**store);
    let stale_user = Write {
        actor: None,
        expected: Some(vec![ada.version + 1]),
    };
    assert!(matches!(
        store.update_user(ada.id, &UserPatch::default(), stale_user),
        Err(Error::PreconditionFailed)
    ));
}

/// Of sixteen updates sent at once with the same expected version, one is written.
pub fn racing_writes_expecting_one_version_let_one_through(store: &Arc<dyn Store>) {
    let org = service::create_organization(&**store, &NewOrganization::named("Acme"), time::now())
        .unwrap();
    let barrier = Arc::new(Barrier::new(16));
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let (store, barrier) = (Arc::clone(store), Arc::clone(&barrier));
            let version = org.version;
            thread::spawn(move || {
                let patch = OrganizationPatch {
                    city: Some(Some(format!("City {i}"))),
                    ..OrganizationPatch::default()
                };
                let write = Write {
                    actor: None,
                    expected: Some(vec![version]),
                };
                barrier.wait();
                store.update_organization(org.id, &patch, time::now(), write)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let won: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(Error::PreconditionFailed)))
        .count();
    assert_eq!((won.len(), refused), (1, 15), "{results:?}");
    assert_eq!(store.get_organization(org.id).unwrap(), *won[0]);
    let updates: Vec<Change> = entries_after(&**store, 0)
        .into_iter()
        .filter(|c| {
            c.entry.resource_id == org.id.to_string() && c.entry.operation == Operation::Update
        })
        .collect();
    assert_eq!(updates.len(), 1, "one write, one entry");
}

/// Eight writers commit while a reader pages by `after`: the reader sees every entry exactly
/// once, in sequence order, as the whole log holds them afterwards.
pub fn a_reader_racing_eight_writers_skips_no_change(store: &Arc<dyn Store>) {
    const WRITERS: usize = 8;
    const WRITES: usize = 25;
    let start = latest(&**store);
    let done = Arc::new(AtomicBool::new(false));
    let barrier = Arc::new(Barrier::new(WRITERS + 1));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (store, barrier) = (Arc::clone(store), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                for n in 0..WRITES {
                    let name = format!("Writer {w} record {n}");
                    let org = service::create_organization(
                        &*store,
                        &NewOrganization::named(name),
                        time::now(),
                    )
                    .unwrap();
                    if n % 3 == 0 {
                        let patch = OrganizationPatch {
                            city: Some(Some(format!("City {n}"))),
                            ..OrganizationPatch::default()
                        };
                        store
                            .update_organization(org.id, &patch, time::now(), Write::default())
                            .unwrap();
                    }
                    if n % 5 == 0 {
                        store.delete_organization(org.id, Write::default()).unwrap();
                    }
                }
            })
        })
        .collect();
    let reader = {
        let (store, done, barrier) = (Arc::clone(store), Arc::clone(&done), Arc::clone(&barrier));
        thread::spawn(move || {
            barrier.wait();
            let mut seen: Vec<u64> = Vec::new();
            let mut after = start;
            loop {
                // Read the flag first: a page read after the last writer finished then holds
                // everything, and an empty one ends the walk.
                let finished = done.load(Ordering::SeqCst);
                let page = store
                    .list_changes(&ChangeQuery {
                        page: PageRequest {
                            number: 1,
                            size: 7,
                            keyset: Some(Keyset {
                                after: Some(Position::sequence(after)),
                                before: None,
                            }),
                        },
                        ..ChangeQuery::default()
                    })
                    .unwrap();
                if let Some(last) = page.items.last() {
                    after = last.sequence;
                } else if finished {
                    return seen;
                }
                seen.extend(page.items.iter().map(|c| c.sequence));
            }
        })
    };
    for writer in writers {
        writer.join().unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let seen = reader.join().unwrap();
    let all: Vec<u64> = entries_after(&**store, start)
        .iter()
        .map(|c| c.sequence)
        .collect();
    let expected = WRITERS * (WRITES + WRITES.div_ceil(3) + WRITES.div_ceil(5));
    assert_eq!(all.len(), expected, "every write appended its entry");
    assert_eq!(seen, all, "the reader saw every entry once, in order");
}

pub fn the_feed_filters_and_pages_both_ways(store: &Arc<dyn Store>) {
    let ada = admin(&**store);
    let start = latest(&**store);
    let a =
        service::create_organization(&**store, &NewOrganization::named("A"), time::now()).unwrap();
    service::create_organization(
        &**store,
        &NewOrganization {
            actor: Some(ada.id),
            ..NewOrganization::named("B")
        },
        time::now(),
    )
    .unwrap();
    store
        .delete_organization(a.id, Write::by(Some(ada.id)))
        .unwrap();
    define(&**store, "c_y", CustomFormat::Text, &[]);
    let query = |mut q: ChangeQuery| {
        q.page = PageRequest::numbered(1, 100);
        q.with_total = true;
        let page = store.list_changes(&q).unwrap();
        let found: Vec<u64> = page
            .items
            .iter()
            .map(|c| c.sequence)
            .filter(|s| *s > start)
            .collect();
        found
    };
    let all = entries_after(&**store, start);
    assert_eq!(all.len(), 4);
    let seq = |i: usize| all[i].sequence;
    assert_eq!(
        query(ChangeQuery {
            resource_types: vec![ResourceType::CustomFields],
            ..ChangeQuery::default()
        }),
        vec![seq(3)]
    );
    assert_eq!(
        query(ChangeQuery {
            resource_ids: vec![a.id.to_string()],
            ..ChangeQuery::default()
        }),
        vec![seq(0), seq(2)],
        "a deleted record's history stays"
    );
    assert_eq!(
        query(ChangeQuery {
            operations: vec![Operation::Delete],
            ..ChangeQuery::default()
        }),
        vec![seq(2)]
    );
    assert_eq!(
        query(ChangeQuery {
            actors: vec![ada.id],
            ..ChangeQuery::default()
        }),
        vec![seq(1), seq(2)]
    );
    let before_all = all[0].entry.changed_at;
    assert_eq!(
        query(ChangeQuery {
            changed_at_lt: Some(before_all),
            ..ChangeQuery::default()
        }),
        Vec::<u64>::new()
    );
    assert_eq!(
        query(ChangeQuery {
            changed_at_gte: Some(before_all),
            ..ChangeQuery::default()
        }),
        vec![seq(0), seq(1), seq(2), seq(3)]
    );
    // Backwards from the last: the two before it, in sequence order, with more before them.
    let back = store
        .list_changes(&ChangeQuery {
            page: PageRequest {
                number: 1,
                size: 2,
                keyset: Some(Keyset {
                    after: None,
                    before: Some(Position::sequence(seq(3))),
                }),
            },
            ..ChangeQuery::default()
        })
        .unwrap();
    assert_eq!(
        back.items.iter().map(|c| c.sequence).collect::<Vec<_>>(),
        vec![seq(1), seq(2)]
    );
    assert!(back.has_previous);
    // A range: strictly between two positions.
    let range = store
        .list_changes(&ChangeQuery {
            page: PageRequest {
                number: 1,
                size: 10,
                keyset: Some(Keyset {
                    after: Some(Position::sequence(seq(0))),
                    before: Some(Position::sequence(seq(3))),
                }),
            },
            ..ChangeQuery::default()
        })
        .unwrap();
    assert_eq!(
        range.items.iter().map(|c| c.sequence).collect::<Vec<_>>(),
        vec![seq(1), seq(2)]
    );
}

pub fn pruning_moves_the_mark_and_a_cursor_before_it_is_gone(store: &Arc<dyn Store>) {
    for n in 0..5 {
        service::create_organization(
            &**store,
            &NewOrganization::named(format!("Pruned {n}")),
            time::now(),
        )
        .unwrap();
    }
    let all = entries_after(&**store, 0);
    let future = time::now() + chrono::Duration::days(1);
    assert_eq!(
        store.prune_changes(all[0].entry.changed_at, 100).unwrap(),
        0
    );
    assert_eq!(store.prune_changes(future, 2).unwrap(), 2);
    let state = store.change_log_state().unwrap();
    assert_eq!(
        state,
        LogState {
            latest: all[4].sequence,
            pruned_through: all[1].sequence,
        }
    );
    let after = |sequence: u64| {
        store.list_changes(&ChangeQuery {
            page: PageRequest {
                number: 1,
                size: 10,
                keyset: Some(Keyset {
                    after: Some(Position::sequence(sequence)),
                    before: None,
                }),
            },
            ..ChangeQuery::default()
        })
    };
    assert!(matches!(
        after(all[0].sequence),
        Err(Error::ChangesPruned { pruned_through }) if pruned_through == all[1].sequence
    ));
    let kept = after(all[1].sequence).unwrap();
    assert_eq!(
        kept.items.iter().map(|c| c.sequence).collect::<Vec<_>>(),
        all[2..].iter().map(|c| c.sequence).collect::<Vec<_>>()
    );
    let numbered = store.list_changes(&ChangeQuery::default()).unwrap();
    assert_eq!(numbered.items.len(), 3, "numbered pages show what is kept");
}
