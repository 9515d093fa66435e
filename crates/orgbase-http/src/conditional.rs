//! ETags and conditional requests (RFC 9110 §13).
//!
//! A single resource's ETag is strong and made of its stored version (a number every write
//! of the record takes, which only grows): `"42"`. A representation that
//! depends on more than the stored record adds a digest of what else it depends on:
//! `"42-1f0c9a3e"`, for sparse fieldsets, `include` (and the included records' versions), and,
//! for organizations, the set of custom fields defined (each is an attribute).
//!
//! `If-None-Match` compares the whole tag (a 304 promises the same bytes). `If-Match` compares
//! the version part only: it guards against lost updates, and any representation of the
//! current version was made from the stored record the write replaces. The comparison is
//! decided by the store inside the write transaction, so of two writes sent with the same
//! `If-Match` one succeeds and the other gets 412.

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use orgbase_domain::{Error, UserId, Version, Write};
use sha2::{Digest, Sha256};

use crate::errors::ApiError;
use crate::query::QueryPairs;

/// The ETag of one representation.
#[derive(Debug, Clone)]
pub struct ETag {
    version: Version,
    variant: Option<Sha256>,
}

impl ETag {
    pub fn of(version: Version) -> Self {
        Self {
            version,
            variant: None,
        }
    }

    /// Adds something the representation depends on besides the stored record.
    pub fn vary(mut self, part: &str) -> Self {
        let hasher = self.variant.get_or_insert_with(Sha256::new);
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
        self
    }

    /// Adds the custom fields the record is rendered with: each is an attribute, and a deleted
    /// field takes its values without a new version of the records that held them.
    pub fn vary_by_fields(self, fields: &orgbase_domain::CustomFields) -> Self {
        fields
            .iter()
            .fold(self, |etag, field| etag.vary(&field.id.to_string()))
    }

    /// Adds the request's `fields[…]` and `include` parameters, in a canonical order.
    pub fn vary_by_shape(self, pairs: &QueryPairs) -> Self {
        let mut shaping: Vec<&(String, String)> = pairs
            .0
            .iter()
            .filter(|(name, _)| name.starts_with("fields[") || name == "include")
            .collect();
        shaping.sort();
        shaping
            .into_iter()
            .fold(self, |tag, (name, value)| tag.vary(name).vary(value))
    }

    /// Adds the resources a document includes, as rendered: a change to an included user
    /// changes the document.
    pub fn vary_by_included(self, included: Option<&Vec<serde_json::Value>>) -> Self {
        match included {
            Some(included) => self.vary(&serde_json::to_string(included).unwrap_or_default()),
            None => self,
        }
    }

    /// The header value, quotes included.
    pub fn value(&self) -> String {
        match &self.variant {
            None => format!("\"{}\"", self.version),
            Some(hasher) => {
                let digest = hasher.clone().finalize();
                let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
                format!("\"{}-{hex}\"", self.version)
            }
        }
    }
}

/// The entity tags of an `If-Match` or `If-None-Match` header: `*`, or the listed tags.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tags {
    Any,
    /// Each tag as sent, `W/` prefix included.
    Listed(Vec<String>),
}

fn tags(req: &HttpRequest, name: header::HeaderName) -> Option<Tags> {
    let values: Vec<&str> = req
        .headers()
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.is_empty() {
        return None;
    }
    let listed: Vec<String> = values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    if listed.iter().any(|t| t == "*") {
        return Some(Tags::Any);
    }
    Some(Tags::Listed(listed))
}

/// The version a strong tag orgbase made names (`"42"` or `"42-…"`); `None` for weak tags and
/// tags of other making, which never match in `If-Match`.
fn version_of(tag: &str) -> Option<Version> {
    let inner = tag.strip_prefix('"')?.strip_suffix('"')?;
    let digits = inner.split('-').next()?;
    digits.parse().ok()
}

/// A write request's `If-Match`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Precondition {
    /// The versions the tags name; `None` without the header or with `*`.
    expected: Option<Vec<Version>>,
    present: bool,
}

impl Precondition {
    pub fn of(req: &HttpRequest) -> Self {
        match tags(req, header::IF_MATCH) {
            None => Self::default(),
            Some(Tags::Any) => Self {
                expected: None,
                present: true,
            },
            Some(Tags::Listed(listed)) => Self {
                expected: Some(listed.iter().filter_map(|t| version_of(t)).collect()),
                present: true,
            },
        }
    }

