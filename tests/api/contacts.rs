//! Contacts over HTTP: exact documents, validation pointers, the unique e-mail address,
//! owners and their relationship endpoints, lists by number and by cursor on every backend,
//! ETags, roles and the change log.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header;
use serde_json::{Value, json};

use crate::cursors::{walk, walk_back};
use crate::support::*;

const ORIGIN: &str = "http://localhost:8080";

pub(crate) fn new_contact(attributes: Value) -> Value {
    json!({"data": {"type": "contacts", "attributes": attributes}})
}

pub(crate) async fn create_contact<S, B>(app: &S, attributes: Value) -> Reply
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let reply = send(app, post("/contacts", &new_contact(attributes))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply
}

async fn admin_id<S, B>(app: &S) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send(app, get("/users")).await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn create_answers_201_with_location_and_the_whole_document_and_get_answers_it_again() {
    let app = app().await;
    let reply = create_contact(
        &app,
        json!({
            "name": "  Ada Lovelace ",
            "email": "Ada@Example.com",
            "phone": "+44 20 7946 0000",
            "title": "Analyst",
            "notes": "Met at the fair.",
            "created_at": "2020-05-01T10:00:00+02:00",
        }),
    )
    .await;
    let id = reply.id();
    let self_link = format!("{ORIGIN}/contacts/{id}");
    assert_eq!(reply.header("location"), Some(self_link.as_str()));
    let admin = admin_id(&app).await;
    let relationship = |name: &str| {
        json!({
            "links": {"self": format!("{self_link}/relationships/{name}"), "related": format!("{self_link}/{name}")},
            "data": {"type": "users", "id": admin},
        })
    };
    let updated_at = reply.attributes()["updated_at"].clone();
    let expected = json!({
        "jsonapi": {"version": "1.1"},
        "data": {
            "type": "contacts",
            "id": id,
            "attributes": {
                "name": "Ada Lovelace",
                "email": "Ada@Example.com",
                "phone": "+44 20 7946 0000",
                "title": "Analyst",
                "notes": "Met at the fair.",
                "created_at": "2020-05-01T08:00:00Z",
                "updated_at": updated_at,
            },
            "relationships": {
                "owner": relationship("owner"),
                "creator": relationship("creator"),
                "updater": relationship("updater"),
                "organizations": {"links": {"related": format!("{self_link}/organizations")}},
                "memberships": {"links": {"related": format!("{self_link}/memberships")}},
            },
            "links": {"self": self_link},
        },
        "links": {"self": self_link},
    });
    assert_eq!(reply.body, expected);

    let fetched = send(&app, get(&format!("/contacts/{id}"))).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.body, expected);
    let etag = fetched.header("etag").unwrap().to_owned();
    let again = send(
        &app,
        get(&format!("/contacts/{id}")).insert_header((header::IF_NONE_MATCH, etag.clone())),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    // Another shape of the document is another representation.
    let sparse = send(&app, get(&format!("/contacts/{id}?fields[contacts]=name"))).await;
    assert_ne!(sparse.header("etag"), Some(etag.as_str()));
    assert_eq!(
        sparse.body["data"]["attributes"],
        json!({"name": "Ada Lovelace"})
    );
    assert!(sparse.body["data"].get("relationships").is_none());
}

