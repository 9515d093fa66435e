//! Who is calling, and may they? One middleware authenticates every request except the open
//! paths (health, readiness, API description); the authorization table in [`RULES`] says
//! which role each route needs, so no handler checks roles by hand. Handlers that serve "an
//! admin, or the user themself" check that second half with [`Caller::may_act_for`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use orgbase_domain::api_key::{hash_of, prefix_of};
use orgbase_domain::{ApiKeyId, Role, User, UserId, time};

use crate::errors::{ApiError, Kind};
use crate::state::AppState;

/// What a route requires of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No key needed.
    Open,
    /// A key whose user has at least this role.
    AtLeast(Role),
    /// Any valid key; the handler then allows an admin, or the user the resource belongs to.
    AdminOrSelf,
}

/// The authorization table: (method, route pattern, access). `HEAD` follows `GET`. A route
/// missing here needs a valid key and nothing more (it can only answer 404 or 405).
pub const RULES: &[(&str, &str, Access)] = &[
    ("GET", "/healthz", Access::Open),
    ("GET", "/readyz", Access::Open),
    ("GET", "/openapi.json", Access::Open),
    ("GET", "/docs", Access::Open),
    ("GET", "/docs/", Access::Open),
    ("GET", "/docs/{file}", Access::Open),
    ("GET", "/organizations", Access::AtLeast(Role::Viewer)),
    ("POST", "/organizations", Access::AtLeast(Role::Member)),
    ("GET", "/organizations/{id}", Access::AtLeast(Role::Viewer)),
    (
        "PATCH",
        "/organizations/{id}",
        Access::AtLeast(Role::Member),
    ),
    (
        "DELETE",
        "/organizations/{id}",
        Access::AtLeast(Role::Admin),
    ),
    (
        "POST",
        "/organizations/{id}/duplicate",
        Access::AtLeast(Role::Member),
    ),
    (
        "GET",
        "/organizations/{id}/relationships/owner",
        Access::AtLeast(Role::Viewer),
    ),
    (
        "PATCH",
        "/organizations/{id}/relationships/owner",
        Access::AtLeast(Role::Member),
    ),
    (
        "GET",
        "/organizations/{id}/relationships/creator",
        Access::AtLeast(Role::Viewer),
    ),
    // Any reader may learn that creator and updater cannot be changed (403 unsupported_update).
    (
        "PATCH",
        "/organizations/{id}/relationships/creator",
        Access::AtLeast(Role::Viewer),
    ),
    (
        "GET",
        "/organizations/{id}/relationships/updater",
        Access::AtLeast(Role::Viewer),
    ),
    (
        "PATCH",
        "/organizations/{id}/relationships/updater",
        Access::AtLeast(Role::Viewer),
    ),
    (
        "GET",
        "/organizations/{id}/owner",
        Access::AtLeast(Role::Viewer),
    ),
    (
        "GET",
        "/organizations/{id}/creator",
        Access::AtLeast(Role::Viewer),
    ),
    (
        "GET",
        "/organizations/{id}/updater",
        Access::AtLeast(Role::Viewer),
    ),
    ("GET", "/custom_fields", Access::AtLeast(Role::Viewer)),
    ("POST", "/custom_fields", Access::AtLeast(Role::Admin)),
    ("GET", "/custom_fields/{id}", Access::AtLeast(Role::Viewer)),
    ("PATCH", "/custom_fields/{id}", Access::AtLeast(Role::Admin)),
    (
        "DELETE",
        "/custom_fields/{id}",
        Access::AtLeast(Role::Admin),
    ),
    ("GET", "/users", Access::AtLeast(Role::Admin)),
    ("POST", "/users", Access::AtLeast(Role::Admin)),
    ("GET", "/users/{id}", Access::AdminOrSelf),
    ("PATCH", "/users/{id}", Access::AtLeast(Role::Admin)),
    ("DELETE", "/users/{id}", Access::AtLeast(Role::Admin)),
    // Everyone lists keys: a non-admin sees only their own.
    ("GET", "/api_keys", Access::AtLeast(Role::Viewer)),
    ("POST", "/api_keys", Access::AtLeast(Role::Admin)),
    ("GET", "/api_keys/{id}", Access::AdminOrSelf),
    ("PATCH", "/api_keys/{id}", Access::AtLeast(Role::Viewer)),
    ("DELETE", "/api_keys/{id}", Access::AdminOrSelf),
];

