use std::sync::{Arc, OnceLock};

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::test::{self, TestRequest};
use orgbase_domain::{ApiKey, Role, Secret, Store, User, UserId, time};
use orgbase_http::AppState;
use orgbase_store_memory::MemoryStore;
use serde_json::{Value, json};

pub const JSONAPI: &str = "application/vnd.api+json";

/// The cursor pagination profile's URI.
pub const CURSOR_PROFILE: &str = "https://jsonapi.org/profiles/ethanresnick/cursor-pagination";

/// The media type of a page by cursor.
pub fn cursor_media_type() -> String {
    format!("{JSONAPI}; profile=\"{CURSOR_PROFILE}\"")
}

/// The key of the admin every test app starts with; `send` presents it.
pub const ADMIN_KEY: &str = "ob_test_admin_0123456789abcdef";

/// Creates the test admin and its key (ignored by stores that refuse everything).
pub fn seed_admin(store: &dyn Store) {
    let admin = User {
        id: UserId::generate(),
        name: "Test Admin".into(),
        email: "admin@test.example".into(),
        role: Role::Admin,
        created_at: time::now(),
        version: 0,
    };
    if store.insert_user(&admin, None).is_ok() {
        let secret = Secret::chosen(ADMIN_KEY).unwrap();
        store
            .insert_api_key(
                &ApiKey::issue(admin.id, "tests".into(), &secret, time::now()),
                None,
            )
            .unwrap();
    }
}

/// The app on a fresh in-memory store.
pub async fn app()
-> impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error> {
    app_on(Arc::new(MemoryStore::new())).await
}

pub async fn app_on(
    store: Arc<dyn Store>,
) -> impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error> {
    app_with(AppState::new(store)).await
}

/// Answers every ping as a receiver answering 204 would, without a network: the HTTP layer's
/// tests need a pinger, and the real one is tested against a receiver (tests/api/webhooks.rs,
/// crates/orgbase-webhooks).
#[derive(Debug)]
struct AnsweringPinger;

impl orgbase_http::Pinger for AnsweringPinger {
    fn ping(&self, _: &orgbase_domain::Webhook) -> orgbase_http::PingOutcome {
        orgbase_http::PingOutcome {
            status_code: Some(204),
            error: None,
            duration_ms: 1,
        }
    }
}

pub async fn app_with(
    mut state: AppState,
) -> impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error> {
    state
        .pinger
        .get_or_insert_with(|| Arc::new(AnsweringPinger));
    seed_admin(&*state.store);
    test::init_service(orgbase_http::app(state)).await
}

/// A response, its body parsed (Null when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `(status, code, pointer or parameter)` of every error object.
    pub fn errors(&self) -> Vec<(String, String, String)> {
        self.body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("not an error document: {}", self.body))
            .iter()
            .map(|e| {
                let source = &e["source"];
                let at = source["pointer"]
                    .as_str()
                    .or(source["parameter"].as_str())
                    .or(source["header"].as_str())
                    .unwrap_or("-");
                (
                    e["status"].as_str().unwrap().to_owned(),
                    e["code"].as_str().unwrap().to_owned(),
                    at.to_owned(),
                )
            })
            .collect()
    }

    /// The one error's `(code, pointer or parameter)`, asserting the response status.
    pub fn only_error(&self, status: u16) -> (String, String) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        let errors = self.errors();
        assert_eq!(errors.len(), 1, "{}", self.body);
        let (s, code, at) = errors.into_iter().next().unwrap();
        assert_eq!(s, status.to_string());
        (code, at)
    }

    pub fn id(&self) -> String {
        self.body["data"]["id"].as_str().unwrap().to_owned()
    }

    /// The `name` of every resource in a collection, in order.
    pub fn names(&self) -> Vec<String> {
        self.body["data"]
            .as_array()
            .unwrap_or_else(|| panic!("not a collection: {}", self.body))
            .iter()
            .map(|r| r["attributes"]["name"].as_str().unwrap().to_owned())
            .collect()
    }

    pub fn attributes(&self) -> &Value {
        &self.body["data"]["attributes"]
    }
}

