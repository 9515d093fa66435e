//! The routing table. Each path lists its methods once: `GET` also answers `HEAD`, and any
//! other method gets a 405 whose `Allow` names exactly the methods listed.

use actix_web::http::header::{self, HeaderValue};
use actix_web::web;

use crate::errors::{ApiError, Kind};

pub mod api_description;
pub mod api_keys;
pub mod custom_fields;
pub mod fallback;
pub mod health;
pub mod organizations;
pub mod users;

/// The `{id}` of the URL as a typed id. Text that is not a UUID names nothing: 404, as for an
/// id that is not stored.
pub fn path_id<T: std::str::FromStr>(
    req: &actix_web::HttpRequest,
    resource: &'static str,
) -> Result<T, ApiError> {
    let raw = req.match_info().get("id").unwrap_or_default();
    raw.parse().map_err(|_| {
        ApiError::from(orgbase_domain::Error::NotFound {
            resource,
            id: raw.to_owned(),
        })
    })
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

macro_rules! endpoint {
    ($seen:ident, $path:expr; $($method:ident => $handler:expr),+ $(,)?) => {{
        $( $seen.push((stringify!($method), $path)); )+
        let mut allow: Vec<&str> = Vec::new();
        let resource = web::resource($path);
        $( let resource = endpoint!(@route resource, allow, $method, $handler); )+
        let allow = allow.join(", ");
        resource.default_service(web::to(move || {
            let error = method_not_allowed(&allow);
            async move { Err::<actix_web::HttpResponse, _>(error) }
        }))
    }};
    (@route $resource:ident, $allow:ident, GET, $handler:expr) => {{
        $allow.extend(["GET", "HEAD"]);
        $resource.route(web::get().to($handler)).route(web::head().to($handler))
    }};
    (@route $resource:ident, $allow:ident, POST, $handler:expr) => {{
        $allow.push("POST");
        $resource.route(web::post().to($handler))
    }};
    (@route $resource:ident, $allow:ident, PATCH, $handler:expr) => {{
        $allow.push("PATCH");
        $resource.route(web::patch().to($handler))
    }};
    (@route $resource:ident, $allow:ident, DELETE, $handler:expr) => {{
        $allow.push("DELETE");
        $resource.route(web::delete().to($handler))
    }};
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    register(cfg, &mut Vec::new());
}

/// Every `(method, path pattern)` the app answers (`HEAD` aside), read from the same
/// registration `configure` does, so the API description can be checked against it.
pub fn registered() -> Vec<(&'static str, &'static str)> {
    let mut seen = Vec::new();
    let _ = actix_web::App::new().configure(|cfg| register(cfg, &mut seen));
    seen
}

fn register(cfg: &mut web::ServiceConfig, seen: &mut Vec<(&'static str, &'static str)>) {
    cfg.service(endpoint!(seen, "/healthz"; GET => health::healthz))
        .service(endpoint!(seen, "/readyz"; GET => health::readyz))
        .service(endpoint!(seen, "/organizations";
            GET => organizations::list,
            POST => organizations::create,
        ))
        .service(endpoint!(seen, "/organizations/{id}";
            GET => organizations::get,
            PATCH => organizations::update,
            DELETE => organizations::delete,
        ))
        .service(endpoint!(seen, "/organizations/{id}/duplicate"; POST => organizations::duplicate))
        .service(endpoint!(seen, "/organizations/{id}/relationships/owner";
            GET => organizations::owner_relationship,
            PATCH => organizations::update_owner,
        ))
        .service(endpoint!(seen, "/organizations/{id}/relationships/creator";
            GET => organizations::creator_relationship,
            PATCH => organizations::update_creator,
        ))
        .service(endpoint!(seen, "/organizations/{id}/relationships/updater";
            GET => organizations::updater_relationship,
            PATCH => organizations::update_updater,
        ))
        .service(endpoint!(seen, "/organizations/{id}/owner"; GET => organizations::owner))
        .service(endpoint!(seen, "/organizations/{id}/creator"; GET => organizations::creator))
        .service(endpoint!(seen, "/organizations/{id}/updater"; GET => organizations::updater))
        .service(endpoint!(seen, "/custom_fields";
            GET => custom_fields::list,
            POST => custom_fields::create,
        ))
        .service(endpoint!(seen, "/custom_fields/{id}";
            GET => custom_fields::get,
            PATCH => custom_fields::update,
            DELETE => custom_fields::delete,
        ))
        .service(endpoint!(seen, "/users"; GET => users::list, POST => users::create))
        .service(endpoint!(seen, "/users/{id}";
            GET => users::get,
            PATCH => users::update,
            DELETE => users::delete,
        ))
        .service(endpoint!(seen, "/api_keys"; GET => api_keys::list, POST => api_keys::create))
        .service(endpoint!(seen, "/openapi.json"; GET => api_description::openapi_json))
        .service(endpoint!(seen, "/docs"; GET => api_description::docs))
        .service(endpoint!(seen, "/docs/"; GET => api_description::docs_index))
        .service(endpoint!(seen, "/docs/{file}"; GET => api_description::docs_file))
        .service(endpoint!(seen, "/api_keys/{id}";
            GET => api_keys::get,
            PATCH => api_keys::update,
            DELETE => api_keys::delete,
        ));
}
