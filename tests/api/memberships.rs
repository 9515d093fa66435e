//! Memberships over HTTP: exact documents, required and fixed ends, `already_member` (also
//! when racing, on every backend), role changes, lists, roles and the cascade of deleting an
//! end.

use std::sync::Arc;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::support::*;

const ORIGIN: &str = "http://localhost:8080";

async fn new_contact<S, B>(app: &S, name: &str) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let reply = send(
        app,
        post(
            "/contacts",
            &json!({"data": {"type": "contacts", "attributes": {"name": name}}}),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.id()
}

fn membership(org: &str, contact: &str, attributes: Value) -> Value {
    json!({"data": {"type": "memberships", "attributes": attributes, "relationships": {
        "organization": {"data": {"type": "organizations", "id": org}},
        "contact": {"data": {"type": "contacts", "id": contact}},
    }}})
}

#[actix_web::test]
async fn a_membership_is_created_read_changed_and_removed_with_exact_documents() {
    let app = app().await;
    let org = create(&app, json!({"name": "Acme"})).await.id();
    let ada = new_contact(&app, "Ada").await;
    let reply = send(
        &app,
        post(
            "/memberships",
            &membership(&org, &ada, json!({"role": "decision_maker"})),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.id();
    let self_link = format!("{ORIGIN}/memberships/{id}");
    assert_eq!(reply.header("location"), Some(self_link.as_str()));
    let at = reply.attributes()["created_at"].clone();
    let expected = json!({
        "jsonapi": {"version": "1.1"},
        "data": {
            "type": "memberships",
            "id": id,
            "attributes": {"role": "decision_maker", "created_at": at, "updated_at": at},
            "relationships": {
                "organization": {
                    "links": {"related": format!("{ORIGIN}/organizations/{org}")},
                    "data": {"type": "organizations", "id": org},
                },
                "contact": {
                    "links": {"related": format!("{ORIGIN}/contacts/{ada}")},
                    "data": {"type": "contacts", "id": ada},
                },
            },
            "links": {"self": self_link},
        },
        "links": {"self": self_link},
    });
    assert_eq!(reply.body, expected);
    let fetched = send(&app, get(&format!("/memberships/{id}"))).await;
    assert_eq!(fetched.body, expected);
    let etag = fetched.header("etag").unwrap().to_owned();
    let not_modified = send(
        &app,
        get(&format!("/memberships/{id}")).insert_header((header::IF_NONE_MATCH, etag.clone())),
    )
    .await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);

    // The role changes; the ends sent back unchanged are accepted.
    let changed = send(
        &app,
        patch(
            &format!("/memberships/{id}"),
            &json!({"data": {"type": "memberships", "id": id, "attributes": {"role": "billing"},
                "relationships": {"contact": {"data": {"type": "contacts", "id": ada}}}}}),
        )
        .insert_header((header::IF_MATCH, etag.clone())),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.attributes()["role"], "billing");
    let stale = send(
        &app,
        patch(
            &format!("/memberships/{id}"),
            &json!({"data": {"type": "memberships", "id": id, "attributes": {"role": "technical"}}}),
        )
        .insert_header((header::IF_MATCH, etag)),
    )
    .await;
    assert_eq!(stale.only_error(412).0, "precondition_failed");
    let bob = new_contact(&app, "Bob").await;
    let moved = send(
        &app,
        patch(
            &format!("/memberships/{id}"),
            &json!({"data": {"type": "memberships", "id": id,
                "relationships": {"contact": {"data": {"type": "contacts", "id": bob}}}}}),
        ),
    )
    .await;
    assert_eq!(moved.only_error(403).0, "unsupported_update");
    let sparse = send(
        &app,
        get(&format!("/memberships/{id}?fields[memberships]=role")),
    )
    .await;
    assert_eq!(
        sparse.body["data"]["attributes"],
        json!({"role": "billing"})
    );
    assert!(sparse.body["data"].get("relationships").is_none());

    assert_eq!(
        send(&app, delete(&format!("/memberships/{id}")))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(&app, get(&format!("/memberships/{id}")))
            .await
            .only_error(404)
            .0,
        "not_found"
    );
    // Removing the member deletes neither end.
    assert_eq!(
        send(&app, get(&format!("/contacts/{ada}"))).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, get(&format!("/organizations/{org}")))
            .await
            .status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn both_ends_are_required_must_exist_and_must_be_of_their_type() {
    let app = app().await;
    let org = create(&app, json!({"name": "Acme"})).await.id();
    let ada = new_contact(&app, "Ada").await;
    let nothing = send(
        &app,
        post(
            "/memberships",
            &json!({"data": {"type": "memberships", "attributes": {"role": "boss"}}}),
        ),
    )
    .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors: Vec<(String, String)> = nothing
        .errors()
        .into_iter()
        .map(|(_, code, at)| (code, at))
        .collect();
    assert_eq!(
        errors,
        [
            (
                "invalid_value".to_owned(),
                "/data/attributes/role".to_owned()
            ),
            ("required".to_owned(), "/data/relationships".to_owned()),
            ("required".to_owned(), "/data/relationships".to_owned()),
        ],
        "{}",
        nothing.body
    );
    let missing_org = send(
        &app,
        post(
            "/memberships",
            &membership("00000000-0000-4000-8000-000000000000", &ada, json!({})),
        ),
    )
    .await;
    assert_eq!(missing_org.only_error(404).0, "not_found");
    let missing_contact = send(
        &app,
        post("/memberships", &membership(&org, &org, json!({}))),
    )
    .await;
    assert_eq!(missing_contact.only_error(404).0, "not_found");
    let wrong_type = send(
        &app,
        post(
            "/memberships",
            &json!({"data": {"type": "memberships", "relationships": {
                "organization": {"data": {"type": "organizations", "id": org}},
                "contact": {"data": {"type": "users", "id": ada}}}}}),
        ),
    )
    .await;
    assert_eq!(
        wrong_type.only_error(409),
        (
            "type_mismatch".to_owned(),
            "/data/relationships/contact/data/type".to_owned()
        )
    );
    let listed = send(&app, get("/memberships")).await;
    assert_eq!(listed.body["meta"]["total"], 0);
}

#[actix_web::test]
async fn racing_adds_of_one_contact_make_one_membership_on_every_backend() {
    for backend in every_store() {
        let app = app_on(Arc::clone(&backend.store)).await;
        let org = create(&app, json!({"name": "Acme"})).await.id();
        let ada = new_contact(&app, "Ada").await;
        let body = membership(&org, &ada, json!({"role": "technical"}));
        let replies = join_all((0..8).map(|_| send(&app, post("/memberships", &body)))).await;
        let created = replies
            .iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .count();
        assert_eq!(created, 1, "{}", backend.name);
        for reply in replies.iter().filter(|r| r.status != StatusCode::CREATED) {
            assert_eq!(
                reply.only_error(422),
                (
                    "already_member".to_owned(),
                    "/data/relationships/contact".to_owned()
                ),
                "{}",
                backend.name
            );
        }
        let listed = send(
            &app,
            get(&format!("/memberships?filter[organization]={org}")),
        )
        .await;
        assert_eq!(listed.body["meta"]["total"], 1, "{}", backend.name);
    }
}

#[actix_web::test]
async fn lists_filter_by_either_end_and_role_sort_and_page_on_every_backend() {
    for backend in every_store() {
        let name = backend.name;
        let app = app_on(Arc::clone(&backend.store)).await;
        let acme = create(&app, json!({"name": "Acme"})).await.id();
        let globex = create(&app, json!({"name": "Globex"})).await.id();
        let mut people = Vec::new();
        for (i, role) in ["member", "billing", "technical", "billing"]
            .iter()
            .enumerate()
        {
            let person = new_contact(&app, &format!("P{i}")).await;
            for (org, at) in [(&acme, 0), (&globex, 1)] {
                let reply = send(
                    &app,
                    post(
                        "/memberships",
                        &membership(
                            org,
                            &person,
                            json!({"role": role, "created_at": format!("2022-01-01T00:0{i}:0{at}Z")}),
                        ),
                    ),
                )
                .await;
                assert_eq!(reply.status, StatusCode::CREATED, "{name}: {}", reply.body);
            }
            people.push(person);
        }
        let roles = |reply: &Reply| -> Vec<String> {
            reply.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["attributes"]["role"].as_str().unwrap().to_owned())
                .collect()
        };
        let of_acme = send(
            &app,
            get(&format!(
                "/memberships?filter[organization]={acme}&sort=-role"
            )),
        )
        .await;
        assert_eq!(
            roles(&of_acme),
            ["technical", "member", "billing", "billing"],
            "{name}"
        );
        let billing = send(
            &app,
            get(&format!(
                "/memberships?filter[role]=billing&filter[contact]={}",
                people[1]
            )),
        )
        .await;
        assert_eq!(billing.body["meta"]["total"], 2, "{name}");
        let newest = send(&app, get("/memberships?sort=-created_at&page[size]=3")).await;
        assert_eq!(
            newest.body["data"][0]["relationships"]["contact"]["data"]["id"],
            people[3].as_str(),
            "{name}"
        );
        assert_eq!(newest.body["meta"]["page"]["pages"], 3, "{name}");
        // A walk by cursor, every page by `links.next`, sees each membership once.
        let mut seen: Vec<String> = Vec::new();
        let mut next = Some(format!("{ORIGIN}/memberships?page[size]=3"));
        while let Some(link) = next {
            let reply = send(
                &app,
                get(link.strip_prefix(ORIGIN).unwrap())
                    .insert_header((header::ACCEPT, cursor_media_type())),
            )
            .await;
            assert_eq!(reply.body["jsonapi"]["profile"], json!([CURSOR_PROFILE]));
            for m in reply.body["data"].as_array().unwrap() {
                seen.push(m["id"].as_str().unwrap().to_owned());
                assert!(m["meta"]["page"]["cursor"].is_string());
            }
            next = reply.body["links"]["next"].as_str().map(str::to_owned);
            assert!(seen.len() <= 8, "{name}: the walk does not end");
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((seen.len(), unique.len()), (8, 8), "{name}");
    }
}

#[actix_web::test]
async fn membership_parameters_name_memberships_fields_only() {
    let app = app().await;
    for (uri, code, parameter) in [
        ("/memberships?filter[q]=x", "unknown_parameter", "filter[q]"),
        (
            "/memberships?filter[name]=x",
            "unknown_parameter",
            "filter[name]",
        ),
        (
            "/memberships?filter[role]=boss",
            "invalid_parameter",
            "filter[role]",
        ),
        (
            "/memberships?sort=organization",
            "invalid_parameter",
            "sort",
        ),
        (
            "/memberships?include=contact",
            "invalid_parameter",
            "include",
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
}

#[actix_web::test]
async fn members_add_and_remove_members_viewers_only_read() {
    let app = app().await;
    let viewer = principal(&app, "viewer", "viewer").await;
    let member = principal(&app, "member", "member").await;
    let org = create(&app, json!({"name": "Acme"})).await.id();
    let ada = new_contact(&app, "Ada").await;
    let body = membership(&org, &ada, json!({}));
    let refused = send_as(&app, post("/memberships", &body), Some(&viewer.key)).await;
    assert_eq!(refused.only_error(403).0, "forbidden");
    let made = send_as(&app, post("/memberships", &body), Some(&member.key)).await;
    assert_eq!(made.status, StatusCode::CREATED);
    assert_eq!(made.attributes()["role"], "member", "the default role");
    let uri = format!("/memberships/{}", made.id());
    assert_eq!(
        send_as(&app, get(&uri), Some(&viewer.key)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send_as(&app, delete(&uri), Some(&viewer.key))
            .await
            .only_error(403)
            .0,
        "forbidden"
    );
    assert_eq!(
        send_as(&app, delete(&uri), Some(&member.key)).await.status,
        StatusCode::NO_CONTENT
    );
}

#[actix_web::test]
async fn deleting_a_contact_or_an_organization_removes_its_memberships_in_the_change_log() {
    let app = app().await;
    let acme = create(&app, json!({"name": "Acme"})).await.id();
    let globex = create(&app, json!({"name": "Globex"})).await.id();
    let ada = new_contact(&app, "Ada").await;
    let bob = new_contact(&app, "Bob").await;
    let mut ids = Vec::new();
    for (org, person) in [(&acme, &ada), (&globex, &ada), (&acme, &bob)] {
        ids.push(
            send(
                &app,
                post("/memberships", &membership(org, person, json!({}))),
            )
            .await
            .id(),
        );
    }
    let start = send(&app, get("/changes")).await.body["meta"]["latest"]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        send(&app, delete(&format!("/contacts/{ada}"))).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(&app, delete(&format!("/organizations/{acme}")))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let feed = send(&app, get(&format!("/changes?page[after]={start}"))).await;
    let rows: Vec<(String, String)> = feed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["attributes"]["resource_type"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                c["attributes"]["resource_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut ada_memberships = [ids[0].clone(), ids[1].clone()];
    ada_memberships.sort();
    assert_eq!(
        rows,
        [
            ("memberships".to_owned(), ada_memberships[0].clone()),
            ("memberships".to_owned(), ada_memberships[1].clone()),
            ("contacts".to_owned(), ada.clone()),
            ("memberships".to_owned(), ids[2].clone()),
            ("organizations".to_owned(), acme.clone()),
        ],
        "{}",
        feed.body
    );
    assert_eq!(
        send(&app, get("/memberships")).await.body["meta"]["total"],
        0
    );
}

fn members_body(members: Value) -> Value {
    json!({ "data": members })
}

fn roles_by_contact(reply: &Reply) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["meta"]["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

#[actix_web::test]
async fn members_are_added_changed_replaced_and_removed_through_the_relationship() {
    let app = app().await;
    let org = create(&app, json!({"name": "Acme"})).await.id();
    let ada = new_contact(&app, "Ada").await;
    let bob = new_contact(&app, "Bob").await;
    let cy = new_contact(&app, "Cy").await;
    let relationship = format!("/organizations/{org}/relationships/members");
    let added = send(
        &app,
        post(
            &relationship,
            &members_body(json!([
                {"type": "contacts", "id": ada, "meta": {"role": "primary_contact"}},
                {"type": "contacts", "id": bob},
            ])),
        ),
    )
    .await;
    assert_eq!(added.status, StatusCode::NO_CONTENT, "{}", added.body);
    let linkage = send(&app, get(&relationship)).await;
    assert_eq!(linkage.status, StatusCode::OK);
    let mut expected = vec![
        (ada.clone(), "primary_contact".to_owned()),
        (bob.clone(), "member".to_owned()),
    ];
    expected.sort();
    assert_eq!(roles_by_contact(&linkage), expected);
    assert_eq!(
        linkage.body["links"]["related"],
        format!("{ORIGIN}/organizations/{org}/members")
    );
    assert_eq!(linkage.body["meta"]["total"], 2);

    // Adding a member again changes nothing but the role it names.
    let before = send(&app, get("/changes")).await.body["meta"]["latest"]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    send(
        &app,
        post(
            &relationship,
            &members_body(json!([
                {"type": "contacts", "id": ada},
                {"type": "contacts", "id": bob, "meta": {"role": "billing"}},
            ])),
        ),
    )
    .await;
    let changes = send(&app, get(&format!("/changes?page[after]={before}"))).await;
    let logged: Vec<(String, Value)> = changes.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["attributes"]["operation"].as_str().unwrap().to_owned(),
                c["attributes"]["changes"].clone(),
            )
        })
        .collect();
    assert_eq!(
        logged,
        [(
            "update".to_owned(),
            json!({"role": {"from": "member", "to": "billing"}})
        )]
    );

    // The related collection: contacts with their roles, filtered and sorted as /contacts.
    let members = send(
        &app,
        get(&format!("/organizations/{org}/members?sort=-name")),
    )
    .await;
    assert_eq!(members.names(), ["Bob", "Ada"]);
    assert_eq!(members.body["data"][0]["meta"]["role"], "billing");
    assert_eq!(members.body["meta"]["total"], 2);
    let filtered = send(
        &app,
        get(&format!("/organizations/{org}/members?filter[name]=ada")),
    )
    .await;
    assert_eq!(filtered.names(), ["Ada"]);

    // Replacing: Cy joins, Ada goes, Bob stays with his role.
    let replaced = send(
        &app,
        patch(
            &relationship,
            &members_body(json!([
                {"type": "contacts", "id": bob},
                {"type": "contacts", "id": cy, "meta": {"role": "technical"}},
            ])),
        ),
    )
    .await;
    assert_eq!(replaced.status, StatusCode::NO_CONTENT, "{}", replaced.body);
    let mut expected = vec![
        (bob.clone(), "billing".to_owned()),
        (cy.clone(), "technical".to_owned()),
    ];
    expected.sort();
    assert_eq!(
        roles_by_contact(&send(&app, get(&relationship)).await),
        expected
    );

    // Removing a non-member is not an error; the contacts stay.
    let removed = send(
        &app,
        delete(&relationship)
            .insert_header((header::CONTENT_TYPE, JSONAPI))
            .set_payload(
                members_body(json!([
                    {"type": "contacts", "id": bob},
                    {"type": "contacts", "id": ada},
                ]))
                .to_string(),
            ),
    )
    .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    assert_eq!(
        roles_by_contact(&send(&app, get(&relationship)).await),
        [(cy.clone(), "technical".to_owned())]
    );
    assert_eq!(
        send(&app, get(&format!("/contacts/{bob}"))).await.status,
        StatusCode::OK
    );
    // `[]` empties the set.
    send(&app, patch(&relationship, &members_body(json!([])))).await;
    assert_eq!(send(&app, get(&relationship)).await.body["data"], json!([]));
}

#[actix_web::test]
async fn a_members_write_is_all_or_nothing_and_checks_each_identifier() {
    let app = app().await;
    let org = create(&app, json!({"name": "Acme"})).await.id();
    let ada = new_contact(&app, "Ada").await;
    let relationship = format!("/organizations/{org}/relationships/members");
    let missing = send(
        &app,
        post(
            &relationship,
            &members_body(json!([
                {"type": "contacts", "id": ada},
                {"type": "contacts", "id": "00000000-0000-4000-8000-000000000000"},
            ])),
        ),
    )
    .await;
    assert_eq!(missing.only_error(404).0, "not_found");
    assert_eq!(
        send(&app, get(&relationship)).await.body["data"],
        json!([]),
        "Ada was not added either"
    );
    for (body, status, code, pointer) in [
        (
            json!({"type": "contacts", "id": ada}),
            400,
            "invalid_document",
            "/data",
        ),
        (
            json!([{"type": "users", "id": ada}]),
            409,
            "type_mismatch",
            "/data/0/type",
        ),
        (json!([{"id": ada}]), 400, "invalid_document", "/data/0"),
        (
            json!([{"type": "contacts", "id": ada, "meta": {"role": "boss"}}]),
            422,
            "invalid_value",
            "/data/0/meta/role",
        ),
    ] {
        let reply = send(&app, post(&relationship, &members_body(body.clone()))).await;
        assert_eq!(
            reply.only_error(status),
            (code.to_owned(), pointer.to_owned()),
            "{body}"
        );
    }
    let nowhere = send(
        &app,
        post(
            "/organizations/00000000-0000-4000-8000-000000000000/relationships/members",
            &members_body(json!([{"type": "contacts", "id": ada}])),
        ),
    )
    .await;
    assert_eq!(nowhere.only_error(404).0, "not_found");
    let viewer = principal(&app, "viewer", "viewer").await;
    let refused = send_as(
        &app,
        post(
            &relationship,
            &members_body(json!([{"type": "contacts", "id": ada}])),
        ),
        Some(&viewer.key),
    )
    .await;
    assert_eq!(refused.only_error(403).0, "forbidden");
}

#[actix_web::test]
async fn racing_adds_through_the_relationship_make_one_membership_on_every_backend() {
    for backend in every_store() {
        let app = app_on(Arc::clone(&backend.store)).await;
        let org = create(&app, json!({"name": "Acme"})).await.id();
        let ada = new_contact(&app, "Ada").await;
        let relationship = format!("/organizations/{org}/relationships/members");
        let body = members_body(json!([{"type": "contacts", "id": ada}]));
        let replies = join_all((0..8).map(|_| send(&app, post(&relationship, &body)))).await;
        for reply in &replies {
            assert_eq!(
                reply.status,
                StatusCode::NO_CONTENT,
                "{}: {}",
                backend.name,
                reply.body
            );
        }
        let listed = send(
            &app,
            get(&format!("/memberships?filter[organization]={org}")),
        )
        .await;
        assert_eq!(listed.body["meta"]["total"], 1, "{}", backend.name);
    }
}

#[actix_web::test]
async fn a_contacts_organizations_and_memberships_are_related_collections() {
    let app = app().await;
    let acme = create(&app, json!({"name": "Acme"})).await.id();
    let globex = create(&app, json!({"name": "Globex"})).await.id();
    create(&app, json!({"name": "Initech"})).await;
    let ada = new_contact(&app, "Ada").await;
    let loner = new_contact(&app, "Loner").await;
    for org in [&acme, &globex] {
        send(
            &app,
            post(
                "/memberships",
                &membership(org, &ada, json!({"role": "billing"})),
            ),
        )
        .await;
    }
    let orgs = send(
        &app,
        get(&format!("/contacts/{ada}/organizations?sort=-name")),
    )
    .await;
    assert_eq!(orgs.names(), ["Globex", "Acme"]);
    assert_eq!(orgs.body["meta"]["total"], 2);
    let none = send(&app, get(&format!("/contacts/{loner}/organizations"))).await;
    assert_eq!(none.body["data"], json!([]));
    assert_eq!(none.body["meta"]["total"], 0);
    let memberships = send(&app, get(&format!("/contacts/{ada}/memberships"))).await;
    assert_eq!(memberships.body["meta"]["total"], 2);
    let of_acme = send(
        &app,
        get(&format!(
            "/organizations/{acme}/memberships?filter[role]=billing"
        )),
    )
    .await;
    assert_eq!(of_acme.body["meta"]["total"], 1);
    assert_eq!(
        of_acme.body["data"][0]["relationships"]["contact"]["data"]["id"],
        ada.as_str()
    );
    let missing = send(
        &app,
        get("/contacts/00000000-0000-4000-8000-000000000000/memberships"),
    )
    .await;
    assert_eq!(missing.only_error(404).0, "not_found");
    let missing = send(
        &app,
        get("/organizations/00000000-0000-4000-8000-000000000000/members"),
    )
    .await;
    assert_eq!(missing.only_error(404).0, "not_found");
}

#[actix_web::test]
async fn a_duplicate_copies_the_memberships_with_their_roles_on_every_backend() {
    for backend in every_store() {
        let name = backend.name;
        let app = app_on(Arc::clone(&backend.store)).await;
        let org = create(&app, json!({"name": "Acme"})).await.id();
        let ada = new_contact(&app, "Ada").await;
        let bob = new_contact(&app, "Bob").await;
        for (person, role) in [(&ada, "billing"), (&bob, "primary_contact")] {
            send(
                &app,
                post(
                    "/memberships",
                    &membership(&org, person, json!({"role": role})),
                ),
            )
            .await;
        }
        let copy = send(&app, post_empty(&format!("/organizations/{org}/duplicate"))).await;
        assert_eq!(copy.status, StatusCode::CREATED, "{name}: {}", copy.body);
        let copied = send(
            &app,
            get(&format!(
                "/organizations/{}/relationships/members",
                copy.id()
            )),
        )
        .await;
        let mut expected = vec![
            (ada.clone(), "billing".to_owned()),
            (bob.clone(), "primary_contact".to_owned()),
        ];
        expected.sort();
        assert_eq!(roles_by_contact(&copied), expected, "{name}");
        // The source keeps its own.
        let source = send(
            &app,
            get(&format!("/organizations/{org}/relationships/members")),
        )
        .await;
        assert_eq!(roles_by_contact(&source), expected, "{name}");
    }
}

#[actix_web::test]
async fn to_many_relationships_sent_back_are_ignored_and_with_data_refused() {
    let app = app().await;
    let created = create(&app, json!({"name": "Acme"})).await;
    let org = created.id();
    let ada = new_contact(&app, "Ada").await;
    // The whole resource as read, sent back: its links-only relationships change nothing.
    let mut whole = created.body["data"].clone();
    whole["attributes"]["city"] = json!("Gent");
    let round_trip = send(
        &app,
        patch(&format!("/organizations/{org}"), &json!({"data": whole})),
    )
    .await;
    assert_eq!(round_trip.status, StatusCode::OK, "{}", round_trip.body);
    assert_eq!(round_trip.attributes()["city"], "Gent");
    let with_data = send(
        &app,
        patch(
            &format!("/organizations/{org}"),
            &json!({"data": {"type": "organizations", "id": org, "relationships": {
                "members": {"data": [{"type": "contacts", "id": ada}]}}}}),
        ),
    )
    .await;
    assert_eq!(with_data.only_error(403).0, "unsupported_update");
    let contact = send(&app, get(&format!("/contacts/{ada}"))).await;
    let back = send(
        &app,
        patch(
            &format!("/contacts/{ada}"),
            &json!({"data": contact.body["data"]}),
        ),
    )
    .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    let fields = send(
        &app,
        get(&format!(
            "/organizations/{org}?fields[organizations]=members"
        )),
    )
    .await;
    assert_eq!(
        fields.body["data"]["relationships"],
        json!({"members": {"links": {
            "self": format!("{ORIGIN}/organizations/{org}/relationships/members"),
            "related": format!("{ORIGIN}/organizations/{org}/members"),
        }}})
    );
}

#[actix_web::test]
async fn include_adds_members_memberships_and_organizations_with_their_linkage_on_every_backend() {
    for backend in every_store() {
        let name = backend.name;
        let app = app_on(Arc::clone(&backend.store)).await;
        let acme = create(&app, json!({"name": "Acme"})).await.id();
        let globex = create(&app, json!({"name": "Globex"})).await.id();
        let ada = new_contact(&app, "Ada").await;
        let bob = new_contact(&app, "Bob").await;
        let mut ids = Vec::new();
        for (org, person, role) in [
            (&acme, &ada, "billing"),
            (&acme, &bob, "technical"),
            (&globex, &ada, "member"),
        ] {
            ids.push(
                send(
                    &app,
                    post(
                        "/memberships",
                        &membership(org, person, json!({"role": role})),
                    ),
                )
                .await
                .id(),
            );
        }
        let one = send(
            &app,
            get(&format!("/organizations/{acme}?include=members,owner")),
        )
        .await;
        assert_eq!(one.status, StatusCode::OK, "{name}: {}", one.body);
        let mut data: Vec<Value> = one.body["data"]["relationships"]["members"]["data"]
            .as_array()
            .unwrap()
            .clone();
        data.sort_by_key(|d| d["id"].as_str().unwrap().to_owned());
        let mut expected = vec![
            json!({"type": "contacts", "id": ada, "meta": {"role": "billing"}}),
            json!({"type": "contacts", "id": bob, "meta": {"role": "technical"}}),
        ];
        expected.sort_by_key(|d| d["id"].as_str().unwrap().to_owned());
        assert_eq!(data, expected, "{name}");
        let included: Vec<(String, String)> = one.body["included"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["type"].as_str().unwrap().to_owned(),
                    r["id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(included.len(), 3, "{name}: the owner and two contacts");
        assert_eq!(included[0].0, "users");
        assert!(included.contains(&("contacts".to_owned(), ada.clone())));
        // Without `include`, no linkage: the object stays small.
        let plain = send(&app, get(&format!("/organizations/{acme}"))).await;
        assert!(
            plain.body["data"]["relationships"]["members"]
                .get("data")
                .is_none()
        );

        // A role change changes the representation, so its tag.
        let etag = one.header("etag").unwrap().to_owned();
        send(
            &app,
            patch(
                &format!("/memberships/{}", ids[0]),
                &json!({"data": {"type": "memberships", "id": ids[0], "attributes": {"role": "decision_maker"}}}),
            ),
        )
        .await;
        let again = send(
            &app,
            get(&format!("/organizations/{acme}?include=members,owner"))
                .insert_header((header::IF_NONE_MATCH, etag.clone())),
        )
        .await;
        assert_eq!(again.status, StatusCode::OK, "{name}: a new tag");
        assert_ne!(again.header("etag"), Some(etag.as_str()));

        // A list: memberships and their contacts, each once.
        let listed = send(
            &app,
            get("/organizations?include=memberships.contact&sort=name"),
        )
        .await;
        assert_eq!(listed.status, StatusCode::OK, "{name}: {}", listed.body);
        let globex_memberships = &listed.body["data"][1]["relationships"]["memberships"]["data"];
        assert_eq!(
            globex_memberships,
            &json!([{"type": "memberships", "id": ids[2]}]),
            "{name}"
        );
        let mut kinds: Vec<String> = listed.body["included"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["type"].as_str().unwrap().to_owned())
            .collect();
        kinds.sort();
        assert_eq!(
            kinds,
            [
                "contacts",
                "contacts",
                "memberships",
                "memberships",
                "memberships"
            ],
            "{name}"
        );

        // From the contact's side.
        let contact = send(
            &app,
            get(&format!(
                "/contacts/{ada}?include=organizations,memberships&fields[organizations]=name"
            )),
        )
        .await;
        assert_eq!(contact.status, StatusCode::OK, "{name}: {}", contact.body);
        assert_eq!(
            contact.body["data"]["relationships"]["organizations"]["data"]
                .as_array()
                .unwrap()
                .len(),
            2,
            "{name}"
        );
        let mut names: Vec<String> = contact.body["included"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["type"] == "organizations")
            .map(|r| r["attributes"]["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["Acme", "Globex"], "{name}");
        let bad = send(&app, get(&format!("/contacts/{ada}?include=members"))).await;
        assert_eq!(
            bad.only_error(400),
            ("invalid_parameter".to_owned(), "include".to_owned())
        );
    }
}
