//! Custom fields: attributes admins define at run time ("Tier", "ARR", "Renewal date"), and
//! the typed values organizations (or contacts) hold for them.
//!
//! A field's `identifier` (`c_tier`) is the attribute name clients read and write on the
//! field's `resource_type`; it, the `format` and the resource type are fixed at creation,
//! because stored values are typed by the format, live in that type's value table, and
//! clients key their data by the identifier. Values are kept per field id, so the identifier
//! appears only in the definition.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::Value;

use crate::change::Version;
use crate::error::{Error, ValidationErrors};
use crate::ids::CustomFieldId;
use crate::time::{self, Timestamp};

/// The longest identifier after its `c_`.
pub const IDENTIFIER_MAX_CHARS: usize = 60;
/// The most options a select field offers.
pub const OPTIONS_MAX: usize = 500;
/// The longest option.
pub const OPTION_MAX_CHARS: usize = 100;
/// The longest text value. Values are indexed, and a PostgreSQL B-tree entry must stay under
/// about 2,700 bytes: 500 characters are at most 2,000 bytes of UTF-8.
pub const TEXT_MAX_CHARS: usize = 500;

/// Which resources hold a field's values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CustomResourceType {
    #[default]
    Organizations,
    Contacts,
}

impl CustomResourceType {
    pub const ALL: [CustomResourceType; 2] = [
        CustomResourceType::Organizations,
        CustomResourceType::Contacts,
    ];

    /// The JSON:API type name (what `resource_type` holds).
    pub const fn as_str(self) -> &'static str {
        match self {
            CustomResourceType::Organizations => "organizations",
            CustomResourceType::Contacts => "contacts",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The records, counted: "1 organization holds", "2 contacts hold".
    fn holders(self, n: u64) -> String {
        let (one, many) = match self {
            CustomResourceType::Organizations => ("organization holds", "organizations hold"),
            CustomResourceType::Contacts => ("contact holds", "contacts hold"),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }
}

/// What a custom field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CustomFormat {
    Text,
    Number,
    Boolean,
    Date,
    DateTime,
    Url,
    Email,
    /// One of the field's options.
    Select,
    /// Any distinct options of the field, in the client's order.
    MultiSelect,
}

impl CustomFormat {
    pub const ALL: [CustomFormat; 9] = [
        CustomFormat::Text,
        CustomFormat::Number,
        CustomFormat::Boolean,
        CustomFormat::Date,
        CustomFormat::DateTime,
        CustomFormat::Url,
        CustomFormat::Email,
        CustomFormat::Select,
        CustomFormat::MultiSelect,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            CustomFormat::Text => "text",
            CustomFormat::Number => "number",
            CustomFormat::Boolean => "boolean",
            CustomFormat::Date => "date",
            CustomFormat::DateTime => "datetime",
            CustomFormat::Url => "url",
            CustomFormat::Email => "email",
            CustomFormat::Select => "select",
            CustomFormat::MultiSelect => "multi_select",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// Whether a field of this format may be `unique`: the formats an external system's id
    /// comes in (a choice or a flag is shared by design).
    pub fn may_be_unique(self) -> bool {
        matches!(
            self,
            CustomFormat::Text | CustomFormat::Number | CustomFormat::Email | CustomFormat::Url
        )
    }

    /// Whether values are picked from `options`.
    pub fn has_options(self) -> bool {
        matches!(self, CustomFormat::Select | CustomFormat::MultiSelect)
    }

    /// How an organization without a value shows this field: multi-selects as an empty
    /// array (like `lists`), everything else as null.
    pub fn empty_json(self) -> Value {
        match self {
            CustomFormat::MultiSelect => Value::Array(Vec::new()),
            _ => Value::Null,
        }
    }
}

/// A field definition.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomField {
    pub id: CustomFieldId,
    /// Whose attribute it is; immutable.
    pub resource_type: CustomResourceType,
    /// `c_` and 1–60 of `[a-z0-9_]`, ending in a letter or digit; unique within its resource
    /// type; immutable.
    pub identifier: String,
    pub name: String,
    /// Immutable: stored values are typed by it.
    pub format: CustomFormat,
    /// The allowed values of select and multi-select fields (empty for the others), distinct
    /// ignoring case, since filters compare values ignoring case.
    pub options: Vec<String>,
    /// No two records (of its resource type) hold the same value (ignoring case for text,
    /// email and url): an external system's id to upsert by. Only for
    /// [`CustomFormat::may_be_unique`] formats.
    pub unique: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Set by the store on every write: the ETag's version.
    pub version: Version,
}

/// What the query model needs of a field: which values to look at and how they compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CustomFieldKey {
    pub id: CustomFieldId,
    pub format: CustomFormat,
}

impl CustomField {
    pub fn key(&self) -> CustomFieldKey {
        CustomFieldKey {
            id: self.id,
            format: self.format,
        }
    }

