//! The HTTP API (read-only JSON, `/api/v1/…`), health and metrics, and the
//! embedded UI, on warp. One dispatcher matches the path and hands each
//! resource to its own module; this file owns what every answer shares:
//! the published run, ETags and 304s, the cache, compression, CORS,
//! security headers, rate limiting, metrics and the access log.

pub mod error;
pub mod params;

mod admin;
mod centros;
mod certificadores;
mod changes;
mod comites;
mod estados;
mod estandares;
mod export;
mod health;
mod http;
pub mod routes;
mod runs;
mod search;
mod sectores;
pub mod server;

use crate::config::Config;
use crate::store::read::{ReadStore, SqliteReader};
use error::ApiError;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use params::Params;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Instant;
use warp::http::{HeaderMap, Method, StatusCode};
use warp::Filter;

/// What every request can reach.
pub struct AppState {
    pub store: Arc<dyn ReadStore>,
    reader: Option<Arc<SqliteReader>>,
    cache: Option<moka::future::Cache<String, Cached>>,
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    limit_loopback: bool,
    cors_origins: Vec<String>,
    prometheus_enabled: bool,
    metrics_loopback_only: bool,
    metrics_token: String,
    ready_max_age_hours: u32,
    published: tokio::sync::Mutex<(Option<i64>, Option<Instant>)>,
    /// The database file's identity (device, inode): a restore swaps the file.
    db_identity: std::sync::Mutex<Option<(u64, u64)>>,
    db_path: Option<std::path::PathBuf>,
    /// The scheduler and harvest controls, when served by `serve`.
    pub daemon: Option<Arc<crate::ops::daemon::DaemonState>>,
    pub cfg: Config,
    /// A read-write connection for API keys and the audit log.
    writer: Option<Arc<std::sync::Mutex<crate::store::local::LocalStore>>>,
    /// Failed key checks per client (brute force is slowed down).
    auth_failures: DefaultKeyedRateLimiter<IpAddr>,
    /// Addresses past the failed-key limit, and until when every key they
    /// present (even a right one) is refused.
    auth_blocked: std::sync::Mutex<std::collections::HashMap<IpAddr, Instant>>,
    require_key: bool,
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
    async fn check_key(
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
        for route in routes::ROUTES {
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
    fn auth_blocked_for(&self, ip: IpAddr) -> Option<std::time::Duration> {
        let mut blocked = self.auth_blocked.lock().expect("auth lock");
        let now = Instant::now();
        blocked.retain(|_, until| *until > now);
        blocked.get(&ip).map(|until| *until - now)
    }

    fn update_pool_gauges(&self) {
        if let Some(r) = &self.reader {
            let m = crate::metrics::metrics();
            m.db_connection_pool_size.set(r.size() as i64);
            m.db_connection_pool_available.set(r.available() as i64);
        }
    }
}

/// What a handler produces.
pub enum Reply {
    /// JSON that may be cached and revalidated (tied to the published run).
    Json(serde_json::Value),
    /// Another body that may be cached and revalidated (feeds, Markdown reports).
    Body {
        content_type: &'static str,
        body: bytes::Bytes,
    },
    /// An answer built by the handler (exports, metrics, health, UI files).
    Raw(warp::reply::Response),
}

/// A cached answer: its content type and body.
#[derive(Clone)]
struct Cached {
    content_type: &'static str,
    body: bytes::Bytes,
}

/// One matched request: its route, its checked parameters and what it needs.
pub struct Request<'a> {
    pub state: &'a AppState,
    /// The published run when the request arrived.
    pub run: Option<i64>,
    /// The query parameters, already checked against the route's list.
    pub params: Params,
    pub params_raw: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub client: Option<SocketAddr>,
    /// The name of the admin key that authorized the request.
    pub actor: Option<String>,
}

impl Request<'_> {
    /// The run to answer from, or 503 when nothing is published yet.
    pub fn run(&self) -> Result<i64, ApiError> {
        self.run.ok_or_else(ApiError::no_data)
    }

