//! Schema versions by `PRAGMA user_version`. A new database gets
//! `schema.sql` whole (it is always the current schema); an older one gets
//! the append-only migrations from its version on. A test checks that both
//! paths give the same schema.

use rusqlite::Connection;

/// The current schema, for new databases.
const SCHEMA: &str = include_str!("../../schema.sql");

/// `MIGRATIONS[i]` brings a database from version i + 1 to i + 2.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0002_api_keys_audit.sql"),
    include_str!("migrations/0003_certificador_tipo_estado.sql"),
    include_str!("migrations/0004_estandares_conservado.sql"),
    include_str!("migrations/0005_estandares_checks.sql"),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64 + 1;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("the database is at schema version {found}, newer than this binary's {supported}; upgrade renec-harvester (or restore a snapshot made by this version)")]
    TooNew { found: i64, supported: i64 },
    #[error("migration to schema version {version} failed: {source}")]
    Failed {
        version: i64,
        source: rusqlite::Error,
    },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

pub(crate) fn current_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Brings the database to [`SCHEMA_VERSION`], each step in its own transaction.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    let found = current_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(MigrateError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found == 0 {
        let tx = conn.transaction()?;
        tx.execute_batch(SCHEMA)
            .map_err(|source| MigrateError::Failed {
                version: SCHEMA_VERSION,
                source,
            })?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
        return Ok(());
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize - 1) {
        let version = i as i64 + 2;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .map_err(|source| MigrateError::Failed { version, source })?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "database_migrated");
    }
    Ok(())
}

/// Undoes migrations `version + 1..`: what each one added, newest first.
/// Kept beside `MIGRATIONS` so that a new migration adds its undo here.
const UNDO: &[&str] = &[
    "DROP TABLE api_keys; DROP TABLE audit_log;",
    "DROP VIEW v_current_ec_certificador_estado; DROP TABLE ec_certificador_estado;
     ALTER TABLE certificadores DROP COLUMN tipo;",
    "ALTER TABLE estandares DROP COLUMN conservado_de_run;",
    ESTANDARES_V4,
];

/// Version 5's undo: `estandares` as version 4 wrote it (its checks by
/// `IN (…)`), the same rows.
const ESTANDARES_V4: &str = "
    CREATE TEMP TABLE estandares_v5 AS SELECT * FROM estandares;
    DROP TABLE estandares;
    CREATE TABLE estandares (
        row_id INTEGER PRIMARY KEY, clave TEXT NOT NULL, clave_publicada TEXT NOT NULL,
        tipo TEXT NOT NULL CHECK (tipo IN ('vigente', 'inactivo', 'marca', 'historica')),
        clase TEXT NOT NULL CHECK (clase IN ('ec', 'ecm', 'legacy', 'malformed')),
        vigente INTEGER NOT NULL, titulo TEXT, nivel INTEGER, sector_id TEXT, comite_id INTEGER,
        comite_nombre TEXT, id_renec TEXT, source_url TEXT, first_seen_run INTEGER NOT NULL,
        last_seen_run INTEGER NOT NULL, conservado_de_run INTEGER);
    INSERT INTO estandares SELECT * FROM estandares_v5 ORDER BY row_id;
    DROP TABLE estandares_v5;
    CREATE INDEX estandares_key ON estandares(clave, last_seen_run);";

/// Takes a current database back to an older schema version, as the release
/// that wrote that version left it (for upgrade tests; data in the removed
/// tables and columns is lost).
pub fn back_to(conn: &Connection, version: i64) -> rusqlite::Result<()> {
    for (i, sql) in UNDO.iter().enumerate().rev() {
        if i as i64 + 2 > version {
            conn.execute_batch(sql)?;
        }
    }
    conn.pragma_update(None, "user_version", version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_of(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.map(|r| r.unwrap())
            .collect::<Vec<(String, String)>>()
            .into_iter()
            .map(|(n, s)| (n, s.split_whitespace().collect::<Vec<_>>().join(" ")))
            .collect()
    }

    /// The current schema without what migrations `version + 1..` added.
    fn schema_at(version: i64) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        back_to(&conn, version).unwrap();
        conn
    }

    #[test]
    fn every_older_version_migrates_to_the_new_schema() {
        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();
        assert_eq!(current_version(&fresh).unwrap(), SCHEMA_VERSION);
        for version in 1..SCHEMA_VERSION {
            let mut old = schema_at(version);
            assert_ne!(schema_of(&old), schema_of(&fresh), "version {version}");
            migrate(&mut old).unwrap();
            assert_eq!(current_version(&old).unwrap(), SCHEMA_VERSION);
            assert_eq!(schema_of(&old), schema_of(&fresh), "from version {version}");
        }
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut newer = schema_at(SCHEMA_VERSION);
        newer
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        assert!(matches!(
            migrate(&mut newer),
            Err(MigrateError::TooNew { .. })
        ));
    }
}
