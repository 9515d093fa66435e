//! `/custom_fields` and custom values on organizations, over HTTP.

use std::sync::Arc;

use actix_web::http::StatusCode;
use orgbase_domain::Store;
use orgbase_store_memory::MemoryStore;
use serde_json::{Value, json};

use crate::support::*;

pub(crate) fn field_doc(attributes: Value) -> Value {
    json!({"data": {"type": "custom_fields", "attributes": attributes}})
}

/// Defines a field as the admin, asserting 201; returns its id.
async fn define<S, B>(app: &S, identifier: &str, format: &str, options: Option<&[&str]>) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let mut attributes = json!({"identifier": identifier, "name": identifier, "format": format});
    if let Some(options) = options {
        attributes["options"] = json!(options);
    }
    define_field(app, attributes).await
}

#[actix_web::test]
async fn a_field_is_created_read_listed_changed_and_deleted() {
    let app = app().await;
    let created = send(
        &app,
        post(
            "/custom_fields",
            &field_doc(
                json!({"identifier": "c_tier", "name": "Tier", "format": "select",
                "options": ["Gold", "Silver"]}),
            ),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.id();
    let at = created.attributes()["created_at"].clone();
    let self_link = format!("http://localhost:8080/custom_fields/{id}");
    assert_eq!(
        created.body,
        json!({
            "jsonapi": {"version": "1.1"},
            "data": {
                "type": "custom_fields",
                "id": id,
                "attributes": {"resource_type": "organizations", "identifier": "c_tier",
                    "name": "Tier", "format": "select",
                    "options": ["Gold", "Silver"], "unique": false, "created_at": at, "updated_at": at},
                "links": {"self": self_link},
            },
            "links": {"self": self_link},
        })
    );
    assert_eq!(created.header("location"), Some(self_link.as_str()));
    let fetched = send(&app, get(&format!("/custom_fields/{id}"))).await;
    assert_eq!(fetched.body["data"], created.body["data"]);

    define(&app, "c_arr", "number", None).await;
    let listed = send(&app, get("/custom_fields?fields[custom_fields]=identifier")).await;
    assert_eq!(listed.status, StatusCode::OK);
    let identifiers: Vec<&Value> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["attributes"])
        .collect();
    assert_eq!(
        identifiers,
        [
            &json!({"identifier": "c_tier"}),
            &json!({"identifier": "c_arr"})
        ]
    );
    assert_eq!(listed.body["meta"]["total"], 2);

    let taken = send(
        &app,
        post(
            "/custom_fields",
            &field_doc(json!({"identifier": "c_arr", "name": "ARR again", "format": "text"})),
        ),
    )
    .await;
    assert_eq!(
        taken.only_error(422),
        (
            "identifier_taken".to_owned(),
            "/data/attributes/identifier".to_owned()
        )
    );

    // Clients round-trip whole objects: the fixed attributes may come back unchanged.
    let mut round_trip = fetched.body.clone();
    round_trip["data"]["attributes"]["name"] = json!("Account tier");
    round_trip["data"]["attributes"]["options"] = json!(["Gold", "Silver", "Bronze"]);
    round_trip["data"].as_object_mut().unwrap().remove("links");
    let changed = send(&app, patch(&format!("/custom_fields/{id}"), &round_trip)).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.attributes()["name"], "Account tier");
    assert_eq!(
        changed.attributes()["options"],
        json!(["Gold", "Silver", "Bronze"])
    );
    assert_ne!(changed.attributes()["updated_at"], at);

    assert_eq!(
        send(&app, delete(&format!("/custom_fields/{id}")))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let gone = send(&app, get(&format!("/custom_fields/{id}"))).await;
    assert_eq!(gone.only_error(404).0, "not_found");
}

#[actix_web::test]
async fn bad_definitions_are_422_with_every_pointer() {
    let app = app().await;
    let reply = send(
        &app,
        post(
            "/custom_fields",
            &field_doc(
                json!({"identifier": "c_tier_", "name": " ", "format": "list", "colour": 1}),
            ),
        ),
    )
    .await;
    assert_eq!(reply.status.as_u16(), 422, "{}", reply.body);
    let found: Vec<(String, String)> = reply
        .errors()
        .into_iter()
        .map(|(_, code, at)| (code, at))
        .collect();
    assert_eq!(
        found,
        [
            ("invalid_format", "/data/attributes/identifier"),
            ("blank", "/data/attributes/name"),
            ("invalid_value", "/data/attributes/format"),
            ("unknown_attribute", "/data/attributes/colour"),
        ]
        .map(|(c, p)| (c.to_owned(), p.to_owned()))
    );
    let reply = send(
        &app,
        post(
            "/custom_fields",
            &field_doc(
                json!({"identifier": "c_arr", "name": "ARR", "format": "number", "options": ["1"]}),
            ),
        ),
    )
    .await;
    assert_eq!(
        reply.only_error(422),
        (
            "forbidden".to_owned(),
            "/data/attributes/options".to_owned()
        )
    );
    let reply = send(
        &app,
        post(
            "/custom_fields",
            &field_doc(
                json!({"identifier": "c_tier", "name": "Tier", "format": "select", "options": []}),
            ),
        ),
    )
    .await;
    assert_eq!(
        reply.only_error(422),
        (
            "invalid_length".to_owned(),
            "/data/attributes/options".to_owned()
        )
    );

    let id = define(&app, "c_arr", "number", None).await;
    let reply = send(
        &app,
        patch(
            &format!("/custom_fields/{id}"),
            &json!({"data": {"type": "custom_fields", "id": id,
                "attributes": {"identifier": "c_revenue", "format": "text"}}}),
        ),
    )
    .await;
    assert_eq!(reply.status.as_u16(), 422);
    assert_eq!(
        reply.errors(),
        [
            ("422", "read_only", "/data/attributes/identifier"),
            ("422", "read_only", "/data/attributes/format"),
        ]
        .map(|(s, c, p)| (s.to_owned(), c.to_owned(), p.to_owned()))
    );
}

/// Create, read, change, list, duplicate and sparse fieldsets with custom values on `store`.
async fn values_round_trip_on(store: Arc<dyn Store>, backend: &str) {
    let app = app_on(store).await;
    define(&app, "c_tier", "select", Some(&["Gold", "Silver"])).await;
    define(&app, "c_arr", "number", None).await;
    define(&app, "c_renewal", "date", None).await;
    define(&app, "c_tags", "multi_select", Some(&["Red", "Blue"])).await;
    define(&app, "c_site", "url", None).await;
    let created = create(
        &app,
        json!({"name": "Acme", "c_tier": "gold", "c_arr": 1250000, "c_renewal": "2027-03-31",
            "c_tags": ["blue", "Red"]}),
    )
    .await;
    let custom = |reply: &Reply| {
        let a = reply.attributes();
        json!([
            a["c_tier"],
            a["c_arr"],
            a["c_renewal"],
            a["c_tags"],
            a["c_site"]
        ])
    };
    // Options are stored in the field's spelling; whole numbers read back whole; a field
    // without a value is null ([] for a multi-select).
    let expected = json!(["Gold", 1250000, "2027-03-31", ["Blue", "Red"], null]);
    assert_eq!(custom(&created), expected, "{backend}");
    let id = created.id();
    let fetched = send(&app, get(&format!("/organizations/{id}"))).await;
    assert_eq!(custom(&fetched), expected, "{backend}");

    let changed = send(
        &app,
        patch(
            &format!("/organizations/{id}"),
            &json!({"data": {"type": "organizations", "id": id,
                "attributes": {"c_arr": 99.5, "c_tags": null, "c_site": "https://acme.example"}}}),
        ),
    )
    .await;
    assert_eq!(
        changed.status,
        StatusCode::OK,
        "{backend}: {}",
        changed.body
    );
    let expected = json!(["Gold", 99.5, "2027-03-31", [], "https://acme.example"]);
    assert_eq!(custom(&changed), expected, "{backend}");

    let copy = send(&app, post_empty(&format!("/organizations/{id}/duplicate"))).await;
    assert_eq!(copy.status, StatusCode::CREATED, "{backend}");
    assert_eq!(
        custom(&copy),
        expected,
        "{backend}: the copy has the values"
    );

    let sparse = send(&app, get("/organizations?fields[organizations]=name,c_arr")).await;
    assert_eq!(
        sparse.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["attributes"].clone())
            .collect::<Vec<_>>(),
        [
            json!({"name": "Acme", "c_arr": 99.5}),
            json!({"name": "Acme (copy)", "c_arr": 99.5})
        ],
        "{backend}"
    );
    let unknown = send(
        &app,
        get("/organizations?fields[organizations]=name,c_nope"),
    )
    .await;
    assert_eq!(
        unknown.only_error(400),
        (
            "invalid_parameter".to_owned(),
            "fields[organizations]".to_owned()
        )
    );
}

