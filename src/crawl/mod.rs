//! HTTP fetching: a bounded pool of blocking ureq workers, per-host
//! politeness (`throttle`), robots.txt (`robots`), retries with exponential
//! backoff and jitter, conditional requests, and charset decoding (`decode`).
//! The fetcher knows nothing of SQL: the harvest records what it reports.

pub mod decode;
pub mod robots;
pub mod throttle;

use rand::Rng;
use robots::RobotsPolicy;
use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};
use throttle::{Throttle, ThrottleSettings};
use url::Url;

#[derive(Debug, Clone)]
pub struct FetchSettings {
    pub user_agent: String,
    pub timeout: Duration,
    pub retry_times: u32,
    pub retry_backoff: f64,
    pub max_body: u64,
    pub robots_obey: bool,
    pub concurrency: u32,
    pub throttle: ThrottleSettings,
}

impl FetchSettings {
    pub fn from_config(c: &crate::config::Config) -> FetchSettings {
        FetchSettings {
            user_agent: c.user_agent(),
            timeout: Duration::from_secs_f64(c.request_timeout),
            retry_times: c.retry_times,
            retry_backoff: c.retry_backoff,
            max_body: c.max_body_bytes,
            robots_obey: c.robotstxt_obey,
            concurrency: c.concurrent_requests,
            throttle: ThrottleSettings {
                per_host: c.concurrent_requests_per_host,
                delay: c.download_delay,
                randomize: c.randomize_delay,
                autothrottle: c.autothrottle_enabled,
                target_concurrency: c.autothrottle_target_concurrency,
                max_delay: c.autothrottle_max_delay,
            },
        }
    }
}

/// Stored validators of a URL, sent as `If-None-Match` / `If-Modified-Since`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub url: Url,
    pub validators: Option<Validators>,
}

impl Request {
    pub fn new(url: Url) -> Request {
        Request {
            url,
            validators: None,
        }
    }
}

/// Keeps an attempt, with one debug line per request tried (`--log-level debug`).
fn push_logged(attempts: &mut Vec<Attempt>, url: &url::Url, a: Attempt) {
    tracing::debug!(
        url = %url,
        attempt = a.attempt,
        status = a.status.unwrap_or(0),
        duration_ms = a.duration.as_secs_f64() * 1000.0,
        bytes = a.bytes,
        error = a.error.as_deref().unwrap_or(""),
        will_retry = a.will_retry,
        "http_attempt"
    );
    attempts.push(a);
}

/// What the caller of [`Fetcher::fetch_all`] makes of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Done,
    /// A 304 for a page whose cached body is gone: fetch it again without
    /// validators (the HTTP cache's rule, kept in the fetch layer).
    RefetchUnconditionally,
}

/// One try of one request: a row of `harvest_events`.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub attempt: u32,
    pub status: Option<u16>,
    pub bytes: u64,
    pub duration: Duration,
    pub error: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub will_retry: bool,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    /// A final answer with a body (2xx, or a 4xx that retrying cannot change).
    Response(Response),
    /// 304: the stored body is still current.
    NotModified,
    /// No usable answer after every retry (with the last body, if any).
    Failed {
        status: Option<u16>,
        error: String,
        body: Option<Vec<u8>>,
    },
    /// robots.txt forbids the URL: never requested.
    Disallowed,
    /// The harvest was asked to stop before this request started.
    Cancelled,
}

#[derive(Debug, Clone)]
pub struct Fetched {
    pub request: Request,
    pub outcome: Outcome,
    pub attempts: Vec<Attempt>,
}

#[derive(Debug, thiserror::Error)]
pub enum RobotsError {
    #[error("robots.txt of {host} could not be read ({reason}); the harvest stops rather than assume everything is allowed")]
    Unreadable { host: String, reason: String },
}

fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

/// What one HTTP exchange gave, before retry decisions.
enum Exchange {
    Answer {
        resp: Response,
        retry_after: Option<f64>,
    },
    Transport(String),
    Fatal(String),
}

/// Fetches pages on one pool of worker threads that lives as long as the
/// fetcher (a whole harvest), started on first use.
pub struct Fetcher {
    core: Arc<Core>,
    pool: std::sync::OnceLock<Pool>,
}

/// What the workers share: the HTTP agent, politeness, robots rules and the
/// stop flag. `Fetcher` derefs to it.
pub struct Core {
    agent: ureq::Agent,
    settings: FetchSettings,
    throttle: Throttle,
    robots: Mutex<HashMap<String, Arc<RobotsPolicy>>>,
    stop: Arc<AtomicBool>,
}