    /// Whether `value` is of this field's format and, for choices, among its options now.
    /// Backends check this again inside the write that stores a value, so a concurrent change
    /// of options can never leave a value outside them.
    pub fn admits(&self, value: &CustomValue) -> bool {
        let option = |o: &String| self.options.contains(o);
        match (self.format, value) {
            (
                CustomFormat::Text | CustomFormat::Url | CustomFormat::Email,
                CustomValue::Text(_),
            )
            | (CustomFormat::Number, CustomValue::Number(_))
            | (CustomFormat::Boolean, CustomValue::Boolean(_))
            | (CustomFormat::Date, CustomValue::Date(_))
            | (CustomFormat::DateTime, CustomValue::DateTime(_)) => true,
            (CustomFormat::Select, CustomValue::Text(choice)) => option(choice),
            (CustomFormat::MultiSelect, CustomValue::Choices(choices)) => {
                choices.iter().all(option)
            }
            _ => false,
        }
    }

    /// The options `new` drops from this field's current ones.
    pub fn removed_options(&self, new: &[String]) -> Vec<String> {
        self.options
            .iter()
            .filter(|o| !new.contains(o))
            .cloned()
            .collect()
    }
}

/// A validated change to a field: only its name, options and uniqueness may change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomFieldPatch {
    pub name: Option<String>,
    pub options: Option<Vec<String>>,
    /// Making a field unique is refused by the store while values collide
    /// ([`values_collide`]).
    pub unique: Option<bool>,
}

impl CustomFieldPatch {
    /// Applies the patch and says whether anything changed (`updated_at` moves only then).
    pub fn apply(&self, field: &mut CustomField, now: Timestamp) -> bool {
        let before = field.clone();
        if let Some(name) = &self.name {
            field.name = name.clone();
        }
        if let Some(options) = &self.options {
            field.options = options.clone();
        }
        if let Some(unique) = self.unique {
            field.unique = unique;
        }
        let changed = *field != before;
        if changed {
            field.updated_at = now;
        }
        changed
    }
}

/// One record's value of one field.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomValue {
    /// text, url, email, and the chosen option of a select.
    Text(String),
    /// A finite double: what both SQL backends store and compare.
    Number(f64),
    Boolean(bool),
    Date(NaiveDate),
    DateTime(Timestamp),
    /// The chosen options of a multi-select (never empty: no choice is no value).
    Choices(Vec<String>),
}

impl CustomValue {
    pub fn to_json(&self) -> Value {
        match self {
            CustomValue::Text(text) => Value::from(text.as_str()),
            CustomValue::Number(n) => number_json(*n),
            CustomValue::Boolean(b) => Value::from(*b),
            CustomValue::Date(date) => Value::from(date.format("%Y-%m-%d").to_string()),
            CustomValue::DateTime(at) => Value::from(time::format(at)),
            CustomValue::Choices(choices) => Value::from(choices.clone()),
        }
    }

    /// What a unique field compares: text ignoring (ASCII) case, as filters and the name's
    /// uniqueness do, and numbers by value. `None` for values no unique field holds.
    pub fn unique_key(&self) -> Option<String> {
        match self {
            CustomValue::Text(text) => Some(text.to_ascii_lowercase()),
            // Readers store -0 as 0, so equal numbers have one spelling.
            CustomValue::Number(n) => Some(format!("{n:?}")),
            _ => None,
        }
    }

    /// A date as the instant it is compared as: its midnight in UTC.
    pub fn date_instant(date: NaiveDate) -> Timestamp {
        date.and_time(chrono::NaiveTime::MIN).and_utc()
    }
}

/// Whole numbers render without a fraction (`5`, not `5.0`) while a double holds them exactly,
/// so a client reads back what it wrote.
fn number_json(n: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if n.fract() == 0.0 && n.abs() < EXACT {
        #[allow(clippy::cast_possible_truncation)] // whole and below 2^53: exact
        Value::from(n as i64)
    } else {
        Value::from(n)
    }
}

/// A record's custom values, by field.
pub type CustomValues = BTreeMap<CustomFieldId, CustomValue>;

/// Fields in creation order: those of one resource type are what requests about its records
/// validate and render against (see [`CustomFields::of`]); the store lists every type's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomFields(Vec<CustomField>);

impl CustomFields {
    /// No fields (for resources that have none).
    pub const EMPTY: Self = Self(Vec::new());

    pub fn new(mut fields: Vec<CustomField>) -> Self {
        fields.sort_by_key(|f| (f.created_at, f.id));
        Self(fields)
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &CustomField> {
        self.0.iter()
    }

    pub fn by_identifier(&self, identifier: &str) -> Option<&CustomField> {
        self.0.iter().find(|f| f.identifier == identifier)
    }

    pub fn get(&self, id: CustomFieldId) -> Option<&CustomField> {
        self.0.iter().find(|f| f.id == id)
    }

    pub fn identifiers(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|f| f.identifier.as_str())
    }

