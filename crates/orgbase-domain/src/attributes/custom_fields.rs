//! Custom field definitions, and custom values on organizations and contacts.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::{
    AttributeReader, Parsed, Problem, boolean, datetime, distinct_strings, email, name, string,
    text, type_name, website,
};
use crate::custom_field::{
    CustomField, CustomFieldPatch, CustomFields, CustomFormat, CustomResourceType, CustomValue,
    OPTION_MAX_CHARS, OPTIONS_MAX, TEXT_MAX_CHARS, is_identifier,
};
use crate::error::ValidationErrors;
use crate::ids::CustomFieldId;
use crate::time::Timestamp;

fn identifier(value: &Value) -> Parsed<String> {
    let identifier = string(value)?;
    if !is_identifier(identifier) {
        return Err(Problem::new(
            "invalid_format",
            "must be c_ followed by 1 to 60 lower-case letters, digits or underscores, ending in a letter or digit",
        ));
    }
    Ok(identifier.to_owned())
}

fn format(value: &Value) -> Parsed<CustomFormat> {
    CustomFormat::parse(string(value)?).ok_or_else(|| {
        let all: Vec<&str> = CustomFormat::ALL.iter().map(|f| f.as_str()).collect();
        Problem::new(
            "invalid_value",
            format!("must be one of: {}", all.join(", ")),
        )
    })
}

fn resource_type(value: &Value) -> Parsed<CustomResourceType> {
    CustomResourceType::parse(string(value)?).ok_or_else(|| {
        let all: Vec<&str> = CustomResourceType::ALL.iter().map(|t| t.as_str()).collect();
        Problem::new(
            "invalid_value",
            format!("must be one of: {}", all.join(", ")),
        )
    })
}

/// Options: 1–500 distinct (ignoring case) non-blank strings of at most 100 characters.
fn options(value: &Value) -> Parsed<Vec<String>> {
    let options = distinct_strings(value, |s| {
        if s.trim().is_empty() || s.chars().count() > OPTION_MAX_CHARS {
            return Err(Problem::new(
                "invalid_length",
                format!("has an option that is blank or longer than {OPTION_MAX_CHARS} characters"),
            ));
        }
        Ok(s.to_owned())
    })?;
    if options.is_empty() || options.len() > OPTIONS_MAX {
        return Err(Problem::new(
            "invalid_length",
            format!("must list 1 to {OPTIONS_MAX} options"),
        ));
    }
    for (index, option) in options.iter().enumerate() {
        let folded = option.to_ascii_lowercase();
        if options[..index]
            .iter()
            .any(|earlier| earlier.to_ascii_lowercase() == folded)
        {
            return Err(Problem::new(
                "duplicate_element",
                format!("lists {option:?} twice (options differ by more than case, since filters ignore it)"),
            )
            .at(index));
        }
    }
    Ok(options)
}

/// Options sent for a field without them: accepted only empty (what responses show).
fn no_options(value: &Value) -> Parsed<()> {
    match value {
        Value::Null => Ok(()),
        Value::Array(items) if items.is_empty() => Ok(()),
        _ => Err(Problem::new(
            "forbidden",
            "is only for select and multi_select fields",
        )),
    }
}

fn not_uniqueable() -> Problem {
    Problem::new(
        "invalid_value",
        "can be true only for text, number, email and url fields",
    )
}