#[actix_web::test]
async fn organizations_read_and_write_custom_values_as_attributes() {
    values_round_trip_on(Arc::new(MemoryStore::new()), "memory").await;
    for sql in sql_stores() {
        values_round_trip_on(sql.store.clone(), sql.name).await;
    }
}

#[actix_web::test]
async fn bad_custom_values_are_422_with_each_pointer() {
    let app = app().await;
    define(&app, "c_tier", "select", Some(&["Gold", "Silver"])).await;
    define(&app, "c_arr", "number", None).await;
    define(&app, "c_renewal", "date", None).await;
    let reply = send(
        &app,
        post(
            "/organizations",
            &new_org(json!({"name": "Acme", "c_tier": "Platinum", "c_arr": "12",
                "c_renewal": "2027-02-30", "c_nope": 1, "c_Tier": "Gold"})),
        ),
    )
    .await;
    assert_eq!(reply.status.as_u16(), 422, "{}", reply.body);
    let mut found: Vec<(String, String)> = reply
        .errors()
        .into_iter()
        .map(|(_, code, at)| (code, at))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("invalid_format", "/data/attributes/c_renewal"),
            ("invalid_type", "/data/attributes/c_arr"),
            ("invalid_value", "/data/attributes/c_tier"),
            ("unknown_attribute", "/data/attributes/c_Tier"),
            ("unknown_attribute", "/data/attributes/c_nope"),
        ]
        .map(|(c, p)| (c.to_owned(), p.to_owned()))
    );
    assert!(
        reply
            .body
            .to_string()
            .contains("GET /custom_fields lists them"),
        "{}",
        reply.body
    );
    let listed = send(&app, get("/organizations")).await;
    assert_eq!(listed.body["meta"]["total"], 0, "nothing was stored");
}

