//! Links and meta of a paged collection, the same for every resource type: by page number, or
//! by cursor as the cursor pagination profile has them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use orgbase_domain::Page;
use orgbase_domain::query::{Listed, PageRequest};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::cursor::CURSOR_PROFILE;
use crate::document::{Document, cursor_meta};
use crate::links::BaseUrl;
use crate::query::{ListParams, QueryPairs};

/// `links` (self, first, last, prev, next; null where none, every other parameter kept) and
/// `meta` (total and page). Without a total (`page[total]=false`) there is no `last`, and
/// `meta` has only the page number and size.
pub fn collection_links_and_meta(
    base: &BaseUrl,
    path: &str,
    pairs: &QueryPairs,
    page: &PageRequest,
    total: Option<u64>,
    has_next: bool,
) -> (Value, Value) {
    // An empty collection still has one (empty) page, so `last` always names a page.
    let pages = total.map(|total| total.div_ceil(page.size).max(1));
    let link =
        |number: u64| base.join_with_query(path, &pairs.with("page[number]", number.to_string()));
    // Past the end, `prev` leads back to the last page rather than to another empty one.
    let previous = (page.number - 1).min(pages.unwrap_or(u64::MAX));
    let links = json!({
        "self": base.join_with_query(path, &pairs.0),
        "first": link(1),
        "last": pages.map(link),
        "prev": (page.number > 1).then(|| link(previous)),
        "next": has_next.then(|| link(page.number + 1)),
    });
    let meta = match (total, pages) {
        (Some(total), Some(pages)) => json!({
            "total": total,
            "page": { "number": page.number, "size": page.size, "pages": pages },
        }),
        _ => json!({ "page": { "number": page.number, "size": page.size } }),
    };
    (links, meta)
}

