//! Mexican postal codes: always five digits (`5500` → `"05500"`).

/// Accepts a number or a string of digits; `None` for anything that cannot
/// be a five-digit postal code (the raw value is kept by the caller).
pub fn postal_code(raw: &serde_json::Value) -> Option<String> {
    let digits = match raw {
        serde_json::Value::Number(n) => n.as_u64()?.to_string(),
        serde_json::Value::String(s) => super::clean(s),
        _ => return None,
    };
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{digits:0>5}");
    (padded != "00000").then_some(padded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pads_numbers_to_five_digits() {
        assert_eq!(postal_code(&json!(5500)).as_deref(), Some("05500"));
        assert_eq!(postal_code(&json!(6140)).as_deref(), Some("06140"));
        assert_eq!(postal_code(&json!(44100)).as_deref(), Some("44100"));
        assert_eq!(postal_code(&json!(" 01000 ")).as_deref(), Some("01000"));
    }

    #[test]
    fn rejects_what_is_not_a_postal_code() {
        assert_eq!(postal_code(&json!(null)), None);
        assert_eq!(postal_code(&json!(0)), None);
        assert_eq!(postal_code(&json!(123456)), None);
        assert_eq!(postal_code(&json!("C.P. 01")), None);
    }
}
