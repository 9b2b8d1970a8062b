//! The 32 states (INEGI codes) and what each holds.

use super::query::*;
use crate::store::Result;
use rusqlite::Connection;
use serde::Serialize;

/// A state, by its INEGI code and official name.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct EstadoRef {
    pub clave: String,
    pub nombre: String,
}

impl EstadoRef {
    pub fn from_code(code: &str) -> EstadoRef {
        EstadoRef {
            clave: code.to_string(),
            nombre: crate::normalize::states::state_name(code)
                .unwrap_or(code)
                .to_string(),
        }
    }

    /// From `group_concat` of codes (any order, maybe NULL), sorted by code.
    pub(super) fn list(codes: Option<String>) -> Vec<EstadoRef> {
        let mut out: Vec<EstadoRef> = codes
            .unwrap_or_default()
            .split(',')
            .filter(|c| !c.is_empty())
            .map(EstadoRef::from_code)
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// One state for the map: what is registered there.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EstadoSummary {
    pub clave: String,
    pub nombre: String,
    /// Committees whose address is in the state.
    pub n_comites: i64,
    /// Bodies that certify at least one standard there.
    pub n_certificadores: i64,
    /// Standards that can be certified there.
    pub n_estandares: i64,
}

pub(super) fn estados(c: &Connection, run: i64) -> Result<Vec<EstadoSummary>> {
    let mut per_state: std::collections::HashMap<String, (i64, i64, i64)> =
        std::collections::HashMap::new();
    let mut stmt = c.prepare_cached(&format!(
        "SELECT estado_inegi, count(*) FROM comites x WHERE estado_inegi IS NOT NULL AND {} GROUP BY estado_inegi",
        at("x")
    ))?;
    for row in stmt.query_map(rusqlite::named_params! {":run": run}, |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })? {
        let (code, n) = row?;
        per_state.entry(code).or_default().0 = n;
    }
    let mut stmt = c.prepare_cached(&format!(
        "SELECT estado_inegi, count(DISTINCT certificador_id), count(DISTINCT ec_clave) FROM ec_certificador_estado s WHERE {} GROUP BY estado_inegi",
        at("s")
    ))?;
    for row in stmt.query_map(rusqlite::named_params! {":run": run}, |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })? {
        let (code, certs, standards) = row?;
        let e = per_state.entry(code).or_default();
        (e.1, e.2) = (certs, standards);
    }
    Ok(crate::normalize::states::STATES
        .iter()
        .map(|(code, nombre)| {
            let (comites, certificadores, estandares) =
                per_state.get(*code).copied().unwrap_or_default();
            EstadoSummary {
                clave: code.to_string(),
                nombre: nombre.to_string(),
                n_comites: comites,
                n_certificadores: certificadores,
                n_estandares: estandares,
            }
        })
        .collect())
}
