//! Links and meta of a paged collection, the same for every resource type.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use orgbase_domain::Page;
use orgbase_domain::query::PageRequest;
use serde_json::{Value, json};

use crate::document::Document;
use crate::links::BaseUrl;
use crate::query::{ListParams, QueryPairs};

/// `links` (self, first, last, prev, next; null where none, every other parameter kept) and
/// `meta` (total and page). Without a total (`page[total]=false`) there is no `last`, and
/// `meta` has only the page number and size.
pub fn collection_links_and_meta(
    base: &BaseUrl,
    path: &str,
    pairs: &QueryPairs,
    page: PageRequest,
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

/// A page of users or keys as a collection document; `render` makes each resource object.
/// Their stores always count (the tables are small), so `page[total]=false` only hides it.
pub fn respond_page<T>(
    req: &HttpRequest,
    base: &BaseUrl,
    pairs: &QueryPairs,
    params: &ListParams,
    page: &Page<T>,
    render: impl Fn(&T) -> Value,
) -> HttpResponse {
    let data: Vec<Value> = page.items.iter().map(render).collect();
    let total = params.query.with_total.then_some(page.total).flatten();
    let (links, meta) = collection_links_and_meta(
        base,
        req.path(),
        pairs,
        params.query.page,
        total,
        page.has_next,
    );
    Document::new(data, links)
        .with_meta(meta)
        .with_included(params.render.include.is_some().then(Vec::new))
        .respond(StatusCode::OK)
}
