//! Helpers shared by the integration tests: a test site on 127.0.0.1 and a
//! configuration pointed at it.

#![allow(dead_code)]

pub mod load;
#[path = "../../examples/support/pg.rs"]
pub mod pg;
pub mod requests;

use renec_harvester::config::Config;
use renec_harvester::harvest::{self, HarvestError, Report};
use renec_harvester::registry::Registry;
use renec_harvester::store::Store;
use renec_harvester::testsite::corpus::Corpus;
use renec_harvester::testsite::faults::FaultRule;
use renec_harvester::testsite::TestSite;
use std::path::{Path, PathBuf};

pub fn site(corpus: Corpus, faults: &[&str]) -> TestSite {
    site_in(
        corpus,
        faults,
        renec_harvester::testsite::heavy::Markup::Light,
    )
}

/// [`site`] with detail pages in the given markup.
pub fn site_in(
    corpus: Corpus,
    faults: &[&str],
    markup: renec_harvester::testsite::heavy::Markup,
) -> TestSite {
    let rules = faults
        .iter()
        .map(|f| FaultRule::parse(f).unwrap())
        .collect();
    TestSite::start_with(corpus, rules, "127.0.0.1:0".parse().unwrap(), markup).unwrap()
}

/// The configuration a test harvest uses: the test site, no politeness
/// delay (it is on this machine), quick retries.
pub fn config(site: &TestSite, data_dir: &Path) -> Config {
    Config {
        data_dir: data_dir.to_path_buf(),
        source_url: site.base_url(),
        download_delay: 0.0,
        request_timeout: 2.0,
        retry_backoff: 0.05,
        retry_times: 5,
        ..Config::defaults()
    }
}

pub fn harvest(cfg: &Config) -> Result<Report, HarvestError> {
    let mut store = Store::open(&cfg.sqlite_path()).unwrap();
    harvest::run(cfg, &Registry::embedded(), &mut store, false)
}

/// The real capture, when this machine has it.
pub fn real_corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/renec-corpus");
    dir.join("getEstandaresAll.json").is_file().then_some(dir)
}

/// The API server on 127.0.0.1:0 over `cfg`'s database, on its own runtime.
pub struct Api {
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Api {
    pub fn start(cfg: &Config) -> Api {
        let state = std::sync::Arc::new(renec_harvester::api::AppState::from_config(cfg));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                renec_harvester::api::serve(state, listener, async {
                    let _ = rx.await;
                })
                .await;
            });
        });
        let addr = addr_rx.recv().unwrap();
        Api {
            base: format!("http://{addr}"),
            stop: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// GET with headers; returns status, headers and body (never an error for 4xx/5xx).
pub fn get(url: &str, headers: &[(&str, &str)]) -> (u16, ureq::http::HeaderMap, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut resp = req.call().unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .body_mut()
        .with_config()
        .limit(100 << 20)
        .read_to_vec()
        .unwrap();
    (status, headers, body)
}

pub fn get_json(url: &str) -> (u16, serde_json::Value) {
    let (status, _, body) = get(url, &[]);
    (
        status,
        serde_json::from_slice(&body).unwrap_or_else(|_| {
            panic!(
                "{url} did not answer JSON: {}",
                String::from_utf8_lossy(&body)
            )
        }),
    )
}

/// The product's binary with a clean environment: no configuration file,
/// database URL, data directory, source or concurrency from the caller's
/// shell, and quiet logs.
pub fn bin() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_renec-harvester"));
    for var in [
        "RENEC_CONFIG",
        "DATABASE_URL",
        "RENEC_DATA_DIR",
        "RENEC_SOURCE_URL",
        "CONCURRENT_REQUESTS",
        "S3_BUCKET",
        "S3_ENDPOINT",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("API_LOG_LEVEL", "warn");
    cmd
}

/// [`bin`] acting on `data_dir`.
pub fn bin_in(data_dir: &Path) -> std::process::Command {
    let mut cmd = bin();
    cmd.env("RENEC_DATA_DIR", data_dir);
    cmd
}

/// Starts `cmd` (a `serve` or `demo` command) on a free port and returns the
/// process and the URL it printed (`serving http://…/`), without the slash.
pub fn serve(mut cmd: std::process::Command) -> (std::process::Child, String) {
    use std::io::BufRead;
    cmd.env("API_PORT", "0")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let line = std::io::BufReader::new(child.stdout.take().unwrap())
        .lines()
        .next()
        .expect("serve printed nothing")
        .unwrap();
    let url = line
        .strip_prefix("serving ")
        .unwrap_or_else(|| panic!("expected `serving URL`, got {line:?}"))
        .trim_end_matches('/')
        .to_string();
    (child, url)
}

/// SIGTERM, then the exit code must be 0.
pub fn stop(mut child: std::process::Child) {
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// Polls `f` every 50 ms until it holds; fails the test after `limit`.
pub fn wait_until(what: &str, limit: std::time::Duration, mut f: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !f() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// GET or POST (no body) with an optional bearer key; status and JSON body
/// (Null when the body is not JSON).
pub fn call(method: &str, url: &str, key: Option<&str>) -> (u16, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let auth = key.map(|k| format!("Bearer {k}"));
    let mut resp = match method {
        "POST" => {
            let mut req = agent.post(url);
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.send_empty()
        }
        _ => {
            let mut req = agent.get(url);
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.call()
        }
    }
    .unwrap();
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_vec().unwrap();
    (
        status,
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    )
}

/// A new API key for `data_dir`, made with the command line (`apikey create`).
pub fn apikey(data_dir: &Path, name: &str, role: &str) -> String {
    let out = bin_in(data_dir)
        .args(["apikey", "create", name, "--role", role])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
