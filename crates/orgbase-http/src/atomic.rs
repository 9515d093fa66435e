//! The Atomic Operations extension's request document (`https://jsonapi.org/ext/atomic`):
//! `atomic:operations`, each operation's target (by `ref` or by `href`), and the local ids
//! (`lid`) that let one operation name a resource an earlier one added. Executing them is
//! [`crate::routes::operations`]'s.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::document::{API_KEYS, CUSTOM_FIELDS, ORGANIZATIONS, USERS};
use crate::errors::{ApiError, ErrorObject, Kind};

/// The extension's URI, as `ext` names it in media types and `jsonapi.ext`.
pub const ATOMIC_EXT: &str = "https://jsonapi.org/ext/atomic";

/// The most operations one request may carry.
pub const MAX_OPERATIONS: usize = 1000;

/// The body limit of `POST /operations`: a thousand operations of up to 16 KiB each (an
/// organization with every attribute at its longest is under 12 KiB).
pub const OPERATIONS_BODY_LIMIT: usize = MAX_OPERATIONS * 16 * 1024;

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Update,
    Remove,
}

/// The resource types operations may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Organizations,
    CustomFields,
    Users,
}

impl Target {
    fn parse(name: &str) -> Option<Self> {
        match name {
            ORGANIZATIONS => Some(Self::Organizations),
            CUSTOM_FIELDS => Some(Self::CustomFields),
            USERS => Some(Self::Users),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Organizations => ORGANIZATIONS,
            Self::CustomFields => CUSTOM_FIELDS,
            Self::Users => USERS,
        }
    }

    /// One resource of the type, as messages say it.
    fn one(self) -> &'static str {
        match self {
            Self::Organizations => "an organization",
            Self::CustomFields => "a custom field",
            Self::Users => "a user",
        }
    }
}

/// How an operation names an existing resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    Id(String),
    /// The `lid` an earlier `add` gave its resource.
    Lid(String),
}

/// One operation, read but not yet checked against the resource's own rules.
#[derive(Debug, Clone)]
pub struct Operation {
    pub op: Op,
    pub target: Target,
    /// The resource an `update` or `remove` addresses; `None` for an `add`.
    pub reference: Option<Reference>,
    /// `ref.relationship`, or the relationship an `href` names.
    pub relationship: Option<String>,
    /// The `href`'s query parameters (`upsert`), decoded.
    pub parameters: Vec<(String, String)>,
    /// `data`, as sent (`Value::Null` when absent).
    pub data: Value,
}

/// `/atomic:operations/{index}`, where an operation's errors point.
pub fn pointer(index: usize) -> String {
    format!("/atomic:operations/{index}")
}

fn invalid(pointer: String, detail: impl Into<String>) -> ApiError {
    ErrorObject::new(Kind::InvalidDocument, detail)
        .pointer(pointer)
        .into()
}

fn unsupported(pointer: String, detail: impl Into<String>) -> ApiError {
    ErrorObject::new(Kind::UnsupportedOperation, detail)
        .pointer(pointer)
        .into()
}

/// The document's operations, in order: their structure checked, their targets read.
pub fn read_operations(mut document: Map<String, Value>) -> Result<Vec<Operation>, ApiError> {
    let Some(operations) = document.remove("atomic:operations") else {
        return Err(invalid(
            String::new(),
            "The document has no `atomic:operations` member.",
        ));
    };
    let Value::Array(operations) = operations else {
        return Err(invalid(
            "/atomic:operations".to_owned(),
            "`atomic:operations` must be an array.",
        ));
    };
    if operations.is_empty() {
        return Err(invalid(
            "/atomic:operations".to_owned(),
            "`atomic:operations` is empty: send at least one operation.",
        ));
    }
    if operations.len() > MAX_OPERATIONS {
        return Err(ErrorObject::new(
            Kind::TooManyOperations,
            format!(
                "A request may carry at most {MAX_OPERATIONS} operations; this one has {}. Split it.",
                operations.len()
            ),
        )
        .pointer("/atomic:operations")
        .into());
    }
    operations
        .into_iter()
        .enumerate()
        .map(|(index, operation)| read_operation(index, operation))
        .collect()
}

