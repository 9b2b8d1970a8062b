//! Source 1: the JSON catalogue of active standards.

use super::{strip_json_controls, text_field, ParseError};
use crate::registry::CatalogueFields;
use serde_json::Value;

/// One row of the catalogue, cleaned but not yet validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueRow {
    /// The code exactly as published (may carry stray white space).
    pub codigo_raw: String,
    pub id: Option<String>,
    pub titulo: Option<String>,
    pub nivel: Option<String>,
    pub comite: Option<String>,
    pub sector_id: Option<String>,
    pub sector: Option<String>,
}

/// The catalogue as published: its rows and how many entries the array
/// held (the source's own count, for coverage).
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub rows: Vec<CatalogueRow>,
    pub reported: usize,
    /// Entries that were not objects with a code: (index, what was wrong).
    pub rejected: Vec<(usize, String)>,
    /// Expected fields that no entry carries, as (registry key, field name):
    /// renamed fields would otherwise publish as nulls everywhere.
    pub missing_fields: Vec<(&'static str, String)>,
}

pub fn parse(body: &[u8], fields: &CatalogueFields) -> Result<Catalogue, ParseError> {
    let value: Value = serde_json::from_slice(&strip_json_controls(body))?;
    let Value::Array(items) = value else {
        return Err(ParseError::Shape(
            "the catalogue is not a JSON array".into(),
        ));
    };
    let mut rows = Vec::with_capacity(items.len());
    let mut rejected = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if !item.is_object() {
            rejected.push((i, "entry is not an object".to_string()));
            continue;
        }
        let codigo_raw = match item.get(&fields.codigo) {
            Some(Value::String(s)) if !crate::normalize::clean(s).is_empty() => s.clone(),
            _ => {
                rejected.push((i, format!("entry has no `{}`", fields.codigo)));
                continue;
            }
        };
        rows.push(CatalogueRow {
            codigo_raw,
            id: text_field(item, &fields.id),
            titulo: text_field(item, &fields.titulo),
            nivel: text_field(item, &fields.nivel),
            comite: text_field(item, &fields.comite),
            sector_id: text_field(item, &fields.sector_id),
            sector: text_field(item, &fields.sector),
        });
    }
    let expected = [
        ("catalogue.fields.id", &fields.id),
        ("catalogue.fields.titulo", &fields.titulo),
        ("catalogue.fields.nivel", &fields.nivel),
        ("catalogue.fields.comite", &fields.comite),
        ("catalogue.fields.sector_id", &fields.sector_id),
        ("catalogue.fields.sector", &fields.sector),
    ];
    let objects: Vec<&serde_json::Map<String, Value>> =
        items.iter().filter_map(Value::as_object).collect();
    let missing_fields = if objects.is_empty() {
        Vec::new()
    } else {
        expected
            .into_iter()
            .filter(|(_, name)| !objects.iter().any(|o| o.contains_key(name.as_str())))
            .map(|(key, name)| (key, name.clone()))
            .collect()
    };
    Ok(Catalogue {
        reported: items.len(),
        rows,
        rejected,
        missing_fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn parses_rows_with_untrimmed_codes_and_control_characters() {
        let cat = parse(
            &fixture("catalogue_quirks.json"),
            &Registry::embedded().catalogue.fields,
        )
        .unwrap();
        assert_eq!(cat.reported, 4);
        assert_eq!(cat.rows.len(), 3);
        assert_eq!(cat.rejected.len(), 1);
        assert_eq!(cat.rows[1].codigo_raw, "EC1571 ");
        assert_eq!(cat.rows[2].codigo_raw, "EC1681\u{a0}");
        assert_eq!(
            cat.rows[0].titulo.as_deref(),
            Some("Prestación de servicios de traducción")
        );
        assert_eq!(cat.rows[1].sector_id, None);
        assert!(cat.missing_fields.is_empty(), "{:?}", cat.missing_fields);
        assert_eq!(
            cat.rows[0].comite.as_deref(),
            Some("de Atención de Asuntos Indígenas")
        );
    }

    #[test]
    fn a_field_no_entry_carries_is_named_with_its_registry_key() {
        let body = br#"[{"codigo":"EC0001","tituloEstandar":"Uno","nivel":"2","comite":"C","idSectorProductivo":1,"secProductivo":"S","idEstandarCompetencia":1}]"#;
        let cat = parse(body, &Registry::embedded().catalogue.fields).unwrap();
        assert_eq!(
            cat.missing_fields,
            vec![("catalogue.fields.titulo", "titulo".to_string())]
        );
    }

    #[test]
    fn refuses_what_is_not_an_array() {
        let fields = Registry::embedded().catalogue.fields;
        assert!(matches!(
            parse(b"{\"a\":1}", &fields),
            Err(ParseError::Shape(_))
        ));
        assert!(matches!(
            parse(b"[{\"codigo\":", &fields),
            Err(ParseError::Json(_))
        ));
    }
}
