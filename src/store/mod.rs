//! All SQL lives here; only this module knows table names. The rest of the
//! program calls methods on [`Store`] (one connection; `in_transaction`
//! hands the same `&Store` to a closure whose writes commit together) or,
//! for the API's reads, on [`read::ReadStore`]. Each file adds the methods
//! of one concern to `Store`:
//!
//! - `migrate`: schema versions (append-only migrations)
//! - `runs`: the run ledger and state remembered between runs
//! - `pages`: raw bodies, the HTTP cache, checkpoints and request events
//! - `ledger`: entities and links with first/last seen runs
//! - `stats`: counts and the quality checks' queries
//! - `diff`: what changed between runs, and histories
//! - `search_index`: the full-text index of the published run
//! - `keys`: API keys and the audit log, on the machine's [`local::LocalStore`]
//!   (`local.sqlite3`, never in snapshots)
//! - `maintenance`: pruning, compaction, copies and facts of database files
//! - `read/`: the API's read-only queries, one file per entity
//! - `postgres/`: PostgreSQL for production: sync and read nodes' loads

pub mod diff;
pub mod keys;
pub mod ledger;
pub mod local;
pub mod maintenance;
pub mod migrate;
pub mod pages;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod read;
pub mod runs;
pub mod search_index;
pub mod stats;
pub mod view;

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(transparent)]
    Migrate(#[from] migrate::MigrateError),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored page {0} cannot be read: {1}")]
    Snapshot(String, String),
    /// The in-memory view does not hold this answer (another run, a retired
    /// key, a read it does not cover): the database answers instead.
    #[error("not in the in-memory view")]
    NotInMemory,
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The SQLite store: one connection, WAL, foreign keys on.
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let mut conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate::migrate(&mut conn)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing database without creating it (for read commands).
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::Open {
                path: path.to_path_buf(),
                source: rusqlite::Error::InvalidPath(path.to_path_buf()),
            });
        }
        Store::open(path)
    }

    /// Starts a batch of writes that `commit_batch` makes durable together
    /// (page checkpoints are committed in batches during a harvest).
    pub fn begin_batch(&self) -> Result<()> {
        Ok(self.conn.execute_batch("BEGIN IMMEDIATE")?)
    }

    pub fn commit_batch(&self) -> Result<()> {
        Ok(self.conn.execute_batch("COMMIT")?)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one transaction (the store's own methods, on the same
    /// connection), committed only if it succeeds; an error or a panic rolls
    /// it back.
    pub fn in_transaction<T>(&mut self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let this: &Store = self;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(this))) {
            Ok(Ok(v)) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(v)
            }
            Ok(Err(e)) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
            Err(panic) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                std::panic::resume_unwind(panic)
            }
        }
    }

    pub fn integrity_ok(&self) -> Result<bool> {
        let r: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(r == "ok")
    }
}

pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_migrates_and_refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/renec.sqlite3");
        let store = Store::open(&path).unwrap();
        assert_eq!(
            migrate::current_version(&store.conn).unwrap(),
            migrate::SCHEMA_VERSION
        );
        let fk: i64 = store
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        store.conn.pragma_update(None, "user_version", 99).unwrap();
        drop(store);
        let err = Store::open(&path).err().unwrap().to_string();
        assert!(
            err.contains("schema version 99")
                && err.contains(&format!("this binary's {}", migrate::SCHEMA_VERSION)),
            "{err}"
        );
    }
}
