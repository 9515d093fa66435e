//! Bad input gets a precise JSON:API error, never a 500 (`send` fails on any 500).

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::support::*;

fn raw_post(body: impl Into<actix_web::web::Bytes>) -> TestRequest {
    TestRequest::post()
        .uri("/organizations")
        .insert_header((header::CONTENT_TYPE, JSONAPI))
        .set_payload(body.into())
}

#[actix_web::test]
async fn malformed_bodies_are_400() {
    let app = app().await;
    for (body, code, pointer) in [
        (&b"{\"data\": "[..], "invalid_json", "-"),
        (&b"\xff\xfe"[..], "invalid_json", "-"),
        (&b""[..], "invalid_document", ""),
        (&b"[]"[..], "invalid_document", ""),
        (&b"{}"[..], "invalid_document", ""),
        (&b"{\"data\": null}"[..], "invalid_document", "/data"),
        (&b"{\"data\": []}"[..], "invalid_document", "/data"),
        (
            &b"{\"data\": {\"attributes\": {\"name\": \"x\"}}}"[..],
            "invalid_document",
            "/data",
        ),
        (
            &b"{\"data\": {\"type\": 7}}"[..],
            "invalid_document",
            "/data/type",
        ),
        (
            &b"{\"data\": {\"type\": \"organizations\", \"attributes\": []}}"[..],
            "invalid_document",
            "/data/attributes",
        ),
    ] {
        let reply = send(&app, raw_post(body.to_vec())).await;
        assert_eq!(
            reply.only_error(400),
            (code.into(), pointer.into()),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[actix_web::test]
async fn deeply_nested_json_is_refused_not_a_crash() {
    let app = app().await;
    let depth = 100_000;
    let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert_eq!(
        send(&app, raw_post(body)).await.only_error(400).0,
        "invalid_json"
    );
}

#[actix_web::test]
async fn a_wrong_type_for_every_attribute_is_reported_at_once() {
    let app = app().await;
    let attributes = json!({
        "name": 1, "organization_type": 2, "status": "dormant", "description": [], "website": "not a url",
        "email": "no-at-sign", "phone": {}, "address": true, "city": 3, "state": 4, "country": 5, "industry": 6,
        "company_size": "ten", "domains": "acme.example", "lists": [1], "metadata": [1, 2],
        "slug": "Not A Slug", "created_from": 7, "last_contact_at": "yesterday", "archived_at": 8,
        "created_at": "2020-13-01T00:00:00Z", "updated_at": false,
    });
    let reply = send(&app, post("/organizations", &new_org(attributes.clone()))).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut pointers: Vec<String> = reply.errors().into_iter().map(|(_, _, at)| at).collect();
    pointers.sort();
    let mut expected: Vec<String> = attributes
        .as_object()
        .unwrap()
        .keys()
        .map(|k| {
            if k == "lists" {
                "/data/attributes/lists/0".to_owned()
            } else {
                format!("/data/attributes/{k}")
            }
        })
        .collect();
    expected.sort();
    assert_eq!(pointers, expected);
    assert!(reply.errors().iter().all(|(status, _, _)| status == "422"));
}

#[actix_web::test]
async fn attribute_rules_have_stable_codes() {
    let app = app().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"name": "   "}), "blank", "/data/attributes/name"),
        (
            json!({"name": "x".repeat(256)}),
            "too_long",
            "/data/attributes/name",
        ),
        (
            json!({"name": null}),
            "not_nullable",
            "/data/attributes/name",
        ),
        (
            json!({"name": "A", "status": null}),
            "not_nullable",
            "/data/attributes/status",
        ),
        (
            json!({"name": "A", "company_size": -1}),
            "out_of_range",
            "/data/attributes/company_size",
        ),
        (
            json!({"name": "A", "company_size": 1.5}),
            "invalid_type",
            "/data/attributes/company_size",
        ),
        (
            json!({"name": "A", "company_size": 18446744073709551615u64}),
            "out_of_range",
            "/data/attributes/company_size",
        ),
        (
            json!({"name": "A", "website": "ftp://acme.example"}),
            "invalid_format",
            "/data/attributes/website",
        ),
        (
            json!({"name": "A", "website": format!("https://a.example/{}", "x".repeat(500))}),
            "too_long",
            "/data/attributes/website",
        ),
        (
            json!({"name": "A", "domains": ["acme.example", "ACME.example"]}),
            "duplicate_element",
            "/data/attributes/domains/1",
        ),
        (
            json!({"name": "A", "domains": ["localhost"]}),
            "invalid_format",
            "/data/attributes/domains/0",
        ),
        (
            json!({"name": "A", "lists": ["a", ""]}),
            "invalid_length",
            "/data/attributes/lists/1",
        ),
        (
            json!({"name": "A", "lists": ["a", "a"]}),
            "duplicate_element",
            "/data/attributes/lists/1",
        ),
        (
            json!({"name": "A", "metadata": {"blob": "x".repeat(17 * 1024)}}),
            "too_large",
            "/data/attributes/metadata",
        ),
        (
            json!({"name": "A", "description": "x".repeat(10_001)}),
            "too_long",
            "/data/attributes/description",
        ),
        (
            json!({"name": "A", "typo_field": 1}),
            "unknown_attribute",
            "/data/attributes/typo_field",
        ),
        (
            json!({"name": "A", "owner_id": "x"}),
            "invalid_format",
            "/data/attributes/owner_id",
        ),
        (
            json!({"name": "A", "a/b~c": 1}),
            "unknown_attribute",
            "/data/attributes/a~1b~0c",
        ),
    ];
    for (attributes, code, pointer) in cases {
        let reply = send(&app, post("/organizations", &new_org(attributes.clone()))).await;
        assert_eq!(
            reply.only_error(422),
            (code.into(), pointer.into()),
            "{attributes}"
        );
    }
}

