//! Harvest runs, the published run, counts, diffs and histories.

use super::query::*;
use crate::store::Result;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub id: i64,
    /// `running`, `published`, `held`, `failed`, or `interrupted` (see [`RunView::interrupted`]).
    pub status: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub basis_run: Option<i64>,
    pub binary_version: String,
    pub coverage: serde_json::Value,
    pub counts: serde_json::Value,
    pub summary: serde_json::Value,
    pub reasons: Vec<String>,
    pub error: Option<String>,
    /// The site this run harvested (RENEC_SOURCE_URL at the time).
    pub source_url: String,
    /// Pages obtained so far by source, while the run is running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<std::collections::BTreeMap<String, i64>>,
}

impl RunView {
    /// A run recorded as running while no harvest holds the lock was
    /// stopped (SIGTERM, a crash): it shows as `interrupted`, and the next
    /// harvest resumes it.
    pub fn interrupted(mut self, harvest_holds_lock: bool) -> RunView {
        if self.status == "running" && !harvest_holds_lock {
            self.status = "interrupted".into();
        }
        self
    }
}

pub(super) fn run_view(r: &rusqlite::Row) -> rusqlite::Result<RunView> {
    let json = |i: usize| -> rusqlite::Result<serde_json::Value> {
        let t: Option<String> = r.get(i)?;
        Ok(t.and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null))
    };
    let reasons: Option<String> = r.get(9)?;
    Ok(RunView {
        id: r.get(0)?,
        status: r.get(1)?,
        started_at: r.get(2)?,
        finished_at: r.get(3)?,
        basis_run: r.get(4)?,
        binary_version: r.get(5)?,
        coverage: json(6)?,
        counts: json(7)?,
        summary: json(8)?,
        reasons: reasons
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default(),
        error: r.get(10)?,
        source_url: r.get(11)?,
        progress: None,
    })
}

pub(super) fn with_progress(c: &Connection, mut run: RunView) -> Result<RunView> {
    if run.status == "running" {
        let mut stmt = c.prepare_cached(
            "SELECT source, count(*) FROM run_pages WHERE run_id = ?1 GROUP BY source",
        )?;
        let rows = stmt.query_map([run.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        run.progress = Some(rows.collect::<rusqlite::Result<_>>()?);
    }
    Ok(run)
}

pub(super) const RUN_SELECT: &str = "SELECT id, status, started_at, finished_at, basis_run, binary_version, coverage_json, counts_json, summary_json, reasons_json, error, source_url FROM runs";

pub(super) fn published_run(c: &Connection) -> Result<Option<(i64, Option<String>)>> {
    Ok(c.query_row(
        "SELECT id, finished_at FROM runs WHERE status = 'published' ORDER BY id DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

pub(super) fn schema_current(c: &Connection) -> Result<bool> {
    Ok(crate::store::migrate::current_version(c)? == crate::store::migrate::SCHEMA_VERSION)
}

pub(super) fn list_runs(c: &Connection, page: PageReq) -> Result<Page<RunView>> {
    let total: i64 = c.query_row("SELECT count(*) FROM runs", [], |r| r.get(0))?;
    let mut stmt =
        c.prepare_cached(&format!("{RUN_SELECT} ORDER BY id DESC LIMIT ?1 OFFSET ?2"))?;
    let items: Vec<RunView> = stmt
        .query_map(rusqlite::params![page.limit, page.offset as i64], run_view)?
        .collect::<rusqlite::Result<_>>()?;
    let items = items
        .into_iter()
        .map(|r| with_progress(c, r))
        .collect::<Result<_>>()?;
    Ok(Page {
        items,
        total: total as u64,
    })
}

pub(super) fn get_run(c: &Connection, id: i64) -> Result<Option<RunView>> {
    let run = c
        .query_row(&format!("{RUN_SELECT} WHERE id = ?1"), [id], run_view)
        .optional()?;
    run.map(|r| with_progress(c, r)).transpose()
}

pub(super) fn state(c: &Connection, key: &str) -> Result<Option<String>> {
    Ok(
        c.query_row("SELECT value FROM crawl_state WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

pub(super) fn published_runs(c: &Connection) -> Result<Vec<(i64, Option<String>)>> {
    crate::store::diff::published_runs(c)
}

pub(super) fn counts(c: &Connection, run: i64) -> Result<crate::store::stats::Counts> {
    crate::store::stats::counts_at(c, run)
}

pub(super) fn diff(c: &Connection, from: i64, to: i64) -> Result<crate::store::diff::Diff> {
    crate::store::diff::diff_runs(c, from, to)
}

pub(super) fn history(
    c: &Connection,
    kind: &str,
    key: &str,
) -> Result<Option<Vec<serde_json::Value>>> {
    crate::store::diff::history(c, kind, key)
}
