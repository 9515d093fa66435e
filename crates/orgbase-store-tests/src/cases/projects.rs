//! Projects on every backend: writes and their entries, the order of their dates, moving
//! between organizations, the cascade of deleting their organization, and lists held to the
//! reference.

use std::sync::Arc;

use chrono::NaiveDate;
use orgbase_domain::project::Project;
use orgbase_domain::{
    ChangeQuery, Error, Field, Filter, ListQuery, NewProject, Operation, Operator, OrganizationId,
    PageRequest, ProjectPatch, ProjectStatus, ResourceType, SortKey, Store, UserId, Write, time,
};
use serde_json::json;

use crate::fixtures::{at, check_against_reference, insert_named};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn insert(store: &dyn Store, new: NewProject) -> Project {
    let mut project = new.to_project(time::now());
    project.version = store.insert_project(&project, None).unwrap();
    project
}

pub fn projects_round_trip_keep_their_dates_in_order_and_move(store: &Arc<dyn Store>) {
    let acme = insert_named(&**store, "Acme", at(2020, 1, 1, 0));
    let globex = insert_named(&**store, "Globex", at(2020, 1, 1, 0));
    let actor = Some(UserId::generate());
    let mut rollout = NewProject {
        status: ProjectStatus::Active,
        starts_on: Some(day(2026, 3, 1)),
        ends_on: Some(day(2026, 6, 30)),
        description: Some("Phase one".into()),
        ..NewProject::named(acme.id, "Rollout")
    }
    .to_project(time::now());
    rollout.version = store.insert_project(&rollout, actor).unwrap();
    assert_eq!(store.get_project(rollout.id).unwrap(), rollout);

    // An end before the stored start is refused, and nothing changes.
    let early = ProjectPatch {
        ends_on: Some(Some(day(2026, 2, 1))),
        ..ProjectPatch::default()
    };
    assert!(matches!(
        store.update_project(rollout.id, &early, time::now(), Write::default()),
        Err(Error::Invalid(_))
    ));
    assert_eq!(store.get_project(rollout.id).unwrap(), rollout);

    let moving = ProjectPatch {
        organization_id: Some(globex.id),
        status: Some(ProjectStatus::Completed),
        starts_on: Some(None),
        ..ProjectPatch::default()
    };
    let moved = store
        .update_project(rollout.id, &moving, time::now(), Write::by(actor))
        .unwrap();
    assert_eq!(
        (
            moved.organization_id,
            moved.status,
            moved.starts_on,
            moved.ends_on
        ),
        (
            globex.id,
            ProjectStatus::Completed,
            None,
            Some(day(2026, 6, 30))
        )
    );
    assert_eq!(store.get_project(rollout.id).unwrap(), moved);
    let nowhere = ProjectPatch {
        organization_id: Some(OrganizationId::generate()),
        ..ProjectPatch::default()
    };
    assert!(matches!(
        store.update_project(rollout.id, &nowhere, time::now(), Write::default()),
        Err(Error::NotFound {
            resource: "organization",
            ..
        })
    ));
    store.delete_project(rollout.id, Write::by(actor)).unwrap();
    assert!(matches!(
        store.get_project(rollout.id),
        Err(Error::NotFound {
            resource: "project",
            ..
        })
    ));
    let entries = store
        .list_changes(&ChangeQuery {
            resource_types: vec![ResourceType::Projects],
            page: PageRequest::numbered(1, 100),
            ..ChangeQuery::default()
        })
        .unwrap()
        .items;
    let operations: Vec<Operation> = entries.iter().map(|c| c.entry.operation).collect();
    assert_eq!(
        operations,
        [Operation::Create, Operation::Update, Operation::Delete]
    );
    assert_eq!(
        serde_json::Value::Object(entries[1].entry.changes.clone()),
        json!({
            "status": {"from": "active", "to": "completed"},
            "starts_on": {"from": "2026-03-01", "to": null},
            "organization": {
                "from": {"type": "organizations", "id": acme.id.to_string()},
                "to": {"type": "organizations", "id": globex.id.to_string()},
            },
        })
    );
}

pub fn deleting_an_organization_deletes_its_projects_with_tombstones(store: &Arc<dyn Store>) {
    let acme = insert_named(&**store, "Acme", at(2020, 1, 1, 0));
    let globex = insert_named(&**store, "Globex", at(2020, 1, 1, 0));
    let gone = insert(&**store, NewProject::named(acme.id, "Gone"));
    let kept = insert(&**store, NewProject::named(globex.id, "Kept"));
    store
        .delete_organization(acme.id, Write::default())
        .unwrap();
    let tail: Vec<(ResourceType, String)> = store
        .list_changes(&ChangeQuery {
            page: PageRequest::numbered(1, 1000),
            ..ChangeQuery::default()
        })
        .unwrap()
        .items
        .into_iter()
        .rev()
        .take(2)
        .map(|c| (c.entry.resource_type, c.entry.resource_id))
        .collect();
    assert_eq!(
        tail,
        [
            (ResourceType::Organizations, acme.id.to_string()),
            (ResourceType::Projects, gone.id.to_string()),
        ]
    );
    assert_eq!(
        store.list_projects(&ListQuery::default()).unwrap().items,
        vec![kept]
    );
}

pub fn project_lists_filter_sort_and_page_as_the_reference(store: &Arc<dyn Store>) {
    let orgs: Vec<OrganizationId> = (0..3)
        .map(|i| insert_named(&**store, &format!("Org {i}"), at(2020, 1, 1, 0)).id)
        .collect();
    let all: Vec<Project> = (0..30u32)
        .map(|i| {
            let starts = (i % 4 != 0).then(|| day(2026, 1 + i % 6, 1 + i % 9));
            insert(
                &**store,
                NewProject {
                    status: ProjectStatus::ALL[(i % 4) as usize],
                    starts_on: starts,
                    ends_on: (i % 3 != 0).then(|| day(2027, 1 + i % 5, 1)),
                    description: (i % 2 == 0).then(|| "Phase".to_owned()),
                    created_at: Some(at(2021, 1, 1 + i % 4, 0)),
                    ..NewProject::named(
                        orgs[(i % 3) as usize],
                        ["Alpha", "beta", "Élan", "alpha"][(i % 4) as usize],
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
        sorted(vec![SortKey::ascending(Field::Name)]),
        sorted(vec![SortKey::descending(Field::ProjectStatus)]),
        sorted(vec![SortKey::ascending(Field::StartsOn)]),
        sorted(vec![
            SortKey::descending(Field::EndsOn),
            SortKey::ascending(Field::Name),
        ]),
    ];
    let org = orgs[2].to_string();
    for filters in [
        vec![filter(Field::Organization, Operator::Eq, &org)],
        vec![filter(
            Field::ProjectStatus,
            Operator::In,
            "active,completed",
        )],
        vec![filter(Field::StartsOn, Operator::Gte, "2026-03-01")],
        vec![filter(Field::EndsOn, Operator::Null, "true")],
        vec![filter(Field::Name, Operator::Eq, "ALPHA")],
        vec![filter(Field::Name, Operator::StartsWith, "é")],
    ] {
        queries.push(ListQuery {
            filters: filters.clone(),
            ..ListQuery::default()
        });
        queries.push(ListQuery {
            filters,
            sort: vec![SortKey::descending(Field::StartsOn)],
            ..ListQuery::default()
        });
    }
    for query in &queries {
        check_against_reference(&|q| store.list_projects(q), &all, query);
    }
}
