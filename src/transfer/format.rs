//! The import and export file formats.
//!
//! NDJSON is lossless: one JSON object per line, either a JSON:API resource object
//! (`{"type":"organizations","id":…,"attributes":{…}}`) or a flat attribute object whose `id`,
//! if any, is the organization's. CSV has a header row of attribute names; lists, domains and
//! multi-select values are `;`-separated in one cell, `metadata` is JSON text, and an empty
//! cell is `null`. A list element that itself contains `;` survives only NDJSON.

use std::path::Path;

use orgbase_domain::attributes::{ValueType, organization_attribute};
use orgbase_domain::{CustomFields, CustomFormat};
use serde_json::{Number, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Ndjson,
}

impl Format {
    /// The format a file name's extension names: `.csv`, or `.ndjson` / `.jsonl`.
    pub fn of_path(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(Format::Csv),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            _ => None,
        }
    }
}

/// The separator of several values in one CSV cell.
pub const CELL_SEPARATOR: char = ';';

/// Attributes accepted on import besides the ones responses show: the owner's user id.
pub const OWNER_ID: &str = "owner_id";

/// How a CSV column's cells become attribute values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// The organization's id, not an attribute.
    Id,
    Text,
    Integer,
    Number,
    Boolean,
    /// JSON text (`metadata`).
    Json,
    /// `;`-separated values.
    List,
}

impl Column {
    /// The column named `name`, or `None` if no attribute has that name. Built-in
    /// attributes take the column their type in the attribute table gives.
    pub fn named(name: &str, fields: &CustomFields) -> Option<Self> {
        if let Some(attribute) = organization_attribute(name) {
            return Some(match attribute.value {
                ValueType::Integer => Column::Integer,
                ValueType::TextList => Column::List,
                ValueType::Object => Column::Json,
                ValueType::Boolean => Column::Boolean,
                ValueType::Text | ValueType::DateTime | ValueType::Enum(_) => Column::Text,
            });
        }
        match name {
            "id" => Some(Column::Id),
            OWNER_ID => Some(Column::Text),
            _ => Self::custom(name, fields),
        }
    }

    /// The column of the custom field `name` among `fields`, if it is one.
    pub fn custom(name: &str, fields: &CustomFields) -> Option<Self> {
        fields.by_identifier(name).map(|field| match field.format {
            CustomFormat::Number => Column::Number,
            CustomFormat::Boolean => Column::Boolean,
            CustomFormat::MultiSelect => Column::List,
            _ => Column::Text,
        })
    }

    /// A cell's value. A cell that does not parse as the column's type stays text, so the
    /// attribute's own check reports it ("must be an integer, not a string").
    pub fn read(self, cell: &str) -> Value {
        let text = || Value::String(cell.to_owned());
        if cell.is_empty() {
            return Value::Null;
        }
        match self {
            Column::Id | Column::Text => text(),
            Column::Integer => cell
                .trim()
                .parse::<i64>()
                .map_or_else(|_| text(), Value::from),
            Column::Number => cell
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map_or_else(text, Value::Number),
            Column::Boolean => match cell.trim().to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => text(),
            },
            Column::Json => serde_json::from_str(cell).unwrap_or_else(|_| text()),
            Column::List => Value::Array(
                cell.split(CELL_SEPARATOR)
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(Value::from)
                    .collect(),
            ),
        }
    }
}

/// An attribute value as a CSV cell: the inverse of [`Column::read`].
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(&CELL_SEPARATOR.to_string()),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_read_as_their_column_and_write_back() {
        let cases = [
            (Column::Integer, "250", json!(250)),
            (Column::Integer, "many", json!("many")),
            (Column::Number, "1250000.5", json!(1_250_000.5)),
            (Column::Boolean, "TRUE", json!(true)),
            (
                Column::Json,
                r#"{"source":"crm"}"#,
                json!({"source": "crm"}),
            ),
            (
                Column::List,
                "VIP; Prospects;;",
                json!(["VIP", "Prospects"]),
            ),
            (Column::Text, "", Value::Null),
            (Column::List, "", Value::Null),
        ];
        for (column, text, expected) in cases {
            assert_eq!(column.read(text), expected, "{column:?} {text:?}");
        }
        assert_eq!(cell(&json!(["VIP", "Prospects"])), "VIP;Prospects");
        assert_eq!(cell(&json!({"a": 1})), r#"{"a":1}"#);
        assert_eq!(cell(&Value::Null), "");
        assert_eq!(cell(&json!(12.5)), "12.5");
    }

    #[test]
    fn formats_follow_extensions() {
        assert_eq!(Format::of_path(Path::new("a/B.CSV")), Some(Format::Csv));
        assert_eq!(Format::of_path(Path::new("x.jsonl")), Some(Format::Ndjson));
        assert_eq!(Format::of_path(Path::new("x.ndjson")), Some(Format::Ndjson));
        assert_eq!(Format::of_path(Path::new("x.txt")), None);
    }
}
