//! Mexican phone numbers to E.164 (`+52` and ten digits) when the published
//! text holds exactly one unambiguous number. The raw text is always kept by
//! the caller; this only adds the normalized form when it is certain.

/// `"5557299100 Ext 34103"` → `+525557299100`; `"01 (961) 14 7 01 60"` →
/// `+529611470160`; two numbers, or an old eight-digit local number whose
/// area code is unknown, → `None`.
pub fn to_e164(raw: &str) -> Option<String> {
    let lower = raw.to_lowercase();
    // Everything after an extension marker is the extension, not the number.
    let number_part = ["ext", "extensión", "extension", "x."]
        .iter()
        .filter_map(|m| lower.find(m))
        .min()
        .map_or(lower.as_str(), |i| &lower[..i])
        .trim_end_matches([',', ';', '.', ' ', '-']);
    // More than one number: ambiguous.
    if number_part.contains('/') || number_part.contains(',') || number_part.contains(" y ") {
        return None;
    }
    let digits: String = number_part.chars().filter(|c| c.is_ascii_digit()).collect();
    let national = match digits.len() {
        10 => digits.as_str(),
        // Old long-distance prefixes: 01 + 10 digits, 044/045 + 10 digits.
        12 if digits.starts_with("01") => &digits[2..],
        12 if digits.starts_with("52") => &digits[2..],
        13 if digits.starts_with("044") || digits.starts_with("045") => &digits[3..],
        13 if digits.starts_with("521") => &digits[3..],
        _ => return None,
    };
    if national.starts_with('0') {
        return None;
    }
    Some(format!("+52{national}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_digit_numbers_with_extensions() {
        assert_eq!(
            to_e164("5557299100 Ext 34103").as_deref(),
            Some("+525557299100")
        );
        assert_eq!(
            to_e164("55 5262 4100 ext. 4168").as_deref(),
            Some("+525552624100")
        );
        assert_eq!(to_e164("5580.9900 ext. 240"), None);
        assert_eq!(
            to_e164("55 3000 2700 Ext. 65046").as_deref(),
            Some("+525530002700")
        );
    }

    #[test]
    fn country_and_long_distance_prefixes() {
        assert_eq!(
            to_e164("52 55 5339 1054 ").as_deref(),
            Some("+525553391054")
        );
        assert_eq!(
            to_e164("01 (961) 14 7 01 60").as_deref(),
            Some("+529611470160")
        );
        assert_eq!(
            to_e164("(0155) 3601 4000, extensión 66800").as_deref(),
            Some("+525536014000")
        );
    }

    #[test]
    fn ambiguous_numbers_stay_raw() {
        assert_eq!(to_e164("5579471061 / 5510546180"), None);
        assert_eq!(to_e164("5552644556 5555747299"), None);
        assert_eq!(to_e164("55363605"), None);
        assert_eq!(to_e164("5926 8906"), None);
        assert_eq!(to_e164(""), None);
    }
}
