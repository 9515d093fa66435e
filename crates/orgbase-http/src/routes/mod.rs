//! The routing table. Each path lists its methods once: `GET` also answers `HEAD`, and any
//! other method gets a 405 whose `Allow` names exactly the methods listed.

use actix_web::http::header::{self, HeaderValue};
use actix_web::web;

use crate::errors::{ApiError, Kind};

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
    ($path:expr; $($method:ident => $handler:expr),+ $(,)?) => {{
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
    cfg.service(endpoint!("/healthz"; GET => health::healthz))
        .service(endpoint!("/readyz"; GET => health::readyz))
        .service(endpoint!("/organizations";
            GET => organizations::list,
            POST => organizations::create,
        ))
        .service(endpoint!("/organizations/{id}";
            GET => organizations::get,
            PATCH => organizations::update,
            DELETE => organizations::delete,
        ))
        .service(endpoint!("/organizations/{id}/duplicate"; POST => organizations::duplicate))
        .service(endpoint!("/organizations/{id}/relationships/owner";
            GET => |r, s| organizations::relationship(r, s, "owner"),
            PATCH => organizations::update_owner,
        ))
        .service(endpoint!("/organizations/{id}/relationships/creator";
            GET => |r, s| organizations::relationship(r, s, "creator"),
            PATCH => organizations::update_server_set,
        ))
        .service(endpoint!("/organizations/{id}/relationships/updater";
            GET => |r, s| organizations::relationship(r, s, "updater"),
            PATCH => organizations::update_server_set,
        ))
        .service(endpoint!("/organizations/{id}/owner"; GET => |r, s| organizations::related(r, s, "owner")))
        .service(endpoint!("/organizations/{id}/creator"; GET => |r, s| organizations::related(r, s, "creator")))
        .service(endpoint!("/organizations/{id}/updater"; GET => |r, s| organizations::related(r, s, "updater")))
        .service(endpoint!("/custom_fields";
            GET => custom_fields::list,
            POST => custom_fields::create,
        ))
        .service(endpoint!("/custom_fields/{id}";
            GET => custom_fields::get,
            PATCH => custom_fields::update,
            DELETE => custom_fields::delete,
        ))
        .service(endpoint!("/users"; GET => users::list, POST => users::create))
        .service(endpoint!("/users/{id}";
            GET => users::get,
            PATCH => users::update,
            DELETE => users::delete,
        ))
        .service(endpoint!("/api_keys"; GET => api_keys::list, POST => api_keys::create))
        .service(endpoint!("/api_keys/{id}";
            GET => api_keys::get,
            PATCH => api_keys::update,
            DELETE => api_keys::delete,
        ));
}
