//! Keeping the database file healthy, and reading facts off a database file
//! that is not the open store (a snapshot's copy): pruning, `PRAGMA optimize`,
//! `VACUUM`, checkpoints, integrity checks and consistent copies.

use super::stats::Counts;
use super::{Result, Store};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// What a database file holds, read without migrating it.
#[derive(Debug, Clone)]
pub struct FileFacts {
    /// The last published run and when it finished.
    pub published: Option<(i64, Option<String>)>,
    pub counts: Counts,
    pub schema_version: i64,
}

impl Store {
    /// Deletes harvest events and data issues older than `days` (never those of
    /// the last published run), and page bodies nothing refers to any more.
    /// Returns how many events, issues and bodies went.
    pub fn prune(&self, days: u32) -> Result<(usize, usize, usize)> {
        let c = &self.conn;
        let cutoff = (chrono::Utc::now() - chrono::Duration::days(i64::from(days)))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let keep_run = self.last_published_run()?.unwrap_or(0);
        let events = c.execute(
            "DELETE FROM harvest_events WHERE at < ?1 AND run_id <> ?2",
            rusqlite::params![cutoff, keep_run],
        )?;
        let issues = c.execute(
            "DELETE FROM data_issues WHERE run_id <> ?2 AND run_id IN (SELECT id FROM runs WHERE started_at < ?1)",
            rusqlite::params![cutoff, keep_run],
        )?;
        c.execute(
            "DELETE FROM run_pages WHERE run_id <> ?2 AND run_id IN (SELECT id FROM runs WHERE started_at < ?1 AND status <> 'running')",
            rusqlite::params![cutoff, keep_run],
        )?;
        let bodies = c.execute(
            "DELETE FROM page_snapshots WHERE sha256 NOT IN (SELECT sha256 FROM http_cache) AND sha256 NOT IN (SELECT sha256 FROM run_pages)
               AND sha256 NOT IN (SELECT sha256 FROM harvest_events WHERE sha256 IS NOT NULL)",
            [],
        )?;
        Ok((events, issues, bodies))
    }

    /// `PRAGMA optimize`: refreshes the planner's statistics where useful.
    pub fn optimize(&self) -> Result<()> {
        Ok(self.conn.execute_batch("PRAGMA optimize;")?)
    }

    /// `PRAGMA optimize`, `ANALYZE`, `VACUUM` when a tenth of the file is
    /// free, a WAL checkpoint, then the integrity check. Returns whether it
    /// vacuumed and what the check said (`ok` when whole).
    pub fn compact(&self) -> Result<(bool, String)> {
        let c = &self.conn;
        c.execute_batch("PRAGMA optimize; ANALYZE;")?;
        let free: i64 = c.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
        let total: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let vacuumed = total > 0 && free * 10 >= total;
        if vacuumed {
            c.execute_batch("VACUUM;")?;
        }
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let integrity: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok((vacuumed, integrity))
    }

    /// A consistent copy of the database into a new file (`VACUUM INTO`).
    pub fn copy_into(&self, path: &Path) -> Result<()> {
        self.conn
            .execute("VACUUM INTO ?1", [path.to_string_lossy()])?;
        Ok(())
    }
}

fn open_read_only(path: &Path) -> Result<Connection> {
    Ok(Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?)
}

/// The published run, its counts and the schema version of a database file.
pub fn file_facts(path: &Path) -> Result<FileFacts> {
    let c = open_read_only(path)?;
    let published: Option<(i64, Option<String>)> = c
        .query_row(
            "SELECT id, finished_at FROM runs WHERE status = 'published' ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok();
    let counts = match &published {
        Some((r, _)) => super::stats::counts_at(&c, *r)?,
        None => Counts::default(),
    };
    Ok(FileFacts {
        published,
        counts,
        schema_version: super::migrate::current_version(&c)?,
    })
}

/// SQLite's integrity check of a database file (`ok` when whole).
pub fn file_integrity(path: &Path) -> Result<String> {
    let c = open_read_only(path)?;
    Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
}

/// Folds a database file's WAL into the file, so that a copy of it is whole.
pub fn checkpoint_file(path: &Path) {
    if let Ok(c) = Connection::open(path) {
        let _ = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }
}
