//! The changes feed and conditional requests over HTTP: the documents `/changes` and an
//! organization's history answer, who may read which types, cursors and 410 after pruning,
//! ETags with 304 and 412, and one 200 and one 412 of two PATCHes racing with one `If-Match`,
//! on every backend.

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use orgbase_domain::Store;
use orgbase_store_memory::MemoryStore;
use serde_json::{Value, json};

use crate::support::*;

fn entries(reply: &Reply) -> Vec<(String, String, Value)> {
    reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["attributes"]["operation"].as_str().unwrap().to_owned(),
                c["attributes"]["resource_type"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                c["attributes"]["changes"].clone(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn the_feed_shows_each_write_and_a_deleted_organizations_history_stays() {
    let app = app().await;
    let start = send(&app, get("/changes")).await;
    assert_eq!(start.status, StatusCode::OK);
    let latest = start.body["meta"]["latest"]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = create(&app, json!({"name": "Acme", "city": "Oslo"}))
        .await
        .id();
    let org = format!("/organizations/{id}");
    let patched = send(
        &app,
        patch(
            &org,
            &json!({"data": {"type": "organizations", "id": id, "attributes": {"city": "Bergen"}}}),
        ),
    )
    .await;
    assert_eq!(patched.status, StatusCode::OK);
    assert_eq!(
        send(&app, delete(&org)).await.status,
        StatusCode::NO_CONTENT
    );

    let feed = send(&app, get(&format!("/changes?page[after]={latest}"))).await;
    assert_eq!(feed.status, StatusCode::OK);
    let rows = entries(&feed);
    assert_eq!(
        rows.iter()
            .map(|(op, kind, _)| (op.as_str(), kind.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("create", "organizations"),
            ("update", "organizations"),
            ("delete", "organizations"),
        ]
    );
    assert_eq!(rows[1].2, json!({"city": {"from": "Oslo", "to": "Bergen"}}));
    assert_eq!(rows[2].2, json!({}));
    let update = &feed.body["data"][1];
    let sequence = update["attributes"]["sequence"].as_u64().unwrap();
    assert_eq!(update["id"], sequence.to_string());
    assert_eq!(update["type"], "changes");
    assert_eq!(update["attributes"]["resource_id"], id.as_str());
    // The test admin is the only user: the one whose key wrote.
    let admin_id = send(&app, get("/users")).await.body["data"][0]["id"].clone();
    assert_eq!(update["relationships"]["actor"]["data"]["id"], admin_id);
    assert_eq!(update["relationships"]["actor"]["data"]["type"], "users");
    assert!(update["meta"]["page"]["cursor"].is_string());
    assert_eq!(
        feed.header("content-type"),
        Some(cursor_media_type().as_str())
    );

    // The history outlives the organization.
    let history = send(&app, get(&format!("{org}/changes"))).await;
    assert_eq!(history.status, StatusCode::OK);
    assert_eq!(entries(&history).len(), 3);
    assert_eq!(history.body["meta"]["total"], 3);
    let deletes = send(
        &app,
        get("/changes?filter[operation]=delete&filter[resource_type]=organizations"),
    )
    .await;
    assert_eq!(entries(&deletes).len(), 1);
    let from_the_end = send(
        &app,
        get(&format!(
            "/changes?page[after]={}",
            feed.body["meta"]["latest"]["cursor"].as_str().unwrap()
        )),
    )
    .await;
    assert_eq!(entries(&from_the_end), vec![], "nothing after the latest");
    assert_eq!(from_the_end.body["links"]["next"], Value::Null);
}

#[actix_web::test]
async fn readers_see_organizations_and_fields_only_admins_users_and_keys() {
    let app = app().await;
    let viewer = principal(&app, "vera", "viewer").await;
    create(&app, json!({"name": "Acme"})).await;
    let theirs = send_as(&app, get("/changes?page[size]=100"), Some(&viewer.key)).await;
    assert_eq!(theirs.status, StatusCode::OK);
    let kinds: Vec<String> = entries(&theirs).into_iter().map(|(_, k, _)| k).collect();
    assert_eq!(kinds, vec!["organizations".to_owned()]);
    let all = send(&app, get("/changes?page[size]=100")).await;
    let kinds: Vec<String> = entries(&all).into_iter().map(|(_, k, _)| k).collect();
    assert!(kinds.contains(&"users".to_owned()) && kinds.contains(&"api_keys".to_owned()));
    assert!(
        !all.body.to_string().contains("secret_hash")
            && !all.body.to_string().contains(&viewer.key),
        "no secret in the feed"
    );
    assert_eq!(
        send_as(
            &app,
            get("/changes?filter[resource_type]=users"),
            Some(&viewer.key)
        )
        .await
        .only_error(403),
        ("forbidden".into(), "filter[resource_type]".into())
    );
}

#[actix_web::test]
async fn bad_feed_parameters_are_400_naming_the_parameter() {
    let app = app().await;
    for (uri, parameter) in [
        ("/changes?sort=-sequence", "sort"),
        ("/changes?filter[operation]=merge", "filter[operation]"),
        (
            "/changes?filter[resource_type]=people",
            "filter[resource_type]",
        ),
        (
            "/changes?filter[changed_at][gte]=yesterday",
            "filter[changed_at][gte]",
        ),
        ("/changes?filter[name]=x", "filter[name]"),
        ("/changes?page[after]=nonsense", "page[after]"),
    ] {
        let reply = send(&app, get(uri)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(reply.errors()[0].2, parameter, "{uri}");
    }
    let id = create(&app, json!({"name": "Acme"})).await.id();
    let reply = send(
        &app,
        get(&format!(
            "/organizations/{id}/changes?filter[resource_type]=users"
        )),
    )
    .await;
    assert_eq!(
        reply.only_error(400),
        ("unknown_parameter".into(), "filter[resource_type]".into())
    );
}

#[actix_web::test]
async fn a_cursor_before_pruned_changes_is_410() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let app = app_on(Arc::clone(&store)).await;
    let first = send(
        &app,
        get("/changes?page[size]=1").insert_header((header::ACCEPT, cursor_media_type())),
    )
    .await;
    let cursor = first.body["data"][0]["meta"]["page"]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    create(&app, json!({"name": "A"})).await;
    create(&app, json!({"name": "B"})).await;
    store
        .prune_changes(orgbase_domain::time::now() + chrono::Duration::days(1), 2)
        .unwrap();
    let reply = send(&app, get(&format!("/changes?page[after]={cursor}"))).await;
    assert_eq!(reply.only_error(410).0, "changes_pruned");
}

#[actix_web::test]
async fn etags_answer_304_and_if_match_412_for_every_single_resource() {
    let app = app().await;
    let created = create(&app, json!({"name": "Acme"})).await;
    let id = created.id();
    let org = format!("/organizations/{id}");
    let etag = created.header("etag").unwrap().to_owned();
    let fetched = send(&app, get(&org)).await;
    assert_eq!(
        fetched.header("etag"),
        Some(etag.as_str()),
        "the 201's tag is the GET's"
    );
    let unchanged = send(
        &app,
        get(&org).insert_header((header::IF_NONE_MATCH, etag.as_str())),
    )
    .await;
    assert_eq!(
        (unchanged.status, &unchanged.body),
        (StatusCode::NOT_MODIFIED, &Value::Null)
    );
    assert_eq!(unchanged.header("etag"), Some(etag.as_str()));
    let sparse = send(&app, get(&format!("{org}?fields[organizations]=name"))).await;
    assert_ne!(
        sparse.header("etag"),
        Some(etag.as_str()),
        "another representation"
    );

    let body = |city: &str| json!({"data": {"type": "organizations", "id": id, "attributes": {"city": city}}});
    // A sparse representation's tag names the same version: If-Match takes it.
    let sparse_tag = sparse.header("etag").unwrap().to_owned();
    let written = send(
        &app,
        patch(&org, &body("Oslo")).insert_header((header::IF_MATCH, sparse_tag.as_str())),
    )
    .await;
    assert_eq!(written.status, StatusCode::OK);
    let new_tag = written.header("etag").unwrap().to_owned();
    assert_ne!(new_tag, etag);
    let stale = send(
        &app,
        patch(&org, &body("Bergen")).insert_header((header::IF_MATCH, etag.as_str())),
    )
    .await;
    let error = &stale.body["errors"][0];
    assert_eq!(
        (
            stale.status,
            error["code"].as_str(),
            error["source"]["header"].as_str()
        ),
        (
            StatusCode::PRECONDITION_FAILED,
            Some("precondition_failed"),
            Some("If-Match")
        )
    );
    assert_eq!(
        send(&app, get(&org)).await.attributes()["city"],
        "Oslo",
        "nothing written"
    );
    let changed = send(
        &app,
        get(&org).insert_header((header::IF_NONE_MATCH, etag.as_str())),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(
        send(
            &app,
            delete(&org).insert_header((header::IF_MATCH, etag.as_str()))
        )
        .await
        .status,
        StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(
        send(
            &app,
            post_empty(&format!("{org}/duplicate"))
                .insert_header((header::IF_MATCH, etag.as_str()))
        )
        .await
        .status,
        StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(
        send(&app, delete(&org).insert_header((header::IF_MATCH, "*")))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(&app, delete(&org).insert_header((header::IF_MATCH, "*")))
            .await
            .status,
        StatusCode::PRECONDITION_FAILED,
        "If-Match on a resource that is gone fails"
    );

    // Users, custom fields and keys carry tags too.
    let user = send(&app, post("/users", &json!({"data": {"type": "users", "attributes": {"name": "Bo", "email": "bo@test.example"}}}))).await;
    let user_tag = user.header("etag").unwrap().to_owned();
    let user_path = format!("/users/{}", user.id());
    assert_eq!(
        send(
            &app,
            get(&user_path).insert_header((header::IF_NONE_MATCH, user_tag.as_str()))
        )
        .await
        .status,
        StatusCode::NOT_MODIFIED
    );
    let rename = json!({"data": {"type": "users", "id": user.id(), "attributes": {"name": "Bob"}}});
    assert_eq!(
        send(
            &app,
            patch(&user_path, &rename).insert_header((header::IF_MATCH, "\"1\""))
        )
        .await
        .status,
        StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(
        send(
            &app,
            patch(&user_path, &rename).insert_header((header::IF_MATCH, user_tag.as_str()))
        )
        .await
        .status,
        StatusCode::OK
    );
    let field = send(&app, post("/custom_fields", &json!({"data": {"type": "custom_fields", "attributes": {"identifier": "c_tier", "name": "Tier", "format": "text"}}}))).await;
    assert!(field.header("etag").is_some());
    let (key_id, _) = issue_key(&app, &user.id()).await;
    let key = send(&app, get(&format!("/api_keys/{key_id}"))).await;
    assert_eq!(
        send(
            &app,
            delete(&format!("/api_keys/{key_id}")).insert_header((header::IF_MATCH, "\"999999\""))
        )
        .await
        .status,
        StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(
        send(
            &app,
            delete(&format!("/api_keys/{key_id}"))
                .insert_header((header::IF_MATCH, key.header("etag").unwrap()))
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
}

#[actix_web::test]
async fn two_patches_racing_with_one_if_match_give_one_200_and_one_412_on_every_backend() {
    let mut stores: Vec<(&str, Arc<dyn Store>, Option<SqlStore>)> =
        vec![("memory", Arc::new(MemoryStore::new()), None)];
    for sql in sql_stores() {
        stores.push((sql.name, Arc::clone(&sql.store), Some(sql)));
    }
    for (backend, store, _keep) in stores {
        let app = app_on(store).await;
        for round in 0..5 {
            let created = create(&app, json!({"name": format!("Race {round}")})).await;
            let (id, etag) = (created.id(), created.header("etag").unwrap().to_owned());
            let org = format!("/organizations/{id}");
            let body = |city: &str| json!({"data": {"type": "organizations", "id": id, "attributes": {"city": city}}});
            let (a, b) = futures_util::future::join(
                send(
                    &app,
                    patch(&org, &body("A")).insert_header((header::IF_MATCH, etag.as_str())),
                ),
                send(
                    &app,
                    patch(&org, &body("B")).insert_header((header::IF_MATCH, etag.as_str())),
                ),
            )
            .await;
            let mut statuses = vec![a.status.as_u16(), b.status.as_u16()];
            statuses.sort_unstable();
            assert_eq!(statuses, vec![200, 412], "{backend}, round {round}");
            let winner = if a.status == StatusCode::OK { "A" } else { "B" };
            assert_eq!(
                send(&app, get(&org)).await.attributes()["city"],
                winner,
                "{backend}"
            );
            let history = send(&app, get(&format!("{org}/changes"))).await;
            assert_eq!(
                entries(&history).len(),
                2,
                "{backend}: one create, one update"
            );
        }
    }
}
