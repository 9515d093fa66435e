//! Projects over HTTP: exact documents, the order of their dates, moving between
//! organizations, the organization's related collection, roles and the cascade.

use std::sync::Arc;

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

const ORIGIN: &str = "http://localhost:8080";

fn new_project(org: &str, attributes: Value) -> Value {
    json!({"data": {"type": "projects", "attributes": attributes,
        "relationships": {"organization": {"data": {"type": "organizations", "id": org}}}}})
}

#[actix_web::test]
async fn a_project_is_created_read_changed_and_deleted_with_exact_documents() {
    let app = app().await;
    let acme = create(&app, json!({"name": "Acme"})).await.id();
    let reply = send(
        &app,
        post(
            "/projects",
            &new_project(
                &acme,
                json!({"name": "Rollout", "starts_on": "2026-03-01", "ends_on": "2026-06-30"}),
            ),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.id();
    let self_link = format!("{ORIGIN}/projects/{id}");
    let at = reply.attributes()["created_at"].clone();
    let expected = json!({
        "jsonapi": {"version": "1.1"},
        "data": {
            "type": "projects",
            "id": id,
            "attributes": {
                "name": "Rollout",
                "status": "planned",
                "starts_on": "2026-03-01",
                "ends_on": "2026-06-30",
                "description": null,
                "created_at": at,
                "updated_at": at,
            },
            "relationships": {"organization": {
                "links": {"related": format!("{ORIGIN}/organizations/{acme}")},
                "data": {"type": "organizations", "id": acme},
            }},
            "links": {"self": self_link},
        },
        "links": {"self": self_link},
    });
    assert_eq!(reply.body, expected);
    assert_eq!(
        send(&app, get(&format!("/projects/{id}"))).await.body,
        expected
    );

    // An end before the stored start is refused, pointing at it; nothing changes.
    let early = send(
        &app,
        patch(
            &format!("/projects/{id}"),
            &json!({"data": {"type": "projects", "id": id, "attributes": {"ends_on": "2026-01-31"}}}),
        ),
    )
    .await;
    assert_eq!(
        early.only_error(422),
        (
            "out_of_range".to_owned(),
            "/data/attributes/ends_on".to_owned()
        )
    );
    let changed = send(
        &app,
        patch(
            &format!("/projects/{id}"),
            &json!({"data": {"type": "projects", "id": id, "attributes": {"status": "active", "starts_on": null}}}),
        ),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.attributes()["status"], "active");
    assert_eq!(changed.attributes()["starts_on"], Value::Null);
    assert_eq!(changed.attributes()["ends_on"], "2026-06-30");
    assert_eq!(
        send(&app, delete(&format!("/projects/{id}"))).await.status,
        StatusCode::NO_CONTENT
    );
}

#[actix_web::test]
async fn bad_input_points_at_each_member() {
    let app = app().await;
    let acme = create(&app, json!({"name": "Acme"})).await.id();
    let reply = send(
        &app,
        post(
            "/projects",
            &new_project(
                &acme,
                json!({"status": "done", "starts_on": "2026-13-01", "ends_on": "soon"}),
            ),
        ),
    )
    .await;
    let mut errors: Vec<(String, String)> = reply
        .errors()
        .into_iter()
        .map(|(_, code, at)| (code, at))
        .collect();
    errors.sort();
    assert_eq!(
        errors,
        [
            (
                "invalid_format".to_owned(),
                "/data/attributes/ends_on".to_owned()
            ),
            (
                "invalid_format".to_owned(),
                "/data/attributes/starts_on".to_owned()
            ),
            (
                "invalid_value".to_owned(),
                "/data/attributes/status".to_owned()
            ),
            ("required".to_owned(), "/data/attributes".to_owned()),
        ],
        "{}",
        reply.body
    );
    let backwards = send(
        &app,
        post(
            "/projects",
            &new_project(
                &acme,
                json!({"name": "P", "starts_on": "2026-05-01", "ends_on": "2026-04-30"}),
            ),
        ),
    )
    .await;
    assert_eq!(
        backwards.only_error(422),
        (
            "out_of_range".to_owned(),
            "/data/attributes/ends_on".to_owned()
        )
    );
    let bad_filter = send(&app, get("/projects?filter[starts_on][gte]=later")).await;
    assert_eq!(bad_filter.only_error(400).1, "filter[starts_on][gte]");
}

#[actix_web::test]
async fn lists_filter_and_sort_on_every_backend_and_the_organization_takes_its_projects_along() {
    for backend in every_store() {
        let name = backend.name;
        let app = app_on(Arc::clone(&backend.store)).await;
        let acme = create(&app, json!({"name": "Acme"})).await.id();
        let globex = create(&app, json!({"name": "Globex"})).await.id();
        for (org, project, status, starts) in [
            (&acme, "Alpha", "active", json!("2026-02-01")),
            (&acme, "beta", "planned", json!(null)),
            (&globex, "Gamma", "active", json!("2026-01-15")),
        ] {
            let reply = send(
                &app,
                post(
                    "/projects",
                    &new_project(
                        org,
                        json!({"name": project, "status": status, "starts_on": starts}),
                    ),
                ),
            )
            .await;
            assert_eq!(reply.status, StatusCode::CREATED, "{name}: {}", reply.body);
        }
        let by_start = send(&app, get("/projects?sort=starts_on")).await;
        assert_eq!(
            by_start.names(),
            ["Gamma", "Alpha", "beta"],
            "{name}: nulls last"
        );
        let active = send(&app, get("/projects?filter[status]=active&sort=-name")).await;
        assert_eq!(active.names(), ["Gamma", "Alpha"], "{name}");
        let of_acme = send(
            &app,
            get(&format!(
                "/organizations/{acme}/projects?filter[starts_on][gte]=2026-02-01"
            )),
        )
        .await;
        assert_eq!(of_acme.names(), ["Alpha"], "{name}");
        assert_eq!(
            send(&app, delete(&format!("/organizations/{acme}")))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            send(&app, get("/projects")).await.names(),
            ["Gamma"],
            "{name}"
        );
        let viewer = principal(&app, "viewer", "viewer").await;
        let refused = send_as(
            &app,
            post("/projects", &new_project(&globex, json!({"name": "P"}))),
            Some(&viewer.key),
        )
        .await;
        assert_eq!(refused.only_error(403).0, "forbidden");
    }
}
