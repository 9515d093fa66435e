//! Holds every response the API tests receive to the API description: the status must be one
//! the operation documents, and the body must match the schema documented for that status.
//! So the description cannot drift from what the server answers without failing the suite.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use actix_web::http::{Method, StatusCode};
use serde_json::{Value, json};

fn description() -> &'static Value {
    orgbase_http::openapi::document()
}

/// The documented path template a request path falls under: literal segments must be equal,
/// `{name}` segments take any non-empty one; a template without parameters wins.
pub fn template_for(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    let matches = |template: &str| {
        let parts: Vec<&str> = template.split('/').collect();
        parts.len() == segments.len()
            && parts.iter().zip(&segments).all(|(part, segment)| {
                part == segment || (part.starts_with('{') && !segment.is_empty())
            })
    };
    let paths = description()["paths"].as_object()?;
    let mut candidates: Vec<&'static str> = paths
        .keys()
        .map(String::as_str)
        .filter(|t| matches(t))
        .collect();
    candidates.sort_by_key(|t| t.matches('{').count());
    candidates.first().copied()
}

/// A validator for the schema documented at this JSON pointer into the description.
fn validator(pointer: &str) -> &'static jsonschema::Validator {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static jsonschema::Validator>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let mut cache = cache.lock().unwrap();
    if let Some(validator) = cache.get(pointer) {
        return validator;
    }
    let schema = description()
        .pointer(pointer)
        .unwrap_or_else(|| panic!("the description has nothing at {pointer}"));
    // The schema's `$ref`s point into the description's components.
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": description()["components"],
        "allOf": [schema],
    });
    let built = jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("the schema at {pointer} does not compile: {e}"));
    let leaked: &'static jsonschema::Validator = Box::leak(Box::new(built));
    cache.insert(pointer.to_owned(), leaked);
    leaked
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Asserts the response is one the description documents: its status, its media type and
/// its body. Paths no template matches (the 404 fallback) and methods a path does not list
/// (405) are the app's, not an operation's.
pub fn assert_described(
    method: &Method,
    path: &str,
    status: StatusCode,
    content_type: Option<&str>,
    body: &Value,
) {
    let Some(template) = template_for(path) else {
        return;
    };
    let method = if method == Method::HEAD {
        "get".to_owned()
    } else {
        method.as_str().to_ascii_lowercase()
    };
    let operation = &description()["paths"][template][&method];
    if operation.is_null() {
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        return;
    }
    let code = status.as_str();
    let response = &operation["responses"][code];
    assert!(
        response.is_object(),
        "{} {template} answered {code}, which the description does not list: {body}",
        method.to_uppercase()
    );
    if body.is_null() {
        return;
    }
    let Some(contents) = response["content"].as_object().filter(|c| !c.is_empty()) else {
        panic!("{method} {template} {code} has a body but documents none: {body}");
    };
    let Some(media) = content_type.filter(|t| contents.contains_key(*t)) else {
        panic!(
            "{} {template} ({code}) answered {content_type:?}, a media type its description does not give",
            method.to_uppercase()
        );
    };
    let pointer = format!(
        "/paths/{}/{method}/responses/{code}/content/{}/schema",
        escape(template),
        escape(media)
    );
    let errors: Vec<String> = validator(&pointer)
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{} {path} ({code}) does not match its documented schema: {errors:#?}\n{body:#}",
        method.to_uppercase()
    );
}

/// Asserts a GET's media type (parameters such as `charset` aside) is the one the description
/// documents for its status, for answers read outside [`crate::support::send`] (the API
/// description and the docs page, which are not JSON:API documents).
pub fn assert_media_type_described(path: &str, status: StatusCode, content_type: &str) {
    let Some(template) = template_for(path) else {
        return;
    };
    let response = &description()["paths"][template]["get"]["responses"][status.as_str()];
    assert!(
        response.is_object(),
        "GET {template} answered {status}, which the description does not list"
    );
    let Some(media) = response["content"]
        .as_object()
        .and_then(|c| c.keys().next())
    else {
        return;
    };
    let essence = content_type.split(';').next().unwrap_or("").trim();
    assert_eq!(
        essence, media,
        "GET {path} ({status}) answered a media type its description does not give"
    );
}
