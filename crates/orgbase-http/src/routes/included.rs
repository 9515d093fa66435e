//! `included`: the related resources `include` asks for, fetched once for a whole page: the
//! users behind to-one relationships, and the memberships, contacts and organizations behind
//! to-many ones (with those relationships' linkage).

use std::sync::Arc;

use orgbase_domain::query::MAX_PAGE_SIZE;
use orgbase_domain::service::memberships_where;
use orgbase_domain::{
    Contact, CustomFields, Error, Field, Filter, ListQuery, Membership, Operator, Organization,
    PageRequest, UserId,
};
use serde_json::{Value, json};

use crate::document::{
    CONTACTS, ContactResource, MEMBERSHIPS, MembershipResource, ORGANIZATIONS,
    OrganizationResource, ToManyLinkage, user_resource,
};
use crate::errors::ApiError;
use crate::links::BaseUrl;
use crate::query::RenderOptions;
use crate::state::AppState;

/// The users that `include` names for these records (`related` gives the user behind each
/// relationship), each once, in order of first mention: one query for all of them. `None`
/// when the client did not ask.
pub async fn included_users<T>(
    state: &AppState,
    records: &[T],
    related: impl Fn(&T, &str) -> Option<UserId>,
    base: &BaseUrl,
    render: &RenderOptions,
) -> Result<Option<Vec<Value>>, ApiError> {
    let Some(paths) = &render.include else {
        return Ok(None);
    };
    let mut ids: Vec<UserId> = Vec::new();
    for record in records {
        for path in paths {
            if let Some(id) = related(record, path).filter(|id| !ids.contains(id)) {
                ids.push(id);
            }
        }
    }
    if ids.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let wanted = ids.clone();
    let users = state.run(move |store| store.get_users(&wanted)).await?;
    Ok(Some(
        ids.iter()
            .filter_map(|id| users.iter().find(|u| u.id == *id))
            .map(|u| user_resource(u, base, &render.user_fields))
            .collect(),
    ))
}

/// What `include` adds beyond users: the linkage of the to-many relationships it names, and
/// the memberships, contacts or organizations behind them, each once.
#[derive(Debug, Default)]
pub struct IncludedRecords {
    pub linkage: ToManyLinkage,
    pub resources: Vec<Value>,
}

/// The paths `include` names, if any.
fn paths(render: &RenderOptions) -> &[String] {
    render.include.as_deref().unwrap_or(&[])
}

/// `filter[field][in]=ids`.
fn any_of(field: Field, ids: impl Iterator<Item = String>) -> orgbase_domain::Result<Filter> {
    let ids: Vec<String> = ids.collect();
    Filter::parse(field, Operator::In, &ids.join(",")).map_err(Error::Backend)
}

/// The records of a list call for these ids, a thousand at a time.
fn by_ids<T>(
    ids: &[String],
    list: impl Fn(&ListQuery) -> orgbase_domain::Result<orgbase_domain::Page<T>>,
) -> orgbase_domain::Result<Vec<T>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(MAX_PAGE_SIZE as usize) {
        let query = ListQuery {
            filters: vec![any_of(Field::Id, chunk.iter().cloned())?],
            archived: orgbase_domain::ArchivedFilter::Any,
            page: PageRequest::numbered(1, MAX_PAGE_SIZE),
            with_total: false,
            ..ListQuery::default()
        };
        found.extend(list(&query)?.items);
    }
    Ok(found)
}

fn identifier(kind: &str, id: impl ToString) -> Value {
    json!({ "type": kind, "id": id.to_string() })
}

