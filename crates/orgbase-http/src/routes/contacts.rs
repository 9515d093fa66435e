//! `/contacts`: list, create, get, update, delete; the relationships to users are in
//! [`super::user_relationships`].

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::attributes::{read_contact_patch, read_new_contact};
use orgbase_domain::{Contact, time};
use serde_json::json;

use super::included::{contacts_related, included_users, together};
use super::linkage_input::{check_echoed, requested_relationships};
use crate::auth::Caller;
use crate::conditional::{
    ETag, Precondition, delete_if_matching, not_modified, not_modified_response, tagged,
};
use crate::document::{CONTACT_TO_MANY, CONTACTS, ContactResource, Document, contact_related_user};
use crate::errors::ApiError;
use crate::extract::{ContactList, ContactReference, PathId, Query, ResourceBody};
use crate::openapi::params;
use crate::pagination::respond_records;
use crate::query::QueryPairs;
use crate::request_body::combine;
use crate::resources::Contacts;
use crate::state::AppState;

pub use super::user_relationships::contacts::*;

/// List contacts
///
/// Filtered (`filter[q]` searches name, email, phone and title), sorted and paged in the
/// storage backend, by page number or by cursor, as organizations are.
#[utoipa::path(
    get,
    path = "/contacts",
    tag = "contacts",
    operation_id = "listContacts",
    params(params::OrganizationListQuery),
    responses(
        (status = 200, description = "A page of contacts.", body = ref("ContactCollection")),
    ),
)]
pub async fn list(
    req: HttpRequest,
    query: Query<ContactList>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query {
        params,
        pairs,
        contact_custom,
        ..
    } = query;
    let list_query = params.query.clone();
    let page = state
        .run(move |store| store.list_contacts(&list_query))
        .await?;
    let base = state.base_url(&req);
    let users = included_users(
        &state,
        &page.items,
        contact_related_user,
        &base,
        &params.render,
    )
    .await?;
    let related = contacts_related(&state, &page.items, &base, &params.render).await?;
    let included = together(users, related.resources);
    Ok(respond_records(
        &req,
        &base,
        &pairs,
        &params,
        &page,
        |contact, cursor| ContactResource {
            contact,
            base: &base,
            fields: &params.render.contact_fields,
            custom: &contact_custom,
            cursor,
            role: None,
            linkage: Some(&related.linkage),
        },
        included,
        1024,
    ))
}

/// Create a contact
///
/// The owner defaults to the caller. E-mail addresses are unique ignoring case, under
/// concurrency too: simultaneous creates with one address make one contact.
#[utoipa::path(
    post,
    path = "/contacts",
    tag = "contacts",
    operation_id = "createContact",
    params(params::OrganizationQuery),
    request_body = ref("NewContactDocument"),
    responses(
        (status = 201, description = "Created.", body = ref("ContactDocument")),
        (status = 403, description = "The client-generated `id` is not a UUID, or the body sets `creator` or `updater`."),
        (status = 404, description = "The `owner` names no user."),
        (status = 409, description = "The client-generated `id` is taken, or the body names another type."),
        (status = 422, description = "Validation failed, or the e-mail address is taken (`email_taken`, pointing at `/data/attributes/email`)."),
    ),
)]
pub async fn create(
    query: Query<ContactReference>,
    body: ResourceBody<Contacts>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let requested = requested_relationships(&body.relationships, CONTACTS, CONTACT_TO_MANY)?;
    check_echoed(&requested.echoed, None)?;
    let mut new = combine(
        read_new_contact(&body.attributes, body.id, &query.contact_custom),
        requested.unknown,
    )?;
    new.actor = Some(caller.user.id);
    if let Some(owner) = requested.owner {
        new.owner_id = owner;
        new.owner_given = true;
    }
    let mut contact = new.to_contact(time::now());
    let contact = state
        .run(move |store| {
            Ok(store.insert_contact(&contact).map(|version| {
                contact.version = version;
                contact
            }))
        })
        .await?
        .map_err(|e| ApiError::of_contact_write(e, &query.contact_custom))?;
    respond(&req, &state, &contact, &query, StatusCode::CREATED).await
}

