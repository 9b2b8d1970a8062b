//! Counts of a run, and the queries behind the quality checks.

use super::ledger::TABLES;
use super::{Result, Store};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Entity and link counts as of one run, with the keys `stats --json` prints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub estandares_vigentes: i64,
    pub estandares_inactivos: i64,
    pub estandares_marca: i64,
    pub calificaciones_historicas: i64,
    pub certificadores: i64,
    pub centros: i64,
    pub comites: i64,
    pub sectores: i64,
    pub ec_certificador: i64,
    pub ec_centro: i64,
    pub ec_ocupacion: i64,
    pub ec_comite_miembro: i64,
    pub comite_ec: i64,
    pub legacy_pages: i64,
}

impl Counts {
    /// (name, value) pairs, for comparisons between runs.
    pub fn entries(&self) -> Vec<(&'static str, i64)> {
        vec![
            ("estandares_vigentes", self.estandares_vigentes),
            ("estandares_inactivos", self.estandares_inactivos),
            ("estandares_marca", self.estandares_marca),
            ("calificaciones_historicas", self.calificaciones_historicas),
            ("certificadores", self.certificadores),
            ("centros", self.centros),
            ("comites", self.comites),
            ("sectores", self.sectores),
            ("ec_certificador", self.ec_certificador),
            ("ec_centro", self.ec_centro),
            ("ec_ocupacion", self.ec_ocupacion),
            ("ec_comite_miembro", self.ec_comite_miembro),
            ("comite_ec", self.comite_ec),
            ("legacy_pages", self.legacy_pages),
        ]
    }
}

const AT: &str = "first_seen_run <= ?1 AND last_seen_run >= ?1";

fn count(conn: &Connection, table: &str, extra: &str, run: i64) -> Result<i64> {
    let sql = format!("SELECT count(*) FROM {table} WHERE {AT} {extra}");
    Ok(conn.query_row(&sql, [run], |r| r.get(0))?)
}

pub(crate) fn counts_at(conn: &Connection, run: i64) -> Result<Counts> {
    Ok(Counts {
        estandares_vigentes: count(conn, "estandares", "AND tipo = 'vigente'", run)?,
        estandares_inactivos: count(conn, "estandares", "AND tipo = 'inactivo'", run)?,
        estandares_marca: count(conn, "estandares", "AND tipo = 'marca'", run)?,
        calificaciones_historicas: count(conn, "estandares", "AND tipo = 'historica'", run)?,
        certificadores: count(conn, "certificadores", "", run)?,
        centros: count(conn, "centros", "", run)?,
        comites: count(conn, "comites", "", run)?,
        sectores: count(conn, "sectores", "", run)?,
        ec_certificador: count(conn, "ec_certificador", "", run)?,
        ec_centro: count(conn, "ec_centro", "", run)?,
        ec_ocupacion: count(conn, "ec_ocupacion", "", run)?,
        ec_comite_miembro: count(conn, "ec_comite_miembro", "", run)?,
        comite_ec: count(conn, "comite_ec", "", run)?,
        legacy_pages: count(conn, "legacy_pages", "", run)?,
    })
}

impl Store {
    /// Keys that have more than one row as of `run`, per table.
    pub fn duplicate_keys_at(&self, run: i64) -> Result<BTreeMap<&'static str, i64>> {
        let conn = &self.conn;
        let mut out = BTreeMap::new();
        for t in TABLES {
            let keys = t.keys.join(", ");
            let sql = format!(
            "SELECT count(*) FROM (SELECT 1 FROM {} WHERE {AT} GROUP BY {keys} HAVING count(*) > 1)",
            t.name
        );
            let n: i64 = conn.query_row(&sql, [run], |r| r.get(0))?;
            if n > 0 {
                out.insert(t.name, n);
            }
        }
        Ok(out)
    }

    /// Links as of `run` whose ends are not present as of `run`, per link end.
    pub fn dangling_links_at(&self, run: i64) -> Result<BTreeMap<&'static str, i64>> {
        let conn = &self.conn;
        // Each end's keys as of the run are read once into a temporary index
        // (`NOT IN` a subquery that does not depend on the row); a
        // correlated `NOT EXISTS` searched the table's index and then its
        // row for every link, twice as slow. Every key column is NOT NULL,
        // so `NOT IN` counts what `NOT EXISTS` would.
        let checks: [(&str, &str); 9] = [
        ("ec_certificador.ec_clave", "SELECT count(*) FROM ec_certificador l WHERE {L} AND l.ec_clave NOT IN (SELECT e.clave FROM estandares e WHERE {E})"),
        ("ec_certificador.certificador_id", "SELECT count(*) FROM ec_certificador l WHERE {L} AND l.certificador_id NOT IN (SELECT e.id FROM certificadores e WHERE {E})"),
        ("ec_certificador_estado", "SELECT count(*) FROM ec_certificador_estado l WHERE {L} AND (l.ec_clave, l.certificador_id) NOT IN (SELECT e.ec_clave, e.certificador_id FROM ec_certificador e WHERE {E})"),
        ("ec_centro.ec_clave", "SELECT count(*) FROM ec_centro l WHERE {L} AND l.ec_clave NOT IN (SELECT e.clave FROM estandares e WHERE {E})"),
        ("ec_centro.centro_id", "SELECT count(*) FROM ec_centro l WHERE {L} AND l.centro_id NOT IN (SELECT e.id FROM centros e WHERE {E})"),
        ("ec_ocupacion.ec_clave", "SELECT count(*) FROM ec_ocupacion l WHERE {L} AND l.ec_clave NOT IN (SELECT e.clave FROM estandares e WHERE {E})"),
        ("ec_comite_miembro.ec_clave", "SELECT count(*) FROM ec_comite_miembro l WHERE {L} AND l.ec_clave NOT IN (SELECT e.clave FROM estandares e WHERE {E})"),
        ("comite_ec.comite_id", "SELECT count(*) FROM comite_ec l WHERE {L} AND l.comite_id NOT IN (SELECT e.id FROM comites e WHERE {E})"),
        ("comite_ec.ec_clave", "SELECT count(*) FROM comite_ec l WHERE {L} AND l.ec_clave NOT IN (SELECT e.clave FROM estandares e WHERE {E})"),
    ];
        let mut out = BTreeMap::new();
        for (name, template) in checks {
            let sql = template
                .replace("{L}", "l.first_seen_run <= ?1 AND l.last_seen_run >= ?1")
                .replace("{E}", "e.first_seen_run <= ?1 AND e.last_seen_run >= ?1");
            let n: i64 = conn.query_row(&sql, [run], |r| r.get(0))?;
            if n > 0 {
                out.insert(name, n);
            }
        }
        Ok(out)
    }
}

