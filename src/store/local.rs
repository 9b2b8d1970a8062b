//! The machine's own state, kept apart from the harvested data in
//! `DATA_DIR/local.sqlite3`: API keys, the audit log, and what the
//! scheduler remembers (when each job last ran, the configuration seen at
//! the last start). Snapshots and bundles copy the data database only, so
//! a restore or an imported bundle never brings back a revoked key, never
//! deletes a key or an audit row made since, and never hands one machine's
//! keys to another; and since the harvest never writes here, a key check or
//! an audit row never waits behind a harvest's write lock.

use super::{Result, StoreError};
use rusqlite::{Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The local store's schema, created when missing (`user_version` 1).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'read')),
    prefix       TEXT NOT NULL UNIQUE,
    salt         TEXT NOT NULL,
    hash         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT,
    last_used_at TEXT
);
CREATE TABLE IF NOT EXISTS audit_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    event        TEXT NOT NULL,
    actor        TEXT,
    client_ip    TEXT,
    outcome      TEXT NOT NULL,
    details_json TEXT
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log(at);
CREATE TABLE IF NOT EXISTS local_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
PRAGMA user_version = 1;
";

/// Keys, audit and scheduler state of this machine.
pub struct LocalStore {
    pub(crate) conn: Connection,
}

/// Where the local store of a data directory lives.
pub fn local_path(data_dir: &Path) -> PathBuf {
    data_dir.join("local.sqlite3")
}

impl LocalStore {
    /// Opens (creating if needed) the local store of `data_dir`. Keys and
    /// audit rows that an older version kept in the data database
    /// (`data_db`) move here the first time.
    pub fn open(data_dir: &Path, data_db: &Path) -> Result<LocalStore> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::CreateDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = local_path(data_dir);
        let conn = Connection::open(&path).map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA)?;
        let local = LocalStore { conn };
        local.adopt_from(data_db)?;
        Ok(local)
    }

    /// The local store of a configuration's data directory.
    pub fn for_config(cfg: &crate::config::Config) -> Result<LocalStore> {
        LocalStore::open(&cfg.data_dir, &cfg.sqlite_path())
    }

    /// Moves keys and audit rows out of a data database of an older version.
    fn adopt_from(&self, data_db: &Path) -> Result<()> {
        if !data_db.exists() || self.count("api_keys")? + self.count("audit_log")? > 0 {
            return Ok(());
        }
        self.conn
            .execute("ATTACH DATABASE ?1 AS data", [data_db.to_string_lossy()])?;
        let moved = (|| -> Result<()> {
            let has = |t: &str| -> Result<bool> {
                Ok(self
                    .conn
                    .query_row(
                        "SELECT 1 FROM data.sqlite_master WHERE type = 'table' AND name = ?1",
                        [t],
                        |_| Ok(()),
                    )
                    .optional()?
                    .is_some())
            };
            if !has("api_keys")? || !has("audit_log")? {
                return Ok(());
            }
            self.conn.execute_batch(
                "BEGIN;
                 INSERT INTO main.api_keys SELECT id, name, role, prefix, salt, hash, created_at, revoked_at, last_used_at FROM data.api_keys;
                 INSERT INTO main.audit_log SELECT id, at, event, actor, client_ip, outcome, details_json FROM data.audit_log;
                 COMMIT;
                 DELETE FROM data.api_keys;
                 DELETE FROM data.audit_log;",
            )?;
            Ok(())
        })();
        let _ = self.conn.execute_batch("DETACH DATABASE data");
        moved
    }

    fn count(&self, table: &str) -> Result<i64> {
        Ok(self
            .conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
    }

    /// The highest run id this machine ever gave (0: none yet).
    pub fn issued_run_id(&self) -> Result<i64> {
        Ok(self
            .state("highest_run_id")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Remembers that run `id` was given.
    pub fn record_run_id(&self, id: i64) -> Result<()> {
        if id > self.issued_run_id()? {
            self.set_state("highest_run_id", &id.to_string())?;
        }
        Ok(())
    }

    /// A value this machine remembers (`job_last_run:harvest`, …).
    pub fn state(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM local_state WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_state(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO local_state (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_audit_of_an_older_version_move_out_of_the_data_database() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("renec.sqlite3");
        let data = crate::store::Store::open(&db).unwrap();
        data.conn
            .execute_batch(
                "INSERT INTO api_keys (name, role, prefix, salt, hash, created_at) VALUES ('ops', 'admin', 'abcd', 's', 'h', 'x');
                 INSERT INTO audit_log (at, event, outcome) VALUES ('x', 'apikey_create', 'ok');",
            )
            .unwrap();
        let local = LocalStore::open(dir.path(), &db).unwrap();
        assert_eq!(local.list_keys().unwrap()[0].name, "ops");
        assert_eq!(local.audit_entries(10, 0).unwrap().1, 1);
        let left: i64 = data
            .conn
            .query_row("SELECT count(*) FROM api_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "snapshots of the data database carry no key");
        // Opening again moves nothing twice.
        drop(local);
        let again = LocalStore::open(dir.path(), &db).unwrap();
        assert_eq!(again.list_keys().unwrap().len(), 1);
    }
}
