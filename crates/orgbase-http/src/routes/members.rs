//! An organization's people: its `members` (contacts, each with `meta.role`) as a related
//! collection and as a to-many relationship clients add to, remove from and replace, and the
//! memberships of an organization or a contact as related collections. Every change goes
//! through the memberships themselves, so the change log and the unique index see them.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::service::memberships_where;
use orgbase_domain::{
    Constraint, ContactId, Error, Field, Filter, ListQuery, Membership, MembershipPatch,
    MembershipRole, NewMembership, Operator, OrganizationId, Store, Write, time,
};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::document::{
    CONTACTS, ContactResource, Document, MembershipResource, ORGANIZATIONS, OrganizationResource,
    related_user,
};
use crate::errors::{ApiError, ErrorObject, Kind};
use crate::extract::{
    ContactList, LinkageBody, MembershipList, OrganizationList, PageOnly, PathId, Query,
};
use crate::openapi::params;
use crate::pagination::{collection_links_and_meta, respond_records};
use crate::resources::{Contacts, Organizations};
use crate::state::AppState;

use super::included::{contacts_related, included_users, organizations_related, together};

/// `filter[field]=id`, for the collections a path's id scopes.
fn scoped(field: Field, id: impl ToString) -> Result<Filter, ApiError> {
    Filter::parse(field, Operator::Eq, &id.to_string())
        .map_err(|why| ApiError::internal(format!("a scope filter did not parse: {why}")))
}

/// The memberships of `org` among `contacts`, by contact: one query for a page's roles.
fn roles_of(
    store: &dyn Store,
    org: OrganizationId,
    contacts: &[ContactId],
) -> orgbase_domain::Result<HashMap<ContactId, MembershipRole>> {
    if contacts.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<String> = contacts.iter().map(ToString::to_string).collect();
    let query = ListQuery {
        filters: vec![
            Filter::parse(Field::Organization, Operator::Eq, &org.to_string())
                .map_err(Error::Backend)?,
            Filter::parse(Field::Contact, Operator::In, &ids.join(",")).map_err(Error::Backend)?,
        ],
        page: orgbase_domain::PageRequest::numbered(1, contacts.len() as u64),
        with_total: false,
        ..ListQuery::default()
    };
    Ok(store
        .list_memberships(&query)?
        .items
        .into_iter()
        .map(|m| (m.contact_id, m.role))
        .collect())
}

/// An organization's members
///
/// The contacts with a membership in the organization, each with its `meta.role`; filtered,
/// sorted and paged as `GET /contacts` is.
#[utoipa::path(
    get,
    path = "/organizations/{id}/members",
    tag = "organizations",
    operation_id = "getOrganizationMembers",
    params(params::OrganizationListQuery, params::IdPath),
    responses(
        (status = 200, description = "A page of the members.", body = ref("ContactCollection")),
    ),
)]
pub async fn members(
    req: HttpRequest,
    PathId(org): PathId<Organizations>,
    query: Query<ContactList>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query {
        params,
        pairs,
        contact_custom,
        ..
    } = query;
    let mut list_query = params.query.clone();
    list_query.member_of = Some(org);
    let (page, roles) = state
        .run(move |store| {
            store.get_organization(org)?;
            let page = store.list_contacts(&list_query)?;
            let ids: Vec<ContactId> = page.items.iter().map(|c| c.id).collect();
            let roles = roles_of(store, org, &ids)?;
            Ok((page, roles))
        })
        .await?;
    let base = state.base_url(&req);
    let users = included_users(
        &state,
        &page.items,
        crate::document::contact_related_user,
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
            role: roles.get(&contact.id).copied(),
            linkage: Some(&related.linkage),
        },
        included,
        1024,
    ))
}

/// An organization's memberships
///
/// `GET /memberships?filter[organization]={id}`, with every other parameter `GET
/// /memberships` takes.
#[utoipa::path(
    get,
    path = "/organizations/{id}/memberships",
    tag = "organizations",
    operation_id = "getOrganizationMemberships",
    params(params::OrganizationListQuery, params::IdPath),
    responses(
        (status = 200, description = "A page of the organization's memberships.", body = ref("MembershipCollection")),
    ),
)]
pub async fn organization_memberships(
    req: HttpRequest,
    PathId(org): PathId<Organizations>,
    query: Query<MembershipList>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let filter = scoped(Field::Organization, org)?;
    memberships_within(req, query, state, filter, move |store| {
        store.get_organization(org).map(drop)
    })
    .await
}

