//! Paging by cursor (the JSON:API cursor pagination profile): a client's whole walk by
//! `links.next` and back by `links.prev` on every backend, ranges, totals, every collection,
//! and the profile's errors.

use std::sync::Arc;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test::TestRequest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orgbase_store_memory::MemoryStore;
use serde_json::{Value, json};

use crate::support::*;

const ORIGIN: &str = "http://localhost:8080";

/// A GET asking for the cursor pagination profile.
fn get_by_cursor(uri: &str) -> TestRequest {
    get(uri).insert_header((header::ACCEPT, cursor_media_type()))
}

/// The path and query of a link the server wrote.
fn path_of(link: &Value) -> String {
    link.as_str()
        .unwrap_or_else(|| panic!("not a link: {link}"))
        .strip_prefix(ORIGIN)
        .unwrap()
        .to_owned()
}

fn cursors(reply: &Reply) -> Vec<String> {
    reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["page"]["cursor"].as_str().unwrap().to_owned())
        .collect()
}

/// Every page from `start` by `links.next` until it is null: the names in order, and the
/// last page's reply.
pub(crate) async fn walk<S, B>(app: &S, start: &str) -> (Vec<String>, Reply)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut names = Vec::new();
    let mut reply = send(app, get_by_cursor(start)).await;
    for _ in 0..1000 {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(
            reply.header("content-type"),
            Some(cursor_media_type().as_str())
        );
        assert_eq!(reply.body["jsonapi"]["profile"], json!([CURSOR_PROFILE]));
        assert_eq!(
            cursors(&reply).len(),
            reply.names().len(),
            "a cursor on every resource"
        );
        names.extend(reply.names());
        let next = reply.body["links"]["next"].clone();
        if next.is_null() {
            return (names, reply);
        }
        reply = send(app, get(&path_of(&next))).await;
    }
    panic!("the walk does not end");
}

/// Every page before `from` by `links.prev` until it is null: the names in list order.
pub(crate) async fn walk_back<S, B>(app: &S, from: &Reply) -> Vec<String>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut pages = vec![from.names()];
    let mut prev = from.body["links"]["prev"].clone();
    while !prev.is_null() {
        assert!(pages.len() < 1000, "the walk does not end");
        let reply = send(app, get(&path_of(&prev))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        pages.push(reply.names());
        prev = reply.body["links"]["prev"].clone();
    }
    pages.into_iter().rev().flatten().collect()
}

/// 23 organizations in 6 cities (one without), created a second apart.
async fn seed<S, B>(app: &S)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let cities = [
        json!("Gent"),
        json!("Oslo"),
        Value::Null,
        json!("gent"),
        json!("Lima"),
        json!("Bern"),
    ];
    for i in 0..23 {
        create(
            app,
            json!({
                "name": format!("Org {:02}", (i * 7) % 23),
                "city": cities[i % 6],
                "company_size": (i % 4) * 10,
                "created_at": format!("2020-01-01T00:00:{i:02}Z"),
            }),
        )
        .await;
    }
}

/// The same walks on the memory store, SQLite and PostgreSQL (in CI).
#[actix_web::test]
async fn a_client_walks_every_page_by_links_next_and_back_by_links_prev_on_every_backend() {
    let mut stores: Vec<(&str, Arc<dyn orgbase_domain::Store>, Option<SqlStore>)> =
        vec![("memory", Arc::new(MemoryStore::new()), None)];
    for sql in sql_stores() {
        stores.push((sql.name, Arc::clone(&sql.store), Some(sql)));
    }
    for (backend, store, _keep) in stores {
        let app = app_on(store).await;
        seed(&app).await;
        let every = send(&app, get("/organizations?page[size]=100"))
            .await
            .names();
        for (start, expected) in [
            ("/organizations?page[size]=5".to_owned(), every.clone()),
            ("/organizations?page[size]=4&sort=-name".to_owned(), {
                let mut names = every.clone();
                names.sort();
                names.reverse();
                names
            }),
            (
                "/organizations?page[size]=3&sort=-company_size,city&filter[city][ne]=Lima".to_owned(),
                send(
                    &app,
                    get("/organizations?page[size]=100&sort=-company_size,city&filter[city][ne]=Lima"),
                )
                .await
                .names(),
            ),
        ] {
            let (names, last) = walk(&app, &start).await;
            assert_eq!(names, expected, "{backend}: {start}");
            assert_eq!(walk_back(&app, &last).await, expected, "{backend}: back from {start}");
        }
    }
}

