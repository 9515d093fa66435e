//! Organizations CRUD over HTTP: exact statuses, documents, pointers and codes.

use std::sync::Arc;

use actix_web::http::StatusCode;
use futures_util::future::join_all;
use orgbase_domain::{ArchivedFilter, ListQuery, Store};
use orgbase_store_diesel::{DatabaseTarget, DieselStore, PoolOptions};
use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn create_answers_201_with_location_and_the_whole_document() {
    let app = app().await;
    let reply = create(
        &app,
        json!({
            "name": "  Prospect.io  ",
            "organization_type": "customer",
            "website": "https://prospect.io",
            "email": "contact@prospect.io",
            "phone": "+32-481-754-301",
            "country": "Belgium",
            "state": "Walloon Brabant",
            "city": "Wavre",
            "address": "Wavre",
            "industry": "Software",
            "company_size": 42,
            "domains": ["Prospect.IO", "prospect.be"],
            "lists": ["Belgium", "IT"],
            "metadata": {"source": "fair"},
            "created_from": "extension",
            "created_at": "2015-08-15T16:48:46+02:00",
            "updated_at": "2016-11-25T12:40:46+01:00",
        }),
    )
    .await;
    let id = reply.id();
    let self_link = format!("http://localhost:8080/organizations/{id}");
    assert_eq!(reply.header("location"), Some(self_link.as_str()));
    // The caller (the test admin) owns, created and last updated it.
    let admin = send(&app, get("/users")).await.body["data"][0]["id"].clone();
    let relationship = |name: &str| {
        json!({
            "links": {"self": format!("{self_link}/relationships/{name}"), "related": format!("{self_link}/{name}")},
            "data": {"type": "users", "id": admin},
        })
    };
    assert_eq!(
        reply.body,
        json!({
            "jsonapi": {"version": "1.1"},
            "data": {
                "type": "organizations",
                "id": id,
                "attributes": {
                    "name": "Prospect.io",
                    "organization_type": "customer",
                    "status": "active",
                    "description": null,
                    "website": "https://prospect.io",
                    "email": "contact@prospect.io",
                    "phone": "+32-481-754-301",
                    "address": "Wavre",
                    "city": "Wavre",
                    "state": "Walloon Brabant",
                    "country": "Belgium",
                    "industry": "Software",
                    "company_size": 42,
                    "domains": ["prospect.io", "prospect.be"],
                    "lists": ["Belgium", "IT"],
                    "metadata": {"source": "fair"},
                    "slug": "prospect-io",
                    "created_from": "extension",
                    "last_contact_at": null,
                    "archived_at": null,
                    "created_at": "2015-08-15T14:48:46Z",
                    "updated_at": "2016-11-25T11:40:46Z",
                },
                "relationships": {
                    "owner": relationship("owner"),
                    "creator": relationship("creator"),
                    "updater": relationship("updater"),
                    // To-many: links only, linkage at their own endpoints.
                    "members": {"links": {
                        "self": format!("{self_link}/relationships/members"),
                        "related": format!("{self_link}/members"),
                    }},
                    "memberships": {"links": {"related": format!("{self_link}/memberships")}},
                    "tasks": {"links": {"related": format!("{self_link}/tasks")}},
                    "projects": {"links": {"related": format!("{self_link}/projects")}},
                    "documents": {"links": {"related": format!("{self_link}/documents")}},
                },
                "links": {"self": self_link},
            },
            "links": {"self": self_link},
        })
    );
    let fetched = send(&app, get(&format!("/organizations/{id}"))).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.body["data"], reply.body["data"]);
}

#[actix_web::test]
async fn defaults_fill_what_the_client_left_out() {
    let app = app().await;
    let reply = create(&app, json!({"name": "Bare"})).await;
    let a = reply.attributes();
    assert_eq!(a["status"], "active");
    assert_eq!(a["created_from"], "api");
    assert_eq!(a["domains"], json!([]));
    assert_eq!(a["lists"], json!([]));
    assert_eq!(a["slug"], "bare");
    assert_eq!(a["created_at"], a["updated_at"]);
    assert!(uuid_v7(&reply.id()), "{}", reply.id());
}

fn uuid_v7(id: &str) -> bool {
    id.len() == 36 && id.as_bytes()[14] == b'7'
}

#[actix_web::test]
async fn get_of_a_missing_or_malformed_id_is_404() {
    let app = app().await;
    let missing = send(
        &app,
        get("/organizations/0190a0b0-0000-7000-8000-000000000000"),
    )
    .await;
    assert_eq!(missing.only_error(404).0, "not_found");
    let malformed = send(&app, get("/organizations/not-a-uuid")).await;
    assert_eq!(malformed.only_error(404).0, "not_found");
}

