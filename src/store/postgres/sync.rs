//! Sync: the harvester's published run, and its history, written to
//! PostgreSQL in one transaction per run.
//!
//! PostgreSQL holds run S (`sync_state.last_synced_run`); SQLite has
//! published R > S. The sync sends only what changed between them:
//! - versions first seen after S (up to R): inserted, open (`last_seen_run`
//!   NULL) when still in R;
//! - versions alive in S that are not in R: closed with their last run;
//! - the runs, harvest events (`spider_logs`) and data issues after S, and
//!   the audit entries (`api_logs`) after the last one synced.
//!
//! Everything goes in one transaction with `sync_state`, so a sync cut at
//! any point (server stopped, connection lost, process killed) leaves
//! PostgreSQL at S, and the next attempt does the whole step again.
//! Inserts are `ON CONFLICT DO NOTHING` on the version id and closes only
//! touch open rows, so a repeated sync changes nothing. When PostgreSQL's
//! run is not in this SQLite database as it was synced (a restore to an
//! older backup, another machine's database), a full resync replaces
//! everything, in one transaction too, and starts a new generation.

use super::cell::Cell;
use super::{pg_table, PgError, Postgres, Result};
use crate::store::ledger::{LedgerTable, TABLES};
use futures_util::pin_mut;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Transaction;

/// Rows read from SQLite and sent at a time.
const CHUNK: i64 = 20_000;

/// What one table's sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TableSync {
    pub table: String,
    pub inserted: u64,
    pub closed: u64,
}

/// What a sync did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SyncReport {
    /// The run PostgreSQL holds now.
    pub run: i64,
    /// The run it held before (None: first sync, or a full resync).
    pub from_run: Option<i64>,
    pub full: bool,
    pub generation: i64,
    pub tables: Vec<TableSync>,
    pub seconds: f64,
}

impl SyncReport {
    /// Ledger rows inserted or closed (the runs, events and logs aside).
    pub fn ledger_rows_touched(&self) -> u64 {
        self.tables
            .iter()
            .filter(|t| TABLES.iter().any(|l| pg_table(l.name) == t.table))
            .map(|t| t.inserted + t.closed)
            .sum()
    }
}

/// What PostgreSQL holds, as `sync_state` says.
struct State {
    generation: i64,
    run: Option<i64>,
    run_started_at: Option<String>,
    audit_id: i64,
}

/// Syncs the last published run of the SQLite database at `sqlite` (and the
/// audit log of `local`, the machine's local store, when given). `Ok(None)`
/// when PostgreSQL already holds it, or when nothing is published yet.
pub async fn sync(
    pg: &Postgres,
    sqlite: &Path,
    local: Option<&Path>,
) -> Result<Option<SyncReport>> {
    let started = Instant::now();
    pg.migrate().await?;
    let mut src = Source::open(sqlite)?;
    let Some((run, run_started_at)) = src.published()? else {
        return Ok(None);
    };
    let mut client = pg.client().await?;
    let tx = client.transaction().await?;
    // One sync at a time, whichever node runs it.
    tx.execute("SELECT pg_advisory_xact_lock(7166102)", &[])
        .await?;
    let state = read_state(&tx).await?;
    let from = match (state.run, &state.run_started_at) {
        (Some(s), Some(at))
            if s <= run && src.run_started_at(s)?.as_deref() == Some(at.as_str()) =>
        {
            Some(s)
        }
        _ => None,
    };
    if from == Some(run) && local.is_none() {
        return Ok(None);
    }
    let full = from.is_none();
    let generation = if full {
        state.generation + 1
    } else {
        state.generation
    };
    let s = from.unwrap_or(0);
    let mut tables = Vec::new();
    if from != Some(run) {
        if full {
            let names: Vec<&str> = TABLES
                .iter()
                .map(|t| pg_table(t.name))
                .chain(["runs", "spider_logs", "data_issues"])
                .collect();
            tx.batch_execute(&format!("TRUNCATE {}", names.join(", ")))
                .await?;
            tracing::info!(run, generation, "postgres_full_resync");
        }
        for t in TABLES {
            let mut done = TableSync {
                table: pg_table(t.name).to_string(),
                ..TableSync::default()
            };
            let cols = t.versioned_columns();
            let mut after = 0;
            loop {
                let rows = src.new_versions(t, &cols, s, run, after)?;
                let Some(last) = rows.last() else { break };
                after = row_id(last);
                done.inserted += insert(&tx, pg_table(t.name), &cols, rows, Some(run)).await?;
            }
            if !full {
                done.closed +=
                    close(&tx, pg_table(t.name), src.closed_versions(t, s, run)?, run).await?;
            }
            tables.push(done);
        }
        for (name, key) in [
            ("runs", "id"),
            ("harvest_events", "run_id"),
            ("data_issues", "run_id"),
        ] {
            let cols = src.columns(name)?;
            let mut done = TableSync {
                table: pg_table(name).to_string(),
                ..TableSync::default()
            };
            let mut after = 0;
            loop {
                let rows = src.run_rows(name, key, &cols, s, run, after)?;
                let Some(last) = rows.last() else { break };
                after = row_id(last);
                let synced = (name == "runs").then_some(run);
                done.inserted += insert(&tx, pg_table(name), &cols, rows, synced).await?;
            }
            tables.push(done);
        }
    }
    let mut audit_id = state.audit_id;
    if let Some(local) = local {
        let mut audit = Source::open(local)?;
        let cols = audit.columns("audit_log")?;
        let mut done = TableSync {
            table: pg_table("audit_log").to_string(),
            ..TableSync::default()
        };
        loop {
            let rows = audit.after_id("audit_log", &cols, audit_id)?;
            let Some(last) = rows.last() else { break };
            audit_id = row_id(last);
            done.inserted += insert(&tx, pg_table("audit_log"), &cols, rows, None).await?;
        }
        if from == Some(run) && done.inserted == 0 {
            return Ok(None);
        }
        tables.push(done);
    }
    tx.execute(
        "INSERT INTO sync_state (id, source_id, generation, last_synced_run, run_started_at, audit_id, synced_at)
         VALUES (true, $1, $2, $3, $4, $5, now())
         ON CONFLICT (id) DO UPDATE SET source_id = excluded.source_id, generation = excluded.generation,
             last_synced_run = excluded.last_synced_run, run_started_at = excluded.run_started_at,
             audit_id = excluded.audit_id, synced_at = excluded.synced_at",
        &[
            &sqlite.display().to_string(),
            &generation,
            &run,
            &run_started_at,
            &audit_id,
        ],
    )
    .await?;
    tx.commit().await?;
    let report = SyncReport {
        run,
        from_run: from,
        full,
        generation,
        tables,
        seconds: started.elapsed().as_secs_f64(),
    };
    tracing::info!(
        run,
        from_run = ?from,
        full,
        rows = report.ledger_rows_touched(),
        seconds = report.seconds,
        "postgres_synced"
    );
    Ok(Some(report))
}