async fn queries_on(store: Arc<dyn Store>, backend: &str) {
    let app = app_on(store).await;
    define(&app, "c_arr", "number", None).await;
    define(&app, "c_tags", "multi_select", Some(&["Red", "Blue"])).await;
    for (name, arr) in [
        ("A", json!(10)),
        ("B", json!(9.5)),
        ("C", Value::Null),
        ("D", json!(100)),
    ] {
        create(&app, json!({"name": name, "c_arr": arr})).await;
    }
    let names = |uri: &'static str| {
        let app = &app;
        async move {
            let reply = send(app, get(uri)).await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{backend} {uri}: {}",
                reply.body
            );
            reply.names()
        }
    };
    assert_eq!(
        names("/organizations?sort=-c_arr").await,
        ["D", "A", "B", "C"],
        "{backend}"
    );
    assert_eq!(
        names("/organizations?sort=c_arr").await,
        ["B", "A", "D", "C"],
        "{backend}"
    );
    assert_eq!(
        names("/organizations?filter[c_arr][gt]=9.5&sort=-c_arr").await,
        ["D", "A"],
        "{backend}"
    );
    assert_eq!(
        names("/organizations?filter[c_arr][null]=true").await,
        ["C"],
        "{backend}"
    );
    for (uri, parameter) in [
        ("/organizations?filter[c_nope]=1", "filter[c_nope]"),
        ("/organizations?sort=c_nope", "sort"),
        ("/organizations?sort=c_tags", "sort"),
        (
            "/organizations?filter[c_arr][contains]=1",
            "filter[c_arr][contains]",
        ),
        ("/organizations?filter[c_arr]=ten", "filter[c_arr]"),
    ] {
        let reply = send(&app, get(uri)).await;
        assert_eq!(
            reply.status.as_u16(),
            400,
            "{backend} {uri}: {}",
            reply.body
        );
        assert_eq!(reply.errors()[0].2, parameter, "{backend} {uri}");
    }
}

#[actix_web::test]
async fn filters_and_sorts_name_custom_fields() {
    queries_on(Arc::new(MemoryStore::new()), "memory").await;
    for sql in sql_stores() {
        queries_on(sql.store.clone(), sql.name).await;
    }
}

#[actix_web::test]
async fn removing_options_in_use_is_422_and_deleting_a_field_removes_its_values() {
    let app = app().await;
    let tier = define(&app, "c_tier", "select", Some(&["Gold", "Silver"])).await;
    for name in ["A", "B"] {
        create(&app, json!({"name": name, "c_tier": "Silver"})).await;
    }
    let reply = send(
        &app,
        patch(
            &format!("/custom_fields/{tier}"),
            &json!({"data": {"type": "custom_fields", "id": tier, "attributes": {"options": ["Gold"]}}}),
        ),
    )
    .await;
    assert_eq!(
        reply.only_error(422),
        (
            "options_in_use".to_owned(),
            "/data/attributes/options".to_owned()
        )
    );
    let detail = reply.body["errors"][0]["detail"].as_str().unwrap();
    assert!(detail.starts_with("2 organizations hold"), "{detail}");

    assert_eq!(
        send(&app, delete(&format!("/custom_fields/{tier}")))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let listed = send(&app, get("/organizations")).await;
    for org in listed.body["data"].as_array().unwrap() {
        assert!(
            org["attributes"].get("c_tier").is_none(),
            "the attribute went with its field: {org}"
        );
    }
    // A new field under the same identifier starts empty.
    define(&app, "c_tier", "text", None).await;
    let listed = send(&app, get("/organizations?filter[c_tier][null]=false")).await;
    assert_eq!(listed.body["meta"]["total"], 0);
}