/// The JSON:API 1.1 response schema, with draft-07 `dependencies` translated to the
/// 2020-12 keywords its `$schema` declares (see shared/jsonapi/README.md).
fn schema() -> &'static jsonschema::Validator {
    static SCHEMA: OnceLock<jsonschema::Validator> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let text = include_str!("../fixtures/jsonapi-1.1-relaxed-response.schema.json");
        let mut schema: Value = serde_json::from_str(text).unwrap();
        translate_dependencies(&mut schema);
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap()
    })
}

fn translate_dependencies(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if let Some(Value::Object(deps)) = map.remove("dependencies") {
                let (required, schemas): (Vec<_>, Vec<_>) =
                    deps.into_iter().partition(|(_, v)| v.is_array());
                if !required.is_empty() {
                    map.insert(
                        "dependentRequired".into(),
                        Value::Object(required.into_iter().collect()),
                    );
                }
                if !schemas.is_empty() {
                    map.insert(
                        "dependentSchemas".into(),
                        Value::Object(schemas.into_iter().collect()),
                    );
                }
            }
            map.values_mut().for_each(translate_dependencies);
        }
        Value::Array(items) => items.iter_mut().for_each(translate_dependencies),
        _ => {}
    }
}

/// The schema's complaints about `body`, empty when it is a valid response document.
pub fn schema_errors(body: &Value) -> Vec<String> {
    schema()
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// The atomic extension's URI.
pub const ATOMIC_EXT: &str = "https://jsonapi.org/ext/atomic";

/// The media type of atomic operations and their results.
pub fn atomic_media_type() -> String {
    format!("{JSONAPI}; ext=\"{ATOMIC_EXT}\"")
}

pub fn assert_valid_document(body: &Value) {
    // The base schema knows no extension's members: an atomic results document is checked
    // result by result, each resource as the primary data of a document of its own.
    if let Some(results) = body.get("atomic:results") {
        assert_eq!(
            body["jsonapi"],
            json!({"version": "1.1", "ext": [ATOMIC_EXT]}),
            "{body}"
        );
        for result in results.as_array().expect("atomic:results is an array") {
            match result.get("data") {
                Some(data) => {
                    assert_valid_document(&json!({"jsonapi": {"version": "1.1"}, "data": data}))
                }
                None => assert_eq!(result, &json!({}), "{body}"),
            }
        }
        return;
    }
    let errors = schema_errors(body);
    assert!(
        errors.is_empty(),
        "response violates the JSON:API schema: {errors:?}\n{body:#}"
    );
    let plain = json!({"version": "1.1"});
    let profiled = json!({"version": "1.1", "profile": [CURSOR_PROFILE]});
    assert!(
        body["jsonapi"] == plain || body["jsonapi"] == profiled,
        "{body}"
    );
}

/// Sends a request as the test admin; see [`send_as`].
pub async fn send<S, B>(app: &S, req: TestRequest) -> Reply
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send_as(app, req, Some(ADMIN_KEY)).await
}

/// Sends a request with this API key (or none); checks every body is a schema-valid JSON:API
/// document in our media type, that nothing answers 500, and that the API description
/// documents the answer.
pub async fn send_as<S, B>(app: &S, req: TestRequest, key: Option<&str>) -> Reply
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let req = match key {
        Some(key) => req.insert_header((header::AUTHORIZATION, format!("Token {key}"))),
        None => req,
    };
    let req = req.to_request();
    let (method, path) = (req.method().clone(), req.path().to_owned());
    let response = test::call_service(app, req).await;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = test::read_body(response).await;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_valid_document(&body);
        // The profile a document applies is named in its media type, and only then.
        let expected = if body["jsonapi"]["profile"].is_array() {
            cursor_media_type()
        } else if body["jsonapi"]["ext"].is_array() {
            atomic_media_type()
        } else {
            JSONAPI.to_owned()
        };
        assert_eq!(
            headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some(expected.as_str()),
            "status {status}"
        );
        body
    };
    assert!(status.as_u16() != 500, "a 500: {body}");
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    crate::described::assert_described(&method, &path, status, content_type, &body);
    Reply {
        status,
        headers,
        body,
    }
}

pub fn get(uri: &str) -> TestRequest {
    TestRequest::get().uri(uri)
}

pub fn delete(uri: &str) -> TestRequest {
    TestRequest::delete().uri(uri)
}

/// A POST without a body (`duplicate`).
pub fn post_empty(uri: &str) -> TestRequest {
    TestRequest::post().uri(uri)
}