fn read_operation(index: usize, operation: Value) -> Result<Operation, ApiError> {
    let at = pointer(index);
    let Value::Object(mut operation) = operation else {
        return Err(invalid(at, "An operation must be an object."));
    };
    let op = match operation.get("op").and_then(Value::as_str) {
        Some("add") => Op::Add,
        Some("update") => Op::Update,
        Some("remove") => Op::Remove,
        Some(other) => {
            return Err(invalid(
                format!("{at}/op"),
                format!("`op` is \"add\", \"update\" or \"remove\", not {other:?}."),
            ));
        }
        None => {
            return Err(invalid(
                format!("{at}/op"),
                "An operation needs `op`: \"add\", \"update\" or \"remove\".",
            ));
        }
    };
    let data = operation.remove("data").unwrap_or(Value::Null);
    let target = match (operation.remove("ref"), operation.remove("href")) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                at,
                "An operation names its target by `ref` or by `href`, not both.",
            ));
        }
        (Some(reference), None) => read_ref(&at, reference)?,
        (None, Some(Value::String(href))) => read_href(&at, &href)?,
        (None, Some(_)) => return Err(invalid(format!("{at}/href"), "`href` must be a string.")),
        // Without either, `data` names the target (its type, and for an update its id).
        (None, None) => target_of_data(&at, op, &data)?,
    };
    let (target, reference, relationship, parameters) = target;
    let operation = Operation {
        op,
        target,
        reference,
        relationship,
        parameters,
        data,
    };
    check_shape(&at, &operation)?;
    Ok(operation)
}

type Addressed = (
    Target,
    Option<Reference>,
    Option<String>,
    Vec<(String, String)>,
);

fn target_type(pointer: String, name: &str) -> Result<Target, ApiError> {
    match Target::parse(name) {
        Some(target) => Ok(target),
        None if name == API_KEYS => Err(unsupported(
            pointer,
            "API keys are created and revoked at /api_keys only: a new key's secret must not travel in a batch.",
        )),
        None => Err(ErrorObject::new(
            Kind::NotFound,
            format!("orgbase has no resource type {name:?}."),
        )
        .pointer(pointer)
        .into()),
    }
}

fn read_ref(at: &str, reference: Value) -> Result<Addressed, ApiError> {
    let Value::Object(reference) = reference else {
        return Err(invalid(format!("{at}/ref"), "`ref` must be an object."));
    };
    let text = |name: &str| -> Result<Option<String>, ApiError> {
        match reference.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(
                format!("{at}/ref/{name}"),
                format!("`{name}` must be a string."),
            )),
        }
    };
    let Some(kind) = text("type")? else {
        return Err(invalid(format!("{at}/ref"), "`ref` needs a `type`."));
    };
    let target = target_type(format!("{at}/ref/type"), &kind)?;
    let reference = match (text("id")?, text("lid")?) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                format!("{at}/ref"),
                "`ref` names its resource by `id` or by `lid`, not both.",
            ));
        }
        (Some(id), None) => Some(Reference::Id(id)),
        (None, Some(lid)) => Some(Reference::Lid(lid)),
        (None, None) => None,
    };
    Ok((target, reference, text("relationship")?, Vec::new()))
}

/// `/TYPE`, `/TYPE/ID`, `/TYPE/ID/relationships/NAME`, with an optional query string; an
/// absolute URL is read by its path.
fn read_href(at: &str, href: &str) -> Result<Addressed, ApiError> {
    let bad = || {
        invalid(
            format!("{at}/href"),
            format!(
                "{href:?} is not a resource or relationship URL of orgbase (/TYPE, /TYPE/ID, /TYPE/ID/relationships/NAME)."
            ),
        )
    };
    let local = match href.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |start| &rest[start..]),
        None => href,
    };
    let (path, query) = local.split_once('?').unwrap_or((local, ""));
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (kind, id, relationship) = match segments.as_slice() {
        [kind] => (*kind, None, None),
        [kind, id] => (*kind, Some(*id), None),
        [kind, id, "relationships", name] => (*kind, Some(*id), Some(*name)),
        _ => return Err(bad()),
    };
    if kind.is_empty() {
        return Err(bad());
    }
    let target = target_type(format!("{at}/href"), kind)?;
    let parameters = crate::query::QueryPairs::parse(query).0;
    Ok((
        target,
        id.map(|id| Reference::Id(id.to_owned())),
        relationship.map(str::to_owned),
        parameters,
    ))
}

fn target_of_data(at: &str, op: Op, data: &Value) -> Result<Addressed, ApiError> {
    let Some(kind) = data.get("type").and_then(Value::as_str) else {
        return Err(invalid(
            at.to_owned(),
            "The operation names no target: give `ref`, `href`, or `data` with its `type`.",
        ));
    };
    let target = target_type(format!("{at}/data/type"), kind)?;
    let reference = match op {
        Op::Add => None,
        Op::Update | Op::Remove => data
            .get("id")
            .and_then(Value::as_str)
            .map(|id| Reference::Id(id.to_owned()))
            .or_else(|| {
                data.get("lid")
                    .and_then(Value::as_str)
                    .map(|lid| Reference::Lid(lid.to_owned()))
            }),
    };
    Ok((target, reference, None, Vec::new()))
}