/// PostgreSQL's run and the published runs after it (None: PostgreSQL or
/// SQLite cannot tell now).
pub async fn lag(pg: &Postgres, sqlite: &Path) -> Option<(Option<i64>, i64)> {
    let synced = pg.synced().await.ok()?.map(|s| s.run);
    let conn = rusqlite::Connection::open_with_flags(
        sqlite,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .ok()?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).ok()?;
    let lag = conn
        .query_row(
            "SELECT count(*) FROM runs WHERE status = 'published' AND id > ?1",
            [synced.unwrap_or(0)],
            |r| r.get(0),
        )
        .ok()?;
    Some((synced, lag))
}

fn row_id(row: &[Value]) -> i64 {
    match row.first() {
        Some(Value::Integer(i)) => *i,
        _ => 0,
    }
}

async fn read_state(tx: &Transaction<'_>) -> Result<State> {
    let row = tx
        .query_opt(
            "SELECT generation, last_synced_run, run_started_at, audit_id FROM sync_state",
            &[],
        )
        .await?;
    Ok(match row {
        Some(r) => State {
            generation: r.get(0),
            run: r.get(1),
            run_started_at: r.get(2),
            audit_id: r.get(3),
        },
        None => State {
            generation: 0,
            run: None,
            run_started_at: None,
            audit_id: 0,
        },
    })
}

/// Copies `rows` (in `cols` order; `synced_run` added when given) into a
/// staging table, then into `table` where the id is new. Returns the rows
/// inserted.
async fn insert(
    tx: &Transaction<'_>,
    table: &str,
    cols: &[String],
    rows: Vec<Vec<Value>>,
    synced_run: Option<i64>,
) -> Result<u64> {
    let stage = format!("stage_{table}");
    tx.batch_execute(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP;
         TRUNCATE {stage}"
    ))
    .await?;
    let mut all: Vec<&str> = cols.iter().map(String::as_str).collect();
    if synced_run.is_some() {
        all.push("synced_run");
    }
    let list = all.join(", ");
    let types: Vec<Type> = tx
        .prepare(&format!("SELECT {list} FROM {stage} LIMIT 0"))
        .await?
        .columns()
        .iter()
        .map(|c| c.type_().clone())
        .collect();
    let sink = tx
        .copy_in(&format!("COPY {stage} ({list}) FROM STDIN BINARY"))
        .await?;
    let writer = BinaryCopyInWriter::new(sink, &types);
    pin_mut!(writer);
    let synced = synced_run.map(|r| Cell(Value::Integer(r)));
    for row in rows {
        let mut cells: Vec<Cell> = row.into_iter().map(Cell).collect();
        if let Some(s) = &synced {
            cells.push(s.clone());
        }
        let refs: Vec<&(dyn ToSql + Sync)> =
            cells.iter().map(|c| c as &(dyn ToSql + Sync)).collect();
        writer.as_mut().write(&refs).await?;
    }
    writer.finish().await?;
    let key = if table == "runs" {
        "id"
    } else {
        cols[0].as_str()
    };
    let conflict = if table == "runs" {
        // A run's row changes while it runs; the synced one is final.
        let set: Vec<String> = all
            .iter()
            .filter(|c| **c != "id")
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        format!("DO UPDATE SET {}", set.join(", "))
    } else {
        "DO NOTHING".to_string()
    };
    Ok(tx
        .execute(
            &format!("INSERT INTO {table} ({list}) SELECT {list} FROM {stage} ON CONFLICT ({key}) {conflict}"),
            &[],
        )
        .await?)
}