#[actix_web::test]
async fn bad_input_is_a_422_pointing_at_each_member_and_stores_nothing() {
    let app = app().await;
    let reply = send(
        &app,
        post(
            "/contacts",
            &new_contact(json!({
                "email": "not an address",
                "notes": "x".repeat(10_001),
                "phone": 7,
                "company": "Acme",
            })),
        ),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let mut errors: Vec<(String, String)> = reply
        .errors()
        .into_iter()
        .map(|(_, code, at)| (code, at))
        .collect();
    errors.sort();
    let mut expected: Vec<(String, String)> = [
        ("required", "/data/attributes"),
        ("invalid_format", "/data/attributes/email"),
        ("too_long", "/data/attributes/notes"),
        ("invalid_type", "/data/attributes/phone"),
        ("unknown_attribute", "/data/attributes/company"),
    ]
    .iter()
    .map(|(c, p)| (c.to_string(), p.to_string()))
    .collect();
    expected.sort();
    assert_eq!(errors, expected, "{}", reply.body);

    let too_long = send(
        &app,
        post("/contacts", &new_contact(json!({"name": "n".repeat(256)}))),
    )
    .await;
    assert_eq!(
        too_long.only_error(422),
        ("too_long".to_owned(), "/data/attributes/name".to_owned())
    );
    let relationship = send(
        &app,
        post(
            "/contacts",
            &json!({"data": {"type": "contacts", "attributes": {"name": "N"},
                "relationships": {"employer": {"data": null}}}}),
        ),
    )
    .await;
    assert_eq!(relationship.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        relationship.errors()[0].2,
        "/data/relationships/employer",
        "{}",
        relationship.body
    );
    let wrong_type = send(
        &app,
        post(
            "/contacts",
            &json!({"data": {"type": "organizations", "attributes": {"name": "N"}}}),
        ),
    )
    .await;
    assert_eq!(wrong_type.status, StatusCode::CONFLICT);
    let listed = send(&app, get("/contacts")).await;
    assert_eq!(listed.body["meta"]["total"], 0);
}

#[actix_web::test]
async fn an_email_address_is_taken_ignoring_case_on_create_and_update() {
    let app = app().await;
    create_contact(&app, json!({"name": "Ada", "email": "ada@example.com"})).await;
    let taken = send(
        &app,
        post(
            "/contacts",
            &new_contact(json!({"name": "Other Ada", "email": "ADA@example.COM"})),
        ),
    )
    .await;
    assert_eq!(
        taken.only_error(422),
        (
            "email_taken".to_owned(),
            "/data/attributes/email".to_owned()
        )
    );
    // Two contacts may share a name, and any number may have no address.
    create_contact(&app, json!({"name": "Ada"})).await;
    let grace = create_contact(&app, json!({"name": "Grace"})).await.id();
    let update = send(
        &app,
        patch(
            &format!("/contacts/{grace}"),
            &json!({"data": {"type": "contacts", "id": grace, "attributes": {"email": "Ada@Example.com"}}}),
        ),
    )
    .await;
    assert_eq!(
        update.only_error(422),
        (
            "email_taken".to_owned(),
            "/data/attributes/email".to_owned()
        )
    );
    assert_eq!(send(&app, get("/contacts")).await.body["meta"]["total"], 3);
}

#[actix_web::test]
async fn update_changes_the_members_given_sets_the_updater_and_honours_if_match() {
    let app = app().await;
    let member = principal(&app, "member", "member").await;
    let id = create_contact(
        &app,
        json!({"name": "Ada", "phone": "123", "title": "Analyst"}),
    )
    .await
    .id();
    let uri = format!("/contacts/{id}");
    let before = send(&app, get(&uri)).await;
    let etag = before.header("etag").unwrap().to_owned();
    let changed = send_as(
        &app,
        patch(
            &uri,
            &json!({"data": {"type": "contacts", "id": id, "attributes": {"title": "CTO", "phone": null,
                "created_at": before.attributes()["created_at"]}}}),
        )
        .insert_header((header::IF_MATCH, etag.clone())),
        Some(&member.key),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.attributes()["title"], "CTO");
    assert_eq!(changed.attributes()["phone"], Value::Null);
    assert_eq!(changed.attributes()["name"], "Ada");
    assert_eq!(
        changed.body["data"]["relationships"]["updater"]["data"]["id"],
        member.id.as_str()
    );
    assert_eq!(
        changed.body["data"]["relationships"]["creator"]["data"]["id"],
        admin_id(&app).await
    );
    // The tag the client holds is stale now.
    let stale = send(
        &app,
        patch(
            &uri,
            &json!({"data": {"type": "contacts", "id": id, "attributes": {"title": "CEO"}}}),
        )
        .insert_header((header::IF_MATCH, etag)),
    )
    .await;
    assert_eq!(stale.only_error(412).0, "precondition_failed");
    let read_only = send(
        &app,
        patch(
            &uri,
            &json!({"data": {"type": "contacts", "id": id, "attributes": {"created_at": "2001-01-01T00:00:00Z"}}}),
        ),
    )
    .await;
    assert_eq!(
        read_only.only_error(422),
        (
            "read_only".to_owned(),
            "/data/attributes/created_at".to_owned()
        )
    );
    let creator = send(
        &app,
        patch(
            &uri,
            &json!({"data": {"type": "contacts", "id": id, "relationships": {"creator": {"data": {"type": "users", "id": member.id}}}}}),
        ),
    )
    .await;
    assert_eq!(creator.only_error(403).0, "unsupported_update");
    assert_eq!(send(&app, get(&uri)).await.attributes()["title"], "CTO");
    let missing = send(
        &app,
        patch(
            "/contacts/00000000-0000-4000-8000-000000000000",
            &json!({"data": {"type": "contacts", "id": "00000000-0000-4000-8000-000000000000", "attributes": {"title": "x"}}}),
        ),
    )
    .await;
    assert_eq!(missing.only_error(404).0, "not_found");
}

#[actix_web::test]
async fn the_owner_is_set_by_relationship_and_read_through_its_endpoints() {
    let app = app().await;
    let viewer = principal(&app, "viewer", "viewer").await;
    let id = send(
        &app,
        post(
            "/contacts",
            &json!({"data": {"type": "contacts", "attributes": {"name": "Ada"},
                "relationships": {"owner": {"data": {"type": "users", "id": viewer.id}}}}}),
        ),
    )
    .await
    .id();
    let linkage = send(&app, get(&format!("/contacts/{id}/relationships/owner"))).await;
    assert_eq!(
        linkage.body,
        json!({
            "jsonapi": {"version": "1.1"},
            "data": {"type": "users", "id": viewer.id},
            "links": {
                "self": format!("{ORIGIN}/contacts/{id}/relationships/owner"),
                "related": format!("{ORIGIN}/contacts/{id}/owner"),
            },
        })
    );
    let owner = send(
        &app,
        get(&format!("/contacts/{id}/owner?fields[users]=name")),
    )
    .await;
    assert_eq!(owner.body["data"]["id"], viewer.id.as_str());
    assert_eq!(owner.body["data"]["attributes"], json!({"name": "viewer"}));

    let cleared = send(
        &app,
        patch(
            &format!("/contacts/{id}/relationships/owner"),
            &json!({"data": null}),
        ),
    )
    .await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT);
    let none = send(&app, get(&format!("/contacts/{id}/owner"))).await;
    assert_eq!(none.body["data"], Value::Null);
    let unknown_user = send(
        &app,
        patch(
            &format!("/contacts/{id}/relationships/owner"),
            &json!({"data": {"type": "users", "id": "00000000-0000-4000-8000-000000000000"}}),
        ),
    )
    .await;
    assert_eq!(unknown_user.only_error(404).0, "not_found");
    let creator = send(
        &app,
        patch(
            &format!("/contacts/{id}/relationships/creator"),
            &json!({"data": null}),
        ),
    )
    .await;
    assert_eq!(creator.only_error(403).0, "unsupported_update");

    // `include` adds each related user once.
    let included = send(
        &app,
        get(&format!("/contacts/{id}?include=creator,updater")),
    )
    .await;
    let users = included.body["included"].as_array().unwrap();
    assert_eq!(users.len(), 1, "{}", included.body);
    assert_eq!(users[0]["id"], admin_id(&app).await);
    let bad_include = send(&app, get(&format!("/contacts/{id}?include=members"))).await;
    assert_eq!(
        bad_include.only_error(400),
        ("invalid_parameter".to_owned(), "include".to_owned())
    );
}

