//! `/webhooks`: admins register the URLs that hear of changes. The secret that signs
//! deliveries appears once, in the answer that creates the webhook.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::attributes::{read_new_webhook, read_webhook_patch};
use orgbase_domain::{Position, Webhook, WebhookSecret, service, time};

use crate::auth::Caller;
use crate::conditional::Precondition;
use crate::document::{WEBHOOKS, delivery_resource, respond_resource, webhook_resource};
use crate::errors::{ApiError, ErrorObject, Kind};
use crate::extract::{OneResource, PageOnly, PathId, Query, ResourceBody};
use crate::openapi::params;
use crate::pagination::respond_page;
use crate::query::RenderOptions;
use crate::request_body::{combine, read_json_object, unknown_relationships};
use crate::resources::Webhooks;
use crate::state::AppState;

fn respond(
    req: &HttpRequest,
    state: &AppState,
    webhook: &Webhook,
    with_secret: bool,
    render: &RenderOptions,
    status: StatusCode,
) -> HttpResponse {
    respond_resource(
        req,
        webhook_resource(
            webhook,
            with_secret,
            &state.base_url(req),
            &render.webhook_fields,
        ),
        webhook.version,
        status,
        render.include.is_some(),
    )
}

/// List webhooks
#[utoipa::path(
    get,
    path = "/webhooks",
    tag = "webhooks",
    operation_id = "listWebhooks",
    params(params::PageQuery),
    responses(
        (status = 200, description = "A page of webhooks, oldest first (never their secrets).", body = ref("WebhookCollection")),
    ),
)]
pub async fn list(
    query: Query<PageOnly>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query { params, pairs, .. } = query;
    let requested = params.query.page.clone();
    let page = state
        .run(move |store| store.list_webhooks(requested))
        .await?;
    let base = state.base_url(&req);
    Ok(respond_page(
        &req,
        &base,
        &pairs,
        &params,
        &page,
        |w| webhook_resource(w, false, &base, &params.render.webhook_fields),
        |w| Position::oldest_first(w.created_at, w.id.as_uuid()),
    ))
}

/// Register a webhook
///
/// It hears of the changes committed after it is created, delivered in order, at least once,
/// signed with its secret (Standard Webhooks).
#[utoipa::path(
    post,
    path = "/webhooks",
    tag = "webhooks",
    operation_id = "createWebhook",
    params(params::ResourceQuery),
    request_body = ref("NewWebhookDocument"),
    responses(
        (status = 201, description = "Registered: `secret` is in this answer only.", body = ref("WebhookDocument")),
        (status = 403, description = "The client-generated `id` is not a UUID."),
        (status = 409, description = "The client-generated `id` is taken, or the body names another type."),
        (status = 422, description = "Validation failed: a URL that is not public https, an unknown event."),
    ),
)]
pub async fn create(
    query: Query<OneResource>,
    body: ResourceBody<Webhooks>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let new = combine(
        read_new_webhook(&body.attributes, state.webhooks_allow_private),
        unknown_relationships(&body.relationships, WEBHOOKS),
    )?;
    let secret = WebhookSecret::generate().map_err(ApiError::internal)?;
    let id = body.id;
    let actor = Some(caller.user.id);
    let webhook = state
        .run(move |store| service::create_webhook(store, new, secret, id, actor, time::now()))
        .await?;
    Ok(respond(
        &req,
        &state,
        &webhook,
        true,
        &query.params.render,
        StatusCode::CREATED,
    ))
}

/// Fetch a webhook
#[utoipa::path(
    get,
    path = "/webhooks/{id}",
    tag = "webhooks",
    operation_id = "getWebhook",
    params(params::ResourceQuery, params::IdPath),
    responses(
        (status = 200, description = "The webhook and how far its deliveries have got, without its secret.", body = ref("WebhookDocument")),
    ),
)]
pub async fn get(
    query: Query<OneResource>,
    PathId(id): PathId<Webhooks>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let webhook = state.run(move |store| store.get_webhook(id)).await?;
    Ok(respond(
        &req,
        &state,
        &webhook,
        false,
        &query.params.render,
        StatusCode::OK,
    ))
}

