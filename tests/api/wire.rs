//! JSON:API wire rules: media types, methods, links, members, and storage failures.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test::TestRequest;
use orgbase_domain::change::LogState;
use orgbase_domain::query::PageRequest;
use orgbase_domain::time::Timestamp;
use orgbase_domain::{
    ApiKey, ApiKeyId, Change, ChangeQuery, CustomField, CustomFieldId, CustomFieldPatch,
    CustomFields, Error, ListQuery, Organization, OrganizationId, OrganizationPatch, Page, Result,
    Store, User, UserId, UserPatch, Version, Write,
};
use orgbase_http::{AppState, BaseUrl};
use serde_json::json;

use crate::support::*;

fn body_with(content_type: &str) -> TestRequest {
    TestRequest::post()
        .uri("/organizations")
        .insert_header((header::CONTENT_TYPE, content_type))
        .set_payload(new_org(json!({"name": "Typed"})).to_string())
}

#[actix_web::test]
async fn request_media_types() {
    let app = app().await;
    for refused in [
        "application/vnd.api+json; charset=utf-8",
        "application/vnd.api+json; ext=\"https://jsonapi.org/ext/atomic\"",
        "text/plain",
        "application/x-www-form-urlencoded",
    ] {
        let reply = send(&app, body_with(refused)).await;
        assert_eq!(
            reply.only_error(415),
            ("unsupported_media_type".into(), "Content-Type".into()),
            "{refused}"
        );
    }
    let no_type = TestRequest::post()
        .uri("/organizations")
        .set_payload(new_org(json!({"name": "X"})).to_string());
    assert_eq!(
        send(&app, no_type).await.only_error(415).0,
        "unsupported_media_type"
    );

    let profiled = send(
        &app,
        body_with("application/vnd.api+json; profile=\"https://example.com/p\""),
    )
    .await;
    assert_eq!(profiled.status, StatusCode::CREATED);
    let plain = TestRequest::post()
        .uri("/organizations")
        .insert_header((header::CONTENT_TYPE, "application/json; charset=utf-8"))
        .set_payload(new_org(json!({"name": "Plain JSON"})).to_string());
    assert_eq!(send(&app, plain).await.status, StatusCode::CREATED);
}

#[actix_web::test]
async fn accept_negotiation() {
    let app = app().await;
    let with_accept =
        |accept: &str| get("/organizations").insert_header((header::ACCEPT, accept.to_owned()));
    for refused in [
        "application/vnd.api+json; charset=utf-8",
        "application/vnd.api+json; ext=\"https://example.com/ext/unknown\", application/vnd.api+json; foo=bar",
        "application/vnd.api+json; ext=\"https://jsonapi.org/ext/atomic https://example.com/ext/unknown\"",
    ] {
        let reply = send(&app, with_accept(refused)).await;
        assert_eq!(
            reply.only_error(406),
            ("not_acceptable".into(), "Accept".into()),
            "{refused}"
        );
    }
    for accepted in [
        "application/vnd.api+json",
        "application/vnd.api+json; profile=\"https://example.com/p\"",
        "application/vnd.api+json; charset=utf-8, application/vnd.api+json",
        "*/*",
        "application/json",
        "text/html, application/vnd.api+json;q=0.9",
        // The one extension orgbase supports (applied at /operations).
        "application/vnd.api+json; ext=\"https://jsonapi.org/ext/atomic\"",
    ] {
        assert_eq!(
            send(&app, with_accept(accepted)).await.status,
            StatusCode::OK,
            "{accepted}"
        );
    }
}

#[actix_web::test]
async fn unsupported_methods_are_405_with_allow() {
    let app = app().await;
    let id = create(&app, json!({"name": "Methodical"})).await.id();
    let one = format!("/organizations/{id}");
    let duplicate = format!("/organizations/{id}/duplicate");
    for (method, uri, allow) in [
        ("PUT", "/organizations", "GET, HEAD, POST"),
        ("DELETE", "/organizations", "GET, HEAD, POST"),
        ("POST", one.as_str(), "GET, HEAD, PATCH, DELETE"),
        ("PUT", one.as_str(), "GET, HEAD, PATCH, DELETE"),
        ("GET", duplicate.as_str(), "POST"),
        ("POST", "/healthz", "GET, HEAD"),
        ("DELETE", "/readyz", "GET, HEAD"),
    ] {
        let req = TestRequest::default()
            .method(method.parse().unwrap())
            .uri(uri);
        let reply = send(&app, req).await;
        assert_eq!(
            reply.only_error(405).0,
            "method_not_allowed",
            "{method} {uri}"
        );
        assert_eq!(reply.header("allow"), Some(allow), "{method} {uri}");
    }
}

