//! The ledger: one row per version of every entity and link, with the first
//! and last run that saw it. Writing run R for a record whose latest
//! version (seen in the basis run or later) has the same values extends
//! that version to R; otherwise a new version starts at R. The rows of run
//! R are those with first_seen_run <= R <= last_seen_run.

use super::Result;
use super::Store;
use crate::model::{Dataset, Shared};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};
use std::collections::{HashMap, HashSet};

/// A ledger table: its key columns, then its value columns.
pub struct LedgerTable {
    pub name: &'static str,
    pub keys: &'static [&'static str],
    pub values: &'static [&'static str],
}

pub const SECTORES: LedgerTable = LedgerTable {
    name: "sectores",
    keys: &["id"],
    values: &["nombre", "id_renec"],
};
pub const ESTANDARES: LedgerTable = LedgerTable {
    name: "estandares",
    keys: &["clave"],
    values: &[
        "clave_publicada",
        "tipo",
        "clase",
        "vigente",
        "titulo",
        "nivel",
        "sector_id",
        "comite_id",
        "comite_nombre",
        "id_renec",
        "source_url",
        "conservado_de_run",
    ],
};
pub const COMITES: LedgerTable = LedgerTable {
    name: "comites",
    keys: &["id"],
    values: &[
        "clave",
        "nombre",
        "nombre_publicado",
        "sector_id_renec",
        "sector_nombre",
        "fecha_integracion",
        "calle_numero",
        "colonia",
        "codigo_postal",
        "codigo_postal_raw",
        "municipio",
        "estado_inegi",
        "estado_raw",
        "telefono_e164",
        "telefono_raw",
        "url",
        "presidente",
        "vicepresidente",
        "puesto_presidente",
        "puesto_vicepresidente",
        "contacto",
        "correo",
    ],
};
pub const CERTIFICADORES: LedgerTable = LedgerTable {
    name: "certificadores",
    keys: &["id"],
    values: &["nombre", "nombre_key", "tipo"],
};
pub const CERTIFICADOR_ALIAS: LedgerTable = LedgerTable {
    name: "certificador_alias",
    keys: &["certificador_id", "alias"],
    values: &[],
};
pub const CENTROS: LedgerTable = LedgerTable {
    name: "centros",
    keys: &["id"],
    values: &["nombre"],
};
pub const EC_CERTIFICADOR: LedgerTable = LedgerTable {
    name: "ec_certificador",
    keys: &["ec_clave", "certificador_id"],
    values: &[],
};
pub const EC_CERTIFICADOR_ESTADO: LedgerTable = LedgerTable {
    name: "ec_certificador_estado",
    keys: &["ec_clave", "certificador_id", "estado_inegi"],
    values: &[],
};
pub const EC_CENTRO: LedgerTable = LedgerTable {
    name: "ec_centro",
    keys: &["ec_clave", "centro_id"],
    values: &[],
};
pub const EC_OCUPACION: LedgerTable = LedgerTable {
    name: "ec_ocupacion",
    keys: &["ec_clave", "ocupacion"],
    values: &[],
};
pub const EC_COMITE_MIEMBRO: LedgerTable = LedgerTable {
    name: "ec_comite_miembro",
    keys: &["ec_clave", "institucion"],
    values: &[],
};
pub const COMITE_EC: LedgerTable = LedgerTable {
    name: "comite_ec",
    keys: &["comite_id", "ec_clave"],
    values: &[],
};
pub const LEGACY_PAGES: LedgerTable = LedgerTable {
    name: "legacy_pages",
    keys: &["url"],
    values: &["titulo", "status", "content_sha256", "links_json"],
};

/// Every ledger table, in the order they are written.
pub const TABLES: [&LedgerTable; 13] = [
    &SECTORES,
    &ESTANDARES,
    &COMITES,
    &CERTIFICADORES,
    &CERTIFICADOR_ALIAS,
    &CENTROS,
    &EC_CERTIFICADOR,
    &EC_CERTIFICADOR_ESTADO,
    &EC_CENTRO,
    &EC_OCUPACION,
    &EC_COMITE_MIEMBRO,
    &COMITE_EC,
    &LEGACY_PAGES,
];