    /// The run to answer from: `as_of` (a published run id, or a date
    /// YYYY-MM-DD meaning the last run published that day or before), else
    /// the published run.
    pub async fn run_for(&self, p: &Params) -> Result<i64, ApiError> {
        let run = self.as_of(p).await?;
        if p.text("q").is_some() && Some(run) != self.run {
            return Err(ApiError::bad_parameter("q", "`q` searches the published data and cannot be combined with an older `as_of`; filter by code, sector, level or committee instead"));
        }
        Ok(run)
    }

    async fn as_of(&self, p: &Params) -> Result<i64, ApiError> {
        let Some(v) = p.text("as_of") else {
            return self.run();
        };
        let runs = self.state.read(|s| s.published_runs()).await?;
        if let Ok(id) = v.parse::<i64>() {
            return runs.iter().find(|(r, _)| *r == id).map(|(r, _)| *r).ok_or_else(|| {
                ApiError::not_found(format!("run {id} was not published; `as_of` takes a published run id or a date YYYY-MM-DD"))
            });
        }
        let date = chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d")
            .map_err(|_| {
                ApiError::bad_parameter(
                    "as_of",
                    format!("`as_of` must be a published run id or a date YYYY-MM-DD, got {v:?}"),
                )
            })?
            .to_string();
        runs.iter()
            .rev()
            .find(|(_, finished)| {
                finished
                    .as_deref()
                    .and_then(|f| f.get(..10))
                    .is_some_and(|d| d <= date.as_str())
            })
            .map(|(r, _)| *r)
            .ok_or_else(|| ApiError::not_found(format!("no run was published on or before {date}")))
    }

    /// The name of the admin key that authorized the request.
    pub fn actor(&self) -> &str {
        self.actor.as_deref().unwrap_or("?")
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

fn is_loopback(client: Option<SocketAddr>) -> bool {
    client.is_some_and(|a| a.ip().is_loopback())
}

/// Who may do this: admin paths need an admin key; read paths need a key
/// only with `api.require_key`. Returns the key's name when one was given.
/// Refusals are audited and rate-limited per client.
async fn authorize(
    state: &AppState,
    access: routes::Access,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    client: Option<SocketAddr>,
) -> Result<Option<String>, ApiError> {
    use crate::store::keys::Role;
    let admin = access == routes::Access::Admin;
    let needs_key = admin || (state.require_key && access == routes::Access::Read);
    let presented = headers
        .get(warp::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_string());
    if !needs_key {
        return Ok(None);
    }
    let ip = client.map_or(IpAddr::from([0, 0, 0, 0]), |c| c.ip());
    let refuse = |status: StatusCode, code: &'static str, message: String| ApiError {
        status,
        code,
        message,
        parameter: None,
    };
    if let Some(wait) = state.auth_blocked_for(ip) {
        return Err(refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many failed key checks from this address; no key is checked from it for {} more seconds", wait.as_secs().max(1)),
        ));
    }
    let Some(key) = presented else {
        return Err(refuse(StatusCode::UNAUTHORIZED, "unauthorized", format!("{method} {path} needs an API key: `Authorization: Bearer rh_…` (create one with `renec-harvester apikey create NAME --role {}`)", if admin { "admin" } else { "read" })));
    };
    let found = state.check_key(key).await?;
    match found {
        None => {
            tracing::warn!(auth_failed = true, client_ip = %ip, path, "auth_failed");
            state.audit(
                "user_login",
                None,
                client,
                "refused",
                serde_json::json!({"path": path, "reason": "unknown or revoked key"}),
            );
            if let Err(not_until) = state.auth_failures.check_key(&ip) {
                let wait = not_until
                    .wait_time_from(governor::clock::Clock::now(
                        &governor::clock::DefaultClock::default(),
                    ))
                    .max(std::time::Duration::from_secs(60));
                state
                    .auth_blocked
                    .lock()
                    .expect("auth lock")
                    .insert(ip, Instant::now() + wait);
                return Err(refuse(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("too many failed key checks from this address; no key is checked from it for {} seconds", wait.as_secs()),
                ));
            }
            Err(refuse(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "the API key is unknown or revoked".into(),
            ))
        }
        Some((name, Role::Read)) if admin => {
            tracing::warn!(auth_failed = true, client_ip = %ip, key = %name, path, "auth_forbidden");
            state.audit(
                "user_login",
                Some(&name),
                client,
                "refused",
                serde_json::json!({"path": path, "reason": "read key on an admin endpoint"}),
            );
            Err(refuse(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("the key {name:?} is a read key; {path} needs an admin key"),
            ))
        }
        Some((name, _)) => {
            if admin {
                state.audit(
                    "user_login",
                    Some(&name),
                    client,
                    "ok",
                    serde_json::json!({"path": path, "method": method.as_str()}),
                );
            }
            Ok(Some(name))
        }
    }
}