#[actix_web::test]
async fn head_answers_every_get_route() {
    let app = app().await;
    let id = create(&app, json!({"name": "Heady"})).await.id();
    for uri in [
        "/organizations".to_owned(),
        format!("/organizations/{id}"),
        "/healthz".into(),
        "/readyz".into(),
    ] {
        let reply = send(
            &app,
            TestRequest::default()
                .method(actix_web::http::Method::HEAD)
                .uri(&uri),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(reply.header("content-type"), Some(JSONAPI), "{uri}");
    }
}

#[actix_web::test]
async fn unknown_paths_are_404_documents() {
    let app = app().await;
    assert_eq!(
        send(&app, get("/nope")).await.only_error(404).0,
        "not_found"
    );
    assert_eq!(
        send(&app, get("/organizations/x/y/z"))
            .await
            .only_error(404)
            .0,
        "not_found"
    );
}

/// `body` with members JSON:API does not define beside the top-level `data` and inside its
/// resource object (or resource identifier): a server must ignore them.
fn with_unknown_members(mut body: serde_json::Value) -> serde_json::Value {
    body["unknownTopLevel"] = json!({});
    body["included"] = json!([]);
    body["jsonapi"] = json!({"version": "1.1"});
    if body["data"].is_object() {
        body["data"]["unknownMember"] = json!(1);
        body["data"]["meta"] = json!({"from": "crm"});
    }
    body
}

#[actix_web::test]
async fn members_the_spec_does_not_define_are_ignored_on_every_write() {
    let app = app().await;
    let unknown = |body| with_unknown_members(body);

    let org = send(
        &app,
        post(
            "/organizations",
            &unknown(json!({"data": {"type": "organizations", "attributes": {"name": "X"}}})),
        ),
    )
    .await;
    assert_eq!(org.status, StatusCode::CREATED, "{}", org.body);
    assert_eq!(org.attributes()["name"], "X");
    let org_id = org.id();
    let patched = send(&app, patch(&format!("/organizations/{org_id}"), &unknown(json!({"data": {"type": "organizations", "id": org_id, "attributes": {"city": "Oslo"}}})))).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(patched.attributes()["city"], "Oslo");

    let field = send(&app, post("/custom_fields", &unknown(json!({"data": {"type": "custom_fields", "attributes": {"identifier": "c_tier", "name": "Tier", "format": "text"}}})))).await;
    assert_eq!(field.status, StatusCode::CREATED, "{}", field.body);
    let field_id = field.id();
    let renamed = send(&app, patch(&format!("/custom_fields/{field_id}"), &unknown(json!({"data": {"type": "custom_fields", "id": field_id, "attributes": {"name": "Level"}}})))).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(renamed.attributes()["name"], "Level");

    let user = send(&app, post("/users", &unknown(json!({"data": {"type": "users", "attributes": {"name": "Ida", "email": "ida@test.example", "role": "member"}}})))).await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.body);
    let user_id = user.id();
    let promoted = send(
        &app,
        patch(
            &format!("/users/{user_id}"),
            &unknown(
                json!({"data": {"type": "users", "id": user_id, "attributes": {"role": "viewer"}}}),
            ),
        ),
    )
    .await;
    assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.body);
    assert_eq!(promoted.attributes()["role"], "viewer");

    let key = send(&app, post("/api_keys", &unknown(json!({"data": {"type": "api_keys", "attributes": {"name": "sync"},
        "relationships": {"user": {"data": {"type": "users", "id": user_id, "unknownMember": 1}, "meta": {}}}}})))).await;
    assert_eq!(key.status, StatusCode::CREATED, "{}", key.body);

    let owner = send(
        &app,
        patch(
            &format!("/organizations/{org_id}/relationships/owner"),
            &unknown(json!({"data": {"type": "users", "id": user_id}})),
        ),
    )
    .await;
    assert_eq!(owner.status, StatusCode::NO_CONTENT, "{}", owner.body);
    let owner_now = send(
        &app,
        get(&format!("/organizations/{org_id}/relationships/owner")),
    )
    .await;
    assert_eq!(owner_now.body["data"]["id"], user_id.as_str());
    let cleared = send(
        &app,
        patch(
            &format!("/organizations/{org_id}/relationships/owner"),
            &unknown(json!({"data": null})),
        ),
    )
    .await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT, "{}", cleared.body);
}

