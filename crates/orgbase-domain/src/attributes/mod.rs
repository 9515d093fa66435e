//! Reading untrusted attribute objects into validated inputs.
//!
//! The same reader serves JSON:API request bodies and the importer, so the rules live once.
//! It reports every failing attribute, not the first; an attribute the model does not know is
//! an error (integrators must hear about typos), except `@`-members, which JSON:API 1.1 says
//! to ignore.
//!
//! The `validator` crate checks e-mail addresses and URLs; its derive does not fit here,
//! because a patch must tell an absent member from `null` and every error needs a JSON pointer.

use std::collections::HashSet;

use serde_json::{Map, Value};
use validator::{ValidateEmail, ValidateUrl};

use crate::error::{ValidationErrors, pointer_token};
use crate::ids::UserId;
use crate::name::NAME_MAX_CHARS;
use crate::time::{self, Timestamp};

/// Why one value was refused; `element` points inside an array.
#[derive(Debug)]
pub struct Problem {
    pub code: &'static str,
    pub detail: String,
    pub element: Option<usize>,
}

impl Problem {
    pub(crate) fn new(code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            element: None,
        }
    }

    pub(crate) fn at(mut self, index: usize) -> Self {
        self.element = Some(index);
        self
    }
}

pub(crate) type Parsed<T> = Result<T, Problem>;

/// Walks one attributes object, remembering which members were read.
#[derive(Debug)]
pub struct AttributeReader<'a> {
    resource: &'static str,
    attributes: &'a Map<String, Value>,
    read: HashSet<&'a str>,
    errors: ValidationErrors,
}

impl<'a> AttributeReader<'a> {
    /// A reader of an organization's attributes.
    pub fn new(attributes: &'a Map<String, Value>) -> Self {
        Self::for_type("organizations", attributes)
    }

    /// A reader of the attributes of a `resource` (its JSON:API type, for messages).
    pub fn for_type(resource: &'static str, attributes: &'a Map<String, Value>) -> Self {
        Self {
            resource,
            attributes,
            read: HashSet::new(),
            errors: ValidationErrors::default(),
        }
    }

