//! What the organization and contact value tables share: one custom value as the columns of
//! its rows (one row per position: 0, or each element of a multi-select), and those columns
//! back as the value.

use chrono::NaiveDateTime;
use orgbase_domain::{Constraint, CustomFieldId, CustomFormat, CustomValue, Error, Result};

use crate::columns::utc;
use crate::errors::{TxError, from_diesel};

/// The value columns of one row, the value in the column of its format. Text keeps the
/// client's spelling in `text_value`; `text_key` is its ASCII-lower-cased form, which filters,
/// sorts and the unique indexes read.
#[derive(Debug, Clone, Default)]
pub(crate) struct ValueColumns {
    pub position: i32,
    pub text_value: Option<String>,
    pub text_key: Option<String>,
    pub number_value: Option<f64>,
    pub datetime_value: Option<NaiveDateTime>,
    pub boolean_value: Option<bool>,
}

/// The value column a custom field's values are compared and sorted in (text as its folded
/// key).
pub(crate) fn value_column(key: orgbase_domain::CustomFieldKey) -> &'static str {
    use orgbase_domain::Field;
    use orgbase_domain::query::FieldKind;
    match Field::Custom(key).kind() {
        FieldKind::Number => "number_value",
        FieldKind::DateTime => "datetime_value",
        FieldKind::Boolean => "boolean_value",
        _ => "text_key",
    }
}

/// The rows holding `value`.
pub(crate) fn columns(value: &CustomValue) -> Vec<ValueColumns> {
    let text = |position: i32, text: &str| ValueColumns {
        position,
        text_value: Some(text.to_owned()),
        text_key: Some(text.to_ascii_lowercase()),
        ..ValueColumns::default()
    };
    match value {
        CustomValue::Text(t) => vec![text(0, t)],
        CustomValue::Number(n) => vec![ValueColumns {
            number_value: Some(*n),
            ..ValueColumns::default()
        }],
        CustomValue::Boolean(b) => vec![ValueColumns {
            boolean_value: Some(*b),
            ..ValueColumns::default()
        }],
        CustomValue::Date(date) => vec![ValueColumns {
            datetime_value: Some(CustomValue::date_instant(*date).naive_utc()),
            ..ValueColumns::default()
        }],
        CustomValue::DateTime(at) => vec![ValueColumns {
            datetime_value: Some(at.naive_utc()),
            ..ValueColumns::default()
        }],
        CustomValue::Choices(choices) => choices
            .iter()
            .zip(0..)
            .map(|(choice, position)| text(position, choice))
            .collect(),
    }
}

/// A stored value back in its domain type, by the field's format, from its rows in position
/// order.
pub(crate) fn value(format: CustomFormat, rows: &[ValueColumns]) -> Option<CustomValue> {
    let first = rows.first()?;
    Some(match format {
        CustomFormat::Text | CustomFormat::Url | CustomFormat::Email | CustomFormat::Select => {
            CustomValue::Text(first.text_value.clone()?)
        }
        CustomFormat::Number => CustomValue::Number(first.number_value?),
        CustomFormat::Boolean => CustomValue::Boolean(first.boolean_value?),
        CustomFormat::Date => CustomValue::Date(first.datetime_value?.date()),
        CustomFormat::DateTime => CustomValue::DateTime(utc(first.datetime_value?)),
        CustomFormat::MultiSelect => CustomValue::Choices(
            rows.iter()
                .map(|r| r.text_value.clone())
                .collect::<Option<_>>()?,
        ),
    })
}

/// The value changes between two records' values: each field whose value differs, with its
/// new value (`None` to clear it), in field order.
pub(crate) fn differences<'a>(
    old: &'a orgbase_domain::CustomValues,
    new: &'a orgbase_domain::CustomValues,
) -> Vec<(&'a orgbase_domain::CustomFieldId, Option<&'a CustomValue>)> {
    old.keys()
        .chain(new.keys())
        .filter(|id| old.get(id) != new.get(id))
        .map(|id| (id, new.get(id)))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect()
}

/// A value row as read: its holder's id, its field's id and format, and its columns.
pub(crate) struct ReadRow {
    pub holder: String,
    pub field: String,
    pub format: String,
    pub columns: ValueColumns,
}

/// Rows in (holder, field, position) order back as each holder's values; `kind` names the
/// holders in the error about an unreadable one.
pub(crate) fn read_values(
    rows: Vec<ReadRow>,
    kind: &str,
) -> Result<Vec<(String, CustomFieldId, CustomValue)>> {
    let mut values = Vec::new();
    for group in rows.chunk_by(|a, b| a.holder == b.holder && a.field == b.field) {
        let (holder, field) = (&group[0].holder, &group[0].field);
        let corrupt = || {
            Error::Backend(format!(
                "{kind} {holder} has an unreadable value of custom field {field}"
            ))
        };
        let format = CustomFormat::parse(&group[0].format).ok_or_else(corrupt)?;
        let id: CustomFieldId = field.parse().map_err(|_| corrupt())?;
        let columns: Vec<ValueColumns> = group.iter().map(|r| r.columns.clone()).collect();
        values.push((
            holder.clone(),
            id,
            value(format, &columns).ok_or_else(corrupt)?,
        ));
    }
    Ok(values)
}

/// A unique index names no field; when the rows written (`(field id, unique)` each) hold one
/// unique field, it is that one.
pub(crate) fn naming_the_field<'a>(
    error: diesel::result::Error,
    written: impl Iterator<Item = (&'a str, bool)>,
) -> TxError {
    match from_diesel(error) {
        Error::Conflict(Constraint::CustomValue(None)) => {
            let unique: std::collections::BTreeSet<&str> = written
                .filter(|(_, unique)| *unique)
                .map(|(field, _)| field)
                .collect();
            let field = match unique.into_iter().collect::<Vec<_>>().as_slice() {
                [one] => one.parse().ok(),
                _ => None,
            };
            TxError::Domain(Error::Conflict(Constraint::CustomValue(field)))
        }
        other => TxError::Domain(other),
    }
}
