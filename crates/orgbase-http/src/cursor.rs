//! Cursors of the JSON:API cursor pagination profile: a record's position in a list's order
//! (its sort key values and id), bound to the collection, order and filters it was made for.
//!
//! On the wire a cursor is base64url (no padding) of `{"s": scope, "v": [values], "i": id}`.
//! `scope` is a digest of the path and of the `sort` and `filter[…]` parameters as sent, so a
//! cursor given to another list, order or filter is refused instead of silently pointing
//! into a different order. It is not a secret: a client that edits one gets another
//! position, which is harmless, since every value is read back as the sort key's own type.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orgbase_domain::query::{FieldKind, FieldValue};
use orgbase_domain::{Position, time};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::query::QueryPairs;

/// The profile's URI, as `Accept`, `Content-Type` and `jsonapi.profile` name it.
pub const CURSOR_PROFILE: &str = "https://jsonapi.org/profiles/ethanresnick/cursor-pagination";

/// The profile's error type for a `page[size]` above the maximum.
pub const MAX_SIZE_EXCEEDED: &str =
    "https://jsonapi.org/profiles/ethanresnick/cursor-pagination/max-size-exceeded";

/// Longer text is not a cursor orgbase made (a position holds a handful of short values;
/// text sort keys are bounded by the attribute limits).
const MAX_CURSOR_CHARS: usize = 16 * 1024;

/// Makes and reads the cursors of one list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursors {
    scope: String,
    /// How each sort key's value is read back.
    kinds: Vec<FieldKind>,
}

impl Cursors {
    /// For the list at `path` queried with `pairs`, ordered by keys of these kinds.
    pub fn new(path: &str, pairs: &QueryPairs, kinds: Vec<FieldKind>) -> Self {
        let mut shaping: Vec<&(String, String)> = pairs
            .0
            .iter()
            .filter(|(name, _)| name == "sort" || name.starts_with("filter["))
            .collect();
        shaping.sort();
        let mut hasher = Sha256::new();
        hasher.update(path.as_bytes());
        for (name, value) in shaping {
            // Lengths first, so no two different parameter lists hash the same bytes.
            for part in [name, value] {
                hasher.update((part.len() as u64).to_le_bytes());
                hasher.update(part.as_bytes());
            }
        }
        let digest = hasher.finalize();
        Self {
            scope: URL_SAFE_NO_PAD.encode(&digest[..9]),
            kinds,
        }
    }

    pub fn encode(&self, position: &Position) -> String {
        let values: Vec<Value> = position.values.iter().map(value_json).collect();
        let document = json!({ "s": self.scope, "v": values, "i": position.id.to_string() });
        URL_SAFE_NO_PAD.encode(document.to_string())
    }

    /// The position a cursor names; the error is a sentence for the client.
    pub fn decode(&self, raw: &str) -> Result<Position, String> {
        const MALFORMED: &str = "is not a cursor this server made";
        if raw.len() > MAX_CURSOR_CHARS {
            return Err(format!("{MALFORMED} (too long)"));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(raw)
            .map_err(|_| format!("{MALFORMED} (not base64url)"))?;
        let document: Value =
            serde_json::from_slice(&bytes).map_err(|_| format!("{MALFORMED} (not JSON)"))?;
        let scope = document.get("s").and_then(Value::as_str);
        let values = document.get("v").and_then(Value::as_array);
        let id = document
            .get("i")
            .and_then(Value::as_str)
            .and_then(|i| Uuid::parse_str(i).ok());
        let (Some(scope), Some(values), Some(id)) = (scope, values, id) else {
            return Err(format!("{MALFORMED} (members missing)"));
        };
        if scope != self.scope {
            return Err(
                "was made for another collection, sort or filter; start again without a cursor, or keep this request's sort and filter parameters as they were".to_owned(),
            );
        }
        if values.len() != self.kinds.len() {
            return Err(format!("{MALFORMED} (wrong number of values)"));
        }
        let values = values
            .iter()
            .zip(&self.kinds)
            .map(|(value, kind)| value_of_kind(value, *kind))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| format!("{MALFORMED} (a value of the wrong type)"))?;
        Ok(Position { values, id })
    }
}

fn value_json(value: &FieldValue) -> Value {
    match value {
        FieldValue::Id(v) => json!(v.map(|u| u.to_string())),
        FieldValue::Text(v) => json!(v),
        FieldValue::Integer(v) => json!(v),
        FieldValue::Number(v) => json!(v),
        FieldValue::Boolean(v) => json!(v),
        FieldValue::DateTime(v) => json!(v.as_ref().map(time::format)),
        // Not sortable, so never in a position.
        FieldValue::Set(_) => Value::Null,
    }
}

