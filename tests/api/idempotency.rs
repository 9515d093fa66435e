//! `Idempotency-Key` over HTTP, on every backend: the first POST runs, a retry gets the same
//! answer with `Idempotency-Replayed: true` and writes nothing, a different request under the
//! key is 422, keys are per caller, errors are replayed too, and the header's own mistakes
//! (and `POST /api_keys`) are 400s that name the header.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test::TestRequest;
use serde_json::json;

use crate::support::*;

fn with_key(req: TestRequest, key: &str) -> TestRequest {
    req.insert_header(("Idempotency-Key", key))
}

const KEY: &str = "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"";

#[actix_web::test]
async fn a_retried_create_answers_the_first_answer_and_writes_nothing() {
    for backend in every_store() {
        let (name, app) = (backend.name, app_on(Arc::clone(&backend.store)).await);
        let body = new_org(json!({"name": "Acme", "city": "Gent"}));
        let first = send(&app, with_key(post("/organizations", &body), KEY)).await;
        assert_eq!(first.status, StatusCode::CREATED, "{name}: {}", first.body);
        assert_eq!(first.header("idempotency-replayed"), None, "{name}");
        let changes = send(&app, get("/changes")).await;
        let entries = changes.body["data"].as_array().unwrap().len();

        // The quoted key and the bare value are one key.
        let bare = KEY.trim_matches('"');
        for key in [KEY, bare] {
            let again = send(&app, with_key(post("/organizations", &body), key)).await;
            assert_eq!(again.status, StatusCode::CREATED, "{name}: {}", again.body);
            assert_eq!(again.body, first.body, "{name}");
            assert_eq!(again.header("idempotency-replayed"), Some("true"), "{name}");
            for replayed in ["location", "etag", "content-type"] {
                assert_eq!(
                    again.header(replayed),
                    first.header(replayed),
                    "{name}: {replayed}"
                );
            }
        }
        let list = send(&app, get("/organizations")).await;
        assert_eq!(list.body["meta"]["total"], 1, "{name}");
        let changes = send(&app, get("/changes")).await;
        assert_eq!(
            changes.body["data"].as_array().unwrap().len(),
            entries,
            "{name}: a replay writes nothing"
        );

        // The same key with another body, path or query is another request.
        let other = new_org(json!({"name": "Acme", "city": "Brussels"}));
        for req in [
            post("/organizations", &other),
            post("/organizations?return_existing=true", &body),
            post("/organizations?upsert=name", &body),
        ] {
            let reply = send(&app, with_key(req, KEY)).await;
            assert_eq!(
                reply.only_error(422),
                ("idempotency_key_reused".into(), "Idempotency-Key".into()),
                "{name}"
            );
        }
        // Byte-identical: the same JSON spelled with other spacing is another body.
        let spaced = TestRequest::post()
            .uri("/organizations")
            .insert_header((header::CONTENT_TYPE, JSONAPI))
            .set_payload(serde_json::to_string_pretty(&body).unwrap());
        let reply = send(&app, with_key(spaced, KEY)).await;
        assert_eq!(reply.only_error(422).0, "idempotency_key_reused", "{name}");
    }
}

#[actix_web::test]
async fn keys_belong_to_the_caller_and_errors_replay_too() {
    let app = app().await;
    let member = principal(&app, "mia", "member").await;
    let body = new_org(json!({"name": "Acme"}));
    let admins = send(&app, with_key(post("/organizations", &body), "k-1")).await;
    assert_eq!(admins.status, StatusCode::CREATED);
    // Another caller's "k-1" is another key: the request runs (and meets the taken name).
    let members = send_as(
        &app,
        with_key(post("/organizations", &body), "k-1"),
        Some(&member.key),
    )
    .await;
    assert_eq!(members.only_error(422).0, "name_taken");
    assert_eq!(members.header("idempotency-replayed"), None);
    // That answer is kept too: the retry replays the 422 rather than running again.
    let again = send_as(
        &app,
        with_key(post("/organizations", &body), "k-1"),
        Some(&member.key),
    )
    .await;
    assert_eq!(again.only_error(422).0, "name_taken");
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    assert_eq!(again.body, members.body);
}

