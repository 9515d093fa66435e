//! owner, creator and updater: linkage, endpoints, round trips and the owner's lifecycle.

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

fn linkage(reply: &Reply, name: &str) -> Value {
    reply.body["data"]["relationships"][name]["data"].clone()
}

#[actix_web::test]
async fn the_caller_creates_owns_and_updates() {
    let app = app().await;
    let Principal {
        id: kim,
        key: kim_key,
    } = principal(&app, "kim", "member").await;
    let created = send_as(
        &app,
        post("/organizations", &new_org(json!({"name": "Kim's"}))),
        Some(&kim_key),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    for name in ["owner", "creator", "updater"] {
        assert_eq!(
            linkage(&created, name),
            json!({"type": "users", "id": kim}),
            "{name}"
        );
    }
    let id = created.id();
    let patched = send(
        &app,
        patch(
            &format!("/organizations/{id}"),
            &json!({"data": {"type": "organizations", "id": id, "attributes": {"city": "Gent"}}}),
        ),
    )
    .await;
    let admin = send(&app, get("/users")).await.body["data"][0]["id"].clone();
    assert_eq!(
        linkage(&patched, "updater"),
        json!({"type": "users", "id": admin})
    );
    assert_eq!(
        linkage(&patched, "owner"),
        json!({"type": "users", "id": kim}),
        "the owner stays"
    );
}

#[actix_web::test]
async fn the_owner_is_set_by_relationship_or_alias_and_must_exist() {
    let app = app().await;
    let Principal { id: lee, key: _ } = principal(&app, "lee", "viewer").await;
    let by_relationship = json!({"data": {"type": "organizations", "attributes": {"name": "A"},
        "relationships": {"owner": {"data": {"type": "users", "id": lee}}}}});
    assert_eq!(
        linkage(
            &send(&app, post("/organizations", &by_relationship)).await,
            "owner"
        )["id"],
        lee.as_str()
    );
    let by_alias = new_org(json!({"name": "B", "owner_id": lee}));
    let reply = send(&app, post("/organizations", &by_alias)).await;
    assert_eq!(linkage(&reply, "owner")["id"], lee.as_str());
    assert!(
        reply.attributes().get("owner_id").is_none(),
        "the alias never appears in responses"
    );
    let nobody = json!({"data": {"type": "organizations", "attributes": {"name": "C"},
        "relationships": {"owner": {"data": {"type": "users", "id": "0190a0b0-0000-7000-8000-000000000000"}}}}});
    assert_eq!(
        send(&app, post("/organizations", &nobody))
            .await
            .only_error(404)
            .0,
        "not_found"
    );
    let wrong_type = json!({"data": {"type": "organizations", "attributes": {"name": "D"},
        "relationships": {"owner": {"data": {"type": "organizations", "id": lee}}}}});
    assert_eq!(
        send(&app, post("/organizations", &wrong_type))
            .await
            .only_error(409),
        (
            "type_mismatch".into(),
            "/data/relationships/owner/data/type".into()
        )
    );
    let unowned = json!({"data": {"type": "organizations", "attributes": {"name": "E"}, "relationships": {"owner": {"data": null}}}});
    assert_eq!(
        linkage(&send(&app, post("/organizations", &unowned)).await, "owner"),
        Value::Null
    );
    let filtered = send(&app, get(&format!("/organizations?filter[owner]={lee}"))).await;
    assert_eq!(filtered.names(), ["A", "B"]);
    assert_eq!(
        send(&app, get("/organizations?filter[owner][null]=true"))
            .await
            .names(),
        ["E"]
    );
}

#[actix_web::test]
async fn relationship_endpoints_read_and_change_the_owner() {
    let app = app().await;
    let Principal { id: lee, key: _ } = principal(&app, "lee", "viewer").await;
    let id = create(&app, json!({"name": "Target"})).await.id();
    let base = format!("http://localhost:8080/organizations/{id}");
    let reply = send(
        &app,
        get(&format!("/organizations/{id}/relationships/owner")),
    )
    .await;
    assert_eq!(
        reply.body["links"],
        json!({"self": format!("{base}/relationships/owner"), "related": format!("{base}/owner")})
    );
    assert_eq!(reply.body["data"]["type"], "users");
    let change = json!({"data": {"type": "users", "id": lee}});
    let reply = send(
        &app,
        patch(&format!("/organizations/{id}/relationships/owner"), &change),
    )
    .await;
    assert_eq!(
        (reply.status, &reply.body),
        (StatusCode::NO_CONTENT, &Value::Null)
    );
    let owner = send(&app, get(&format!("/organizations/{id}/owner"))).await;
    assert_eq!(
        (
            owner.body["data"]["id"].as_str(),
            owner.body["data"]["attributes"]["name"].as_str()
        ),
        (Some(lee.as_str()), Some("lee"))
    );
    let clear = json!({"data": null});
    assert_eq!(
        send(
            &app,
            patch(&format!("/organizations/{id}/relationships/owner"), &clear)
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(&app, get(&format!("/organizations/{id}/owner")))
            .await
            .body["data"],
        Value::Null
    );
    for name in ["creator", "updater"] {
        let reply = send(
            &app,
            patch(
                &format!("/organizations/{id}/relationships/{name}"),
                &change,
            ),
        )
        .await;
        assert_eq!(reply.only_error(403).0, "unsupported_update", "{name}");
    }
}

#[actix_web::test]
async fn server_set_relationships_round_trip_unchanged_only() {
    let app = app().await;
    let Principal { id: lee, key: _ } = principal(&app, "lee", "viewer").await;
    let created = create(&app, json!({"name": "Round"})).await;
    let id = created.id();
    let mut whole = created.body["data"].clone();
    whole["attributes"]["city"] = json!("Namur");
    let reply = send(
        &app,
        patch(
            &format!("/organizations/{id}"),
            &json!({"data": whole.clone()}),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    whole["relationships"]["creator"]["data"]["id"] = json!(lee);
    let reply = send(
        &app,
        patch(&format!("/organizations/{id}"), &json!({"data": whole})),
    )
    .await;
    assert_eq!(reply.only_error(403).0, "unsupported_update");
}

#[actix_web::test]
async fn deleting_an_owner_needs_an_heir() {
    let app = app().await;
    let Principal {
        id: kim,
        key: kim_key,
    } = principal(&app, "kim", "member").await;
    let Principal { id: lee, key: _ } = principal(&app, "lee", "member").await;
    let org = send_as(
        &app,
        post("/organizations", &new_org(json!({"name": "Kim's"}))),
        Some(&kim_key),
    )
    .await
    .id();
    assert_eq!(
        send(&app, delete(&format!("/users/{kim}")))
            .await
            .only_error(409)
            .0,
        "owns_organizations"
    );
    assert_eq!(
        send(&app, delete(&format!("/users/{kim}?reassign_to=nope")))
            .await
            .only_error(400),
        ("invalid_parameter".into(), "reassign_to".into())
    );
    assert_eq!(
        send(&app, delete(&format!("/users/{kim}?reassign_to={lee}")))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let after = send(&app, get(&format!("/organizations/{org}"))).await;
    assert_eq!(linkage(&after, "owner")["id"], lee.as_str());
    assert_eq!(
        linkage(&after, "creator"),
        Value::Null,
        "a deleted creator is forgotten"
    );
}

#[actix_web::test]
async fn include_adds_each_related_user_once() {
    let app = app().await;
    let Principal {
        id: kim,
        key: kim_key,
    } = principal(&app, "kim", "member").await;
    for name in ["One", "Two"] {
        send_as(
            &app,
            post("/organizations", &new_org(json!({"name": name}))),
            Some(&kim_key),
        )
        .await;
    }
    let reply = send(
        &app,
        get("/organizations?include=owner,creator&fields[users]=name"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body["included"],
        json!([{"type": "users", "id": kim, "attributes": {"name": "kim"},
                "links": {"self": format!("http://localhost:8080/users/{kim}")}}]),
        "one user, once, with the users fieldset"
    );
    let one = reply.body["data"][0]["id"].as_str().unwrap().to_owned();
    let admin = send(&app, get("/users")).await.body["data"][0]["id"].clone();
    send(
        &app,
        patch(
            &format!("/organizations/{one}"),
            &json!({"data": {"type": "organizations", "id": one, "attributes": {"city": "Gent"}}}),
        ),
    )
    .await;
    let single = send(
        &app,
        get(&format!("/organizations/{one}?include=updater,owner")),
    )
    .await;
    let ids: Vec<Value> = single.body["included"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].clone())
        .collect();
    assert_eq!(ids, vec![admin, json!(kim)], "in order of first mention");
    for (query, parameter) in [
        ("include=nope", "include"),
        ("include=owner.api_keys", "include"),
    ] {
        let reply = send(&app, get(&format!("/organizations?{query}"))).await;
        assert_eq!(
            reply.only_error(400),
            ("invalid_parameter".into(), parameter.into()),
            "{query}"
        );
    }
    assert_eq!(
        send(&app, get("/users?include=owner"))
            .await
            .only_error(400)
            .1,
        "include"
    );
    let none = send(
        &app,
        get("/organizations?include=owner&filter[name]=nobody"),
    )
    .await;
    assert_eq!(none.body["included"], json!([]));
}

/// The same relationship behaviour through HTTP on the SQL backends, where owners are
/// foreign keys and include is one SQL query.
#[actix_web::test]
async fn relationships_and_include_on_the_sql_backends() {
    for sql in sql_stores() {
        let app = app_on(sql.store.clone()).await;
        let name = sql.name;
        let Principal {
            id: kim,
            key: kim_key,
        } = principal(&app, "kim", "member").await;
        let lee = principal(&app, "lee", "member").await.id;
        let org = send_as(
            &app,
            post("/organizations", &new_org(json!({"name": "Kim's"}))),
            Some(&kim_key),
        )
        .await;
        assert_eq!(linkage(&org, "owner")["id"], kim.as_str(), "{name}");
        let id = org.id();
        let ghost =
            json!({"data": {"type": "users", "id": "0190a0b0-0000-7000-8000-000000000000"}});
        let reply = send(
            &app,
            patch(&format!("/organizations/{id}/relationships/owner"), &ghost),
        )
        .await;
        assert_eq!(
            reply.only_error(404).0,
            "not_found",
            "{name}: a missing owner is the foreign key's 404"
        );
        let listed = send(
            &app,
            get(&format!(
                "/organizations?include=owner,creator&filter[owner]={kim}"
            )),
        )
        .await;
        assert_eq!(listed.names(), ["Kim's"], "{name}");
        let included: Vec<&Value> = listed.body["included"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| &u["id"])
            .collect();
        assert_eq!(
            included,
            [&json!(kim)],
            "{name}: kim once, as owner and creator"
        );
        assert_eq!(
            send(&app, delete(&format!("/users/{kim}")))
                .await
                .only_error(409)
                .0,
            "owns_organizations",
            "{name}"
        );
        assert_eq!(
            send(&app, delete(&format!("/users/{kim}?reassign_to={lee}")))
                .await
                .status,
            StatusCode::NO_CONTENT,
            "{name}"
        );
        let after = send(&app, get(&format!("/organizations/{id}"))).await;
        assert_eq!(
            (
                linkage(&after, "owner")["id"].as_str(),
                linkage(&after, "creator")
            ),
            (Some(lee.as_str()), Value::Null),
            "{name}"
        );
    }
}
