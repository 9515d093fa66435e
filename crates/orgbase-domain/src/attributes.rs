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
use crate::ids::{OrganizationId, UserId};
use crate::name::NAME_MAX_CHARS;
use crate::organization::{Details, NewOrganization, OrganizationPatch, ReadOnlyValue, Status};
use crate::slug::Slug;
use crate::time::{self, Timestamp};
use crate::user::{Role, User, UserPatch};

/// The largest `metadata` object, serialized.
pub const METADATA_MAX_BYTES: usize = 16 * 1024;

/// Why one value was refused; `element` points inside an array.
#[derive(Debug)]
pub struct Problem {
    pub code: &'static str,
    pub detail: String,
    pub element: Option<usize>,
}

impl Problem {
    fn new(code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            element: None,
        }
    }

    fn at(mut self, index: usize) -> Self {
        self.element = Some(index);
        self
    }
}

type Parsed<T> = Result<T, Problem>;

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

    fn lookup(&mut self, name: &'static str) -> Option<&'a Value> {
        let (key, value) = self.attributes.get_key_value(name)?;
        self.read.insert(key.as_str());
        Some(value)
    }

    fn fail(&mut self, name: &str, problem: Problem) {
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
        name: &'static str,
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
    pub fn non_null<T>(
        &mut self,
        name: &'static str,
        parse: impl Fn(&Value) -> Parsed<T>,
    ) -> Option<T> {
        match self.nullable(name, parse)? {
            Some(value) => Some(value),
            None => {
                self.fail(name, Problem::new("not_nullable", "must not be null"));
                None
            }
        }
    }

    /// A member the input must have.
    pub fn required<T>(
        &mut self,
        name: &'static str,
        parse: impl Fn(&Value) -> Parsed<T>,
    ) -> Option<T> {
        if !self.attributes.contains_key(name) {
            self.errors
                .push("", "required", format!("`{name}` is required"));
            return None;
        }
        self.non_null(name, parse)
    }

    /// A read-only member: a value that cannot be the stored one (null, wrong type) is refused
    /// here; a well-formed one is returned for the caller to compare with the stored value.
    pub fn read_only<T>(
        &mut self,
        name: &'static str,
        parse: impl Fn(&Value) -> Parsed<T>,
    ) -> Option<T> {
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
                self.errors.push(
                    format!("/{}", pointer_token(key)),
                    "unknown_attribute",
                    format!("`{key}` is not an attribute of {}", self.resource),
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

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string(value: &Value) -> Parsed<&str> {
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

pub fn slug(value: &Value) -> Parsed<Slug> {
    Slug::parse(string(value)?).map_err(|why| Problem::new("invalid_format", why))
}

pub fn status(value: &Value) -> Parsed<Status> {
    Status::parse(string(value)?)
        .ok_or_else(|| Problem::new("invalid_value", "must be one of: active, inactive"))
}

/// An absolute http(s) URL of at most 500 characters.
pub fn website(value: &Value) -> Parsed<String> {
    let url = text(500)(value)?;
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
    let address = text(254)(value)?;
    if !address.validate_email() {
        return Err(Problem::new("invalid_format", "must be an e-mail address"));
    }
    Ok(address)
}

pub fn non_negative_integer(value: &Value) -> Parsed<i64> {
    match value.as_i64() {
        Some(n) if n >= 0 => Ok(n),
        Some(_) => Err(Problem::new("out_of_range", "must be 0 or more")),
        None if value.is_u64() => Err(Problem::new("out_of_range", "is too large")),
        None => Err(Problem::new(
            "invalid_type",
            format!("must be an integer, not {}", type_name(value)),
        )),
    }
}

pub fn datetime(value: &Value) -> Parsed<Timestamp> {
    time::parse(string(value)?).ok_or_else(|| {
        Problem::new(
            "invalid_format",
            "must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T09:00:00Z",
        )
    })
}

pub fn metadata(value: &Value) -> Parsed<Map<String, Value>> {
    let object = value.as_object().ok_or_else(|| {
        Problem::new(
            "invalid_type",
            format!("must be an object, not {}", type_name(value)),
        )
    })?;
    if value.to_string().len() > METADATA_MAX_BYTES {
        return Err(Problem::new(
            "too_large",
            "must be at most 16 KiB serialized",
        ));
    }
    Ok(object.clone())
}

/// An array of distinct strings, each checked (and possibly normalised) by `element`.
fn distinct_strings(
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

/// List (tag) names, 1–100 characters each.
pub fn lists(value: &Value) -> Parsed<Vec<String>> {
    distinct_strings(value, |s| {
        let n = s.chars().count();
        if n == 0 || n > 100 {
            return Err(Problem::new(
                "invalid_length",
                "has an element that is not 1 to 100 characters long",
            ));
        }
        Ok(s.to_owned())
    })
}

/// Hostnames, stored lower-case: ASCII labels of letters, digits and inner hyphens, at least
/// two of them (a company's domain, not `localhost`). IDNs are sent in their `xn--` form.
pub fn domains(value: &Value) -> Parsed<Vec<String>> {
    distinct_strings(value, |s| {
        let host = s.to_ascii_lowercase();
        let labels: Vec<&str> = host.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if host.len() > 253 || labels.len() < 2 || !labels.iter().all(label_ok) {
            return Err(Problem::new(
                "invalid_format",
                "has an element that is not a hostname like example.com (send IDNs in their xn-- form)",
            ));
        }
        Ok(host)
    })
}

/// Reads a create request. `id` is the already-checked client-generated id, if any.
pub fn read_new_organization(
    attributes: &Map<String, Value>,
    id: Option<OrganizationId>,
) -> Result<NewOrganization, ValidationErrors> {
    let mut r = AttributeReader::new(attributes);
    let name = r.required("name", name);
    let slug = r.nullable("slug", slug).flatten();
    let details = read_details_for_create(&mut r);
    let created_from = r.non_null("created_from", text(100));
    let created_at = r.non_null("created_at", datetime);
    let updated_at = r.non_null("updated_at", datetime);
    r.finish()?;
    Ok(NewOrganization {
        id,
        name: name.unwrap_or_default(),
        slug,
        owner_given: attributes.contains_key("owner_id"),
        details,
        created_from: created_from.unwrap_or_else(|| "api".to_owned()),
        created_at,
        updated_at,
        actor: None,
    })
}

fn read_details_for_create(r: &mut AttributeReader<'_>) -> Details {
    let patch = read_detail_changes(r);
    Details {
        organization_type: patch.organization_type.flatten(),
        status: patch.status.unwrap_or_default(),
        description: patch.description.flatten(),
        website: patch.website.flatten(),
        email: patch.email.flatten(),
        phone: patch.phone.flatten(),
        address: patch.address.flatten(),
        city: patch.city.flatten(),
        state: patch.state.flatten(),
        country: patch.country.flatten(),
        industry: patch.industry.flatten(),
        company_size: patch.company_size.flatten(),
        domains: patch.domains.unwrap_or_default(),
        lists: patch.lists.unwrap_or_default(),
        metadata: patch.metadata.flatten(),
        last_contact_at: patch.last_contact_at.flatten(),
        archived_at: patch.archived_at.flatten(),
        owner_id: patch.owner_id.flatten(),
    }
}

/// The writable attributes create and update share, read as changes.
fn read_detail_changes(r: &mut AttributeReader<'_>) -> OrganizationPatch {
    OrganizationPatch {
        organization_type: r.nullable("organization_type", text(100)),
        status: r.non_null("status", status),
        description: r.nullable("description", text(10_000)),
        website: r.nullable("website", website),
        email: r.nullable("email", email),
        phone: r.nullable("phone", text(50)),
        address: r.nullable("address", text(500)),
        city: r.nullable("city", text(100)),
        state: r.nullable("state", text(100)),
        country: r.nullable("country", text(100)),
        industry: r.nullable("industry", text(100)),
        company_size: r.nullable("company_size", non_negative_integer),
        // `null` empties a collection: clients that clear a field send null.
        domains: r
            .nullable("domains", domains)
            .map(Option::unwrap_or_default),
        lists: r.nullable("lists", lists).map(Option::unwrap_or_default),
        metadata: r.nullable("metadata", metadata),
        last_contact_at: r.nullable("last_contact_at", datetime),
        archived_at: r.nullable("archived_at", datetime),
        // `owner_id` is an alias of the `owner` relationship (as in the sales tool's API).
        owner_id: r.nullable("owner_id", user_id),
        ..OrganizationPatch::default()
    }
}

/// Reads an update. Read-only attributes are kept as assertions checked against the stored
/// record, because clients round-trip whole objects.
pub fn read_organization_patch(
    attributes: &Map<String, Value>,
) -> Result<OrganizationPatch, ValidationErrors> {
    let mut r = AttributeReader::new(attributes);
    let name = r.non_null("name", name);
    let slug = r.non_null("slug", slug);
    let mut patch = read_detail_changes(&mut r);
    let mut unchanged = Vec::new();
    if let Some(v) = r.read_only("created_from", text(100)) {
        unchanged.push(ReadOnlyValue::CreatedFrom(v));
    }
    if let Some(at) = r.read_only("created_at", datetime) {
        unchanged.push(ReadOnlyValue::CreatedAt(at));
    }
    if let Some(at) = r.read_only("updated_at", datetime) {
        unchanged.push(ReadOnlyValue::UpdatedAt(at));
    }
    r.finish()?;
    patch.name = name;
    patch.slug = slug;
    patch.unchanged = unchanged;
    Ok(patch)
}

/// A user's display name: trimmed, 1–255 characters.
fn person_name(value: &Value) -> Parsed<String> {
    name(value)
}

fn role(value: &Value) -> Parsed<Role> {
    Role::parse(string(value)?)
        .ok_or_else(|| Problem::new("invalid_value", "must be one of: admin, member, viewer"))
}

/// Reads a new user: `name` and `email` required, `role` defaulting to `viewer` (the least
/// privilege; an admin raises it deliberately).
pub fn read_new_user(
    attributes: &Map<String, Value>,
    id: Option<UserId>,
    now: Timestamp,
) -> Result<User, ValidationErrors> {
    let mut r = AttributeReader::for_type("users", attributes);
    let name = r.required("name", person_name);
    let email = r.required("email", email);
    let role = r.non_null("role", role);
    r.read_only("created_at", datetime);
    r.finish()?;
    Ok(User {
        id: id.unwrap_or_else(UserId::generate),
        name: name.unwrap_or_default(),
        email: email.unwrap_or_default(),
        role: role.unwrap_or(Role::Viewer),
        created_at: now,
    })
}

/// Reads a change to a user. `created_at` may be sent back unchanged.
pub fn read_user_patch(
    attributes: &Map<String, Value>,
    current: &User,
) -> Result<UserPatch, ValidationErrors> {
    let mut r = AttributeReader::for_type("users", attributes);
    let patch = UserPatch {
        name: r.non_null("name", person_name),
        email: r.non_null("email", email),
        role: r.non_null("role", role),
    };
    let created_at = r.read_only("created_at", datetime);
    if created_at.is_some_and(|at| at != current.created_at) {
        r.fail(
            "created_at",
            Problem::new(
                "read_only",
                "is read-only; send its current value or leave it out",
            ),
        );
    }
    r.finish()?;
    Ok(patch)
}

/// Reads a new API key's own attributes: an optional `name` (default `API key`).
pub fn read_api_key_name(attributes: &Map<String, Value>) -> Result<String, ValidationErrors> {
    let mut r = AttributeReader::for_type("api_keys", attributes);
    let name = r.non_null("name", text(100));
    r.finish()?;
    Ok(name.unwrap_or_else(|| "API key".to_owned()))
}
