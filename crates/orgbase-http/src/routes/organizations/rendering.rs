//! Organization documents: one organization with its `included` users, as every handler
//! that answers with one renders it.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use orgbase_domain::{CustomFields, Organization};
use serde_json::{Value, json};

use super::super::included::{included_users, organizations_related, together};
use crate::conditional::{ETag, not_modified, not_modified_response, tagged};
use crate::document::{Document, OrganizationResource, related_user};
use crate::errors::ApiError;
use crate::links::BaseUrl;
use crate::query::{QueryPairs, RenderOptions};
use crate::state::AppState;

/// What renders an organization: where links point, which fields, the custom fields.
pub struct Rendering<'a> {
    pub base: &'a BaseUrl,
    pub render: &'a RenderOptions,
    pub custom: &'a CustomFields,
}

/// An organization representation's ETag: its version, varied by the fields defined (each is
/// an attribute), the fieldsets and `include` asked for, and what is included.
fn organization_etag(
    req: &HttpRequest,
    org: &Organization,
    custom: &CustomFields,
    included: Option<&Vec<Value>>,
) -> ETag {
    ETag::of(org.version)
        .vary_by_fields(custom)
        .vary_by_shape(&QueryPairs::parse(req.query_string()))
        .vary_by_included(included)
}

/// A single-organization document, with `included` users when asked, its ETag, and 304 for
/// a GET whose `If-None-Match` names that tag.
pub async fn single(
    req: &HttpRequest,
    state: &AppState,
    org: &Organization,
    rendering: Rendering<'_>,
    self_link: String,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let Rendering {
        base,
        render,
        custom,
    } = rendering;
    let one = std::slice::from_ref(org);
    let users = included_users(state, one, related_user, base, render).await?;
    let related = organizations_related(state, one, base, render).await?;
    let included = together(users, related.resources);
    let etag =
        organization_etag(req, org, custom, included.as_ref()).vary(&related.linkage.fingerprint());
    if not_modified(req, &etag) {
        return Ok(not_modified_response(&etag));
    }
    let resource = OrganizationResource {
        org,
        base,
        fields: &render.fields,
        custom,
        cursor: None,
        linkage: Some(&related.linkage),
    };
    let mut response = Document::new(resource, json!({ "self": self_link }))
        .with_included(included)
        .respond(status);
    let location = header::HeaderValue::from_str(&OrganizationResource::self_link(base, org));
    if let (StatusCode::CREATED, Ok(location)) = (status, location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(tagged(response, &etag))
}

/// A single-resource document whose `links.self` is the resource's own URL.
pub async fn resource_response(
    req: &HttpRequest,
    state: &AppState,
    org: &Organization,
    render: &RenderOptions,
    custom: &CustomFields,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let base = state.base_url(req);
    let self_link = OrganizationResource::self_link(&base, org);
    let rendering = Rendering {
        base: &base,
        render,
        custom,
    };
    single(req, state, org, rendering, self_link, status).await
}