/// For a page of organizations: `members` (contacts, with `meta.role` in the linkage),
/// `memberships` and `memberships.contact`, in one blocking call.
pub async fn organizations_related(
    state: &AppState,
    orgs: &[Organization],
    base: &BaseUrl,
    render: &RenderOptions,
) -> Result<IncludedRecords, ApiError> {
    let paths = paths(render);
    let members = paths.iter().any(|p| p == "members");
    let contacts_of_memberships = paths.iter().any(|p| p == "memberships.contact");
    let memberships = contacts_of_memberships || paths.iter().any(|p| p == "memberships");
    if orgs.is_empty() || !(members || memberships) {
        return Ok(IncludedRecords::default());
    }
    let org_ids: Vec<String> = orgs.iter().map(|o| o.id.to_string()).collect();
    let (found, contacts) = state
        .run(move |store| {
            let found = memberships_where(
                store,
                vec![any_of(Field::Organization, org_ids.into_iter())?],
            )?;
            let mut contact_ids: Vec<String> =
                found.iter().map(|m| m.contact_id.to_string()).collect();
            contact_ids.sort();
            contact_ids.dedup();
            let contacts = if members || contacts_of_memberships {
                by_ids(&contact_ids, |q| store.list_contacts(q))?
            } else {
                Vec::new()
            };
            Ok((found, contacts))
        })
        .await?;
    let contact_custom = if contacts.is_empty() {
        Arc::new(CustomFields::EMPTY)
    } else {
        Arc::clone(&state.custom_fields().await?.contacts)
    };
    let mut included = IncludedRecords::default();
    if members {
        let by_org = included.linkage.0.entry("members").or_default();
        for m in &found {
            let mut linkage = identifier(CONTACTS, m.contact_id);
            linkage["meta"] = json!({ "role": m.role.as_str() });
            by_org
                .entry(m.organization_id.as_uuid())
                .or_default()
                .push(linkage);
        }
    }
    if memberships {
        let by_org = included.linkage.0.entry("memberships").or_default();
        for m in &found {
            by_org
                .entry(m.organization_id.as_uuid())
                .or_default()
                .push(identifier(MEMBERSHIPS, m.id));
            included.resources.push(membership_value(m, base, render)?);
        }
    }
    for contact in &contacts {
        included
            .resources
            .push(contact_value(contact, base, render, &contact_custom)?);
    }
    Ok(included)
}

/// For a page of contacts: `organizations`, `memberships` and `memberships.organization`.
pub async fn contacts_related(
    state: &AppState,
    contacts: &[Contact],
    base: &BaseUrl,
    render: &RenderOptions,
) -> Result<IncludedRecords, ApiError> {
    let paths = paths(render);
    let organizations = paths.iter().any(|p| p == "organizations");
    let orgs_of_memberships = paths.iter().any(|p| p == "memberships.organization");
    let memberships = orgs_of_memberships || paths.iter().any(|p| p == "memberships");
    if contacts.is_empty() || !(organizations || memberships) {
        return Ok(IncludedRecords::default());
    }
    let custom = if organizations || orgs_of_memberships {
        Arc::clone(&state.custom_fields().await?.organizations)
    } else {
        Arc::new(CustomFields::EMPTY)
    };
    let contact_ids: Vec<String> = contacts.iter().map(|c| c.id.to_string()).collect();
    let (found, orgs) = state
        .run(move |store| {
            let found = memberships_where(
                store,
                vec![any_of(Field::Contact, contact_ids.into_iter())?],
            )?;
            let mut org_ids: Vec<String> = found
                .iter()
                .map(|m| m.organization_id.to_string())
                .collect();
            org_ids.sort();
            org_ids.dedup();
            let orgs = if organizations || orgs_of_memberships {
                by_ids(&org_ids, |q| store.list_organizations(q))?
            } else {
                Vec::new()
            };
            Ok((found, orgs))
        })
        .await?;
    let mut included = IncludedRecords::default();
    if organizations {
        let by_contact = included.linkage.0.entry("organizations").or_default();
        for m in &found {
            let mut linkage = identifier(ORGANIZATIONS, m.organization_id);
            linkage["meta"] = json!({ "role": m.role.as_str() });
            by_contact
                .entry(m.contact_id.as_uuid())
                .or_default()
                .push(linkage);
        }
    }
    if memberships {
        let by_contact = included.linkage.0.entry("memberships").or_default();
        for m in &found {
            by_contact
                .entry(m.contact_id.as_uuid())
                .or_default()
                .push(identifier(MEMBERSHIPS, m.id));
            included.resources.push(membership_value(m, base, render)?);
        }
    }
    for org in &orgs {
        let resource = OrganizationResource {
            org,
            base,
            fields: &render.fields,
            custom: &custom,
            cursor: None,
            linkage: None,
        };
        included
            .resources
            .push(serde_json::to_value(resource).map_err(ApiError::internal)?);
    }
    Ok(included)
}

fn membership_value(
    membership: &Membership,
    base: &BaseUrl,
    render: &RenderOptions,
) -> Result<Value, ApiError> {
    serde_json::to_value(MembershipResource {
        membership,
        base,
        fields: &render.membership_fields,
        cursor: None,
    })
    .map_err(ApiError::internal)
}

fn contact_value(
    contact: &Contact,
    base: &BaseUrl,
    render: &RenderOptions,
    custom: &CustomFields,
) -> Result<Value, ApiError> {
    serde_json::to_value(ContactResource {
        contact,
        base,
        fields: &render.contact_fields,
        custom,
        cursor: None,
        role: None,
        linkage: None,
    })
    .map_err(ApiError::internal)
}

/// `included` of a document: the users, then the other records, or `None` without `include`.
pub fn together(users: Option<Vec<Value>>, records: Vec<Value>) -> Option<Vec<Value>> {
    users.map(|mut all| {
        all.extend(records);
        all
    })
}
