//! Certifying bodies (ECE/OC): filters, answers and their queries.

use super::query::*;
use super::*;
use crate::store::Result;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct CertFilter {
    pub q: Option<String>,
    pub ec: Option<String>,
    pub min_ec: Option<i64>,
    /// `ECE` or `OC`.
    pub tipo: Option<String>,
    /// Two-digit INEGI code: bodies that certify (the `ec` standard, when
    /// given) in that state.
    pub estado: Option<String>,
}

/// A certifier with its type and states: in a standard's detail, the states
/// where it certifies that standard; in lists, where it certifies any.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CertLink {
    pub id: String,
    pub nombre: String,
    /// `ECE` or `OC`; null when the pages do not publish it.
    pub tipo: Option<String>,
    /// Empty when the pages do not publish states.
    pub estados: Vec<EstadoRef>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CertSummary {
    #[serde(flatten)]
    pub certificador: CertLink,
    /// Standards it certifies.
    pub n_estandares: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EstadoCount {
    #[serde(flatten)]
    pub estado: EstadoRef,
    /// Standards this body certifies in the state.
    pub n_estandares: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CertDetail {
    pub id: String,
    /// Not listed on any page as of the run asked for: shown as last seen.
    pub retirado: bool,
    pub nombre: String,
    pub nombres_publicados: Vec<String>,
    pub tipo: Option<String>,
    pub estados: Vec<EstadoCount>,
    /// Standards it certifies.
    pub n_estandares: i64,
    pub first_seen_run: i64,
    pub last_seen_run: i64,
}

/// Certifiers by type (`tipo` null: the pages do not say).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TipoSummary {
    pub tipo: Option<String>,
    pub nombre: String,
    pub n_certificadores: i64,
}

/// The certifiers of a standard, with the states where they certify it.
pub(super) fn cert_links(conn: &Connection, run: i64, clave: &str) -> Result<Vec<CertLink>> {
    let sql = format!(
        "SELECT x.id, x.nombre, x.tipo,
            (SELECT group_concat(s.estado_inegi) FROM ec_certificador_estado s WHERE s.ec_clave = l.ec_clave AND s.certificador_id = x.id AND {})
         FROM ec_certificador l JOIN certificadores x ON x.id = l.certificador_id AND {}
         WHERE l.ec_clave = :key AND {} ORDER BY x.nombre, x.id",
        at("s"),
        at("x"),
        at("l")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::named_params! {":run": run, ":key": clave}, |r| {
        Ok(CertLink {
            id: r.get(0)?,
            nombre: r.get(1)?,
            tipo: r.get(2)?,
            estados: EstadoRef::list(r.get(3)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn list_certificadores(
    c: &Connection,
    run: i64,
    f: &CertFilter,
    sort: (NameSort, Order),
    page: PageReq,
) -> Result<Page<CertSummary>> {
    let select = format!(
        "SELECT * FROM (SELECT x.id, x.nombre, x.tipo,
            (SELECT count(*) FROM ec_certificador l WHERE l.certificador_id = x.id AND {}) AS n,
            (SELECT group_concat(DISTINCT s.estado_inegi) FROM ec_certificador_estado s WHERE s.certificador_id = x.id AND {}) AS estados
         FROM certificadores x WHERE {})",
        at("l"),
        at("s"),
        at("x")
    );
    let mut sql = Sql::new(run);
    if let Some(q) = f.q.as_deref().and_then(fts_query) {
        sql.cond("id IN (SELECT key FROM search_fts WHERE search_fts MATCH :q AND kind = 'certificador')");
        sql.param(":q", q);
    }
    if let Some(ec) = &f.ec {
        sql.cond(format!("EXISTS (SELECT 1 FROM ec_certificador l WHERE l.certificador_id = id AND l.ec_clave = :ec AND {})", at("l")));
        sql.param(":ec", ec.clone());
    }
    if let Some(min) = f.min_ec {
        sql.cond("n >= :min");
        sql.param(":min", min);
    }
    if let Some(t) = &f.tipo {
        sql.cond("tipo = :tipo");
        sql.param(":tipo", t.clone());
    }
    if let Some(e) = &f.estado {
        // With `ec`, the state must be one where it certifies that standard.
        let same_standard = if f.ec.is_some() {
            "AND s.ec_clave = :ec"
        } else {
            ""
        };
        sql.cond(format!("EXISTS (SELECT 1 FROM ec_certificador_estado s WHERE s.certificador_id = id AND s.estado_inegi = :estado {same_standard} AND {})", at("s")));
        sql.param(":estado", e.clone());
    }
    paged(c, &select, &sql, &name_order(sort), page, |r| {
        Ok(CertSummary {
            certificador: CertLink {
                id: r.get(0)?,
                nombre: r.get(1)?,
                tipo: r.get(2)?,
                estados: EstadoRef::list(r.get(4)?),
            },
            n_estandares: r.get(3)?,
        })
    })
}

/// Facets of the certifiers a filter keeps, counted like the view counts them.
pub(super) fn cert_facets(
    c: &Connection,
    run: i64,
    f: &CertFilter,
    facets: &[super::facets::CertFacet],
) -> Result<Vec<super::facets::Facet>> {
    let all = list_certificadores(
        c,
        run,
        f,
        (NameSort::Nombre, Order::Asc),
        PageReq {
            limit: u32::MAX,
            offset: 0,
        },
    )?;
    Ok(super::facets::count_cert(all.items.iter(), facets))
}

pub(super) fn get_certificador(c: &Connection, run: i64, id: &str) -> Result<Option<CertDetail>> {
    let Some(seen_run) = last_seen_by(c, "certificadores", "id", &Value::Text(id.into()), run)?
    else {
        return Ok(None);
    };
    let (retirado, run) = (seen_run < run, seen_run);
    let row: Option<(String, Option<String>, i64)> = c
        .query_row(
            &format!("SELECT x.nombre, x.tipo, (SELECT count(*) FROM ec_certificador l WHERE l.certificador_id = x.id AND {}) FROM certificadores x WHERE x.id = :key AND {}", at("l"), at("x")),
            rusqlite::named_params! {":key": id, ":run": run},
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((nombre, tipo, estandares)) = row else {
        return Ok(None);
    };
    let estados = {
        let mut stmt = c.prepare_cached(&format!(
            "SELECT estado_inegi, count(DISTINCT ec_clave) FROM ec_certificador_estado s WHERE certificador_id = :key AND {} GROUP BY estado_inegi ORDER BY estado_inegi",
            at("s")
        ))?;
        let rows = stmt.query_map(rusqlite::named_params! {":key": id, ":run": run}, |r| {
            Ok(EstadoCount {
                estado: EstadoRef::from_code(&r.get::<_, String>(0)?),
                n_estandares: r.get(1)?,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    let (first_seen_run, last_seen_run) =
        seen(c, "certificadores", "id", &Value::Text(id.into()), run)?;
    Ok(Some(CertDetail {
        id: id.to_string(),
        retirado,
        nombre,
        nombres_publicados: strings(c, &format!("SELECT alias FROM certificador_alias l WHERE certificador_id = :key AND {} ORDER BY alias", at("l")), run, id)?,
        tipo,
        estados,
        n_estandares: estandares,
        first_seen_run,
        last_seen_run,
    }))
}

pub(super) fn certificador_tipos(c: &Connection, run: i64) -> Result<Vec<TipoSummary>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT tipo FROM certificadores x WHERE {}",
        at("x")
    ))?;
    let tipos: Vec<Option<String>> = stmt
        .query_map(rusqlite::named_params! {":run": run}, |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(certificador_tipos_from(tipos.iter().map(Option::as_deref)))
}

/// Certifiers by type, from each certifier's type: ECE, OC, then those
/// whose type the pages do not publish.
pub fn certificador_tipos_from<'a>(
    tipos: impl Iterator<Item = Option<&'a str>>,
) -> Vec<TipoSummary> {
    let mut counts: std::collections::HashMap<Option<&str>, i64> = std::collections::HashMap::new();
    for t in tipos {
        *counts.entry(t).or_insert(0) += 1;
    }
    TIPOS
        .into_iter()
        .map(|(tipo, nombre)| TipoSummary {
            tipo: tipo.map(str::to_string),
            nombre: nombre.to_string(),
            n_certificadores: counts.get(&tipo).copied().unwrap_or(0),
        })
        .collect()
}

/// The kinds of certifying body, and "not published".
const TIPOS: [(Option<&str>, &str); 3] = [
    (Some("ECE"), "Entidad de Certificación y Evaluación"),
    (Some("OC"), "Organismo Certificador"),
    (None, "Tipo no publicado"),
];

/// The name of a certifier type (`None`: the pages do not publish it).
pub fn tipo_name(tipo: Option<&str>) -> &'static str {
    TIPOS
        .iter()
        .find(|(t, _)| *t == tipo)
        .map_or("Tipo desconocido", |(_, n)| n)
}