/// Fetch a contact
#[utoipa::path(
    get,
    path = "/contacts/{id}",
    tag = "contacts",
    operation_id = "getContact",
    params(params::OrganizationQuery, params::IdPath),
    responses(
        (status = 200, description = "The contact.", body = ref("ContactDocument")),
    ),
)]
pub async fn get(
    query: Query<ContactReference>,
    PathId(id): PathId<Contacts>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contact = state.run(move |store| store.get_contact(id)).await?;
    respond(&req, &state, &contact, &query, StatusCode::OK).await
}

/// Update a contact
///
/// Changes only the members given; `null` clears a nullable attribute. A read-only attribute
/// sent with its current value is accepted. Sets `updated_at` and `updater`.
#[utoipa::path(
    patch,
    path = "/contacts/{id}",
    tag = "contacts",
    operation_id = "updateContact",
    params(params::OrganizationQuery, params::IdPath),
    request_body = ref("ContactPatchDocument"),
    responses(
        (status = 200, description = "The contact as changed.", body = ref("ContactDocument")),
        (status = 403, description = "The body changes `creator` or `updater`, which the server sets."),
        (status = 404, description = "No contact has this id, or the `owner` names no user."),
        (status = 412, description = "`If-Match` names another version."),
        (status = 422, description = "Validation failed, or the e-mail address is taken (`email_taken`)."),
    ),
)]
pub async fn update(
    query: Query<ContactReference>,
    PathId(id): PathId<Contacts>,
    body: ResourceBody<Contacts>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let requested = requested_relationships(&body.relationships, CONTACTS, CONTACT_TO_MANY)?;
    if !requested.echoed.is_empty() {
        let current = state.run(move |store| store.get_contact(id)).await?;
        check_echoed(
            &requested.echoed,
            Some(&|name| contact_related_user(&current, name)),
        )?;
    }
    let mut patch = combine(
        read_contact_patch(&body.attributes, &query.contact_custom),
        requested.unknown,
    )?;
    patch.actor = Some(caller.user.id);
    if requested.owner.is_some() {
        patch.owner_id = requested.owner;
    }
    let precondition = Precondition::of(&req);
    let write = precondition.write(caller.user.id);
    let contact = state
        .run(move |store| Ok(store.update_contact(id, &patch, time::now(), write)))
        .await?
        .map_err(|e| precondition.judge(ApiError::of_contact_write(e, &query.contact_custom)))?;
    respond(&req, &state, &contact, &query, StatusCode::OK).await
}

/// Delete a contact
#[utoipa::path(
    delete,
    path = "/contacts/{id}",
    tag = "contacts",
    operation_id = "deleteContact",
    params(params::IdPath),
    responses(
        (status = 204, description = "Deleted."),
        (status = 412, description = "`If-Match` names another version."),
    ),
)]
pub async fn delete(
    _: Query<ContactReference>,
    PathId(id): PathId<Contacts>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    delete_if_matching(&req, caller.user.id, &state, move |store, write| {
        store.delete_contact(id, write)
    })
    .await
}

/// A single-contact document whose `links.self` is the contact's URL, with `included` users
/// when asked, its ETag (the version, varied by the custom fields defined, the fieldsets,
/// `include` and what is included), 304 for a GET whose `If-None-Match` names it, and
/// `Location` on 201.
async fn respond(
    req: &HttpRequest,
    state: &AppState,
    contact: &Contact,
    query: &Query<ContactReference>,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let render = &query.params.render;
    let base = state.base_url(req);
    let one = std::slice::from_ref(contact);
    let users = included_users(state, one, contact_related_user, &base, render).await?;
    let related = contacts_related(state, one, &base, render).await?;
    let included = together(users, related.resources);
    let etag = ETag::of(contact.version)
        .vary_by_fields(&query.contact_custom)
        .vary_by_shape(&QueryPairs::parse(req.query_string()))
        .vary_by_included(included.as_ref())
        .vary(&related.linkage.fingerprint());
    if not_modified(req, &etag) {
        return Ok(not_modified_response(&etag));
    }
    let self_link = ContactResource::self_link(&base, contact);
    let resource = ContactResource {
        contact,
        base: &base,
        fields: &render.contact_fields,
        custom: &query.contact_custom,
        cursor: None,
        role: None,
        linkage: Some(&related.linkage),
    };
    let mut response = Document::new(resource, json!({ "self": self_link }))
        .with_included(included)
        .respond(status);
    if let (StatusCode::CREATED, Ok(location)) = (status, header::HeaderValue::from_str(&self_link))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(tagged(response, &etag))
}
