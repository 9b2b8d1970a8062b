//! The full-text index of a published run (a write: rebuilt when a run is
//! published or a database restored).

use super::read::at;
use super::Result;
use super::Store;

impl Store {
    /// Rebuilds the search index from the run just published (in its transaction).
    pub fn rebuild_search_index(&self, run: i64) -> Result<()> {
        let conn = &self.conn;
        conn.execute("DELETE FROM search_fts", [])?;
        let inserts = [
        format!(
            "INSERT INTO search_fts (kind, key, title, body)
             SELECT 'ec', e.clave, e.clave || ' ' || coalesce(e.titulo, ''),
                    coalesce(e.comite_nombre, '') || ' ' || coalesce((SELECT nombre FROM sectores s WHERE s.id = e.sector_id AND {}), '') || ' ' ||
                    coalesce((SELECT group_concat(ocupacion, ' · ') FROM ec_ocupacion o WHERE o.ec_clave = e.clave AND {}), '')
             FROM estandares e WHERE {}",
            at("s"),
            at("o"),
            at("e")
        ),
        format!(
            "INSERT INTO search_fts (kind, key, title, body)
             SELECT 'certificador', x.id, x.nombre, coalesce((SELECT group_concat(alias, ' · ') FROM certificador_alias a WHERE a.certificador_id = x.id AND {}), '') || ' ' || coalesce(x.tipo, '')
             FROM certificadores x WHERE {}",
            at("a"),
            at("x")
        ),
        format!("INSERT INTO search_fts (kind, key, title, body) SELECT 'centro', x.id, x.nombre, '' FROM centros x WHERE {}", at("x")),
        format!(
            "INSERT INTO search_fts (kind, key, title, body)
             SELECT 'comite', CAST(x.id AS TEXT), x.nombre, coalesce(x.clave, '') || ' ' || coalesce(x.sector_nombre, '') || ' ' || coalesce(x.estado_raw, '')
             FROM comites x WHERE {}",
            at("x")
        ),
        format!("INSERT INTO search_fts (kind, key, title, body) SELECT 'sector', x.id, x.nombre, '' FROM sectores x WHERE {}", at("x")),
    ];
        for sql in inserts {
            conn.execute(&sql, rusqlite::named_params! {":run": run})?;
        }
        Ok(())
    }
}
