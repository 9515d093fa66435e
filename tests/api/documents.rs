//! Documents over HTTP: exact documents, the required organization, moving between
//! organizations, the organization's related collection, roles and the cascade.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header;
use serde_json::{Value, json};

use crate::support::*;

const ORIGIN: &str = "http://localhost:8080";

fn new_document(org: &str, attributes: Value) -> Value {
    json!({"data": {"type": "documents", "attributes": attributes,
        "relationships": {"organization": {"data": {"type": "organizations", "id": org}}}}})
}

#[actix_web::test]
async fn a_document_is_created_read_moved_and_deleted_with_exact_documents() {
    let app = app().await;
    let acme = create(&app, json!({"name": "Acme"})).await.id();
    let globex = create(&app, json!({"name": "Globex"})).await.id();
    let reply = send(
        &app,
        post(
            "/documents",
            &new_document(
                &acme,
                json!({"title": " Contract ", "url": "https://files.example/c.pdf",
                    "content_type": "application/pdf", "size_bytes": 48213}),
            ),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.id();
    let self_link = format!("{ORIGIN}/documents/{id}");
    assert_eq!(reply.header("location"), Some(self_link.as_str()));
    let at = reply.attributes()["created_at"].clone();
    let expected = json!({
        "jsonapi": {"version": "1.1"},
        "data": {
            "type": "documents",
            "id": id,
            "attributes": {
                "title": "Contract",
                "url": "https://files.example/c.pdf",
                "content_type": "application/pdf",
                "size_bytes": 48213,
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
    let fetched = send(&app, get(&format!("/documents/{id}"))).await;
    assert_eq!(fetched.body, expected);
    let etag = fetched.header("etag").unwrap().to_owned();

    let moved = send(
        &app,
        patch(
            &format!("/documents/{id}"),
            &json!({"data": {"type": "documents", "id": id, "attributes": {"size_bytes": null},
                "relationships": {"organization": {"data": {"type": "organizations", "id": globex}}}}}),
        )
        .insert_header((header::IF_MATCH, etag.clone())),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(
        moved.body["data"]["relationships"]["organization"]["data"]["id"],
        globex.as_str()
    );
    assert_eq!(moved.attributes()["size_bytes"], Value::Null);
    let stale = send(
        &app,
        patch(
            &format!("/documents/{id}"),
            &json!({"data": {"type": "documents", "id": id, "attributes": {"title": "X"}}}),
        )
        .insert_header((header::IF_MATCH, etag)),
    )
    .await;
    assert_eq!(stale.only_error(412).0, "precondition_failed");
    let nowhere = send(
        &app,
        patch(
            &format!("/documents/{id}"),
            &json!({"data": {"type": "documents", "id": id, "relationships": {"organization":
                {"data": {"type": "organizations", "id": "00000000-0000-4000-8000-000000000000"}}}}}),
        ),
    )
    .await;
    assert_eq!(nowhere.only_error(404).0, "not_found");
    assert_eq!(
        send(&app, get(&format!("/organizations/{acme}/documents")))
            .await
            .body["meta"]["total"],
        0
    );
    let of_globex = send(&app, get(&format!("/organizations/{globex}/documents"))).await;
    assert_eq!(of_globex.body["data"][0]["id"], id.as_str());
    assert_eq!(
        send(&app, delete(&format!("/documents/{id}"))).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(&app, get(&format!("/documents/{id}")))
            .await
            .only_error(404)
            .0,
        "not_found"
    );
}

#[actix_web::test]
async fn bad_input_points_at_each_member() {
    let app = app().await;
    let acme = create(&app, json!({"name": "Acme"})).await.id();
    let reply = send(
        &app,
        post(
            "/documents",
            &json!({"data": {"type": "documents", "attributes": {"url": "ftp://x", "size_bytes": -1}}}),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
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
                "/data/attributes/url".to_owned()
            ),
            (
                "out_of_range".to_owned(),
                "/data/attributes/size_bytes".to_owned()
            ),
            ("required".to_owned(), "/data/attributes".to_owned()),
            ("required".to_owned(), "/data/relationships".to_owned()),
        ],
        "{}",
        reply.body
    );
    let wrong = send(
        &app,
        post(
            "/documents",
            &json!({"data": {"type": "documents", "attributes": {"title": "T"},
                "relationships": {"organization": {"data": {"type": "contacts", "id": acme}}}}}),
        ),
    )
    .await;
    assert_eq!(wrong.only_error(409).0, "type_mismatch");
    for (uri, parameter) in [
        ("/documents?filter[q]=x", "filter[q]"),
        ("/documents?sort=organization", "sort"),
        ("/documents?fields[documents]=name", "fields[documents]"),
    ] {
        let reply = send(&app, get(uri)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(reply.errors()[0].2, parameter, "{uri}");
    }
}

#[actix_web::test]
async fn lists_filter_and_sort_on_every_backend_and_the_organization_takes_its_documents_along() {
    for backend in every_store() {
        let name = backend.name;
        let app = app_on(Arc::clone(&backend.store)).await;
        let acme = create(&app, json!({"name": "Acme"})).await.id();
        let globex = create(&app, json!({"name": "Globex"})).await.id();
        for (org, title, size) in [
            (&acme, "Deck", json!(3000)),
            (&acme, "contract", json!(null)),
            (&globex, "Contract", json!(1000)),
        ] {
            let reply = send(
                &app,
                post(
                    "/documents",
                    &new_document(org, json!({"title": title, "size_bytes": size})),
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
                .map(|d| d["attributes"]["title"].as_str().unwrap().to_owned())
                .collect()
        };
        let by_size = send(&app, get("/documents?sort=-size_bytes")).await;
        assert_eq!(titles(&by_size), ["Deck", "Contract", "contract"], "{name}");
        let contracts = send(
            &app,
            get("/documents?filter[title]=CONTRACT&sort=size_bytes"),
        )
        .await;
        assert_eq!(titles(&contracts), ["Contract", "contract"], "{name}");
        let big = send(
            &app,
            get(&format!(
                "/organizations/{acme}/documents?filter[size_bytes][gt]=2000"
            )),
        )
        .await;
        assert_eq!(titles(&big), ["Deck"], "{name}");

        // Admins delete documents; deleting an organization deletes its own with it.
        let viewer = principal(&app, "viewer", "viewer").await;
        let refused = send_as(
            &app,
            post("/documents", &new_document(&acme, json!({"title": "T"}))),
            Some(&viewer.key),
        )
        .await;
        assert_eq!(refused.only_error(403).0, "forbidden");
        assert_eq!(
            send(&app, delete(&format!("/organizations/{acme}")))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        let left = send(&app, get("/documents")).await;
        assert_eq!(titles(&left), ["Contract"], "{name}");
        let feed = send(
            &app,
            get("/changes?filter[resource_type]=documents&filter[operation]=delete"),
        )
        .await;
        assert_eq!(
            feed.body["data"].as_array().unwrap().len(),
            2,
            "{name}: {}",
            feed.body
        );
    }
}
