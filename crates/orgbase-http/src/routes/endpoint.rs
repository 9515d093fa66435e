//! What one endpoint is: a handler, who may call it, and its API description (the method,
//! the path and the operation its `#[utoipa::path]` declares). The routing table in
//! [`super`] lists each endpoint once; registration, the authorization table and the OpenAPI
//! paths are all read from that list, so they cannot disagree.

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{Route, web};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{HttpMethod, Operation, PathItem};

use crate::auth::Access;
use crate::errors::{ApiError, Kind};

/// One method on one path.
#[derive(Clone)]
pub struct Endpoint {
    pub method: Method,
    /// The route pattern, with `{name}` segments: `/organizations/{id}`.
    pub path: String,
    pub access: Access,
    pub operation: Operation,
    /// The handler, as a route for a method (`HEAD` as well as `GET`).
    pub(crate) route: fn(Method) -> Route,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// The endpoint a handler's one-path description declares.
    pub(crate) fn described(
        description: OpenApi,
        access: Access,
        route: fn(Method) -> Route,
    ) -> Self {
        let mut paths = description.paths.paths.into_iter();
        let (path, item) = match (paths.next(), paths.next()) {
            (Some(only), None) => only,
            _ => unreachable!("each endpoint describes exactly one path"),
        };
        let (method, operation) = only_operation(item);
        Self {
            method,
            path,
            access,
            operation,
            route,
        }
    }
}

fn only_operation(item: PathItem) -> (Method, Operation) {
    let operations = [
        (Method::GET, item.get),
        (Method::POST, item.post),
        (Method::PUT, item.put),
        (Method::PATCH, item.patch),
        (Method::DELETE, item.delete),
    ];
    let mut declared = operations
        .into_iter()
        .filter_map(|(method, operation)| Some((method, operation?)));
    match (declared.next(), declared.next()) {
        (Some(only), None) => only,
        _ => unreachable!("each handler declares exactly one method"),
    }
}

/// utoipa's name for a method, to add an operation to a description.
pub fn http_method(method: &Method) -> HttpMethod {
    match *method {
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::PATCH => HttpMethod::Patch,
        Method::DELETE => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

pub fn method_not_allowed(allow: &str) -> ApiError {
    ApiError::new(
        Kind::MethodNotAllowed,
        format!("This endpoint answers {allow}."),
    )
    .with_header(
        header::ALLOW,
        HeaderValue::from_str(allow).unwrap_or(HeaderValue::from_static("GET")),
    )
}

/// Registers the endpoints, one actix resource per path: `GET` also answers `HEAD`, and any
/// other method gets a 405 whose `Allow` names exactly the path's methods.
pub fn register(cfg: &mut web::ServiceConfig, endpoints: &[Endpoint]) {
    let mut paths: Vec<&str> = Vec::new();
    for endpoint in endpoints {
        if !paths.contains(&endpoint.path.as_str()) {
            paths.push(&endpoint.path);
        }
    }
    for path in paths {
        let mut resource = web::resource(path.to_owned());
        let mut allow: Vec<&str> = Vec::new();
        for endpoint in endpoints.iter().filter(|e| e.path == path) {
            resource = resource.route((endpoint.route)(endpoint.method.clone()));
            allow.push(endpoint.method.as_str());
            if endpoint.method == Method::GET {
                resource = resource.route((endpoint.route)(Method::HEAD));
                allow.push("HEAD");
            }
        }
        let allow = allow.join(", ");
        cfg.service(resource.default_service(web::to(move || {
            let error = method_not_allowed(&allow);
            async move { Err::<actix_web::HttpResponse, _>(error) }
        })));
    }
}
