//! What every request can reach: the store, the cache, the limiters, the
//! machine's keys and audit log, the scheduler, the published run.

use super::error::ApiError;
use crate::config::Config;
use crate::store::read::{ReadStore, SqliteReader};
use crate::store::view::View;
use crate::store::StoreError;
use arc_swap::ArcSwapOption;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// What every request can reach.
pub struct AppState {
    pub store: Arc<dyn ReadStore>,
    /// Reads of `store` that the in-memory view cannot answer.
    pub(super) database: Database,
    pub(super) reader: Option<Arc<SqliteReader>>,
    pub(super) cache: Option<moka::future::Cache<String, Cached>>,
    pub(super) limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    pub(super) limit_loopback: bool,
    pub(super) cors_origins: Vec<String>,
    pub(super) prometheus_enabled: bool,
    pub(super) metrics_loopback_only: bool,
    pub(super) metrics_token: String,
    pub(super) ready_max_age_hours: u32,
    /// The published run as last looked up (-1: none yet), and when
    /// (milliseconds since `started`; 0: never).
    published_run: AtomicI64,
    published_checked: AtomicU64,
    /// One lookup at a time.
    published_lookup: tokio::sync::Mutex<()>,
    started: Instant,
    /// The published run in memory (`api.memory_view`), and whether a
    /// build is under way.
    view: Arc<ArcSwapOption<View>>,
    view_building: Arc<AtomicBool>,
    memory_view: bool,
    /// The database file's identity (device, inode): a restore swaps the file.
    pub(super) db_identity: std::sync::Mutex<Option<(u64, u64)>>,
    pub(super) db_path: Option<std::path::PathBuf>,
    /// The scheduler and harvest controls, when served by `serve`.
    pub daemon: Option<Arc<crate::ops::daemon::DaemonState>>,
    pub cfg: Config,
    /// A read-write connection for API keys and the audit log.
    pub(super) writer: Option<Arc<std::sync::Mutex<crate::store::local::LocalStore>>>,
    /// Failed key checks per client (brute force is slowed down).
    pub(super) auth_failures: DefaultKeyedRateLimiter<IpAddr>,
    /// Addresses past the failed-key limit, and until when every key they
    /// present (even a right one) is refused.
    pub(super) auth_blocked: std::sync::Mutex<std::collections::HashMap<IpAddr, Instant>>,
    pub(super) require_key: bool,
    /// This node's link to PostgreSQL (sync or read node), when configured.
    #[cfg(feature = "postgres")]
    pub pg: Option<crate::ops::postgres::PgLink>,
}

/// Database reads, on threads of their own, as many as the store has
/// connections; the others wait in a queue without a thread. (A blocking
/// thread for every read waiting for a connection, each with its own
/// allocator cache, took a server from 45 to 145 MB under 128 connections
/// of reads of an older run.)
#[derive(Clone)]
pub(super) struct Database {
    jobs: crossbeam_channel::Sender<Job>,
}

type Job = Box<dyn FnOnce(&dyn ReadStore) + Send>;

impl Database {
    /// Starts the readers; they end when the last handle is dropped.
    fn new(store: Arc<dyn ReadStore>) -> Database {
        let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
        for _ in 0..store.connections().max(1) {
            let (queue, store) = (queue.clone(), store.clone());
            std::thread::Builder::new()
                .name("db-read".into())
                .spawn(move || {
                    for job in queue {
                        job(store.as_ref());
                    }
                })
                .expect("a database reader thread");
        }
        Database { jobs }
    }

    /// Runs `f` on the store once a reader is free; not at all when the
    /// request that asked is gone by then. A read that panics answers an
    /// internal error; its reader goes on.
    pub(super) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn ReadStore) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |store| {
            if answer.is_closed() {
                return;
            }
            let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(store)));
            if let Ok(v) = got {
                let _ = answer.send(v);
            }
        });
        self.jobs.send(job).map_err(ApiError::internal)?;
        answered
            .await
            .map_err(|_| ApiError::internal("a database read failed"))
    }
}