#[actix_web::test]
async fn what_stays_an_error_beside_ignored_members() {
    let app = app().await;
    // `data` and `errors` together is no document.
    let both =
        json!({"data": {"type": "organizations", "attributes": {"name": "X"}}, "errors": []});
    assert_eq!(
        send(&app, post("/organizations", &both))
            .await
            .only_error(400),
        ("invalid_document".into(), "/errors".into())
    );
    let org_id = create(&app, json!({"name": "Owned"})).await.id();
    let both = json!({"data": null, "errors": []});
    assert_eq!(
        send(
            &app,
            patch(
                &format!("/organizations/{org_id}/relationships/owner"),
                &both
            )
        )
        .await
        .only_error(400),
        ("invalid_document".into(), "/errors".into())
    );
    // Without `data` there is nothing to write, whatever else the document holds.
    assert_eq!(
        send(
            &app,
            patch(
                &format!("/organizations/{org_id}/relationships/owner"),
                &json!({"meta": {}})
            )
        )
        .await
        .only_error(400),
        ("invalid_document".into(), "".into())
    );
    // Unknown attributes and relationships are fields of the resource: 422 with a pointer.
    let typo = with_unknown_members(
        json!({"data": {"type": "organizations", "attributes": {"name": "Y", "citty": "Oslo"},
        "relationships": {"ownr": {"data": null}}}}),
    );
    let reply = send(&app, post("/organizations", &typo)).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let mut errors = reply.errors();
    errors.sort();
    assert_eq!(
        errors,
        vec![
            (
                "422".into(),
                "unknown_attribute".into(),
                "/data/attributes/citty".into()
            ),
            (
                "422".into(),
                "unknown_relationship".into(),
                "/data/relationships/ownr".into()
            ),
        ]
    );
}

