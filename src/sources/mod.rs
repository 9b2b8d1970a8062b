//! One file per RENEC source: what to fetch and how to parse it.
//! Every parser is a pure function of the response bytes (plus the
//! registry), so it can be unit-tested and fuzzed.

pub mod catalogue;
pub mod committees;
pub mod detail;
pub mod legacy;
pub mod prune;
pub mod scope;

use crate::normalize::clean;
use serde_json::Value;
use std::borrow::Cow;

/// The live API has been seen to put raw control characters inside JSON
/// strings; its own clients strip `[\x00-\x08\x0b\x0c\x0e-\x1f]` first.
pub fn strip_json_controls(body: &[u8]) -> Cow<'_, [u8]> {
    let bad = |b: &u8| matches!(*b, 0x00..=0x08 | 0x0b | 0x0c | 0x0e..=0x1f);
    if body.iter().any(bad) {
        Cow::Owned(body.iter().copied().filter(|b| !bad(b)).collect())
    } else {
        Cow::Borrowed(body)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("the body is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unexpected shape: {0}")]
    Shape(String),
}

/// A field as cleaned text: strings are cleaned, numbers written out,
/// null/missing/empty → None.
pub fn text_field(obj: &Value, field: &str) -> Option<String> {
    match obj.get(field)? {
        Value::String(s) => Some(clean(s)).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
