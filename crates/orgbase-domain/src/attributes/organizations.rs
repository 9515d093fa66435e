//! Organization attributes: the create and update readers and the parsers only they use.

use serde_json::{Map, Value};

use super::custom_fields::read_custom_values;
use super::table::METADATA_MAX_BYTES;
use super::table::organization::*;
use super::{
    AttributeReader, Parsed, Problem, datetime, distinct_strings, email, name, string, text_of,
    type_name, user_id, website,
};
use crate::custom_field::{CustomFields, CustomValues};
use crate::error::ValidationErrors;
use crate::ids::OrganizationId;
use crate::organization::{Details, NewOrganization, OrganizationPatch, ReadOnlyValue, Status};
use crate::slug::Slug;

pub fn slug(value: &Value) -> Parsed<Slug> {
    Slug::parse(string(value)?).map_err(|why| Problem::new("invalid_format", why))
}

pub fn status(value: &Value) -> Parsed<Status> {
    Status::parse(string(value)?)
        .ok_or_else(|| Problem::new("invalid_value", "must be one of: active, inactive"))
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
            format!(
                "must be at most {} KiB serialized",
                METADATA_MAX_BYTES / 1024
            ),
        ));
    }
    Ok(object.clone())
}

/// List (tag) names, as long as [`LISTS`] allows.
pub fn lists(value: &Value) -> Parsed<Vec<String>> {
    let (min, max) = (LISTS.min_chars, LISTS.max_len());
    distinct_strings(value, |s| {
        let n = s.chars().count();
        if n < min || n > max {
            return Err(Problem::new(
                "invalid_length",
                format!("has an element that is not {min} to {max} characters long"),
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
        if host.len() > DOMAINS.max_len() || labels.len() < 2 || !labels.iter().all(label_ok) {
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
    fields: &CustomFields,
) -> Result<NewOrganization, ValidationErrors> {
    let mut r = AttributeReader::new(attributes);
    let name = r.required(NAME.name, name);
    let slug = r.nullable(SLUG.name, slug).flatten();
    let mut details = read_details_for_create(&mut r);
    details.custom = read_custom_values(&mut r, attributes, fields)
        .into_iter()
        .filter_map(|(field, value)| Some((field, value?)))
        .collect();
    let created_from = r.non_null(CREATED_FROM.name, text_of(&CREATED_FROM));
    let created_at = r.non_null(CREATED_AT.name, datetime);
    let updated_at = r.non_null(UPDATED_AT.name, datetime);
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
        custom: CustomValues::new(),
    }
}

/// The writable attributes create and update share, read as changes.
fn read_detail_changes(r: &mut AttributeReader<'_>) -> OrganizationPatch {
    OrganizationPatch {
        organization_type: r.nullable(ORGANIZATION_TYPE.name, text_of(&ORGANIZATION_TYPE)),
        status: r.non_null(STATUS.name, status),
        description: r.nullable(DESCRIPTION.name, text_of(&DESCRIPTION)),
        website: r.nullable(WEBSITE.name, website),
        email: r.nullable(EMAIL.name, email),
        phone: r.nullable(PHONE.name, text_of(&PHONE)),
        address: r.nullable(ADDRESS.name, text_of(&ADDRESS)),
        city: r.nullable(CITY.name, text_of(&CITY)),
        state: r.nullable(STATE.name, text_of(&STATE)),
        country: r.nullable(COUNTRY.name, text_of(&COUNTRY)),
        industry: r.nullable(INDUSTRY.name, text_of(&INDUSTRY)),
        company_size: r.nullable(COMPANY_SIZE.name, non_negative_integer),
        // `null` empties a collection: clients that clear a field send null.
        domains: r
            .nullable(DOMAINS.name, domains)
            .map(Option::unwrap_or_default),
        lists: r.nullable(LISTS.name, lists).map(Option::unwrap_or_default),
        metadata: r.nullable(METADATA.name, metadata),
        last_contact_at: r.nullable(LAST_CONTACT_AT.name, datetime),
        archived_at: r.nullable(ARCHIVED_AT.name, datetime),
        // `owner_id` is an alias of the `owner` relationship (as in the sales tool's API).
        owner_id: r.nullable("owner_id", user_id),
        ..OrganizationPatch::default()
    }
}

/// Reads an update. Read-only attributes are kept as assertions checked against the stored
/// record, because clients round-trip whole objects.
pub fn read_organization_patch(
    attributes: &Map<String, Value>,
    fields: &CustomFields,
) -> Result<OrganizationPatch, ValidationErrors> {
    let mut r = AttributeReader::new(attributes);
    let name = r.non_null(NAME.name, name);
    let slug = r.non_null(SLUG.name, slug);
    let mut patch = read_detail_changes(&mut r);
    patch.custom = read_custom_values(&mut r, attributes, fields);
    let mut unchanged = Vec::new();
    if let Some(v) = r.read_only(CREATED_FROM.name, text_of(&CREATED_FROM)) {
        unchanged.push(ReadOnlyValue::CreatedFrom(v));
    }
    if let Some(at) = r.read_only(CREATED_AT.name, datetime) {
        unchanged.push(ReadOnlyValue::CreatedAt(at));
    }
    if let Some(at) = r.read_only(UPDATED_AT.name, datetime) {
        unchanged.push(ReadOnlyValue::UpdatedAt(at));
    }
    r.finish()?;
    patch.name = name;
    patch.slug = slug;
    patch.unchanged = unchanged;
    Ok(patch)
}
