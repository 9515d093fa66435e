//! One delivery attempt: a `POST` of the body, signed for this attempt's time, with a 10 s
//! limit, no redirects followed, and at most 64 KiB of the answer read (and ignored).

use std::net::ToSocketAddrs;
use std::time::{Duration, Instant};

use orgbase_domain::Webhook;
use orgbase_domain::webhook::{is_private, signature_header};
use ureq::Agent;
use ureq::tls::{RootCerts, TlsConfig};

/// How long a receiver has to answer, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an answer's body is read before the connection is dropped.
pub const ANSWER_LIMIT: u64 = 64 * 1024;

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// Why there is no 2xx: the status, or what went wrong before one.
    pub error: Option<String>,
    pub duration: Duration,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Sends deliveries: one HTTP client (rustls, the operating system's trust store) for every
/// webhook of the process.
#[derive(Debug, Clone)]
pub struct Deliverer {
    agent: Agent,
    allow_private: bool,
}

impl Deliverer {
    pub fn new(allow_private: bool) -> Self {
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::PlatformVerifier)
            .build();
        let agent = Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent("orgbase-webhooks")
            .tls_config(tls)
            .build()
            .into();
        Self {
            agent,
            allow_private,
        }
    }

    /// POSTs `body` to the webhook, as message `id`, signed now with its secret.
    pub fn post(&self, webhook: &Webhook, id: &str, body: &[u8]) -> Attempt {
        let started = Instant::now();
        let failed = |error: String| Attempt {
            status: None,
            error: Some(error),
            duration: started.elapsed(),
        };
        if !self.allow_private
            && let Some(problem) = private_destination(&webhook.url)
        {
            return failed(problem);
        }
        let timestamp = orgbase_domain::time::now().timestamp();
        let signature = signature_header(
            &webhook.signing_secrets(orgbase_domain::time::now()),
            id,
            timestamp,
            body,
        );
        let sent = self
            .agent
            .post(&webhook.url)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .send(body);
        match sent {
            Ok(mut answer) => {
                let status = answer.status().as_u16();
                // Read so the connection can be reused; what it says is not ours to judge.
                let _ = answer
                    .body_mut()
                    .with_config()
                    .limit(ANSWER_LIMIT)
                    .read_to_vec();
                let ok = (200..300).contains(&status);
                Attempt {
                    status: Some(status),
                    error: (!ok).then(|| format!("answered {status}")),
                    duration: started.elapsed(),
                }
            }
            Err(error) => failed(error.to_string()),
        }
    }
}

/// Why the URL's host is not to be delivered to, when its name resolves to a loopback,
/// private or link-local address (the URL was checked when it was set; a name can be made to
/// point elsewhere since).
fn private_destination(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = parsed.port_or_known_default()?;
    let addresses = (host, port).to_socket_addrs().ok()?;
    addresses
        .into_iter()
        .any(|a| is_private(a.ip()))
        .then(|| format!("{host} resolves to a private address; deliveries go to public ones only"))
}

/// A `webhook.ping`: its own `webhook-id` each time, no change log entry behind it.
impl orgbase_http::Pinger for Deliverer {
    fn ping(&self, webhook: &Webhook) -> orgbase_http::PingOutcome {
        let body = serde_json::json!({
            "type": "webhook.ping",
            "timestamp": orgbase_domain::time::format(&orgbase_domain::time::now()),
            "data": {"webhook": {"type": "webhooks", "id": webhook.id.to_string()}},
        });
        let id = format!("ping_{}", uuid::Uuid::now_v7().simple());
        let attempt = self.post(webhook, &id, body.to_string().as_bytes());
        orgbase_http::PingOutcome {
            status_code: attempt.status,
            error: attempt.error,
            duration_ms: u64::try_from(attempt.duration.as_millis()).unwrap_or(u64::MAX),
        }
    }
}