#[actix_web::test]
async fn a_missing_name_points_at_the_attributes_object() {
    let app = app().await;
    let reply = send(
        &app,
        post("/organizations", &new_org(json!({"city": "Gent"}))),
    )
    .await;
    assert_eq!(
        reply.only_error(422),
        ("required".into(), "/data/attributes".into())
    );
    assert!(
        reply.body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("`name`")
    );
    let no_attributes = json!({"data": {"type": "organizations"}});
    let reply = send(&app, post("/organizations", &no_attributes)).await;
    assert_eq!(
        reply.only_error(422),
        ("required".into(), "/data/attributes".into())
    );
}

#[actix_web::test]
async fn unknown_relationships_are_422_with_their_pointer() {
    let app = app().await;
    let body = json!({"data": {"type": "organizations", "attributes": {"name": 5},
        "relationships": {"parent": {"data": null}}}});
    let reply = send(&app, post("/organizations", &body)).await;
    assert_eq!(
        reply.errors(),
        vec![
            (
                "422".into(),
                "invalid_type".into(),
                "/data/attributes/name".into()
            ),
            (
                "422".into(),
                "unknown_relationship".into(),
                "/data/relationships/parent".into()
            ),
        ]
    );
}

#[actix_web::test]
async fn bodies_over_one_mebibyte_are_413() {
    let app = app().await;
    let big = json!({"data": {"type": "organizations", "attributes": {"name": "Big", "description": "x".repeat(1024 * 1024)}}});
    let reply = send(&app, post("/organizations", &big)).await;
    assert_eq!(reply.only_error(413).0, "body_too_large");
    // Just under the limit is read (and then judged on its content).
    let padding = " ".repeat(1024 * 1024 - 200);
    let body = format!(
        "{{\"data\": {{\"type\": \"organizations\", \"attributes\": {{\"name\": \"Padded\"}}}}{padding}}}"
    );
    assert!(body.len() <= 1024 * 1024);
    assert_eq!(send(&app, raw_post(body)).await.status, StatusCode::CREATED);
}

#[actix_web::test]
async fn patch_bodies_are_checked_like_creates() {
    let app = app().await;
    let id = create(&app, json!({"name": "Target"})).await.id();
    let body = json!({"data": {"type": "organizations", "id": id, "attributes": {"name": "", "email": 3, "nope": 1}}});
    let reply = send(&app, patch(&format!("/organizations/{id}"), &body)).await;
    assert_eq!(
        reply.errors(),
        vec![
            ("422".into(), "blank".into(), "/data/attributes/name".into()),
            (
                "422".into(),
                "invalid_type".into(),
                "/data/attributes/email".into()
            ),
            (
                "422".into(),
                "unknown_attribute".into(),
                "/data/attributes/nope".into()
            ),
        ]
    );
}

/// The query is read before the URL's id and the body, whatever finishes first: on a fresh
/// app the custom field definitions are not cached yet, so the query waits on storage while
/// the bad body is already there.
#[actix_web::test]
async fn faults_are_answered_in_order_query_then_id_then_body() {
    let app = app().await;
    let bad_query_and_body = TestRequest::post()
        .uri("/organizations?bogus=1")
        .insert_header((header::CONTENT_TYPE, JSONAPI))
        .set_payload("{\"data\": ");
    assert_eq!(
        send(&app, bad_query_and_body).await.only_error(400),
        ("unknown_parameter".into(), "bogus".into())
    );
    let app = crate::support::app().await;
    let bad_query_and_id = TestRequest::patch()
        .uri("/organizations/not-an-id?fields[organizations]=nope")
        .insert_header((header::CONTENT_TYPE, JSONAPI))
        .set_payload("[]");
    assert_eq!(
        send(&app, bad_query_and_id).await.only_error(400),
        ("invalid_parameter".into(), "fields[organizations]".into())
    );
    let bad_id_and_body = TestRequest::patch()
        .uri("/organizations/not-an-id")
        .insert_header((header::CONTENT_TYPE, JSONAPI))
        .set_payload("[]");
    assert_eq!(
        send(&app, bad_id_and_body).await.only_error(404),
        ("not_found".into(), "-".into())
    );
}
