//! Unique custom fields and `POST /organizations?upsert=…` (and its atomic `add`), over HTTP:
//! the 201 then 200, PATCH semantics, every refusal with its pointer, on every backend.

use std::sync::Arc;

use actix_web::http::StatusCode;
use serde_json::json;

use crate::support::*;

async fn define_hubspot_id<S, B>(app: &S) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    define_field(
        app,
        json!({"identifier": "c_hubspot_id", "name": "HubSpot id", "format": "text", "unique": true}),
    )
    .await
}

#[actix_web::test]
async fn upsert_by_name_creates_then_patches() {
    let app = app().await;
    let body = new_org(json!({"name": "Acme", "city": "Gent", "country": "BE"}));
    let created = send(&app, post("/organizations?upsert=name", &body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.id();
    let self_link = format!("http://localhost:8080/organizations/{id}");
    assert_eq!(created.header("location"), Some(self_link.as_str()));
    assert_eq!(created.attributes()["city"], "Gent");

    // The name matches whatever its case and spacing, and is written as the body spells it
    // (trimmed); what the body leaves out stays.
    let again = new_org(json!({"name": " ACME ", "city": "Brussels"}));
    let updated = send(&app, post("/organizations?upsert=name", &again)).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.header("location"), None);
    assert_eq!(updated.id(), id);
    let fetched = send(&app, get(&format!("/organizations/{id}"))).await;
    assert_eq!(
        updated.body, fetched.body,
        "the answer is the stored organization"
    );
    let mut expected = created.body["data"]["attributes"].clone();
    expected["name"] = json!("ACME");
    expected["city"] = json!("Brussels");
    expected["updated_at"] = updated.attributes()["updated_at"].clone();
    assert_eq!(updated.body["data"]["attributes"], expected);
    let list = send(&app, get("/organizations")).await;
    assert_eq!(list.body["meta"]["total"], 1);

    let nameless = new_org(json!({"city": "Gent"}));
    let reply = send(&app, post("/organizations?upsert=name", &nameless)).await;
    assert_eq!(
        reply.only_error(422),
        ("required".into(), "/data/attributes".into())
    );
}

#[actix_web::test]
async fn upsert_by_a_unique_field_on_every_backend() {
    for backend in every_store() {
        let (name, app) = (backend.name, app_on(Arc::clone(&backend.store)).await);
        define_hubspot_id(&app).await;
        let uri = "/organizations?upsert=c_hubspot_id";
        let first = new_org(json!({"name": "Acme", "c_hubspot_id": "HS-1", "city": "Gent"}));
        let created = send(&app, post(uri, &first)).await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{name}: {}",
            created.body
        );
        let id = created.id();

        // The key ignores case; the body renames the organization it finds.
        let second = new_org(json!({"name": "Acme Corp", "c_hubspot_id": "hs-1"}));
        let updated = send(&app, post(uri, &second)).await;
        assert_eq!(updated.status, StatusCode::OK, "{name}: {}", updated.body);
        assert_eq!(updated.id(), id, "{name}");
        assert_eq!(updated.attributes()["name"], "Acme Corp", "{name}");
        assert_eq!(updated.attributes()["c_hubspot_id"], "hs-1", "{name}");
        assert_eq!(
            updated.attributes()["city"],
            "Gent",
            "{name}: left as it was"
        );

        let other = new_org(json!({"name": "Other", "c_hubspot_id": "HS-2"}));
        let other = send(&app, post(uri, &other)).await;
        assert_eq!(other.status, StatusCode::CREATED, "{name}: {}", other.body);
        let list = send(&app, get("/organizations")).await;
        assert_eq!(list.body["meta"]["total"], 2, "{name}");

        // Plain writes cannot take a value another organization holds.
        let taken = new_org(json!({"name": "Third", "c_hubspot_id": "HS-1"}));
        let reply = send(&app, post("/organizations", &taken)).await;
        assert_eq!(
            reply.only_error(422),
            ("value_taken".into(), "/data/attributes/c_hubspot_id".into()),
            "{name}"
        );
        let change = json!({"data": {"type": "organizations", "id": other.id(),
            "attributes": {"c_hubspot_id": "Hs-1"}}});
        let reply = send(
            &app,
            patch(&format!("/organizations/{}", other.id()), &change),
        )
        .await;
        assert_eq!(
            reply.only_error(422),
            ("value_taken".into(), "/data/attributes/c_hubspot_id".into()),
            "{name}"
        );

        // The upsert's key name may also be taken by another organization: the name is
        // unique too, so renaming onto it is refused, not merged.
        let clash = new_org(json!({"name": "Other", "c_hubspot_id": "HS-1"}));
        let reply = send(&app, post(uri, &clash)).await;
        assert_eq!(
            reply.only_error(422),
            ("name_taken".into(), "/data/attributes/name".into()),
            "{name}"
        );

        let keyless = new_org(json!({"name": "Keyless"}));
        let reply = send(&app, post(uri, &keyless)).await;
        assert_eq!(
            reply.only_error(422),
            ("required".into(), "/data/attributes".into()),
            "{name}"
        );
        let list = send(&app, get("/organizations")).await;
        assert_eq!(
            list.body["meta"]["total"], 2,
            "{name}: refusals wrote nothing"
        );
    }
}