#[actix_web::test]
async fn patch_changes_only_the_members_given_and_null_clears() {
    let app = app().await;
    let created = create(
        &app,
        json!({"name": "Acme", "city": "Gent", "website": "https://acme.example", "lists": ["A"]}),
    )
    .await;
    let id = created.id();
    let reply = send(
        &app,
        patch(
            &format!("/organizations/{id}"),
            &json!({"data": {"type": "organizations", "id": id, "attributes": {"website": null, "country": "Belgium"}}}),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let (before, after) = (created.attributes(), reply.attributes());
    assert_eq!(after["website"], json!(null));
    assert_eq!(after["country"], "Belgium");
    for unchanged in [
        "name",
        "city",
        "lists",
        "slug",
        "created_at",
        "created_from",
    ] {
        assert_eq!(after[unchanged], before[unchanged], "{unchanged}");
    }
    assert!(
        after["updated_at"].as_str() > before["updated_at"].as_str(),
        "a change moves updated_at"
    );
    let stored = send(&app, get(&format!("/organizations/{id}"))).await;
    assert_eq!(stored.body["data"], reply.body["data"]);
}

#[actix_web::test]
async fn read_only_attributes_round_trip_but_cannot_change() {
    let app = app().await;
    let created = create(&app, json!({"name": "Round Trip"})).await;
    let id = created.id();
    let unchanged = send(
        &app,
        patch(
            &format!("/organizations/{id}"),
            &json!({"data": created.body["data"]}),
        ),
    )
    .await;
    assert_eq!(unchanged.status, StatusCode::OK, "{}", unchanged.body);
    assert_eq!(
        unchanged.body["data"], created.body["data"],
        "sending back what was read changes nothing, updated_at included"
    );
    let mut whole = created.body["data"].clone();
    whole["attributes"]["city"] = json!("Liège");
    let reply = send(
        &app,
        patch(&format!("/organizations/{id}"), &json!({"data": whole})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.attributes()["city"], "Liège");

    let reply = send(
        &app,
        patch(
            &format!("/organizations/{id}"),
            &json!({"data": {"type": "organizations", "id": id, "attributes": {
                "created_at": "2001-01-01T00:00:00Z", "created_from": "import", "city": "Namur"}}}),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.errors(),
        vec![
            (
                "422".into(),
                "read_only".into(),
                "/data/attributes/created_from".into()
            ),
            (
                "422".into(),
                "read_only".into(),
                "/data/attributes/created_at".into()
            ),
        ]
    );
    let stored = send(&app, get(&format!("/organizations/{id}"))).await;
    assert_eq!(
        stored.attributes()["city"],
        "Liège",
        "a refused patch changes nothing"
    );
}

#[actix_web::test]
async fn delete_answers_204_then_the_organization_is_gone() {
    let app = app().await;
    let id = create(&app, json!({"name": "Doomed"})).await.id();
    let reply = send(&app, delete(&format!("/organizations/{id}"))).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.body, json!(null));
    assert_eq!(
        send(&app, get(&format!("/organizations/{id}")))
            .await
            .only_error(404)
            .0,
        "not_found"
    );
    assert_eq!(
        send(&app, delete(&format!("/organizations/{id}")))
            .await
            .only_error(404)
            .0,
        "not_found"
    );
}

#[actix_web::test]
async fn client_generated_ids_are_honoured_checked_and_unique() {
    let app = app().await;
    let id = "0190a0b0-1111-7222-8333-444455556666";
    let body = json!({"data": {"type": "organizations", "id": id, "attributes": {"name": "Mine"}}});
    let reply = send(&app, post("/organizations", &body)).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.id(), id);

    let again =
        json!({"data": {"type": "organizations", "id": id, "attributes": {"name": "Other"}}});
    assert_eq!(
        send(&app, post("/organizations", &again))
            .await
            .only_error(409),
        ("id_taken".into(), "/data/id".into())
    );
    let bad =
        json!({"data": {"type": "organizations", "id": "42", "attributes": {"name": "Numeric"}}});
    assert_eq!(
        send(&app, post("/organizations", &bad))
            .await
            .only_error(403),
        ("client_id_unsupported".into(), "/data/id".into())
    );
}

#[actix_web::test]
async fn a_taken_name_is_422_unless_return_existing() {
    let app = app().await;
    let original = create(&app, json!({"name": "Acme", "city": "Gent"})).await;
    let twin = new_org(json!({"name": "  ACME ", "city": "Brussels"}));
    let reply = send(&app, post("/organizations", &twin)).await;
    assert_eq!(
        reply.only_error(422),
        ("name_taken".into(), "/data/attributes/name".into())
    );

    let reply = send(&app, post("/organizations?return_existing=true", &twin)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body["data"], original.body["data"],
        "returned unchanged"
    );
    assert_eq!(reply.header("location"), None);

    let reply = send(&app, post("/organizations?return_existing=false", &twin)).await;
    assert_eq!(reply.only_error(422).0, "name_taken");
    let reply = send(&app, post("/organizations?return_existing=yes", &twin)).await;
    assert_eq!(
        reply.only_error(400),
        ("invalid_parameter".into(), "return_existing".into())
    );
    let list = send(&app, get("/organizations")).await;
    assert_eq!(list.body["meta"]["total"], 1);
}

#[actix_web::test]
async fn renaming_onto_a_taken_name_or_slug_is_422() {
    let app = app().await;
    create(&app, json!({"name": "Taken"})).await;
    let id = create(&app, json!({"name": "Free"})).await.id();
    for (attributes, code, pointer) in [
        (
            json!({"name": "taken"}),
            "name_taken",
            "/data/attributes/name",
        ),
        (
            json!({"slug": "taken"}),
            "slug_taken",
            "/data/attributes/slug",
        ),
    ] {
        let body = json!({"data": {"type": "organizations", "id": id, "attributes": attributes}});
        let reply = send(&app, patch(&format!("/organizations/{id}"), &body)).await;
        assert_eq!(reply.only_error(422), (code.into(), pointer.into()));
    }
}

#[actix_web::test]
async fn duplicate_makes_numbered_copies() {
    let app = app().await;
    let source = create(&app, json!({"name": "Acme", "lists": ["VIP"], "domains": ["acme.example"], "metadata": {"k": 1}})).await;
    let id = source.id();
    let first = send(&app, post_empty(&format!("/organizations/{id}/duplicate"))).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.attributes()["name"], "Acme (copy)");
    assert_eq!(first.attributes()["slug"], "acme-copy");
    let location = format!("http://localhost:8080/organizations/{}", first.id());
    assert_eq!(first.header("location"), Some(location.as_str()));
    for copied in ["lists", "domains", "metadata", "status"] {
        assert_eq!(
            first.attributes()[copied],
            source.attributes()[copied],
            "{copied}"
        );
    }
    let second = send(&app, post_empty(&format!("/organizations/{id}/duplicate"))).await;
    assert_eq!(second.attributes()["name"], "Acme (copy 2)");
    let missing = send(
        &app,
        post_empty("/organizations/0190a0b0-0000-7000-8000-000000000000/duplicate"),
    )
    .await;
    assert_eq!(missing.only_error(404).0, "not_found");
}

#[actix_web::test]
async fn archived_organizations_leave_lists_but_not_the_store() {
    let app = app().await;
    let id = create(
        &app,
        json!({"name": "Old", "archived_at": "2025-01-01T00:00:00Z"}),
    )
    .await
    .id();
    create(&app, json!({"name": "Current"})).await;
    assert_eq!(send(&app, get("/organizations")).await.names(), ["Current"]);
    assert_eq!(
        send(&app, get("/organizations?filter[archived]=true"))
            .await
            .names(),
        ["Old"]
    );
    assert_eq!(
        send(&app, get("/organizations?filter[archived]=any"))
            .await
            .names(),
        ["Old", "Current"]
    );
    let fetched = send(&app, get(&format!("/organizations/{id}"))).await;
    assert_eq!(fetched.attributes()["archived_at"], "2025-01-01T00:00:00Z");
    // Restoring is writing null.
    let body =
        json!({"data": {"type": "organizations", "id": id, "attributes": {"archived_at": null}}});
    send(&app, patch(&format!("/organizations/{id}"), &body)).await;
    assert_eq!(
        send(&app, get("/organizations")).await.names(),
        ["Old", "Current"]
    );
}

#[actix_web::test]
async fn sixteen_simultaneous_creates_of_one_name_make_one_row_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        DieselStore::open(
            DatabaseTarget::Sqlite(dir.path().join("race.db")),
            &PoolOptions::default(),
        )
        .unwrap(),
    );
    store.run_migrations().unwrap();
    let app = app_on(store.clone()).await;
    let body = new_org(json!({"name": "Race Inc"}));
    let replies = join_all((0..16).map(|_| send(&app, post("/organizations", &body)))).await;
    let mut statuses: Vec<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses, [vec![201], vec![422; 15]].concat());
    let all = ListQuery {
        archived: ArchivedFilter::Any,
        ..ListQuery::default()
    };
    assert_eq!(store.list_organizations(&all).unwrap().total, Some(1));

    let replies = join_all((0..16).map(|_| {
        send(
            &app,
            post(
                "/organizations?return_existing=true",
                &new_org(json!({"name": "Second Race"})),
            ),
        )
    }))
    .await;
    let created = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let ids: std::collections::BTreeSet<String> = replies.iter().map(Reply::id).collect();
    assert_eq!((created, ids.len()), (1, 1));
    assert_eq!(store.list_organizations(&all).unwrap().total, Some(2));
}
