//! `Idempotency-Key` (the IETF httpapi draft) on every POST but `POST /api_keys`: the first
//! request with a key runs, and its answer is stored with the key (scoped to the caller's
//! API key) for a day; a retry with the same key and the byte-identical request gets that
//! answer again, with `Idempotency-Replayed: true`, and changes nothing. The rule is the
//! domain's ([`orgbase_domain::idempotency`]); this middleware reads the header, fingerprints
//! the request, and stores or replays the answer.
//!
//! It runs inside authentication (the caller's key scopes the key) and outside the handlers,
//! so every POST endpoint, present and future, is covered without a line of its own.

use actix_web::body::{BodyStream, EitherBody, MessageBody, to_bytes, to_bytes_limited};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};
use orgbase_domain::idempotency::{Claim, IdempotencyKey, KEY_MAX_CHARS, StoredResponse};
use orgbase_domain::time;
use sha2::{Digest, Sha256};

use crate::atomic::OPERATIONS_BODY_LIMIT;
use crate::auth::Caller;
use crate::errors::{ApiError, ErrorObject, Kind, Source};
use crate::state::AppState;

pub static IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub static IDEMPOTENCY_REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");

/// The headers replayed with a stored answer: those that describe its body. The rest
/// (`Date`, `X-Request-Id`) belong to the response that carries it.
const REPLAYED_HEADERS: [HeaderName; 5] = [
    header::CONTENT_TYPE,
    header::LOCATION,
    header::ETAG,
    header::LAST_MODIFIED,
    header::ALLOW,
];

/// The endpoint whose answer holds a secret, which orgbase never stores.
const SECRET_ANSWERING_PATH: &str = "/api_keys";

fn header_error(kind: Kind, detail: impl Into<String>) -> ApiError {
    ErrorObject::new(kind, detail)
        .at(Source::Header("Idempotency-Key".to_owned()))
        .into()
}

/// The key as the header gives it: a structured-field string (`"…"`, the draft's form) or,
/// as many clients send it, the bare value; both mean the same key.
pub fn parse_key(value: &HeaderValue) -> Result<String, ApiError> {
    let invalid = |detail: &str| header_error(Kind::InvalidHeader, detail);
    let text = value
        .to_str()
        .map_err(|_| invalid("`Idempotency-Key` must be visible ASCII."))?
        .trim();
    let key = match text.strip_prefix('"') {
        Some(quoted) => {
            let inner = quoted.strip_suffix('"').ok_or_else(|| {
                invalid("`Idempotency-Key` opens a quoted string it does not close.")
            })?;
            unescape(inner).ok_or_else(|| {
                invalid("`Idempotency-Key`'s quoted string has a bare `\"` or a `\\` escaping something other than `\"` or `\\`.")
            })?
        }
        None => text.to_owned(),
    };
    if key.is_empty() {
        return Err(invalid("`Idempotency-Key` must not be empty."));
    }
    if key.chars().count() > KEY_MAX_CHARS {
        return Err(invalid(&format!(
            "`Idempotency-Key` is at most {KEY_MAX_CHARS} characters; a UUID is the usual key."
        )));
    }
    Ok(key)
}

/// A structured-field string's content: `\"` and `\\` are the only escapes, and a bare `"`
/// cannot appear.
fn unescape(inner: &str) -> Option<String> {
    let mut key = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                escaped @ ('"' | '\\') => key.push(escaped),
                _ => return None,
            },
            '"' => return None,
            c => key.push(c),
        }
    }
    Some(key)
}

/// What makes two requests the same: path, query and body, byte for byte.
fn fingerprint(req: &ServiceRequest, body: &[u8]) -> String {
    let target = req
        .uri()
        .path_and_query()
        .map_or(req.path(), |p| p.as_str());
    let mut hasher = Sha256::new();
    hasher.update(target.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads the whole body (at most what any endpoint accepts), so that it can be fingerprinted
/// and then handed on unchanged.
async fn read_body(req: &mut ServiceRequest) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            Kind::BodyTooLarge,
            format!("Request bodies are limited to {OPERATIONS_BODY_LIMIT} bytes."),
        )
    };
    let payload = req.take_payload();
    to_bytes_limited(BodyStream::new(payload), OPERATIONS_BODY_LIMIT)
        .await
        .map_err(|_| too_large())?
        .map_err(|e| {
            ApiError::new(
                Kind::InvalidDocument,
                format!("The request body could not be read: {e}"),
            )
        })
}

