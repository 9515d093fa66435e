//! A client of a running orgbase, over real HTTP: creates a colleague, creates an organization
//! they own, and reads it back with `include=owner`, the owner arriving in the same document.
//!
//! ```sh
//! ORGBASE_BOOTSTRAP_KEY=ob_example cargo run --release &      # a server with a known admin key
//! ORGBASE_URL=http://127.0.0.1:8080 ORGBASE_KEY=ob_example cargo run --example owner_and_include
//! ```

use std::process::ExitCode;

#[path = "support/jsonapi_client.rs"]
mod jsonapi_client;

use jsonapi_client::{Client, run_example};
use serde_json::json;

fn run(client: &Client) -> Result<(), String> {
    let suffix = std::process::id();
    let colleague = client.send(
        "POST",
        "/users",
        Some(json!({"data": {"type": "users", "attributes": {
            "name": "Dana Owner", "email": format!("dana.{suffix}@example.com"), "role": "member"}}})),
    )?;
    let dana = colleague["data"]["id"]
        .as_str()
        .ok_or("no user id")?
        .to_owned();
    let created = client.send(
        "POST",
        "/organizations",
        Some(json!({"data": {"type": "organizations",
            "attributes": {"name": format!("Example Corp {suffix}"), "website": "https://example.com"},
            "relationships": {"owner": {"data": {"type": "users", "id": dana}}}}})),
    )?;
    let id = created["data"]["id"]
        .as_str()
        .ok_or("no organization id")?
        .to_owned();
    let read = client.send(
        "GET",
        &format!("/organizations/{id}?include=owner&fields%5Busers%5D=name,email"),
        None,
    )?;
    let owner = &read["included"][0];
    println!(
        "{} is owned by {} <{}>",
        read["data"]["attributes"]["name"].as_str().unwrap_or("?"),
        owner["attributes"]["name"].as_str().unwrap_or("?"),
        owner["attributes"]["email"].as_str().unwrap_or("?"),
    );
    if owner["id"] != json!(dana) {
        return Err(format!(
            "expected the owner {dana} in included, got {owner}"
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    run_example("owner_and_include", run)
}
