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

/// Prunes old events, issues and bodies, then compacts and checks the
/// database, with sizes before and after.
pub fn maintain(store: &Store, prune_days: u32) -> crate::store::Result<MaintainReport> {
    let size_before = db_size(store);
    let (pruned_events, pruned_issues, pruned_bodies) = store.prune(prune_days)?;
    let (vacuumed, integrity) = store.compact()?;
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
