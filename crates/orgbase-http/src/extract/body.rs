use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpRequest};
use serde_json::{Map, Value};

use crate::atomic::{OPERATIONS_BODY_LIMIT, Operation, read_operations};
use crate::errors::ApiError;
use crate::media_type::check_atomic_content_type;
use crate::request_body::{Intent, primary_data, read_json_object, read_object, resource_input};
use crate::resources::ResourceType;

/// The resource object of a create (`POST`) or update (`PATCH`, whose URL names the resource)
/// request for a `T`: the body's media type, size and JSON:API structure are checked, and the
/// client-generated id of a create is read. Attribute values are the domain's to check.
#[derive(Debug)]
pub struct ResourceBody<T: ResourceType> {
    /// A create's client-generated id; `None` for updates, whose id the URL gives.
    pub id: Option<T::Id>,
    pub attributes: Map<String, Value>,
    pub relationships: Map<String, Value>,
    resource: PhantomData<T>,
}

impl<T: ResourceType> FromRequest for ResourceBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let document = read_json_object(&req, payload).await?;
            let url_id = req.match_info().get("id").unwrap_or_default();
            let intent = if req.method() == Method::PATCH {
                Intent::Update { id: url_id }
            } else {
                Intent::Create
            };
            let input = resource_input(document, T::TYPE, intent)?;
            let id = match intent {
                Intent::Create => T::client_id(input.id.as_deref())?,
                Intent::Update { .. } => None,
            };
            Ok(ResourceBody {
                id,
                attributes: input.attributes,
                relationships: input.relationships,
                resource: PhantomData,
            })
        })
    }
}

/// The primary data of a relationship update (`PATCH …/relationships/…`): a resource
/// identifier, null, or (for to-many relationships) an array of identifiers.
#[derive(Debug)]
pub struct LinkageBody(pub Value);

impl FromRequest for LinkageBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let document = read_json_object(&req, payload).await?;
            primary_data(document).map(LinkageBody)
        })
    }
}

/// The operations of a `POST /operations` request: the media type (with the atomic
/// extension), the endpoint's own size limit, and each operation's structure checked.
#[derive(Debug)]
pub struct AtomicBody(pub Vec<Operation>);

impl FromRequest for AtomicBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            check_atomic_content_type(req.headers().get(actix_web::http::header::CONTENT_TYPE))?;
            let document = read_object(&req, payload, OPERATIONS_BODY_LIMIT).await?;
            read_operations(document).map(AtomicBody)
        })
    }
}