impl Store {
    /// Counts as of the last published run (zeros when none).
    pub fn current_counts(&self) -> Result<Counts> {
        match self.last_published_run()? {
            Some(run) => counts_at(&self.conn, run),
            None => Ok(Counts::default()),
        }
    }

    pub fn counts_at(&self, run: i64) -> Result<Counts> {
        counts_at(&self.conn, run)
    }

    /// Data issues of a run by problem.
    pub fn issue_summary(&self, run: i64) -> Result<BTreeMap<String, i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT source || ': ' || problem, count(*) FROM data_issues WHERE run_id = ?1 GROUP BY 1 ORDER BY 1")?;
        let rows = stmt.query_map([run], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Distinct values of one column of a table as of the published run (for tests and checks).
    pub fn current_values(&self, view: &str, column: &str) -> Result<Vec<String>> {
        let allowed = TABLES
            .iter()
            .any(|t| view == format!("v_current_{}", t.name));
        if !allowed
            || !column
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare(&format!(
            "SELECT DISTINCT CAST({column} AS TEXT) FROM {view} ORDER BY 1"
        ))?;
        let rows = stmt.query_map([], |r| r.get::<_, Option<String>>(0))?;
        Ok(rows.filter_map(|r| r.ok().flatten()).collect())
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    #[test]
    fn dangling_links_count_each_end_missing_as_of_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("d.sqlite3")).unwrap();
        let c = &store.conn;
        let sql = [
            "INSERT INTO runs (id, status, started_at, binary_version, source_url) VALUES (1, 'published', 'x', 'x', 'x'), (2, 'published', 'x', 'x', 'x')",
            // EC1 stays; EC2 left after run 1. C1 stays. Committee 7 stays.
            "INSERT INTO estandares (clave, clave_publicada, tipo, clase, vigente, first_seen_run, last_seen_run) VALUES ('EC1', 'EC1', 'vigente', 'ec', 1, 1, 2), ('EC2', 'EC2', 'vigente', 'ec', 1, 1, 1)",
            "INSERT INTO certificadores (id, nombre, nombre_key, first_seen_run, last_seen_run) VALUES ('c1', 'C1', 'c1', 1, 2)",
            "INSERT INTO comites (id, nombre, first_seen_run, last_seen_run) VALUES (7, 'Comité 7', 1, 2)",
            // Run 2: EC2 is gone (1 dangling standard), c9 was never there
            // (1 dangling certifier); an old link of run 1 only counts in run 1.
            "INSERT INTO ec_certificador (ec_clave, certificador_id, first_seen_run, last_seen_run) VALUES ('EC1', 'c1', 1, 2), ('EC2', 'c1', 2, 2), ('EC1', 'c9', 2, 2), ('EC3', 'c1', 1, 1)",
            // (EC1, c9) is a link of run 2, (EC2, c9) is not.
            "INSERT INTO ec_certificador_estado (ec_clave, certificador_id, estado_inegi, first_seen_run, last_seen_run) VALUES ('EC1', 'c9', '09', 2, 2), ('EC2', 'c9', '09', 2, 2)",
            "INSERT INTO comite_ec (comite_id, ec_clave, first_seen_run, last_seen_run) VALUES (7, 'EC1', 1, 2), (8, 'EC1', 2, 2), (7, 'EC2', 2, 2)",
        ];
        for s in sql {
            c.execute(s, []).unwrap();
        }
        let at2: Vec<(&str, i64)> = store.dangling_links_at(2).unwrap().into_iter().collect();
        assert_eq!(
            at2,
            [
                ("comite_ec.comite_id", 1),
                ("comite_ec.ec_clave", 1),
                ("ec_certificador.certificador_id", 1),
                ("ec_certificador.ec_clave", 1),
                ("ec_certificador_estado", 1),
            ]
        );
        let at1: Vec<(&str, i64)> = store.dangling_links_at(1).unwrap().into_iter().collect();
        assert_eq!(at1, [("ec_certificador.ec_clave", 1)]);
    }
}
