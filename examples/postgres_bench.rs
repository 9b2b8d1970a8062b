//! PostgreSQL benchmark. A generated corpus of 8,900 standards (scale 89,
//! the largest the test site can evolve without reusing a code; 6 times the real corpus's
//! standards, and more links per standard) is harvested twice (the second time
//! evolved: standards added, retired, retitled…) and synced to a throwaway
//! PostgreSQL 15 cluster on this machine: the first (full) sync, the second
//! (incremental) one, and a read node's load are timed. Then the same
//! distinct-request mixes (wrk, cache off) are run against a SQLite node
//! and a `--read-from postgres` node over the same data. Writes the
//! `postgres` section of BENCHMARKS.md.
//!
//!     apt-get install -y wrk postgresql-15 && cargo run --release --example postgres_bench

#[path = "support/bench.rs"]
mod bench_support;
#[path = "support/pg.rs"]
mod pg;

use bench_support::{rotating_script, wrk, Load, SECONDS};
use renec_harvester::config::Config;
use renec_harvester::ops::service::ReadFrom;
use renec_harvester::registry::Registry;
use renec_harvester::store::postgres::{load, sync, Postgres};
use renec_harvester::store::Store;
use renec_harvester::testsite::{evolve::evolve, generate::generate, TestSite};
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_FLAG: &str = "--child-serve";
const SCALE: u32 = 89;

fn node_config(data_dir: &Path, port: u16, url: &str) -> Config {
    Config {
        data_dir: data_dir.to_path_buf(),
        api_host: "127.0.0.1".into(),
        api_port: port,
        api_workers: 2,
        rate_limit_per_second: 0,
        cache_mb: 0,
        database_url: url.to_string(),
        log_level: "warn".into(),
        ..Config::defaults()
    }
}

/// In the child: `renec-harvester serve --no-harvest [--read-from postgres]`.
fn child(data_dir: &Path, port: u16, read_from: &str, url: &str) {
    let cfg = node_config(data_dir, port, url);
    let from = if read_from == "postgres" {
        ReadFrom::Postgres
    } else {
        ReadFrom::Sqlite
    };
    renec_harvester::commands::serve(&cfg, false, true, from, None).unwrap();
}