/// Reads a new field. `id` is the already-checked client-generated id, if any.
pub fn read_new_custom_field(
    attributes: &Map<String, Value>,
    id: Option<CustomFieldId>,
    now: Timestamp,
) -> Result<CustomField, ValidationErrors> {
    let mut r = AttributeReader::for_type("custom_fields", attributes);
    let resource_type = r.non_null("resource_type", resource_type);
    let identifier = r.required("identifier", identifier);
    let name = r.required("name", name);
    let format = r.required("format", format);
    let options = match format {
        Some(f) if f.has_options() => r.required("options", options),
        Some(_) => r.nullable("options", no_options).map(|_| Vec::new()),
        None => r.nullable("options", |_| Ok(())).map(|_| Vec::new()),
    };
    let unique = r.nullable("unique", boolean).flatten().unwrap_or(false);
    if unique && format.is_some_and(|f| !f.may_be_unique()) {
        r.fail("unique", not_uniqueable());
    }
    r.read_only("created_at", datetime);
    r.read_only("updated_at", datetime);
    r.finish()?;
    Ok(CustomField {
        id: id.unwrap_or_else(CustomFieldId::generate),
        resource_type: resource_type.unwrap_or_default(),
        identifier: identifier.unwrap_or_default(),
        name: name.unwrap_or_default(),
        format: format.unwrap_or(CustomFormat::Text),
        options: options.unwrap_or_default(),
        unique,
        created_at: now,
        updated_at: now,
        version: 0,
    })
}

/// Reads a change to `current`: its name and options. The resource type, identifier, format
/// and timestamps may be sent back unchanged (clients round-trip whole objects), never
/// changed.
pub fn read_custom_field_patch(
    attributes: &Map<String, Value>,
    current: &CustomField,
) -> Result<CustomFieldPatch, ValidationErrors> {
    let mut r = AttributeReader::for_type("custom_fields", attributes);
    let patch = CustomFieldPatch {
        name: r.non_null("name", name),
        options: if current.format.has_options() {
            r.non_null("options", options)
        } else {
            r.nullable("options", no_options);
            None
        },
        unique: r.non_null("unique", boolean),
    };
    if patch.unique == Some(true) && !current.format.may_be_unique() {
        r.fail("unique", not_uniqueable());
    }
    let unchanged = [
        (
            "resource_type",
            r.read_only("resource_type", resource_type)
                .is_none_or(|t| t == current.resource_type),
        ),
        (
            "identifier",
            r.read_only("identifier", text(100))
                .is_none_or(|i| i == current.identifier),
        ),
        (
            "format",
            r.read_only("format", format)
                .is_none_or(|f| f == current.format),
        ),
        (
            "created_at",
            r.read_only("created_at", datetime)
                .is_none_or(|at| at == current.created_at),
        ),
        (
            "updated_at",
            r.read_only("updated_at", datetime)
                .is_none_or(|at| at == current.updated_at),
        ),
    ];
    for (attribute, same) in unchanged {
        if !same {
            r.fail(
                attribute,
                Problem::new(
                    "read_only",
                    "cannot change; send its current value or leave it out",
                ),
            );
        }
    }
    r.finish()?;
    Ok(patch)
}

/// A `YYYY-MM-DD` date (four-digit years, so stored dates also sort as text would).
pub(super) fn date(value: &Value) -> Parsed<NaiveDate> {
    let text = string(value)?;
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
        .ok_or_else(|| Problem::new("invalid_format", "must be a date like 2026-01-31"))
}

fn number(value: &Value) -> Parsed<f64> {
    match value.as_f64() {
        // -0.0 and 0.0 are one value in SQL; keep one spelling.
        Some(n) if n.is_finite() => Ok(if n == 0.0 { 0.0 } else { n }),
        _ => Err(Problem::new(
            "invalid_type",
            format!("must be a number, not {}", type_name(value)),
        )),
    }
}

/// An option of `field`, matched ignoring case and stored in the field's own spelling.
fn choice(field: &CustomField, text: &str) -> Option<String> {
    field
        .options
        .iter()
        .find(|o| o.eq_ignore_ascii_case(text))
        .cloned()
}

fn not_an_option(field: &CustomField) -> Problem {
    Problem::new(
        "invalid_value",
        format!("must be one of: {}", field.options.join(", ")),
    )
}