/// `links` and `meta` of a page paged by cursor. `first` and `last` are the cursors of the
/// page's first and last records (none when it is empty). The total shows only when asked
/// for (`page[total]=true`), whether or not the store counted anyway.
///
/// `next` follows the last record (keeping a `page[before]` bound, so a truncated range is
/// finished before it ends); `prev` precedes the first. Each is null where the server knows
/// no such page exists: `next` after the last record (or after a range that was not
/// truncated), `prev` on the first page, before a range's first record, and on an empty page
/// reached forwards (the cursor the client came from leads back). `meta.page` has the size,
/// `total` when `page[total]=true` asked for it, and `rangeTruncated` on range requests.
pub fn cursor_links_and_meta<T>(
    base: &BaseUrl,
    path: &str,
    pairs: &QueryPairs,
    params: &ListParams,
    page: &Page<T>,
    first: Option<&str>,
    last: Option<&str>,
) -> (Value, Value) {
    let keyset = params.query.page.keyset.clone().unwrap_or_default();
    let raw = |name: &str| {
        pairs
            .0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let link = |cursors: &[(&str, &str)]| base.join_with_query(path, &pairs.with_cursors(cursors));
    let range = keyset.after.is_some() && keyset.before.is_some();
    let (prev, next) = if keyset.is_backwards() {
        let prev = page
            .has_previous
            .then(|| first.map(|f| link(&[("page[before]", f)])))
            .flatten();
        // Nothing before the bound means the records after it start at the beginning.
        let next = Some(match last {
            Some(l) => link(&[("page[after]", l)]),
            None => link(&[]),
        });
        (prev, next)
    } else {
        let next = match (page.has_next, last, raw("page[before]")) {
            (true, Some(l), Some(before)) => {
                Some(link(&[("page[after]", l), ("page[before]", before)]))
            }
            (true, Some(l), None) => Some(link(&[("page[after]", l)])),
            _ => None,
        };
        let prev = match (range, keyset.after.is_some(), first) {
            (false, true, Some(f)) => Some(link(&[("page[before]", f)])),
            _ => None,
        };
        (prev, next)
    };
    let links = json!({
        "self": base.join_with_query(path, &pairs.0),
        "first": link(&[]),
        "prev": prev,
        "next": next,
    });
    let mut meta_page = json!({ "size": params.query.page.size });
    if let Some(total) = params.query.with_total.then_some(page.total).flatten() {
        meta_page["total"] = json!(total);
    }
    if range {
        meta_page["rangeTruncated"] = json!(page.has_next);
    }
    (links, json!({ "page": meta_page }))
}

/// A page of records whose resource objects are serialized straight from them (organizations,
/// contacts): `resource` makes one from a record and its cursor (on pages by cursor), and
/// `bytes_each` is about what one takes, to size the body up front.
#[allow(clippy::too_many_arguments)] // the page, how to render it, and what goes with it
pub fn respond_records<'a, T: Listed, R: Serialize>(
    req: &HttpRequest,
    base: &BaseUrl,
    pairs: &QueryPairs,
    params: &ListParams,
    page: &'a Page<T>,
    resource: impl Fn(&'a T, Option<String>) -> R,
    included: Option<Vec<Value>>,
    bytes_each: usize,
) -> HttpResponse {
    let cursors: Vec<Option<String>> = page
        .items
        .iter()
        .map(|item| {
            params
                .cursors
                .as_ref()
                .map(|cursors| cursors.encode(&params.query.position_of(item)))
        })
        .collect();
    let (links, meta) = if params.cursors.is_some() {
        cursor_links_and_meta(
            base,
            req.path(),
            pairs,
            params,
            page,
            cursors.first().and_then(Option::as_deref),
            cursors.last().and_then(Option::as_deref),
        )
    } else {
        collection_links_and_meta(
            base,
            req.path(),
            pairs,
            &params.query.page,
            page.total,
            page.has_next,
        )
    };
    let capacity = bytes_each * (page.items.len() + 1);
    let data: Vec<R> = page
        .items
        .iter()
        .zip(cursors)
        .map(|(item, cursor)| resource(item, cursor))
        .collect();
    let mut document = Document::new(data, links)
        .with_included(included)
        .with_meta(meta);
    if params.cursors.is_some() {
        document = document.with_profile(CURSOR_PROFILE);
    }
    document.respond_sized(StatusCode::OK, capacity)
}

/// A page of users, keys or custom fields as a collection document; `render` makes each
/// resource object and `position` gives each record's place for its cursor. Their stores
/// always count (the tables are small), so `page[total]` only shows or hides it.
pub fn respond_page<T>(
    req: &HttpRequest,
    base: &BaseUrl,
    pairs: &QueryPairs,
    params: &ListParams,
    page: &Page<T>,
    render: impl Fn(&T) -> Value,
    position: impl Fn(&T) -> orgbase_domain::Position,
) -> HttpResponse {
    respond_page_with_meta(req, base, pairs, params, page, render, position, Map::new())
}

/// [`respond_page`] with more members in the top-level `meta` (the changes feed's `latest`).
#[allow(clippy::too_many_arguments)] // respond_page's, and the meta
pub fn respond_page_with_meta<T>(
    req: &HttpRequest,
    base: &BaseUrl,
    pairs: &QueryPairs,
    params: &ListParams,
    page: &Page<T>,
    render: impl Fn(&T) -> Value,
    position: impl Fn(&T) -> orgbase_domain::Position,
    more_meta: Map<String, Value>,
) -> HttpResponse {
    let with_more = |mut meta: Value| {
        if let Some(object) = meta.as_object_mut() {
            object.extend(more_meta.clone());
        }
        meta
    };
    let Some(cursors) = &params.cursors else {
        let total = params.query.with_total.then_some(page.total).flatten();
        let data: Vec<Value> = page.items.iter().map(render).collect();
        let (links, meta) = collection_links_and_meta(
            base,
            req.path(),
            pairs,
            &params.query.page,
            total,
            page.has_next,
        );
        return Document::new(data, links)
            .with_meta(with_more(meta))
            .with_included(params.render.include.is_some().then(Vec::new))
            .respond(StatusCode::OK);
    };
    let mut data = Vec::with_capacity(page.items.len());
    let mut cursor_list = Vec::with_capacity(page.items.len());
    for item in &page.items {
        let cursor = cursors.encode(&position(item));
        let mut resource = render(item);
        resource["meta"] = cursor_meta(&cursor);
        data.push(resource);
        cursor_list.push(cursor);
    }
    let (links, meta) = cursor_links_and_meta(
        base,
        req.path(),
        pairs,
        params,
        page,
        cursor_list.first().map(String::as_str),
        cursor_list.last().map(String::as_str),
    );
    Document::new(data, links)
        .with_meta(with_more(meta))
        .with_included(params.render.include.is_some().then(Vec::new))
        .with_profile(CURSOR_PROFILE)
        .respond(StatusCode::OK)
}