impl LedgerTable {
    /// Every column of a version as copied elsewhere (PostgreSQL, a read
    /// node's load): its id, key and value columns, first and last run.
    pub fn versioned_columns(&self) -> Vec<String> {
        std::iter::once("row_id")
            .chain(self.keys.iter().copied())
            .chain(self.values.iter().copied())
            .chain(["first_seen_run", "last_seen_run"])
            .map(String::from)
            .collect()
    }
}

/// What writing one table did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteStats {
    pub rows: usize,
    pub inserted: usize,
    pub extended: usize,
    pub duplicates: usize,
}

fn key_text(values: &[Value]) -> String {
    let mut s = String::new();
    for v in values {
        match v {
            Value::Null => s.push('\u{0}'),
            Value::Integer(i) => s.push_str(&i.to_string()),
            Value::Real(f) => s.push_str(&f.to_string()),
            Value::Text(t) => s.push_str(t),
            Value::Blob(b) => s.push_str(&hex::encode(b)),
        }
        s.push('\u{1f}');
    }
    s
}

/// Writes one run's rows (keys then values) of one table. Rows repeating a
/// key already written in this call are counted as duplicates and skipped.
pub(crate) fn write_table(
    conn: &Connection,
    t: &LedgerTable,
    rows: impl IntoIterator<Item = Vec<Value>>,
    run: i64,
    basis: Option<i64>,
) -> Result<WriteStats> {
    let rows = rows.into_iter();
    let nk = t.keys.len();
    let cols: Vec<&str> = t.keys.iter().chain(t.values.iter()).copied().collect();
    // Candidates: versions seen in the basis run or later (or in this run, when resuming).
    let threshold = basis.map_or(run, |b| b.min(run));
    let sql = format!(
        "SELECT row_id, last_seen_run, {} FROM {} WHERE last_seen_run >= ?1",
        cols.join(", "),
        t.name
    );
    let mut candidates: HashMap<String, Vec<(i64, i64, Vec<Value>)>> = HashMap::new();
    {
        let mut stmt = conn.prepare(&sql)?;
        let mut q = stmt.query([threshold])?;
        while let Some(r) = q.next()? {
            let row_id: i64 = r.get(0)?;
            let last: i64 = r.get(1)?;
            let vals: Vec<Value> = (0..cols.len())
                .map(|i| r.get(i + 2))
                .collect::<rusqlite::Result<_>>()?;
            let key = key_text(&vals[..nk]);
            candidates
                .entry(key)
                .or_default()
                .push((row_id, last, vals[nk..].to_vec()));
        }
    }
    let insert_sql = format!(
        "INSERT INTO {} ({}, first_seen_run, last_seen_run) VALUES ({}, ?{}, ?{})",
        t.name,
        cols.join(", "),
        (1..=cols.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", "),
        cols.len() + 1,
        cols.len() + 1,
    );
    let mut insert = conn.prepare_cached(&insert_sql)?;
    let mut extend = conn.prepare_cached(&format!(
        "UPDATE {} SET last_seen_run = ?1 WHERE row_id = ?2",
        t.name
    ))?;
    let mut stats = WriteStats::default();
    let mut seen: HashSet<String> = HashSet::with_capacity(rows.size_hint().0);
    for mut row in rows {
        let key = key_text(&row[..nk]);
        if !seen.insert(key.clone()) {
            stats.duplicates += 1;
            continue;
        }
        stats.rows += 1;
        let same = candidates.get(&key).and_then(|versions| {
            versions
                .iter()
                .rev()
                .find(|(_, _, vals)| vals[..] == row[nk..])
        });
        match same {
            Some((_, last, _)) if *last == run => {}
            Some((row_id, _, _)) => {
                extend.execute(rusqlite::params![run, row_id])?;
                stats.extended += 1;
            }
            None => {
                row.push(Value::Integer(run));
                insert.execute(params_from_iter(row.iter()))?;
                stats.inserted += 1;
            }
        }
    }
    Ok(stats)
}

fn text(v: &Option<String>) -> Value {
    v.clone().map_or(Value::Null, Value::Text)
}

/// A value of a link row, as written.
trait LinkValue {
    fn value(&self) -> Value;
}

impl LinkValue for i64 {
    fn value(&self) -> Value {
        Value::Integer(*self)
    }
}

