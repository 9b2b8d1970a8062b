//! API load benchmark: the real corpus (or generated data at scale 10) is
//! harvested into a fresh database, the server runs in a child process,
//! and wrk (Debian's `wrk`) loads it with 64 connections on this machine's
//! cores. Also measured: start to ready, and idle memory. Writes the `api`
//! section of BENCHMARKS.md.
//!
//!     apt-get install -y wrk && cargo run --release --example api_bench

#[path = "support/bench.rs"]
mod bench_support;

use renec_harvester::config::Config;
use renec_harvester::registry::Registry;
use renec_harvester::store::Store;
use renec_harvester::testsite::{corpus::Corpus, generate::generate, TestSite};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_FLAG: &str = "--child-serve";
const SECONDS: u32 = 8;

fn server_config(data_dir: &Path, cache: bool) -> Config {
    Config {
        data_dir: data_dir.to_path_buf(),
        api_workers: 2,
        rate_limit_per_second: 0,
        cache_mb: if cache { 64 } else { 0 },
        ..Config::defaults()
    }
}

/// In the child: serve until killed.
fn child(data_dir: &Path, port: u16, cache: bool) {
    let cfg = server_config(data_dir, cache);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let state = std::sync::Arc::new(renec_harvester::api::AppState::from_config(&cfg));
        renec_harvester::api::serve(state, listener, std::future::pending()).await;
    });
}