#[actix_web::test]
async fn upsert_refuses_what_it_cannot_match_by() {
    let app = app().await;
    define_hubspot_id(&app).await;
    define_field(
        &app,
        json!({"identifier": "c_region", "name": "Region", "format": "text"}),
    )
    .await;
    let body = new_org(json!({"name": "Acme", "c_hubspot_id": "HS-1", "c_region": "EU"}));
    for (query, parameter) in [
        ("upsert=city", "upsert"),
        ("upsert=c_nothing", "upsert"),
        ("upsert=c_region", "upsert"),
        ("upsert=name&return_existing=true", "upsert"),
    ] {
        let reply = send(&app, post(&format!("/organizations?{query}"), &body)).await;
        assert_eq!(
            reply.only_error(400),
            ("invalid_parameter".into(), parameter.into()),
            "{query}"
        );
    }
    let with_id = json!({"data": {"type": "organizations",
        "id": "0190f5a2-7b1c-7def-8abc-0123456789ab",
        "attributes": {"name": "Acme", "c_hubspot_id": "HS-1"}}});
    let reply = send(&app, post("/organizations?upsert=c_hubspot_id", &with_id)).await;
    assert_eq!(
        reply.only_error(400),
        ("invalid_parameter".into(), "/data/id".into())
    );
    let list = send(&app, get("/organizations")).await;
    assert_eq!(list.body["meta"]["total"], 0);
}

#[actix_web::test]
async fn a_field_becomes_unique_only_when_its_values_are() {
    for backend in every_store() {
        let (name, app) = (backend.name, app_on(Arc::clone(&backend.store)).await);
        let field = define_field(
            &app,
            json!({"identifier": "c_erp", "name": "ERP id", "format": "text"}),
        )
        .await;
        let a = create(&app, json!({"name": "A", "c_erp": "E-1"})).await;
        create(&app, json!({"name": "B", "c_erp": "e-1"})).await;
        create(&app, json!({"name": "C", "c_erp": "E-2"})).await;
        let make_unique = json!({"data": {"type": "custom_fields", "id": field,
            "attributes": {"unique": true}}});
        let uri = format!("/custom_fields/{field}");
        let reply = send(&app, patch(&uri, &make_unique)).await;
        assert_eq!(
            reply.only_error(422),
            ("values_not_unique".into(), "/data/attributes/unique".into()),
            "{name}"
        );
        assert!(
            reply.body["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .contains('2'),
            "{name}: the detail names how many collide: {}",
            reply.body
        );

        let fix = json!({"data": {"type": "organizations", "id": a.id(),
            "attributes": {"c_erp": "E-3"}}});
        let fixed = send(&app, patch(&format!("/organizations/{}", a.id()), &fix)).await;
        assert_eq!(fixed.status, StatusCode::OK, "{name}: {}", fixed.body);
        let reply = send(&app, patch(&uri, &make_unique)).await;
        assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.body);
        assert_eq!(reply.attributes()["unique"], true, "{name}");
        let reply = send(
            &app,
            post(
                "/organizations",
                &new_org(json!({"name": "D", "c_erp": "E-3 "})),
            ),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{name}: {}", reply.body);
        let reply = send(
            &app,
            post(
                "/organizations",
                &new_org(json!({"name": "E", "c_erp": "e-2"})),
            ),
        )
        .await;
        assert_eq!(
            reply.only_error(422),
            ("value_taken".into(), "/data/attributes/c_erp".into()),
            "{name}"
        );
    }
}

#[actix_web::test]
async fn only_text_like_and_number_fields_can_be_unique() {
    let app = app().await;
    let body = json!({"data": {"type": "custom_fields", "attributes": {
        "identifier": "c_tier", "name": "Tier", "format": "select",
        "options": ["Gold"], "unique": true}}});
    let reply = send(&app, post("/custom_fields", &body)).await;
    assert_eq!(
        reply.only_error(422),
        ("invalid_value".into(), "/data/attributes/unique".into())
    );
    let body = json!({"data": {"type": "custom_fields", "attributes": {
        "identifier": "c_tier", "name": "Tier", "format": "select",
        "options": ["Gold"], "unique": "yes"}}});
    let reply = send(&app, post("/custom_fields", &body)).await;
    assert_eq!(reply.only_error(422).1, "/data/attributes/unique");
}

#[actix_web::test]
async fn an_atomic_add_upserts_by_its_href() {
    for backend in every_store() {
        let (name, app) = (backend.name, app_on(Arc::clone(&backend.store)).await);
        define_hubspot_id(&app).await;
        let href = "/organizations?upsert=c_hubspot_id";
        let reply = send(
            &app,
            operations(json!([
                {"op": "add", "href": href, "data": {"type": "organizations",
                    "attributes": {"name": "Acme", "c_hubspot_id": "HS-1", "city": "Gent"}}},
                {"op": "add", "href": href, "data": {"type": "organizations",
                    "attributes": {"name": "Acme", "c_hubspot_id": "HS-1", "city": "Brussels"}}},
            ])),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.body);
        let results = reply.body["atomic:results"].as_array().unwrap();
        assert_eq!(results.len(), 2, "{name}");
        assert_eq!(results[0]["data"]["id"], results[1]["data"]["id"], "{name}");
        assert_eq!(
            results[1]["data"]["attributes"]["city"], "Brussels",
            "{name}"
        );
        let list = send(&app, get("/organizations")).await;
        assert_eq!(list.body["meta"]["total"], 1, "{name}");

        let reply = send(
            &app,
            operations(json!([
                {"op": "add", "href": href, "data": {"type": "organizations",
                    "attributes": {"name": "Keyless"}}},
            ])),
        )
        .await;
        assert_eq!(
            reply.only_error(422),
            (
                "required".into(),
                "/atomic:operations/0/data/attributes".into()
            ),
            "{name}"
        );
        let reply = send(
            &app,
            operations(json!([
                {"op": "add", "href": "/organizations?upsert=city", "data": {"type": "organizations",
                    "attributes": {"name": "Acme"}}},
            ])),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{name}: {}",
            reply.body
        );
    }
}