#[actix_web::test]
async fn at_members_are_ignored_everywhere() {
    let app = app().await;
    let body = json!({
        "@context": "https://schema.org",
        "data": {"@type": "Organization", "type": "organizations", "attributes": {"name": "At", "@id": "x"}}
    });
    let reply = send(&app, post("/organizations", &body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert!(reply.attributes().get("@id").is_none());
}

#[actix_web::test]
async fn resource_type_and_id_conflicts_are_409() {
    let app = app().await;
    let wrong_type = json!({"data": {"type": "people", "attributes": {"name": "X"}}});
    assert_eq!(
        send(&app, post("/organizations", &wrong_type))
            .await
            .only_error(409),
        ("type_mismatch".into(), "/data/type".into())
    );
    let id = create(&app, json!({"name": "Target"})).await.id();
    let other = "0190a0b0-0000-7000-8000-000000000001";
    let mismatch =
        json!({"data": {"type": "organizations", "id": other, "attributes": {"city": "X"}}});
    assert_eq!(
        send(&app, patch(&format!("/organizations/{id}"), &mismatch))
            .await
            .only_error(409),
        ("id_mismatch".into(), "/data/id".into())
    );
    let no_id = json!({"data": {"type": "organizations", "attributes": {"city": "X"}}});
    assert_eq!(
        send(&app, patch(&format!("/organizations/{id}"), &no_id))
            .await
            .only_error(400),
        ("invalid_document".into(), "/data".into())
    );
    let upper = json!({"data": {"type": "organizations", "id": id.to_uppercase(), "attributes": {"city": "X"}}});
    assert_eq!(
        send(&app, patch(&format!("/organizations/{id}"), &upper))
            .await
            .status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn links_follow_the_host_or_the_public_url() {
    let app = app().await;
    let req = post("/organizations", &new_org(json!({"name": "Linked"})))
        .insert_header((header::HOST, "crm.example:9000"));
    let reply = send(&app, req).await;
    let expected = format!("http://crm.example:9000/organizations/{}", reply.id());
    assert_eq!(reply.body["data"]["links"]["self"], expected.as_str());
    // A hostile Host header cannot inject text into links.
    let req = get("/organizations").insert_header((header::HOST, "evil.example/<script>"));
    let reply = send(&app, req).await;
    assert_eq!(
        reply.body["links"]["self"],
        "http://localhost/organizations"
    );

    let state = AppState {
        public_url: Some(BaseUrl::new("https://api.example.com/crm/")),
        ..AppState::new(Arc::new(orgbase_store_memory::MemoryStore::new()))
    };
    let app = app_with(state).await;
    let reply = send(
        &app,
        post("/organizations", &new_org(json!({"name": "Proxied"}))),
    )
    .await;
    let expected = format!("https://api.example.com/crm/organizations/{}", reply.id());
    assert_eq!(reply.header("location"), Some(expected.as_str()));
}

#[actix_web::test]
async fn health_and_readiness() {
    let app = app().await;
    let reply = send(&app, get("/healthz")).await;
    assert_eq!(
        (reply.status, &reply.body["meta"]),
        (StatusCode::OK, &json!({"status": "ok"}))
    );
    let reply = send(&app, get("/readyz")).await;
    assert_eq!(
        (reply.status, &reply.body["meta"]),
        (StatusCode::OK, &json!({"status": "ready"}))
    );
}

/// A store whose every call fails the same way.
#[derive(Debug)]
struct FailingStore(fn() -> Error);

/// Every method of the trait, failing with the store's error.
macro_rules! failing {
    ($($method:ident($($arg:ty),*) -> $output:ty;)*) => {
        $(fn $method(&self, $(_: $arg),*) -> Result<$output> {
            Err((self.0)())
        })*
    };
}

impl Store for FailingStore {
    failing! {
        insert_organization(&Organization) -> Version;
        get_organization(OrganizationId) -> Organization;
        find_organization_by_name(&str) -> Option<Organization>;
        find_organization_by_custom_value(orgbase_domain::CustomFieldId, &orgbase_domain::CustomValue) -> Option<Organization>;
        update_organization(OrganizationId, &OrganizationPatch, Timestamp, Write) -> Organization;
        delete_organization(OrganizationId, Write) -> ();
        list_organizations(&ListQuery) -> Page<Organization>;
        insert_contact(&orgbase_domain::Contact) -> Version;
        get_contact(orgbase_domain::ContactId) -> orgbase_domain::Contact;
        update_contact(orgbase_domain::ContactId, &orgbase_domain::ContactPatch, Timestamp, Write) -> orgbase_domain::Contact;
        delete_contact(orgbase_domain::ContactId, Write) -> ();
        list_contacts(&ListQuery) -> Page<orgbase_domain::Contact>;
        insert_document(&orgbase_domain::document::Document, Option<UserId>) -> Version;
        get_document(orgbase_domain::DocumentId) -> orgbase_domain::document::Document;
        update_document(orgbase_domain::DocumentId, &orgbase_domain::DocumentPatch, Timestamp, Write) -> orgbase_domain::document::Document;
        delete_document(orgbase_domain::DocumentId, Write) -> ();
        list_documents(&ListQuery) -> Page<orgbase_domain::document::Document>;
        insert_project(&orgbase_domain::project::Project, Option<UserId>) -> Version;
        get_project(orgbase_domain::ProjectId) -> orgbase_domain::project::Project;
        update_project(orgbase_domain::ProjectId, &orgbase_domain::ProjectPatch, Timestamp, Write) -> orgbase_domain::project::Project;
        delete_project(orgbase_domain::ProjectId, Write) -> ();
        list_projects(&ListQuery) -> Page<orgbase_domain::project::Project>;
        insert_task(&orgbase_domain::task::Task, Option<UserId>) -> Version;
        get_task(orgbase_domain::TaskId) -> orgbase_domain::task::Task;
        update_task(orgbase_domain::TaskId, &orgbase_domain::TaskPatch, Timestamp, Write) -> orgbase_domain::task::Task;
        delete_task(orgbase_domain::TaskId, Write) -> ();
        list_tasks(&ListQuery) -> Page<orgbase_domain::task::Task>;
        insert_membership(&orgbase_domain::Membership, Option<UserId>) -> Version;
        get_membership(orgbase_domain::MembershipId) -> orgbase_domain::Membership;
        update_membership(orgbase_domain::MembershipId, &orgbase_domain::MembershipPatch, Timestamp, Write) -> orgbase_domain::Membership;
        delete_membership(orgbase_domain::MembershipId, Write) -> ();
        list_memberships(&ListQuery) -> Page<orgbase_domain::Membership>;
        check_health() -> ();
        insert_user(&User, Option<UserId>) -> Version;
        get_user(UserId) -> User;
        get_users(&[UserId]) -> Vec<User>;
        find_user_by_email(&str) -> Option<User>;
        list_users(PageRequest) -> Page<User>;
        update_user(UserId, &UserPatch, Write) -> User;
        delete_user(UserId, Option<UserId>, Write) -> ();
        count_users() -> u64;
        insert_api_key(&ApiKey, Option<UserId>) -> Version;
        get_api_key(ApiKeyId) -> ApiKey;
        list_api_keys(Option<UserId>, PageRequest) -> Page<ApiKey>;
        delete_api_key(ApiKeyId, Write) -> ();
        find_api_keys_by_prefix(&str) -> Vec<(ApiKey, User)>;
        touch_api_key(ApiKeyId, Timestamp) -> ();
        insert_custom_field(&CustomField, Option<UserId>) -> Version;
        get_custom_field(CustomFieldId) -> CustomField;
        list_custom_fields() -> CustomFields;
        update_custom_field(CustomFieldId, &CustomFieldPatch, Timestamp, Write) -> CustomField;
        delete_custom_field(CustomFieldId, Write) -> ();
        list_changes(&ChangeQuery) -> Page<Change>;
        change_log_state() -> LogState;
        prune_changes(Timestamp, u64) -> u64;
        atomically(&mut dyn FnMut(&dyn Store) -> Result<()>) -> ();
        claim_idempotency_key(&orgbase_domain::idempotency::IdempotencyKey, &str, Timestamp) -> orgbase_domain::idempotency::Claim;
        answer_idempotency_key(&orgbase_domain::idempotency::IdempotencyKey, &str, &orgbase_domain::idempotency::StoredResponse) -> ();
        release_idempotency_key(&orgbase_domain::idempotency::IdempotencyKey, &str) -> ();
        prune_idempotency_keys(Timestamp) -> u64;
        insert_webhook(&orgbase_domain::Webhook, Option<UserId>) -> Version;
        get_webhook(orgbase_domain::WebhookId) -> orgbase_domain::Webhook;
        list_webhooks(PageRequest) -> Page<orgbase_domain::Webhook>;
        update_webhook(orgbase_domain::WebhookId, &orgbase_domain::WebhookPatch, Timestamp, Write) -> orgbase_domain::Webhook;
        delete_webhook(orgbase_domain::WebhookId, Write) -> ();
        rotate_webhook_secret(orgbase_domain::WebhookId, &orgbase_domain::WebhookSecret, Timestamp, Write) -> orgbase_domain::Webhook;
        rewind_webhook(orgbase_domain::WebhookId, u64, Write) -> orgbase_domain::Webhook;
        active_webhooks() -> Vec<orgbase_domain::Webhook>;
        record_delivery(orgbase_domain::WebhookId, Version, &orgbase_domain::DeliveryState) -> bool;
        lease_webhook(orgbase_domain::WebhookId, &str, Timestamp, Timestamp) -> bool;
        append_delivery(&orgbase_domain::DeliveryRecord) -> ();
        list_deliveries(orgbase_domain::WebhookId, PageRequest) -> Page<orgbase_domain::DeliveryRecord>;
        prune_deliveries(Timestamp) -> u64;
        release_webhook(orgbase_domain::WebhookId, &str) -> ();
    }
}

#[actix_web::test]
async fn an_unreachable_store_is_503_with_retry_after() {
    let app = app_on(Arc::new(FailingStore(|| {
        Error::Unavailable("connection refused".into())
    })))
    .await;
    for req in [
        get("/organizations"),
        get("/readyz"),
        post("/organizations", &new_org(json!({"name": "X"}))),
    ] {
        let reply = send(&app, req).await;
        assert_eq!(reply.only_error(503).0, "storage_unavailable");
        assert_eq!(reply.header("retry-after"), Some("5"));
        assert!(
            !reply.body.to_string().contains("connection refused"),
            "no internals leak"
        );
    }
    // Liveness does not depend on storage.
    assert_eq!(send(&app, get("/healthz")).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_storage_failure_is_a_500_without_its_details() {
    let app = app_on(Arc::new(FailingStore(|| {
        Error::Backend("syntax error near SELECT".into())
    })))
    .await;
    let request =
        get("/organizations").insert_header((header::AUTHORIZATION, format!("Token {ADMIN_KEY}")));
    let response = actix_web::test::call_service(&app, request.to_request()).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: serde_json::Value = actix_web::test::read_body_json(response).await;
    assert_valid_document(&body);
    assert_eq!(body["errors"][0]["code"], "internal_error");
    assert!(!body.to_string().contains("SELECT"));
    let reply = send(&app, get("/readyz")).await;
    assert_eq!(reply.only_error(503).0, "storage_unavailable");
}

#[test]
fn the_schema_check_rejects_what_json_api_forbids() {
    let valid = json!({"jsonapi": {"version": "1.1"}, "data": [], "links": {"self": "http://h/organizations?page%5Bsize%5D=1"}});
    assert!(schema_errors(&valid).is_empty());
    let raw_brackets =
        json!({"data": [], "links": {"self": "http://h/organizations?page[size]=1"}});
    assert!(
        !schema_errors(&raw_brackets).is_empty(),
        "raw brackets are not a URI"
    );
    let stray_member = json!({"data": {"type": "organizations", "id": "1", "name": "x"}});
    assert!(!schema_errors(&stray_member).is_empty());
    let included_without_data = json!({"meta": {}, "included": []});
    assert!(
        !schema_errors(&included_without_data).is_empty(),
        "dependencies are enforced"
    );
}
