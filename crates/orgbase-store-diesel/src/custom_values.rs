//! What the organization and contact value tables share: one custom value as the columns of
//! its rows (one row per position: 0, or each element of a multi-select), and those columns
//! back as the value.

use chrono::NaiveDateTime;
use orgbase_domain::{CustomFormat, CustomValue};

use crate::columns::utc;

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