/// Change a webhook
///
/// `active: true` on a webhook orgbase turned off resumes its deliveries from where they
/// stopped.
#[utoipa::path(
    patch,
    path = "/webhooks/{id}",
    tag = "webhooks",
    operation_id = "updateWebhook",
    params(params::ResourceQuery, params::IdPath),
    request_body = ref("WebhookPatchDocument"),
    responses(
        (status = 200, description = "The webhook as changed.", body = ref("WebhookDocument")),
    ),
)]
pub async fn update(
    query: Query<OneResource>,
    PathId(id): PathId<Webhooks>,
    body: ResourceBody<Webhooks>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let precondition = Precondition::of(&req);
    // What orgbase sets may be sent back as it is: compared with this read.
    let current = state
        .run(move |store| store.get_webhook(id))
        .await
        .map_err(|e| precondition.judge(e))?;
    let patch = combine(
        read_webhook_patch(&body.attributes, &current, state.webhooks_allow_private),
        unknown_relationships(&body.relationships, WEBHOOKS),
    )?;
    let write = precondition.write(caller.user.id);
    let webhook = state
        .run(move |store| store.update_webhook(id, &patch, time::now(), write))
        .await
        .map_err(|e| precondition.judge(e))?;
    Ok(respond(
        &req,
        &state,
        &webhook,
        false,
        &query.params.render,
        StatusCode::OK,
    ))
}

/// Delete a webhook
#[utoipa::path(
    delete,
    path = "/webhooks/{id}",
    tag = "webhooks",
    operation_id = "deleteWebhook",
    params(params::ResourceQuery, params::IdPath),
    responses(
        (status = 204, description = "Deleted: no delivery starts after this."),
    ),
)]
pub async fn delete(
    _: Query<OneResource>,
    PathId(id): PathId<Webhooks>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let precondition = Precondition::of(&req);
    let write = precondition.write(caller.user.id);
    state
        .run(move |store| store.delete_webhook(id, write))
        .await
        .map_err(|e| precondition.judge(e))?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate a webhook's secret
///
/// The new secret is in this answer only. The old one still signs deliveries, beside the new,
/// for 24 hours, so receivers can switch without missing one.
#[utoipa::path(
    post,
    path = "/webhooks/{id}/rotate_secret",
    tag = "webhooks",
    operation_id = "rotateWebhookSecret",
    params(params::ResourceQuery, params::IdPath),
    responses(
        (status = 200, description = "The webhook with its new `secret`, shown this once.", body = ref("WebhookDocument")),
    ),
)]
pub async fn rotate_secret(
    query: Query<OneResource>,
    PathId(id): PathId<Webhooks>,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let precondition = Precondition::of(&req);
    let write = precondition.write(caller.user.id);
    let secret = WebhookSecret::generate().map_err(ApiError::internal)?;
    let webhook = state
        .run(move |store| store.rotate_webhook_secret(id, &secret, time::now(), write))
        .await
        .map_err(|e| precondition.judge(e))?;
    Ok(respond(
        &req,
        &state,
        &webhook,
        true,
        &query.params.render,
        StatusCode::OK,
    ))
}

/// Deliver a webhook's events again
///
/// `{"meta": {"from_sequence": N}}`: the events it hears of with a sequence from N on are
/// delivered again, in order, with their original `webhook-id`s, starting now.
#[utoipa::path(
    post,
    path = "/webhooks/{id}/replay",
    tag = "webhooks",
    operation_id = "replayWebhook",
    params(params::ResourceQuery, params::IdPath),
    request_body = ref("ReplayDocument"),
    responses(
        (status = 200, description = "The webhook, its position moved back.", body = ref("WebhookDocument")),
        (status = 422, description = "`from_sequence` is not a sequence from 1, is beyond what was delivered (a replay never skips), or names pruned entries (`changes_pruned`)."),
    ),
)]
pub async fn replay(
    query: Query<OneResource>,
    PathId(id): PathId<Webhooks>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let document = read_json_object(&req, payload.into_inner()).await?;
    let from = from_sequence(&document)?;
    let precondition = Precondition::of(&req);
    let write = precondition.write(caller.user.id);
    let webhook = state
        .run(move |store| {
            let webhook = store.get_webhook(id)?;
            let log = store.change_log_state()?;
            Ok((webhook, log))
        })
        .await
        .map_err(|e| precondition.judge(e))?;
    let (current, log) = webhook;
    let pointer = "/meta/from_sequence";
    if from <= log.pruned_through {
        return Err(ErrorObject::invalid_field(
            "changes_pruned",
            pointer,
            format!(
                "Entries up to sequence {} were pruned; replay from {} or later.",
                log.pruned_through,
                log.pruned_through + 1
            ),
        )
        .into());
    }
    let position = current.delivery.last_delivered_sequence;
    if from > position + 1 {
        return Err(ErrorObject::invalid_field(
            "invalid_value",
            pointer,
            format!(
                "Deliveries have reached sequence {position}; a replay goes back from there (from {} or earlier) and never skips ahead.",
                position + 1
            ),
        )
        .into());
    }
    let webhook = state
        .run(move |store| store.rewind_webhook(id, from - 1, write))
        .await
        .map_err(|e| precondition.judge(e))?;
    Ok(respond(
        &req,
        &state,
        &webhook,
        false,
        &query.params.render,
        StatusCode::OK,
    ))
}