/// One record's value for `field`; `None` is no value (null, or no choices).
pub fn custom_value(field: &CustomField, value: &Value) -> Parsed<Option<CustomValue>> {
    if value.is_null() {
        return Ok(None);
    }
    let parsed = match field.format {
        CustomFormat::Text => CustomValue::Text(text(TEXT_MAX_CHARS)(value)?),
        CustomFormat::Url => CustomValue::Text(website(value)?),
        CustomFormat::Email => CustomValue::Text(email(value)?),
        CustomFormat::Number => CustomValue::Number(number(value)?),
        CustomFormat::Boolean => CustomValue::Boolean(boolean(value)?),
        CustomFormat::Date => CustomValue::Date(date(value)?),
        CustomFormat::DateTime => CustomValue::DateTime(datetime(value)?),
        CustomFormat::Select => {
            CustomValue::Text(choice(field, string(value)?).ok_or_else(|| not_an_option(field))?)
        }
        CustomFormat::MultiSelect => {
            let choices = distinct_strings(value, |s| {
                choice(field, s).ok_or_else(|| not_an_option(field))
            })?;
            if choices.is_empty() {
                return Ok(None);
            }
            CustomValue::Choices(choices)
        }
    };
    Ok(Some(parsed))
}

/// The custom values a record's attributes set (`Some`) or clear (`None`), read with
/// `r` so unknown `c_` members are reported with the other unknown attributes.
pub(crate) fn read_custom_values(
    r: &mut AttributeReader<'_>,
    attributes: &Map<String, Value>,
    fields: &CustomFields,
) -> BTreeMap<CustomFieldId, Option<CustomValue>> {
    let mut values = BTreeMap::new();
    for key in attributes.keys().filter(|k| k.starts_with("c_")) {
        let Some(field) = fields.by_identifier(key) else {
            continue;
        };
        if let Some(value) = r.nullable(key, |v| custom_value(field, v)) {
            values.insert(field.id, value.flatten());
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(format: CustomFormat, options: &[&str]) -> CustomField {
        CustomField {
            id: CustomFieldId::generate(),
            resource_type: CustomResourceType::Organizations,
            identifier: "c_x".to_owned(),
            name: "X".to_owned(),
            format,
            options: options.iter().map(|o| (*o).to_owned()).collect(),
            unique: false,
            created_at: crate::time::now(),
            updated_at: crate::time::now(),
            version: 0,
        }
    }

    fn accepts(format: CustomFormat, value: Value) -> Option<CustomValue> {
        custom_value(&field(format, &["Hot lead", "Cold"]), &value)
            .unwrap_or_else(|p| panic!("{value} refused: {}", p.detail))
    }

    fn refuses(format: CustomFormat, value: Value) -> &'static str {
        match custom_value(&field(format, &["Hot lead", "Cold"]), &value) {
            Ok(v) => panic!("{value} accepted as {v:?}"),
            Err(p) => p.code,
        }
    }

    #[test]
    fn every_format_takes_its_values() {
        use CustomFormat::*;
        assert_eq!(
            accepts(Text, json!("x")),
            Some(CustomValue::Text("x".into()))
        );
        assert_eq!(
            accepts(Number, json!(12.5)),
            Some(CustomValue::Number(12.5))
        );
        assert_eq!(accepts(Number, json!(-0.0)), Some(CustomValue::Number(0.0)));
        assert_eq!(
            accepts(Boolean, json!(false)),
            Some(CustomValue::Boolean(false))
        );
        assert_eq!(
            accepts(Date, json!("2026-02-28")),
            NaiveDate::from_ymd_opt(2026, 2, 28).map(CustomValue::Date)
        );
        assert!(matches!(
            accepts(DateTime, json!("2026-02-28T10:00:00+01:00")),
            Some(CustomValue::DateTime(_))
        ));
        assert_eq!(
            accepts(Url, json!("https://example.com/x")),
            Some(CustomValue::Text("https://example.com/x".into()))
        );
        assert_eq!(
            accepts(Email, json!("a@example.com")),
            Some(CustomValue::Text("a@example.com".into()))
        );
        // Options match ignoring case and are stored in the field's spelling.
        assert_eq!(
            accepts(Select, json!("hot LEAD")),
            Some(CustomValue::Text("Hot lead".into()))
        );
        assert_eq!(
            accepts(MultiSelect, json!(["cold", "Hot lead"])),
            Some(CustomValue::Choices(vec!["Cold".into(), "Hot lead".into()]))
        );
        assert_eq!(accepts(MultiSelect, json!([])), None);
        for format in CustomFormat::ALL {
            assert_eq!(accepts(format, Value::Null), None);
        }
    }

    #[test]
    fn every_format_refuses_what_is_not_its_value() {
        use CustomFormat::*;
        assert_eq!(refuses(Text, json!(1)), "invalid_type");
        assert_eq!(refuses(Text, json!("x".repeat(501))), "too_long");
        assert_eq!(refuses(Number, json!("12")), "invalid_type");
        assert_eq!(refuses(Boolean, json!("true")), "invalid_type");
        assert_eq!(refuses(Date, json!("2026-02-30")), "invalid_format");
        assert_eq!(
            refuses(Date, json!("2026-02-28T00:00:00Z")),
            "invalid_format"
        );
        assert_eq!(refuses(Date, json!("+12026-02-28")), "invalid_format");
        assert_eq!(refuses(DateTime, json!("2026-02-28")), "invalid_format");
        assert_eq!(refuses(Url, json!("ftp://example.com")), "invalid_format");
        assert_eq!(refuses(Email, json!("not an address")), "invalid_format");
        assert_eq!(refuses(Select, json!("Warm")), "invalid_value");
        assert_eq!(refuses(Select, json!(["Cold"])), "invalid_type");
        assert_eq!(
            refuses(MultiSelect, json!(["Cold", "cold"])),
            "duplicate_element"
        );
        assert_eq!(refuses(MultiSelect, json!(["Warm"])), "invalid_value");
        assert_eq!(refuses(MultiSelect, json!("Cold")), "invalid_type");
    }

    #[test]
    fn a_new_field_needs_options_exactly_when_it_picks_from_them() {
        let now = crate::time::now();
        let read = |attributes: Value| {
            read_new_custom_field(attributes.as_object().unwrap(), None, now).map_err(|e| {
                e.0.iter()
                    .map(|f| (f.pointer.clone(), f.code))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            read(json!({"identifier": "c_tier", "name": "Tier", "format": "select"})).unwrap_err(),
            vec![(String::new(), "required")]
        );
        assert_eq!(
            read(
                json!({"identifier": "c_arr", "name": "ARR", "format": "number", "options": ["a"]})
            )
            .unwrap_err(),
            vec![("/options".to_owned(), "forbidden")]
        );
        assert_eq!(
            read(
                json!({"identifier": "c_t", "name": "T", "format": "select", "options": ["A", "a"]})
            )
            .unwrap_err(),
            vec![("/options/1".to_owned(), "duplicate_element")]
        );
        assert_eq!(
            read(json!({"identifier": "tier", "name": "", "format": "list", "options": []}))
                .unwrap_err(),
            vec![
                ("/identifier".to_owned(), "invalid_format"),
                ("/name".to_owned(), "blank"),
                ("/format".to_owned(), "invalid_value"),
            ]
        );
        let field =
            read(json!({"identifier": "c_arr", "name": "ARR", "format": "number", "options": []}))
                .unwrap();
        assert_eq!(field.options, Vec::<String>::new());
    }

    #[test]
    fn a_patch_may_echo_but_not_change_the_fixed_attributes() {
        let current = field(CustomFormat::Select, &["A", "B"]);
        let read = |attributes: Value| {
            read_custom_field_patch(attributes.as_object().unwrap(), &current).map_err(|e| {
                e.0.iter()
                    .map(|f| (f.pointer.clone(), f.code))
                    .collect::<Vec<_>>()
            })
        };
        let patch =
            read(json!({"identifier": "c_x", "format": "select", "options": ["A"]})).unwrap();
        assert_eq!(patch.options, Some(vec!["A".to_owned()]));
        assert_eq!(
            read(json!({"identifier": "c_y", "format": "text"})).unwrap_err(),
            vec![
                ("/identifier".to_owned(), "read_only"),
                ("/format".to_owned(), "read_only"),
            ]
        );
    }
}
