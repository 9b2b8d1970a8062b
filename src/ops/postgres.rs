//! PostgreSQL in the running service, in one of two roles:
//! - [`SyncTask`] on the harvester's node: after every published run (and on
//!   start), PostgreSQL is brought to it; a failure is retried with backoff
//!   (5 s, doubling, at most 10 minutes) and never touches what SQLite serves.
//! - [`ReadNode`] on `serve --read-from postgres` nodes: PostgreSQL is polled
//!   every `postgres.poll_seconds`; a newly synced run is loaded whole into a
//!   new SQLite file, which the API then switches to at once. When
//!   PostgreSQL is away the node keeps serving the run it holds, reports
//!   not-ready, and catches up when PostgreSQL returns.

use crate::config::Config;
use crate::store::postgres::{load, sync, Postgres, Synced};
use crate::store::read::SqliteReader;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The pool of the configured server (None: `DATABASE_URL` names no PostgreSQL).
pub fn connect(cfg: &Config) -> Result<Option<Postgres>, crate::store::postgres::PgError> {
    cfg.postgres_url()
        .map(|url| {
            Postgres::new(
                url,
                cfg.pool_size as usize,
                Duration::from_secs(cfg.pool_timeout_secs),
            )
        })
        .transpose()
}

/// What the Estado page, `/api/v1/stats`, `/ready` and the metrics show.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PgStatus {
    /// `sync` (the harvester's node) or `read` (a read node).
    pub role: &'static str,
    /// The server, password hidden.
    pub server: String,
    /// The run PostgreSQL holds.
    pub last_synced_run: Option<i64>,
    /// Published runs not yet synced (sync role).
    pub lag_runs: Option<i64>,
    /// The run this node serves (read role).
    pub serving_run: Option<i64>,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    /// Whether PostgreSQL answered the last attempt.
    pub reachable: bool,
}

/// This node's link to PostgreSQL.
#[derive(Clone)]
pub enum PgLink {
    Sync(Arc<SyncTask>),
    Read(Arc<ReadNode>),
}

impl PgLink {
    pub fn postgres(&self) -> &Postgres {
        match self {
            PgLink::Sync(s) => &s.pg,
            PgLink::Read(r) => &r.pg,
        }
    }

    pub fn status(&self) -> PgStatus {
        match self {
            PgLink::Sync(s) => s.status.lock().expect("status lock").clone(),
            PgLink::Read(r) => r.status.lock().expect("status lock").clone(),
        }
    }

    /// Why this node is not ready, as far as PostgreSQL goes. A sync node
    /// serves from SQLite, so a lagging sync never makes it not-ready (the
    /// alert on `renec_postgres_sync_lag_runs` is for that).
    pub fn not_ready(&self) -> Option<String> {
        match self {
            PgLink::Sync(_) => None,
            PgLink::Read(r) => {
                let s = r.status.lock().expect("status lock");
                if s.serving_run.is_none() {
                    Some(match &s.last_error {
                        Some(e) => format!("nothing loaded from PostgreSQL yet: {e}"),
                        None => "nothing loaded from PostgreSQL yet".into(),
                    })
                } else if !s.reachable {
                    Some(format!(
                        "PostgreSQL does not answer ({}); serving run {} as loaded",
                        s.last_error.as_deref().unwrap_or("unknown error"),
                        s.serving_run.unwrap_or_default()
                    ))
                } else {
                    None
                }
            }
        }
    }
}

fn now() -> String {
    crate::store::now_text()
}

/// Runs `fut` on a blocking thread with the runtime's handle: the sync and
/// the load read or write SQLite (blocking calls) between their PostgreSQL
/// calls, which must not hold up the API's workers.
async fn blocking<T: Send + 'static>(
    fut: impl std::future::Future<Output = T> + Send + 'static,
) -> Result<T, String> {
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(fut))
        .await
        .map_err(|e| format!("stopped unexpectedly: {e}"))
}

/// The harvester's node: keeps PostgreSQL at the last published run.
pub struct SyncTask {
    pg: Postgres,
    sqlite: PathBuf,
    local: PathBuf,
    status: Mutex<PgStatus>,
    wake: tokio::sync::Notify,
}

