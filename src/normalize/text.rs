//! Text cleaning (NFC, white space) and accent/case-folded keys.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization};

/// Unicode NFC; control characters dropped; every kind of white space
/// (including no-break spaces) turned into one ASCII space; trimmed.
/// Typographic quotes and punctuation are kept as published.
pub fn clean(s: &str) -> String {
    // Text with no character from U+0300 up (no UTF-8 lead byte from 0xCC)
    // is NFC already and is read byte by byte: nearly all of RENEC's text.
    if s.bytes().all(|b| b < 0xcc) {
        return clean_below_u0300(s);
    }
    // Most other text is NFC already too, and the quick check is much
    // cheaper than composing it again.
    if unicode_normalization::is_nfc_quick(s.chars()) == IsNormalized::Yes {
        clean_chars(s.len(), s.chars())
    } else {
        clean_chars(s.len(), s.nfc())
    }
}

fn clean_chars(len: usize, chars: impl Iterator<Item = char>) -> String {
    let mut out = String::with_capacity(len);
    let mut pending_space = false;
    for c in chars {
        if c.is_whitespace() || c == '\u{200b}' || c == '\u{feff}' {
            pending_space = !out.is_empty();
        } else if c.is_control() {
            continue;
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// `clean_chars` of text whose characters are all below U+0300, a byte at a
/// time. There the only white space is ASCII's, U+0085 and U+00A0, and the
/// only control characters are ASCII's and U+0080–U+009F.
fn clean_below_u0300(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(b.len());
    let mut pending_space = false;
    // Where the run of kept characters being read starts.
    let mut run: Option<usize> = None;
    let mut i = 0;
    while i < b.len() {
        let (width, code) = if b[i] < 0x80 {
            (1, u32::from(b[i]))
        } else {
            // A lead byte 0xC2–0xCB: two bytes.
            (
                2,
                (u32::from(b[i] & 0x1f) << 6) | u32::from(b[i + 1] & 0x3f),
            )
        };
        if code > 0x20 && !(0x7f..=0xa0).contains(&code) {
            if run.is_none() {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                run = Some(i);
            }
        } else {
            if let Some(start) = run.take() {
                out.push_str(&s[start..i]);
            }
            // White space; the rest are control characters, dropped.
            if matches!(code, 0x09..=0x0d | 0x20 | 0x85 | 0xa0) {
                pending_space = !out.is_empty();
            }
        }
        i += width;
    }
    if let Some(start) = run {
        out.push_str(&s[start..]);
    }
    out
}

/// `clean`, then `None` for an empty result.
pub fn clean_opt(s: Option<&str>) -> Option<String> {
    s.map(clean).filter(|v| !v.is_empty())
}

/// A comparison key: accents removed, lower case, every run of
/// punctuation or white space turned into one space, trimmed.
/// `"  ¿En DÓNDE puedo\ncertificarme? "` → `"en donde puedo certificarme"`.
pub fn fold_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_key_into(s, &mut out);
    out
}

/// `fold_key` into `out` (cleared first), reusing its memory.
pub fn fold_key_into(s: &str, out: &mut String) {
    out.clear();
    let mut pending_space = false;
    let mut push = |c: char, out: &mut String| {
        if is_combining_mark(c) {
            return;
        }
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            pending_space = true;
        }
    };
    // Character by character, as NFD would give them: the marks that
    // canonical ordering would move are dropped anyway, and ASCII (most
    // of every text) needs no decomposition.
    for c in s.chars() {
        if c.is_ascii() {
            push(c, out);
        } else {
            unicode_normalization::char::decompose_canonical(c, |d| push(d, out));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fold_key` as first written, over the whole string's NFD.
    fn fold_key_nfd(s: &str) -> String {
        let mut out = String::new();
        let mut pending_space = false;
        for c in s.nfd() {
            if is_combining_mark(c) {
                continue;
            }
            if c.is_alphanumeric() {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.extend(c.to_lowercase());
            } else {
                pending_space = true;
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn fold_key_equals_folding_the_nfd(s in "\\PC{0,40}") {
            proptest::prop_assert_eq!(fold_key(&s), fold_key_nfd(&s));
        }

        #[test]
        fn clean_equals_cleaning_the_nfc(s in "(\\PC|[\u{301}\u{303}\u{308}eEnNuU ]){0,40}") {
            proptest::prop_assert_eq!(clean(&s), clean_chars(s.len(), s.nfc()));
        }

        #[test]
        fn clean_below_u0300_equals_cleaning_char_by_char(s in "[\u{0}-\u{2ff}]{0,60}") {
            proptest::prop_assert_eq!(clean_below_u0300(&s), clean_chars(s.len(), s.chars()));
        }
    }

    #[test]
    fn fold_key_equals_folding_the_nfd_on_spanish_text() {
        for s in [
            "  ¿En DÓNDE puedo\ncertificarme? ",
            "Señas, NIÑOS y pingüinos: ÁÉÍÓÚ Ü Ñ ç",
            "A\u{301}rbol e\u{301}\u{323} ǅ ﬁ Ⅻ ½",
        ] {
            assert_eq!(fold_key(s), fold_key_nfd(s), "{s}");
        }
    }

    #[test]
    fn clean_trims_no_break_spaces_and_collapses() {
        assert_eq!(clean("EC1681\u{a0}"), "EC1681");
        assert_eq!(
            clean("  Consejo  Mexicano\n del\tAhorro "),
            "Consejo Mexicano del Ahorro"
        );
        assert_eq!(clean("\u{a0}\u{202f}"), "");
    }

    #[test]
    fn clean_composes_to_nfc_and_keeps_quotes() {
        let decomposed = "Me\u{301}xico";
        assert_eq!(clean(decomposed), "México");
        assert_eq!(clean("“Calidad” «total»"), "“Calidad” «total»");
    }

    #[test]
    fn clean_drops_control_characters() {
        assert_eq!(clean("Asesor\u{1}ía\u{7f}"), "Asesoría");
    }

    #[test]
    fn fold_key_ignores_case_accents_and_punctuation() {
        assert_eq!(
            fold_key("  ¿En DÓNDE puedo\ncertificarme? "),
            "en donde puedo certificarme"
        );
        assert_eq!(fold_key("ICEMéxico"), "icemexico");
        assert_eq!(fold_key("COMITÉ DE GESTIÓN"), "comite de gestion");
        assert_eq!(fold_key("Ñandú, A.C."), "nandu a c");
    }
}
