//! `/openapi.json` and the `/docs` page, served without a key. The page is Swagger UI,
//! compiled into the binary (utoipa-swagger-ui's `vendored` build), so it works with no
//! internet; it reads the description from `../openapi.json`, relative to itself, so it also
//! works behind a proxy that mounts orgbase under a path.

use std::sync::{Arc, OnceLock};

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use utoipa_swagger_ui::Config;

use crate::errors::{ApiError, Kind};
use crate::openapi;
use crate::state::AppState;

/// The API description
///
/// This OpenAPI 3.1 document. `servers` names the URL this request reached (or
/// `ORGBASE_PUBLIC_URL`), so tools calling the API from it reach the same server.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "api description",
    operation_id = "openapi",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document.", body = ref("ApiDescription")),
    ),
)]
pub async fn openapi_json(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let mut document = openapi::document().clone();
    document["servers"] = json!([{ "url": state.base_url(&req).join("") }]);
    HttpResponse::Ok()
        .content_type("application/json")
        .json(document)
}

/// The docs page
///
/// Redirects to `/docs/`, whose relative links then find the page's scripts and styles.
#[utoipa::path(
    get,
    path = "/docs",
    tag = "api description",
    operation_id = "docs",
    responses(
        (status = 308, description = "To `/docs/`.", headers(("Location" = String, description = "`docs/`"))),
    ),
)]
pub async fn docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "docs/"))
        .finish()
}

/// The docs page (Swagger UI)
#[utoipa::path(
    get,
    path = "/docs/",
    tag = "api description",
    operation_id = "docsIndex",
    responses(
        (status = 200, description = "The HTML page.", content_type = "text/html"),
    ),
)]
pub async fn docs_index() -> Result<HttpResponse, ApiError> {
    swagger_file("index.html")
}

/// A script, style or image of the docs page
#[utoipa::path(
    get,
    path = "/docs/{file}",
    tag = "api description",
    operation_id = "docsFile",
    params(("file" = String, Path, description = "A file of Swagger UI's distribution.")),
    responses(
        (status = 200, description = "The file, with its media type."),
        (status = 404, description = "No such file."),
    ),
)]
pub async fn docs_file(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    swagger_file(req.match_info().get("file").unwrap_or_default())
}

fn swagger_config() -> Arc<Config<'static>> {
    static CONFIG: OnceLock<Arc<Config<'static>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            Arc::new(
                Config::from("../openapi.json")
                    .try_it_out_enabled(true)
                    .persist_authorization(true)
                    // Swagger UI would otherwise send the description to validator.swagger.io.
                    .validator_url("none"),
            )
        })
        .clone()
}

fn swagger_file(path: &str) -> Result<HttpResponse, ApiError> {
    let not_found = || {
        ApiError::new(
            Kind::NotFound,
            format!("The docs page has no file {path:?}."),
        )
    };
    let file = utoipa_swagger_ui::serve(path, swagger_config())
        .map_err(|error| ApiError::internal(error.to_string()))?
        .ok_or_else(not_found)?;
    let mut response = HttpResponse::build(StatusCode::OK);
    response.content_type(file.content_type);
    // The files are compiled in: a day of caching spares reloads, a release changes them.
    response.insert_header((header::CACHE_CONTROL, "public, max-age=86400"));
    if file.gzpipped {
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
    }
    Ok(response.body(file.bytes.into_owned()))
}