impl LinkValue for Shared {
    fn value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl LinkValue for &'static str {
    fn value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

fn pair_rows<A: LinkValue, B: LinkValue>(pairs: &[(A, B)]) -> Rows<'_> {
    Box::new(pairs.iter().map(|(a, b)| vec![a.value(), b.value()]))
}

/// A table's rows, made one at a time as they are written (all of a large
/// run's rows at once weighed more than the dataset itself).
pub(crate) type Rows<'a> = Box<dyn Iterator<Item = Vec<Value>> + 'a>;

/// The rows of every ledger table for a dataset, in [`TABLES`] order.
pub(crate) fn dataset_rows(d: &Dataset) -> Vec<(&'static LedgerTable, Rows<'_>)> {
    let sectores: Rows = Box::new(d.sectores.iter().map(|s| {
        vec![
            s.id.clone().into(),
            s.nombre.clone().into(),
            text(&s.id_renec),
        ]
    }));
    let estandares: Rows = Box::new(d.estandares.iter().map(|e| {
        vec![
            e.clave.clone().into(),
            e.clave_publicada.clone().into(),
            e.tipo.as_str().to_string().into(),
            e.clase.to_string().into(),
            Value::Integer(i64::from(e.tipo == crate::model::Tipo::Vigente)),
            text(&e.titulo),
            e.nivel.map_or(Value::Null, Value::Integer),
            text(&e.sector_id),
            e.comite_id.map_or(Value::Null, Value::Integer),
            text(&e.comite_nombre),
            text(&e.id_renec),
            e.source_url.clone().into(),
            e.conservado_de_run.map_or(Value::Null, Value::Integer),
        ]
    }));
    let comites: Rows = Box::new(d.comites.iter().map(|c| {
        vec![
            Value::Integer(c.id),
            text(&c.clave),
            c.nombre.clone().into(),
            text(&c.nombre_publicado),
            text(&c.sector_id_renec),
            text(&c.sector_nombre),
            text(&c.fecha_integracion),
            text(&c.calle_numero),
            text(&c.colonia),
            text(&c.codigo_postal),
            text(&c.codigo_postal_raw),
            text(&c.municipio),
            text(&c.estado_inegi),
            text(&c.estado_raw),
            text(&c.telefono_e164),
            text(&c.telefono_raw),
            text(&c.url),
            text(&c.presidente),
            text(&c.vicepresidente),
            text(&c.puesto_presidente),
            text(&c.puesto_vicepresidente),
            text(&c.contacto),
            text(&c.correo),
        ]
    }));
    let certificadores: Rows = Box::new(d.certificadores.iter().map(|c| {
        vec![
            c.id.clone().into(),
            c.nombre.clone().into(),
            c.nombre_key.clone().into(),
            text(&c.tipo),
        ]
    }));
    let centros: Rows = Box::new(
        d.centros
            .iter()
            .map(|c| vec![c.id.clone().into(), c.nombre.clone().into()]),
    );
    let legacy: Rows = Box::new(d.legacy_pages.iter().map(|p| {
        vec![
            p.url.clone().into(),
            text(&p.titulo),
            Value::Integer(p.status),
            text(&p.content_sha256),
            serde_json::to_string(&p.links)
                .expect("strings serialize")
                .into(),
        ]
    }));
    vec![
        (&SECTORES, sectores),
        (&ESTANDARES, estandares),
        (&COMITES, comites),
        (&CERTIFICADORES, certificadores),
        (&CERTIFICADOR_ALIAS, pair_rows(&d.certificador_alias)),
        (&CENTROS, centros),
        (&EC_CERTIFICADOR, pair_rows(&d.ec_certificador)),
        (
            &EC_CERTIFICADOR_ESTADO,
            Box::new(
                d.ec_certificador_estado
                    .iter()
                    .map(|(e, c, s)| vec![e.value(), c.value(), s.value()]),
            ),
        ),
        (&EC_CENTRO, pair_rows(&d.ec_centro)),
        (&EC_OCUPACION, pair_rows(&d.ec_ocupacion)),
        (&EC_COMITE_MIEMBRO, pair_rows(&d.ec_comite_miembro)),
        (&COMITE_EC, pair_rows(&d.comite_ec)),
        (&LEGACY_PAGES, legacy),
    ]
}

