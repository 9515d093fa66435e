//! How domain values sit in the columns both backends share: timestamps as UTC `TIMESTAMP`
//! (`MultiConnection` has no `TIMESTAMPTZ`), and lists, domains and metadata as JSON text.

use chrono::{NaiveDateTime, TimeZone, Utc};
use orgbase_domain::time::Timestamp;

pub(crate) fn to_json(value: &impl serde::Serialize) -> String {
    // Serializing strings and JSON maps cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

pub(crate) fn utc(at: NaiveDateTime) -> Timestamp {
    Utc.from_utc_datetime(&at)
}