/// A contact's memberships
///
/// `GET /memberships?filter[contact]={id}`, with every other parameter `GET /memberships`
/// takes.
#[utoipa::path(
    get,
    path = "/contacts/{id}/memberships",
    tag = "contacts",
    operation_id = "getContactMemberships",
    params(params::OrganizationListQuery, params::IdPath),
    responses(
        (status = 200, description = "A page of the contact's memberships.", body = ref("MembershipCollection")),
    ),
)]
pub async fn contact_memberships(
    req: HttpRequest,
    PathId(contact): PathId<Contacts>,
    query: Query<MembershipList>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let filter = scoped(Field::Contact, contact)?;
    memberships_within(req, query, state, filter, move |store| {
        store.get_contact(contact).map(drop)
    })
    .await
}

/// The memberships `scope` selects, after `exists` says the scoping record is there (404
/// otherwise, rather than an empty page).
async fn memberships_within(
    req: HttpRequest,
    query: Query<MembershipList>,
    state: web::Data<AppState>,
    scope: Filter,
    exists: impl FnOnce(&dyn Store) -> orgbase_domain::Result<()> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let Query { params, pairs, .. } = query;
    let mut list_query = params.query.clone();
    list_query.filters.insert(0, scope);
    let page = state
        .run(move |store| {
            exists(store)?;
            store.list_memberships(&list_query)
        })
        .await?;
    let base = state.base_url(&req);
    Ok(respond_records(
        &req,
        &base,
        &pairs,
        &params,
        &page,
        |membership, cursor| MembershipResource {
            membership,
            base: &base,
            fields: &params.render.membership_fields,
            cursor,
        },
        params.render.include.is_some().then(Vec::new),
        512,
    ))
}

/// A contact's organizations
///
/// The organizations the contact is a member of, filtered, sorted and paged as `GET
/// /organizations` is (archived ones as `filter[archived]` says).
#[utoipa::path(
    get,
    path = "/contacts/{id}/organizations",
    tag = "contacts",
    operation_id = "getContactOrganizations",
    params(params::OrganizationListQuery, params::IdPath),
    responses(
        (status = 200, description = "A page of the contact's organizations.", body = ref("OrganizationCollection")),
    ),
)]
pub async fn contact_organizations(
    req: HttpRequest,
    PathId(contact): PathId<Contacts>,
    query: Query<OrganizationList>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query {
        params,
        pairs,
        custom,
        ..
    } = query;
    let mut list_query = params.query.clone();
    let scope = scoped(Field::Contact, contact)?;
    let page = state
        .run(move |store| {
            store.get_contact(contact)?;
            // A contact belongs to a handful of organizations: their ids bound the list.
            let orgs = memberships_where(store, vec![scope])?
                .into_iter()
                .map(|m| m.organization_id.to_string())
                .collect::<Vec<_>>();
            if orgs.is_empty() {
                return Ok(orgbase_domain::Page {
                    items: Vec::new(),
                    total: list_query.with_total.then_some(0),
                    has_next: false,
                    has_previous: false,
                });
            }
            list_query.filters.insert(
                0,
                Filter::parse(Field::Id, Operator::In, &orgs.join(",")).map_err(Error::Backend)?,
            );
            store.list_organizations(&list_query)
        })
        .await?;
    let base = state.base_url(&req);
    let users = included_users(&state, &page.items, related_user, &base, &params.render).await?;
    let related = organizations_related(&state, &page.items, &base, &params.render).await?;
    let included = together(users, related.resources);
    Ok(respond_records(
        &req,
        &base,
        &pairs,
        &params,
        &page,
        |org, cursor| OrganizationResource {
            org,
            base: &base,
            fields: &params.render.fields,
            custom: &custom,
            cursor,
            linkage: Some(&related.linkage),
        },
        included,
        2 * 1024,
    ))
}

