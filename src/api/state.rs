//! What every request can reach: the store, the cache, the limiters, the
//! machine's keys and audit log, the scheduler, the published run.

use super::error::ApiError;
use crate::config::Config;
use crate::store::read::{ReadStore, SqliteReader};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Instant;

/// What every request can reach.
pub struct AppState {
    pub store: Arc<dyn ReadStore>,
    pub(super) reader: Option<Arc<SqliteReader>>,
    pub(super) cache: Option<moka::future::Cache<String, Cached>>,
    pub(super) limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    pub(super) limit_loopback: bool,
    pub(super) cors_origins: Vec<String>,
    pub(super) prometheus_enabled: bool,
    pub(super) metrics_loopback_only: bool,
    pub(super) metrics_token: String,
    pub(super) ready_max_age_hours: u32,
    pub(super) published: tokio::sync::Mutex<(Option<i64>, Option<Instant>)>,
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
            published: tokio::sync::Mutex::new((None, None)),
            db_identity: std::sync::Mutex::new(None),
            db_path: None,
            daemon: None,
            cfg: cfg.clone(),
            writer: None,
            auth_blocked: std::sync::Mutex::new(std::collections::HashMap::new()),
            auth_failures: RateLimiter::keyed(
                Quota::per_minute(NonZeroU32::new(10).expect("non-zero"))
                    .allow_burst(NonZeroU32::new(5).expect("non-zero")),
            ),
            require_key: cfg.require_key,
        }
    }

    /// Runs a blocking store read off the async workers.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn ReadStore) -> crate::store::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::from)
    }

    /// The published run, looked up at most once a second: a newly published
    /// run reaches every reader within a second, and every cache key and ETag
    /// changes with it.
    pub async fn current_run(&self) -> Result<Option<i64>, ApiError> {
        let mut cached = self.published.lock().await;
        if let (run, Some(at)) = *cached {
            if at.elapsed() < std::time::Duration::from_secs(1) {
                return Ok(run);
            }
        }
        self.notice_replaced_database();
        let run = self.read(|s| s.published_run()).await?.map(|(id, _)| id);
        *cached = (run, Some(Instant::now()));
        Ok(run)
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
            m.db_connection_pool_size.set(r.size() as i64);
            m.db_connection_pool_available.set(r.available() as i64);
        }
    }
}

/// A cached answer: its content type and body.
#[derive(Clone)]
pub(super) struct Cached {
    pub(super) content_type: &'static str,
    pub(super) body: bytes::Bytes,
}