    /// Each field `wanted` admits with a record's value as JSON, in creation order: `null`
    /// (`[]` for a multi-select) without one. What responses (their sparse fieldsets
    /// deciding), snapshots and exports show.
    pub fn shown<'a>(
        &'a self,
        values: &'a CustomValues,
        wanted: impl Fn(&CustomField) -> bool + 'a,
    ) -> impl Iterator<Item = (&'a CustomField, Value)> + 'a {
        self.0.iter().filter(move |f| wanted(f)).map(|field| {
            let value = values
                .get(&field.id)
                .map_or_else(|| field.format.empty_json(), CustomValue::to_json);
            (field, value)
        })
    }

    /// The fields of one resource type, in creation order.
    pub fn of(&self, resource_type: CustomResourceType) -> CustomFields {
        Self(
            self.0
                .iter()
                .filter(|f| f.resource_type == resource_type)
                .cloned()
                .collect(),
        )
    }
}

impl CustomFields {
    /// Checks values about to be stored in records of `holder` against the fields as they
    /// are inside the writing transaction: each field must still exist, be one of that type's,
    /// and admit its value.
    pub fn check<'a>(
        &self,
        holder: CustomResourceType,
        values: impl IntoIterator<Item = (&'a CustomFieldId, &'a CustomValue)>,
    ) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        for (id, value) in values {
            match self.get(*id) {
                None => errors.push(
                    "",
                    "custom_field_deleted",
                    format!("custom field {id} was deleted while this request ran"),
                ),
                Some(field) if field.resource_type != holder => errors.push(
                    format!("/{}", field.identifier),
                    "unknown_attribute",
                    format!(
                        "`{}` is a custom field of {}, not of {}",
                        field.identifier,
                        field.resource_type.as_str(),
                        holder.as_str()
                    ),
                ),
                Some(field) if !field.admits(value) => errors.push(
                    format!("/{}", field.identifier),
                    "invalid_value",
                    format!(
                        "`{}` must be one of: {} (its options changed while this request ran)",
                        field.identifier,
                        field.options.join(", ")
                    ),
                ),
                Some(_) => {}
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The answer to an options change that would orphan values: how many records of the
/// field's type hold the removed options, so an admin knows what to clean up first.
pub fn options_in_use(field: &CustomField, removed: &[String], holders: u64) -> Error {
    let quoted: Vec<String> = removed.iter().map(|o| format!("{o:?}")).collect();
    Error::Invalid(ValidationErrors::single(
        "/options",
        "options_in_use",
        format!(
            "{} the removed options {}; change their values first",
            field.resource_type.holders(holders),
            quoted.join(", ")
        ),
    ))
}

/// How many of `values` share their [`CustomValue::unique_key`] with another: what making a
/// field unique would break.
pub fn colliding_holders<'a>(values: impl IntoIterator<Item = &'a CustomValue>) -> u64 {
    let mut holders: BTreeMap<String, u64> = BTreeMap::new();
    for key in values.into_iter().filter_map(CustomValue::unique_key) {
        *holders.entry(key).or_default() += 1;
    }
    holders.values().filter(|n| **n > 1).sum()
}

/// The answer to making a field unique while records share values: how many hold a value
/// another one holds too, so an admin knows what to clean up first.
pub fn values_collide(field: &CustomField, holders: u64) -> Error {
    Error::Invalid(ValidationErrors::single(
        "/unique",
        "values_not_unique",
        format!(
            "{} a value another one holds too (ignoring case); make their values distinct first",
            field.resource_type.holders(holders)
        ),
    ))
}

/// Whether `identifier` is a valid custom field identifier (see [`CustomField::identifier`]).
pub fn is_identifier(identifier: &str) -> bool {
    let Some(rest) = identifier.strip_prefix("c_") else {
        return false;
    };
    (1..=IDENTIFIER_MAX_CHARS).contains(&rest.len())
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && rest
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_the_member_name_rules() {
        for good in ["c_a", "c_tier", "c_custom_field_a", "c_2026_arr", "c__x"] {
            assert!(is_identifier(good), "{good}");
        }
        let sixty = format!("c_{}", "a".repeat(60));
        let sixty_one = format!("c_{}", "a".repeat(61));
        assert!(is_identifier(&sixty));
        for bad in [
            "c_", "tier", "C_tier", "c_Tier", "c_tier_", "c_ti-er", "c_é", "c_ a", &sixty_one,
        ] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }

    #[test]
    fn whole_numbers_render_without_a_fraction() {
        assert_eq!(number_json(5.0), serde_json::json!(5));
        assert_eq!(number_json(-0.0), serde_json::json!(0));
        assert_eq!(number_json(2.5), serde_json::json!(2.5));
        assert_eq!(number_json(1e300), serde_json::json!(1e300));
    }
}
