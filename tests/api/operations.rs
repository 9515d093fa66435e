//! `POST /operations` (JSON:API Atomic Operations): results in order, `lid`s, one
//! transaction (the first failure undoes every operation, on every backend), the roles and
//! rules of each operation's own endpoint, and the extension's media types.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::support::{
    JSONAPI, app, app_on, atomic_media_type, create, every_store, get, operations, post, principal,
    send, send_as,
};

#[actix_web::test]
async fn a_user_and_an_organization_they_own_in_one_request() {
    for backend in every_store() {
        let (name, app) = (backend.name, app_on(Arc::clone(&backend.store)).await);
        let reply = send(
            &app,
            operations(json!([
                {"op": "add", "data": {"type": "users", "lid": "u", "attributes": {"name": "Una", "email": "una@ops.example", "role": "member"}}},
                {"op": "add", "href": "/custom_fields", "data": {"type": "custom_fields", "attributes": {"identifier": "c_hubspot_id", "name": "HubSpot id", "format": "text"}}},
                {"op": "add", "data": {"type": "organizations", "lid": "o", "attributes": {"name": "Ops Inc", "c_hubspot_id": "hs-1"},
                    "relationships": {"owner": {"data": {"type": "users", "lid": "u"}}}}},
                {"op": "update", "ref": {"type": "organizations", "lid": "o"}, "data": {"type": "organizations", "lid": "o", "attributes": {"city": "Wavre"}}},
                {"op": "update", "ref": {"type": "organizations", "lid": "o", "relationship": "owner"}, "data": null},
            ])),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.body);
        let results = reply.body["atomic:results"].as_array().unwrap();
        assert_eq!(results.len(), 5, "{name}");
        let user_id = results[0]["data"]["id"].as_str().unwrap();
        assert_eq!(results[0]["data"]["attributes"]["email"], "una@ops.example");
        assert_eq!(
            results[1]["data"]["attributes"]["identifier"],
            "c_hubspot_id"
        );
        let org = &results[2]["data"];
        assert_eq!(org["attributes"]["c_hubspot_id"], "hs-1", "{name}");
        assert_eq!(
            org["relationships"]["owner"]["data"],
            json!({"type": "users", "id": user_id})
        );
        let org_id = org["id"].as_str().unwrap();
        assert_eq!(results[3]["data"]["id"], org_id);
        assert_eq!(results[3]["data"]["attributes"]["city"], "Wavre");
        assert_eq!(results[4], json!({}));

        let stored = send(&app, get(&format!("/organizations/{org_id}"))).await;
        assert_eq!(stored.body["data"]["attributes"]["city"], "Wavre");
        assert_eq!(
            stored.body["data"]["relationships"]["owner"]["data"],
            Value::Null
        );
        // Every operation logged its entries, all by the caller (the test admin, whose own
        // user and key entries come first, written by nobody).
        let admin = send(&app, get("/users")).await.body["data"][0]["id"].clone();
        let feed = send(&app, get("/changes?page[size]=100")).await;
        let entries: Vec<(&str, &str, &Value)> = feed.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .skip(2)
            .map(|c| {
                (
                    c["attributes"]["operation"].as_str().unwrap(),
                    c["attributes"]["resource_type"].as_str().unwrap(),
                    &c["relationships"]["actor"]["data"]["id"],
                )
            })
            .collect();
        assert_eq!(
            entries,
            [
                ("create", "users", &admin),
                ("create", "custom_fields", &admin),
                ("create", "organizations", &admin),
                ("update", "organizations", &admin),
                ("update", "organizations", &admin),
            ],
            "{name}"
        );
    }
}