    /// The [`Write`] a store checks, by `actor`.
    pub fn write(&self, actor: UserId) -> Write {
        Write {
            actor: Some(actor),
            expected: self.expected.clone(),
        }
    }

    /// A write's error as the precondition makes it: with `If-Match`, a record that does
    /// not exist fails the precondition (RFC 9110 §13.1.1) rather than being a 404.
    pub fn judge(&self, error: ApiError) -> ApiError {
        if self.present && error.status == StatusCode::NOT_FOUND {
            return ApiError::from(Error::PreconditionFailed);
        }
        error
    }
}

/// A `DELETE` under the request's `If-Match`: 204 once `delete` ran with the caller and the
/// version expected, or its error judged against the precondition.
pub async fn delete_if_matching(
    req: &HttpRequest,
    caller: UserId,
    state: &crate::state::AppState,
    delete: impl FnOnce(&dyn orgbase_domain::Store, Write) -> orgbase_domain::Result<()>
    + Send
    + 'static,
) -> Result<HttpResponse, ApiError> {
    let precondition = Precondition::of(req);
    let write = precondition.write(caller);
    state
        .run(move |store| delete(store, write))
        .await
        .map_err(|e| precondition.judge(e))?;
    Ok(HttpResponse::NoContent().finish())
}

/// Whether a GET or HEAD may answer 304: `If-None-Match` names this representation's tag
/// (weakly compared, as RFC 9110 §13.1.2 says) or is `*`.
pub fn not_modified(req: &HttpRequest, etag: &ETag) -> bool {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return false;
    }
    let current = etag.value();
    match tags(req, header::IF_NONE_MATCH) {
        None => false,
        Some(Tags::Any) => true,
        Some(Tags::Listed(listed)) => listed
            .iter()
            .any(|t| t.strip_prefix("W/").unwrap_or(t) == current),
    }
}

/// `304 Not Modified` with the tag and no body.
pub fn not_modified_response(etag: &ETag) -> HttpResponse {
    let mut response = HttpResponse::build(StatusCode::NOT_MODIFIED);
    response.insert_header((header::ETAG, etag.value()));
    response.finish()
}

/// Puts the tag on a response.
pub fn tagged(mut response: HttpResponse, etag: &ETag) -> HttpResponse {
    if let Ok(value) = header::HeaderValue::from_str(&etag.value()) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn tags_name_their_version_and_vary_with_what_else_the_body_holds() {
        assert_eq!(ETag::of(42).value(), "\"42\"");
        let varied = ETag::of(42).vary("fields[organizations]").vary("name");
        assert!(varied.value().starts_with("\"42-"));
        assert_ne!(
            varied.value(),
            ETag::of(42).vary("fields[users]").vary("name").value()
        );
        assert_eq!(version_of(&varied.value()), Some(42));
        assert_eq!(version_of("W/\"42\""), None);
        assert_eq!(version_of("\"abc\""), None);
    }

    #[test]
    fn if_match_becomes_the_versions_a_write_expects() {
        let actor = UserId::generate();
        let of = |value: &str| {
            Precondition::of(
                &TestRequest::default()
                    .insert_header((header::IF_MATCH, value))
                    .to_http_request(),
            )
        };
        let listed = of("\"7\", \"9-0a0b0c0d\", W/\"11\"");
        assert_eq!(listed.write(actor).expected, Some(vec![7, 9]));
        assert_eq!(of("*").write(actor).expected, None);
        let missing = || ApiError::from(Error::user_not_found(actor));
        assert_eq!(
            of("*").judge(missing()).status,
            StatusCode::PRECONDITION_FAILED
        );
        assert_eq!(
            of("\"xyz\"").write(actor).expected,
            Some(vec![]),
            "a tag orgbase did not make matches nothing"
        );
        let none = Precondition::of(&TestRequest::default().to_http_request());
        assert_eq!(none.write(actor).expected, None);
        assert_eq!(none.judge(missing()).status, StatusCode::NOT_FOUND);
    }

    #[test]
    fn if_none_match_compares_weakly_on_reads_only() {
        let etag = ETag::of(3);
        let get = TestRequest::get()
            .insert_header((header::IF_NONE_MATCH, "W/\"3\""))
            .to_http_request();
        assert!(not_modified(&get, &etag));
        let other = TestRequest::get()
            .insert_header((header::IF_NONE_MATCH, "\"4\""))
            .to_http_request();
        assert!(!not_modified(&other, &etag));
        let patch = TestRequest::patch()
            .insert_header((header::IF_NONE_MATCH, "*"))
            .to_http_request();
        assert!(!not_modified(&patch, &etag));
    }
}
