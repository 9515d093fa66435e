//! A client of a running orgbase, over real HTTP: creates a colleague, creates an organization
//! they own, and reads it back with `include=owner`, the owner arriving in the same document.
//!
//! ```sh
//! ORGBASE_BOOTSTRAP_KEY=ob_example cargo run --release &      # a server with a known admin key
//! ORGBASE_URL=http://127.0.0.1:8080 ORGBASE_KEY=ob_example cargo run --example owner_and_include
//! ```

use std::process::ExitCode;

use serde_json::{Value, json};

const JSONAPI: &str = "application/vnd.api+json";

struct Client {
    base: String,
    key: String,
}

impl Client {
    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let authorization = format!("Token {}", self.key);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(&url)
            .header("Authorization", &authorization)
            .header("Accept", JSONAPI)
            .header("Content-Type", JSONAPI)
            .body(body.map(|b| b.to_string()).unwrap_or_default())
            .map_err(|e| e.to_string())?;
        let mut response = agent
            .run(request)
            .map_err(|e| format!("{method} {url}: {e}"))?;
        let status = response.status();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?;
        let document: Value =
            serde_json::from_str(&text).map_err(|e| format!("{method} {url}: {e}: {text}"))?;
        if !status.is_success() {
            return Err(format!(
                "{method} {url} answered {status}: {}",
                document["errors"]
            ));
        }
        Ok(document)
    }
}

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
    let client = Client {
        base: std::env::var("ORGBASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into()),
        key: std::env::var("ORGBASE_KEY").unwrap_or_default(),
    };
    match run(&client) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("owner_and_include: {message}");
            ExitCode::FAILURE
        }
    }
}