/// A cursor value read as a sort key of `kind`: `None` when it is not one.
fn value_of_kind(value: &Value, kind: FieldKind) -> Option<FieldValue> {
    let null = value.is_null();
    Some(match kind {
        FieldKind::Id if null => FieldValue::Id(None),
        FieldKind::Id => FieldValue::Id(Some(Uuid::parse_str(value.as_str()?).ok()?)),
        FieldKind::Text | FieldKind::Enum(_) | FieldKind::Choice if null => FieldValue::Text(None),
        FieldKind::Text | FieldKind::Enum(_) | FieldKind::Choice => {
            let text = value.as_str()?;
            // PostgreSQL refuses text holding NUL; no stored value holds one either.
            if text.contains('\0') {
                return None;
            }
            FieldValue::Text(Some(text.to_owned()))
        }
        FieldKind::Integer if null => FieldValue::Integer(None),
        FieldKind::Integer => FieldValue::Integer(Some(value.as_i64()?)),
        FieldKind::Number if null => FieldValue::Number(None),
        FieldKind::Number => FieldValue::Number(Some(value.as_f64().filter(|n| n.is_finite())?)),
        FieldKind::Boolean if null => FieldValue::Boolean(None),
        FieldKind::Boolean => FieldValue::Boolean(Some(value.as_bool()?)),
        FieldKind::DateTime if null => FieldValue::DateTime(None),
        FieldKind::DateTime => FieldValue::DateTime(Some(time::parse(value.as_str()?)?)),
        FieldKind::Set => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursors(pairs: &[(&str, &str)]) -> Cursors {
        let pairs = QueryPairs(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        Cursors::new(
            "/organizations",
            &pairs,
            vec![
                FieldKind::Text,
                FieldKind::Integer,
                FieldKind::Number,
                FieldKind::DateTime,
                FieldKind::Boolean,
            ],
        )
    }

    #[test]
    fn positions_survive_the_round_trip() {
        let at = time::parse("2026-01-31T09:00:00.123456Z").unwrap();
        let position = Position {
            values: vec![
                FieldValue::Text(Some("acme \"ltd\" é".into())),
                FieldValue::Integer(None),
                FieldValue::Number(Some(-0.5)),
                FieldValue::DateTime(Some(at)),
                FieldValue::Boolean(Some(true)),
            ],
            id: Uuid::now_v7(),
        };
        let c = cursors(&[("sort", "name"), ("page[size]", "5")]);
        assert_eq!(c.decode(&c.encode(&position)), Ok(position));
    }

    #[test]
    fn a_cursor_is_bound_to_its_sort_and_filters_but_not_its_page_size() {
        let position = Position {
            values: vec![
                FieldValue::Text(None),
                FieldValue::Integer(Some(3)),
                FieldValue::Number(None),
                FieldValue::DateTime(None),
                FieldValue::Boolean(None),
            ],
            id: Uuid::now_v7(),
        };
        let made = cursors(&[("sort", "name"), ("filter[city]", "Oslo")]).encode(&position);
        let reordered = cursors(&[
            ("filter[city]", "Oslo"),
            ("page[size]", "9"),
            ("sort", "name"),
        ]);
        assert_eq!(reordered.decode(&made), Ok(position));
        for other in [
            cursors(&[("sort", "-name"), ("filter[city]", "Oslo")]),
            cursors(&[("sort", "name"), ("filter[city]", "Bergen")]),
            cursors(&[("sort", "name")]),
        ] {
            assert!(other.decode(&made).unwrap_err().contains("another"));
        }
    }

    #[test]
    fn malformed_cursors_are_refused_not_trusted() {
        let c = cursors(&[]);
        let forged = |document: Value| URL_SAFE_NO_PAD.encode(document.to_string());
        let id = Uuid::now_v7().to_string();
        for raw in [
            "".to_owned(),
            "!!!".to_owned(),
            URL_SAFE_NO_PAD.encode("not json"),
            forged(json!({"s": c.scope, "v": [], "i": id})),
            forged(json!({"s": c.scope, "v": ["a", "x", 1, null, true], "i": id})),
            forged(json!({"s": c.scope, "v": ["a\u{0}", 1, 1, null, true], "i": id})),
            forged(json!({"s": c.scope, "v": ["a", 1, 1, "yesterday", true], "i": id})),
            forged(json!({"s": c.scope, "v": ["a", 1, 1, null, true], "i": "nope"})),
            "A".repeat(MAX_CURSOR_CHARS + 1),
        ] {
            assert!(c.decode(&raw).is_err(), "{raw}");
        }
    }
}
