//! Authentication and the authorization table, walked route by route and caller by caller.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test::TestRequest;
use orgbase_domain::Role;
use orgbase_http::auth::{Access, rules};
use serde_json::{Value, json};

use crate::support::*;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Nobody,
    BadKey,
    RevokedKey,
    Viewer,
    Member,
    Admin,
}

#[actix_web::test]
async fn every_rule_answers_every_caller_as_the_table_says() {
    let app = app().await;
    let viewer = principal(&app, "viewer", "viewer").await;
    let member = principal(&app, "member", "member").await;
    let revoked = principal(&app, "revoked", "viewer").await;
    let revoked_key_id = send(&app, get("/api_keys")).await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["relationships"]["user"]["data"]["id"] == revoked.id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        send(&app, delete(&format!("/api_keys/{revoked_key_id}")))
            .await
            .status,
        StatusCode::NO_CONTENT
    );

    let mut counter = 0;
    for (method, pattern, access) in rules() {
        // Not JSON:API documents; openapi.rs checks they need no key.
        if *pattern == "/openapi.json" || pattern.starts_with("/docs") {
            continue;
        }
        for who in [
            Who::Nobody,
            Who::BadKey,
            Who::RevokedKey,
            Who::Viewer,
            Who::Member,
            Who::Admin,
        ] {
            counter += 1;
            // Fresh targets for every call, so destructive calls cannot disturb later ones.
            let org = create(&app, json!({"name": format!("Target {counter}")}))
                .await
                .id();
            let contact = send(
                &app,
                post(
                    "/contacts",
                    &json!({"data": {"type": "contacts", "attributes": {"name": format!("Target {counter}")}}}),
                ),
            )
            .await
            .id();
            let membership = send(
                &app,
                post(
                    "/memberships",
                    &json!({"data": {"type": "memberships", "relationships": {
                        "organization": {"data": {"type": "organizations", "id": org}},
                        "contact": {"data": {"type": "contacts", "id": contact}}}}}),
                ),
            )
            .await
            .id();
            let document = send(
                &app,
                post(
                    "/documents",
                    &json!({"data": {"type": "documents", "attributes": {"title": "Deck"},
                        "relationships": {"organization": {"data": {"type": "organizations", "id": org}}}}}),
                ),
            )
            .await
            .id();
            let project = send(
                &app,
                post(
                    "/projects",
                    &json!({"data": {"type": "projects", "attributes": {"name": "Rollout"},
                        "relationships": {"organization": {"data": {"type": "organizations", "id": org}}}}}),
                ),
            )
            .await
            .id();
            let task = send(
                &app,
                post(
                    "/tasks",
                    &json!({"data": {"type": "tasks", "attributes": {"title": "Call"},
                        "relationships": {"organization": {"data": {"type": "organizations", "id": org}}}}}),
                ),
            )
            .await
            .id();
            let spare_user = principal(&app, &format!("spare{counter}"), "viewer").await;
            let (viewers_spare_key, _) = issue_key(&app, &viewer.id).await;
            let field = send(
                &app,
                post(
                    "/custom_fields",
                    &json!({"data": {"type": "custom_fields", "attributes": {
                        "identifier": format!("c_target_{counter}"), "name": "T", "format": "text"}}}),
                ),
            )
            .await
            .id();
            let webhook = send(
                &app,
                post(
                    "/webhooks",
                    &json!({"data": {"type": "webhooks", "attributes": {
                        "url": format!("https://hooks.example.com/{counter}")}}}),
                ),
            )
            .await
            .id();
            let user_target = if *method == "GET" {
                viewer.id.clone()
            } else {
                spare_user.id.clone()
            };
            let path = pattern
                .replace("/organizations/{id}", &format!("/organizations/{org}"))
                .replace("/contacts/{id}", &format!("/contacts/{contact}"))
                .replace("/memberships/{id}", &format!("/memberships/{membership}"))
                .replace("/documents/{id}", &format!("/documents/{document}"))
                .replace("/projects/{id}", &format!("/projects/{project}"))
                .replace("/tasks/{id}", &format!("/tasks/{task}"))
                .replace("/users/{id}", &format!("/users/{user_target}"))
                .replace("/api_keys/{id}", &format!("/api_keys/{viewers_spare_key}"))
                .replace("/custom_fields/{id}", &format!("/custom_fields/{field}"))
                .replace("/webhooks/{id}", &format!("/webhooks/{webhook}"));
            let body: Option<Value> = match (*method, *pattern) {
                ("POST", "/organizations") => {
                    Some(new_org(json!({"name": format!("New {counter}")})))
                }
                ("PATCH", "/organizations/{id}") => Some(
                    json!({"data": {"type": "organizations", "id": org, "attributes": {"city": "Gent"}}}),
                ),
                ("POST", "/contacts") => Some(
                    json!({"data": {"type": "contacts", "attributes": {"name": format!("New {counter}")}}}),
                ),
                ("PATCH", "/contacts/{id}") => Some(
                    json!({"data": {"type": "contacts", "id": contact, "attributes": {"title": "CFO"}}}),
                ),
                // The target organization with a contact of its own: not yet a member.
                ("POST", "/memberships") => {
                    Some(json!({"data": {"type": "memberships", "relationships": {
                        "organization": {"data": {"type": "organizations", "id": org}},
                        "contact": {"data": {"type": "contacts", "id": send(&app, post("/contacts", &json!({"data": {"type": "contacts", "attributes": {"name": "Joiner"}}}))).await.id()}}}}}))
                }
                ("POST", "/documents") => Some(
                    json!({"data": {"type": "documents", "attributes": {"title": "New"},
                        "relationships": {"organization": {"data": {"type": "organizations", "id": org}}}}}),
                ),
                ("PATCH", "/documents/{id}") => Some(
                    json!({"data": {"type": "documents", "id": document, "attributes": {"title": "Renamed"}}}),
                ),
                ("POST", "/projects") => Some(
                    json!({"data": {"type": "projects", "attributes": {"name": "New"},
                        "relationships": {"organization": {"data": {"type": "organizations", "id": org}}}}}),
                ),
                ("PATCH", "/projects/{id}") => Some(
                    json!({"data": {"type": "projects", "id": project, "attributes": {"status": "active"}}}),
                ),
                ("POST", "/tasks") => Some(
                    json!({"data": {"type": "tasks", "attributes": {"title": "New"},
                        "relationships": {"organization": {"data": {"type": "organizations", "id": org}}}}}),
                ),
                ("PATCH", "/tasks/{id}") => Some(
                    json!({"data": {"type": "tasks", "id": task, "attributes": {"status": "done"}}}),
                ),
                ("PATCH", "/memberships/{id}") => Some(
                    json!({"data": {"type": "memberships", "id": membership, "attributes": {"role": "billing"}}}),
                ),
                ("POST", "/users") => Some(
                    json!({"data": {"type": "users", "attributes": {"name": "N", "email": format!("new{counter}@test.example")}}}),
                ),
                ("PATCH", "/users/{id}") => Some(
                    json!({"data": {"type": "users", "id": user_target, "attributes": {"name": "Renamed"}}}),
                ),
                ("POST", "/api_keys") => Some(
                    json!({"data": {"type": "api_keys", "relationships": {"user": {"data": {"type": "users", "id": viewer.id}}}}}),
                ),
                ("PATCH", "/api_keys/{id}") => Some(
                    json!({"data": {"type": "api_keys", "id": viewers_spare_key, "attributes": {"name": "x"}}}),
                ),
                ("POST", "/custom_fields") => {
                    Some(json!({"data": {"type": "custom_fields", "attributes": {
                        "identifier": format!("c_new_{counter}"), "name": "N", "format": "number"}}}))
                }
                ("PATCH", "/custom_fields/{id}") => Some(
                    json!({"data": {"type": "custom_fields", "id": field, "attributes": {"name": "Renamed"}}}),
                ),
                ("POST", "/webhooks") => Some(
                    json!({"data": {"type": "webhooks", "attributes": {"url": "https://hooks.example.com/new"}}}),
                ),
                ("POST", "/webhooks/{id}/replay") => Some(json!({"meta": {"from_sequence": 1}})),
                ("PATCH", "/webhooks/{id}") => Some(
                    json!({"data": {"type": "webhooks", "id": webhook, "attributes": {"active": false}}}),
                ),
                ("POST", "/operations") => Some(
                    json!({"atomic:operations": [{"op": "add", "data": {"type": "organizations", "attributes": {"name": format!("Atomic {counter}")}}}]}),
                ),
                (_, "/organizations/{id}/relationships/members") if *method != "GET" => {
                    Some(json!({"data": [{"type": "contacts", "id": contact}]}))
                }
                ("PATCH", p) if p.contains("/relationships/") => {
                    Some(json!({"data": {"type": "users", "id": viewer.id}}))
                }
                _ => None,
            };
            let mut req = TestRequest::default()
                .method(method.parse().unwrap())
                .uri(&path);
            if let Some(body) = body {
                let media_type = if *pattern == "/operations" {
                    crate::support::atomic_media_type()
                } else {
                    JSONAPI.to_owned()
                };
                req = req
                    .insert_header((header::CONTENT_TYPE, media_type))
                    .set_payload(body.to_string());
            }
            let key = match who {
                Who::Nobody => None,
                Who::BadKey => Some("ob_not_a_key_at_all".to_owned()),
                Who::RevokedKey => Some(revoked.key.clone()),
                Who::Viewer => Some(viewer.key.clone()),
                Who::Member => Some(member.key.clone()),
                Who::Admin => Some(ADMIN_KEY.to_owned()),
            };
            let reply = send_as(&app, req, key.as_deref()).await;
            let role = match who {
                Who::Viewer => Some(Role::Viewer),
                Who::Member => Some(Role::Member),
                Who::Admin => Some(Role::Admin),
                _ => None,
            };
            let allowed = match (access, role) {
                (Access::Open, _) => true,
                (_, None) => false,
                (Access::AtLeast(required), Some(role)) => role >= *required,
                // "Self" is the viewer in every AdminOrSelf target above.
                (Access::AdminOrSelf, Some(role)) => role == Role::Admin || who == Who::Viewer,
            };
            let expected = if !allowed {
                if role.is_none() { 401 } else { 403 }
            } else {
                match *method {
                    "POST" if *pattern == "/operations" => 200,
                    "POST"
                        if pattern.ends_with("/rotate_secret")
                            || pattern.ends_with("/replay")
                            || pattern.ends_with("/ping") =>
                    {
                        200
                    }
                    _ if pattern.ends_with("/relationships/members") && *method != "GET" => 204,
                    "POST" => 201,
                    "DELETE" => 204,
                    "PATCH" if *pattern == "/api_keys/{id}" => 403,
                    "PATCH" if pattern.ends_with("/creator") || pattern.ends_with("/updater") => {
                        403
                    }
                    "PATCH" if pattern.ends_with("/relationships/owner") => 204,
                    _ => 200,
                }
            };
            let context = format!("{method} {pattern} as {who:?}: {}", reply.body);
            assert_eq!(reply.status.as_u16(), expected, "{context}");
            match expected {
                401 => {
                    assert_eq!(reply.only_error(401).0, "unauthorized", "{context}");
                    assert!(
                        reply
                            .header("www-authenticate")
                            .unwrap()
                            .starts_with("Token realm="),
                        "{context}"
                    );
                }
                403 if allowed => {
                    assert_eq!(reply.only_error(403).0, "unsupported_update", "{context}")
                }
                403 => assert_eq!(reply.only_error(403).0, "forbidden", "{context}"),
                _ => {}
            }
        }
    }
}