/// Answers a request the route table knows nothing about: the UI for
/// other paths, a 404 that points at the OpenAPI document under `/api/`.
fn unrouted(method: &Method, path: &str) -> (&'static str, warp::reply::Response) {
    if path.starts_with("/api/") {
        let e = ApiError::not_found(format!(
            "no API route {path}; the routes are listed in /api/v1/openapi.json"
        ));
        return ("/api/*", http::error_response(&e));
    }
    if method != Method::GET && method != Method::HEAD {
        let e = ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: "method_not_allowed",
            message: format!("{method} is not accepted here; the UI is read with GET"),
            parameter: None,
        };
        let mut r = http::error_response(&e);
        r.headers_mut().insert(
            warp::http::header::ALLOW,
            warp::http::HeaderValue::from_static("GET, HEAD"),
        );
        return ("method", r);
    }
    match http::ui_file(path) {
        Reply::Raw(r) => ("/ui", r),
        _ => unreachable!("UI files are raw answers"),
    }
}

/// Routes a request: the table, authorization and parameters, then
/// revalidation and the cache, then the handler.
async fn dispatch(
    state: &AppState,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    client: Option<SocketAddr>,
) -> (&'static str, warp::reply::Response) {
    let (route, values) = match routes::find(method, &segments(path)) {
        routes::Found::Route(route, values) => (route, values),
        routes::Found::WrongMethod(allow) => {
            let e = ApiError {
                status: StatusCode::METHOD_NOT_ALLOWED,
                code: "method_not_allowed",
                message: format!("{method} is not accepted by {path}; it takes {allow}"),
                parameter: None,
            };
            let mut r = http::error_response(&e);
            if let Ok(v) = warp::http::HeaderValue::from_str(&allow) {
                r.headers_mut().insert(warp::http::header::ALLOW, v);
            }
            return ("method", r);
        }
        routes::Found::None => return unrouted(method, path),
    };
    let template = route.path;
    let actor = match authorize(state, route.access, method, path, headers, client).await {
        Ok(actor) => actor,
        Err(e) => {
            let mut r = http::error_response(&e);
            if e.status == StatusCode::UNAUTHORIZED {
                r.headers_mut().insert(
                    warp::http::header::WWW_AUTHENTICATE,
                    warp::http::HeaderValue::from_static("Bearer"),
                );
            }
            let ip = client.map_or(IpAddr::from([0, 0, 0, 0]), |c| c.ip());
            if let Some(wait) = state.auth_blocked_for(ip) {
                r.headers_mut().insert(
                    warp::http::header::RETRY_AFTER,
                    warp::http::HeaderValue::from(wait.as_secs().max(1)),
                );
            }
            return ("auth", r);
        }
    };
    let params = match Params::parse(query, route.params) {
        Ok(p) => p,
        Err(e) => return (template, http::error_response(&e)),
    };
    let run = if route.access == routes::Access::Admin {
        None
    } else {
        match state.current_run().await {
            Ok(run) => run,
            Err(e) => return (template, http::error_response(&e)),
        }
    };
    let key = (route.cached && run.is_some())
        .then(|| format!("{}|{path}|{}", run.unwrap_or(0), params.canonical()));
    let tag = key.as_deref().map(http::etag);
    let m = crate::metrics::metrics();
    let cached = match (&key, &state.cache) {
        (Some(key), Some(cache)) => cache.get(key).await,
        _ => None,
    };
    if let Some(tag) = &tag {
        if http::if_none_match(headers, tag) {
            return (template, http::not_modified(tag));
        }
    }
    if key.is_some() && state.cache.is_some() {
        if let Some(c) = cached {
            m.cache_hits_total.inc();
            return (
                template,
                http::tagged_response(headers, c.content_type, &c.body, tag.as_deref()),
            );
        }
        m.cache_misses_total.inc();
    }
    let req = Request {
        state,
        run,
        params,
        params_raw: query,
        headers,
        client,
        actor,
    };
    let result = (route.handler)(&req, &values).await;
    let (content_type, body) = match result {
        Ok(Reply::Json(value)) => (
            "application/json; charset=utf-8",
            bytes::Bytes::from(serde_json::to_vec(&value).expect("json serializes")),
        ),
        Ok(Reply::Body { content_type, body }) => (content_type, body),
        Ok(Reply::Raw(r)) => return (template, r),
        Err(e) => return (template, http::error_response(&e)),
    };
    if let (Some(key), Some(cache)) = (key, &state.cache) {
        cache
            .insert(
                key,
                Cached {
                    content_type,
                    body: body.clone(),
                },
            )
            .await;
    }
    (
        template,
        http::tagged_response(headers, content_type, &body, tag.as_deref()),
    )
}

