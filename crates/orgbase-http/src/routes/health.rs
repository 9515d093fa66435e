use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::document::MetaDocument;
use crate::errors::{ApiError, Kind};
use crate::state::AppState;

/// The process is up
///
/// No storage call: a load balancer's liveness probe must not fail because the database is
/// slow.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    operation_id = "healthz",
    responses(
        (status = 200, description = "`{\"meta\": {\"status\": \"ok\"}}`", body = ref("StatusDocument")),
    ),
)]
pub async fn healthz() -> HttpResponse {
    MetaDocument::respond(json!({"status": "ok"}), StatusCode::OK)
}

/// Storage is reachable
///
/// Storage answers a trivial query; 503 (with `Retry-After`) when it does not.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    operation_id = "readyz",
    responses(
        (status = 200, description = "`{\"meta\": {\"status\": \"ready\"}}`", body = ref("StatusDocument")),
        (status = 503, description = "Storage is not answering."),
    ),
)]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    match state.run(|store| store.check_health()).await {
        Ok(()) => Ok(MetaDocument::respond(
            json!({"status": "ready"}),
            StatusCode::OK,
        )),
        Err(error) if error.status == StatusCode::SERVICE_UNAVAILABLE => Err(error),
        Err(_) => Err(
            ApiError::new(Kind::StorageUnavailable, "Storage is not answering.").with_header(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from_static("5"),
            ),
        ),
    }
}
