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
///
/// Written by hand: every organization in a response carries four timestamps, and chrono's
/// formatter (which interprets a format description per call) was 2 % of a page of 100. The
/// output is chrono's `to_rfc3339_opts(SecondsFormat::AutoSi, true)`, which a test holds it to.
pub fn format(at: &Timestamp) -> String {
    use chrono::{Datelike, Timelike};
    let year = at.year();
    let nanos = at.nanosecond();
    // Years RFC 3339 cannot write in four digits, and leap seconds, are chrono's to write.
    let Ok(year) = u32::try_from(year) else {
        return at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    };
    if year > 9999 || nanos >= 1_000_000_000 {
        return at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    }
    let mut out = String::with_capacity(30);
    push_padded(&mut out, year, 4);
    out.push('-');
    push_padded(&mut out, at.month(), 2);
    out.push('-');
    push_padded(&mut out, at.day(), 2);
    out.push('T');
    push_padded(&mut out, at.hour(), 2);
    out.push(':');
    push_padded(&mut out, at.minute(), 2);
    out.push(':');
    push_padded(&mut out, at.second(), 2);
    if nanos != 0 {
        out.push('.');
        if nanos.is_multiple_of(1_000_000) {
            push_padded(&mut out, nanos / 1_000_000, 3);
        } else if nanos.is_multiple_of(1_000) {
            push_padded(&mut out, nanos / 1_000, 6);
        } else {
            push_padded(&mut out, nanos, 9);
        }
    }
    out.push('Z');
    out
}

/// `value` in decimal, left-padded with zeros to `width` digits.
fn push_padded(out: &mut String, value: u32, width: u32) {
    let mut divisor = 10u32.pow(width.saturating_sub(1));
    while divisor > 0 {
        let digit = (value / divisor) % 10;
        out.push(char::from(b'0' + u8::try_from(digit).unwrap_or(0)));
        divisor /= 10;
    }
}

/// Parses RFC 3339 with an offset (`Z` or `+02:00`) into UTC.
pub fn parse(text: &str) -> Option<Timestamp> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| truncate(t.with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn format_writes_what_chrono_writes() {
        let seconds = [
            0_i64,
            1,
            59,
            86_399,
            951_782_400,
            1_700_000_000,
            253_402_300_799,
        ];
        let nanos = [
            0_u32,
            1,
            999,
            1_000,
            500_000_000,
            123_000_000,
            123_456_000,
            123_456_789,
            999_999_999,
        ];
        for s in seconds {
            for n in nanos {
                let at = Utc.timestamp_opt(s, n).unwrap();
                assert_eq!(format(&at), at.to_rfc3339_opts(SecondsFormat::AutoSi, true));
            }
        }
        let far = Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(
            format(&far),
            far.to_rfc3339_opts(SecondsFormat::AutoSi, true)
        );
    }
}
