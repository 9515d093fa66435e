//! Tasks over HTTP: exact documents, completion, the assignee, moving, lists on every
//! backend, and the cascade.

use std::sync::Arc;

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

const ORIGIN: &str = "http://localhost:8080";

fn new_task(org: &str, attributes: Value, assignee: Option<&str>) -> Value {
    let mut relationships = json!({"organization": {"data": {"type": "organizations", "id": org}}});
    if let Some(user) = assignee {
        relationships["assignee"] = json!({"data": {"type": "users", "id": user}});
    }
    json!({"data": {"type": "tasks", "attributes": attributes, "relationships": relationships}})
}

#[actix_web::test]
async fn a_task_is_created_completed_reopened_and_reassigned() {
    let app = app().await;
    let acme = create(&app, json!({"name": "Acme"})).await.id();
    let bob = principal(&app, "bob", "member").await;
    let reply = send(
        &app,
        post(
            "/tasks",
            &new_task(
                &acme,
                json!({"title": "Call back", "due_on": "2026-12-24"}),
                Some(&bob.id),
            ),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.id();
    let self_link = format!("{ORIGIN}/tasks/{id}");
    let at = reply.attributes()["created_at"].clone();
    assert_eq!(
        reply.body,
        json!({
            "jsonapi": {"version": "1.1"},
            "data": {
                "type": "tasks",
                "id": id,
                "attributes": {
                    "title": "Call back",
                    "status": "open",
                    "due_on": "2026-12-24",
                    "completed_at": null,
                    "description": null,
                    "created_at": at,
                    "updated_at": at,
                },
                "relationships": {
                    "organization": {
                        "links": {"related": format!("{ORIGIN}/organizations/{acme}")},
                        "data": {"type": "organizations", "id": acme},
                    },
                    "assignee": {"data": {"type": "users", "id": bob.id}},
                },
                "links": {"self": self_link},
            },
            "links": {"self": self_link},
        })
    );
    let done = send(
        &app,
        patch(
            &format!("/tasks/{id}"),
            &json!({"data": {"type": "tasks", "id": id, "attributes": {"status": "done"},
                "relationships": {"assignee": {"data": null}}}}),
        ),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.attributes()["completed_at"].is_string());
    assert_eq!(
        done.body["data"]["relationships"]["assignee"]["data"],
        Value::Null
    );
    let reopened = send(
        &app,
        patch(
            &format!("/tasks/{id}"),
            &json!({"data": {"type": "tasks", "id": id, "attributes": {"status": "open"}}}),
        ),
    )
    .await;
    assert_eq!(reopened.attributes()["completed_at"], Value::Null);
    let nobody = send(
        &app,
        patch(
            &format!("/tasks/{id}"),
            &json!({"data": {"type": "tasks", "id": id, "relationships": {"assignee":
                {"data": {"type": "users", "id": "00000000-0000-4000-8000-000000000000"}}}}}),
        ),
    )
    .await;
    assert_eq!(nobody.only_error(404).0, "not_found");
    let wrong = send(
        &app,
        patch(
            &format!("/tasks/{id}"),
            &json!({"data": {"type": "tasks", "id": id, "relationships": {"assignee":
                {"data": {"type": "contacts", "id": acme}}}}}),
        ),
    )
    .await;
    assert_eq!(wrong.only_error(409).0, "type_mismatch");
    let bad = send(
        &app,
        post(
            "/tasks",
            &new_task(
                &acme,
                json!({"status": "later", "due_on": "tomorrow"}),
                None,
            ),
        ),
    )
    .await;
    let mut errors: Vec<(String, String)> =
        bad.errors().into_iter().map(|(_, c, p)| (c, p)).collect();
    errors.sort();
    assert_eq!(
        errors,
        [
            (
                "invalid_format".to_owned(),
                "/data/attributes/due_on".to_owned()
            ),
            (
                "invalid_value".to_owned(),
                "/data/attributes/status".to_owned()
            ),
            ("required".to_owned(), "/data/attributes".to_owned()),
        ]
    );
}

#[actix_web::test]
async fn lists_filter_by_assignee_and_due_day_on_every_backend_and_go_with_their_organization() {
    for backend in every_store() {
        let name = backend.name;
        let app = app_on(Arc::clone(&backend.store)).await;
        let acme = create(&app, json!({"name": "Acme"})).await.id();
        let globex = create(&app, json!({"name": "Globex"})).await.id();
        let ada = principal(&app, "ada", "member").await;
        for (org, title, due, assignee) in [
            (&acme, "Call", json!("2026-03-01"), Some(ada.id.as_str())),
            (&acme, "Email", json!(null), None),
            (&globex, "Visit", json!("2026-01-15"), Some(ada.id.as_str())),
        ] {
            let reply = send(
                &app,
                post(
                    "/tasks",
                    &new_task(org, json!({"title": title, "due_on": due}), assignee),
                ),
            )
            .await;
            assert_eq!(reply.status, StatusCode::CREATED, "{name}: {}", reply.body);
        }
        let titles = |reply: &Reply| -> Vec<String> {
            reply.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["attributes"]["title"].as_str().unwrap().to_owned())
                .collect()
        };
        let adas = send(
            &app,
            get(&format!("/tasks?filter[assignee]={}&sort=due_on", ada.id)),
        )
        .await;
        assert_eq!(titles(&adas), ["Visit", "Call"], "{name}");
        let unassigned = send(&app, get("/tasks?filter[assignee][null]=true")).await;
        assert_eq!(titles(&unassigned), ["Email"], "{name}");
        let early = send(
            &app,
            get(&format!(
                "/organizations/{acme}/tasks?filter[due_on][lt]=2026-06-01"
            )),
        )
        .await;
        assert_eq!(titles(&early), ["Call"], "{name}");
        // Deleting the assignee leaves their tasks unassigned; deleting the organization
        // takes its tasks along.
        assert_eq!(
            send(&app, delete(&format!("/users/{}", ada.id)))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        let none = send(&app, get("/tasks?filter[assignee][null]=false")).await;
        assert_eq!(none.body["meta"]["total"], 0, "{name}");
        assert_eq!(
            send(&app, delete(&format!("/organizations/{acme}")))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            titles(&send(&app, get("/tasks")).await),
            ["Visit"],
            "{name}"
        );
    }
}
