//! Documents on every backend: writes and their entries, moving between organizations, the
//! cascade of deleting their organization (with tombstones), and lists held to the reference.

use std::sync::Arc;

use orgbase_domain::document::Document;
use orgbase_domain::{
    ChangeQuery, DocumentPatch, Error, Field, Filter, ListQuery, NewDocument, Operation, Operator,
    OrganizationId, PageRequest, ResourceType, SortKey, Store, UserId, Write, time,
};
use serde_json::json;

use crate::fixtures::{at, check_against_reference, insert_named};

fn insert(store: &dyn Store, new: NewDocument) -> Document {
    let mut document = new.to_document(time::now());
    document.version = store.insert_document(&document, None).unwrap();
    document
}

fn logged(store: &dyn Store) -> Vec<(ResourceType, Operation, String)> {
    store
        .list_changes(&ChangeQuery {
            page: PageRequest::numbered(1, 1000),
            ..ChangeQuery::default()
        })
        .unwrap()
        .items
        .into_iter()
        .map(|c| {
            (
                c.entry.resource_type,
                c.entry.operation,
                c.entry.resource_id,
            )
        })
        .collect()
}

pub fn documents_round_trip_move_and_delete_with_their_entries(store: &Arc<dyn Store>) {
    let acme = insert_named(&**store, "Acme", at(2020, 1, 1, 0));
    let globex = insert_named(&**store, "Globex", at(2020, 1, 1, 0));
    let actor = Some(UserId::generate());
    let mut contract = NewDocument {
        url: Some("https://files.example/contract.pdf".into()),
        content_type: Some("application/pdf".into()),
        size_bytes: Some(48_213),
        description: Some("Signed — 2026".into()),
        created_at: Some(at(2024, 6, 1, 500)),
        ..NewDocument::titled(acme.id, "Contract")
    }
    .to_document(time::now());
    contract.version = store.insert_document(&contract, actor).unwrap();
    assert_eq!(store.get_document(contract.id).unwrap(), contract);

    let moving = DocumentPatch {
        organization_id: Some(globex.id),
        size_bytes: Some(None),
        ..DocumentPatch::default()
    };
    let moved = store
        .update_document(contract.id, &moving, time::now(), Write::by(actor))
        .unwrap();
    assert_eq!(moved.organization_id, globex.id);
    assert_eq!(moved.size_bytes, None);
    assert!(moved.version > contract.version);
    let nowhere = DocumentPatch {
        organization_id: Some(OrganizationId::generate()),
        ..DocumentPatch::default()
    };
    assert!(matches!(
        store.update_document(contract.id, &nowhere, time::now(), Write::default()),
        Err(Error::NotFound {
            resource: "organization",
            ..
        })
    ));
    assert_eq!(store.get_document(contract.id).unwrap(), moved);
    let orphan = NewDocument::titled(OrganizationId::generate(), "Orphan").to_document(time::now());
    assert!(matches!(
        store.insert_document(&orphan, None),
        Err(Error::NotFound {
            resource: "organization",
            ..
        })
    ));
    let stale = Write {
        actor,
        expected: Some(vec![contract.version]),
    };
    assert!(matches!(
        store.delete_document(contract.id, stale),
        Err(Error::PreconditionFailed)
    ));
    store
        .delete_document(contract.id, Write::by(actor))
        .unwrap();
    assert!(matches!(
        store.get_document(contract.id),
        Err(Error::NotFound {
            resource: "document",
            ..
        })
    ));
    let entries = store
        .list_changes(&ChangeQuery {
            resource_types: vec![ResourceType::Documents],
            page: PageRequest::numbered(1, 100),
            ..ChangeQuery::default()
        })
        .unwrap()
        .items;
    assert_eq!(entries.len(), 3);
    assert_eq!(
        serde_json::Value::Object(entries[1].entry.changes.clone()),
        json!({
            "size_bytes": {"from": 48_213, "to": null},
            "organization": {
                "from": {"type": "organizations", "id": acme.id.to_string()},
                "to": {"type": "organizations", "id": globex.id.to_string()},
            },
        })
    );
    assert!(entries.iter().all(|c| c.entry.actor == actor));
}