/// The access rule for a request to `path`: the path as the router matches it, with
/// percent-escapes of ordinary characters decoded (`req.match_info().as_str()`). Matching the raw
/// path instead let `DELETE /org%61nizations/{id}` reach the delete handler under the default
/// rule. Route patterns are literal segments and `{name}` segments (one non-empty segment
/// each), so a segment walk matches them as actix does, without running the router's regexes a
/// second time per request.
pub fn access_for(method: &Method, path: &str) -> Access {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    RULES
        .iter()
        .find(|(m, pattern, _)| *m == method && fits(pattern, path))
        .map_or(Access::AtLeast(Role::Viewer), |(_, _, access)| *access)
}

/// Whether `path` fits a route `pattern`.
fn fits(pattern: &str, path: &str) -> bool {
    let mut wanted = pattern.split('/');
    let mut given = path.split('/');
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w.starts_with('{') && !g.is_empty() => {}
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

/// The authenticated caller, in the request's extensions.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub key_id: ApiKeyId,
}

impl Caller {
    /// Admins act for anyone; others only for themselves.
    pub fn may_act_for(&self, user: UserId) -> Result<(), ApiError> {
        if self.user.role == Role::Admin || self.user.id == user {
            Ok(())
        } else {
            Err(ApiError::new(
                Kind::Forbidden,
                "Only an admin, or the user it belongs to, may do this.",
            ))
        }
    }
}

/// Remembers when each key's use was last written, so `last_used_at` costs a write at most
/// once a minute per key instead of one per request.
#[derive(Debug, Default)]
pub struct UsageClock(Mutex<HashMap<ApiKeyId, Instant>>);

const USE_RECORDING_INTERVAL: Duration = Duration::from_secs(60);

impl UsageClock {
    fn due(&self, key: ApiKeyId) -> bool {
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match seen.get(&key) {
            Some(last) if now.duration_since(*last) < USE_RECORDING_INTERVAL => false,
            _ => {
                seen.insert(key, now);
                true
            }
        }
    }
}

/// `Token <key>`, `Bearer <key>` or the bare key.
fn presented_key(req: &ServiceRequest) -> Option<String> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    let key = match value.split_once(' ') {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer") =>
        {
            rest.trim()
        }
        Some(_) => return None,
        None => value,
    };
    (!key.is_empty()).then(|| key.to_owned())
}

fn unauthorized(detail: &str) -> ApiError {
    ApiError::new(Kind::Unauthorized, detail).with_header(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Token realm=\"orgbase\", Bearer realm=\"orgbase\""),
    )
}

fn forbidden(required: Role) -> ApiError {
    ApiError::new(
        Kind::Forbidden,
        format!("This needs the {} role or higher.", required.as_str()),
    )
}

async fn authenticate(req: &ServiceRequest) -> Result<Caller, ApiError> {
    let Some(key) = presented_key(req) else {
        return Err(unauthorized(
            "Send an API key: Authorization: Token <key> (or Bearer <key>).",
        ));
    };
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return Err(ApiError::internal("no application state"));
    };
    let hash = hash_of(&key);
    let (api_key, user) = match state.callers.get(&hash) {
        Some(caller) => caller,
        None => {
            let generation = state.callers.generation();
            let prefix = prefix_of(&key);
            let candidates = state
                .run(move |store| store.find_api_keys_by_prefix(&prefix))
                .await?;
            let Some(found) = candidates.into_iter().find(|(k, _)| k.verifies(&key)) else {
                return Err(unauthorized("This API key is unknown or has been revoked."));
            };
            state.callers.insert(generation, hash, found.clone());
            found
        }
    };
    if state.usage.due(api_key.id) {
        let id = api_key.id;
        // Recording the use must not fail the request that uses the key.
        if let Err(error) = state
            .run(move |store| store.touch_api_key(id, time::now()))
            .await
        {
            tracing::warn!(%error, "could not record an API key's use");
        }
    }
    Ok(Caller {
        user,
        key_id: api_key.id,
    })
}

/// Middleware: authenticates, applies [`RULES`], and leaves the [`Caller`] for handlers.
pub async fn guard<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let access = access_for(req.method(), req.match_info().as_str());
    if access != Access::Open {
        let caller = match authenticate(&req).await {
            Ok(caller) => caller,
            Err(error) => {
                return Ok(req
                    .into_response(error.error_response())
                    .map_into_right_body());
            }
        };
        if let Access::AtLeast(required) = access
            && caller.user.role < required
        {
            return Ok(req
                .into_response(forbidden(required).error_response())
                .map_into_right_body());
        }
        req.extensions_mut().insert(caller);
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// The caller a guarded handler runs for.
pub fn caller(req: &actix_web::HttpRequest) -> Result<Caller, ApiError> {
    req.extensions()
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| ApiError::internal("a guarded route ran without a caller"))
}