impl std::ops::Deref for Fetcher {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

/// One request for the pool, with where its answer goes.
type Job = (Request, mpsc::Sender<Fetched>);

/// The worker threads. Dropping the pool closes the job channel, and each
/// worker ends after its current request.
struct Pool {
    jobs: mpsc::Sender<Job>,
}

impl Pool {
    fn start(core: &Arc<Core>, workers: usize) -> Pool {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers {
            let (rx, core) = (rx.clone(), Arc::downgrade(core));
            let spawned = std::thread::Builder::new()
                .name(format!("fetch-{i}"))
                .spawn(move || loop {
                    let job = rx.lock().expect("job queue").recv();
                    let Ok((req, answer)) = job else { break };
                    // The fetcher is gone: nothing is waiting for answers.
                    let Some(core) = core.upgrade() else { break };
                    let _ = answer.send(core.fetch_one(req));
                });
            if spawned.is_err() {
                tracing::warn!(worker = i, "fetch_worker_not_started");
            }
        }
        Pool { jobs: tx }
    }
}

/// The largest response head (status line and headers) accepted.
const RESPONSE_HEAD_MAX: usize = 64 << 10;

/// The most a body is sized for before it arrives (see [`Core::exchange`]).
const PRESIZE_MAX: u64 = 1 << 20;

fn header(resp: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `Retry-After`: seconds or an HTTP date.
pub fn parse_retry_after(v: &str) -> Option<f64> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then_some(secs);
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs =
        (when.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds() as f64 / 1000.0;
    Some(secs.max(0.0))
}

fn retryable_status(status: u16) -> bool {
    status == 408 || status == 429 || (500..600).contains(&status)
}

impl Fetcher {
    pub fn new(settings: FetchSettings) -> Fetcher {
        Fetcher {
            core: Arc::new(Core::new(settings)),
            pool: std::sync::OnceLock::new(),
        }
    }

    /// Uses `stop` as the cancellation flag (shared with whoever may stop the harvest).
    pub fn with_stop(mut self, stop: Arc<AtomicBool>) -> Fetcher {
        Arc::get_mut(&mut self.core)
            .expect("the stop flag is set before any request")
            .stop = stop;
        self
    }

    /// The robots.txt request for the host of `base`.
    pub fn robots_request(base: &Url) -> Request {
        let mut url = base.clone();
        url.set_path("/robots.txt");
        url.set_query(None);
        Request::new(url)
    }
}

/// ureq resolves a host on a thread of its own for every new connection
/// (so that the lookup can time out): a harvest of thousands of requests
/// would start thousands of threads. One lookup per host and fetcher is enough.
#[derive(Default)]
struct CachingResolver {
    inner: ureq::unversioned::resolver::DefaultResolver,
    cache: Mutex<HashMap<String, Vec<std::net::SocketAddr>>>,
}

impl std::fmt::Debug for CachingResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CachingResolver")
    }
}

impl ureq::unversioned::resolver::Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let key = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or(""),
            uri.authority().map(|a| a.as_str()).unwrap_or("")
        );
        if let Some(addrs) = self.cache.lock().expect("resolver cache").get(&key) {
            let mut out = self.empty();
            for a in addrs {
                out.push(*a);
            }
            return Ok(out);
        }
        let got = self.inner.resolve(uri, config, timeout)?;
        self.cache
            .lock()
            .expect("resolver cache")
            .insert(key, got.iter().copied().collect());
        Ok(got)
    }
}