impl AppState {
    /// State over the SQLite file of the configuration.
    pub fn from_config(cfg: &Config) -> AppState {
        let reader = Arc::new(SqliteReader::new(
            &cfg.sqlite_path(),
            (cfg.api_workers as usize * 2).max(4),
        ));
        let mut state = AppState::new(reader.clone(), cfg);
        state.reader = Some(reader);
        state.db_path = Some(cfg.sqlite_path());
        state.writer = match crate::store::local::LocalStore::for_config(cfg) {
            Ok(s) => Some(Arc::new(std::sync::Mutex::new(s))),
            Err(e) => {
                tracing::error!(error = %e, "local_store_unavailable: API keys and the audit log cannot be used");
                None
            }
        };
        state
    }

    /// Records an audit event (in the background; a failure is logged, never fatal).
    pub fn audit(
        &self,
        event: &'static str,
        actor: Option<&str>,
        client: Option<SocketAddr>,
        outcome: &'static str,
        details: serde_json::Value,
    ) {
        let Some(writer) = self.writer.clone() else {
            return;
        };
        let actor = actor.map(str::to_string);
        let ip = client.map(|c| c.ip().to_string());
        tokio::task::spawn_blocking(move || {
            let store = writer.lock().expect("writer lock");
            if let Err(e) = store.audit(event, actor.as_deref(), ip.as_deref(), outcome, &details) {
                tracing::error!(error = %e, event, "audit_write_failed");
            }
        });
    }

