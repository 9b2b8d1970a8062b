//! Reading one run out of SQLite into a [`View`]: one query per table, each
//! with the ledger's "alive in this run" condition; `build` then links and
//! orders what was read.

use super::build::{Raw, RawCert, RawComite, RawEc};
use super::View;
use crate::store::read::at;
use crate::store::Result;
use rusqlite::Connection;

fn rows<T>(
    c: &Connection,
    sql: &str,
    run: i64,
    f: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = c.prepare(sql)?;
    let out = stmt
        .query_map(rusqlite::named_params! {":run": run}, f)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(out)
}

/// Pairs (key, value) of a link table alive in the run.
fn pairs(c: &Connection, sql: &str, run: i64) -> Result<Vec<(String, String)>> {
    rows(c, sql, run, |r| Ok((r.get(0)?, r.get(1)?)))
}

/// First run each key of `table` was seen in (any version).
fn first_seen(c: &Connection, table: &str, key: &str, run: i64) -> Result<Vec<(String, i64)>> {
    rows(
        c,
        &format!("SELECT CAST(t.{key} AS TEXT), min(t.first_seen_run) FROM {table} t WHERE t.{key} IN (SELECT {key} FROM {table} x WHERE {}) GROUP BY t.{key}", at("x")),
        run,
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

pub(super) fn load(c: &Connection, run: i64) -> Result<View> {
    // A read transaction: every table as of one moment.
    c.execute_batch("BEGIN")?;
    let raw = read(c, run);
    c.execute_batch("COMMIT")?;
    Ok(super::build::build(run, raw?))
}

fn read(c: &Connection, run: i64) -> Result<Raw> {
    let ec = rows(
        c,
        &format!(
            "SELECT e.clave, e.titulo, e.nivel, e.tipo, e.vigente, e.sector_id, e.comite_id, e.comite_nombre,
                e.clave_publicada, e.clase, e.id_renec, e.source_url, e.conservado_de_run, e.last_seen_run
             FROM estandares e WHERE {} ORDER BY e.clave",
            at("e")
        ),
        run,
        |r| {
            Ok(RawEc {
                clave: r.get(0)?,
                titulo: r.get(1)?,
                nivel: r.get(2)?,
                tipo: r.get(3)?,
                vigente: r.get(4)?,
                sector_id: r.get(5)?,
                comite_id: r.get(6)?,
                comite_nombre: r.get(7)?,
                clave_publicada: r.get(8)?,
                clase: r.get(9)?,
                id_renec: r.get(10)?,
                source_url: r.get(11)?,
                conservado_de_run: r.get(12)?,
                last_seen_run: r.get(13)?,
            })
        },
    )?;
    let certs = rows(
        c,
        &format!(
            "SELECT x.id, x.nombre, x.tipo, x.last_seen_run FROM certificadores x WHERE {}",
            at("x")
        ),
        run,
        |r| {
            Ok(RawCert {
                id: r.get(0)?,
                nombre: r.get(1)?,
                tipo: r.get(2)?,
                last_seen_run: r.get(3)?,
            })
        },
    )?;
    let comites = rows(
        c,
        &format!(
            "SELECT x.id, x.clave, x.nombre, x.sector_nombre, x.estado_inegi, x.estado_raw,
                x.fecha_integracion, x.calle_numero, x.colonia, x.codigo_postal, x.municipio,
                x.telefono_raw, x.telefono_e164, x.url, x.last_seen_run
             FROM comites x WHERE {}",
            at("x")
        ),
        run,
        |r| {
            Ok(RawComite {
                id: r.get(0)?,
                clave: r.get(1)?,
                nombre: r.get(2)?,
                sector: r.get(3)?,
                estado_inegi: r.get(4)?,
                estado_raw: r.get(5)?,
                fecha_integracion: r.get(6)?,
                direccion: r.get(7)?,
                colonia: r.get(8)?,
                codigo_postal: r.get(9)?,
                municipio: r.get(10)?,
                telefono: r.get(11)?,
                telefono_e164: r.get(12)?,
                url: r.get(13)?,
                last_seen_run: r.get(14)?,
            })
        },
    )?;
    Ok(Raw {
        counts: crate::store::stats::counts_at(c, run)?,
        ec,
        ec_first: first_seen(c, "estandares", "clave", run)?,
        certs,
        cert_first: first_seen(c, "certificadores", "id", run)?,
        comites,
        comite_first: first_seen(c, "comites", "id", run)?,
        centros: rows(
            c,
            &format!(
                "SELECT x.id, x.nombre, x.last_seen_run FROM centros x WHERE {}",
                at("x")
            ),
            run,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?,
        centro_first: first_seen(c, "centros", "id", run)?,
        sectores: rows(
            c,
            &format!(
                "SELECT x.id, x.nombre, x.id_renec FROM sectores x WHERE {}",
                at("x")
            ),
            run,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?,
        ec_cert: pairs(
            c,
            &format!(
                "SELECT l.ec_clave, l.certificador_id FROM ec_certificador l WHERE {}",
                at("l")
            ),
            run,
        )?,
        ec_cert_estado: rows(
            c,
            &format!(
                "SELECT s.ec_clave, s.certificador_id, s.estado_inegi FROM ec_certificador_estado s WHERE {}",
                at("s")
            ),
            run,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?,
        ec_centro: pairs(
            c,
            &format!(
                "SELECT l.ec_clave, l.centro_id FROM ec_centro l WHERE {}",
                at("l")
            ),
            run,
        )?,
        comite_ec: rows(
            c,
            &format!(
                "SELECT l.comite_id, l.ec_clave FROM comite_ec l WHERE {}",
                at("l")
            ),
            run,
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?,
        ocupaciones: pairs(
            c,
            &format!(
                "SELECT l.ec_clave, l.ocupacion FROM ec_ocupacion l WHERE {} ORDER BY l.ocupacion",
                at("l")
            ),
            run,
        )?,
        miembros: pairs(
            c,
            &format!(
                "SELECT l.ec_clave, l.institucion FROM ec_comite_miembro l WHERE {} ORDER BY l.row_id",
                at("l")
            ),
            run,
        )?,
        aliases: pairs(
            c,
            &format!(
                "SELECT l.certificador_id, l.alias FROM certificador_alias l WHERE {} ORDER BY l.alias",
                at("l")
            ),
            run,
        )?,
    })
}