impl Core {
    fn new(settings: FetchSettings) -> Core {
        let config = ureq::Agent::config_builder()
            .user_agent(settings.user_agent.as_str())
            .http_status_as_error(false)
            .timeout_global(Some(settings.timeout))
            .max_idle_connections_per_host(settings.concurrency as usize * 2)
            // Each connection's buffers, zeroed when it opens: a GET's head
            // fits in 16 KiB; the input holds a whole response head (up to
            // ureq's 64 KiB limit) and then the body as it arrives. ureq's
            // 128 KiB each cost a quarter MiB per pooled connection.
            .output_buffer_size(16 << 10)
            .input_buffer_size(RESPONSE_HEAD_MAX)
            .max_response_header_size(RESPONSE_HEAD_MAX)
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            ureq::unversioned::transport::DefaultConnector::default(),
            CachingResolver::default(),
        );
        Core {
            agent,
            throttle: Throttle::new(settings.throttle),
            settings,
            robots: Mutex::new(HashMap::new()),
            stop: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A flag that, once set, makes workers cancel the requests not yet started.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    pub fn settings(&self) -> &FetchSettings {
        &self.settings
    }

    /// Installs the host's policy from the answer to its robots.txt request:
    /// 200 gives rules, 404 allows everything, anything else stops the harvest.
    pub fn install_robots(&self, fetched: &Fetched) -> Result<(), RobotsError> {
        let host = host_key(&fetched.request.url);
        let policy = if !self.settings.robots_obey {
            RobotsPolicy::AllowAll
        } else {
            match &fetched.outcome {
                Outcome::Response(r) if r.status == 200 => RobotsPolicy::parse(&r.body),
                Outcome::Response(r) if r.status == 404 => RobotsPolicy::AllowAll,
                Outcome::Response(r) => {
                    return Err(RobotsError::Unreadable {
                        host,
                        reason: format!("HTTP {}", r.status),
                    })
                }
                Outcome::Failed { error, .. } => {
                    return Err(RobotsError::Unreadable {
                        host,
                        reason: error.clone(),
                    })
                }
                other => {
                    return Err(RobotsError::Unreadable {
                        host,
                        reason: format!("{other:?}"),
                    })
                }
            }
        };
        if let Some(delay) = policy.crawl_delay() {
            self.throttle.set_crawl_delay(&host, delay);
        }
        self.robots
            .lock()
            .expect("robots lock")
            .insert(host, Arc::new(policy));
        Ok(())
    }

    /// Whether robots.txt allows `url` (false for a host whose robots.txt was not read).
    pub fn allowed(&self, url: &Url) -> bool {
        if !self.settings.robots_obey {
            return true;
        }
        // Read in place: a host's rules are not copied for every request.
        self.robots
            .lock()
            .expect("robots lock")
            .get(&host_key(url))
            .is_some_and(|p| p.allowed(url.as_str()))
    }

    fn exchange(&self, req: &Request) -> Exchange {
        let mut call = self.agent.get(req.url.as_str());
        if let Some(v) = &req.validators {
            if let Some(etag) = &v.etag {
                call = call.header("If-None-Match", etag.as_str());
            }
            if let Some(lm) = &v.last_modified {
                call = call.header("If-Modified-Since", lm.as_str());
            }
        }
        let mut resp = match call.call() {
            Ok(r) => r,
            Err(ureq::Error::BadUri(e)) => return Exchange::Fatal(format!("bad URL: {e}")),
            Err(e) => return Exchange::Transport(e.to_string()),
        };
        let status = resp.status().as_u16();
        let content_type = header(&resp, "content-type");
        let etag = header(&resp, "etag");
        let last_modified = header(&resp, "last-modified");
        let retry_after = header(&resp, "retry-after").and_then(|v| parse_retry_after(&v));
        let declared: Option<u64> = if header(&resp, "content-encoding").is_none() {
            header(&resp, "content-length").and_then(|v| v.trim().parse().ok())
        } else {
            None
        };
        // Sized from Content-Length, so a page is read into one allocation
        // instead of a vector grown and copied (at most 1 MiB up front: the
        // header is the server's word, not yet the body's size).
        let mut body = Vec::with_capacity(declared.map_or(0, |n| n.min(PRESIZE_MAX) as usize + 1));
        let read = resp
            .body_mut()
            .with_config()
            .limit(self.settings.max_body)
            .reader()
            .read_to_end(&mut body)
            .map_err(ureq::Error::from);
        match read {
            Ok(_) => {}
            Err(ureq::Error::BodyExceedsLimit(n)) => {
                return Exchange::Fatal(format!(
                    "body larger than the {n}-byte limit (crawl.max_body_bytes)"
                ))
            }
            Err(e) => return Exchange::Transport(format!("body cut short: {e}")),
        }
        if let Some(n) = declared {
            if n != body.len() as u64 && status != 304 {
                return Exchange::Transport(format!(
                    "truncated body: Content-Length {n}, received {}",
                    body.len()
                ));
            }
        }
        Exchange::Answer {
            resp: Response {
                status,
                body,
                content_type,
                etag,
                last_modified,
            },
            retry_after,
        }
    }

    fn backoff(&self, attempt: u32, retry_after: Option<f64>) -> Duration {
        let base = self.settings.retry_backoff * 2f64.powi(attempt as i32);
        let jittered = base * rand::rng().random_range(0.5..1.5);
        Duration::from_secs_f64(jittered.max(retry_after.unwrap_or(0.0)).min(120.0))
    }

    /// Fetches one URL: robots, politeness, retries. Blocking.
    pub fn fetch_one(&self, req: Request) -> Fetched {
        let mut attempts = Vec::new();
        let is_robots = req.url.path() == "/robots.txt";
        if !is_robots && !self.allowed(&req.url) {
            return Fetched {
                request: req,
                outcome: Outcome::Disallowed,
                attempts,
            };
        }
        let host = host_key(&req.url);
        let max_attempts = self.settings.retry_times + 1;
        for attempt in 1..=max_attempts {
            if self.stop.load(Ordering::Relaxed) {
                return Fetched {
                    request: req,
                    outcome: Outcome::Cancelled,
                    attempts,
                };
            }
            self.throttle.acquire(&host);
            let started = Instant::now();
            let exchange = self.exchange(&req);
            let duration = started.elapsed();
            let last = attempt == max_attempts;
            let (status, retry_after) = match &exchange {
                Exchange::Answer { resp, retry_after } => (Some(resp.status), *retry_after),
                _ => (None, None),
            };
            self.throttle.release(&host, duration, status, retry_after);
            let mut record = Attempt {
                attempt,
                status,
                bytes: 0,
                duration,
                error: None,
                etag: None,
                last_modified: None,
                will_retry: false,
            };
            match exchange {
                Exchange::Answer { resp, retry_after } => {
                    record.bytes = resp.body.len() as u64;
                    record.etag = resp.etag.clone();
                    record.last_modified = resp.last_modified.clone();
                    if retryable_status(resp.status) && !last {
                        record.will_retry = true;
                        record.error = Some(format!("HTTP {}", resp.status));
                        push_logged(&mut attempts, &req.url, record);
                        std::thread::sleep(self.backoff(attempt - 1, retry_after));
                        continue;
                    }
                    push_logged(&mut attempts, &req.url, record);
                    let outcome = if resp.status == 304 {
                        Outcome::NotModified
                    } else if retryable_status(resp.status) {
                        Outcome::Failed {
                            status: Some(resp.status),
                            error: format!("HTTP {} after {attempt} attempts", resp.status),
                            body: Some(resp.body),
                        }
                    } else {
                        Outcome::Response(resp)
                    };
                    return Fetched {
                        request: req,
                        outcome,
                        attempts,
                    };
                }
                Exchange::Transport(error) => {
                    record.error = Some(error.clone());
                    record.will_retry = !last;
                    push_logged(&mut attempts, &req.url, record);
                    if last {
                        let error = format!("{error} (after {attempt} attempts)");
                        return Fetched {
                            request: req,
                            outcome: Outcome::Failed {
                                status: None,
                                error,
                                body: None,
                            },
                            attempts,
                        };
                    }
                    std::thread::sleep(self.backoff(attempt - 1, None));
                }
                Exchange::Fatal(error) => {
                    record.error = Some(error.clone());
                    push_logged(&mut attempts, &req.url, record);
                    let outcome = Outcome::Failed {
                        status: None,
                        error,
                        body: None,
                    };
                    return Fetched {
                        request: req,
                        outcome,
                        attempts,
                    };
                }
            }
        }
        unreachable!("the last attempt always returns")
    }
}

impl Fetcher {
    /// Fetches every request on the fetcher's pool of `concurrency` threads
    /// and hands each result to `on_result` on the calling thread, as it completes.
    ///
    /// A conditional request answered 304 whose body the caller no longer
    /// holds (`on_result` says `RefetchUnconditionally`) is fetched once
    /// more without validators, and its answer handed over in turn.
    pub fn fetch_all(
        &self,
        requests: Vec<Request>,
        mut on_result: impl FnMut(Fetched) -> Disposition,
    ) {
        let mut again = Vec::new();
        self.fetch_round(requests, |fetched| {
            let conditional = fetched.request.validators.is_some();
            let url = fetched.request.url.clone();
            if matches!(on_result(fetched), Disposition::RefetchUnconditionally) && conditional {
                again.push(Request::new(url));
            }
        });
        self.fetch_round(again, |fetched| {
            on_result(fetched);
        });
    }

    /// One pass over `requests` on the worker pool (started on first use,
    /// as many workers as requests may be in flight).
    fn fetch_round(&self, requests: Vec<Request>, mut on_result: impl FnMut(Fetched)) {
        if requests.is_empty() {
            return;
        }
        let pool = self
            .pool
            .get_or_init(|| Pool::start(&self.core, (self.settings.concurrency as usize).max(1)));
        let (tx, rx) = mpsc::channel::<Fetched>();
        for req in requests {
            if pool.jobs.send((req, tx.clone())).is_err() {
                break;
            }
        }
        drop(tx);
        for fetched in rx {
            on_result(fetched);
        }
    }
}

#[cfg(test)]
mod tests;