    pub async fn audit_entries(
        &self,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<crate::store::keys::AuditEntry>, u64), ApiError> {
        let writer = self
            .writer
            .clone()
            .ok_or_else(|| ApiError::internal("no database writer"))?;
        tokio::task::spawn_blocking(move || {
            writer
                .lock()
                .expect("writer lock")
                .audit_entries(limit, offset)
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
    }

    /// The name and role of a presented key (None: unknown or revoked).
    pub(super) async fn check_key(
        &self,
        presented: String,
    ) -> Result<Option<(String, crate::store::keys::Role)>, ApiError> {
        let writer = self
            .writer
            .clone()
            .ok_or_else(|| ApiError::internal("no database writer"))?;
        tokio::task::spawn_blocking(move || {
            let store = writer.lock().expect("writer lock");
            let found = store.check_key(&presented)?;
            if let Some((name, _)) = &found {
                store.touch_key(name)?;
            }
            Ok(found)
        })
        .await
        .map_err(ApiError::internal)?
    }

    pub fn with_daemon(mut self, daemon: Arc<crate::ops::daemon::DaemonState>) -> AppState {
        self.daemon = Some(daemon);
        self
    }

    /// Reopens database connections when the file was replaced (restore, import).
    pub fn notice_replaced_database(&self) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let Some(path) = &self.db_path else { return };
            let now = std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()));
            let mut known = self.db_identity.lock().expect("identity lock");
            if known.is_some() && now.is_some() && *known != now {
                if let Some(r) = &self.reader {
                    r.reset();
                }
                // Built from the old file: the next lookup builds it again.
                self.view.store(None);
                crate::metrics::metrics().api_view_run.set(0);
                tracing::info!("database_file_replaced");
            }
            *known = now;
        }
    }

    /// State over any store (a PostgreSQL reader, in tests a fake).
    pub fn new(store: Arc<dyn ReadStore>, cfg: &Config) -> AppState {
        // Every route's server-error series exists from the start, at 0,
        // so that error ratios and alerts have a series to read.
        for route in super::routes::ROUTES {
            crate::metrics::metrics()
                .api_errors_total
                .with_label_values(&[route.path, "500"]);
        }
        // Bounded by bytes (key and body), not entries: large list pages
        // cannot grow the process past the budget.
        let cache = (cfg.cache_mb > 0).then(|| {
            moka::future::Cache::builder()
                .weigher(|key: &String, v: &Cached| {
                    u32::try_from(key.len() + v.body.len()).unwrap_or(u32::MAX)
                })
                .max_capacity(cfg.cache_mb * 1024 * 1024)
                .time_to_idle(std::time::Duration::from_secs(3600))
                .build()
        });
        let limiter = NonZeroU32::new(cfg.rate_limit_per_second).map(|rate| {
            let burst = NonZeroU32::new(cfg.rate_limit_burst).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        AppState {
            database: Database::new(store.clone()),
            store,
            reader: None,
            cache,
            limiter,
            limit_loopback: cfg.rate_limit_loopback,
            cors_origins: cfg.cors_origins.clone(),
            prometheus_enabled: cfg.prometheus_enabled,
            metrics_loopback_only: cfg.metrics_loopback_only,
            metrics_token: cfg.metrics_token.clone(),
            ready_max_age_hours: cfg.ready_max_age_hours,
            published_run: AtomicI64::new(-1),
            published_checked: AtomicU64::new(0),
            published_lookup: tokio::sync::Mutex::new(()),
            started: Instant::now(),
            view: Arc::new(ArcSwapOption::empty()),
            view_building: Arc::new(AtomicBool::new(false)),
            memory_view: cfg.memory_view,
            db_identity: std::sync::Mutex::new(None),
            db_path: None,
            daemon: None,
            cfg: cfg.clone(),
            writer: None,
            auth_blocked: std::sync::Mutex::new(std::collections::HashMap::new()),
            auth_failures: RateLimiter::keyed(
                Quota::per_minute(
                    NonZeroU32::new(cfg.failed_keys_per_minute.max(1)).expect("non-zero"),
                )
                .allow_burst(
                    NonZeroU32::new((cfg.failed_keys_per_minute / 2).max(1)).expect("non-zero"),
                ),
            ),
            require_key: cfg.require_key,
            #[cfg(feature = "postgres")]
            pg: None,
        }
    }

    #[cfg(feature = "postgres")]
    pub(super) fn postgres(&self) -> Option<&crate::store::postgres::Postgres> {
        self.pg.as_ref().map(|l| l.postgres())
    }

    /// What PostgreSQL shows for `/ready`, `/api/v1/stats` and the Estado
    /// page (None: not configured).
    pub(super) fn postgres_status(&self) -> Option<serde_json::Value> {
        #[cfg(feature = "postgres")]
        if let Some(link) = &self.pg {
            return serde_json::to_value(link.status()).ok();
        }
        None
    }

    /// Why PostgreSQL makes this node not ready (read nodes only).
    pub(super) fn postgres_not_ready(&self) -> Option<String> {
        #[cfg(feature = "postgres")]
        if let Some(link) = &self.pg {
            return link.not_ready();
        }
        None
    }

    /// The SQLite read pool (a read node points it at each new load).
    pub fn sqlite_reader(&self) -> Arc<SqliteReader> {
        self.reader.clone().expect("state over SQLite")
    }

    /// Serve `path` (a read node's load): no restore can replace it, so it
    /// is not watched for that.
    pub fn serve_file(&mut self, path: &std::path::Path) {
        self.sqlite_reader().repoint(path);
        self.db_path = None;
    }

    /// After a read node switched to a new load: what was built from the
    /// old file goes (cache, view), and the next read looks the run up.
    pub fn notice_switched_database(&self) {
        if let Some(cache) = &self.cache {
            cache.invalidate_all();
        }
        self.view.store(None);
        self.published_checked.store(0, Ordering::Release);
        crate::metrics::metrics().api_view_run.set(0);
    }

    /// Runs a store read: from the in-memory view of the published run when
    /// it holds the answer (on the calling worker: it takes microseconds),
    /// else on a blocking thread from the database.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl Fn(&dyn ReadStore) -> crate::store::Result<T> + Send + Sync + 'static,
    ) -> Result<T, ApiError> {
        if let Some(view) = self.view.load_full() {
            if view.run == self.published_run.load(Ordering::Acquire) {
                match f(view.as_ref()) {
                    Err(StoreError::NotInMemory) => {}
                    other => return other.map_err(ApiError::from),
                }
            }
        }
        self.database
            .read(move |store| f(store))
            .await?
            .map_err(ApiError::from)
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    /// The run last looked up, if looked up less than a second ago.
    fn recent_run(&self) -> Option<Option<i64>> {
        let at = self.published_checked.load(Ordering::Acquire);
        (at != 0 && self.millis().saturating_sub(at) < 1000).then(|| {
            let run = self.published_run.load(Ordering::Acquire);
            (run >= 0).then_some(run)
        })
    }

    /// The published run, looked up at most once a second: a newly published
    /// run reaches every reader within a second, and every cache key and ETag
    /// changes with it. A new run's in-memory view is built in the
    /// background; until it is ready, the database answers for that run.
    pub async fn current_run(&self) -> Result<Option<i64>, ApiError> {
        if let Some(run) = self.recent_run() {
            return Ok(run);
        }
        let _one = self.published_lookup.lock().await;
        if let Some(run) = self.recent_run() {
            return Ok(run);
        }
        self.notice_replaced_database();
        let run = self.read(|s| s.published_run()).await?.map(|(id, _)| id);
        self.published_run
            .store(run.unwrap_or(-1), Ordering::Release);
        self.published_checked
            .store(self.millis(), Ordering::Release);
        if let Some(run) = run {
            self.ensure_view(run);
        }
        Ok(run)
    }

    /// Starts building the view of `run` unless it is there or being built.
    fn ensure_view(&self, run: i64) {
        if !self.memory_view
            || self.view.load().as_ref().is_some_and(|v| v.run == run)
            || self.view_building.swap(true, Ordering::AcqRel)
        {
            return;
        }
        let store = self.store.clone();
        let (slot, building) = (self.view.clone(), self.view_building.clone());
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            match store.load_view(run) {
                Ok(view) => {
                    let seconds = started.elapsed().as_secs_f64();
                    tracing::info!(run, entities = view.size(), seconds, "view_built");
                    let m = crate::metrics::metrics();
                    m.api_view_build_seconds.set(seconds);
                    m.api_view_run.set(run);
                    slot.store(Some(Arc::new(view)));
                }
                Err(e) => {
                    tracing::error!(run, error = %e, "view_build_failed: the database answers every read")
                }
            }
            building.store(false, Ordering::Release);
        });
    }

    /// How long key checks from `ip` stay refused (None: not blocked).
    pub(super) fn auth_blocked_for(&self, ip: IpAddr) -> Option<std::time::Duration> {
        let mut blocked = self.auth_blocked.lock().expect("auth lock");
        let now = Instant::now();
        blocked.retain(|_, until| *until > now);
        blocked.get(&ip).map(|until| *until - now)
    }

    pub(super) fn update_pool_gauges(&self) {
        if let Some(r) = &self.reader {
            let m = crate::metrics::metrics();
            m.db_connection_pool_size
                .with_label_values(&["sqlite"])
                .set(r.size() as i64);
            m.db_connection_pool_available
                .with_label_values(&["sqlite"])
                .set(r.available() as i64);
        }
        #[cfg(feature = "postgres")]
        if let Some(pg) = self.postgres() {
            let (size, free) = pg.pool_status();
            let m = crate::metrics::metrics();
            m.db_connection_pool_size
                .with_label_values(&["postgres"])
                .set(size as i64);
            m.db_connection_pool_available
                .with_label_values(&["postgres"])
                .set(free as i64);
        }
    }
}

