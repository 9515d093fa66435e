use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::errors::ApiError;
use crate::resources::ResourceType;

/// The `{id}` of the URL as the id of a `T`. Text that is not a UUID names nothing: 404, as
/// for an id that is not stored.
#[derive(Debug)]
pub struct PathId<T: ResourceType>(pub T::Id);

impl<T: ResourceType> FromRequest for PathId<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let raw = req.match_info().get("id").unwrap_or_default();
        ready(raw.parse().map(PathId).map_err(|_| {
            ApiError::from(orgbase_domain::Error::NotFound {
                resource: T::SINGULAR,
                id: raw.to_owned(),
            })
        }))
    }
}