impl SyncTask {
    pub fn new(pg: Postgres, cfg: &Config) -> Arc<SyncTask> {
        Arc::new(SyncTask {
            status: Mutex::new(PgStatus {
                role: "sync",
                server: pg.shown().to_string(),
                ..PgStatus::default()
            }),
            pg,
            sqlite: cfg.sqlite_path(),
            local: crate::store::local::local_path(&cfg.data_dir),
            wake: tokio::sync::Notify::new(),
        })
    }

    /// One sync now (what `renec-harvester sync postgres` runs).
    pub async fn sync_once(self: &Arc<Self>) -> Result<Option<sync::SyncReport>, String> {
        let (pg, sqlite, local) = (self.pg.clone(), self.sqlite.clone(), self.local.clone());
        // The sync, then where PostgreSQL stands.
        let done = blocking(async move {
            let local = local.exists().then_some(local);
            let result = sync::sync(&pg, &sqlite, local.as_deref()).await;
            (result, sync::lag(&pg, &sqlite).await)
        })
        .await;
        let (result, lag) = match done {
            Ok((r, lag)) => (r.map_err(|e| e.to_string()), lag),
            Err(e) => (Err(e), None),
        };
        let m = crate::metrics::metrics();
        let mut s = self.status.lock().expect("status lock");
        match &result {
            Ok(report) => {
                s.reachable = true;
                s.last_success = Some(now());
                s.last_error = None;
                m.postgres_last_sync_timestamp
                    .set(chrono::Utc::now().timestamp() as f64);
                if let Some(r) = report {
                    m.postgres_sync_seconds.set(r.seconds);
                }
            }
            Err(e) => {
                s.reachable = false;
                s.last_error = Some(e.clone());
                s.last_error_at = Some(now());
                m.postgres_sync_failures_total.inc();
                tracing::warn!(error = %e, server = %s.server, "postgres_sync_failed");
            }
        }
        if let Some((synced, lag)) = lag {
            s.last_synced_run = synced;
            s.lag_runs = Some(lag);
            m.postgres_last_synced_run.set(synced.unwrap_or(0));
            m.postgres_sync_lag_runs.set(lag);
        }
        result
    }

    /// Asks the loop to sync now (after a publish).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Syncs on start, after every publish (`wake`), and every minute in
    /// case a run was published by another process (`renec-harvester
    /// harvest`); failures are retried with backoff.
    pub fn spawn(self: &Arc<Self>) {
        let this = self.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_secs(5);
            loop {
                let wait = match this.sync_once().await {
                    Ok(_) => {
                        backoff = Duration::from_secs(5);
                        Duration::from_secs(60)
                    }
                    Err(_) => {
                        let w = backoff;
                        backoff = (backoff * 2).min(Duration::from_secs(600));
                        w
                    }
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = this.wake.notified() => {}
                }
            }
        });
    }
}

/// A read node: serves what PostgreSQL holds, loaded into SQLite files
/// under `DATA_DIR/read-node/`.
pub struct ReadNode {
    pg: Postgres,
    dir: PathBuf,
    poll: Duration,
    status: Mutex<PgStatus>,
    /// The run and generation loaded, and the file they are in.
    loaded: Mutex<Option<(Synced, PathBuf)>>,
}

impl ReadNode {
    pub fn new(pg: Postgres, cfg: &Config) -> Arc<ReadNode> {
        Arc::new(ReadNode {
            status: Mutex::new(PgStatus {
                role: "read",
                server: pg.shown().to_string(),
                ..PgStatus::default()
            }),
            pg,
            dir: cfg.data_dir.join("read-node"),
            poll: Duration::from_secs(cfg.poll_secs),
            loaded: Mutex::new(None),
        })
    }

