//! `/openapi.json` and `/docs`: served without a key, a valid OpenAPI 3.1 document that
//! describes every route the app registers, and a docs page served from the binary.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use serde_json::{Value, json};

use crate::described::{assert_media_type_described, template_for};
use crate::support::app;

/// A raw GET without a key: status, content type, body bytes.
async fn fetch(uri: &str) -> (StatusCode, String, Vec<u8>, Option<String>) {
    let app = app().await;
    let response = test::call_service(&app, TestRequest::get().uri(uri).to_request()).await;
    let status = response.status();
    let header_text = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header_text(header::CONTENT_TYPE).unwrap_or_default();
    assert_media_type_described(uri, status, &content_type);
    let location = header_text(header::LOCATION);
    let body = test::read_body(response).await.to_vec();
    (status, content_type, body, location)
}

async fn served_description() -> Value {
    let (status, content_type, body, _) = fetch("/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/json");
    serde_json::from_slice(&body).unwrap()
}

#[actix_web::test]
async fn the_description_is_a_valid_openapi_3_1_document() {
    let doc = served_description().await;
    assert_eq!(doc["openapi"], "3.1.0");
    // The OpenAPI Initiative's schema for 3.1 documents (schemas/v3.1/schema.json, 2022-10-07,
    // Apache-2.0), committed so the test needs no network.
    let meta_schema: Value =
        serde_json::from_str(include_str!("../fixtures/openapi-3.1.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&meta_schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // The meta-schema leaves Schema Objects to the JSON Schema dialect: each must compile.
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": doc["components"],
            "allOf": [schema],
        });
        jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("components.schemas.{name}: {e}"));
    }
    // Served as built, with the server this request reached.
    let mut expected = orgbase_http::openapi::document().clone();
    expected["servers"] = json!([{ "url": "http://localhost:8080" }]);
    assert_eq!(doc, expected);
}

#[actix_web::test]
async fn every_registered_route_is_described_and_nothing_else() {
    let registered: BTreeSet<(String, String)> = orgbase_http::routes::registered()
        .into_iter()
        .map(|(method, path)| (method.to_ascii_lowercase(), path.to_owned()))
        .collect();
    let doc = served_description().await;
    let described: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    assert_eq!(registered, described);
    assert_eq!(registered.len(), 93, "{registered:?}");
}

#[actix_web::test]
async fn every_operation_says_what_it_does_who_may_call_it_and_what_it_answers() {
    let doc = served_description().await;
    let mut operation_ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{method} {path}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{at}"
            );
            assert!(
                operation_ids.insert(op["operationId"].as_str().unwrap().to_owned()),
                "{at}: operationId"
            );
            assert_eq!(op["tags"].as_array().map(Vec::len), Some(1), "{at}");
            let statuses: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
            assert!(
                statuses
                    .iter()
                    .any(|s| s.starts_with('2') || s.starts_with('3'))
                    || statuses.contains(&&"403".to_owned()),
                "{at}: {statuses:?}"
            );
            let open = op["security"] == json!([]);
            let documented = |status: &str| statuses.iter().any(|s| *s == status);
            assert_eq!(
                !open,
                documented("401"),
                "{at}: 401 exactly when a key is needed"
            );
            if !open {
                let description = op["description"].as_str().unwrap_or("");
                assert!(description.contains("Requires "), "{at}: {description}");
            }
            for parameter in op["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                assert!(parameter["schema"].is_object(), "{at} {name}");
                assert!(
                    parameter["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{at} {name}"
                );
            }
            if op.get("requestBody").is_some() {
                for status in ["409", "413", "415", "422"] {
                    assert!(documented(status), "{at}: {status}");
                }
            }
        }
    }
    let scheme = &doc["components"]["securitySchemes"]["apiKey"];
    assert_eq!(scheme["type"], "apiKey");
    assert_eq!(scheme["in"], "header");
    assert_eq!(scheme["name"], "Authorization");
    assert_eq!(doc["security"], json!([{ "apiKey": [] }]));
}

#[actix_web::test]
async fn query_parameter_families_are_described_where_they_apply() {
    let doc = served_description().await;
    let names = |path: &str, method: &str| -> Vec<String> {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names("/organizations", "get"),
        ["filter", "sort", "page", "fields", "include"]
    );
    assert_eq!(
        names("/organizations", "post"),
        ["fields", "include", "return_existing", "upsert"]
    );
    assert_eq!(names("/users", "get"), ["page", "fields"]);
    assert_eq!(names("/users/{id}", "delete"), ["reassign_to"]);
    let filter = &doc["paths"]["/organizations"]["get"]["parameters"][0];
    assert_eq!(filter["style"], "deepObject");
    assert_eq!(filter["explode"], true);
    assert!(filter["schema"]["properties"]["lists"].is_object());
    assert!(filter["schema"]["properties"]["q"].is_object());
    // Contacts' filters name contacts' fields: no archive, no organization attributes.
    let filter = &doc["paths"]["/contacts"]["get"]["parameters"][0];
    assert!(filter["schema"]["properties"]["title"].is_object());
    assert!(filter["schema"]["properties"]["archived"].is_null());
    assert!(filter["schema"]["properties"]["city"].is_null());
}

#[actix_web::test]
async fn custom_fields_are_pattern_properties_of_organization_and_contact_attributes() {
    let doc = served_description().await;
    for schema in ["OrganizationAttributes", "ContactAttributes"] {
        custom_fields_are_pattern_properties_of(&doc, schema);
    }
    // Contacts' filters name their custom fields by the same pattern.
    let filter = &doc["paths"]["/contacts"]["get"]["parameters"][0];
    assert!(
        filter["schema"]["patternProperties"].is_object(),
        "{filter}"
    );
}