/// Closes the versions `(row_id, last_seen_run)` still open in `table`.
async fn close(tx: &Transaction<'_>, table: &str, rows: Vec<(i64, i64)>, run: i64) -> Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    tx.batch_execute(
        "CREATE TEMP TABLE IF NOT EXISTS stage_close (row_id bigint, last_seen_run bigint) ON COMMIT DROP;
         TRUNCATE stage_close",
    )
    .await?;
    let sink = tx
        .copy_in("COPY stage_close (row_id, last_seen_run) FROM STDIN BINARY")
        .await?;
    let writer = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::INT8]);
    pin_mut!(writer);
    for (id, last) in rows {
        writer.as_mut().write(&[&id, &last]).await?;
    }
    writer.finish().await?;
    Ok(tx
        .execute(
            &format!(
                "UPDATE {table} t SET last_seen_run = s.last_seen_run, synced_run = $1
                 FROM stage_close s WHERE t.row_id = s.row_id AND t.last_seen_run IS NULL"
            ),
            &[&run],
        )
        .await?)
}

/// The SQLite side, read only.
struct Source {
    conn: Connection,
    path: PathBuf,
}

impl Source {
    fn open(path: &Path) -> Result<Source> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| crate::store::StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(Source {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn published(&mut self) -> Result<Option<(i64, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, started_at FROM runs WHERE status = 'published' ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn run_started_at(&mut self, run: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT started_at FROM runs WHERE id = ?1", [run], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn columns(&mut self, table: &str) -> Result<Vec<String>> {
        let stmt = self
            .conn
            .prepare(&format!("SELECT * FROM {table} LIMIT 0"))?;
        let cols: Vec<String> = stmt.column_names().map(String::from).collect();
        drop(stmt);
        if cols.is_empty() {
            return Err(PgError::Crashed(format!(
                "{}: table {table} has no columns",
                self.path.display()
            )));
        }
        Ok(cols)
    }

    fn rows(&mut self, sql: &str, params: &[i64]) -> Result<Vec<Vec<Value>>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let n = stmt.column_count();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params.iter()), |r| {
                (0..n).map(|i| r.get::<_, Value>(i)).collect()
            })?
            .collect::<rusqlite::Result<Vec<Vec<Value>>>>()?;
        Ok(rows)
    }

    /// Versions first seen in (s, run], after version `after`; the last run
    /// is NULL for those still in `run`.
    fn new_versions(
        &mut self,
        t: &LedgerTable,
        cols: &[String],
        s: i64,
        run: i64,
        after: i64,
    ) -> Result<Vec<Vec<Value>>> {
        let select: Vec<String> = cols
            .iter()
            .map(|c| {
                if c == "last_seen_run" {
                    "CASE WHEN last_seen_run >= ?2 THEN NULL ELSE last_seen_run END".to_string()
                } else {
                    c.clone()
                }
            })
            .collect();
        self.rows(
            &format!(
                "SELECT {} FROM {} WHERE first_seen_run > ?1 AND first_seen_run <= ?2 AND row_id > ?3
                 ORDER BY row_id LIMIT ?4",
                select.join(", "),
                t.name
            ),
            &[s, run, after, CHUNK],
        )
    }

    /// Versions alive in `s` that are not in `run`, with their last run.
    fn closed_versions(&mut self, t: &LedgerTable, s: i64, run: i64) -> Result<Vec<(i64, i64)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT row_id, last_seen_run FROM {} WHERE first_seen_run <= ?1 AND last_seen_run >= ?1 AND last_seen_run < ?2",
            t.name
        ))?;
        let rows = stmt
            .query_map([s, run], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Rows of runs in (s, run] (`key` names the run column), after id `after`.
    fn run_rows(
        &mut self,
        table: &str,
        key: &str,
        cols: &[String],
        s: i64,
        run: i64,
        after: i64,
    ) -> Result<Vec<Vec<Value>>> {
        let id = &cols[0];
        self.rows(
            &format!(
                "SELECT {} FROM {table} WHERE {key} > ?1 AND {key} <= ?2 AND {id} > ?3 ORDER BY {id} LIMIT ?4",
                cols.join(", ")
            ),
            &[s, run, after, CHUNK],
        )
    }

    fn after_id(&mut self, table: &str, cols: &[String], after: i64) -> Result<Vec<Vec<Value>>> {
        self.rows(
            &format!(
                "SELECT {} FROM {table} WHERE id > ?1 ORDER BY id LIMIT ?2",
                cols.join(", ")
            ),
            &[after, CHUNK],
        )
    }
}
