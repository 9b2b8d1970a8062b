//! Schema migrations by `PRAGMA user_version`: append-only, compiled in.
//! Migration N (1-based) brings a database from version N-1 to N.

use rusqlite::Connection;

/// Version 1 is `schema.sql` itself; later migrations are appended here.
const MIGRATIONS: &[&str] = &[include_str!("../../schema.sql")];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

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

pub fn current_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Brings the database to [`SCHEMA_VERSION`], each step in its own transaction.
pub fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    let found = current_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(MigrateError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = i as i64 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .map_err(|source| MigrateError::Failed { version, source })?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}