#[actix_web::test]
async fn the_first_failure_undoes_every_operation() {
    for backend in every_store() {
        let (name, app) = (backend.name, app_on(Arc::clone(&backend.store)).await);
        let kept = create(&app, json!({"name": "Kept"})).await.id();
        let latest = send(&app, get("/changes")).await.body["meta"]["latest"].clone();
        let reply = send(
            &app,
            operations(json!([
                {"op": "add", "data": {"type": "organizations", "attributes": {"name": "First"}}},
                {"op": "remove", "ref": {"type": "organizations", "id": kept}},
                {"op": "add", "data": {"type": "organizations", "attributes": {"name": "first "}}},
            ])),
        )
        .await;
        assert_eq!(
            reply.errors(),
            [(
                "422".to_owned(),
                "name_taken".to_owned(),
                "/atomic:operations/2/data/attributes/name".to_owned()
            )],
            "{name}"
        );
        let invalid = send(
            &app,
            operations(json!([
                {"op": "add", "data": {"type": "organizations", "attributes": {"name": "Second"}}},
                {"op": "update", "ref": {"type": "organizations", "id": kept}, "data": {"type": "organizations", "id": kept, "attributes": {"company_size": -1, "website": 7}}},
            ])),
        )
        .await;
        let mut pointers: Vec<String> = invalid.errors().into_iter().map(|e| e.2).collect();
        pointers.sort();
        assert_eq!(
            pointers,
            [
                "/atomic:operations/1/data/attributes/company_size",
                "/atomic:operations/1/data/attributes/website"
            ],
            "{name}"
        );
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        let unknown = send(
            &app,
            operations(json!([
                {"op": "add", "data": {"type": "organizations", "attributes": {"name": "Third"}}},
                {"op": "remove", "ref": {"type": "users", "id": "5d0f0f6e-1111-4f5e-9a4e-1f2f3f4f5f6f"}},
            ])),
        )
        .await;
        assert_eq!(
            unknown.errors(),
            [(
                "404".to_owned(),
                "not_found".to_owned(),
                "/atomic:operations/1".to_owned()
            )]
        );
        let names = send(&app, get("/organizations")).await.names();
        assert_eq!(names, ["Kept"], "{name}");
        let after = send(&app, get("/changes")).await.body["meta"]["latest"].clone();
        assert_eq!(after, latest, "{name}: an undone request left entries");
    }
}

#[actix_web::test]
async fn creates_are_inserted_together_yet_fail_where_one_by_one_would() {
    for backend in every_store() {
        let (name, app) = (backend.name, app_on(Arc::clone(&backend.store)).await);
        // A name taken inside the run of creates fails there, before a later create's own
        // mistake is reached.
        let reply = send(
            &app,
            operations(json!([
                {"op": "add", "data": {"type": "organizations", "attributes": {"name": "Alpha"}}},
                {"op": "add", "data": {"type": "organizations", "attributes": {"name": "Beta"}}},
                {"op": "add", "data": {"type": "organizations", "attributes": {"name": "alpha "}}},
                {"op": "add", "data": {"type": "organizations", "attributes": {"name": "Gamma", "company_size": -1}}},
            ])),
        )
        .await;
        assert_eq!(
            reply.errors(),
            [(
                "422".to_owned(),
                "name_taken".to_owned(),
                "/atomic:operations/2/data/attributes/name".to_owned()
            )],
            "{name}"
        );
        let reply = send(
            &app,
            operations(json!([
                {"op": "add", "data": {"type": "organizations", "attributes": {"name": "Alpha"}}},
                {"op": "add", "data": {"type": "organizations", "attributes": {"name": "Beta", "website": 7}}},
            ])),
        )
        .await;
        assert_eq!(
            reply.only_error(422).1,
            "/atomic:operations/1/data/attributes/website",
            "{name}"
        );
        assert_eq!(
            send(&app, get("/organizations")).await.names(),
            Vec::<String>::new()
        );

        // A run of creates, then an update of one of them by its lid.
        let mut ops: Vec<Value> = (0..5)
            .map(|n| {
                json!({"op": "add", "data": {"type": "organizations", "lid": format!("o{n}"),
                "attributes": {"name": format!("Batch {n}")}}})
            })
            .collect();
        ops.push(
            json!({"op": "update", "ref": {"type": "organizations", "lid": "o2"},
            "data": {"type": "organizations", "lid": "o2", "attributes": {"city": "Gent"}}}),
        );
        let reply = send(&app, operations(Value::Array(ops))).await;
        assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.body);
        let results = reply.body["atomic:results"].as_array().unwrap();
        let names: Vec<&Value> = results
            .iter()
            .map(|r| &r["data"]["attributes"]["name"])
            .collect();
        assert_eq!(
            names,
            [
                "Batch 0", "Batch 1", "Batch 2", "Batch 3", "Batch 4", "Batch 2"
            ],
            "{name}"
        );
        assert_eq!(results[5]["data"]["id"], results[2]["data"]["id"], "{name}");
        assert_eq!(results[5]["data"]["attributes"]["city"], "Gent", "{name}");
        let stored = send(&app, get("/organizations?filter[city]=Gent")).await;
        assert_eq!(stored.names(), ["Batch 2"], "{name}");
        let changes = send(
            &app,
            get("/changes?filter[operation]=create&filter[resource_type]=organizations"),
        )
        .await;
        assert_eq!(
            changes.body["data"].as_array().unwrap().len(),
            5,
            "{name}: one entry each"
        );
    }
}

