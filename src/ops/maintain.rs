//! `db maintain` and nightly pruning: old harvest events, data issues and
//! the bodies no run or cache refers to any more.

use crate::store::Store;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct MaintainReport {
    pub size_before: u64,
    pub size_after: u64,
    pub vacuumed: bool,
    pub integrity: String,
    pub pruned_events: usize,
    pub pruned_issues: usize,
    pub pruned_bodies: usize,
}

fn db_size(store: &Store) -> u64 {
    let path = store.path();
    let main = std::fs::metadata(path).map_or(0, |m| m.len());
    let wal = std::fs::metadata(format!("{}-wal", path.display())).map_or(0, |m| m.len());
    main + wal
}

/// Deletes harvest events and data issues older than `days` (never those of
/// the last published run), and page bodies nothing refers to any more.
pub fn prune(store: &Store, days: u32) -> crate::store::Result<(usize, usize, usize)> {
    let c = store.conn();
    let cutoff = (chrono::Utc::now() - chrono::Duration::days(i64::from(days)))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let keep_run = store.last_published_run()?.unwrap_or(0);
    let events = c.execute(
        "DELETE FROM harvest_events WHERE at < ?1 AND run_id <> ?2",
        rusqlite::params![cutoff, keep_run],
    )?;
    let issues = c.execute(
        "DELETE FROM data_issues WHERE run_id <> ?2 AND run_id IN (SELECT id FROM runs WHERE started_at < ?1)",
        rusqlite::params![cutoff, keep_run],
    )?;
    let pages = c.execute(
        "DELETE FROM run_pages WHERE run_id <> ?2 AND run_id IN (SELECT id FROM runs WHERE started_at < ?1 AND status <> 'running')",
        rusqlite::params![cutoff, keep_run],
    )?;
    let _ = pages;
    let bodies = c.execute(
        "DELETE FROM page_snapshots WHERE sha256 NOT IN (SELECT sha256 FROM http_cache) AND sha256 NOT IN (SELECT sha256 FROM run_pages)
           AND sha256 NOT IN (SELECT sha256 FROM harvest_events WHERE sha256 IS NOT NULL)",
        [],
    )?;
    Ok((events, issues, bodies))
}

/// `PRAGMA optimize`, `ANALYZE`, `VACUUM` when a tenth of the file is free,
/// and the integrity check, with sizes before and after.
pub fn maintain(store: &Store, prune_days: u32) -> crate::store::Result<MaintainReport> {
    let size_before = db_size(store);
    let (pruned_events, pruned_issues, pruned_bodies) = prune(store, prune_days)?;
    let c = store.conn();
    c.execute_batch("PRAGMA optimize; ANALYZE;")?;
    let free: i64 = c.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
    let total: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let vacuumed = total > 0 && free * 10 >= total;
    if vacuumed {
        c.execute_batch("VACUUM;")?;
    }
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let integrity: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    Ok(MaintainReport {
        size_before,
        size_after: db_size(store),
        vacuumed,
        integrity,
        pruned_events,
        pruned_issues,
        pruned_bodies,
    })
}