/// The `members` linkage
///
/// A page of `{"type": "contacts", "id": …, "meta": {"role": …}}`, oldest membership first,
/// by `page[number]` and `page[size]`.
#[utoipa::path(
    get,
    path = "/organizations/{id}/relationships/members",
    tag = "organizations",
    operation_id = "getOrganizationMembersRelationship",
    params(params::PageQuery, params::IdPath),
    responses(
        (status = 200, description = "The linkage.", body = ref("MembersLinkageDocument")),
    ),
)]
pub async fn members_relationship(
    req: HttpRequest,
    PathId(org): PathId<Organizations>,
    query: Query<PageOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query { params, pairs, .. } = query;
    // Linkage pages by number only: the profile's cursors are for collections.
    if let Some((name, _)) = pairs
        .0
        .iter()
        .find(|(name, _)| name == "page[after]" || name == "page[before]")
    {
        return Err(crate::query::invalid(
            name,
            "The `members` linkage pages by page[number] and page[size]; page the members themselves (GET …/members) by cursor.",
        )
        .into());
    }
    let mut list_query = ListQuery {
        filters: vec![scoped(Field::Organization, org)?],
        page: params.query.page.clone(),
        with_total: params.query.with_total,
        ..ListQuery::default()
    };
    list_query.page.keyset = None;
    let page = state
        .run(move |store| {
            store.get_organization(org)?;
            store.list_memberships(&list_query)
        })
        .await?;
    let base = state.base_url(&req);
    let data: Vec<Value> = page.items.iter().map(member_identifier).collect();
    let (mut links, meta) = collection_links_and_meta(
        &base,
        req.path(),
        &pairs,
        &params.query.page,
        page.total,
        page.has_next,
    );
    links["related"] = json!(base.join(&format!("/{ORGANIZATIONS}/{org}/members")));
    Ok(Document::new(data, links)
        .with_meta(meta)
        .respond(StatusCode::OK))
}

fn member_identifier(membership: &Membership) -> Value {
    json!({
        "type": CONTACTS,
        "id": membership.contact_id.to_string(),
        "meta": { "role": membership.role.as_str() },
    })
}

/// One member a request names: the contact, and the role if `meta.role` gives one.
struct Named {
    contact: ContactId,
    role: Option<MembershipRole>,
}

/// `data`: an array of `{"type": "contacts", "id": …, "meta": {"role": …}}`.
fn named_members(data: &Value) -> Result<Vec<Named>, ApiError> {
    let items = data.as_array().ok_or_else(|| {
        ApiError::from(
            ErrorObject::new(
                Kind::InvalidDocument,
                "`members` is to-many: `data` is an array of contact identifiers.",
            )
            .pointer("/data"),
        )
    })?;
    let mut named: Vec<Named> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let pointer = format!("/data/{i}");
        let kind = item.get("type").and_then(Value::as_str);
        let id = item.get("id").and_then(Value::as_str);
        let contact: ContactId = match (kind, id) {
            (Some(CONTACTS), Some(id)) => id
                .parse()
                .map_err(|_| ApiError::from(Error::contact_not_found(id)))?,
            (Some(other), Some(_)) => {
                return Err(ErrorObject::new(
                    Kind::TypeMismatch,
                    format!("`members` holds contacts, not {other:?}."),
                )
                .pointer(format!("{pointer}/type"))
                .into());
            }
            _ => {
                return Err(ErrorObject::new(
                    Kind::InvalidDocument,
                    "A member is {\"type\": \"contacts\", \"id\": \"…\"}, with an optional \"meta\": {\"role\": …}.",
                )
                .pointer(pointer)
                .into());
            }
        };
        let role =
            match item.pointer("/meta/role") {
                None => None,
                Some(role) => Some(role.as_str().and_then(MembershipRole::parse).ok_or_else(
                    || {
                        ApiError::from(ErrorObject::invalid_field(
                            "invalid_value",
                            format!("{pointer}/meta/role"),
                            format!(
                                "`meta.role` must be one of: {}.",
                                MembershipRole::NAMES.join(", ")
                            ),
                        ))
                    },
                )?),
            };
        // A contact named twice: the last mention decides its role.
        match named.iter_mut().find(|n| n.contact == contact) {
            Some(earlier) => earlier.role = role.or(earlier.role),
            None => named.push(Named { contact, role }),
        }
    }
    Ok(named)
}

/// How a write to `members` treats the current set.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    /// `POST`: add the named, change the roles given.
    Add,
    /// `DELETE`: remove the named that are members.
    Remove,
    /// `PATCH`: the named become the whole set.
    Replace,
}