#[actix_web::test]
async fn the_feed_and_the_field_list_describe_their_own_filters() {
    let doc = served_description().await;
    let filter_of = |path: &str| {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "filter")
            .unwrap()["schema"]["properties"]
            .clone()
    };
    let keys = |properties: Value| -> Vec<String> {
        properties.as_object().unwrap().keys().cloned().collect()
    };
    assert_eq!(
        keys(filter_of("/changes")),
        [
            "resource_type",
            "resource_id",
            "operation",
            "actor",
            "changed_at"
        ]
    );
    assert_eq!(
        keys(filter_of("/organizations/{id}/changes")),
        ["operation", "actor", "changed_at"]
    );
    assert_eq!(
        filter_of("/custom_fields"),
        json!({"resource_type": {"enum": ["organizations", "contacts"]}})
    );
}

fn custom_fields_are_pattern_properties_of(doc: &Value, schema_name: &str) {
    let attributes = &doc["components"]["schemas"][schema_name];
    assert_eq!(attributes["additionalProperties"], false);
    let patterns = attributes["patternProperties"].as_object().unwrap();
    assert_eq!(patterns.len(), 1);
    let (pattern, _) = patterns.iter().next().unwrap();
    assert!(pattern.starts_with("^c_"), "{pattern}");

    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "$ref": format!("#/components/schemas/{schema_name}"),
    });
    let validator = jsonschema::validator_for(&schema).unwrap();
    for good in [
        json!({"c_tier": "gold"}),
        json!({"c_arr": 1.5}),
        json!({"c_tags": ["a"]}),
        json!({"c_x": null}),
    ] {
        assert!(validator.is_valid(&good), "{good}");
    }
    for bad in [
        json!({"c_tier_": "gold"}),
        json!({"tier": "gold"}),
        json!({"C_tier": 1}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad}");
    }
}

#[actix_web::test]
async fn request_paths_find_their_templates() {
    assert_eq!(template_for("/organizations"), Some("/organizations"));
    assert_eq!(
        template_for("/organizations/x"),
        Some("/organizations/{id}")
    );
    assert_eq!(
        template_for("/organizations/x/relationships/owner"),
        Some("/organizations/{id}/relationships/owner")
    );
    assert_eq!(template_for("/docs/"), Some("/docs/"));
    assert_eq!(template_for("/docs/index.css"), Some("/docs/{file}"));
    assert_eq!(template_for("/organizations/x/nope"), None);
}

#[actix_web::test]
async fn the_docs_page_is_served_from_the_binary_without_a_key() {
    let (status, _, _, location) = fetch("/docs").await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(location.as_deref(), Some("docs/"));

    let (status, content_type, body, _) = fetch("/docs/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = String::from_utf8(body).unwrap();
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-initializer.js",
    ] {
        assert!(page.contains(&format!("./{asset}")), "{asset} in {page}");
        let (status, _, body, _) = fetch(&format!("/docs/{asset}")).await;
        assert_eq!(status, StatusCode::OK, "{asset}");
        assert!(body.len() > 100, "{asset}");
    }
    // No address outside orgbase: the page must work with no internet.
    assert!(!page.contains("https://"), "{page}");
    let (_, content_type, body, _) = fetch("/docs/swagger-initializer.js").await;
    assert!(content_type.contains("javascript"), "{content_type}");
    let script = String::from_utf8(body).unwrap();
    assert!(script.contains("\"../openapi.json\""), "{script}");

    let (status, content_type, body, _) = fetch("/docs/nothing.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type, "application/vnd.api+json");
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["errors"][0]["code"], "not_found");
}

/// The text limits the description states are the ones validation applies: for every plain
/// text attribute of organizations and users with a `maxLength`, a value of that length is
/// taken and one character more is a 422 `too_long` pointing at it.
#[actix_web::test]
async fn described_text_limits_are_the_validated_ones() {
    use crate::support::{post, send};
    let app = app().await;
    let doc = served_description().await;
    let plain_texts = |properties: &str| -> Vec<(String, usize)> {
        doc.pointer(properties)
            .and_then(Value::as_object)
            .unwrap()
            .iter()
            // Formatted text (URLs, addresses, slugs) must also be well-formed: not plain text.
            .filter(|(name, p)| {
                p.get("format").is_none() && p.get("pattern").is_none() && *name != "email"
            })
            .filter(|(_, p)| p["type"] == "string" || p["type"] == json!(["string", "null"]))
            .filter_map(|(name, p)| Some((name.clone(), p["maxLength"].as_u64()? as usize)))
            .collect()
    };
    let organizations = plain_texts("/components/schemas/OrganizationAttributes/properties");
    assert!(organizations.len() >= 9, "{organizations:?}");
    for (n, (attribute, max)) in organizations.iter().enumerate() {
        let body = |length: usize| {
            let mut attributes = json!({"name": format!("Limits {n} {length}")});
            let value = "x".repeat(length);
            attributes[attribute.as_str()] = json!(value);
            json!({"data": {"type": "organizations", "attributes": attributes}})
        };
        let fits = send(&app, post("/organizations", &body(*max))).await;
        assert_eq!(
            fits.status,
            StatusCode::CREATED,
            "{attribute}: {}",
            fits.body
        );
        let over = send(&app, post("/organizations", &body(max + 1))).await;
        assert_eq!(
            over.only_error(422),
            ("too_long".into(), format!("/data/attributes/{attribute}")),
            "{attribute}"
        );
    }
    let users = plain_texts("/components/schemas/User/properties/attributes/properties");
    assert_eq!(users, [("name".to_owned(), 255)]);
}
