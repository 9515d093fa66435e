//! A CRM sync client, the integrator's loop: remember where the changes feed stands, walk
//! every organization by cursor into a mirror, then follow `GET /changes` from the saved
//! cursor (creates, updates and tombstones), and write back with `If-Match`, so an edit made
//! meanwhile by someone else is never overwritten: a stale `ETag` is a 412, and the client
//! fetches, reapplies and retries.
//!
//! ```sh
//! ORGBASE_BOOTSTRAP_KEY=ob_example cargo run --release &
//! ORGBASE_URL=http://127.0.0.1:8080 ORGBASE_KEY=ob_example cargo run --example crm_sync
//! ```
//!
//! The feed's cursor is saved *before* the walk: changes committed during the walk then come
//! again from the feed, and applying a change twice is harmless (each carries the values it
//! set). A 410 `changes_pruned` from the feed means the saved cursor is older than the
//! retention period: start again with a full walk.

#[path = "support/jsonapi_client.rs"]
mod jsonapi_client;

use std::collections::BTreeMap;
use std::process::ExitCode;

use jsonapi_client::{CURSOR_PAGES, Client, run_example};
use serde_json::{Map, Value, json};

/// The other system's copy: attributes by organization id.
type Mirror = BTreeMap<String, Map<String, Value>>;

/// Follows `links.next` from `path` until a page is empty or `links.next` is null; hands
/// each resource to `each`, and returns the last page's document.
fn walk(client: &Client, mut path: String, mut each: impl FnMut(&Value)) -> Result<Value, String> {
    loop {
        let page = client.send_accepting("GET", &path, None, CURSOR_PAGES)?;
        let data = page["data"].as_array().ok_or("no data array")?;
        data.iter().for_each(&mut each);
        match page["links"]["next"].as_str() {
            // `links.next` is absolute; strip the base to reuse the client.
            Some(next) if !data.is_empty() => {
                path = next.trim_start_matches(&client.base).to_owned()
            }
            _ => return Ok(page),
        }
    }
}

/// Where the feed of organization changes stands now: the cursor to follow it from.
fn feed_position(client: &Client) -> Result<String, String> {
    let page = client.send(
        "GET",
        "/changes?filter%5Bresource_type%5D=organizations&page%5Bsize%5D=1",
        None,
    )?;
    Ok(page["meta"]["latest"]["cursor"]
        .as_str()
        .ok_or("no meta.latest.cursor")?
        .to_owned())
}

/// Every organization, archived ones too, by cursor.
fn full_walk(client: &Client, mirror: &mut Mirror) -> Result<(), String> {
    walk(
        client,
        "/organizations?filter%5Barchived%5D=any&page%5Bsize%5D=100".to_owned(),
        |org| {
            let id = org["id"].as_str().unwrap_or_default().to_owned();
            let attributes = org["attributes"].as_object().cloned().unwrap_or_default();
            mirror.insert(id, attributes);
        },
    )?;
    Ok(())
}

/// Applies the changes after `cursor`; returns the cursor to resume from next time.
fn follow(client: &Client, cursor: &str, mirror: &mut Mirror) -> Result<String, String> {
    let mut resume = cursor.to_owned();
    let path = format!(
        "/changes?filter%5Bresource_type%5D=organizations&page%5Bsize%5D=100&page%5Bafter%5D={cursor}"
    );
    walk(client, path, |change| {
        let attributes = &change["attributes"];
        let id = attributes["resource_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        match attributes["operation"].as_str() {
            Some("delete") => {
                mirror.remove(&id);
            }
            _ => {
                let record = mirror.entry(id).or_default();
                for (name, change) in attributes["changes"].as_object().into_iter().flatten() {
                    record.insert(name.clone(), change["to"].clone());
                }
            }
        }
        if let Some(cursor) = change["meta"]["page"]["cursor"].as_str() {
            resume = cursor.to_owned();
        }
    })?;
    Ok(resume)
}

/// Sets `city`, guarded by the `ETag` the mirror's copy was read with: on 412 (someone
/// changed it meanwhile) fetches the organization again and retries once.
fn write_back(client: &Client, id: &str, etag: &str, city: &str) -> Result<u16, String> {
    let path = format!("/organizations/{id}");
    let body = json!({"data": {"type": "organizations", "id": id, "attributes": {"city": city}}});
    let first = client.exchange(
        "PATCH",
        &path,
        Some(body.clone()),
        CURSOR_PAGES,
        &[("If-Match", etag)],
    )?;
    if first.status != 412 {
        return Ok(first.status);
    }
    let fresh = client.exchange("GET", &path, None, CURSOR_PAGES, &[])?;
    let fresh_etag = fresh.etag.ok_or("no ETag")?;
    let retry = client.exchange(
        "PATCH",
        &path,
        Some(body),
        CURSOR_PAGES,
        &[("If-Match", &fresh_etag)],
    )?;
    println!(
        "write-back of {id}: 412 with a stale ETag, then {} after refetching",
        retry.status
    );
    Ok(retry.status)
}

fn run(client: &Client) -> Result<(), String> {
    let suffix = std::process::id();
    let create = |name: String| -> Result<(String, String), String> {
        let reply = client.exchange(
            "POST",
            "/organizations",
            Some(json!({"data": {"type": "organizations", "attributes": {"name": name, "city": "Lisbon"}}})),
            CURSOR_PAGES,
            &[],
        )?;
        let id = reply.document["data"]["id"]
            .as_str()
            .ok_or("no id")?
            .to_owned();
        Ok((id, reply.etag.ok_or("no ETag")?))
    };
    let (kept, kept_etag) = create(format!("Sync Kept {suffix}"))?;
    let (doomed, _) = create(format!("Sync Doomed {suffix}"))?;

    // 1. Save the feed's position, then walk everything.
    let cursor = feed_position(client)?;
    let mut mirror = Mirror::new();
    full_walk(client, &mut mirror)?;
    println!("full walk: {} organizations", mirror.len());

    // Meanwhile, someone else edits one, deletes one and creates one.
    let edit =
        json!({"data": {"type": "organizations", "id": kept, "attributes": {"city": "Porto"}}});
    client.send("PATCH", &format!("/organizations/{kept}"), Some(edit))?;
    client.exchange(
        "DELETE",
        &format!("/organizations/{doomed}"),
        None,
        CURSOR_PAGES,
        &[],
    )?;
    let (born, _) = create(format!("Sync Born {suffix}"))?;

    // 2. Follow the feed from the saved cursor.
    let resume = follow(client, &cursor, &mut mirror)?;
    println!("followed the feed; resume next time from {resume}");
    if mirror.contains_key(&doomed) {
        return Err("the tombstone was not applied".into());
    }
    if mirror.get(&kept).and_then(|o| o["city"].as_str()) != Some("Porto") {
        return Err("the edit made meanwhile was not applied".into());
    }
    if !mirror.contains_key(&born) {
        return Err("the organization created meanwhile is missing".into());
    }

    // 3. Write back with the ETag read before the other edit: 412, then a retry that wins.
    let status = write_back(client, &kept, &kept_etag, "Braga")?;
    if status != 200 {
        return Err(format!("the write-back answered {status}"));
    }
    follow(client, &resume, &mut mirror)?;
    if mirror.get(&kept).and_then(|o| o["city"].as_str()) != Some("Braga") {
        return Err("the write-back did not come back through the feed".into());
    }
    println!("mirror in sync: {} organizations", mirror.len());
    Ok(())
}

fn main() -> ExitCode {
    run_example("crm_sync", run)
}