/// The router decodes percent-escapes of ordinary characters before matching, so the rules
/// must apply to the decoded path too: `DELETE /%6Frganizations/{id}` once reached the delete
/// handler as a viewer.
#[actix_web::test]
async fn escaped_paths_get_the_rule_of_the_route_they_reach() {
    let app = app().await;
    let viewer = principal(&app, "viewer", "viewer").await;
    let org = create(&app, json!({"name": "Kept"})).await.id();
    let mut checked = 0;
    for (method, pattern, access) in rules() {
        let Access::AtLeast(required) = access else {
            continue;
        };
        if *required <= Role::Viewer {
            continue;
        }
        // The first letter escaped: `/organizations/…` becomes `/%6Frganizations/…`.
        let plain = pattern.replace("{id}", &org);
        let path = format!("/%{:02X}{}", plain.as_bytes()[1], &plain[2..]);
        let req = TestRequest::default()
            .method(method.parse().unwrap())
            .uri(&path)
            .insert_header((header::CONTENT_TYPE, JSONAPI))
            .set_payload("{}");
        let reply = send_as(&app, req, Some(&viewer.key)).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            reply.body
        );
        assert_eq!(reply.only_error(403).0, "forbidden", "{method} {path}");
        checked += 1;
    }
    assert_eq!(checked, 42);
    let kept = send(&app, get(&format!("/organizations/{org}"))).await;
    assert_eq!(kept.status, StatusCode::OK);
}

