//! `/changes` and `/organizations/{id}/changes`: the change log as a feed, in sequence order,
//! paged by number or by cursor. A reader resuming with `page[after]` from any cursor sees
//! every change committed after it exactly once (see `orgbase_store_diesel`'s `changes`
//! module for how), and a cursor at or before pruned entries answers 410 `changes_pruned`.

use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::change::snapshot::user_linkage;
use orgbase_domain::query::FieldKind;
use orgbase_domain::{Change, Position, ResourceType, Role, time};
use serde_json::{Map, Value, json};

use crate::auth::Caller;
use crate::change_query::ChangeParams;
use crate::cursor::Cursors;
use crate::errors::{ApiError, ErrorObject, Kind};
use crate::extract::{ChangeList, PathId, Query, RecordHistory};
use crate::openapi::params;
use crate::pagination::respond_page_with_meta;
use crate::query::QueryPairs;
use crate::resources::Organizations;
use crate::state::AppState;

/// The types a role may read the changes of: users, keys and webhooks are for admins only.
fn readable(role: Role) -> &'static [ResourceType] {
    match role {
        Role::Admin => &ResourceType::ALL,
        _ => &[
            ResourceType::Organizations,
            ResourceType::CustomFields,
            ResourceType::Contacts,
            ResourceType::Memberships,
            ResourceType::Documents,
            ResourceType::Projects,
            ResourceType::Tasks,
        ],
    }
}

fn change_resource(change: &Change) -> Value {
    let e = &change.entry;
    json!({
        "type": "changes",
        "id": change.sequence.to_string(),
        "attributes": {
            "sequence": change.sequence,
            "operation": e.operation.as_str(),
            "resource_type": e.resource_type.as_str(),
            "resource_id": e.resource_id,
            "changed_at": time::format(&e.changed_at),
            "changes": e.changes,
        },
        "relationships": { "actor": { "data": user_linkage(e.actor) } },
    })
}

/// Reads and answers one page of the feed; `meta.latest` is read before the page, so every
/// change up to it is visible to the page's read.
async fn feed(
    mut params: ChangeParams,
    pairs: QueryPairs,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = params.query.clone();
    let (latest, page) = state
        .run(move |store| {
            let latest = store.change_log_state()?.latest;
            Ok((latest, store.list_changes(&query)?))
        })
        .await?;
    let cursors = params
        .list
        .cursors
        .clone()
        .unwrap_or_else(|| Cursors::new(req.path(), &pairs, vec![FieldKind::Integer]));
    let mut more = Map::new();
    more.insert(
        "latest".to_owned(),
        json!({
            "sequence": latest,
            "cursor": cursors.encode(&Position::sequence(latest)),
        }),
    );
    params.list.render.include = None;
    let base = state.base_url(&req);
    Ok(respond_page_with_meta(
        &req,
        &base,
        &pairs,
        &params.list,
        &page,
        change_resource,
        |c| Position::sequence(c.sequence),
        more,
    ))
}

/// List changes
///
/// Every committed write, oldest first: creates with every value set, updates with each
/// changed attribute or relationship as `{from, to}`, deletes as tombstones. Non-admins see
/// the changes of organizations and custom fields. Follow it with `page[after]` from the
/// last cursor you applied (or from `meta.latest.cursor`, read before a full walk).
#[utoipa::path(
    get,
    path = "/changes",
    tag = "changes",
    operation_id = "listChanges",
    params(params::ChangeQuery),
    responses(
        (status = 200, description = "A page of changes.", body = ref("ChangeCollection")),
        (status = 403, description = "`filter[resource_type]` names users or api_keys and the caller is no admin."),
        (status = 410, description = "The cursor points at or before pruned changes (`changes_pruned`): resync."),
    ),
)]
pub async fn list(
    query: Query<ChangeList>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query {
        mut params, pairs, ..
    } = query;
    let allowed = readable(caller.user.role);
    if params.query.resource_types.is_empty() {
        params.query.resource_types = allowed.to_vec();
    } else if let Some(denied) = params
        .query
        .resource_types
        .iter()
        .find(|t| !allowed.contains(t))
    {
        return Err(ErrorObject::new(
            Kind::Forbidden,
            format!("Only admins read the changes of {}.", denied.as_str()),
        )
        .parameter("filter[resource_type]")
        .into());
    }
    if params.query.resource_types.len() == ResourceType::ALL.len() {
        // Every type: no condition (and the sequence index alone serves the page).
        params.query.resource_types.clear();
    }
    feed(params, pairs, req, state).await
}

/// An organization's history
///
/// The changes of one organization, oldest first, also after it was deleted (its last entry
/// is then the tombstone). The same filters, pages and cursors as `/changes`.
#[utoipa::path(
    get,
    path = "/organizations/{id}/changes",
    tag = "changes",
    operation_id = "listOrganizationChanges",
    params(params::ChangeQuery, params::IdPath),
    responses(
        (status = 200, description = "A page of the organization's changes.", body = ref("ChangeCollection")),
        (status = 410, description = "The cursor points at or before pruned changes (`changes_pruned`)."),
    ),
)]
pub async fn organization_history(
    query: Query<RecordHistory>,
    PathId(id): PathId<Organizations>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query {
        mut params, pairs, ..
    } = query;
    params.query.resource_types = vec![ResourceType::Organizations];
    params.query.resource_ids = vec![id.to_string()];
    feed(params, pairs, req, state).await
}
