//! Productive sectors.

use super::query::*;
use super::*;
use crate::store::Result;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct SectorDetail {
    pub id: String,
    pub nombre: String,
    pub id_renec: Option<String>,
    pub n_estandares: i64,
    pub n_comites: i64,
}

pub(super) fn list_sectores(
    c: &Connection,
    run: i64,
    q: Option<&str>,
    page: PageReq,
) -> Result<Page<NamedSummary>> {
    let select = format!(
        "SELECT * FROM (SELECT x.id, x.nombre, (SELECT count(*) FROM estandares e WHERE e.sector_id = x.id AND {}) AS n FROM sectores x WHERE {})",
        at("e"),
        at("x")
    );
    let mut sql = Sql::new(run);
    if let Some(q) = q.and_then(fts_query) {
        sql.cond(
            "id IN (SELECT key FROM search_fts WHERE search_fts MATCH :q AND kind = 'sector')",
        );
        sql.param(":q", q);
    }
    paged(c, &select, &sql, "nombre, id", page, |r| {
        Ok(NamedSummary {
            id: r.get(0)?,
            nombre: r.get(1)?,
            n_estandares: r.get(2)?,
        })
    })
}

pub(super) fn get_sector(c: &Connection, run: i64, id: &str) -> Result<Option<SectorDetail>> {
    let sql = format!(
        "SELECT x.nombre, x.id_renec,
            (SELECT count(*) FROM estandares e WHERE e.sector_id = x.id AND {}),
            (SELECT count(DISTINCT e.comite_id) FROM estandares e WHERE e.sector_id = x.id AND e.comite_id IS NOT NULL AND {})
         FROM sectores x WHERE x.id = :key AND {}",
        at("e"),
        at("e"),
        at("x")
    );
    Ok(c.query_row(
        &sql,
        rusqlite::named_params! {":key": id, ":run": run},
        |r| {
            Ok(SectorDetail {
                id: id.to_string(),
                nombre: r.get(0)?,
                id_renec: r.get(1)?,
                n_estandares: r.get(2)?,
                n_comites: r.get(3)?,
            })
        },
    )
    .optional()?)
}