pub fn post(uri: &str, body: &Value) -> TestRequest {
    TestRequest::post()
        .uri(uri)
        .insert_header((header::CONTENT_TYPE, JSONAPI))
        .set_payload(body.to_string())
}

/// `POST /operations` of these atomic operations, in the extension's media type.
pub fn operations(ops: Value) -> TestRequest {
    TestRequest::post()
        .uri("/operations")
        .insert_header((header::CONTENT_TYPE, atomic_media_type()))
        .set_payload(json!({ "atomic:operations": ops }).to_string())
}

pub fn patch(uri: &str, body: &Value) -> TestRequest {
    TestRequest::patch()
        .uri(uri)
        .insert_header((header::CONTENT_TYPE, JSONAPI))
        .set_payload(body.to_string())
}

/// A create document with these attributes.
pub fn new_org(attributes: Value) -> Value {
    json!({"data": {"type": "organizations", "attributes": attributes}})
}

/// Creates an organization, asserting 201; returns the reply.
pub async fn create<S, B>(app: &S, attributes: Value) -> Reply
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let reply = send(app, post("/organizations", &new_org(attributes))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply
}

/// Defines a custom field with these attributes as the test admin, asserting 201; returns
/// its id.
pub async fn define_field<S, B>(app: &S, attributes: Value) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let body = json!({"data": {"type": "custom_fields", "attributes": attributes}});
    let reply = send(app, post("/custom_fields", &body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.id()
}

/// A user created through the API as the test admin, with a key.
pub struct Principal {
    pub id: String,
    pub key: String,
}

pub async fn principal<S, B>(app: &S, name: &str, role: &str) -> Principal
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let user = send(app, post("/users", &json!({"data": {"type": "users", "attributes": {"name": name, "email": format!("{name}@test.example"), "role": role}}}))).await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.body);
    let id = user.id();
    let key = issue_key(app, &id).await;
    Principal { id, key: key.1 }
}

/// Issues a key for a user as the test admin: (key id, secret).
pub async fn issue_key<S, B>(app: &S, user_id: &str) -> (String, String)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let body = json!({"data": {"type": "api_keys", "attributes": {"name": "test"},
        "relationships": {"user": {"data": {"type": "users", "id": user_id}}}}});
    let reply = send(app, post("/api_keys", &body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    (
        reply.id(),
        reply.attributes()["secret"].as_str().unwrap().to_owned(),
    )
}

/// A SQL store for HTTP tests, and what keeps it alive (its directory or database).
pub struct SqlStore {
    pub name: &'static str,
    pub store: Arc<dyn Store>,
    _keep: Box<dyn std::any::Any>,
}

/// The reference store, then [`sql_stores`]: for behaviour every backend must share.
pub fn every_store() -> Vec<SqlStore> {
    let mut stores = vec![SqlStore {
        name: "memory",
        store: Arc::new(MemoryStore::new()),
        _keep: Box::new(()),
    }];
    stores.extend(sql_stores());
    stores
}

/// SQLite always; PostgreSQL when `ORGBASE_TEST_POSTGRES_URL` is set (required in CI).
pub fn sql_stores() -> Vec<SqlStore> {
    use orgbase_store_diesel::{DatabaseTarget, DieselStore, PoolOptions};
    let open = |target| {
        let store = DieselStore::open(target, &PoolOptions::default()).unwrap();
        store.run_migrations().unwrap();
        Arc::new(store) as Arc<dyn Store>
    };
    let dir = tempfile::tempdir().unwrap();
    let mut stores = vec![SqlStore {
        name: "SQLite",
        store: open(DatabaseTarget::Sqlite(dir.path().join("http.db"))),
        _keep: Box::new(dir),
    }];
    match std::env::var("ORGBASE_TEST_POSTGRES_URL") {
        Ok(url) => {
            let database = orgbase_store_diesel::testing::TestDatabase::create(&url).unwrap();
            stores.push(SqlStore {
                name: "PostgreSQL",
                store: open(DatabaseTarget::Postgres(database.url().to_owned())),
                _keep: Box::new(database),
            });
        }
        Err(_) => {
            orgbase_store_tests::require_in_ci::<()>(
                "ORGBASE_TEST_POSTGRES_URL is not set; HTTP tests on SQLite only",
            );
        }
    }
    stores
}
