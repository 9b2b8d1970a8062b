//! Committees (Comités de Gestión por Competencias).

use super::estandares::{ec_summary, EC_SELECT};
use super::query::*;
use super::*;
use crate::store::Result;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct ComiteFilter {
    pub q: Option<String>,
    pub estado: Option<String>,
    pub ec: Option<String>,
    pub min_ec: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ComiteSummary {
    pub id: i64,
    pub clave: Option<String>,
    pub nombre: String,
    pub sector: Option<String>,
    pub estado_inegi: Option<String>,
    pub estado: Option<String>,
    /// Standards the committee lists.
    pub n_estandares: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComiteDetail {
    #[serde(flatten)]
    pub summary: ComiteSummary,
    /// No longer answered by the site as of the run asked for: shown as last seen.
    pub retirado: bool,
    pub fecha_integracion: Option<String>,
    pub direccion: Option<String>,
    pub colonia: Option<String>,
    pub codigo_postal: Option<String>,
    pub municipio: Option<String>,
    pub telefono: Option<String>,
    pub telefono_e164: Option<String>,
    pub url: Option<String>,
    pub estandares: Vec<EcSummary>,
    pub first_seen_run: i64,
    pub last_seen_run: i64,
}

/// A committee's state as shown: the official name of its INEGI code, else as published.
pub fn estado_name(code: Option<&str>, raw: Option<String>) -> Option<String> {
    code.and_then(crate::normalize::states::state_name)
        .map(str::to_string)
        .or(raw)
}

pub(super) fn comite_summary(r: &rusqlite::Row) -> rusqlite::Result<ComiteSummary> {
    let raw: Option<String> = r.get(5)?;
    let code: Option<String> = r.get(4)?;
    Ok(ComiteSummary {
        id: r.get(0)?,
        clave: r.get(1)?,
        nombre: r.get(2)?,
        sector: r.get(3)?,
        estado: estado_name(code.as_deref(), raw),
        estado_inegi: code,
        n_estandares: r.get(6)?,
    })
}

pub(super) fn list_comites(
    c: &Connection,
    run: i64,
    f: &ComiteFilter,
    sort: (NameSort, Order),
    page: PageReq,
) -> Result<Page<ComiteSummary>> {
    let select = format!(
        "SELECT * FROM (SELECT x.id, x.clave, x.nombre, x.sector_nombre, x.estado_inegi, x.estado_raw,
            (SELECT count(*) FROM comite_ec l WHERE l.comite_id = x.id AND {}) AS n FROM comites x WHERE {})",
        at("l"),
        at("x")
    );
    let mut sql = Sql::new(run);
    if let Some(q) = f.q.as_deref().and_then(fts_query) {
        sql.cond("CAST(id AS TEXT) IN (SELECT key FROM search_fts WHERE search_fts MATCH :q AND kind = 'comite')");
        sql.param(":q", q);
    }
    if let Some(v) = &f.estado {
        sql.cond("estado_inegi = :estado");
        sql.param(":estado", v.clone());
    }
    if let Some(ec) = &f.ec {
        sql.cond(format!(
            "EXISTS (SELECT 1 FROM comite_ec l WHERE l.comite_id = id AND l.ec_clave = :ec AND {})",
            at("l")
        ));
        sql.param(":ec", ec.clone());
    }
    if let Some(min) = f.min_ec {
        sql.cond("n >= :min");
        sql.param(":min", min);
    }
    let order_by = match sort {
        (NameSort::Nombre, o) => format!("nombre COLLATE NOCASE {}, id", order(o)),
        (NameSort::Estandares, o) => format!("n {}, id", order(o)),
    };
    paged(c, &select, &sql, &order_by, page, comite_summary)
}

pub(super) fn get_comite(c: &Connection, run: i64, id: i64) -> Result<Option<ComiteDetail>> {
    let Some(seen_run) = last_seen_by(c, "comites", "id", &Value::Integer(id), run)? else {
        return Ok(None);
    };
    let (retirado, run) = (seen_run < run, seen_run);
    let sql = format!(
        "SELECT x.id, x.clave, x.nombre, x.sector_nombre, x.estado_inegi, x.estado_raw,
            (SELECT count(*) FROM comite_ec l WHERE l.comite_id = x.id AND {}),
            x.fecha_integracion, x.calle_numero, x.colonia, x.codigo_postal, x.municipio, x.telefono_raw, x.telefono_e164, x.url
         FROM comites x WHERE x.id = :key AND {}",
        at("l"),
        at("x")
    );
    let row = c
        .query_row(
            &sql,
            rusqlite::named_params! {":key": id, ":run": run},
            |r| {
                Ok((
                    comite_summary(r)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                    r.get(12)?,
                    r.get(13)?,
                    r.get(14)?,
                ))
            },
        )
        .optional()?;
    let Some((
        summary,
        fecha_integracion,
        direccion,
        colonia,
        codigo_postal,
        municipio,
        telefono,
        telefono_e164,
        url,
    )) = row
    else {
        return Ok(None);
    };
    let sql = format!("{EC_SELECT} WHERE {} AND e.clave IN (SELECT ec_clave FROM comite_ec l WHERE l.comite_id = :key AND {}) ORDER BY e.clave", at("e"), at("l"));
    let mut stmt = c.prepare_cached(&sql)?;
    let estandares_lista = stmt
        .query_map(
            rusqlite::named_params! {":key": id, ":run": run},
            ec_summary,
        )?
        .collect::<rusqlite::Result<_>>()?;
    let (first_seen_run, last_seen_run) = seen(c, "comites", "id", &Value::Integer(id), run)?;
    Ok(Some(ComiteDetail {
        retirado,
        summary,
        fecha_integracion,
        direccion,
        colonia,
        codigo_postal,
        municipio,
        telefono,
        telefono_e164,
        url,
        estandares: estandares_lista,
        first_seen_run,
        last_seen_run,
    }))
}