#[actix_web::test]
async fn the_first_page_has_no_prev_the_last_no_next_and_every_other_parameter_is_kept() {
    let app = app().await;
    seed(&app).await;
    let first = send(
        &app,
        get_by_cursor("/organizations?page[size]=10&filter[city]=gent&fields[organizations]=name"),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK);
    // Gent and gent: 8 of 23.
    assert_eq!(first.names().len(), 8);
    assert_eq!(first.body["links"]["prev"], Value::Null);
    assert_eq!(first.body["links"]["next"], Value::Null);
    assert_eq!(
        first.body["meta"],
        json!({"page": {"size": 10}}),
        "no total unless asked"
    );
    let self_link = format!(
        "{ORIGIN}/organizations?page%5Bsize%5D=10&filter%5Bcity%5D=gent&fields%5Borganizations%5D=name"
    );
    assert_eq!(first.body["links"]["self"], self_link.as_str());
    assert_eq!(first.body["links"]["first"], self_link.as_str());

    let small = send(
        &app,
        get_by_cursor("/organizations?page[size]=3&filter[city]=gent&page[total]=true"),
    )
    .await;
    assert_eq!(small.body["meta"], json!({"page": {"size": 3, "total": 8}}));
    let cursor = cursors(&small)[2].clone();
    assert_eq!(
        small.body["links"]["next"],
        format!("{ORIGIN}/organizations?page%5Bsize%5D=3&filter%5Bcity%5D=gent&page%5Btotal%5D=true&page%5Bafter%5D={cursor}").as_str()
    );
    // A cursor alone asks for cursor paging, without the Accept header.
    let second = send(&app, get(&path_of(&small.body["links"]["next"]))).await;
    assert_eq!(
        second.header("content-type"),
        Some(cursor_media_type().as_str())
    );
    assert_eq!(second.body["meta"]["page"]["total"], 8);
    assert_eq!(
        second.body["links"]["prev"],
        format!("{ORIGIN}/organizations?page%5Bsize%5D=3&filter%5Bcity%5D=gent&page%5Btotal%5D=true&page%5Bbefore%5D={}", cursors(&second)[0]).as_str()
    );
    let back = send(&app, get(&path_of(&second.body["links"]["prev"]))).await;
    assert_eq!(back.names(), small.names());
    assert_eq!(
        back.body["links"]["prev"],
        Value::Null,
        "nothing before the first three"
    );
}

#[actix_web::test]
async fn a_range_between_two_cursors_says_when_it_is_truncated_and_finishes_it() {
    let app = app().await;
    seed(&app).await;
    let all = send(&app, get_by_cursor("/organizations?page[size]=100")).await;
    let (names, marks) = (all.names(), cursors(&all));
    let range = format!(
        "/organizations?page[size]=3&page[after]={}&page[before]={}",
        marks[2], marks[10]
    );
    let first = send(&app, get(&range)).await;
    assert_eq!(first.names(), names[3..6]);
    assert_eq!(first.body["meta"]["page"]["rangeTruncated"], true);
    assert_eq!(first.body["links"]["prev"], Value::Null);
    let (rest, last) = walk(&app, &path_of(&first.body["links"]["next"])).await;
    assert_eq!(rest, names[6..10], "next keeps the range's end");
    assert_eq!(last.body["meta"]["page"]["rangeTruncated"], false);
    let whole = send(&app, get(&range.replace("page[size]=3", "page[size]=50"))).await;
    assert_eq!(whole.names(), names[3..10]);
    assert_eq!(whole.body["meta"]["page"]["rangeTruncated"], false);
}

#[actix_web::test]
async fn users_keys_and_custom_fields_page_by_cursor_too() {
    let app = app().await;
    for i in 0..4 {
        principal(&app, &format!("user{i}"), "viewer").await;
        let field = json!({"data": {"type": "custom_fields", "attributes": {"identifier": format!("c_f{i}"), "name": format!("F{i}"), "format": "text"}}});
        assert_eq!(
            send(&app, post("/custom_fields", &field)).await.status,
            StatusCode::CREATED
        );
    }
    for (collection, expected) in [("users", 5), ("api_keys", 5), ("custom_fields", 4)] {
        let plain = send(&app, get(&format!("/{collection}?page[size]=100"))).await;
        let ids = |r: &Reply| -> Vec<String> {
            r.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_owned())
                .collect()
        };
        let mut seen = Vec::new();
        let mut reply = send(&app, get_by_cursor(&format!("/{collection}?page[size]=2"))).await;
        loop {
            assert_eq!(
                reply.header("content-type"),
                Some(cursor_media_type().as_str())
            );
            seen.extend(ids(&reply));
            if reply.body["links"]["next"].is_null() {
                break;
            }
            reply = send(&app, get(&path_of(&reply.body["links"]["next"]))).await;
        }
        assert_eq!(seen.len(), expected, "{collection}");
        assert_eq!(seen, ids(&plain), "{collection}");
    }
}