/// Middleware: see the module.
pub async fn guard<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if req.method() != Method::POST || !req.headers().contains_key(&IDEMPOTENCY_KEY) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let refuse = |req: ServiceRequest, error: ApiError| {
        Ok(req
            .into_response(error.error_response())
            .map_into_right_body())
    };
    let mut values = req.headers().get_all(&IDEMPOTENCY_KEY);
    let (Some(value), None) = (values.next(), values.next()) else {
        let error = header_error(Kind::InvalidHeader, "Send one `Idempotency-Key`.");
        return refuse(req, error);
    };
    let key = match parse_key(value) {
        Ok(key) => key,
        Err(error) => return refuse(req, error),
    };
    if req.match_info().as_str() == SECRET_ANSWERING_PATH {
        let error = header_error(
            Kind::InvalidHeader,
            "`POST /api_keys` takes no `Idempotency-Key`: its answer holds the new key's secret, which orgbase never stores, so it could not be replayed. Retry without the header, and revoke a key whose answer was lost.",
        );
        return refuse(req, error);
    }
    let (Some(scope), Some(state)) = (
        req.extensions().get::<Caller>().map(|c| c.key_id),
        req.app_data::<web::Data<AppState>>().cloned(),
    ) else {
        // Open paths have no caller to scope a key to; no POST is open.
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let body = match read_body(&mut req).await {
        Ok(body) => body,
        Err(error) => return refuse(req, error),
    };
    let fingerprint = fingerprint(&req, &body);
    let key = IdempotencyKey { scope, key };
    let claimed = {
        let (key, fingerprint) = (key.clone(), fingerprint.clone());
        state
            .run(move |store| store.claim_idempotency_key(&key, &fingerprint, time::now()))
            .await
    };
    match claimed {
        Err(error) => refuse(req, error),
        Ok(Claim::Reused) => refuse(
            req,
            header_error(
                Kind::IdempotencyKeyReused,
                "This `Idempotency-Key` was sent with a different request (path, query or body); use a new key for a new request.",
            ),
        ),
        Ok(Claim::InProgress) => refuse(
            req,
            header_error(
                Kind::IdempotencyKeyInProgress,
                "The first request with this `Idempotency-Key` is still running; retry once it has answered.",
            ),
        ),
        Ok(Claim::Replay(stored)) => {
            let response = replay(&stored).map_err(actix_web::Error::from)?;
            Ok(req.into_response(response).map_into_right_body())
        }
        Ok(Claim::Run) => {
            req.set_payload(Payload::from(body));
            let response = next.call(req).await?;
            let (req, response) = response.into_parts();
            let (head, body) = response.into_parts();
            let body = match to_bytes(body).await {
                Ok(body) => body,
                // The handler's answer could not be read: nothing is kept, and the caller gets
                // an error document (a retry runs again).
                Err(error) => {
                    let error = ApiError::internal(error.into());
                    release(&state, key, fingerprint).await;
                    return Ok(
                        ServiceResponse::new(req, error.error_response()).map_into_right_body()
                    );
                }
            };
            keep(&state, key, fingerprint, &head, &body).await;
            let response = head.set_body(body).map_into_boxed_body();
            Ok(ServiceResponse::new(req, response).map_into_right_body())
        }
    }
}

/// Stores the first request's answer; a server error is not an answer (a retry may succeed),
/// so it releases the key instead.
async fn keep(
    state: &AppState,
    key: IdempotencyKey,
    fingerprint: String,
    head: &HttpResponse<()>,
    body: &Bytes,
) {
    let answer = match (head.status().is_server_error(), std::str::from_utf8(body)) {
        (false, Ok(text)) => Some(StoredResponse {
            status: head.status().as_u16(),
            headers: REPLAYED_HEADERS
                .iter()
                .filter_map(|name| {
                    let value = head.headers().get(name)?.to_str().ok()?;
                    Some((name.as_str().to_owned(), value.to_owned()))
                })
                .collect(),
            body: text.to_owned(),
        }),
        _ => None,
    };
    let Some(answer) = answer else {
        return release(state, key, fingerprint).await;
    };
    let kept = state
        .run(move |store| store.answer_idempotency_key(&key, &fingerprint, &answer))
        .await;
    // The request's own answer stands; a retry after its lease runs it again.
    if let Err(error) = kept {
        tracing::warn!(?error, "could not store an idempotent request's answer");
    }
}

/// Forgets the claim, so that a retry runs again.
async fn release(state: &AppState, key: IdempotencyKey, fingerprint: String) {
    let released = state
        .run(move |store| store.release_idempotency_key(&key, &fingerprint))
        .await;
    if let Err(error) = released {
        tracing::warn!(
            ?error,
            "could not release an idempotency key; its lease will end"
        );
    }
}

fn replay(stored: &StoredResponse) -> Result<HttpResponse, ApiError> {
    let status = StatusCode::from_u16(stored.status)
        .map_err(|_| ApiError::internal(format!("a stored status of {}", stored.status)))?;
    let mut response = HttpResponse::build(status);
    for (name, value) in &stored.headers {
        response.insert_header((name.as_str(), value.as_str()));
    }
    response.insert_header((
        IDEMPOTENCY_REPLAYED.clone(),
        HeaderValue::from_static("true"),
    ));
    Ok(response.body(stored.body.clone()))
}