#[actix_web::test]
async fn each_path_allows_exactly_the_methods_the_table_lists() {
    let app = app().await;
    let mut patterns: Vec<&str> = rules().iter().map(|(_, p, _)| *p).collect();
    patterns.dedup();
    for pattern in patterns {
        let path = pattern.replace("{id}", "0190a0b0-0000-7000-8000-000000000000");
        let reply = send(
            &app,
            TestRequest::default()
                .method("PUT".parse().unwrap())
                .uri(&path),
        )
        .await;
        let mut allowed: Vec<&str> = reply
            .header("allow")
            .unwrap()
            .split(", ")
            .filter(|m| *m != "HEAD")
            .collect();
        let mut listed: Vec<&str> = rules()
            .iter()
            .filter(|(_, p, _)| *p == pattern)
            .map(|(m, _, _)| *m)
            .collect();
        allowed.sort();
        listed.sort();
        assert_eq!(allowed, listed, "{pattern}");
    }
}

#[actix_web::test]
async fn keys_are_accepted_in_three_forms_and_revoked_at_once() {
    let app = app().await;
    for form in [
        format!("Token {ADMIN_KEY}"),
        format!("Bearer {ADMIN_KEY}"),
        ADMIN_KEY.to_owned(),
        format!("token {ADMIN_KEY}"),
    ] {
        let req = TestRequest::get()
            .uri("/organizations")
            .insert_header((header::AUTHORIZATION, form.clone()));
        assert_eq!(
            send_as(&app, req, None).await.status,
            StatusCode::OK,
            "{form}"
        );
    }
    for form in [
        format!("Basic {ADMIN_KEY}"),
        "Token ".to_owned(),
        "Token nope".to_owned(),
    ] {
        let req = TestRequest::get()
            .uri("/organizations")
            .insert_header((header::AUTHORIZATION, form.clone()));
        assert_eq!(
            send_as(&app, req, None).await.only_error(401).0,
            "unauthorized",
            "{form}"
        );
    }
    let member = principal(&app, "member", "member").await;
    assert_eq!(
        send_as(&app, get("/organizations"), Some(&member.key))
            .await
            .status,
        StatusCode::OK
    );
    let keys = send_as(&app, get("/api_keys"), Some(&member.key)).await;
    let key_id = keys.body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_ne!(
        keys.body["data"][0]["attributes"]["last_used_at"],
        Value::Null,
        "use is recorded"
    );
    assert_eq!(
        send_as(
            &app,
            delete(&format!("/api_keys/{key_id}")),
            Some(&member.key)
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send_as(&app, get("/organizations"), Some(&member.key))
            .await
            .only_error(401)
            .0,
        "unauthorized"
    );
}

#[actix_web::test]
async fn health_and_readiness_need_no_key() {
    let app = app().await;
    for path in ["/healthz", "/readyz"] {
        assert_eq!(
            send_as(&app, get(path), None).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
}

/// PRODUCT.md §6, pinned: viewers read, members also create and update organizations, only
/// admins delete them and manage users; everyone may list their own keys.
#[test]
fn the_table_says_what_the_product_says() {
    let rule = |method: &str, pattern: &str| {
        rules()
            .iter()
            .find(|(m, p, _)| *m == method && *p == pattern)
            .map(|(_, _, a)| *a)
            .unwrap_or_else(|| panic!("{method} {pattern} is not in the table"))
    };
    assert_eq!(rule("GET", "/organizations"), Access::AtLeast(Role::Viewer));
    assert_eq!(
        rule("GET", "/organizations/{id}"),
        Access::AtLeast(Role::Viewer)
    );
    assert_eq!(
        rule("POST", "/organizations"),
        Access::AtLeast(Role::Member)
    );
    assert_eq!(
        rule("PATCH", "/organizations/{id}"),
        Access::AtLeast(Role::Member)
    );
    assert_eq!(
        rule("DELETE", "/organizations/{id}"),
        Access::AtLeast(Role::Admin)
    );
    assert_eq!(rule("GET", "/contacts"), Access::AtLeast(Role::Viewer));
    assert_eq!(rule("POST", "/contacts"), Access::AtLeast(Role::Member));
    assert_eq!(
        rule("PATCH", "/contacts/{id}"),
        Access::AtLeast(Role::Member)
    );
    assert_eq!(
        rule("DELETE", "/contacts/{id}"),
        Access::AtLeast(Role::Admin)
    );
    assert_eq!(rule("POST", "/memberships"), Access::AtLeast(Role::Member));
    assert_eq!(
        rule("DELETE", "/memberships/{id}"),
        Access::AtLeast(Role::Member)
    );
    assert_eq!(rule("POST", "/users"), Access::AtLeast(Role::Admin));
    assert_eq!(rule("DELETE", "/users/{id}"), Access::AtLeast(Role::Admin));
    assert_eq!(rule("POST", "/api_keys"), Access::AtLeast(Role::Admin));
    assert_eq!(rule("GET", "/api_keys"), Access::AtLeast(Role::Viewer));
    assert_eq!(rule("GET", "/users/{id}"), Access::AdminOrSelf);
    assert_eq!(rule("DELETE", "/api_keys/{id}"), Access::AdminOrSelf);
    assert_eq!(rule("GET", "/healthz"), Access::Open);
}

/// The caller behind a key is cached; a change of role through this server applies to the
/// very next request.
#[actix_web::test]
async fn a_role_change_applies_to_the_next_request() {
    let app = app().await;
    let member = principal(&app, "demoted", "member").await;
    let create = || post("/organizations", &new_org(json!({"name": "Demoted's"})));
    let created = send_as(&app, create(), Some(&member.key)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    let demote =
        json!({"data": {"type": "users", "id": member.id, "attributes": {"role": "viewer"}}});
    let demoted = send(&app, patch(&format!("/users/{}", member.id), &demote)).await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.body);

    let refused = send_as(&app, create(), Some(&member.key)).await;
    assert_eq!(refused.only_error(403).0, "forbidden");
    assert_eq!(
        send_as(&app, get("/organizations"), Some(&member.key))
            .await
            .status,
        StatusCode::OK
    );
}