#[actix_web::test]
async fn every_post_takes_a_key() {
    let app = app().await;
    let source = create(&app, json!({"name": "Acme"})).await;
    let duplicate = format!("/organizations/{}/duplicate", source.id());
    let first = send(&app, with_key(post_empty(&duplicate), "dup")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = send(&app, with_key(post_empty(&duplicate), "dup")).await;
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    assert_eq!(again.body, first.body);

    let globex = || {
        operations(json!([{"op": "add", "data": {"type": "organizations",
            "attributes": {"name": "Globex"}}}]))
    };
    let first = send(&app, with_key(globex(), "ops")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let again = send(&app, with_key(globex(), "ops")).await;
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    assert_eq!(again.body, first.body);

    let user = json!({"data": {"type": "users", "attributes":
        {"name": "Una", "email": "una@example.com", "role": "member"}}});
    let first = send(&app, with_key(post("/users", &user), "user")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = send(&app, with_key(post("/users", &user), "user")).await;
    assert_eq!(again.body, first.body);

    // Copy, Globex, and Acme: each POST wrote once.
    let list = send(&app, get("/organizations")).await;
    assert_eq!(list.body["meta"]["total"], 3);
}

#[actix_web::test]
async fn a_malformed_key_or_one_on_api_keys_is_400_naming_the_header() {
    let app = app().await;
    let body = new_org(json!({"name": "Acme"}));
    let longest = "k".repeat(255);
    let reply = send(&app, with_key(post("/organizations", &body), &longest)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let quoted_longest = format!("\"{}\"", "q".repeat(255));
    let other = new_org(json!({"name": "Globex"}));
    let reply = send(
        &app,
        with_key(post("/organizations", &other), &quoted_longest),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

    let too_long = "k".repeat(256);
    let quoted_too_long = format!("\"{}\"", "q".repeat(256));
    for key in [
        too_long.as_str(),
        quoted_too_long.as_str(),
        "\"unclosed",
        "\"\"",
        "\"a\"b\"",
        "\"a\\nb\"",
    ] {
        let reply = send(&app, with_key(post("/organizations", &body), key)).await;
        assert_eq!(
            reply.only_error(400),
            ("invalid_header".into(), "Idempotency-Key".into()),
            "{key}"
        );
    }
    let twice = post("/organizations", &body)
        .append_header(("Idempotency-Key", "a"))
        .append_header(("Idempotency-Key", "b"));
    assert_eq!(send(&app, twice).await.only_error(400).0, "invalid_header");

    let admin_id = {
        let users = send(&app, get("/users")).await;
        users.body["data"][0]["id"].as_str().unwrap().to_owned()
    };
    let new_key = json!({"data": {"type": "api_keys", "attributes": {"name": "ci"},
        "relationships": {"user": {"data": {"type": "users", "id": admin_id}}}}});
    let reply = send(&app, with_key(post("/api_keys", &new_key), "key-1")).await;
    assert_eq!(
        reply.only_error(400),
        ("invalid_header".into(), "Idempotency-Key".into())
    );
    assert!(
        reply.body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("secret"),
        "{}",
        reply.body
    );
    let keys = send(&app, get("/api_keys")).await;
    assert_eq!(keys.body["meta"]["total"], 1, "no key was issued");

    // Other methods ignore the header.
    let id = create(&app, json!({"name": "Initech"})).await.id();
    let rename =
        json!({"data": {"type": "organizations", "id": id, "attributes": {"name": "Initrode"}}});
    let uri = format!("/organizations/{id}");
    let reply = send(&app, with_key(patch(&uri, &rename), &too_long)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}