    fn lookup(&mut self, name: &str) -> Option<&'a Value> {
        let (key, value) = self.attributes.get_key_value(name)?;
        self.read.insert(key.as_str());
        Some(value)
    }

    pub(crate) fn fail(&mut self, name: &str, problem: Problem) {
        let mut pointer = format!("/{}", pointer_token(name));
        if let Some(index) = problem.element {
            pointer.push_str(&format!("/{index}"));
        }
        self.errors.push(
            pointer,
            problem.code,
            format!("`{name}` {}", problem.detail),
        );
    }

    /// A member that may be absent, `null`, or a value: `None`, `Some(None)`, `Some(Some(v))`.
    pub fn nullable<T>(
        &mut self,
        name: &str,
        parse: impl Fn(&Value) -> Parsed<T>,
    ) -> Option<Option<T>> {
        match self.lookup(name)? {
            Value::Null => Some(None),
            value => match parse(value) {
                Ok(parsed) => Some(Some(parsed)),
                Err(problem) => {
                    self.fail(name, problem);
                    None
                }
            },
        }
    }

    /// A member that may be absent but not `null`.
    pub fn non_null<T>(&mut self, name: &str, parse: impl Fn(&Value) -> Parsed<T>) -> Option<T> {
        match self.nullable(name, parse)? {
            Some(value) => Some(value),
            None => {
                self.fail(name, Problem::new("not_nullable", "must not be null"));
                None
            }
        }
    }

    /// A member the input must have.
    pub fn required<T>(&mut self, name: &str, parse: impl Fn(&Value) -> Parsed<T>) -> Option<T> {
        if !self.attributes.contains_key(name) {
            self.errors
                .push("", "required", format!("`{name}` is required"));
            return None;
        }
        self.non_null(name, parse)
    }

    /// A read-only member: a value that cannot be the stored one (null, wrong type) is refused
    /// here; a well-formed one is returned for the caller to compare with the stored value.
    pub fn read_only<T>(&mut self, name: &str, parse: impl Fn(&Value) -> Parsed<T>) -> Option<T> {
        let value = self.lookup(name)?;
        match parse(value) {
            Ok(parsed) if !value.is_null() => Some(parsed),
            _ => {
                self.fail(
                    name,
                    Problem::new(
                        "read_only",
                        "is read-only; send its current value or leave it out",
                    ),
                );
                None
            }
        }
    }

    /// Reports every member nobody read, then every error at once.
    pub fn finish(mut self) -> Result<(), ValidationErrors> {
        for key in self.attributes.keys() {
            if !self.read.contains(key.as_str()) && !key.starts_with('@') {
                let detail = if key.starts_with("c_")
                    && matches!(self.resource, "organizations" | "contacts")
                {
                    format!("`{key}` is not a custom field; GET /custom_fields lists them")
                } else {
                    format!("`{key}` is not an attribute of {}", self.resource)
                };
                self.errors.push(
                    format!("/{}", pointer_token(key)),
                    "unknown_attribute",
                    detail,
                );
            }
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn string(value: &Value) -> Parsed<&str> {
    value.as_str().ok_or_else(|| {
        Problem::new(
            "invalid_type",
            format!("must be a string, not {}", type_name(value)),
        )
    })
}

/// A string of at most `max` characters.
pub fn text(max: usize) -> impl Fn(&Value) -> Parsed<String> {
    move |value| {
        let s = string(value)?;
        if s.chars().count() > max {
            return Err(Problem::new(
                "too_long",
                format!("must be at most {max} characters"),
            ));
        }
        Ok(s.to_owned())
    }
}

/// Text as long as `attribute` allows.
pub fn text_of(attribute: &Attribute) -> impl Fn(&Value) -> Parsed<String> + use<> {
    text(attribute.max_len())
}

/// The name: trimmed, 1–255 characters.
pub fn name(value: &Value) -> Parsed<String> {
    let trimmed = string(value)?.trim();
    if trimmed.is_empty() {
        return Err(Problem::new("blank", "must not be blank"));
    }
    if trimmed.chars().count() > NAME_MAX_CHARS {
        return Err(Problem::new(
            "too_long",
            format!("must be at most {NAME_MAX_CHARS} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// A user id: a UUID.
pub fn user_id(value: &Value) -> Parsed<UserId> {
    string(value)?
        .parse()
        .map_err(|_| Problem::new("invalid_format", "must be a user id (a UUID)"))
}

/// An absolute http(s) URL of at most 500 characters.
pub fn website(value: &Value) -> Parsed<String> {
    let url = text_of(&table::organization::WEBSITE)(value)?;
    let lower = url.to_ascii_lowercase();
    let http = lower.starts_with("http://") || lower.starts_with("https://");
    if !http || !url.validate_url() {
        return Err(Problem::new(
            "invalid_format",
            "must be an absolute http or https URL",
        ));
    }
    Ok(url)
}

pub fn email(value: &Value) -> Parsed<String> {
    let address = text(table::EMAIL_MAX_CHARS)(value)?;
    if !address.validate_email() {
        return Err(Problem::new("invalid_format", "must be an e-mail address"));
    }
    Ok(address)
}

pub fn datetime(value: &Value) -> Parsed<Timestamp> {
    time::parse(string(value)?).ok_or_else(|| {
        Problem::new(
            "invalid_format",
            "must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T09:00:00Z",
        )
    })
}

pub(crate) fn boolean(value: &Value) -> Parsed<bool> {
    value.as_bool().ok_or_else(|| {
        Problem::new(
            "invalid_type",
            format!("must be true or false, not {}", type_name(value)),
        )
    })
}

/// An array of distinct strings, each checked (and possibly normalised) by `element`.
pub(crate) fn distinct_strings(
    value: &Value,
    element: impl Fn(&str) -> Result<String, Problem>,
) -> Parsed<Vec<String>> {
    let items = value.as_array().ok_or_else(|| {
        Problem::new(
            "invalid_type",
            format!("must be an array of strings, not {}", type_name(value)),
        )
    })?;
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let s = string(item).map_err(|p| p.at(index))?;
        let normalised = element(s).map_err(|p| p.at(index))?;
        if out.contains(&normalised) {
            return Err(
                Problem::new("duplicate_element", format!("lists {normalised:?} twice")).at(index),
            );
        }
        out.push(normalised);
    }
    Ok(out)
}

mod accounts;
mod contacts;
mod custom_fields;
mod documents;
mod memberships;
mod organizations;
mod projects;
pub mod table;
mod tasks;
mod webhooks;

pub use accounts::{read_api_key_name, read_new_user, read_user_patch};
pub use contacts::{read_contact_patch, read_new_contact};
pub use custom_fields::{read_custom_field_patch, read_new_custom_field};
pub use documents::{read_document_patch, read_new_document};
pub use memberships::{MembershipAttributes, read_membership_patch, read_new_membership};
pub use organizations::{read_new_organization, read_organization_patch};
pub use projects::{read_new_project, read_project_patch};
pub use table::{
    API_KEY_ATTRIBUTES, Attribute, CONTACT_ATTRIBUTES, CUSTOM_FIELD_ATTRIBUTES,
    DOCUMENT_ATTRIBUTES, MEMBERSHIP_ATTRIBUTES, METADATA_MAX_BYTES, ORGANIZATION_ATTRIBUTES,
    PROJECT_ATTRIBUTES, TASK_ATTRIBUTES, USER_ATTRIBUTES, ValueType, WEBHOOK_ATTRIBUTES,
    WEBHOOK_DELIVERY_ATTRIBUTES, Writes, contact_attribute, document_attribute,
    membership_attribute, organization_attribute, project_attribute, task_attribute,
};
pub use tasks::{read_new_task, read_task_patch};
pub use webhooks::{read_new_webhook, read_webhook_patch};
