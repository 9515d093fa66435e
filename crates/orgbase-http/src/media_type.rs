//! Content negotiation, as JSON:API 1.1 requires: a request body in the JSON:API media type
//! with parameters other than `ext`/`profile`, or with an extension the endpoint does not
//! apply (orgbase supports one, the atomic extension, at `POST /operations`), is a 415; an
//! `Accept` whose every JSON:API entry carries parameters orgbase cannot honour is a 406.
//! Plain `application/json` bodies are accepted too.

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;

use crate::atomic::ATOMIC_EXT;
use crate::errors::{ApiError, ErrorObject, Kind, Source};
use crate::jsonapi::JSONAPI_MEDIA_TYPE;

/// One media range: `type/subtype` (lower-cased) and its parameters.
#[derive(Debug, PartialEq, Eq)]
pub struct MediaType {
    pub essence: String,
    pub params: Vec<(String, String)>,
}

impl MediaType {
    pub fn parse(text: &str) -> Self {
        let mut parts = text.split(';');
        let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let params = parts
            .filter_map(|p| {
                let (name, value) = p.split_once('=')?;
                Some((
                    name.trim().to_ascii_lowercase(),
                    value.trim().trim_matches('"').to_owned(),
                ))
            })
            .collect();
        Self { essence, params }
    }

    /// The JSON:API media type with only parameters orgbase can honour: `profile` (ignored, as
    /// the spec allows) and, in `Accept`, the quality `q` and an `ext` of extensions orgbase
    /// supports (the atomic one). A request body's `ext` is judged per endpoint
    /// ([`check_content_type`], [`check_atomic_content_type`]).
    fn is_acceptable_jsonapi(&self, in_accept: bool) -> bool {
        self.params.iter().all(|(name, value)| {
            name == "profile"
                || (in_accept && name == "q")
                || (in_accept && name == "ext" && extensions(value).all(|e| e == ATOMIC_EXT))
        })
    }

    /// The URIs of its `ext` parameter (a space-separated list), if any.
    fn extensions(&self) -> impl Iterator<Item = &str> {
        self.params
            .iter()
            .filter(|(name, _)| name == "ext")
            .flat_map(|(_, value)| extensions(value))
    }
}

fn extensions(value: &str) -> impl Iterator<Item = &str> {
    value.split_ascii_whitespace()
}

fn unsupported_media_type(detail: String) -> ApiError {
    ErrorObject::new(Kind::UnsupportedMediaType, detail)
        .at(Source::Header("Content-Type".into()))
        .into()
}

/// Checks the `Content-Type` of `POST /operations`: the JSON:API media type whose `ext`
/// names the atomic extension, and no extension orgbase does not support.
pub fn check_atomic_content_type(value: Option<&header::HeaderValue>) -> Result<(), ApiError> {
    let expected = format!("{JSONAPI_MEDIA_TYPE}; ext=\"{ATOMIC_EXT}\"");
    let media = value.map(|v| MediaType::parse(v.to_str().unwrap_or("")));
    let Some(media) = media.filter(|m| m.essence == JSONAPI_MEDIA_TYPE) else {
        return Err(unsupported_media_type(format!(
            "Send atomic operations with Content-Type: {expected}."
        )));
    };
    if let Some(other) = media.extensions().find(|e| *e != ATOMIC_EXT) {
        return Err(unsupported_media_type(format!(
            "orgbase does not support the extension {other:?}; it supports {ATOMIC_EXT:?} only."
        )));
    }
    if media.extensions().next().is_none() {
        return Err(unsupported_media_type(format!(
            "Atomic operations need the extension in the media type: Content-Type: {expected}."
        )));
    }
    if media
        .params
        .iter()
        .any(|(name, _)| name != "ext" && name != "profile")
    {
        return Err(unsupported_media_type(format!(
            "{JSONAPI_MEDIA_TYPE} may carry only the ext and profile parameters; send {expected}."
        )));
    }
    Ok(())
}

/// Checks a request body's `Content-Type`.
pub fn check_content_type(value: Option<&header::HeaderValue>) -> Result<(), ApiError> {
    let Some(value) = value else {
        return Err(unsupported_media_type(format!(
            "Send the body with Content-Type: {JSONAPI_MEDIA_TYPE}."
        )));
    };
    let media = MediaType::parse(value.to_str().unwrap_or(""));
    match media.essence.as_str() {
        JSONAPI_MEDIA_TYPE if media.is_acceptable_jsonapi(false) => Ok(()),
        JSONAPI_MEDIA_TYPE if media.extensions().any(|e| e == ATOMIC_EXT) => {
            Err(unsupported_media_type(format!(
                "The atomic extension applies to POST /operations only; send {JSONAPI_MEDIA_TYPE} without ext here."
            )))
        }
        JSONAPI_MEDIA_TYPE => Err(unsupported_media_type(format!(
            "{JSONAPI_MEDIA_TYPE} may carry only the profile parameter here (orgbase supports no other extensions)."
        ))),
        "application/json" => Ok(()),
        other => Err(unsupported_media_type(format!(
            "Content-Type {other:?} is not supported; send {JSONAPI_MEDIA_TYPE}."
        ))),
    }
}

/// Middleware: 406 when the client accepts the JSON:API media type only with parameters it
/// cannot be served with. It answers with a response, not an `Err`, so outer middleware (the
/// request log) sees the 406 like any other.
pub async fn negotiate<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if let Some(accept) = req.headers().get(header::ACCEPT) {
        let ranges: Vec<MediaType> = accept
            .to_str()
            .unwrap_or("")
            .split(',')
            .map(MediaType::parse)
            .collect();
        let jsonapi: Vec<&MediaType> = ranges
            .iter()
            .filter(|m| m.essence == JSONAPI_MEDIA_TYPE)
            .collect();
        if !jsonapi.is_empty() && jsonapi.iter().all(|m| !m.is_acceptable_jsonapi(true)) {
            let error: ApiError = ErrorObject::new(
                Kind::NotAcceptable,
                format!("Accept {JSONAPI_MEDIA_TYPE} without parameters other than profile, or with ext=\"{ATOMIC_EXT}\" (the one extension orgbase supports)."),
            )
            .at(Source::Header("Accept".into()))
            .into();
            return Ok(req
                .into_response(error.error_response())
                .map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_parameters() {
        let m = MediaType::parse(r#"Application/VND.API+json; ext="https://x/y"; charset=utf-8"#);
        assert_eq!(m.essence, "application/vnd.api+json");
        assert_eq!(
            m.params,
            vec![
                ("ext".into(), "https://x/y".into()),
                ("charset".into(), "utf-8".into())
            ]
        );
    }

    #[test]
    fn content_types() {
        let ok =
            |v: &str| check_content_type(Some(&header::HeaderValue::from_str(v).unwrap())).is_ok();
        assert!(ok("application/vnd.api+json"));
        assert!(ok(
            "application/vnd.api+json; profile=\"https://example.com/p\""
        ));
        assert!(ok("application/json; charset=utf-8"));
        assert!(!ok("application/vnd.api+json; charset=utf-8"));
        assert!(!ok(
            "application/vnd.api+json; ext=\"https://jsonapi.org/ext/atomic\""
        ));
        assert!(!ok("text/plain"));
        assert!(check_content_type(None).is_err());
    }
}
