//! Webhooks delivered by the real binary to a receiver on loopback: signed with the secret the
//! 201 showed, in order; a `kill -9` mid-delivery and a restart lose nothing (the cut-off
//! delivery comes again, with its `webhook-id`); SIGTERM exits at once while a receiver hangs.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use orgbase_domain::WebhookSecret;
use orgbase_webhooks::testing::{Answers, Received, Receiver};
use serde_json::json;

use crate::client::request;
use crate::server::Server;

const ALLOW_PRIVATE: (&str, &str) = ("ORGBASE_WEBHOOKS_ALLOW_PRIVATE", "true");

fn register(address: &str, url: &str) -> WebhookSecret {
    let created = request(
        address,
        "POST",
        "/webhooks",
        Some(
            &json!({"data": {"type": "webhooks", "attributes": {"url": url,
            "events": ["organizations.created"]}}}),
        ),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    WebhookSecret::parse(
        created.body["data"]["attributes"]["secret"]
            .as_str()
            .unwrap(),
    )
    .unwrap()
}

fn create(address: &str, name: &str) {
    let created = request(
        address,
        "POST",
        "/organizations",
        Some(&json!({"data": {"type": "organizations", "attributes": {"name": name}}})),
    );
    assert_eq!(created.status, 201, "{}", created.body);
}

/// Waits until `done` holds of what the receiver got (at most 40 s: a killed instance's
/// lease, 20 s, must end before another delivers).
fn wait_for(receiver: &Receiver, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let got = receiver.got();
        if done(&got) || Instant::now() > deadline {
            return got;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn names(got: &[Received]) -> Vec<String> {
    got.iter()
        .map(|r| {
            r.json()["data"]["resource"]["attributes"]["name"]
                .as_str()
                .unwrap_or("?")
                .to_owned()
        })
        .collect()
}

#[test]
fn the_server_delivers_signed_changes_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hooks.db").display());
    let server = Server::start_with_env(&url, &[ALLOW_PRIVATE]);
    let receiver = Receiver::start(Answers::default()).unwrap();
    let secret = register(&server.address, &receiver.url);
    for n in 0..5 {
        create(&server.address, &format!("Org {n}"));
    }
    let got = wait_for(&receiver, |got| got.len() >= 5);
    assert_eq!(names(&got), ["Org 0", "Org 1", "Org 2", "Org 3", "Org 4"]);
    for received in &got {
        let id = received.header("webhook-id");
        let timestamp: i64 = received.header("webhook-timestamp").parse().unwrap();
        assert_eq!(
            received.header("webhook-signature"),
            secret.sign(id, timestamp, &received.body)
        );
        let link = received.json()["data"]["resource"]["links"]["self"].clone();
        assert!(
            link.as_str()
                .unwrap()
                .starts_with(&format!("http://{}/organizations/", server.address))
        );
    }
    let (status, _) = server.terminate();
    assert!(status.success());
}

#[test]
fn a_kill_mid_delivery_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hooks.db").display());
    // The first delivery is held long enough for the server to be killed during it.
    let receiver = Receiver::start(Answers {
        hold: Duration::from_secs(3),
        held: 1,
        ..Answers::default()
    })
    .unwrap();
    let first = Server::start_with_env(&url, &[ALLOW_PRIVATE]);
    register(&first.address, &receiver.url);
    for n in 0..3 {
        create(&first.address, &format!("Org {n}"));
    }
    let got = wait_for(&receiver, |got| !got.is_empty());
    assert_eq!(got.len(), 1, "the first delivery is being held");
    first.kill();

    let second = Server::start_with_env(&url, &[ALLOW_PRIVATE]);
    let got = wait_for(&receiver, |got| {
        got.iter()
            .map(|r| r.header("webhook-id").to_owned())
            .collect::<BTreeSet<_>>()
            .len()
            >= 3
    });
    // In order of first arrival, each at least once; the cut-off one again, with its id.
    let mut first_arrivals = Vec::new();
    for name in names(&got) {
        if !first_arrivals.contains(&name) {
            first_arrivals.push(name);
        }
    }
    assert_eq!(
        first_arrivals,
        ["Org 0", "Org 1", "Org 2"],
        "{:?}",
        names(&got)
    );
    assert!(
        got.iter()
            .filter(|r| r.header("webhook-id") == got[0].header("webhook-id"))
            .count()
            >= 2
    );
    let (status, _) = second.terminate();
    assert!(status.success());
}

#[test]
fn sigterm_exits_promptly_while_a_receiver_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hooks.db").display());
    let receiver = Receiver::start(Answers {
        hold: Duration::from_secs(60),
        held: 100,
        ..Answers::default()
    })
    .unwrap();
    let server = Server::start_with_env(&url, &[ALLOW_PRIVATE]);
    register(&server.address, &receiver.url);
    create(&server.address, "Hanging");
    wait_for(&receiver, |got| !got.is_empty());
    let started = Instant::now();
    let (status, _) = server.terminate();
    assert!(status.success(), "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}
