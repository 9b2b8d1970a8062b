//! The run ledger and the state remembered between runs.

use super::{now_text, Result, Store};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunInfo {
    pub id: i64,
    pub status: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub basis_run: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Published,
    Held,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Published => "published",
            RunStatus::Held => "held",
            RunStatus::Failed => "failed",
        }
    }
}

/// What a finished run records about itself (all JSON).
pub struct RunOutcome<'a> {
    pub status: RunStatus,
    pub coverage: &'a serde_json::Value,
    pub counts: &'a serde_json::Value,
    pub summary: &'a serde_json::Value,
    pub reasons: &'a [String],
    pub error: Option<&'a str>,
}

fn run_info(r: &rusqlite::Row) -> rusqlite::Result<RunInfo> {
    Ok(RunInfo {
        id: r.get(0)?,
        status: r.get(1)?,
        started_at: r.get(2)?,
        finished_at: r.get(3)?,
        basis_run: r.get(4)?,
    })
}

const RUN_COLUMNS: &str = "id, status, started_at, finished_at, basis_run";

impl Store {
    pub fn last_published_run(&self) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row("SELECT id FROM v_published_run", [], |r| r.get(0))?)
    }

    /// A run left `running` by a process that stopped: the one to resume.
    pub fn unfinished_run(&self) -> Result<Option<RunInfo>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE status = 'running' ORDER BY id DESC LIMIT 1"
        );
        Ok(self.conn.query_row(&sql, [], run_info).optional()?)
    }

    /// Starts a run. Its id is above every id this database holds and above
    /// `issued` (the highest id this machine ever gave, kept outside the
    /// data): after a restore of an older snapshot, run ids never repeat.
    pub fn create_run(&self, source_url: &str, issued: i64) -> Result<RunInfo> {
        let basis = self.last_published_run()?;
        let held: i64 = self
            .conn
            .query_row("SELECT coalesce(max(id), 0) FROM runs", [], |r| r.get(0))?;
        let id = held.max(issued) + 1;
        self.conn.execute(
            "INSERT INTO runs (id, status, started_at, basis_run, binary_version, source_url) VALUES (?1, 'running', ?2, ?3, ?4, ?5)",
            params![id, now_text(), basis, env!("CARGO_PKG_VERSION"), source_url],
        )?;
        self.run(id).map(|r| r.expect("just inserted"))
    }

    pub fn run(&self, id: i64) -> Result<Option<RunInfo>> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1");
        Ok(self.conn.query_row(&sql, [id], run_info).optional()?)
    }

    pub fn last_run(&self) -> Result<Option<RunInfo>> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT 1");
        Ok(self.conn.query_row(&sql, [], run_info).optional()?)
    }

    /// Records the end of a run (in the caller's transaction when given one).
    pub fn finish_run(&self, id: i64, outcome: &RunOutcome) -> Result<()> {
        let tx = &self.conn;
        tx.execute(
            "UPDATE runs SET status = ?2, finished_at = ?3, coverage_json = ?4, counts_json = ?5,
                             summary_json = ?6, reasons_json = ?7, error = ?8 WHERE id = ?1",
            params![
                id,
                outcome.status.as_str(),
                now_text(),
                outcome.coverage.to_string(),
                outcome.counts.to_string(),
                outcome.summary.to_string(),
                serde_json::to_string(outcome.reasons).expect("strings serialize"),
                outcome.error,
            ],
        )?;
        Ok(())
    }

    /// The reasons a run was held or failed.
    pub fn run_reasons(&self, id: i64) -> Result<Vec<String>> {
        let text: Option<String> =
            self.conn
                .query_row("SELECT reasons_json FROM runs WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
        Ok(text
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default())
    }

    pub fn state(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM crawl_state WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_state(&self, key: &str, value: &str) -> Result<()> {
        let conn = &self.conn;
        conn.execute(
            "INSERT INTO crawl_state (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }
}
