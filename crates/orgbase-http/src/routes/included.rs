//! `included`: the related resources `include` asks for, fetched once for a whole page.

use orgbase_domain::UserId;
use serde_json::Value;

use crate::document::user_resource;
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
