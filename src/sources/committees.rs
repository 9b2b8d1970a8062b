//! Source 2: committees, one JSON document per numeric id.

use super::{strip_json_controls, text_field, ParseError};
use crate::registry::Committees;
use serde_json::Value;

/// A committee as published, cleaned but not yet normalized.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommitteeRecord {
    pub id: u32,
    pub clave: Option<String>,
    pub nombre: Option<String>,
    pub presidente: Option<String>,
    pub vicepresidente: Option<String>,
    pub puesto_presidente: Option<String>,
    pub puesto_vicepresidente: Option<String>,
    pub contacto: Option<String>,
    pub correo: Option<String>,
    pub telefonos: Option<String>,
    pub calle_numero: Option<String>,
    pub colonia: Option<String>,
    /// As published: a JSON number (5500 means 05500), a string or null.
    pub codigo_postal: Value,
    pub municipio: Option<String>,
    pub entidad: Option<String>,
    pub sector_id: Option<String>,
    pub sector: Option<String>,
    /// Epoch milliseconds.
    pub fecha_integracion_ms: Option<i64>,
    pub url: Option<String>,
    /// Associated standards: (code as published, title).
    pub estandares: Vec<(Option<String>, Option<String>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CommitteeAnswer {
    Found(Box<CommitteeRecord>),
    /// `{"responseStatus":404,"results":null}`: no committee with this id.
    NotFound,
}

/// Parses the body of `GET …/comites/{id}` answered with HTTP 200.
/// (HTTP 404 and 400 mean "not found" too; the caller decides that from
/// the status without calling this.)
pub fn parse(id: u32, body: &[u8], reg: &Committees) -> Result<CommitteeAnswer, ParseError> {
    let value: Value = serde_json::from_slice(&strip_json_controls(body))?;
    if !value.is_object() {
        return Err(ParseError::Shape(
            "the committee answer is not a JSON object".into(),
        ));
    }
    let status = value.get(&reg.status_field).and_then(Value::as_i64);
    // Only the site's own not-found form is a miss: status 404, or the
    // results field present and null. Anything else must be a committee.
    let r = match (status, value.get(&reg.results_field)) {
        (Some(404), _) | (_, Some(Value::Null)) => return Ok(CommitteeAnswer::NotFound),
        (_, Some(r @ Value::Object(_))) => r,
        (_, None) => {
            return Err(ParseError::Shape(format!(
                "no `{}` field: neither a committee nor the not-found form",
                reg.results_field
            )))
        }
        _ => {
            return Err(ParseError::Shape(format!(
                "`{}` is neither an object nor null",
                reg.results_field
            )))
        }
    };
    let f = &reg.fields;
    if r.get(&f.clave).is_none() && r.get(&f.nombre).is_none() {
        return Err(ParseError::Shape(format!(
            "the record has neither `{}` nor `{}`: not a committee",
            f.clave, f.nombre
        )));
    }
    let estandares = match r.get(&f.estandares) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|e| {
                let code = match e.get(&f.estandar_codigo) {
                    Some(Value::String(s)) => Some(s.clone()),
                    _ => None,
                };
                (code, text_field(e, &f.estandar_titulo))
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(CommitteeAnswer::Found(Box::new(CommitteeRecord {
        id,
        clave: text_field(r, &f.clave),
        nombre: text_field(r, &f.nombre),
        presidente: text_field(r, &f.presidente),
        vicepresidente: text_field(r, &f.vicepresidente),
        puesto_presidente: text_field(r, &f.puesto_presidente),
        puesto_vicepresidente: text_field(r, &f.puesto_vicepresidente),
        contacto: text_field(r, &f.contacto),
        correo: text_field(r, &f.correo),
        telefonos: text_field(r, &f.telefonos),
        calle_numero: text_field(r, &f.calle_numero),
        colonia: text_field(r, &f.colonia),
        codigo_postal: r.get(&f.codigo_postal).cloned().unwrap_or(Value::Null),
        municipio: text_field(r, &f.municipio),
        entidad: text_field(r, &f.entidad),
        sector_id: text_field(r, &f.sector_id),
        sector: text_field(r, &f.sector),
        fecha_integracion_ms: r.get(&f.fecha_integracion).and_then(Value::as_i64),
        url: text_field(r, &f.url),
        estandares,
    })))
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
    fn parses_a_found_committee() {
        let reg = Registry::embedded().committees;
        let CommitteeAnswer::Found(c) = parse(1, &fixture("committee_found.json"), &reg).unwrap()
        else {
            panic!("expected a committee");
        };
        assert_eq!(c.clave.as_deref(), Some("1.5.1"));
        assert_eq!(
            c.nombre.as_deref(),
            Some("para la Logística y la Cadena de Suministros en México")
        );
        assert_eq!(c.codigo_postal, serde_json::json!(6140));
        assert_eq!(c.entidad.as_deref(), Some("CIUDAD DE MÉXICO"));
        assert_eq!(c.fecha_integracion_ms, Some(1267660800000));
        assert_eq!(c.estandares.len(), 3);
        assert_eq!(c.estandares[0].0.as_deref(), Some("EC0089"));
        assert_eq!(c.estandares[2].0, None);
    }

    #[test]
    fn not_found_comes_in_its_own_shapes_and_nothing_else_passes_for_it() {
        let reg = Registry::embedded().committees;
        let a = parse(2, br#"{"responseStatus":404,"results":null}"#, &reg).unwrap();
        let b = parse(2, br#"{"responseStatus":404}"#, &reg).unwrap();
        let c = parse(2, br#"{"responseStatus":200,"results":null}"#, &reg).unwrap();
        assert_eq!(a, CommitteeAnswer::NotFound);
        assert_eq!(b, CommitteeAnswer::NotFound);
        assert_eq!(c, CommitteeAnswer::NotFound);
        // A renamed wrapper or record is not a miss: it is not understood.
        let renamed = parse(
            2,
            br#"{"responseStatus":200,"resultado":{"clave":"1"}}"#,
            &reg,
        );
        assert!(renamed
            .unwrap_err()
            .to_string()
            .contains("no `results` field"));
        let foreign = parse(
            2,
            br#"{"responseStatus":200,"results":{"key":"1.2","name":"X"}}"#,
            &reg,
        );
        assert!(foreign
            .unwrap_err()
            .to_string()
            .contains("neither `clave` nor `nombre`"));
    }

    #[test]
    fn bad_shapes_are_errors_not_panics() {
        let reg = Registry::embedded().committees;
        assert!(parse(3, b"[1,2]", &reg).is_err());
        assert!(parse(3, br#"{"responseStatus":200,"results":[1]}"#, &reg).is_err());
        assert!(parse(3, b"<html>", &reg).is_err());
    }
}
