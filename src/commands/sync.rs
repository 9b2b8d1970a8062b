//! `sync postgres`: PostgreSQL brought to the last published run.

use crate::config::Config;
use anyhow::{bail, Result};
use std::process::ExitCode;

#[cfg(feature = "postgres")]
pub fn sync_postgres(cfg: &Config, json: bool) -> Result<ExitCode> {
    use crate::ops::postgres::{connect, SyncTask};
    let store = super::existing_data(cfg)?;
    drop(store);
    let Some(pg) = connect(cfg)? else {
        bail!("DATABASE_URL (storage.database_url) names no PostgreSQL server: set it to postgres://USER:PASSWORD@HOST:PORT/DATABASE");
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let task = SyncTask::new(pg.clone(), cfg);
    let report = runtime
        .block_on(task.sync_once())
        .map_err(|e| anyhow::anyhow!("sync to {} failed: {e}", pg.shown()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    match report {
        None => println!(
            "PostgreSQL ({}) already holds the last published run",
            pg.shown()
        ),
        Some(r) => {
            let how = match (r.full, r.from_run) {
                (true, _) => "full sync".to_string(),
                (false, Some(from)) => format!("from run {from}"),
                (false, None) => "first sync".to_string(),
            };
            println!(
                "PostgreSQL ({}) now holds run {} ({how}, {} ledger rows written, {:.2} s)",
                pg.shown(),
                r.run,
                r.ledger_rows_touched(),
                r.seconds
            );
            for t in &r.tables {
                if t.inserted + t.closed > 0 {
                    println!("  {:<24} +{:<8} closed {}", t.table, t.inserted, t.closed);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "postgres"))]
pub fn sync_postgres(_cfg: &Config, _json: bool) -> Result<ExitCode> {
    bail!("this build has no PostgreSQL support (cargo feature `postgres`)")
}
