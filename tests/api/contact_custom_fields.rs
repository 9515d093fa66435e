//! Contacts' custom fields over HTTP: a field's `resource_type`, fixed at creation; c_
//! attributes on contacts read, validated with pointers, rendered (sparse fieldsets and
//! `include` too), filtered and sorted by number and by cursor on every backend; a unique
//! field's conflict; and a deleted field leaving its contacts with a new ETag.

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::contacts::{create_contact, new_contact};
use crate::cursors::{walk, walk_back};
use crate::custom_fields::field_doc;
use crate::support::*;

#[actix_web::test]
async fn a_field_names_its_resource_type_which_never_changes() {
    let app = app().await;
    let created = send(
        &app,
        post(
            "/custom_fields",
            &field_doc(json!({"resource_type": "contacts", "identifier": "c_tier",
                "name": "Tier", "format": "select", "options": ["Gold", "Silver"]})),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.id();
    assert_eq!(created.attributes()["resource_type"], "contacts");
    // The same identifier on organizations is another attribute, of another type.
    let for_orgs = define_field(
        &app,
        json!({"identifier": "c_tier", "name": "Tier", "format": "text"}),
    )
    .await;
    let org_field = send(&app, get(&format!("/custom_fields/{for_orgs}"))).await;
    assert_eq!(org_field.attributes()["resource_type"], "organizations");
    // Twice on contacts is taken.
    let again = send(
        &app,
        post(
            "/custom_fields",
            &field_doc(json!({"resource_type": "contacts", "identifier": "c_tier",
                "name": "Tier 2", "format": "text"})),
        ),
    )
    .await;
    assert_eq!(
        again.only_error(422),
        (
            "identifier_taken".to_owned(),
            "/data/attributes/identifier".to_owned()
        )
    );
    let unknown = send(
        &app,
        post(
            "/custom_fields",
            &field_doc(json!({"resource_type": "users", "identifier": "c_x",
                "name": "X", "format": "text"})),
        ),
    )
    .await;
    assert_eq!(
        unknown.only_error(422),
        (
            "invalid_value".to_owned(),
            "/data/attributes/resource_type".to_owned()
        )
    );
    // Sent back unchanged it is accepted; changed, refused.
    let echoed = send(
        &app,
        patch(
            &format!("/custom_fields/{id}"),
            &json!({"data": {"type": "custom_fields", "id": id,
                "attributes": {"resource_type": "contacts", "name": "Level"}}}),
        ),
    )
    .await;
    assert_eq!(echoed.status, StatusCode::OK, "{}", echoed.body);
    assert_eq!(echoed.attributes()["name"], "Level");
    let moved = send(
        &app,
        patch(
            &format!("/custom_fields/{id}"),
            &json!({"data": {"type": "custom_fields", "id": id,
                "attributes": {"resource_type": "organizations"}}}),
        ),
    )
    .await;
    assert_eq!(
        moved.only_error(422),
        (
            "read_only".to_owned(),
            "/data/attributes/resource_type".to_owned()
        )
    );
    let listed = send(
        &app,
        get("/custom_fields?fields[custom_fields]=resource_type,identifier"),
    )
    .await;
    let kinds: Vec<(&Value, &Value)> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                &f["attributes"]["resource_type"],
                &f["attributes"]["identifier"],
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (&json!("contacts"), &json!("c_tier")),
            (&json!("organizations"), &json!("c_tier")),
        ]
    );
    let contacts_only = send(&app, get("/custom_fields?filter[resource_type]=contacts")).await;
    assert_eq!(contacts_only.status, StatusCode::OK);
    let ids: Vec<&Value> = contacts_only.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["id"])
        .collect();
    assert_eq!(ids, [&json!(id)]);
    assert_eq!(contacts_only.body["meta"]["total"], 1);
    let orgs_only = send(
        &app,
        get("/custom_fields?filter[resource_type]=organizations"),
    )
    .await;
    assert_eq!(orgs_only.body["data"][0]["id"], json!(for_orgs));
    assert_eq!(orgs_only.body["meta"]["total"], 1);
    assert_eq!(
        send(&app, get("/custom_fields?filter[resource_type]=users"))
            .await
            .only_error(400),
        (
            "invalid_parameter".to_owned(),
            "filter[resource_type]".to_owned()
        )
    );
    assert_eq!(
        send(&app, get("/custom_fields?filter[format]=text"))
            .await
            .only_error(400),
        ("unknown_parameter".to_owned(), "filter[format]".to_owned())
    );
}