#[actix_web::test]
async fn a_taken_slug_is_retried_inside_the_transaction() {
    for backend in every_store() {
        let (name, app) = (backend.name, app_on(Arc::clone(&backend.store)).await);
        let reply = send(
            &app,
            operations(json!([
                {"op": "add", "data": {"type": "organizations", "attributes": {"name": "Slugged"}}},
                {"op": "add", "data": {"type": "organizations", "attributes": {"name": "Slugged!"}}},
            ])),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.body);
        let slugs: Vec<&Value> = reply.body["atomic:results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["data"]["attributes"]["slug"])
            .collect();
        assert_eq!(slugs, [&json!("slugged"), &json!("slugged-2")], "{name}");
    }
}

#[actix_web::test]
async fn each_operation_needs_its_own_endpoints_role() {
    let app = app().await;
    let member = principal(&app, "mem", "member").await;
    let reply = send_as(
        &app,
        operations(json!([
            {"op": "add", "data": {"type": "organizations", "attributes": {"name": "By a member"}}},
            {"op": "add", "data": {"type": "custom_fields", "attributes": {"identifier": "c_x", "name": "X", "format": "text"}}},
        ])),
        Some(&member.key),
    )
    .await;
    assert_eq!(
        reply.errors(),
        [(
            "403".to_owned(),
            "forbidden".to_owned(),
            "/atomic:operations/1".to_owned()
        )]
    );
    assert!(send(&app, get("/organizations")).await.names().is_empty());
    let allowed = send_as(
        &app,
        operations(json!([
            {"op": "add", "data": {"type": "organizations", "attributes": {"name": "By a member"}}},
        ])),
        Some(&member.key),
    )
    .await;
    assert_eq!(allowed.status, StatusCode::OK);
    let id = allowed.body["atomic:results"][0]["data"]["id"].clone();
    let remove = send_as(
        &app,
        operations(json!([{"op": "remove", "ref": {"type": "organizations", "id": id}}])),
        Some(&member.key),
    )
    .await;
    assert_eq!(remove.only_error(403).1, "/atomic:operations/0");
}

#[actix_web::test]
async fn removes_only_answer_204() {
    let app = app().await;
    let a = create(&app, json!({"name": "A"})).await.id();
    let b = create(&app, json!({"name": "B"})).await.id();
    let reply = send(
        &app,
        operations(json!([
            {"op": "remove", "ref": {"type": "organizations", "id": a}},
            {"op": "remove", "href": format!("/organizations/{b}")},
        ])),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.body, Value::Null);
    assert!(send(&app, get("/organizations")).await.names().is_empty());
}

#[actix_web::test]
async fn lids_must_name_an_earlier_add() {
    let app = app().await;
    let reply = send(
        &app,
        operations(json!([
            {"op": "add", "data": {"type": "organizations", "attributes": {"name": "Orphan"},
                "relationships": {"owner": {"data": {"type": "users", "lid": "nobody"}}}}},
        ])),
    )
    .await;
    assert_eq!(
        reply.errors(),
        [(
            "400".to_owned(),
            "invalid_document".to_owned(),
            "/atomic:operations/0/data/relationships/owner/data/lid".to_owned()
        )]
    );
    let twice = send(
        &app,
        operations(json!([
            {"op": "add", "data": {"type": "organizations", "lid": "a", "attributes": {"name": "One"}}},
            {"op": "add", "data": {"type": "organizations", "lid": "a", "attributes": {"name": "Two"}}},
        ])),
    )
    .await;
    assert_eq!(twice.only_error(400).1, "/atomic:operations/1/data/lid");
    assert!(send(&app, get("/organizations")).await.names().is_empty());
}

#[actix_web::test]
async fn the_extension_is_negotiated() {
    let app = app().await;
    let body = json!({"atomic:operations": [{"op": "add", "data": {"type": "organizations", "attributes": {"name": "X"}}}]});
    // Without the extension in the media type.
    let plain = send(&app, post("/operations", &body)).await;
    assert_eq!(plain.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(plain.errors()[0].2, "Content-Type");
    // With an extension orgbase does not support beside it.
    let other = send(
        &app,
        TestRequest::post()
            .uri("/operations")
            .insert_header((
                header::CONTENT_TYPE,
                format!(
                    "{JSONAPI}; ext=\"https://jsonapi.org/ext/atomic https://example.com/ext/x\""
                ),
            ))
            .set_payload(body.to_string()),
    )
    .await;
    assert_eq!(other.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // The atomic extension anywhere else.
    let elsewhere = send(
        &app,
        TestRequest::post()
            .uri("/organizations")
            .insert_header((header::CONTENT_TYPE, atomic_media_type()))
            .set_payload(
                json!({"data": {"type": "organizations", "attributes": {"name": "X"}}}).to_string(),
            ),
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Accepting the extension is no reason for a 406.
    let accepted = send(
        &app,
        operations(body["atomic:operations"].clone())
            .insert_header((header::ACCEPT, atomic_media_type())),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(
        accepted.header("content-type"),
        Some(atomic_media_type().as_str())
    );
    let listed = send(
        &app,
        get("/organizations").insert_header((header::ACCEPT, atomic_media_type())),
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK);
}

#[actix_web::test]
async fn at_most_a_thousand_operations() {
    let app = app().await;
    let ops: Vec<Value> = (0..1001)
        .map(|i| json!({"op": "add", "data": {"type": "organizations", "attributes": {"name": format!("Bulk {i}")}}}))
        .collect();
    let reply = send(&app, operations(Value::Array(ops.clone()))).await;
    assert_eq!(
        reply.errors(),
        [(
            "413".to_owned(),
            "too_many_operations".to_owned(),
            "/atomic:operations".to_owned()
        )]
    );
    // A thousand fit, though their body is above the 1 MiB of other endpoints.
    let mut padded = ops;
    padded.truncate(1000);
    for op in &mut padded {
        op["data"]["attributes"]["description"] = json!("d".repeat(1200));
    }
    let reply = send(&app, operations(Value::Array(padded))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["atomic:results"].as_array().unwrap().len(), 1000);
    let page = send(&app, get("/organizations?page[size]=1")).await;
    assert_eq!(page.body["meta"]["total"], 1000);
}

#[actix_web::test]
async fn malformed_operations_are_400s_pointing_at_them() {
    let app = app().await;
    let reply = send(
        &app,
        operations(json!([
            {"op": "add", "data": {"type": "organizations", "attributes": {"name": "Fine"}}},
            {"op": "add", "ref": {"type": "api_keys"}, "data": {"type": "api_keys", "attributes": {"name": "k"}}},
        ])),
    )
    .await;
    assert_eq!(
        reply.errors(),
        [(
            "400".to_owned(),
            "unsupported_operation".to_owned(),
            "/atomic:operations/1/ref/type".to_owned()
        )]
    );
    let not_an_array = send(
        &app,
        TestRequest::post()
            .uri("/operations")
            .insert_header((header::CONTENT_TYPE, atomic_media_type()))
            .set_payload(json!({"atomic:operations": {}}).to_string()),
    )
    .await;
    assert_eq!(not_an_array.only_error(400).1, "/atomic:operations");
    assert!(send(&app, get("/organizations")).await.names().is_empty());
}
