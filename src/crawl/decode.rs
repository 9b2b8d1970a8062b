//! Response bodies to text: the charset of the `Content-Type` header, then
//! a `<meta>` declaration, then UTF-8, then windows-1252.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use std::borrow::Cow;

fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"'))
    })
}

/// A `<meta charset=…>` or `<meta http-equiv=… content="…; charset=…">` in
/// the first 2 KiB.
fn meta_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(2048)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("charset=") {
        rest = &rest[i + "charset=".len()..];
        let label: String = rest
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if let Some(enc) = Encoding::for_label(label.as_bytes()) {
            return Some(enc);
        }
    }
    None
}

/// Which encoding a body is in, and why.
pub fn detect(body: &[u8], content_type: Option<&str>) -> &'static Encoding {
    if let Some(enc) = content_type
        .and_then(charset_param)
        .and_then(|l| Encoding::for_label(l.as_bytes()))
    {
        return enc;
    }
    if let Some(enc) = meta_charset(body) {
        return enc;
    }
    if std::str::from_utf8(body).is_ok() {
        UTF_8
    } else {
        WINDOWS_1252
    }
}

/// Decodes a body to text (a byte-order mark wins over every declaration).
/// Valid UTF-8 without a byte-order mark is borrowed, not copied.
pub fn decode<'a>(body: &'a [u8], content_type: Option<&str>) -> Cow<'a, str> {
    let (text, _, _) = detect(body, content_type).decode(body);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAFE_1252: &[u8] = b"<p>Caf\xe9 Comit\xe9</p>";

    #[test]
    fn header_charset_wins() {
        assert_eq!(
            decode(CAFE_1252, Some("text/html; charset=windows-1252")),
            "<p>Café Comité</p>"
        );
        assert_eq!(
            decode(CAFE_1252, Some("text/html;charset=\"ISO-8859-1\"")),
            "<p>Café Comité</p>"
        );
    }

    #[test]
    fn meta_declaration_then_utf8_then_windows_1252() {
        let with_meta = [b"<meta charset=\"windows-1252\">".as_slice(), CAFE_1252].concat();
        assert_eq!(
            decode(&with_meta, Some("text/html")),
            "<meta charset=\"windows-1252\"><p>Café Comité</p>"
        );
        let http_equiv = [
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\">"
                .as_slice(),
            CAFE_1252,
        ]
        .concat();
        assert!(decode(&http_equiv, None).ends_with("Café Comité</p>"));
        assert_eq!(decode("Café".as_bytes(), None), "Café");
        assert_eq!(decode(CAFE_1252, None), "<p>Café Comité</p>");
    }
}
