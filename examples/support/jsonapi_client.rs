//! The HTTP client the examples share (ureq, blocking).

use std::process::ExitCode;

use serde_json::Value;

const JSONAPI: &str = "application/vnd.api+json";

/// `Accept` asking for pages by cursor (the JSON:API cursor pagination profile).
// Each example compiles this module on its own, and not every one pages by cursor.
#[allow(dead_code)]
pub const CURSOR_PAGES: &str = "application/vnd.api+json; profile=\"https://jsonapi.org/profiles/ethanresnick/cursor-pagination\"";

/// A minimal JSON:API client: sends a document, returns the answer's document, or the
/// server's errors as text.
pub struct Client {
    pub base: String,
    pub key: String,
}

impl Client {
    /// The server of `ORGBASE_URL` (default http://127.0.0.1:8080) with the key `ORGBASE_KEY`.
    pub fn from_env() -> Self {
        Self {
            base: std::env::var("ORGBASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into()),
            key: std::env::var("ORGBASE_KEY").unwrap_or_default(),
        }
    }

    pub fn send(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        self.send_accepting(method, path, body, JSONAPI)
    }

    /// [`Client::send`] with another `Accept` (such as [`CURSOR_PAGES`]).
    #[allow(dead_code)]
    pub fn send_accepting(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        accept: &str,
    ) -> Result<Value, String> {
        let reply = self.exchange(method, path, body, accept, &[])?;
        if !(200..300).contains(&reply.status) {
            return Err(format!(
                "{method} {path} answered {}: {}",
                reply.status, reply.document["errors"]
            ));
        }
        Ok(reply.document)
    }

    /// Sends a request with extra headers (`If-Match` …) and returns the answer whatever its
    /// status, with its `ETag`.
    #[allow(dead_code)]
    pub fn exchange(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        accept: &str,
        headers: &[(&str, &str)],
    ) -> Result<Reply, String> {
        let url = format!("{}{path}", self.base);
        let authorization = format!("Token {}", self.key);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(&url)
            .header("Authorization", &authorization)
            .header("Accept", accept)
            .header("Content-Type", JSONAPI);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(body.map(|b| b.to_string()).unwrap_or_default())
            .map_err(|e| e.to_string())?;
        let mut response = agent
            .run(request)
            .map_err(|e| format!("{method} {url}: {e}"))?;
        let status = response.status().as_u16();
        let etag = response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?;
        let document: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| format!("{method} {url}: {e}: {text}"))?
        };
        Ok(Reply {
            status,
            etag,
            document,
        })
    }
}

/// An answer: status, `ETag` and document (null when there was no body).
#[allow(dead_code)]
pub struct Reply {
    pub status: u16,
    pub etag: Option<String>,
    pub document: Value,
}

/// Runs an example against the server the environment names; its failure is one line on
/// stderr and exit code 1.
pub fn run_example(name: &str, run: fn(&Client) -> Result<(), String>) -> ExitCode {
    match run(&Client::from_env()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{name}: {message}");
            ExitCode::FAILURE
        }
    }
}