#[actix_web::test]
async fn contacts_read_validate_and_render_their_custom_fields() {
    let app = app().await;
    for attributes in [
        json!({"resource_type": "contacts", "identifier": "c_tier", "name": "Tier",
            "format": "select", "options": ["Gold", "Silver"]}),
        json!({"resource_type": "contacts", "identifier": "c_score", "name": "Score",
            "format": "number"}),
        json!({"resource_type": "contacts", "identifier": "c_topics", "name": "Topics",
            "format": "multi_select", "options": ["Sales", "Tech"]}),
        json!({"identifier": "c_arr", "name": "ARR", "format": "number"}),
    ] {
        define_field(&app, attributes).await;
    }
    let ada = create_contact(&app, json!({"name": "Ada", "c_tier": "gold", "c_score": 5})).await;
    let id = ada.id();
    let at = ada.attributes()["created_at"].clone();
    assert_eq!(
        ada.attributes(),
        &json!({"name": "Ada", "email": null, "phone": null, "title": null, "notes": null,
            "created_at": at, "updated_at": at,
            "c_tier": "Gold", "c_score": 5, "c_topics": []})
    );
    let bad = send(
        &app,
        post(
            "/contacts",
            &new_contact(json!({"name": "Bob", "c_score": "five", "c_nope": 1, "c_arr": 2})),
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(
        bad.errors(),
        vec![
            (
                "422".to_owned(),
                "invalid_type".to_owned(),
                "/data/attributes/c_score".to_owned()
            ),
            (
                "422".to_owned(),
                "unknown_attribute".to_owned(),
                "/data/attributes/c_nope".to_owned()
            ),
            (
                "422".to_owned(),
                "unknown_attribute".to_owned(),
                "/data/attributes/c_arr".to_owned()
            ),
        ]
    );
    let changed = send(
        &app,
        patch(
            &format!("/contacts/{id}"),
            &json!({"data": {"type": "contacts", "id": id,
                "attributes": {"c_tier": null, "c_topics": ["tech", "Sales"]}}}),
        ),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.attributes()["c_tier"], Value::Null);
    assert_eq!(changed.attributes()["c_topics"], json!(["Tech", "Sales"]));
    assert_eq!(changed.attributes()["c_score"], 5);
    let sparse = send(
        &app,
        get(&format!("/contacts/{id}?fields[contacts]=name,c_score")),
    )
    .await;
    assert_eq!(sparse.attributes(), &json!({"name": "Ada", "c_score": 5}));
    let unknown = send(&app, get(&format!("/contacts/{id}?fields[contacts]=c_arr"))).await;
    assert_eq!(
        unknown.only_error(400),
        (
            "invalid_parameter".to_owned(),
            "fields[contacts]".to_owned()
        )
    );
    // Included as a member of an organization, a contact shows its values too.
    let org = create(&app, json!({"name": "Acme", "c_arr": 3})).await.id();
    let added = send(
        &app,
        post(
            &format!("/organizations/{org}/relationships/members"),
            &json!({"data": [{"type": "contacts", "id": id}]}),
        ),
    )
    .await;
    assert_eq!(added.status, StatusCode::NO_CONTENT, "{}", added.body);
    let with_members = send(
        &app,
        get(&format!(
            "/organizations/{org}?include=members&fields[contacts]=name,c_score,c_topics&fields[organizations]=name,c_arr,members"
        )),
    )
    .await;
    assert_eq!(
        with_members.attributes(),
        &json!({"name": "Acme", "c_arr": 3})
    );
    assert_eq!(
        with_members.body["included"][0]["attributes"],
        json!({"name": "Ada", "c_score": 5, "c_topics": ["Tech", "Sales"]})
    );
    // The change log shows custom values as attributes.
    let history = send(&app, get(&format!("/changes?filter[resource_id]={id}"))).await;
    let entries = history.body["data"].as_array().unwrap();
    let last = &entries[entries.len() - 1]["attributes"]["changes"];
    assert_eq!(last["c_tier"], json!({"from": "Gold", "to": null}));
    assert_eq!(
        last["c_topics"],
        json!({"from": [], "to": ["Tech", "Sales"]})
    );
}

#[actix_web::test]
async fn contact_lists_filter_and_sort_by_custom_fields_by_number_and_by_cursor_on_every_backend() {
    for backend in every_store() {
        let name = backend.name;
        let app = app_on(std::sync::Arc::clone(&backend.store)).await;
        define_field(
            &app,
            json!({"resource_type": "contacts", "identifier": "c_score", "name": "Score",
                "format": "number"}),
        )
        .await;
        define_field(
            &app,
            json!({"resource_type": "contacts", "identifier": "c_vip", "name": "VIP",
                "format": "boolean"}),
        )
        .await;
        for (person, score, vip) in [
            ("Ada", json!(3), json!(true)),
            ("Bob", json!(1.5), json!(false)),
            ("Cy", json!(null), json!(true)),
            ("Di", json!(3), json!(null)),
            ("Eve", json!(-2), json!(true)),
            ("Fay", json!(8), json!(false)),
        ] {
            create_contact(
                &app,
                json!({"name": person, "c_score": score, "c_vip": vip}),
            )
            .await;
        }
        let sorted = send(&app, get("/contacts?sort=-c_score,name")).await;
        assert_eq!(
            sorted.names(),
            ["Fay", "Ada", "Di", "Bob", "Eve", "Cy"],
            "{name}"
        );
        let filtered = send(
            &app,
            get("/contacts?filter[c_score][gte]=1.5&filter[c_vip][ne]=false&sort=c_score"),
        )
        .await;
        assert_eq!(filtered.names(), ["Ada", "Di"], "{name}");
        assert_eq!(filtered.body["meta"]["total"], 2, "{name}");
        let missing = send(&app, get("/contacts?filter[c_score][null]=true")).await;
        assert_eq!(missing.names(), ["Cy"], "{name}");
        // By cursor, under a custom sort with missing values and ties, both ways.
        let (names, last) = walk(&app, "/contacts?sort=c_score&page[size]=2").await;
        assert_eq!(names, ["Eve", "Bob", "Ada", "Di", "Fay", "Cy"], "{name}");
        let back: Vec<String> = walk_back(&app, &last).await;
        assert_eq!(back, ["Eve", "Bob", "Ada", "Di", "Fay", "Cy"], "{name}");
        let unknown = send(&app, get("/contacts?filter[c_arr]=1")).await;
        assert_eq!(
            unknown.only_error(400),
            ("unknown_parameter".to_owned(), "filter[c_arr]".to_owned()),
            "{name}"
        );
    }
}

#[actix_web::test]
async fn a_unique_contact_field_is_taken_once_and_deleting_a_field_changes_the_etag() {
    let app = app().await;
    let badge = define_field(
        &app,
        json!({"resource_type": "contacts", "identifier": "c_badge", "name": "Badge",
            "format": "text", "unique": true}),
    )
    .await;
    let ada = create_contact(&app, json!({"name": "Ada", "c_badge": "B-1"}))
        .await
        .id();
    let taken = send(
        &app,
        post(
            "/contacts",
            &new_contact(json!({"name": "Bob", "c_badge": "b-1"})),
        ),
    )
    .await;
    assert_eq!(
        taken.only_error(422),
        (
            "value_taken".to_owned(),
            "/data/attributes/c_badge".to_owned()
        )
    );
    let before = send(&app, get(&format!("/contacts/{ada}"))).await;
    let etag = before.header("etag").unwrap().to_owned();
    let gone = send(&app, delete(&format!("/custom_fields/{badge}"))).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let after = send(
        &app,
        get(&format!("/contacts/{ada}")).insert_header(("If-None-Match", etag.clone())),
    )
    .await;
    assert_eq!(
        after.status,
        StatusCode::OK,
        "the old ETag no longer matches"
    );
    assert_ne!(after.header("etag"), Some(etag.as_str()));
    assert!(
        after.attributes().get("c_badge").is_none(),
        "{}",
        after.body
    );
    // The value is free again.
    create_contact(&app, json!({"name": "Bob"})).await;
}
