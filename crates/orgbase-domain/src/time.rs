//! Timestamps are UTC with microsecond precision everywhere, because that is what PostgreSQL
//! stores: truncating on the way in makes every backend return exactly what it was given.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};

pub type Timestamp = DateTime<Utc>;

pub fn now() -> Timestamp {
    truncate(Utc::now())
}

pub fn truncate(at: Timestamp) -> Timestamp {
    at.trunc_subsecs(6)
}

/// RFC 3339 in UTC with the shortest exact fraction, e.g. `2026-01-02T03:04:05.5Z`.
pub fn format(at: &Timestamp) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Parses RFC 3339 with an offset (`Z` or `+02:00`) into UTC.
pub fn parse(text: &str) -> Option<Timestamp> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| truncate(t.with_timezone(&Utc)))
}
