//! A CRM sync client: pulls every organization changed since the last sync, page by page, and
//! pushes the other system's organizations with `return_existing`, so a push that races
//! another one (or repeats after a crash) never makes a duplicate.
//!
//! ```sh
//! ORGBASE_BOOTSTRAP_KEY=ob_example cargo run --release &
//! ORGBASE_URL=http://127.0.0.1:8080 ORGBASE_KEY=ob_example cargo run --example crm_sync
//! ```
//!
//! The sync point is the newest `updated_at` seen. Pulling with `filter[updated_at][gt]` and
//! `sort=updated_at,id`, paged by cursor (the JSON:API cursor pagination profile, asked for in
//! `Accept`), returns each change once, oldest first, at the same cost on every page however
//! deep, and does not count the whole match set (cursor pages count only when asked).

#[path = "support/jsonapi_client.rs"]
mod jsonapi_client;

use std::process::ExitCode;

use jsonapi_client::{CURSOR_PAGES, Client, run_example};
use serde_json::{Value, json};

/// Changes since `since` (an RFC 3339 time), following `links.next` from cursor page to cursor
/// page until it is null; returns the organizations and the new sync point.
fn pull(client: &Client, since: &str) -> Result<(Vec<Value>, String), String> {
    let mut path = format!(
        "/organizations?filter%5Bupdated_at%5D%5Bgt%5D={since}&sort=updated_at,id&page%5Bsize%5D=100&filter%5Barchived%5D=any"
    );
    let mut changed = Vec::new();
    let mut newest = since.to_owned();
    loop {
        let page = client.send_accepting("GET", &path, None, CURSOR_PAGES)?;
        for org in page["data"].as_array().ok_or("no data array")? {
            if let Some(at) = org["attributes"]["updated_at"].as_str() {
                newest = at.to_owned();
            }
            changed.push(org.clone());
        }
        // `links.next` is absolute; strip the base to reuse the client.
        match page["links"]["next"].as_str() {
            Some(next) => path = next.trim_start_matches(&client.base).to_owned(),
            None => return Ok((changed, newest)),
        }
    }
}

/// Creates the organization, or gets the one that already has its name (201 or 200 with the
/// stored organization): either way, its id.
fn push(client: &Client, attributes: Value) -> Result<String, String> {
    let answer = client.send(
        "POST",
        "/organizations?return_existing=true",
        Some(json!({"data": {"type": "organizations", "attributes": attributes}})),
    )?;
    Ok(answer["data"]["id"].as_str().ok_or("no id")?.to_owned())
}

fn run(client: &Client) -> Result<(), String> {
    let suffix = std::process::id();
    // The other system's records, pushed twice: the second push finds them.
    let records = [
        json!({"name": format!("Sync Alpha {suffix}"), "city": "Lisbon", "created_from": "crm-sync"}),
        json!({"name": format!("Sync Beta {suffix}"), "city": "Porto", "created_from": "crm-sync"}),
    ];
    let (_, since) = pull(client, "1970-01-01T00:00:00Z")?;
    for round in 1..=2 {
        for record in &records {
            let id = push(client, record.clone())?;
            println!("push {round}: {} -> {id}", record["name"]);
        }
    }
    let (changed, newest) = pull(client, &since)?;
    println!(
        "pulled {} organizations changed since {since}; next sync from {newest}",
        changed.len()
    );
    let names: Vec<&str> = changed
        .iter()
        .filter_map(|o| o["attributes"]["name"].as_str())
        .collect();
    for record in &records {
        let name = record["name"].as_str().unwrap_or_default();
        if names.iter().filter(|n| **n == name).count() != 1 {
            return Err(format!("{name} should have been pulled exactly once"));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    run_example("crm_sync", run)
}