impl Store {
    /// Per standard code, the fields of run `run` that only the catalogue
    /// publishes (see [`crate::model::KnownFields`]).
    pub fn known_standard_fields(
        &self,
        run: i64,
    ) -> Result<std::collections::HashMap<String, crate::model::KnownFields>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT clave, nivel, sector_id, comite_id, comite_nombre, conservado_de_run FROM estandares WHERE first_seen_run <= ?1 AND last_seen_run >= ?1",
        )?;
        let rows = stmt.query_map([run], |r| {
            Ok((
                r.get::<_, String>(0)?,
                crate::model::KnownFields {
                    nivel: r.get(1)?,
                    sector_id: r.get(2)?,
                    comite_id: r.get(3)?,
                    comite_nombre: r.get(4)?,
                    conservado_de_run: r.get(5)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Writes a whole dataset for run `run`; returns what each table did.
    pub fn write_dataset(
        &self,
        d: &Dataset,
        run: i64,
        basis: Option<i64>,
    ) -> Result<Vec<(&'static str, WriteStats)>> {
        let conn = &self.conn;
        dataset_rows(d)
            .into_iter()
            .map(|(t, rows)| Ok((t.name, write_table(conn, t, rows, run, basis)?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn rows(items: &[(&str, &str)]) -> Vec<Vec<Value>> {
        items
            .iter()
            .map(|(k, v)| vec![k.to_string().into(), v.to_string().into(), Value::Null])
            .collect()
    }

    fn visible_at(store: &Store, run: i64) -> Vec<(String, String)> {
        let mut stmt = store
            .conn
            .prepare("SELECT id, nombre FROM sectores WHERE first_seen_run <= ?1 AND last_seen_run >= ?1 ORDER BY id")
            .unwrap();
        stmt.query_map([run], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    #[test]
    fn versions_extend_change_and_disappear() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("l.sqlite3")).unwrap();
        for r in 1..=4 {
            store.conn.execute(
                "INSERT INTO runs (id, status, started_at, binary_version, source_url) VALUES (?1, 'published', 'x', 'x', 'x')",
                [r],
            ).unwrap();
        }
        let c = &store.conn;
        let s1 = write_table(
            c,
            &SECTORES,
            rows(&[("a", "Agua"), ("b", "Bosque")]),
            1,
            None,
        )
        .unwrap();
        assert_eq!((s1.inserted, s1.extended), (2, 0));
        // Run 2: a unchanged, b renamed, c new.
        let s2 = write_table(
            c,
            &SECTORES,
            rows(&[("a", "Agua"), ("b", "Bosques"), ("c", "Costa")]),
            2,
            Some(1),
        )
        .unwrap();
        assert_eq!((s2.inserted, s2.extended), (2, 1));
        // Run 3: a gone, c repeated in the same run.
        let s3 = write_table(
            c,
            &SECTORES,
            rows(&[("b", "Bosques"), ("c", "Costa"), ("c", "Costa")]),
            3,
            Some(2),
        )
        .unwrap();
        assert_eq!(
            (s3.rows, s3.duplicates, s3.extended, s3.inserted),
            (2, 1, 2, 0)
        );
        // Run 4: a comes back: a new version, not a stretch over its absence.
        write_table(c, &SECTORES, rows(&[("a", "Agua")]), 4, Some(3)).unwrap();
        // Writing the same run twice (a resumed run) changes nothing.
        let again = write_table(c, &SECTORES, rows(&[("a", "Agua")]), 4, Some(3)).unwrap();
        assert_eq!((again.inserted, again.extended), (0, 0));

        let pairs = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            visible_at(&store, 1),
            pairs(&[("a", "Agua"), ("b", "Bosque")])
        );
        assert_eq!(
            visible_at(&store, 2),
            pairs(&[("a", "Agua"), ("b", "Bosques"), ("c", "Costa")])
        );
        assert_eq!(
            visible_at(&store, 3),
            pairs(&[("b", "Bosques"), ("c", "Costa")])
        );
        assert_eq!(visible_at(&store, 4), pairs(&[("a", "Agua")]));
        let versions_of_a: i64 = c
            .query_row("SELECT count(*) FROM sectores WHERE id = 'a'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(versions_of_a, 2);
    }
}