    /// The file to serve at start: the newest load kept from an earlier
    /// start (served until PostgreSQL answers), else an empty database.
    pub fn initial_file(&self) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(&self.dir)?;
        let newest = std::fs::read_dir(&self.dir)?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| parse_name(p).is_some())
            .max_by_key(|p| parse_name(p));
        if let Some(p) = newest {
            let (generation, run) = parse_name(&p).expect("filtered");
            tracing::info!(run, generation, file = %p.display(), "read_node_serving_kept_load");
            self.status.lock().expect("status lock").serving_run = Some(run);
            crate::metrics::metrics().read_node_run.set(run);
            *self.loaded.lock().expect("loaded lock") = Some((
                Synced {
                    run,
                    generation,
                    at: None,
                },
                p.clone(),
            ));
            return Ok(p);
        }
        let empty = self.dir.join("empty.sqlite3");
        crate::store::Store::open(&empty).map_err(std::io::Error::other)?;
        Ok(empty)
    }

    /// One check: loads a newly synced run and points `reader` at it.
    /// Returns the run switched to.
    pub async fn check(&self, reader: &SqliteReader) -> Result<Option<i64>, String> {
        let m = crate::metrics::metrics();
        let synced = match self.pg.synced().await {
            Ok(s) => s,
            Err(e) => return Err(self.failed(e.to_string())),
        };
        m.read_node_source_up.set(1);
        {
            let mut s = self.status.lock().expect("status lock");
            s.reachable = true;
            s.last_synced_run = synced.as_ref().map(|s| s.run);
        }
        let Some(synced) = synced else {
            let mut s = self.status.lock().expect("status lock");
            s.last_error = Some("nothing has been synced to PostgreSQL yet".into());
            return Ok(None);
        };
        let current = self.loaded.lock().expect("loaded lock").clone();
        if current
            .as_ref()
            .is_some_and(|(c, _)| c.run == synced.run && c.generation == synced.generation)
        {
            self.status.lock().expect("status lock").last_error = None;
            return Ok(None);
        }
        let file = self.dir.join(format!(
            "renec-g{}-r{}.sqlite3",
            synced.generation, synced.run
        ));
        let tmp = file.with_extension("loading");
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
        }
        let target = tmp.clone();
        let pg = self.pg.clone();
        let loaded = blocking(async move { load::load(&pg, &target).await })
            .await
            .and_then(|r| r.map_err(|e| e.to_string()));
        let loaded = match loaded {
            Ok(l) => l,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(self.failed(e));
            }
        };
        // The load left a whole file (no WAL): it takes its final name.
        std::fs::rename(&tmp, &file)
            .map_err(|e| self.failed(format!("{}: {e}", file.display())))?;
        reader.repoint(&file);
        let previous = self.loaded.lock().expect("loaded lock").replace((
            Synced {
                run: loaded.run,
                generation: loaded.generation,
                at: synced.at.clone(),
            },
            file.clone(),
        ));
        if let Some((_, old)) = previous.filter(|(_, old)| *old != file) {
            remove_db(&old);
        }
        remove_db(&self.dir.join("empty.sqlite3"));
        {
            let mut s = self.status.lock().expect("status lock");
            s.serving_run = Some(loaded.run);
            s.last_success = Some(now());
            s.last_error = None;
        }
        m.read_node_run.set(loaded.run);
        tracing::info!(
            run = loaded.run,
            generation = loaded.generation,
            rows = loaded.rows,
            seconds = loaded.seconds,
            "read_node_switched"
        );
        Ok(Some(loaded.run))
    }

    fn failed(&self, e: String) -> String {
        crate::metrics::metrics().read_node_source_up.set(0);
        let mut s = self.status.lock().expect("status lock");
        if s.reachable || s.last_error.as_deref() != Some(e.as_str()) {
            tracing::warn!(error = %e, server = %s.server, "read_node_postgres_unavailable");
        }
        s.reachable = false;
        s.last_error = Some(e.clone());
        s.last_error_at = Some(now());
        e
    }

    /// Polls PostgreSQL for the life of the process; `switched` runs after
    /// every switch (the API drops its cache and view of the old file).
    pub fn spawn(
        self: &Arc<Self>,
        reader: Arc<SqliteReader>,
        switched: Arc<dyn Fn() + Send + Sync>,
    ) {
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                if let Ok(Some(_)) = this.check(&reader).await {
                    switched();
                }
                tokio::time::sleep(this.poll).await;
            }
        });
    }
}

/// `renec-g{generation}-r{run}.sqlite3`
fn parse_name(p: &Path) -> Option<(i64, i64)> {
    let name = p.file_name()?.to_str()?;
    let rest = name.strip_prefix("renec-g")?.strip_suffix(".sqlite3")?;
    let (g, r) = rest.split_once("-r")?;
    Some((g.parse().ok()?, r.parse().ok()?))
}

fn remove_db(p: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
    }
}
