//! `db maintain`: prune, compact and check the database.

use crate::config::Config;
use anyhow::Result;
use std::process::ExitCode;

pub fn db_maintain(cfg: &Config) -> Result<ExitCode> {
    let store = super::existing_data(cfg)?;
    let r = crate::ops::maintain::maintain(&store, cfg.retention_events_days)?;
    println!(
        "size {:.1} MB -> {:.1} MB; vacuumed: {}; pruned {} events, {} data issues, {} page bodies; integrity: {}",
        r.size_before as f64 / 1e6,
        r.size_after as f64 / 1e6,
        r.vacuumed,
        r.pruned_events,
        r.pruned_issues,
        r.pruned_bodies,
        r.integrity
    );
    Ok(if r.integrity == "ok" {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
