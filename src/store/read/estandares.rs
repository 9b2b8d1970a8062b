//! Competency standards (EC): filters, answers and their queries.

use super::certificadores::cert_links;
use super::query::*;
use super::*;
use crate::store::Result;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct EcFilter {
    pub q: Option<String>,
    pub sector: Option<String>,
    pub nivel: Option<i64>,
    pub comite: Option<i64>,
    pub vigente: Option<bool>,
    pub tipo: Option<String>,
    pub certificador: Option<String>,
    pub centro: Option<String>,
    pub estado: Option<String>,
    /// Also standards no longer listed, as last seen (`retirado: true`).
    pub include_retired: bool,
}

impl EcFilter {
    /// The standards of the run (retired ones left out) whose words match `q`.
    pub fn words(q: &str) -> EcFilter {
        EcFilter {
            q: Some(q.to_string()),
            ..EcFilter::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcSort {
    Clave,
    Titulo,
    Nivel,
    Certificadores,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EcSummary {
    pub clave: String,
    pub titulo: Option<String>,
    pub nivel: Option<i64>,
    pub tipo: String,
    pub vigente: bool,
    pub sector_id: Option<String>,
    pub sector: Option<String>,
    pub comite_id: Option<i64>,
    pub comite: Option<String>,
    /// Certifiers of the standard.
    pub n_certificadores: i64,
    /// No longer listed as of the run asked for: shown as last seen.
    pub retirado: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct EcDetail {
    #[serde(flatten)]
    pub summary: EcSummary,
    pub clave_publicada: String,
    pub clase: String,
    pub id_renec: Option<String>,
    pub source_url: Option<String>,
    /// After leaving the catalogue: the run whose nivel, sector and
    /// committee are shown (the listings do not publish them).
    pub conservado_de_run: Option<i64>,
    pub ocupaciones: Vec<String>,
    pub certificadores: Vec<CertLink>,
    pub centros: Vec<Ref>,
    pub comite_miembros: Vec<String>,
    pub first_seen_run: i64,
    pub last_seen_run: i64,
}

pub(super) const EC_SELECT: &str = "SELECT e.clave, e.titulo, e.nivel, e.tipo, e.vigente, e.sector_id, s.nombre, e.comite_id,
        coalesce(c.nombre, e.comite_nombre),
        (SELECT count(*) FROM ec_certificador l WHERE l.ec_clave = e.clave AND l.first_seen_run <= min(:run, e.last_seen_run) AND l.last_seen_run >= min(:run, e.last_seen_run)) AS n_cert,
        e.last_seen_run < :run AS retirado, c.estado_inegi
    FROM estandares e
    LEFT JOIN sectores s ON s.id = e.sector_id AND s.first_seen_run <= :run AND s.last_seen_run >= :run
    LEFT JOIN comites c ON c.id = e.comite_id AND c.first_seen_run <= :run AND c.last_seen_run >= :run";

pub(super) fn ec_summary(r: &rusqlite::Row) -> rusqlite::Result<EcSummary> {
    Ok(EcSummary {
        clave: r.get(0)?,
        titulo: r.get(1)?,
        nivel: r.get(2)?,
        tipo: r.get(3)?,
        vigente: r.get(4)?,
        sector_id: r.get(5)?,
        sector: r.get(6)?,
        comite_id: r.get(7)?,
        comite: r.get(8)?,
        n_certificadores: r.get(9)?,
        retirado: r.get(10)?,
    })
}

/// The conditions of a filter on `EC_SELECT`.
fn ec_where(run: i64, f: &EcFilter) -> Sql {
    let mut sql = Sql::new(run);
    if f.include_retired {
        // The latest version of every standard seen by then: current ones and retired ones as last seen.
        sql.cond("e.row_id IN (SELECT max(row_id) FROM estandares WHERE first_seen_run <= :run GROUP BY clave)");
    } else {
        sql.cond(at("e"));
    }
    if let Some(q) = f.q.as_deref().and_then(fts_query) {
        sql.cond(
            "e.clave IN (SELECT key FROM search_fts WHERE search_fts MATCH :q AND kind = 'ec')",
        );
        sql.param(":q", q);
    }
    if let Some(v) = &f.sector {
        sql.cond("e.sector_id = :sector");
        sql.param(":sector", v.clone());
    }
    if let Some(v) = f.nivel {
        sql.cond("e.nivel = :nivel");
        sql.param(":nivel", v);
    }
    if let Some(v) = f.comite {
        // The committee's own list of standards, or the standard's committee.
        sql.cond(format!(
            "(e.comite_id = :comite OR EXISTS (SELECT 1 FROM comite_ec k WHERE k.comite_id = :comite AND k.ec_clave = e.clave AND {}))",
            at("k")
        ));
        sql.param(":comite", v);
    }
    if let Some(v) = &f.centro {
        sql.cond(format!("EXISTS (SELECT 1 FROM ec_centro l WHERE l.ec_clave = e.clave AND l.centro_id = :centro AND {})", at("l")));
        sql.param(":centro", v.clone());
    }
    if let Some(v) = f.vigente {
        sql.cond("e.vigente = :vigente");
        sql.param(":vigente", i64::from(v));
    }
    if let Some(v) = &f.tipo {
        sql.cond("e.tipo = :tipo");
        sql.param(":tipo", v.clone());
    }
    if let Some(v) = &f.certificador {
        sql.cond(format!("EXISTS (SELECT 1 FROM ec_certificador l WHERE l.ec_clave = e.clave AND l.certificador_id = :cert AND {})", at("l")));
        sql.param(":cert", v.clone());
    }
    if let Some(v) = &f.estado {
        sql.cond("c.estado_inegi = :estado");
        sql.param(":estado", v.clone());
    }
    sql
}

pub(super) fn list_ec(
    c: &Connection,
    run: i64,
    f: &EcFilter,
    sort: (EcSort, Order),
    page: PageReq,
) -> Result<Page<EcSummary>> {
    let sql = ec_where(run, f);
    let dir = order(sort.1);
    let order_by = match sort.0 {
        EcSort::Clave => format!("e.clave {dir}"),
        EcSort::Titulo => format!("e.titulo COLLATE NOCASE {dir}, e.clave"),
        EcSort::Nivel => format!("e.nivel {dir}, e.clave"),
        EcSort::Certificadores => format!("n_cert {dir}, e.clave"),
    };
    paged(c, EC_SELECT, &sql, &order_by, page, ec_summary)
}

/// Facets of the standards a filter keeps, counted like the view counts them.
pub(super) fn ec_facets(
    c: &Connection,
    run: i64,
    f: &EcFilter,
    facets: &[super::facets::EcFacet],
) -> Result<Vec<super::facets::Facet>> {
    let sql = ec_where(run, f);
    let mut stmt = c.prepare_cached(&format!("{EC_SELECT} {}", sql.where_clause()))?;
    let rows: Vec<(EcSummary, Option<String>)> = stmt
        .query_map(sql.refs().as_slice(), |r| Ok((ec_summary(r)?, r.get(11)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(super::facets::count_ec(
        rows.iter().map(|(e, s)| (e, s.as_deref())),
        facets,
    ))
}

pub(super) fn get_ec(c: &Connection, run: i64, clave: &str) -> Result<Option<EcDetail>> {
    // A standard no longer listed is shown as it was when last seen.
    let Some(seen_run) = last_seen_by(c, "estandares", "clave", &Value::Text(clave.into()), run)?
    else {
        return Ok(None);
    };
    let retired = seen_run < run;
    let run = seen_run;
    let sql = format!("{EC_SELECT} WHERE e.clave = :key AND {}", at("e"));
    let summary = c
        .query_row(
            &sql,
            rusqlite::named_params! {":key": clave, ":run": run},
            ec_summary,
        )
        .optional()?;
    let Some(mut summary) = summary else {
        return Ok(None);
    };
    summary.retirado = retired;
    #[allow(clippy::type_complexity)]
    let (clave_publicada, clase, id_renec, source_url, conservado_de_run): (String, String, Option<String>, Option<String>, Option<i64>) = c.query_row(
        &format!("SELECT clave_publicada, clase, id_renec, source_url, conservado_de_run FROM estandares e WHERE clave = :key AND {}", at("e")),
        rusqlite::named_params! {":key": clave, ":run": run},
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let (first_seen_run, last_seen_run) =
        seen(c, "estandares", "clave", &Value::Text(clave.into()), run)?;
    Ok(Some(EcDetail {
        ocupaciones: strings(c, &format!("SELECT ocupacion FROM ec_ocupacion l WHERE ec_clave = :key AND {} ORDER BY ocupacion", at("l")), run, clave)?,
        certificadores: cert_links(c, run, clave)?,
        centros: refs(c, &format!("SELECT x.id, x.nombre FROM ec_centro l JOIN centros x ON x.id = l.centro_id AND {} WHERE l.ec_clave = :key AND {} ORDER BY x.nombre, x.id", at("x"), at("l")), run, clave)?,
        comite_miembros: strings(c, &format!("SELECT institucion FROM ec_comite_miembro l WHERE ec_clave = :key AND {} ORDER BY row_id", at("l")), run, clave)?,
        summary,
        clave_publicada,
        clase,
        id_renec,
        source_url,
        conservado_de_run,
        first_seen_run,
        last_seen_run,
    }))
}

pub(super) fn ec_scope(
    c: &Connection,
    run: i64,
    sector: Option<&str>,
    estado: Option<&str>,
) -> Result<std::collections::BTreeSet<String>> {
    let mut sql = Sql::new(run);
    sql.cond(at("e"));
    if let Some(s) = sector {
        sql.cond("e.sector_id = :sector");
        sql.param(":sector", s.to_string());
    }
    if let Some(s) = estado {
        sql.cond(format!(
            "e.comite_id IN (SELECT id FROM comites k WHERE k.estado_inegi = :estado AND {})",
            at("k")
        ));
        sql.param(":estado", s.to_string());
    }
    let mut stmt = c.prepare(&format!(
        "SELECT e.clave FROM estandares e {}",
        sql.where_clause()
    ))?;
    let rows = stmt.query_map(sql.refs().as_slice(), |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