/// Longest query string accepted, in bytes.
const MAX_QUERY: usize = 4096;

/// Request size limits: the API takes no bodies and short query strings.
fn oversized(headers: &HeaderMap, query: Option<&str>) -> Option<ApiError> {
    let body = headers
        .get(warp::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if body.is_some_and(|n| n > 0) {
        return Some(ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "body_not_accepted",
            message: "this API is read-only and accepts no request body".into(),
            parameter: None,
        });
    }
    if query.is_some_and(|q| q.len() > MAX_QUERY) {
        return Some(ApiError {
            status: StatusCode::URI_TOO_LONG,
            code: "query_too_long",
            message: format!("the query string is longer than {MAX_QUERY} bytes"),
            parameter: None,
        });
    }
    None
}

/// Handles one request from start to end.
async fn handle(
    state: Arc<AppState>,
    method: Method,
    path: warp::path::FullPath,
    query: Option<String>,
    headers: HeaderMap,
    client: Option<SocketAddr>,
) -> Result<warp::reply::Response, Infallible> {
    let started = Instant::now();
    let path = path.as_str().to_string();
    let (template, mut response) = if method == Method::OPTIONS {
        ("preflight", http::preflight(&state, &headers))
    } else if let Some(e) = oversized(&headers, query.as_deref()) {
        ("limits", http::error_response(&e))
    } else if let Some(wait) = state
        .limiter
        .as_ref()
        .filter(|_| state.limit_loopback || !is_loopback(client))
        .and_then(|l| {
            let ip = client.map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
            l.check_key(&ip).err().map(|not_until| {
                not_until.wait_time_from(governor::clock::Clock::now(
                    &governor::clock::DefaultClock::default(),
                ))
            })
        })
    {
        tracing::warn!(rate_limited = true, client_ip = %client.map(|c| c.ip().to_string()).unwrap_or_default(), path = %path, "rate_limited");
        ("rate_limit", http::rate_limited(wait))
    } else {
        dispatch(&state, &method, &path, query.as_deref(), &headers, client).await
    };
    http::finish(&state, &headers, &mut response);
    if method == Method::HEAD {
        *response.body_mut() = warp::reply::Response::default().into_body();
    }
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    let m = crate::metrics::metrics();
    let status_text = status.to_string();
    m.api_response_duration
        .with_label_values(&[template, status_text.as_str()])
        .observe(elapsed.as_secs_f64());
    m.api_requests_total
        .with_label_values(&[
            template,
            crate::metrics::method_label(&method),
            status_text.as_str(),
        ])
        .inc();
    if status >= 500 {
        m.api_errors_total
            .with_label_values(&[template, status_text.as_str()])
            .inc();
    }
    state.update_pool_gauges();
    tracing::info!(
        route = template,
        method = %method,
        path = %path,
        status,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        client_ip = %client.map(|c| c.ip().to_string()).unwrap_or_default(),
        "http_request"
    );
    Ok(response)
}