struct Node {
    child: Child,
    base: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data_dir: &Path, read_from: &str, url: &str) -> Node {
    let port = pg::free_port();
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            CHILD_FLAG,
            data_dir.to_str().unwrap(),
            &port.to_string(),
            read_from,
            url,
        ])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let started = Instant::now();
    loop {
        if let Ok(r) = agent.get(&format!("{base}/ready")).call() {
            if r.status() == 200 {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the {read_from} node never became ready"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The first request starts the in-memory view; wait for it.
    bench_support::warm(&base);
    Node { child, base }
}

fn harvest(cfg: &Config) {
    let mut store = Store::open(&cfg.sqlite_path()).unwrap();
    let report =
        renec_harvester::harvest::run(cfg, &Registry::embedded(), &mut store, false).unwrap();
    assert!(report.published(), "{:?}", report.reasons);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(CHILD_FLAG) {
        child(
            Path::new(&args[2]),
            args[3].parse().unwrap(),
            &args[4],
            &args[5],
        );
        return;
    }
    if let Some(why) = pg::unavailable() {
        panic!("{why}");
    }
    let dir = tempfile::tempdir().unwrap();
    let corpus = generate(SCALE, 2027);
    let (evolved, _) = evolve(&corpus);
    let site = TestSite::start(corpus, vec![], "127.0.0.1:0".parse().unwrap()).unwrap();
    let cfg = Config {
        data_dir: dir.path().to_path_buf(),
        source_url: site.base_url(),
        download_delay: 0.0,
        autothrottle_enabled: false,
        concurrent_requests: 16,
        concurrent_requests_per_host: 16,
        ..Config::defaults()
    };
    eprintln!("harvesting scale {SCALE} twice…");
    harvest(&cfg);
    let db = cfg.sqlite_path();
    let sqlite_mb = std::fs::metadata(&db).unwrap().len() as f64 / 1e6;

    let cluster = pg::Cluster::start();
    cluster.psql("postgres", "CREATE DATABASE renec");
    let url = cluster.url("postgres", "renec");
    let postgres = Postgres::new(&url, 4, Duration::from_secs(30)).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let first = rt
        .block_on(sync::sync(&postgres, &db, None))
        .unwrap()
        .unwrap();
    eprintln!("first sync: {:.2} s", first.seconds);
    site.replace_corpus(evolved);
    harvest(&cfg);
    let second = rt
        .block_on(sync::sync(&postgres, &db, None))
        .unwrap()
        .unwrap();
    eprintln!("second sync: {:.2} s", second.seconds);
    let pg_mb: f64 = cluster
        .psql("renec", "SELECT pg_database_size('renec')")
        .parse::<f64>()
        .unwrap()
        / 1e6;
    let loaded_file = dir.path().join("read-node-load.sqlite3");
    let loaded = rt.block_on(load::load(&postgres, &loaded_file)).unwrap();
    eprintln!("read node load: {:.2} s", loaded.seconds);
    drop(rt);

    // The same mixes against both nodes, one at a time.
    let node_dir = tempfile::tempdir().unwrap();
    let nodes = [
        ("SQLite node", start(dir.path(), "sqlite", "")),
        (
            "read node (PostgreSQL)",
            start(node_dir.path(), "postgres", &url),
        ),
    ];
    let claves: Vec<String> = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn
            .prepare("SELECT clave FROM v_current_estandares ORDER BY clave")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let lists: Vec<String> = (1..=5)
        .flat_map(|nivel| {
            ["clave", "-titulo", "nivel", "-certificadores"]
                .into_iter()
                .flat_map(move |sort| {
                    (0..20).map(move |page| {
                        format!(
                            "/api/v1/ec?nivel={nivel}&sort={sort}&limit=50&offset={}",
                            page * 50
                        )
                    })
                })
        })
        .collect();
    let words = [
        "administracion",
        "atencion",
        "cliente",
        "seguridad",
        "capacitacion",
        "evaluacion",
        "tecnico",
        "tecnicco",
        "mantenimiento",
        "manufactura",
        "turismo",
        "educacion",
        "salud",
        "construccion",
        "agricola",
        "logistica",
        "ventas",
        "calidad",
        "software",
        "traduccion",
    ];
    let searches: Vec<String> = words
        .iter()
        .map(|w| format!("/api/v1/search?q={w}&limit=20"))
        .collect();
    let mixes: [(&str, String, &Vec<String>); 3] = [
        (
            "every standard's detail, in turn",
            format!("/api/v1/ec/{{clave}} ({} standards)", claves.len()),
            &claves.iter().map(|c| format!("/api/v1/ec/{c}")).collect(),
        ),
        (
            "filtered, sorted list pages",
            "/api/v1/ec?nivel=N&sort=S&limit=50&offset=O".into(),
            &lists,
        ),
        (
            "search words, with typos",
            format!("/api/v1/search?q={{word}}&limit=20 ({} words)", words.len()),
            &searches,
        ),
    ];
    let mut rows_md: Vec<(String, Load, Load)> = vec![];
    for (name, shown, paths) in &mixes {
        let script = dir.path().join("mix.lua");
        std::fs::write(&script, rotating_script(paths)).unwrap();
        let a = wrk(name, &nodes[0].1.base, shown, Some(&script), 64);
        let b = wrk(name, &nodes[1].1.base, shown, Some(&script), 64);
        rows_md.push((name.to_string(), a, b));
    }
    drop(nodes);

    let mut md = String::new();
    let _ = writeln!(
        md,
        "## PostgreSQL\n\n`apt-get install -y wrk postgresql-15 && cargo run --release --example postgres_bench` — generated data at scale {SCALE} ({} standards listed, active and not; the largest scale the test site evolves without reusing a code) harvested twice (the second time evolved), synced to a throwaway PostgreSQL 15 cluster on the same {}-core machine (fsync off). {}.\n",
        claves.len(),
        bench_support::cores(),
        bench_support::today()
    );
    let _ = writeln!(
        md,
        "| measure | value |\n|---|---:|\n| harvester's SQLite database | {sqlite_mb:.1} MB |\n| first sync (full: every table, {} rows) | {:.2} s |\n| second sync (incremental: {} ledger rows written, run {} → {}) | {:.2} s |\n| PostgreSQL database after both | {pg_mb:.1} MB |\n| a read node's load of run {} ({} rows, search index included) | {:.2} s |\n",
        first.tables.iter().map(|t| t.inserted).sum::<u64>(),
        first.seconds,
        second.ledger_rows_touched(),
        second.from_run.unwrap_or_default(),
        second.run,
        second.seconds,
        loaded.run,
        loaded.rows,
        loaded.seconds,
    );
    md.push_str("Distinct requests, cache off (`API_CACHE_MB=0`), wrk with 2 threads and 64 connections for ");
    let _ = writeln!(
        md,
        "{SECONDS} s per row, each node alone on the machine (2 API workers):\n\n| mix | path | SQLite node req/s | p99 | read node req/s | p99 |\n|---|---|---:|---:|---:|---:|"
    );
    for (name, a, b) in &rows_md {
        let _ = writeln!(
            md,
            "| {name} | `{}` | {:.0} | {} | {:.0} | {} |",
            a.path, a.rps, a.p99, b.rps, b.p99
        );
    }
    md.push_str("\nTargets: a ten-times generated corpus (scale 10 × 10) syncs in under a minute; a read node's uncached throughput within 2× of the SQLite node's on the same mixes.\n");
    bench_support::write_section("postgres", &md);
}
