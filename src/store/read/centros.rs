//! Training offerings (centros, "¿En dónde puedo capacitarme?").

use super::estandares::{ec_summary, EC_SELECT};
use super::query::*;
use super::*;
use crate::store::Result;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NamedSummary {
    pub id: String,
    pub nombre: String,
    /// Standards it offers (training) or holds (sector).
    pub n_estandares: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CentroDetail {
    pub id: String,
    pub nombre: String,
    pub estandares: Vec<EcSummary>,
    pub first_seen_run: i64,
    pub last_seen_run: i64,
}

/// Which training offerings a list shows.
#[derive(Debug, Clone, Default)]
pub struct CentroFilter {
    /// Words of the offering's title.
    pub q: Option<String>,
    /// Offerings for this standard.
    pub ec: Option<String>,
    /// Offerings for at least this many standards.
    pub min_ec: Option<i64>,
}

pub(super) fn list_centros(
    c: &Connection,
    run: i64,
    f: &CentroFilter,
    sort: (NameSort, Order),
    page: PageReq,
) -> Result<Page<NamedSummary>> {
    let select = format!(
        "SELECT * FROM (SELECT x.id, x.nombre, (SELECT count(*) FROM ec_centro l WHERE l.centro_id = x.id AND {}) AS n FROM centros x WHERE {})",
        at("l"),
        at("x")
    );
    let mut sql = Sql::new(run);
    if let Some(q) = f.q.as_deref().and_then(fts_query) {
        sql.cond(
            "id IN (SELECT key FROM search_fts WHERE search_fts MATCH :q AND kind = 'centro')",
        );
        sql.param(":q", q);
    }
    if let Some(ec) = &f.ec {
        sql.cond(format!(
            "EXISTS (SELECT 1 FROM ec_centro l WHERE l.centro_id = id AND l.ec_clave = :ec AND {})",
            at("l")
        ));
        sql.param(":ec", ec.clone());
    }
    if let Some(min) = f.min_ec {
        sql.cond("n >= :min");
        sql.param(":min", min);
    }
    paged(c, &select, &sql, &name_order(sort), page, |r| {
        Ok(NamedSummary {
            id: r.get(0)?,
            nombre: r.get(1)?,
            n_estandares: r.get(2)?,
        })
    })
}

pub(super) fn get_centro(c: &Connection, run: i64, id: &str) -> Result<Option<CentroDetail>> {
    let nombre: Option<String> = c
        .query_row(
            &format!(
                "SELECT nombre FROM centros x WHERE id = :key AND {}",
                at("x")
            ),
            rusqlite::named_params! {":key": id, ":run": run},
            |r| r.get(0),
        )
        .optional()?;
    let Some(nombre) = nombre else {
        return Ok(None);
    };
    let sql = format!("{EC_SELECT} WHERE {} AND e.clave IN (SELECT ec_clave FROM ec_centro l WHERE l.centro_id = :key AND {}) ORDER BY e.clave", at("e"), at("l"));
    let mut stmt = c.prepare_cached(&sql)?;
    let estandares = stmt
        .query_map(
            rusqlite::named_params! {":key": id, ":run": run},
            ec_summary,
        )?
        .collect::<rusqlite::Result<_>>()?;
    let (first_seen_run, last_seen_run) = seen(c, "centros", "id", &Value::Text(id.into()), run)?;
    Ok(Some(CentroDetail {
        id: id.to_string(),
        nombre,
        estandares,
        first_seen_run,
        last_seen_run,
    }))
}
