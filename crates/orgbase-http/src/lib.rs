//! orgbase's JSON:API 1.1 HTTP layer on actix-web.
//!
//! [`app`] is the app factory `main` and the tests share. Handlers (in [`routes`]) parse the
//! query ([`query`]) and body ([`request_body`]), call the domain on the blocking pool
//! ([`state::AppState::run`]), and render [`document`]s; every failure is an
//! [`errors::ApiError`], rendered as a JSON:API error document.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, web};

pub mod atomic;
pub mod auth;
pub mod cache;
pub mod change_query;
pub mod conditional;
pub mod cursor;
pub mod document;
pub mod errors;
pub mod extract;
pub mod idempotency;
pub mod jsonapi;
pub mod links;
pub mod media_type;
pub mod openapi;
pub mod pagination;
pub mod query;
pub mod request_body;
pub mod request_log;
pub mod resources;
pub mod routes;
pub mod state;

pub use links::BaseUrl;
pub use state::{AppState, PingOutcome, Pinger};

/// The whole API as an actix `App`.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(state))
        .configure(routes::configure)
        .default_service(web::to(routes::fallback::not_found))
        .wrap(from_fn(idempotency::guard))
        .wrap(from_fn(auth::guard))
        .wrap(from_fn(media_type::negotiate))
        .wrap(from_fn(request_log::log_request))
}
