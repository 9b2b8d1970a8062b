//! Read nodes: what PostgreSQL holds (the ledger, the runs, the harvest
//! events and data issues), loaded into a new SQLite database of the
//! product's own schema. The node then answers every read with the same
//! code, and so the same answers, as the harvester's node: search with typo
//! tolerance, facets, `as_of`, diffs, histories and feeds included. The load
//! reads one snapshot (a repeatable-read, read-only transaction, which a hot
//! standby serves too), with SELECT rights only: the guide's `readonly_user`.

use super::cell::Cell;
use super::{pg_table, PgError, Postgres, Result};
use crate::store::ledger::TABLES;
use crate::store::Store;
use futures_util::{pin_mut, TryStreamExt};
use rusqlite::types::Value;
use std::path::Path;

/// What a load brought.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Loaded {
    pub run: i64,
    pub generation: i64,
    pub rows: u64,
    pub seconds: f64,
}

/// Loads PostgreSQL's last synced run, and its history, into a new SQLite
/// database at `path` (which must not exist). Blocking SQLite writes: call
/// it from a blocking thread (`Handle::block_on`).
pub async fn load(pg: &Postgres, path: &Path) -> Result<Loaded> {
    let started = std::time::Instant::now();
    pg.check_schema().await?;
    let mut client = pg.client().await?;
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let state = tx
        .query_opt("SELECT last_synced_run, generation FROM sync_state", &[])
        .await?;
    let (run, generation): (i64, i64) = match state {
        Some(r) => match r.get::<_, Option<i64>>(0) {
            Some(run) => (run, r.get(1)),
            None => return Err(PgError::NothingSynced),
        },
        None => return Err(PgError::NothingSynced),
    };
    let store = Store::open(path)?;
    let mut rows = 0u64;
    let mut copy =
        |store: &Store, table: &str, cols: &[String], values: Vec<Value>| -> Result<()> {
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                cols.join(", "),
                (1..=cols.len())
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            store
                .conn
                .prepare_cached(&sql)?
                .execute(rusqlite::params_from_iter(values.iter()))?;
            rows += 1;
            Ok(())
        };
    store.conn.execute_batch("BEGIN")?;
    let mut plan: Vec<(&str, Vec<String>, String)> = Vec::new();
    for name in ["runs", "harvest_events", "data_issues"] {
        let cols = sqlite_columns(&store, name)?;
        let select = cols.join(", ");
        plan.push((name, cols, select));
    }
    for t in TABLES {
        let cols = t.versioned_columns();
        // Open versions are in the synced run (and were in every run since
        // their first): the harvester's ledger says the same with R.
        let select = cols
            .iter()
            .map(|c| {
                if c == "last_seen_run" {
                    "coalesce(last_seen_run, $1)".to_string()
                } else {
                    c.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        plan.push((t.name, cols, select));
    }
    for (name, cols, select) in &plan {
        let ledger = TABLES.iter().any(|t| t.name == *name);
        let order = if ledger { "row_id" } else { "id" };
        let sql = format!("SELECT {select} FROM {} ORDER BY {order}", pg_table(name));
        let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
            if ledger { vec![&run] } else { vec![] };
        let stream = tx.query_raw(&sql, params).await?;
        pin_mut!(stream);
        while let Some(row) = stream.try_next().await? {
            let values: Vec<Value> = (0..cols.len())
                .map(|i| row.try_get::<_, Cell>(i).map(|c| c.0))
                .collect::<std::result::Result<_, _>>()?;
            copy(&store, name, cols, values)?;
        }
    }
    tx.commit().await?;
    store.rebuild_search_index(run)?;
    store.conn.execute_batch("COMMIT")?;
    // One whole file, no WAL beside it: it is renamed into place and then
    // only read.
    store
        .conn
        .execute_batch("PRAGMA optimize; PRAGMA journal_mode = DELETE;")?;
    Ok(Loaded {
        run,
        generation,
        rows,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn sqlite_columns(store: &Store, table: &str) -> Result<Vec<String>> {
    let stmt = store
        .conn
        .prepare(&format!("SELECT * FROM {table} LIMIT 0"))?;
    Ok(stmt.column_names().map(String::from).collect())
}
