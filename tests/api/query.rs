//! Paging, sorting, sparse fieldsets and query-parameter errors.

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

const BASE: &str = "http://localhost:8080/organizations";

async fn seeded(
    count: usize,
) -> impl actix_web::dev::Service<
    actix_http::Request,
    Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
    Error = actix_web::Error,
> {
    let app = app().await;
    for i in 0..count {
        create(&app, json!({"name": format!("Org {i:02}"), "created_at": format!("2020-01-01T00:00:{i:02}Z")})).await;
    }
    app
}

#[actix_web::test]
async fn a_middle_page_has_every_link_and_the_meta() {
    let app = seeded(25).await;
    let reply = send(
        &app,
        get("/organizations?page[size]=10&page[number]=2&sort=created_at"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.names(),
        (10..20).map(|i| format!("Org {i:02}")).collect::<Vec<_>>()
    );
    let q = |n: u32| format!("{BASE}?page%5Bsize%5D=10&page%5Bnumber%5D={n}&sort=created_at");
    assert_eq!(
        reply.body["links"],
        json!({"self": q(2), "first": q(1), "last": q(3), "prev": q(1), "next": q(3)})
    );
    assert_eq!(
        reply.body["meta"],
        json!({"total": 25, "page": {"number": 2, "size": 10, "pages": 3}})
    );
}

#[actix_web::test]
async fn first_last_and_past_the_end() {
    let app = seeded(20).await;
    let reply = send(&app, get("/organizations?page[size]=10")).await;
    let q = |n: u32| format!("{BASE}?page%5Bsize%5D=10&page%5Bnumber%5D={n}");
    assert_eq!(reply.body["links"]["prev"], Value::Null);
    assert_eq!(reply.body["links"]["next"], q(2).as_str());
    assert_eq!(
        reply.body["links"]["self"],
        format!("{BASE}?page%5Bsize%5D=10").as_str()
    );

    let last = send(&app, get("/organizations?page[size]=10&page[number]=2")).await;
    assert_eq!(
        last.names().len(),
        10,
        "an exact multiple ends on a full page"
    );
    assert_eq!(last.body["links"]["next"], Value::Null);
    assert_eq!(last.body["meta"]["page"]["pages"], 2);

    let past = send(&app, get("/organizations?page[size]=10&page[number]=7")).await;
    assert_eq!(past.status, StatusCode::OK);
    assert_eq!(past.body["data"], json!([]));
    assert_eq!(
        past.body["links"]["prev"],
        q(2).as_str(),
        "prev leads back to the last page"
    );
    assert_eq!(past.body["links"]["next"], Value::Null);
    assert_eq!(
        past.body["meta"],
        json!({"total": 20, "page": {"number": 7, "size": 10, "pages": 2}})
    );
}

#[actix_web::test]
async fn defaults_and_an_empty_collection() {
    let app = app().await;
    let reply = send(&app, get("/organizations")).await;
    assert_eq!(reply.body["data"], json!([]));
    assert_eq!(
        reply.body["meta"],
        json!({"total": 0, "page": {"number": 1, "size": 100, "pages": 1}})
    );
    let first = format!("{BASE}?page%5Bnumber%5D=1");
    assert_eq!(
        reply.body["links"],
        json!({"self": BASE, "first": first, "last": first, "prev": null, "next": null})
    );
}

#[actix_web::test]
async fn percent_encoded_brackets_mean_the_same() {
    let app = seeded(3).await;
    let raw = send(&app, get("/organizations?page[size]=2&sort=-name")).await;
    let encoded = send(&app, get("/organizations?page%5Bsize%5D=2&sort=-name")).await;
    assert_eq!(raw.body, encoded.body);
    assert_eq!(raw.names(), ["Org 02", "Org 01"]);
}

#[actix_web::test]
async fn sort_orders_and_ties() {
    let app = app().await;
    for name in ["banana", "Apple", "cherry"] {
        create(
            &app,
            json!({"name": name, "created_at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    }
    assert_eq!(
        send(&app, get("/organizations?sort=name")).await.names(),
        ["Apple", "banana", "cherry"]
    );
    assert_eq!(
        send(&app, get("/organizations?sort=-name")).await.names(),
        ["cherry", "banana", "Apple"]
    );
    // All share created_at: ties fall back to the id (which follows creation order), in the
    // direction of the last sort key.
    assert_eq!(
        send(&app, get("/organizations?sort=-created_at"))
            .await
            .names(),
        ["cherry", "Apple", "banana"]
    );
    assert_eq!(
        send(&app, get("/organizations?sort=created_at"))
            .await
            .names(),
        ["banana", "Apple", "cherry"]
    );
}

#[actix_web::test]
async fn sparse_fieldsets_and_empty_include() {
    let app = seeded(1).await;
    let reply = send(&app, get("/organizations?fields[organizations]=name,slug")).await;
    assert_eq!(
        reply.body["data"][0]["attributes"],
        json!({"name": "Org 00", "slug": "org-00"})
    );
    let id = reply.body["data"][0]["id"].as_str().unwrap().to_owned();
    let none = send(
        &app,
        get(&format!("/organizations/{id}?fields[organizations]=")),
    )
    .await;
    assert!(
        none.body["data"].get("attributes").is_none(),
        "{}",
        none.body
    );
    assert!(none.body.get("included").is_none());
    let include = send(&app, get(&format!("/organizations/{id}?include="))).await;
    assert_eq!(include.body["included"], json!([]));
    let list = send(&app, get("/organizations?include=")).await;
    assert_eq!(list.body["included"], json!([]));
}

#[actix_web::test]
async fn every_bad_parameter_is_named() {
    let app = app().await;
    for (query, code, parameter) in [
        ("page[number]=0", "invalid_parameter", "page[number]"),
        ("page[number]=abc", "invalid_parameter", "page[number]"),
        ("page[number]=-1", "invalid_parameter", "page[number]"),
        ("page[size]=0", "invalid_parameter", "page[size]"),
        ("page[size]=1001", "invalid_parameter", "page[size]"),
        ("page[offset]=1", "unknown_parameter", "page[offset]"),
        ("sort=nope", "invalid_parameter", "sort"),
        ("sort=", "invalid_parameter", "sort"),
        ("sort=name,-name", "invalid_parameter", "sort"),
        (
            "fields[organizations]=name,nope",
            "invalid_parameter",
            "fields[organizations]",
        ),
        ("fields[people]=name", "invalid_parameter", "fields[people]"),
        ("include=nope", "invalid_parameter", "include"),
        (
            "filter[archived]=maybe",
            "invalid_parameter",
            "filter[archived]",
        ),
        ("filter[nope]=1", "unknown_parameter", "filter[nope]"),
        (
            "return_existing=true",
            "unknown_parameter",
            "return_existing",
        ),
        ("foo=bar", "unknown_parameter", "foo"),
        ("sort=name&sort=slug", "invalid_parameter", "sort"),
    ] {
        let reply = send(&app, get(&format!("/organizations?{query}"))).await;
        assert_eq!(
            reply.only_error(400),
            (code.into(), parameter.into()),
            "{query}"
        );
    }
    let reply = send(&app, get("/organizations?page[number]=0&sort=nope&foo=1")).await;
    assert_eq!(
        reply.errors(),
        vec![
            (
                "400".into(),
                "invalid_parameter".into(),
                "page[number]".into()
            ),
            ("400".into(), "invalid_parameter".into(), "sort".into()),
            ("400".into(), "unknown_parameter".into(), "foo".into()),
        ]
    );
    let id = create(&app, json!({"name": "One"})).await.id();
    let reply = send(&app, get(&format!("/organizations/{id}?page[size]=5"))).await;
    assert_eq!(
        reply.only_error(400),
        ("unknown_parameter".into(), "page[size]".into())
    );
}

async fn catalog_app() -> impl actix_web::dev::Service<
    actix_http::Request,
    Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
    Error = actix_web::Error,
> {
    let app = app().await;
    for attributes in [
        json!({"name": "Acme", "city": "Gent", "company_size": 50, "lists": ["VIP"], "domains": ["acme.example"], "created_at": "2020-01-01T00:00:00Z"}),
        json!({"name": "Globex", "city": "gent", "company_size": 500, "lists": ["vip", "EU"], "status": "inactive", "created_at": "2021-01-01T00:00:00Z"}),
        json!({"name": "Initech", "description": "100% software", "created_at": "2022-01-01T00:00:00Z"}),
        json!({"name": "Old Corp", "city": "Gent", "archived_at": "2023-01-01T00:00:00Z", "created_at": "2019-01-01T00:00:00Z"}),
    ] {
        create(&app, attributes).await;
    }
    app
}

#[actix_web::test]
async fn filters_select_and_links_keep_them() {
    let app = catalog_app().await;
    for (query, expected) in [
        ("filter[city]=GENT", &["Acme", "Globex"][..]),
        ("filter%5Bcity%5D=gent", &["Acme", "Globex"]),
        ("filter[city][ne]=gent", &["Initech"]),
        ("filter[city][null]=true", &["Initech"]),
        ("filter[company_size][gte]=100", &["Globex"]),
        (
            "filter[company_size][in]=50,500&filter[status]=active",
            &["Acme"],
        ),
        ("filter[lists]=VIP", &["Acme", "Globex"]),
        ("filter[lists][in]=eu,nobody", &["Globex"]),
        ("filter[domains]=ACME.example", &["Acme"]),
        ("filter[q]=soft", &["Initech"]),
        ("filter[q]=100%25", &["Initech"]),
        ("filter[created_at][lt]=2021-06-01", &["Acme", "Globex"]),
        (
            "filter[city]=gent&filter[archived]=any",
            &["Old Corp", "Acme", "Globex"],
        ),
        ("filter[name][starts_with]=g&sort=-name", &["Globex"]),
        ("sort=-company_size", &["Globex", "Acme", "Initech"]),
        ("sort=city,-name", &["Globex", "Acme", "Initech"]),
    ] {
        let reply = send(&app, get(&format!("/organizations?{query}"))).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.body);
        assert_eq!(reply.names(), expected, "{query}");
        assert_eq!(reply.body["meta"]["total"], expected.len(), "{query}");
    }
    let reply = send(
        &app,
        get("/organizations?filter[city]=gent&page[size]=1&sort=name"),
    )
    .await;
    assert_eq!(reply.names(), ["Acme"]);
    assert_eq!(
        reply.body["links"]["next"],
        format!("{BASE}?filter%5Bcity%5D=gent&page%5Bsize%5D=1&sort=name&page%5Bnumber%5D=2")
            .as_str()
    );
    assert_eq!(reply.body["meta"]["page"]["pages"], 2);
}

#[actix_web::test]
async fn every_bad_filter_and_sort_is_named() {
    let app = app().await;
    for (query, code, parameter) in [
        (
            "filter[city][bogus]=x",
            "invalid_parameter",
            "filter[city][bogus]",
        ),
        (
            "filter[company_size][gt]=abc",
            "invalid_parameter",
            "filter[company_size][gt]",
        ),
        (
            "filter[company_size]=1.5",
            "invalid_parameter",
            "filter[company_size]",
        ),
        (
            "filter[created_at][gte]=yesterday",
            "invalid_parameter",
            "filter[created_at][gte]",
        ),
        (
            "filter[lists][contains]=x",
            "invalid_parameter",
            "filter[lists][contains]",
        ),
        (
            "filter[status][gt]=active",
            "invalid_parameter",
            "filter[status][gt]",
        ),
        (
            "filter[status]=dormant",
            "invalid_parameter",
            "filter[status]",
        ),
        (
            "filter[name][null]=true",
            "invalid_parameter",
            "filter[name][null]",
        ),
        (
            "filter[city][null]=maybe",
            "invalid_parameter",
            "filter[city][null]",
        ),
        (
            "filter[city][in]=a,,b",
            "invalid_parameter",
            "filter[city][in]",
        ),
        ("filter[id]=42", "invalid_parameter", "filter[id]"),
        (
            "filter[city][eq][x]=1",
            "invalid_parameter",
            "filter[city][eq][x]",
        ),
        (
            "filter[metadata]=x",
            "unknown_parameter",
            "filter[metadata]",
        ),
        (
            "filter[nope][eq]=x",
            "unknown_parameter",
            "filter[nope][eq]",
        ),
        ("sort=lists", "invalid_parameter", "sort"),
        ("sort=metadata", "invalid_parameter", "sort"),
    ] {
        let reply = send(&app, get(&format!("/organizations?{query}"))).await;
        assert_eq!(
            reply.only_error(400),
            (code.into(), parameter.into()),
            "{query}"
        );
    }
    let reply = send(
        &app,
        get("/organizations?filter[company_size][gt]=x&filter[city][bogus]=y&sort=lists"),
    )
    .await;
    let parameters: Vec<String> = reply.errors().into_iter().map(|(_, _, p)| p).collect();
    assert_eq!(
        parameters,
        ["filter[company_size][gt]", "filter[city][bogus]", "sort"]
    );
}

#[actix_web::test]
async fn page_total_false_skips_the_count_but_keeps_next() {
    let app = seeded(3).await;
    let reply = send(&app, get("/organizations?page[size]=2&page[total]=false")).await;
    assert_eq!(reply.names(), ["Org 00", "Org 01"]);
    assert_eq!(
        reply.body["meta"],
        json!({"page": {"number": 1, "size": 2}})
    );
    let q = |n: u32| format!("{BASE}?page%5Bsize%5D=2&page%5Btotal%5D=false&page%5Bnumber%5D={n}");
    assert_eq!(
        reply.body["links"],
        json!({"self": format!("{BASE}?page%5Bsize%5D=2&page%5Btotal%5D=false"), "first": q(1), "last": null, "prev": null, "next": q(2)})
    );
    let last = send(
        &app,
        get("/organizations?page[size]=2&page[total]=false&page[number]=2"),
    )
    .await;
    assert_eq!(last.names(), ["Org 02"]);
    assert_eq!(last.body["links"]["next"], Value::Null);
    assert_eq!(last.body["links"]["prev"], q(1).as_str());
    let bad = send(&app, get("/organizations?page[total]=maybe")).await;
    assert_eq!(
        bad.only_error(400),
        ("invalid_parameter".into(), "page[total]".into())
    );
}
