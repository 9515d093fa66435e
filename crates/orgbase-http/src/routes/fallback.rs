use actix_web::{HttpRequest, HttpResponse};

use crate::errors::{ApiError, Kind};

/// Any path no route matches.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        Kind::NotFound,
        format!("There is no endpoint at {}.", req.path()),
    ))
}
