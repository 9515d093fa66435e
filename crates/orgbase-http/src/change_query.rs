//! The changes feed's query string: `filter[resource_type]`, `filter[resource_id]`,
//! `filter[operation]`, `filter[actor]` (each a comma-separated list, any of which matches),
//! `filter[changed_at][gte|lt]`, `sort=sequence` (the one order), and the pages every
//! collection has, by number or by cursor.

use std::collections::HashSet;

use orgbase_domain::{ChangeQuery, Operation, ResourceType, UserId, time};

use crate::errors::{ApiError, ErrorObject};
use crate::query::{ListParams, Paging, QueryPairs, change_paging, invalid, unknown};

/// The feed's parameters: its query, and the paging as every collection has it.
#[derive(Debug, Clone, Default)]
pub struct ChangeParams {
    pub query: ChangeQuery,
    /// The page, the cursors and the (empty) render options, as [`crate::pagination`] reads
    /// them.
    pub list: ListParams,
}

/// Each comma-separated value of `value` read by `read`, or an error naming the bad one.
fn list_of<T>(
    name: &str,
    value: &str,
    what: &str,
    read: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, ErrorObject> {
    value
        .split(',')
        .map(|part| {
            read(part.trim()).ok_or_else(|| {
                invalid(name, format!("`{name}` takes {what}; {part:?} is not one."))
            })
        })
        .collect()
}

fn one(query: &mut ChangeQuery, name: &str, value: &str, history: bool) -> Result<(), ErrorObject> {
    match name {
        "filter[resource_type]" if !history => {
            query.resource_types = list_of(
                name,
                value,
                "organizations, custom_fields, users or api_keys",
                ResourceType::parse,
            )?
        }
        "filter[resource_id]" if !history => {
            query.resource_ids = list_of(name, value, "resource ids (UUIDs)", |id| {
                uuid::Uuid::parse_str(id)
                    .ok()
                    .map(|u| u.hyphenated().to_string())
            })?
        }
        "filter[operation]" => {
            query.operations = list_of(name, value, "create, update or delete", Operation::parse)?
        }
        "filter[actor]" => {
            query.actors = list_of(name, value, "user ids", |id| id.parse::<UserId>().ok())?
        }
        "filter[changed_at][gte]" | "filter[changed_at][lt]" => {
            let at = time::parse(value).ok_or_else(|| {
                invalid(
                    name,
                    format!("`{name}` takes an RFC 3339 date-time, not {value:?}."),
                )
            })?;
            if name.ends_with("[gte]") {
                query.changed_at_gte = Some(at);
            } else {
                query.changed_at_lt = Some(at);
            }
        }
        "sort" if value == "sequence" => {}
        "sort" => {
            return Err(invalid(
                name,
                "The changes feed is ordered by `sequence` only (`sort=sequence`).",
            ));
        }
        _ => {
            let filters = if history {
                "filter[operation], filter[actor] and filter[changed_at][gte|lt]"
            } else {
                "filter[resource_type], filter[resource_id], filter[operation], filter[actor] and filter[changed_at][gte|lt]"
            };
            return Err(unknown(
                name,
                format!("`{name}` is not a filter of this feed; it has {filters}."),
            ));
        }
    }
    Ok(())
}

/// Reads the feed's parameters; `history` is one record's feed
/// (`/organizations/{id}/changes`), whose type and id the path fixes.
pub fn change_params(
    pairs: &QueryPairs,
    paging: &Paging,
    history: bool,
) -> Result<ChangeParams, ApiError> {
    let mut query = ChangeQuery::default();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut rest = Vec::new();
    for (name, value) in &pairs.0 {
        if !(name.starts_with("filter[") || name == "sort") {
            rest.push((name.clone(), value.clone()));
            continue;
        }
        if !seen.insert(name.as_str()) {
            errors.push(invalid(name, format!("`{name}` is given more than once.")));
        } else if let Err(error) = one(&mut query, name, value, history) {
            errors.push(error);
        }
    }
    let (list, paging_errors) = change_paging(&QueryPairs(rest), pairs, paging);
    errors.extend(paging_errors);
    if !errors.is_empty() {
        return Err(ApiError::many(errors));
    }
    query.page = list.query.page.clone();
    query.with_total = list.query.with_total;
    Ok(ChangeParams { query, list })
}