/// What each `op` needs: an `add` a resource object and no existing resource (to-one
/// relationships are set by `update`); an `update` a resource and `data`; a `remove` a
/// resource and nothing else.
fn check_shape(at: &str, operation: &Operation) -> Result<(), ApiError> {
    match (operation.op, &operation.reference, &operation.relationship) {
        (Op::Add, _, Some(name)) => Err(unsupported(
            at.to_owned(),
            format!(
                "`{name}` is a to-one relationship: set it with an \"update\" operation (\"add\" applies to to-many relationships)."
            ),
        )),
        (Op::Add, Some(_), None) => Err(invalid(
            at.to_owned(),
            "An \"add\" creates a resource: address its collection (`href` \"/TYPE\"), not an existing resource.",
        )),
        (Op::Update | Op::Remove, None, _) => Err(invalid(
            at.to_owned(),
            "This operation needs the resource it applies to: `ref` with `type` and `id` (or `lid`).",
        )),
        (Op::Remove, Some(_), Some(name)) => Err(unsupported(
            at.to_owned(),
            format!(
                "`{name}` is a to-one relationship: clear it with an \"update\" whose `data` is null."
            ),
        )),
        (Op::Add | Op::Update, _, None) if !operation.data.is_object() => Err(invalid(
            format!("{at}/data"),
            "This operation needs `data`: a resource object.",
        )),
        (Op::Update, Some(_), Some(_)) if operation.data.is_array() => Err(unsupported(
            format!("{at}/data"),
            "Organizations' relationships are to-one: `data` is a resource identifier or null.",
        )),
        _ => Ok(()),
    }
}

/// The ids that `lid`s stand for, as the operations that added them assigned. Its errors
/// point into the operation being run (`/data/lid`, `/ref/lid`); the caller prefixes them
/// with the operation's place ([`ApiError::within`]).
#[derive(Debug, Default)]
pub struct LocalIds {
    ids: HashMap<(Target, String), String>,
}

impl LocalIds {
    /// Records the `lid` of an added resource; a `lid` used twice for one type is a 400.
    pub fn define(&mut self, target: Target, lid: &str, id: String) -> Result<(), ApiError> {
        let key = (target, lid.to_owned());
        if self.ids.contains_key(&key) {
            return Err(invalid(
                "/data/lid".to_owned(),
                format!(
                    "An earlier operation already added {} with lid {lid:?}.",
                    target.one()
                ),
            ));
        }
        self.ids.insert(key, id);
        Ok(())
    }

    fn resolve(&self, pointer: String, target: Target, lid: &str) -> Result<String, ApiError> {
        self.ids
            .get(&(target, lid.to_owned()))
            .cloned()
            .ok_or_else(|| {
                invalid(
                    pointer,
                    format!(
                        "No earlier operation added {} with lid {lid:?}.",
                        target.one()
                    ),
                )
            })
    }

    /// The id a reference names.
    pub fn id_of(&self, target: Target, reference: &Reference) -> Result<String, ApiError> {
        match reference {
            Reference::Id(id) => Ok(id.clone()),
            Reference::Lid(lid) => self.resolve("/ref/lid".to_owned(), target, lid),
        }
    }

    /// Rewrites every resource identifier with a `lid` in `linkage` (an identifier, null or
    /// an array of them, at `pointer`) to carry the id it stands for.
    pub fn resolve_linkage(&self, linkage: &mut Value, pointer: &str) -> Result<(), ApiError> {
        match linkage {
            Value::Array(items) => items
                .iter_mut()
                .enumerate()
                .try_for_each(|(i, item)| self.resolve_identifier(item, &format!("{pointer}/{i}"))),
            item => self.resolve_identifier(item, pointer),
        }
    }

    fn resolve_identifier(&self, identifier: &mut Value, pointer: &str) -> Result<(), ApiError> {
        let Value::Object(identifier) = identifier else {
            return Ok(());
        };
        if identifier.contains_key("id") {
            return Ok(());
        }
        let (Some(Value::String(lid)), Some(Value::String(kind))) =
            (identifier.get("lid"), identifier.get("type"))
        else {
            return Ok(());
        };
        let Some(target) = Target::parse(kind) else {
            return Ok(());
        };
        let id = self.resolve(format!("{pointer}/lid"), target, lid)?;
        identifier.insert("id".to_owned(), Value::String(id));
        Ok(())
    }