struct Server {
    child: Child,
    base: String,
    ready_ms: f64,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data_dir: &Path, cache: bool) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            CHILD_FLAG,
            data_dir.to_str().unwrap(),
            &port.to_string(),
            if cache { "cache" } else { "nocache" },
        ])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    loop {
        if let Ok(r) = agent.get(&format!("{base}/ready")).call() {
            if r.status() == 200 {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the server never became ready"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    Server {
        child,
        base,
        ready_ms: started.elapsed().as_secs_f64() * 1000.0,
    }
}

struct Load {
    name: String,
    path: String,
    rps: f64,
    p50: String,
    p99: String,
}

/// Runs wrk on `path` (or, with a script, on what the script requests; `path` then only names it).
fn wrk(name: &str, base: &str, path: &str, script: Option<&Path>) -> Load {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c64", &format!("-d{SECONDS}s"), "--latency"]);
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    }
    let target = if script.is_some() {
        format!("{base}/")
    } else {
        format!("{base}{path}")
    };
    let out = cmd
        .arg(target)
        .output()
        .expect("wrk is not installed: apt-get install -y wrk");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let field = |prefix: &str| -> String {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_string()
    };
    assert!(
        !text.contains("Non-2xx"),
        "{name}: errors under load:\n{text}"
    );
    let load = Load {
        name: name.to_string(),
        path: path.to_string(),
        rps: field("Requests/sec:").parse().unwrap_or(0.0),
        p50: field("50%"),
        p99: field("99%"),
    };
    eprintln!(
        "{:<28} {:>10.0} req/s  p50 {:>8}  p99 {:>8}",
        load.name, load.rps, load.p50, load.p99
    );
    load
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(CHILD_FLAG) {
        child(
            Path::new(&args[2]),
            args[3].parse().unwrap(),
            args[4] == "cache",
        );
        return;
    }
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("wrk is missing: installing Debian's package");
        let ok = Command::new("apt-get")
            .args(["install", "-y", "-qq", "wrk"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "could not install wrk: run `apt-get update && apt-get install -y wrk` as root"
        );
    }
    let real = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/renec-corpus");
    let (data_name, corpus) = if real.join("getEstandaresAll.json").is_file() {
        (
            "the real corpus (1,477 standards)",
            Corpus::load(&real).unwrap(),
        )
    } else {
        (
            "generated data at scale 10 (1,000 standards)",
            generate(10, 2025),
        )
    };
    let dir = tempfile::tempdir().unwrap();
    {
        let site = TestSite::start(corpus, vec![], "127.0.0.1:0".parse().unwrap()).unwrap();
        let cfg = Config {
            data_dir: dir.path().to_path_buf(),
            source_url: site.base_url(),
            download_delay: 0.0,
            ..Config::defaults()
        };
        let mut store = Store::open(&cfg.sqlite_path()).unwrap();
        let report =
            renec_harvester::harvest::run(&cfg, &Registry::embedded(), &mut store, false).unwrap();
        assert!(report.published());
    }

    let cached = start(dir.path(), true);
    std::thread::sleep(Duration::from_secs(1));
    let pid = cached.child.id().to_string();
    let idle_rss = bench_support::status_kb(&pid, "VmRSS:") as f64 / 1024.0;
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let first: serde_json::Value = serde_json::from_slice(
        &agent
            .get(&format!("{}/api/v1/ec?vigente=true&limit=1", cached.base))
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap(),
    )
    .unwrap();
    let code = first["items"][0]["clave"].as_str().unwrap().to_string();

    let mut loads = vec![
        wrk(
            "cached list (50 standards)",
            &cached.base,
            "/api/v1/ec?limit=50",
            None,
        ),
        wrk(
            "standard detail",
            &cached.base,
            &format!("/api/v1/ec/{code}"),
            None,
        ),
        wrk("stats", &cached.base, "/api/v1/stats", None),
    ];
    let loaded_rss = bench_support::status_kb(&pid, "VmHWM:") as f64 / 1024.0;
    drop(cached);

    // Search with the cache off: every request runs its FTS query.
    let uncached = start(dir.path(), false);
    let script = dir.path().join("search.lua");
    std::fs::write(
        &script,
        r#"local words = {"traduccion", "cocina", "alimentos", "seguridad", "mantenimiento", "atencion", "educacion", "turismo",
  "construccion", "salud", "operacion", "evaluacion", "calidad", "servicio", "cliente", "ventas", "agricola", "energia",
  "instituto", "universidad", "tecnologica", "conalep", "asociacion", "centro", "icemexico", "capacitacion", "logistica"}
request = function()
  local q = words[math.random(#words)]
  return wrk.format("GET", "/api/v1/search?q=" .. q .. "&limit=20")
end
"#,
    )
    .unwrap();
    loads.push(wrk(
        "search, cache off",
        &uncached.base,
        "/api/v1/search?q=WORD&limit=20",
        Some(&script),
    ));
    // The Directorio's queries with the cache off: the whole certifier list
    // counted, sorted and paged, by type and by state.
    let script = dir.path().join("directory.lua");
    std::fs::write(
        &script,
        r#"local filters = {"", "&tipo=ECE", "&tipo=OC", "&estado=09", "&estado=14", "&estado=19", "&q=universidad"}
request = function()
  local f = filters[math.random(#filters)]
  return wrk.format("GET", "/api/v1/certificadores?sort=-estandares&limit=50" .. f)
end
"#,
    )
    .unwrap();
    loads.push(wrk(
        "certifier directory, cache off",
        &uncached.base,
        "/api/v1/certificadores?sort=-estandares&limit=50 (alone, or with tipo, estado or q)",
        Some(&script),
    ));
    let ready_ms = uncached.ready_ms.min(start(dir.path(), true).ready_ms);
    drop(uncached);

    let mut md = String::new();
    let _ = writeln!(
        md,
        "## API\n\n`apt-get install -y wrk && cargo run --release --example api_bench` — the server in its own process (2 worker threads, rate limit off) over a database harvested from {data_name}; wrk with 2 threads and 64 connections for {SECONDS} s per row, on the same {}-core machine (so wrk takes CPU from the server). {}.\n",
        bench_support::cores(),
        bench_support::today()
    );
    md.push_str("| load | path | requests/s | p50 | p99 |\n|---|---|---:|---:|---:|\n");
    for l in &loads {
        let _ = writeln!(
            md,
            "| {} | `{}` | {:.0} | {} | {} |",
            l.name, l.path, l.rps, l.p50, l.p99
        );
    }
    let _ = writeln!(
        md,
        "\n| measure | value |\n|---|---:|\n| start to ready (spawn → first `200` from `/ready`) | {ready_ms:.0} ms |\n| idle resident memory after start | {idle_rss:.1} MB |\n| peak resident memory under load | {loaded_rss:.1} MB |\n"
    );
    md.push_str("Targets: a cached list page of 50 standards and a standard's detail at ≥ 20,000 requests/s with p99 < 10 ms; uncached search ≥ 2,000 requests/s; idle RSS < 60 MB; start to ready < 300 ms.\n");
    bench_support::write_section("api", &md);
}
