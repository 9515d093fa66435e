//! Tasks on every backend: writes, completion, assignees (who must exist, and who are
//! forgotten with their user), the cascade of deleting their organization, and lists held to
//! the reference.

use std::sync::Arc;

use chrono::NaiveDate;
use orgbase_domain::task::Task;
use orgbase_domain::{
    ChangeQuery, Error, Field, Filter, ListQuery, NewTask, Operation, Operator, OrganizationId,
    PageRequest, ResourceType, Role, SortKey, Store, TaskPatch, TaskStatus, User, UserId, Write,
    time,
};
use serde_json::json;

use crate::fixtures::{at, check_against_reference, insert_named};

fn user(store: &dyn Store, name: &str) -> User {
    let mut user = User {
        id: UserId::generate(),
        name: name.to_owned(),
        email: format!("{}@crm.example", name.to_lowercase()),
        role: Role::Admin,
        created_at: at(2026, 1, 1, 0),
        version: 0,
    };
    user.version = store.insert_user(&user, None).unwrap();
    user
}

fn insert(store: &dyn Store, new: NewTask) -> Task {
    let mut task = new.to_task(time::now());
    task.version = store.insert_task(&task, None).unwrap();
    task
}

fn task_entries(store: &dyn Store) -> Vec<orgbase_domain::ChangeEntry> {
    store
        .list_changes(&ChangeQuery {
            resource_types: vec![ResourceType::Tasks],
            page: PageRequest::numbered(1, 100),
            ..ChangeQuery::default()
        })
        .unwrap()
        .items
        .into_iter()
        .map(|c| c.entry)
        .collect()
}

pub fn tasks_round_trip_complete_and_forget_their_assignee(store: &Arc<dyn Store>) {
    let acme = insert_named(&**store, "Acme", at(2020, 1, 1, 0));
    let ada = user(&**store, "Ada");
    let bob = user(&**store, "Bob");
    let call = insert(
        &**store,
        NewTask {
            due_on: NaiveDate::from_ymd_opt(2026, 12, 24),
            assignee_id: Some(bob.id),
            ..NewTask::titled(acme.id, "Call back")
        },
    );
    assert_eq!(store.get_task(call.id).unwrap(), call);
    let ghost = NewTask {
        assignee_id: Some(UserId::generate()),
        ..NewTask::titled(acme.id, "Ghost")
    }
    .to_task(time::now());
    assert!(matches!(
        store.insert_task(&ghost, None),
        Err(Error::NotFound {
            resource: "user",
            ..
        })
    ));
    let now = time::now();
    let done = store
        .update_task(
            call.id,
            &TaskPatch {
                status: Some(TaskStatus::Done),
                ..TaskPatch::default()
            },
            now,
            Write::by(Some(ada.id)),
        )
        .unwrap();
    assert_eq!(
        (done.status, done.completed_at),
        (TaskStatus::Done, Some(now))
    );
    let to_nobody = TaskPatch {
        assignee_id: Some(Some(UserId::generate())),
        ..TaskPatch::default()
    };
    assert!(matches!(
        store.update_task(call.id, &to_nobody, time::now(), Write::default()),
        Err(Error::NotFound {
            resource: "user",
            ..
        })
    ));
    // Deleting the assignee leaves the task unassigned, with an entry and a new version.
    store
        .delete_user(bob.id, None, Write::by(Some(ada.id)))
        .unwrap();
    let unassigned = store.get_task(call.id).unwrap();
    assert_eq!(unassigned.assignee_id, None);
    assert!(unassigned.version > done.version);
    let entries = task_entries(&**store);
    let operations: Vec<Operation> = entries.iter().map(|e| e.operation).collect();
    assert_eq!(
        operations,
        [Operation::Create, Operation::Update, Operation::Update]
    );
    assert_eq!(
        serde_json::Value::Object(entries[2].changes.clone()),
        json!({"assignee": {"from": {"type": "users", "id": bob.id.to_string()}, "to": null}})
    );
    store.delete_task(call.id, Write::default()).unwrap();
    assert!(matches!(
        store.get_task(call.id),
        Err(Error::NotFound {
            resource: "task",
            ..
        })
    ));
}

pub fn deleting_an_organization_deletes_its_tasks_with_tombstones(store: &Arc<dyn Store>) {
    let acme = insert_named(&**store, "Acme", at(2020, 1, 1, 0));
    let globex = insert_named(&**store, "Globex", at(2020, 1, 1, 0));
    let gone = insert(&**store, NewTask::titled(acme.id, "Gone"));
    let kept = insert(&**store, NewTask::titled(globex.id, "Kept"));
    store
        .delete_organization(acme.id, Write::default())
        .unwrap();
    let last = task_entries(&**store).pop().unwrap();
    assert_eq!(
        (last.operation, last.resource_id),
        (Operation::Delete, gone.id.to_string())
    );
    assert_eq!(
        store.list_tasks(&ListQuery::default()).unwrap().items,
        vec![kept]
    );
}

pub fn task_lists_filter_sort_and_page_as_the_reference(store: &Arc<dyn Store>) {
    let orgs: Vec<OrganizationId> = (0..3)
        .map(|i| insert_named(&**store, &format!("Org {i}"), at(2020, 1, 1, 0)).id)
        .collect();
    let people = [user(&**store, "Ada").id, user(&**store, "Bob").id];
    let all: Vec<Task> = (0..30u32)
        .map(|i| {
            insert(
                &**store,
                NewTask {
                    status: TaskStatus::ALL[(i % 2) as usize],
                    due_on: (i % 3 != 0)
                        .then(|| NaiveDate::from_ymd_opt(2026, 1 + i % 12, 1).unwrap()),
                    completed_at: (i % 2 == 1).then(|| at(2026, 2, 1 + i % 5, 0)),
                    description: (i % 4 == 0).then(|| "Urgent".to_owned()),
                    assignee_id: (i % 3 != 1).then_some(people[(i % 2) as usize]),
                    created_at: Some(at(2021, 1, 1 + i % 4, 0)),
                    ..NewTask::titled(
                        orgs[(i % 3) as usize],
                        ["Call", "email", "Email", "Visit"][(i % 4) as usize],
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
        sorted(vec![SortKey::ascending(Field::DueOn)]),
        sorted(vec![SortKey::descending(Field::CompletedAt)]),
        sorted(vec![
            SortKey::ascending(Field::TaskStatus),
            SortKey::descending(Field::Title),
        ]),
    ];
    let ada = people[0].to_string();
    for filters in [
        vec![filter(Field::Assignee, Operator::Eq, &ada)],
        vec![filter(Field::Assignee, Operator::Null, "true")],
        vec![filter(Field::TaskStatus, Operator::Eq, "open")],
        vec![filter(Field::DueOn, Operator::Lt, "2026-06-01")],
        vec![filter(Field::Title, Operator::Eq, "EMAIL")],
        vec![filter(
            Field::Organization,
            Operator::Eq,
            &orgs[0].to_string(),
        )],
    ] {
        queries.push(ListQuery {
            filters: filters.clone(),
            ..ListQuery::default()
        });
        queries.push(ListQuery {
            filters,
            sort: vec![SortKey::descending(Field::DueOn)],
            ..ListQuery::default()
        });
    }
    for query in &queries {
        check_against_reference(&|q| store.list_tasks(q), &all, query);
    }
}
