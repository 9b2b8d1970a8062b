//! Mexican states to their two-digit INEGI code.

use super::fold_key;

/// The 32 states with their INEGI code and official short name.
pub const STATES: [(&str, &str); 32] = [
    ("01", "Aguascalientes"),
    ("02", "Baja California"),
    ("03", "Baja California Sur"),
    ("04", "Campeche"),
    ("05", "Coahuila de Zaragoza"),
    ("06", "Colima"),
    ("07", "Chiapas"),
    ("08", "Chihuahua"),
    ("09", "Ciudad de México"),
    ("10", "Durango"),
    ("11", "Guanajuato"),
    ("12", "Guerrero"),
    ("13", "Hidalgo"),
    ("14", "Jalisco"),
    ("15", "México"),
    ("16", "Michoacán de Ocampo"),
    ("17", "Morelos"),
    ("18", "Nayarit"),
    ("19", "Nuevo León"),
    ("20", "Oaxaca"),
    ("21", "Puebla"),
    ("22", "Querétaro"),
    ("23", "Quintana Roo"),
    ("24", "San Luis Potosí"),
    ("25", "Sinaloa"),
    ("26", "Sonora"),
    ("27", "Tabasco"),
    ("28", "Tamaulipas"),
    ("29", "Tlaxcala"),
    ("30", "Veracruz de Ignacio de la Llave"),
    ("31", "Yucatán"),
    ("32", "Zacatecas"),
];

/// Other spellings seen in Mexican registries (folded keys).
const ALIASES: [(&str, &str); 17] = [
    ("cdmx", "09"),
    ("df", "09"),
    ("d f", "09"),
    ("distrito federal", "09"),
    ("mexico d f", "09"),
    ("ciudad de mexico cdmx", "09"),
    ("edo mex", "15"),
    ("edo de mexico", "15"),
    ("estado de mexico", "15"),
    ("edomex", "15"),
    ("coahuila", "05"),
    ("michoacan", "16"),
    ("veracruz", "30"),
    ("veracruz llave", "30"),
    ("queretaro de arteaga", "22"),
    ("baja california norte", "02"),
    ("estado de mexico edomex", "15"),
];

/// `"CIUDAD DE MÉXICO"`, `"CDMX"`, `"D.F."` → `"09"`; `"Extranjero"`,
/// unknown names → `None` (the caller keeps the raw text and reports it).
pub fn inegi_code(raw: &str) -> Option<&'static str> {
    let key = fold_key(raw);
    if key.is_empty() {
        return None;
    }
    STATES
        .iter()
        .find(|(_, name)| fold_key(name) == key)
        .map(|(code, _)| *code)
        .or_else(|| {
            ALIASES
                .iter()
                .find(|(alias, _)| *alias == key)
                .map(|(_, code)| *code)
        })
}

/// The official name of an INEGI code.
pub fn state_name(code: &str) -> Option<&'static str> {
    STATES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_by_its_own_name_in_any_case() {
        for (code, name) in STATES {
            assert_eq!(inegi_code(name), Some(code), "{name}");
            assert_eq!(inegi_code(&name.to_uppercase()), Some(code), "{name}");
            assert_eq!(inegi_code(&name.to_lowercase()), Some(code), "{name}");
        }
    }

    #[test]
    fn spellings_found_in_the_registry() {
        assert_eq!(inegi_code("CIUDAD DE MÉXICO"), Some("09"));
        assert_eq!(inegi_code("CDMX"), Some("09"));
        assert_eq!(inegi_code("D.F."), Some("09"));
        assert_eq!(inegi_code("MÉXICO"), Some("15"));
        assert_eq!(inegi_code("Edo. Méx."), Some("15"));
        assert_eq!(inegi_code("QUERETARO"), Some("22"));
        assert_eq!(inegi_code("SAN LUIS POTOSI"), Some("24"));
        assert_eq!(inegi_code("Nuevo León"), Some("19"));
        assert_eq!(inegi_code("VERACRUZ DE IGNACIO DE LA LLAVE"), Some("30"));
        assert_eq!(inegi_code("MICHOACÁN DE OCAMPO"), Some("16"));
        assert_eq!(inegi_code("Coahuila de Zaragoza"), Some("05"));
        assert_eq!(inegi_code("YUCATAN"), Some("31"));
    }

    #[test]
    fn foreign_and_unknown_are_not_guessed() {
        assert_eq!(inegi_code("Extranjero"), None);
        assert_eq!(inegi_code("Atlantis"), None);
        assert_eq!(inegi_code(""), None);
    }

    #[test]
    fn names_round_trip() {
        assert_eq!(state_name("09"), Some("Ciudad de México"));
        assert_eq!(state_name("33"), None);
    }
}