#[actix_web::test]
async fn without_a_cursor_or_the_profile_pages_are_numbered_as_before() {
    let app = app().await;
    seed(&app).await;
    let reply = send(&app, get("/organizations?page[size]=5")).await;
    assert_eq!(reply.header("content-type"), Some(JSONAPI));
    assert_eq!(reply.body["jsonapi"], json!({"version": "1.1"}));
    assert_eq!(reply.body["meta"]["total"], 23);
    assert!(reply.body["data"][0].get("meta").is_none());
    // Another profile in Accept changes nothing.
    let other = send(
        &app,
        get("/organizations?page[size]=5").insert_header((
            header::ACCEPT,
            format!("{JSONAPI}; profile=\"https://example.com/other\""),
        )),
    )
    .await;
    assert_eq!(other.header("content-type"), Some(JSONAPI));
}

#[actix_web::test]
async fn cursor_errors_are_the_profiles() {
    let app = app().await;
    seed(&app).await;
    let page = send(&app, get_by_cursor("/organizations?page[size]=2&sort=name")).await;
    let cursor = cursors(&page)[1].clone();

    let too_big = send(&app, get_by_cursor("/organizations?page[size]=1001")).await;
    assert_eq!(
        too_big.only_error(400),
        ("max_size_exceeded".into(), "page[size]".into())
    );
    let error = &too_big.body["errors"][0];
    assert_eq!(
        error["links"]["type"],
        "https://jsonapi.org/profiles/ethanresnick/cursor-pagination/max-size-exceeded"
    );
    assert_eq!(error["meta"], json!({"page": {"maxSize": 1000}}));
    // By number the old rule stands.
    let numbered = send(&app, get("/organizations?page[size]=1001")).await;
    assert_eq!(
        numbered.only_error(400),
        ("invalid_parameter".into(), "page[size]".into())
    );

    for (uri, parameter) in [
        (
            "/organizations?page[after]=not-a-cursor".to_owned(),
            "page[after]",
        ),
        (
            "/organizations?page[before]=%21%21".to_owned(),
            "page[before]",
        ),
        // Made for another sort, or another filter.
        (
            format!("/organizations?page[after]={cursor}"),
            "page[after]",
        ),
        (
            format!("/organizations?sort=name&filter[city]=gent&page[before]={cursor}"),
            "page[before]",
        ),
        (
            format!("/organizations?sort=name&page[after]={cursor}&page[number]=2"),
            "page[number]",
        ),
    ] {
        let reply = send(&app, get(&uri)).await;
        assert_eq!(reply.only_error(400).1, parameter, "{uri}: {}", reply.body);
    }
    let with_number = send(&app, get_by_cursor("/organizations?page[number]=2")).await;
    assert_eq!(
        with_number.only_error(400),
        ("invalid_parameter".into(), "page[number]".into())
    );

    // A well-formed cursor edited by hand points elsewhere; it is never a 5xx.
    let mut document: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&cursor).unwrap()).unwrap();
    for value in [json!("zzz"), json!(null), json!("Org 1\u{301}"), json!("")] {
        document["v"][0] = value;
        let forged = URL_SAFE_NO_PAD.encode(document.to_string());
        let reply = send(
            &app,
            get(&format!("/organizations?sort=name&page[after]={forged}")),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    document["i"] = json!("00000000-0000-0000-0000-000000000000");
    document["v"][0] = json!(42);
    let wrong_type = URL_SAFE_NO_PAD.encode(document.to_string());
    let reply = send(
        &app,
        get(&format!(
            "/organizations?sort=name&page[after]={wrong_type}"
        )),
    )
    .await;
    assert_eq!(
        reply.only_error(400),
        ("invalid_parameter".into(), "page[after]".into())
    );
}