/// The warp filter of the whole server.
pub fn filter(
    state: Arc<AppState>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Infallible> + Clone {
    let state = warp::any().map(move || state.clone());
    let query = warp::query::raw()
        .map(Some)
        .or(warp::any().map(|| None))
        .unify();
    state
        .and(warp::method())
        .and(warp::path::full())
        .and(query)
        .and(warp::header::headers_cloned())
        .and(server::client_addr())
        .and_then(handle)
}

/// Serves on `listener` until `shutdown` resolves.
pub async fn serve(
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    server::run(
        filter(state),
        listener,
        shutdown,
        server::HEADER_READ_TIMEOUT,
    )
    .await;
}

/// Sort keys of the named lists (certifiers, offerings, committees).
pub const NAME_SORTS: &[(&str, crate::store::read::NameSort)] = &[
    ("nombre", crate::store::read::NameSort::Nombre),
    ("estandares", crate::store::read::NameSort::Estandares),
];

/// One entity as of the run the parameters ask for (`as_of`), or 404 naming `what`.
pub async fn detail<T: serde::Serialize + Send + 'static>(
    req: &Request<'_>,
    p: &Params,
    what: String,
    read: impl FnOnce(&dyn ReadStore, i64) -> crate::store::Result<Option<T>> + Send + 'static,
) -> Result<Reply, ApiError> {
    let run = req.run_for(p).await?;
    match req.state.read(move |s| read(s, run)).await? {
        Some(v) => Ok(Reply::Json(serde_json::to_value(v).expect("serializes"))),
        None => Err(ApiError::not_found(format!(
            "no {what} in the published data"
        ))),
    }
}

/// The list envelope for a short list answered whole (no next page).
pub fn whole_list<T: serde::Serialize>(items: Vec<T>) -> Reply {
    Reply::Json(serde_json::json!({
        "total": items.len(),
        "limit": items.len(),
        "next": null,
        "items": items,
    }))
}

/// The list envelope: `{"items", "total", "limit", "next"}`, with `next` a
/// URL carrying an opaque cursor (null on the last page).
pub fn list_reply<T: serde::Serialize>(
    path: &str,
    params: &Params,
    page: crate::store::read::PageReq,
    result: crate::store::read::Page<T>,
) -> Reply {
    let next_offset = page.offset + u64::from(page.limit);
    let next = (next_offset < result.total).then(|| {
        let mut query: Vec<(String, String)> =
            url::form_urlencoded::parse(params.canonical().as_bytes())
                .into_owned()
                .filter(|(k, _)| k != "offset" && k != "cursor")
                .collect();
        query.push(("cursor".into(), params::encode_cursor(next_offset)));
        let q = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        format!("{path}?{q}")
    });
    Reply::Json(serde_json::json!({
        "items": result.items,
        "total": result.total,
        "limit": page.limit,
        "next": next,
    }))
}