/// Applies a change to the organization's members in one transaction: every membership
/// written through the store, so each has its entry. A racing add of the same contact makes
/// the transaction collide with the unique index; it then runs again and finds the member.
async fn change_members(
    org: OrganizationId,
    data: Value,
    change: Change,
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let named = named_members(&data)?;
    let actor = caller.user.id;
    state
        .run(move |store| {
            let mut attempts = 0;
            loop {
                attempts += 1;
                let outcome = store.atomically(&mut |tx| apply(tx, org, &named, change, actor));
                match outcome {
                    Err(Error::Conflict(Constraint::AlreadyMember)) if attempts < 3 => continue,
                    other => return other,
                }
            }
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn apply(
    tx: &dyn Store,
    org: OrganizationId,
    named: &[Named],
    change: Change,
    actor: orgbase_domain::UserId,
) -> orgbase_domain::Result<()> {
    tx.get_organization(org)?;
    // Adding and removing read the memberships of the contacts named; only a replacement
    // needs the whole set, however large the organization.
    let mut scope = vec![
        Filter::parse(Field::Organization, Operator::Eq, &org.to_string())
            .map_err(Error::Backend)?,
    ];
    if change != Change::Replace {
        if named.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = named.iter().map(|n| n.contact.to_string()).collect();
        scope.push(
            Filter::parse(Field::Contact, Operator::In, &ids.join(",")).map_err(Error::Backend)?,
        );
    }
    let current: HashMap<ContactId, Membership> = memberships_where(tx, scope)?
        .into_iter()
        .map(|m| (m.contact_id, m))
        .collect();
    let write = Write::by(Some(actor));
    let now = time::now();
    if change == Change::Remove {
        for name in named {
            if let Some(membership) = current.get(&name.contact) {
                tx.delete_membership(membership.id, write.clone())?;
            }
        }
        return Ok(());
    }
    for name in named {
        match current.get(&name.contact) {
            Some(membership) => {
                if let Some(role) = name.role.filter(|r| *r != membership.role) {
                    let patch = MembershipPatch {
                        role: Some(role),
                        actor: Some(actor),
                        ..MembershipPatch::default()
                    };
                    tx.update_membership(membership.id, &patch, now, write.clone())?;
                }
            }
            None => {
                let membership = NewMembership {
                    role: name.role.unwrap_or_default(),
                    ..NewMembership::new(org, name.contact)
                }
                .to_membership(now);
                tx.insert_membership(&membership, Some(actor))?;
            }
        }
    }
    if change == Change::Replace {
        let mut gone: Vec<&Membership> = current
            .values()
            .filter(|m| !named.iter().any(|n| n.contact == m.contact_id))
            .collect();
        gone.sort_by_key(|m| m.id);
        for membership in gone {
            tx.delete_membership(membership.id, write.clone())?;
        }
    }
    Ok(())
}

/// Add members
///
/// Each contact named becomes a member (with `meta.role`, or `member`); one that already is
/// keeps its membership, with its role changed if `meta.role` is given. All or nothing.
#[utoipa::path(
    post,
    path = "/organizations/{id}/relationships/members",
    tag = "organizations",
    operation_id = "addOrganizationMembers",
    params(params::IdPath),
    request_body = ref("MembersLinkageDocument"),
    responses(
        (status = 204, description = "Added."),
        (status = 404, description = "No organization has this id, or a contact named does not exist."),
    ),
)]
pub async fn add_members(
    PathId(org): PathId<Organizations>,
    LinkageBody(data): LinkageBody,
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    change_members(org, data, Change::Add, caller, state).await
}

/// Replace the members
///
/// The contacts named become the whole set: memberships of others are removed, new ones
/// added, roles given changed. `[]` removes every member. All or nothing.
#[utoipa::path(
    patch,
    path = "/organizations/{id}/relationships/members",
    tag = "organizations",
    operation_id = "replaceOrganizationMembers",
    params(params::IdPath),
    request_body = ref("MembersLinkageDocument"),
    responses(
        (status = 204, description = "Replaced."),
        (status = 404, description = "No organization has this id, or a contact named does not exist."),
    ),
)]
pub async fn replace_members(
    PathId(org): PathId<Organizations>,
    LinkageBody(data): LinkageBody,
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    change_members(org, data, Change::Replace, caller, state).await
}

/// Remove members
///
/// The memberships of the contacts named are deleted; naming a contact that is not a member
/// is not an error. The contacts stay.
#[utoipa::path(
    delete,
    path = "/organizations/{id}/relationships/members",
    tag = "organizations",
    operation_id = "removeOrganizationMembers",
    params(params::IdPath),
    request_body = ref("MembersLinkageDocument"),
    responses(
        (status = 204, description = "Removed."),
    ),
)]
pub async fn remove_members(
    PathId(org): PathId<Organizations>,
    LinkageBody(data): LinkageBody,
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    change_members(org, data, Change::Remove, caller, state).await
}
