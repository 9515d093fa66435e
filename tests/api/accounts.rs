//! `/users` and `/api_keys` over HTTP.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::support::*;

fn user_doc(attributes: serde_json::Value) -> serde_json::Value {
    json!({"data": {"type": "users", "attributes": attributes}})
}

fn key_doc(user_id: &str) -> serde_json::Value {
    json!({"data": {"type": "api_keys", "attributes": {"name": "laptop"},
        "relationships": {"user": {"data": {"type": "users", "id": user_id}}}}})
}

#[actix_web::test]
async fn users_are_created_read_updated_and_deleted() {
    let app = app().await;
    let created = send(
        &app,
        post(
            "/users",
            &user_doc(json!({"name": "Grace", "email": "Grace@Test.example"})),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.id();
    let link = format!("http://localhost:8080/users/{id}");
    assert_eq!(created.header("location"), Some(link.as_str()));
    let a = created.attributes();
    assert_eq!(
        (a["name"].as_str(), a["email"].as_str(), a["role"].as_str()),
        (Some("Grace"), Some("Grace@Test.example"), Some("viewer"))
    );
    let twin = send(
        &app,
        post(
            "/users",
            &user_doc(json!({"name": "G2", "email": "grace@test.EXAMPLE"})),
        ),
    )
    .await;
    assert_eq!(
        twin.only_error(422),
        ("email_taken".into(), "/data/attributes/email".into())
    );
    let bad = send(
        &app,
        post(
            "/users",
            &user_doc(json!({"name": "", "email": "nope", "role": "god", "extra": 1})),
        ),
    )
    .await;
    let pointers: Vec<String> = bad
        .errors()
        .into_iter()
        .map(|(_, c, p)| format!("{c} {p}"))
        .collect();
    assert_eq!(
        pointers,
        [
            "blank /data/attributes/name",
            "invalid_format /data/attributes/email",
            "invalid_value /data/attributes/role",
            "unknown_attribute /data/attributes/extra"
        ]
    );
    let patched = send(
        &app,
        patch(
            &format!("/users/{id}"),
            &json!({"data": {"type": "users", "id": id, "attributes": {"role": "member"}}}),
        ),
    )
    .await;
    assert_eq!(patched.attributes()["role"], "member");
    let list = send(&app, get("/users?page[size]=1")).await;
    assert_eq!(list.body["meta"]["total"], 2);
    assert_eq!(
        send(&app, delete(&format!("/users/{id}"))).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(&app, get(&format!("/users/{id}")))
            .await
            .only_error(404)
            .0,
        "not_found"
    );
}

#[actix_web::test]
async fn the_last_admin_stays() {
    let app = app().await;
    let admins = send(&app, get("/users")).await;
    let id = admins.body["data"][0]["id"].as_str().unwrap().to_owned();
    let demote = json!({"data": {"type": "users", "id": id, "attributes": {"role": "viewer"}}});
    assert_eq!(
        send(&app, patch(&format!("/users/{id}"), &demote))
            .await
            .only_error(409)
            .0,
        "last_admin"
    );
    assert_eq!(
        send(&app, delete(&format!("/users/{id}")))
            .await
            .only_error(409)
            .0,
        "last_admin"
    );
}

#[actix_web::test]
async fn keys_show_their_secret_once_and_work() {
    let app = app().await;
    let user = send(
        &app,
        post(
            "/users",
            &user_doc(json!({"name": "Kim", "email": "kim@test.example", "role": "member"})),
        ),
    )
    .await
    .id();
    let created = send(&app, post("/api_keys", &key_doc(&user))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let secret = created.attributes()["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("ob_") && secret.len() == 67, "{secret}");
    assert_eq!(created.attributes()["prefix"], &secret[..15]);
    assert_eq!(
        created.body["data"]["relationships"]["user"]["data"],
        json!({"type": "users", "id": user})
    );
    let key_id = created.id();
    let fetched = send(&app, get(&format!("/api_keys/{key_id}"))).await;
    assert!(
        fetched.attributes().get("secret").is_none(),
        "the secret is shown once"
    );
    // The new key works, and its owner sees only their own keys.
    let own = send_as(&app, get("/api_keys"), Some(&secret)).await;
    assert_eq!(own.body["meta"]["total"], 1);
    assert_eq!(send(&app, get("/api_keys")).await.body["meta"]["total"], 2);
    let update = json!({"data": {"type": "api_keys", "id": key_id, "attributes": {"name": "x"}}});
    assert_eq!(
        send(&app, patch(&format!("/api_keys/{key_id}"), &update))
            .await
            .only_error(403)
            .0,
        "unsupported_update"
    );
}

#[actix_web::test]
async fn a_key_needs_an_existing_user() {
    let app = app().await;
    let missing = send(
        &app,
        post(
            "/api_keys",
            &key_doc("0190a0b0-0000-7000-8000-000000000000"),
        ),
    )
    .await;
    assert_eq!(missing.only_error(404).0, "not_found");
    let none = json!({"data": {"type": "api_keys", "attributes": {"name": "x"}}});
    assert_eq!(
        send(&app, post("/api_keys", &none)).await.only_error(422),
        ("required".into(), "/data/relationships".into())
    );
    let wrong = json!({"data": {"type": "api_keys", "relationships": {"user": {"data": {"type": "organizations", "id": "x"}}, "team": {}}}});
    let reply = send(&app, post("/api_keys", &wrong)).await;
    let errors: Vec<(String, String)> =
        reply.errors().into_iter().map(|(_, c, p)| (c, p)).collect();
    assert_eq!(
        errors,
        [
            (
                "unknown_relationship".to_owned(),
                "/data/relationships/team".to_owned()
            ),
            (
                "invalid_type".to_owned(),
                "/data/relationships/user".to_owned()
            ),
        ]
    );
    let with_id = json!({"data": {"type": "api_keys", "id": "0190a0b0-0000-7000-8000-000000000001",
        "relationships": {"user": {"data": {"type": "users", "id": "x"}}}}});
    assert_eq!(
        send(&app, post("/api_keys", &with_id))
            .await
            .only_error(403),
        ("client_id_unsupported".into(), "/data/id".into())
    );
}

#[actix_web::test]
async fn an_empty_include_adds_an_empty_included_everywhere() {
    let app = app().await;
    let admin = send(&app, get("/users")).await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        format!("/users/{admin}?include="),
        "/users?include=".to_owned(),
        "/api_keys?include=".to_owned(),
    ] {
        let reply = send(&app, get(&path)).await;
        assert_eq!(reply.body["included"], json!([]), "{path}");
    }
    assert!(
        send(&app, get("/users"))
            .await
            .body
            .get("included")
            .is_none()
    );
}