/// Ten contacts with names, titles and addresses to filter, sort and search by.
async fn seed<S, B>(app: &S)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let titles = [json!("CTO"), json!("Engineer"), Value::Null, json!("cto")];
    for i in 0..10 {
        create_contact(
            app,
            json!({
                "name": format!("Person {:02}", (i * 3) % 10),
                "title": titles[i % 4],
                "email": format!("p{i}@corp{}.example", i % 2),
                "created_at": format!("2021-01-01T00:00:{i:02}Z"),
            }),
        )
        .await;
    }
}

#[actix_web::test]
async fn lists_filter_sort_search_and_page_by_number_and_by_cursor_on_every_backend() {
    for backend in every_store() {
        let app = app_on(std::sync::Arc::clone(&backend.store)).await;
        seed(&app).await;
        let name = backend.name;
        let all = send(&app, get("/contacts?page[size]=100")).await;
        assert_eq!(all.body["meta"]["total"], 10, "{name}");
        // Oldest first by default.
        assert_eq!(
            all.names()[..3],
            ["Person 00", "Person 03", "Person 06"],
            "{name}"
        );

        let ctos = send(&app, get("/contacts?filter[title]=cto&sort=-name")).await;
        assert_eq!(
            ctos.names(),
            [
                "Person 09",
                "Person 04",
                "Person 02",
                "Person 01",
                "Person 00"
            ],
            "{name}"
        );
        let untitled = send(&app, get("/contacts?filter[title][null]=true&sort=name")).await;
        assert_eq!(untitled.names(), ["Person 06", "Person 08"], "{name}");
        let searched = send(&app, get("/contacts?filter[q]=CORP1&sort=name")).await;
        assert_eq!(searched.body["meta"]["total"], 5, "{name}");
        assert_eq!(searched.names()[0], "Person 01", "{name}");

        let page = send(&app, get("/contacts?sort=name&page[size]=4&page[number]=3")).await;
        assert_eq!(page.names(), ["Person 08", "Person 09"], "{name}");
        assert_eq!(
            page.body["links"]["prev"],
            format!("{ORIGIN}/contacts?sort=name&page%5Bsize%5D=4&page%5Bnumber%5D=2"),
            "{name}"
        );
        assert_eq!(page.body["meta"]["page"]["pages"], 3, "{name}");

        let mut by_name = all.names();
        by_name.sort();
        by_name.reverse();
        for (start, expected) in [
            ("/contacts?page[size]=3", all.names()),
            ("/contacts?page[size]=4&sort=-name", by_name),
        ] {
            let (names, last) = walk(&app, start).await;
            assert_eq!(names, expected, "{name}: {start}");
            assert_eq!(
                walk_back(&app, &last).await,
                expected,
                "{name}: back from {start}"
            );
        }
    }
}

