//! Names of organisations: committee full names and certifier identity keys.

use super::{clean, fold_key};
use sha2::{Digest, Sha256};

const COMMITTEE_PREFIX: &str = "Comité de Gestión por Competencias";

/// The registry publishes committee names as tails ("de Atención de Asuntos
/// Indígenas"); the full name is "Comité de Gestión por Competencias " + tail.
/// A name that already carries the prefix is kept as it is.
pub fn committee_full_name(tail: &str) -> String {
    let tail = clean(tail);
    if fold_key(&tail).starts_with(&fold_key(COMMITTEE_PREFIX)) {
        return tail;
    }
    if tail.is_empty() {
        return COMMITTEE_PREFIX.to_string();
    }
    format!("{COMMITTEE_PREFIX} {tail}")
}

/// Legal-form suffixes folded away from identity keys, longest first (as
/// folded keys: "S.A. de C.V." → "s a de c v").
const LEGAL_FORMS: [&str; 24] = [
    "s c de r l de c v",
    "s de r l de c v",
    "s a p i de c v",
    "s a b de c v",
    "s a s de c v",
    "s a de c v",
    "s de r l",
    "sapi de cv",
    "sas de cv",
    "sa de cv",
    "s de rl",
    "s c de r l",
    "s a b",
    "s a s",
    "s c p",
    "i a p",
    "i b p",
    "a b p",
    "s a",
    "s c",
    "a c",
    "ac",
    "sc",
    "sa",
];

/// The identity key of an organisation name: accents, case, punctuation and
/// a trailing legal form folded, so "Instituto X, A.C." and "INSTITUTO X AC"
/// share a key.
pub fn org_key(name: &str) -> String {
    let mut key = fold_key(name);
    loop {
        let before = key.len();
        for form in LEGAL_FORMS {
            if let Some(rest) = key.strip_suffix(form) {
                if rest.ends_with(' ') {
                    key = rest.trim_end().to_string();
                    break;
                }
            }
        }
        if key.len() == before {
            break;
        }
    }
    // A name that is only a legal form keeps its full key.
    if key.is_empty() {
        fold_key(name)
    } else {
        key
    }
}

/// A stable id derived from the identity key: the first 12 hex digits of
/// its SHA-256, so the id survives respellings and database rebuilds.
pub fn stable_id(prefix: &str, key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!("{prefix}-{}", &hex::encode(digest)[..12])
}

/// The type of a certifying body as published: `"ECE"`, `"E.C.E."`,
/// `"Entidad de Certificación y Evaluación"` → `"ECE"`; `"OC"`,
/// `"Organismo Certificador"`, `"Organismo de Certificación"` → `"OC"`;
/// anything else → `None` (the caller reports it).
pub fn certifier_type(raw: &str) -> Option<&'static str> {
    let key = fold_key(raw);
    let letters: String = key.chars().filter(|c| !c.is_whitespace()).collect();
    if letters == "ece" || (key.contains("entidad") && key.contains("certificacion")) {
        Some("ECE")
    } else if letters == "oc" || (key.contains("organismo") && key.contains("certifica")) {
        Some("OC")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certifier_types_in_letters_or_words() {
        for (raw, want) in [
            ("ECE", Some("ECE")),
            (" e.c.e. ", Some("ECE")),
            ("Entidad de Certificación y Evaluación", Some("ECE")),
            ("OC", Some("OC")),
            ("O.C.", Some("OC")),
            ("ORGANISMO CERTIFICADOR", Some("OC")),
            ("Organismo de Certificación", Some("OC")),
            ("Centro evaluador", None),
            ("", None),
        ] {
            assert_eq!(certifier_type(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn committee_names_get_their_prefix_once() {
        assert_eq!(
            committee_full_name("de Atención de Asuntos  Indígenas "),
            "Comité de Gestión por Competencias de Atención de Asuntos Indígenas"
        );
        assert_eq!(
            committee_full_name("Comité de Gestión por Competencias de Logística"),
            "Comité de Gestión por Competencias de Logística"
        );
    }

    #[test]
    fn legal_forms_and_spelling_fold_to_one_key() {
        let a =
            org_key("Instituto de Capacitación y Certificación de Competencias Laborales, A.C.");
        let b = org_key("INSTITUTO DE CAPACITACION Y CERTIFICACION DE COMPETENCIAS LABORALES AC");
        assert_eq!(a, b);
        assert_eq!(
            org_key("Grupo Plentum, S.A. de C.V."),
            org_key("Grupo Plentum SA de CV")
        );
        assert_eq!(
            org_key("Comercializadora  Atcs S. de  R.l. de C.V."),
            "comercializadora atcs"
        );
        assert_ne!(org_key("ICEMéxico"), org_key("CONALEP Estado de México"));
    }

    #[test]
    fn stable_ids_depend_only_on_the_key() {
        let id = stable_id("cert", &org_key("ICEMéxico"));
        assert_eq!(id, stable_id("cert", &org_key("ICEMEXICO")));
        assert!(id.starts_with("cert-") && id.len() == 17);
    }
}