/// A cached answer: its content type and body.
#[derive(Clone)]
pub(super) struct Cached {
    pub(super) content_type: &'static str,
    pub(super) body: bytes::Bytes,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_read_that_panics_answers_an_error_and_its_reader_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        // One reader: the second read can only be answered by the same thread.
        let store = Arc::new(SqliteReader::new(&dir.path().join("none.sqlite3"), 1));
        let database = Database::new(store);
        let failed = database.read(|_| -> u32 { panic!("a read failed") }).await;
        assert_eq!(failed.unwrap_err().code, "internal_error");
        assert_eq!(database.read(|s| s.connections()).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_read_nobody_waits_for_any_more_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteReader::new(&dir.path().join("none.sqlite3"), 1));
        let database = Database::new(store);
        // The one reader is held until `release` is sent.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let blocker = tokio::spawn({
            let database = database.clone();
            async move { database.read(move |_| held.recv().unwrap()).await }
        });
        let ran = Arc::new(AtomicBool::new(false));
        let queued = {
            let ran = ran.clone();
            let database = database.clone();
            tokio::spawn(async move {
                database
                    .read(move |_| ran.store(true, Ordering::SeqCst))
                    .await
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        queued.abort(); // the client went away while its read was queued
        let _ = queued.await;
        release.send(()).unwrap();
        blocker.await.unwrap().unwrap();
        // A read after it shows the queue has moved past the skipped one.
        database.read(|_| ()).await.unwrap();
        assert!(
            !ran.load(Ordering::SeqCst),
            "a read ran for a request that was gone"
        );
    }
}