#[actix_web::test]
async fn list_parameters_name_contacts_fields_only() {
    let app = app().await;
    for (uri, code, parameter) in [
        (
            "/contacts?filter[archived]=true",
            "unknown_parameter",
            "filter[archived]",
        ),
        (
            "/contacts?filter[city]=Gent",
            "unknown_parameter",
            "filter[city]",
        ),
        ("/contacts?sort=company_size", "invalid_parameter", "sort"),
        (
            "/contacts?fields[contacts]=city",
            "invalid_parameter",
            "fields[contacts]",
        ),
        (
            "/contacts?page[number]=1&page[after]=x",
            "invalid_parameter",
            "page[number]",
        ),
    ] {
        let reply = send(&app, get(uri)).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            reply.body
        );
        assert!(
            reply
                .errors()
                .iter()
                .any(|(_, c, p)| c == code && p == parameter),
            "{uri}: {}",
            reply.body
        );
    }
    // An organization's cursor is not a contact list's.
    create(&app, json!({"name": "Acme"})).await;
    let orgs = send(
        &app,
        get("/organizations").insert_header((header::ACCEPT, cursor_media_type())),
    )
    .await;
    let cursor = orgs.body["data"][0]["meta"]["page"]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = send(&app, get(&format!("/contacts?page[after]={cursor}"))).await;
    assert_eq!(
        reply.only_error(400),
        ("invalid_parameter".to_owned(), "page[after]".to_owned())
    );
}

#[actix_web::test]
async fn viewers_read_members_write_and_only_admins_delete() {
    let app = app().await;
    let viewer = principal(&app, "viewer", "viewer").await;
    let member = principal(&app, "member", "member").await;
    let refused = send_as(
        &app,
        post("/contacts", &new_contact(json!({"name": "Ada"}))),
        Some(&viewer.key),
    )
    .await;
    assert_eq!(refused.only_error(403).0, "forbidden");
    let made = send_as(
        &app,
        post("/contacts", &new_contact(json!({"name": "Ada"}))),
        Some(&member.key),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED);
    // The caller owns what they create.
    assert_eq!(
        made.body["data"]["relationships"]["owner"]["data"]["id"],
        member.id.as_str()
    );
    let uri = format!("/contacts/{}", made.id());
    let listed = send_as(&app, get("/contacts"), Some(&viewer.key)).await;
    assert_eq!(listed.names(), ["Ada"]);
    let not_deleted = send_as(&app, delete(&uri), Some(&member.key)).await;
    assert_eq!(not_deleted.only_error(403).0, "forbidden");
    assert_eq!(
        send(&app, delete(&uri)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(send(&app, get(&uri)).await.only_error(404).0, "not_found");
    assert_eq!(
        send(&app, delete(&uri)).await.only_error(404).0,
        "not_found"
    );
}

#[actix_web::test]
async fn every_write_is_in_the_change_log_which_viewers_may_read() {
    let app = app().await;
    let viewer = principal(&app, "viewer", "viewer").await;
    let id = create_contact(&app, json!({"name": "Ada", "title": "Analyst"}))
        .await
        .id();
    let uri = format!("/contacts/{id}");
    send(
        &app,
        patch(
            &uri,
            &json!({"data": {"type": "contacts", "id": id, "attributes": {"title": "CTO"}}}),
        ),
    )
    .await;
    assert_eq!(
        send(&app, delete(&uri)).await.status,
        StatusCode::NO_CONTENT
    );
    let feed = send_as(
        &app,
        get("/changes?filter[resource_type]=contacts"),
        Some(&viewer.key),
    )
    .await;
    assert_eq!(feed.status, StatusCode::OK, "{}", feed.body);
    let rows: Vec<(Value, Value, Value)> = feed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let a = &c["attributes"];
            (
                a["operation"].clone(),
                a["resource_id"].clone(),
                a["changes"].clone(),
            )
        })
        .collect();
    assert_eq!(rows.len(), 3, "{}", feed.body);
    assert_eq!(rows[0].0, "create");
    assert_eq!(rows[0].1, id.as_str());
    assert_eq!(rows[0].2["name"], json!({"from": null, "to": "Ada"}));
    assert_eq!(
        (rows[1].0.clone(), rows[1].2.clone()),
        (
            json!("update"),
            json!({"title": {"from": "Analyst", "to": "CTO"}})
        )
    );
    assert_eq!(rows[2].0, "delete");
}
