//! Who is calling, and may they? One middleware authenticates every request except the open
//! paths (health, readiness, API description); the authorization table ([`rules`], read from
//! the routing table) says which role each route needs, so no handler checks roles by hand.
//! Handlers that serve "an admin, or the user themself" check that second half with
//! [`Caller::may_act_for`].

use std::sync::OnceLock;

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

/// The authorization table: `(method, route pattern, access)` of every endpoint, read from
/// the routing table ([`crate::routes::endpoints`]), where each endpoint is declared with its
/// rule. `HEAD` follows `GET`.
pub fn rules() -> &'static [(&'static str, &'static str, Access)] {
    static RULES: OnceLock<Vec<(&'static str, &'static str, Access)>> = OnceLock::new();
    RULES.get_or_init(|| {
        crate::routes::endpoints()
            .iter()
            .map(|e| (e.method.as_str(), e.path.as_str(), e.access))
            .collect()
    })
}

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
    // Every route has its rule; only a path no route answers (a 404 or 405 to come) falls to
    // the default, a valid key, so that unknown paths tell nothing to callers without one.
    rules()
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

pub(crate) fn forbidden(required: Role) -> ApiError {
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

/// Middleware: authenticates, applies [`rules`], and leaves the [`Caller`] for handlers.
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