pub fn deleting_an_organization_deletes_its_documents_with_tombstones(store: &Arc<dyn Store>) {
    let acme = insert_named(&**store, "Acme", at(2020, 1, 1, 0));
    let globex = insert_named(&**store, "Globex", at(2020, 1, 1, 0));
    let mut ids: Vec<String> = (0..3)
        .map(|i| {
            insert(&**store, NewDocument::titled(acme.id, format!("Doc {i}")))
                .id
                .to_string()
        })
        .collect();
    ids.sort();
    let kept = insert(&**store, NewDocument::titled(globex.id, "Kept"));
    let before = logged(&**store).len();
    store
        .delete_organization(acme.id, Write::default())
        .unwrap();
    let mut expected: Vec<(ResourceType, Operation, String)> = ids
        .into_iter()
        .map(|id| (ResourceType::Documents, Operation::Delete, id))
        .collect();
    expected.push((
        ResourceType::Organizations,
        Operation::Delete,
        acme.id.to_string(),
    ));
    assert_eq!(logged(&**store)[before..], expected[..]);
    let left = store.list_documents(&ListQuery::default()).unwrap();
    assert_eq!(left.items, vec![kept]);
}

pub fn document_lists_filter_sort_and_page_as_the_reference(store: &Arc<dyn Store>) {
    let orgs: Vec<OrganizationId> = (0..3)
        .map(|i| insert_named(&**store, &format!("Org {i}"), at(2020, 1, 1, 0)).id)
        .collect();
    let kinds = [
        Some("application/pdf"),
        None,
        Some("Image/PNG"),
        Some("text/plain"),
    ];
    let all: Vec<Document> = (0..30)
        .map(|i| {
            insert(
                &**store,
                NewDocument {
                    url: (i % 3 != 0).then(|| format!("https://files.example/{i}")),
                    content_type: kinds[i % 4].map(str::to_owned),
                    size_bytes: (i % 5 != 0).then_some(((i * 37) % 11) as i64 * 1000),
                    description: (i % 2 == 0).then(|| "Quarterly".to_owned()),
                    created_at: Some(at(2021, 1, 1 + (i % 4) as u32, 0)),
                    updated_at: Some(at(2022, 1, 1 + (i % 3) as u32, 0)),
                    ..NewDocument::titled(
                        orgs[i % 3],
                        ["Deck", "contract", "Contract", "Ünïcode"][i % 4],
                    )
                },
            )
        })
        .collect();
    let filter =
        |field: Field, operator: Operator, raw: &str| Filter::parse(field, operator, raw).unwrap();
    let sorted = |keys: Vec<SortKey>| ListQuery {
        sort: keys,
        ..ListQuery::default()
    };
    let mut queries = vec![
        ListQuery::default(),
        sorted(vec![SortKey::ascending(Field::Title)]),
        sorted(vec![SortKey::descending(Field::SizeBytes)]),
        sorted(vec![
            SortKey::ascending(Field::SizeBytes),
            SortKey::descending(Field::Title),
        ]),
        sorted(vec![SortKey::descending(Field::ContentType)]),
        sorted(vec![SortKey::ascending(Field::UpdatedAt)]),
    ];
    let org = orgs[1].to_string();
    for filters in [
        vec![filter(Field::Organization, Operator::Eq, &org)],
        vec![filter(Field::Title, Operator::Eq, "CONTRACT")],
        vec![filter(Field::SizeBytes, Operator::Gte, "5000")],
        vec![filter(Field::SizeBytes, Operator::Null, "true")],
        vec![filter(Field::ContentType, Operator::StartsWith, "image/")],
        vec![filter(Field::Url, Operator::Contains, "/1")],
        vec![
            filter(Field::Organization, Operator::Ne, &org),
            filter(Field::Description, Operator::Null, "false"),
        ],
    ] {
        queries.push(ListQuery {
            filters: filters.clone(),
            ..ListQuery::default()
        });
        queries.push(ListQuery {
            filters,
            sort: vec![SortKey::descending(Field::SizeBytes)],
            ..ListQuery::default()
        });
    }
    for query in &queries {
        check_against_reference(&|q| store.list_documents(q), &all, query);
    }
}