    /// Resolves the `lid`s in the linkage of every relationship of a resource object.
    pub fn resolve_relationships(&self, data: &mut Value) -> Result<(), ApiError> {
        let Some(Value::Object(relationships)) = data.get_mut("relationships") else {
            return Ok(());
        };
        for (name, relationship) in relationships.iter_mut() {
            if let Some(linkage) = relationship.get_mut("data") {
                self.resolve_linkage(
                    linkage,
                    &format!(
                        "/data/relationships/{}/data",
                        orgbase_domain::error::pointer_token(name)
                    ),
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(operations: Value) -> Result<Vec<Operation>, ApiError> {
        let Value::Object(document) = json!({ "atomic:operations": operations }) else {
            unreachable!()
        };
        read_operations(document)
    }

    fn first_error(result: Result<Vec<Operation>, ApiError>) -> (u16, &'static str, String) {
        let error = result.unwrap_err();
        let e = &error.errors[0];
        let pointer = match &e.source {
            Some(crate::errors::Source::Pointer(p)) => p.clone(),
            other => format!("{other:?}"),
        };
        (error.status.as_u16(), e.code, pointer)
    }

    #[test]
    fn targets_come_from_ref_href_or_data() {
        let ops = read(json!([
            {"op": "add", "data": {"type": "organizations", "attributes": {"name": "A"}}},
            {"op": "update", "ref": {"type": "organizations", "lid": "a"}, "data": {"type": "organizations", "lid": "a", "attributes": {}}},
            {"op": "update", "href": "/organizations/x/relationships/owner", "data": null},
            {"op": "remove", "href": "http://h:1/custom_fields/y"},
            {"op": "add", "href": "/organizations?upsert=c_hubspot_id", "data": {"type": "organizations"}},
        ]))
        .unwrap();
        assert_eq!(ops[0].target, Target::Organizations);
        assert_eq!(ops[0].reference, None);
        assert_eq!(ops[1].reference, Some(Reference::Lid("a".into())));
        assert_eq!(ops[2].reference, Some(Reference::Id("x".into())));
        assert_eq!(ops[2].relationship.as_deref(), Some("owner"));
        assert_eq!(ops[3].target, Target::CustomFields);
        assert_eq!(ops[3].op, Op::Remove);
        assert_eq!(
            ops[4].parameters,
            vec![("upsert".to_owned(), "c_hubspot_id".to_owned())]
        );
    }

    #[test]
    fn malformed_operations_point_at_themselves() {
        assert_eq!(
            first_error(read(
                json!([{"op": "add", "data": {"type": "organizations"}}, {"op": "move"}])
            )),
            (400, "invalid_document", "/atomic:operations/1/op".into())
        );
        assert_eq!(
            first_error(read(json!([{"op": "remove", "ref": {"type": "users"}}]))),
            (400, "invalid_document", "/atomic:operations/0".into())
        );
        assert_eq!(
            first_error(read(
                json!([{"op": "add", "ref": {"type": "api_keys"}, "data": {}}])
            )),
            (
                400,
                "unsupported_operation",
                "/atomic:operations/0/ref/type".into()
            )
        );
        assert_eq!(
            first_error(read(
                json!([{"op": "remove", "ref": {"type": "planets", "id": "1"}}])
            )),
            (404, "not_found", "/atomic:operations/0/ref/type".into())
        );
        assert_eq!(
            first_error(read(json!([]))),
            (400, "invalid_document", "/atomic:operations".into())
        );
        let too_many: Vec<Value> = (0..=MAX_OPERATIONS)
            .map(|_| json!({"op": "remove", "ref": {"type": "users", "id": "x"}}))
            .collect();
        assert_eq!(
            first_error(read(Value::Array(too_many))),
            (413, "too_many_operations", "/atomic:operations".into())
        );
    }

    #[test]
    fn lids_resolve_in_refs_and_linkage() {
        let mut lids = LocalIds::default();
        lids.define(Target::Users, "u", "U-1".into()).unwrap();
        assert!(lids.define(Target::Users, "u", "U-2".into()).is_err());
        let mut data = json!({"relationships": {"owner": {"data": {"type": "users", "lid": "u"}}}});
        lids.resolve_relationships(&mut data).unwrap();
        assert_eq!(data["relationships"]["owner"]["data"]["id"], "U-1");
        let mut unknown =
            json!({"relationships": {"owner": {"data": {"type": "users", "lid": "v"}}}});
        let error = lids.resolve_relationships(&mut unknown).unwrap_err();
        assert_eq!(
            error.errors[0].source,
            Some(crate::errors::Source::Pointer(
                "/data/relationships/owner/data/lid".into()
            ))
        );
    }
}
