//! `/webhooks` over HTTP: admins register, read, change and delete webhooks; the secret is in
//! the 201 answer only; URLs must be public https unless the setting allows private ones.

use actix_web::http::StatusCode;
use orgbase_domain::time;
use orgbase_http::AppState;
use orgbase_store_memory::MemoryStore;
use serde_json::{Value, json};

use crate::support::*;

fn webhook_doc(attributes: Value) -> Value {
    json!({"data": {"type": "webhooks", "attributes": attributes}})
}

#[actix_web::test]
async fn a_webhook_is_registered_read_changed_and_deleted() {
    let app = app().await;
    let created = send(
        &app,
        post(
            "/webhooks",
            &webhook_doc(json!({"url": "https://hooks.example.com/orgbase",
                "events": ["organizations.created", "organizations.deleted"]})),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.id();
    let attributes = created.attributes().clone();
    let secret = attributes["secret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 6 + 44,
        "{secret}"
    );
    let at = attributes["created_at"].clone();
    // It hears of what is committed after its creation: its own entry is not news to it.
    let own = send(&app, get("/changes?filter[resource_type]=webhooks")).await;
    let own_sequence = own.body["data"][0]["attributes"]["sequence"]
        .as_u64()
        .unwrap();
    let self_link = format!("http://localhost:8080/webhooks/{id}");
    assert_eq!(
        created.body["data"],
        json!({
            "type": "webhooks",
            "id": id,
            "attributes": {
                "url": "https://hooks.example.com/orgbase",
                "description": null,
                "events": ["organizations.created", "organizations.deleted"],
                "active": true,
                "secret": secret,
                "last_delivered_sequence": own_sequence,
                "last_success_at": null,
                "last_failure_at": null,
                "consecutive_failures": 0,
                "disabled_reason": null,
                "created_at": at,
                "updated_at": at,
            },
            "links": {"self": self_link},
        })
    );
    assert_eq!(created.header("location"), Some(self_link.as_str()));

    let fetched = send(&app, get(&format!("/webhooks/{id}"))).await;
    let mut without_secret = created.body["data"].clone();
    without_secret["attributes"]
        .as_object_mut()
        .unwrap()
        .remove("secret");
    assert_eq!(fetched.body["data"], without_secret);
    let listed = send(&app, get("/webhooks")).await;
    assert_eq!(listed.body["data"], json!([without_secret]));
    assert_eq!(listed.body["meta"]["total"], 1);

    let change = json!({"data": {"type": "webhooks", "id": id,
        "attributes": {"events": ["*"], "description": "CRM mirror", "consecutive_failures": 0}}});
    let changed = send(&app, patch(&format!("/webhooks/{id}"), &change)).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.attributes()["events"], json!(["*"]));
    assert_eq!(changed.attributes()["description"], "CRM mirror");
    assert_eq!(changed.attributes().get("secret"), None);

    let history = send(&app, get("/changes?filter[resource_type]=webhooks")).await;
    let entries = history.body["data"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{}", history.body);
    assert!(
        !history.body.to_string().contains("whsec_"),
        "the log never holds the secret"
    );
    assert_eq!(
        entries[1]["attributes"]["changes"],
        json!({"description": {"from": null, "to": "CRM mirror"},
            "events": {"from": ["organizations.created", "organizations.deleted"], "to": ["*"]}})
    );

    let deleted = send(&app, delete(&format!("/webhooks/{id}"))).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = send(&app, get(&format!("/webhooks/{id}"))).await;
    assert_eq!(gone.only_error(404).0, "not_found");
}

#[actix_web::test]
async fn bad_webhooks_are_422_with_each_pointer() {
    let app = app().await;
    let reply = send(
        &app,
        post(
            "/webhooks",
            &webhook_doc(
                json!({"url": "http://10.0.0.7/hook", "events": ["organizations.renamed"],
                "active": "yes", "secret": "whsec_mine"}),
            ),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors: Vec<(String, String)> = reply
        .errors()
        .into_iter()
        .map(|(_, code, at)| (code, at))
        .collect();
    assert_eq!(
        errors,
        [
            (
                "invalid_value".to_owned(),
                "/data/attributes/url".to_owned()
            ),
            (
                "invalid_value".to_owned(),
                "/data/attributes/events/0".to_owned()
            ),
            (
                "invalid_type".to_owned(),
                "/data/attributes/active".to_owned()
            ),
            ("read_only".to_owned(), "/data/attributes/secret".to_owned()),
        ]
    );
    for url in [
        "https://localhost/h",
        "https://169.254.169.254/",
        "ftp://hooks.example.com/",
    ] {
        let reply = send(&app, post("/webhooks", &webhook_doc(json!({"url": url})))).await;
        assert_eq!(
            reply.only_error(422),
            ("invalid_value".into(), "/data/attributes/url".into()),
            "{url}"
        );
    }
    let reply = send(&app, post("/webhooks", &webhook_doc(json!({})))).await;
    assert_eq!(
        reply.only_error(422),
        ("required".into(), "/data/attributes".into())
    );
    let list = send(&app, get("/webhooks")).await;
    assert_eq!(list.body["meta"]["total"], 0);
}

#[actix_web::test]
async fn private_destinations_need_the_setting() {
    let state = AppState {
        webhooks_allow_private: true,
        ..AppState::new(std::sync::Arc::new(MemoryStore::new()))
    };
    let app = app_with(state).await;
    let reply = send(
        &app,
        post(
            "/webhooks",
            &webhook_doc(json!({"url": "http://127.0.0.1:9000/hook"})),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

#[actix_web::test]
async fn only_admins_see_webhooks() {
    let app = app().await;
    let member = principal(&app, "mia", "member").await;
    let reply = send_as(&app, get("/webhooks"), Some(&member.key)).await;
    assert_eq!(reply.only_error(403).0, "forbidden");
    let history = send_as(
        &app,
        get("/changes?filter[resource_type]=webhooks"),
        Some(&member.key),
    )
    .await;
    assert_eq!(
        history.only_error(403),
        ("forbidden".into(), "filter[resource_type]".into())
    );
}

#[actix_web::test]
async fn a_secret_is_rotated_and_shown_once() {
    let app = app().await;
    let created = send(
        &app,
        post(
            "/webhooks",
            &webhook_doc(json!({"url": "https://hooks.example.com/h"})),
        ),
    )
    .await;
    let id = created.id();
    let old = created.attributes()["secret"].as_str().unwrap().to_owned();
    let rotated = send(&app, post_empty(&format!("/webhooks/{id}/rotate_secret"))).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let new = rotated.attributes()["secret"].as_str().unwrap();
    assert!(new.starts_with("whsec_") && new != old);
    let fetched = send(&app, get(&format!("/webhooks/{id}"))).await;
    assert_eq!(fetched.attributes().get("secret"), None);
    let history = send(&app, get("/changes?filter[resource_type]=webhooks")).await;
    assert!(!history.body.to_string().contains("whsec_"));
    let missing = send(
        &app,
        post_empty("/webhooks/0190f5a2-7b1c-7def-8abc-0123456789ab/rotate_secret"),
    )
    .await;
    assert_eq!(missing.only_error(404).0, "not_found");
}

#[actix_web::test]
async fn a_replay_moves_the_position_back_and_never_forward() {
    let store: std::sync::Arc<dyn orgbase_domain::Store> = std::sync::Arc::new(MemoryStore::new());
    let app = app_on(std::sync::Arc::clone(&store)).await;
    let created = send(
        &app,
        post(
            "/webhooks",
            &webhook_doc(json!({"url": "https://hooks.example.com/h"})),
        ),
    )
    .await;
    let id = created.id();
    let position = created.attributes()["last_delivered_sequence"]
        .as_u64()
        .unwrap();
    let uri = format!("/webhooks/{id}/replay");
    let replay = |from: Value| post(&uri, &json!({"meta": {"from_sequence": from}}));

    // From the next undelivered entry: nothing to deliver again, nothing passed.
    let same = send(&app, replay(json!(position + 1))).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    assert_eq!(same.attributes()["last_delivered_sequence"], position);
    let back = send(&app, replay(json!(2))).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    assert_eq!(back.attributes()["last_delivered_sequence"], 1);
    assert_eq!(
        send(&app, replay(json!(3))).await.only_error(422),
        ("invalid_value".into(), "/meta/from_sequence".into())
    );
    for bad in [json!(0), json!("1"), json!(-4), json!(1.5)] {
        assert_eq!(
            send(&app, replay(bad.clone())).await.only_error(422),
            ("invalid_type".into(), "/meta/from_sequence".into()),
            "{bad}"
        );
    }
    let no_meta = send(&app, post(&uri, &json!({"data": null}))).await;
    assert_eq!(
        no_meta.only_error(400),
        ("invalid_document".into(), "/meta".into())
    );
    let empty_meta = send(&app, post(&uri, &json!({"meta": {}}))).await;
    assert_eq!(
        empty_meta.only_error(422),
        ("required".into(), "/meta".into())
    );

    // Entries pruned: what is gone cannot be sent again.
    store
        .prune_changes(time::now() + chrono::Duration::days(1), 1_000)
        .unwrap();
    let pruned = send(&app, replay(json!(1))).await;
    assert_eq!(
        pruned.only_error(422),
        ("changes_pruned".into(), "/meta/from_sequence".into())
    );
}

#[actix_web::test]
async fn a_webhooks_attempts_are_listed() {
    let store: std::sync::Arc<dyn orgbase_domain::Store> = std::sync::Arc::new(MemoryStore::new());
    let app = app_on(std::sync::Arc::clone(&store)).await;
    let created = send(
        &app,
        post(
            "/webhooks",
            &webhook_doc(json!({"url": "https://hooks.example.com/h"})),
        ),
    )
    .await;
    let id = created.id();
    let at = time::now();
    let record = orgbase_domain::DeliveryRecord {
        id: orgbase_domain::ids::DeliveryId::generate(),
        webhook_id: id.parse().unwrap(),
        sequence: 7,
        event_type: "organizations.updated".into(),
        attempt: 1,
        status_code: Some(502),
        duration_ms: 31,
        error: Some("answered 502".into()),
        delivered_at: at,
        next_attempt_at: Some(at + chrono::Duration::seconds(1)),
    };
    store.append_delivery(&record).unwrap();
    let listed = send(&app, get(&format!("/webhooks/{id}/deliveries"))).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(
        listed.body["data"],
        json!([{
            "type": "webhook_deliveries",
            "id": record.id.to_string(),
            "attributes": {
                "sequence": 7, "event_type": "organizations.updated", "attempt": 1,
                "status_code": 502, "duration_ms": 31, "error": "answered 502",
                "delivered_at": time::format(&at),
                "next_attempt_at": time::format(&(at + chrono::Duration::seconds(1))),
            },
        }])
    );
    assert_eq!(listed.body["meta"]["total"], 1);
    let sparse = send(
        &app,
        get(&format!(
            "/webhooks/{id}/deliveries?fields[webhook_deliveries]=status_code"
        )),
    )
    .await;
    assert_eq!(
        sparse.body["data"][0]["attributes"],
        json!({"status_code": 502})
    );
    let missing = send(
        &app,
        get("/webhooks/0190f5a2-7b1c-7def-8abc-0123456789ab/deliveries"),
    )
    .await;
    assert_eq!(missing.only_error(404).0, "not_found");
}

#[actix_web::test]
async fn a_ping_reaches_the_receiver_signed_and_answers_what_it_said() {
    use orgbase_webhooks::testing::{Answers, Receiver};
    let receiver = Receiver::start(Answers {
        statuses: vec![204, 500],
        ..Answers::default()
    })
    .unwrap();
    let state = AppState {
        webhooks_allow_private: true,
        pinger: Some(std::sync::Arc::new(orgbase_webhooks::Deliverer::new(true))),
        ..AppState::new(std::sync::Arc::new(MemoryStore::new()))
    };
    let app = app_with(state).await;
    let created = send(
        &app,
        post("/webhooks", &webhook_doc(json!({"url": receiver.url}))),
    )
    .await;
    let (id, secret) = (
        created.id(),
        created.attributes()["secret"].as_str().unwrap().to_owned(),
    );
    let uri = format!("/webhooks/{id}/ping");
    let pinged = send(&app, post_empty(&uri)).await;
    assert_eq!(pinged.status, StatusCode::OK, "{}", pinged.body);
    assert_eq!(pinged.body["meta"]["delivered"], true);
    assert_eq!(pinged.body["meta"]["status_code"], 204);
    assert_eq!(pinged.body["meta"]["error"], Value::Null);
    let failed = send(&app, post_empty(&uri)).await;
    assert_eq!(
        (
            &failed.body["meta"]["delivered"],
            &failed.body["meta"]["status_code"],
            &failed.body["meta"]["error"]
        ),
        (&json!(false), &json!(500), &json!("answered 500"))
    );
    let got = receiver.got();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].json()["type"], "webhook.ping");
    assert_eq!(got[0].json()["data"]["webhook"]["id"], id.as_str());
    assert_ne!(got[0].header("webhook-id"), got[1].header("webhook-id"));
    let secret = orgbase_domain::WebhookSecret::parse(&secret).unwrap();
    let ts: i64 = got[0].header("webhook-timestamp").parse().unwrap();
    assert_eq!(
        got[0].header("webhook-signature"),
        secret.sign(got[0].header("webhook-id"), ts, &got[0].body)
    );
    // A ping is not a change and moves nothing.
    let after = send(&app, get(&format!("/webhooks/{id}"))).await;
    assert_eq!(
        after.attributes()["last_delivered_sequence"],
        created.attributes()["last_delivered_sequence"]
    );
}
