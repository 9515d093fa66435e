//! Contact attributes: the create and update readers, custom fields (`c_…`) included. The
//! `owner` is a relationship, read by the HTTP layer.

use serde_json::{Map, Value};

use super::custom_fields::read_custom_values;
use super::table::contact::*;
use super::{AttributeReader, datetime, email, name, text_of};
use crate::contact::{ContactPatch, NewContact};
use crate::custom_field::CustomFields;
use crate::error::ValidationErrors;
use crate::ids::ContactId;
use crate::organization::ReadOnlyValue;

const CONTACTS: &str = "contacts";

/// Reads a create request. `id` is the already-checked client-generated id, if any; `fields`
/// are the contacts' custom fields.
pub fn read_new_contact(
    attributes: &Map<String, Value>,
    id: Option<ContactId>,
    fields: &CustomFields,
) -> Result<NewContact, ValidationErrors> {
    let mut r = AttributeReader::for_type(CONTACTS, attributes);
    let name = r.required(NAME.name, name);
    let changes = read_changes(&mut r);
    let custom = read_custom_values(&mut r, attributes, fields)
        .into_iter()
        .filter_map(|(field, value)| Some((field, value?)))
        .collect();
    let created_at = r.non_null(CREATED_AT.name, datetime);
    let updated_at = r.non_null(UPDATED_AT.name, datetime);
    r.finish()?;
    Ok(NewContact {
        id,
        name: name.unwrap_or_default(),
        email: changes.email.flatten(),
        phone: changes.phone.flatten(),
        title: changes.title.flatten(),
        notes: changes.notes.flatten(),
        custom,
        owner_id: None,
        owner_given: false,
        created_at,
        updated_at,
        actor: None,
    })
}

/// The writable attributes create and update share, read as changes.
fn read_changes(r: &mut AttributeReader<'_>) -> ContactPatch {
    ContactPatch {
        email: r.nullable(EMAIL.name, email),
        phone: r.nullable(PHONE.name, text_of(&PHONE)),
        title: r.nullable(TITLE.name, text_of(&TITLE)),
        notes: r.nullable(NOTES.name, text_of(&NOTES)),
        ..ContactPatch::default()
    }
}

/// Reads an update; read-only attributes are kept as assertions checked against the stored
/// record, because clients round-trip whole objects.
pub fn read_contact_patch(
    attributes: &Map<String, Value>,
    fields: &CustomFields,
) -> Result<ContactPatch, ValidationErrors> {
    let mut r = AttributeReader::for_type(CONTACTS, attributes);
    let name = r.non_null(NAME.name, name);
    let mut patch = read_changes(&mut r);
    patch.custom = read_custom_values(&mut r, attributes, fields);
    if let Some(at) = r.read_only(CREATED_AT.name, datetime) {
        patch.unchanged.push(ReadOnlyValue::CreatedAt(at));
    }
    if let Some(at) = r.read_only(UPDATED_AT.name, datetime) {
        patch.unchanged.push(ReadOnlyValue::UpdatedAt(at));
    }
    r.finish()?;
    patch.name = name;
    Ok(patch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn a_create_needs_a_name_and_reports_every_bad_attribute_at_once() {
        let errors = read_new_contact(
            &object(json!({"email": "not an address", "notes": "x".repeat(10_001), "shoe": 1})),
            None,
            &CustomFields::EMPTY,
        )
        .unwrap_err();
        let found: Vec<(&str, &str)> = errors
            .0
            .iter()
            .map(|e| (e.pointer.as_str(), e.code))
            .collect();
        assert_eq!(
            found,
            vec![
                ("", "required"),
                ("/email", "invalid_format"),
                ("/notes", "too_long"),
                ("/shoe", "unknown_attribute"),
            ]
        );
    }

    #[test]
    fn a_create_reads_every_attribute_trimming_the_name() {
        let new = read_new_contact(
            &object(json!({
                "name": "  Ada Lovelace ", "email": "ada@example.com", "phone": "+44 1",
                "title": "Analyst", "notes": null
            })),
            None,
            &CustomFields::EMPTY,
        )
        .unwrap();
        assert_eq!(new.name, "Ada Lovelace");
        assert_eq!(new.email.as_deref(), Some("ada@example.com"));
        assert_eq!(new.title.as_deref(), Some("Analyst"));
        assert_eq!(new.notes, None);
    }

    #[test]
    fn a_patch_tells_null_from_absent_and_refuses_a_null_name() {
        let patch =
            read_contact_patch(&object(json!({"email": null})), &CustomFields::EMPTY).unwrap();
        assert_eq!(patch.email, Some(None));
        assert_eq!(patch.phone, None);
        let errors =
            read_contact_patch(&object(json!({"name": null})), &CustomFields::EMPTY).unwrap_err();
        assert_eq!(errors.0[0].code, "not_nullable");
    }
}