/// `meta.from_sequence`: a sequence from 1.
fn from_sequence(document: &serde_json::Map<String, serde_json::Value>) -> Result<u64, ApiError> {
    let Some(meta) = document.get("meta").and_then(serde_json::Value::as_object) else {
        return Err(ErrorObject::new(
            Kind::InvalidDocument,
            "A replay is {\"meta\": {\"from_sequence\": N}}.",
        )
        .pointer("/meta")
        .into());
    };
    match meta.get("from_sequence") {
        None => Err(ErrorObject::invalid_field(
            "required",
            "/meta",
            "`from_sequence` is required: the first sequence to deliver again.",
        )
        .into()),
        Some(value) => value.as_u64().filter(|n| *n >= 1).ok_or_else(|| {
            ErrorObject::invalid_field(
                "invalid_type",
                "/meta/from_sequence",
                "`from_sequence` must be an integer from 1.",
            )
            .into()
        }),
    }
}

/// List a webhook's delivery attempts
///
/// Every attempt of the last 30 days, oldest first (`page[before]` alone, by cursor, reads
/// the newest).
#[utoipa::path(
    get,
    path = "/webhooks/{id}/deliveries",
    tag = "webhooks",
    operation_id = "listWebhookDeliveries",
    params(params::PageQuery, params::IdPath),
    responses(
        (status = 200, description = "A page of attempts: what was delivered, what the receiver answered, and when a failure is tried again.", body = ref("WebhookDeliveryCollection")),
    ),
)]
pub async fn deliveries(
    query: Query<PageOnly>,
    PathId(id): PathId<Webhooks>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Query { params, pairs, .. } = query;
    let requested = params.query.page.clone();
    let page = state
        .run(move |store| {
            // A webhook that does not exist has no list (404), not an empty one.
            store.get_webhook(id)?;
            store.list_deliveries(id, requested)
        })
        .await?;
    let base = state.base_url(&req);
    Ok(respond_page(
        &req,
        &base,
        &pairs,
        &params,
        &page,
        |d| delivery_resource(d, &params.render.delivery_fields),
        |d| Position::oldest_first(d.delivered_at, d.id.as_uuid()),
    ))
}

/// Ping a webhook
///
/// Sends a `webhook.ping` event to the URL at once, signed as deliveries are, and answers
/// what the receiver did. The event is not in the change log and moves nothing.
#[utoipa::path(
    post,
    path = "/webhooks/{id}/ping",
    tag = "webhooks",
    operation_id = "pingWebhook",
    params(params::IdPath),
    responses(
        (status = 200, description = "Sent: `meta` holds the receiver's status (null if it did not answer), the error if it was not a 2xx, and how long it took.", body = ref("PingDocument")),
    ),
)]
pub async fn ping(
    PathId(id): PathId<Webhooks>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(pinger) = state.pinger.clone() else {
        return Err(ApiError::new(
            Kind::StorageUnavailable,
            "This server process does not deliver webhooks.",
        ));
    };
    let webhook = state.run(move |store| store.get_webhook(id)).await?;
    let outcome = web::block(move || pinger.ping(&webhook))
        .await
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(crate::jsonapi::JSONAPI_MEDIA_TYPE)
        .json(serde_json::json!({
            "jsonapi": {"version": "1.1"},
            "meta": {
                "delivered": outcome.status_code.is_some_and(|s| (200..300).contains(&s)),
                "status_code": outcome.status_code,
                "error": outcome.error,
                "duration_ms": outcome.duration_ms,
            },
        })))
}
