//! Harvest benchmark: the real corpus (when ../shared/renec-corpus exists)
//! and generated registries at scale 1, 10 and 100, served by the test site
//! on 127.0.0.1 with politeness off. The harvest runs in a child process so
//! that its CPU time and peak memory are its own; results go to BENCHMARKS.md.
//!
//! Each data set is measured with the test site's light detail pages (the
//! tidy shape of renec-site.md) and its heavy ones (real-world Angular
//! markup, `testsite --markup heavy`), with CPU per MB fetched.
//!
//!     cargo run --release --example harvest_bench [-- --scales 1,10,100] [--runs 3] [--binary PATH]
//!
//! With `--binary` the harvests are that program's `harvest` command (the
//! packaged static binary, say) instead of this build's code; its CPU time
//! and peak memory are then the kernel's account of the child (`wait4`).

use renec_harvester::config::Config;
use renec_harvester::harvest;
use renec_harvester::registry::Registry;
use renec_harvester::store::Store;
use renec_harvester::testsite::heavy::Markup;
use renec_harvester::testsite::{corpus::Corpus, generate::generate, TestSite};
use std::fmt::Write as _;

#[path = "support/bench.rs"]
mod bench_support;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const CHILD_FLAG: &str = "--child-harvest";
/// In a process of its own, runs another program's harvest (see
/// [`binary_child`]).
const BINARY_FLAG: &str = "--child-binary";

/// CPU seconds and peak resident memory (kB) of this process.
fn own_usage() -> (f64, u64) {
    (
        bench_support::cpu_seconds("self"),
        bench_support::status_kb("self", "VmHWM:"),
    )
}

/// In the child: one harvest, then its report (as `harvest --json` prints
/// it) and own usage as one JSON line.
fn child(source_url: &str, data_dir: &Path) {
    let cfg = Config {
        data_dir: data_dir.to_path_buf(),
        source_url: source_url.to_string(),
        download_delay: 0.0,
        randomize_delay: false,
        autothrottle_enabled: false,
        concurrent_requests: 16,
        concurrent_requests_per_host: 16,
        ..Config::defaults()
    };
    let mut store = Store::open(&cfg.sqlite_path()).expect("database");
    let report = harvest::run(&cfg, &Registry::embedded(), &mut store, false).expect("harvest");
    let (cpu, peak_kb) = own_usage();
    let line = serde_json::json!({"report": report, "cpu_s": cpu, "peak_kb": peak_kb});
    println!("{line}");
}

/// A harvest in a child process of its own: by this build (see [`child`]),
/// or by `binary`, which that child runs and waits for (see
/// [`binary_child`]). The program measured is never a fork of this one, whose
/// memory holds the test site's data: a child's peak resident set as the
/// kernel counts it (`ru_maxrss`) includes what the process it was forked
/// from had resident.
fn run_child(source_url: &str, data_dir: &Path, binary: Option<&Path>) -> serde_json::Value {
    let mut cmd = Command::new(std::env::current_exe().expect("own path"));
    match binary {
        None => cmd.arg(CHILD_FLAG),
        Some(bin) => cmd.arg(BINARY_FLAG).arg(bin),
    };
    let out = cmd
        .arg(source_url)
        .arg(data_dir)
        .output()
        .expect("child harvest");
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .last()
        .filter(|_| out.status.success())
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| {
            panic!(
                "the benchmark's harvest failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        })
}

/// In the child: a harvest by another program's `harvest --json`, configured
/// as [`child`] configures this build's; its report, CPU time and peak memory
/// (from `wait4`) as one JSON line.
#[allow(unsafe_code)]
#[allow(clippy::zombie_processes)] // reaped by `wait4`, which also gives its usage
fn binary_child(bin: &Path, source_url: &str, data_dir: &Path) {
    use std::io::Read as _;
    // Its log, for when it fails (beside its database, removed with it).
    let log = data_dir.join("harvest.log");
    let mut child = Command::new(bin)
        .args(["harvest", "--no-progress", "--json"])
        .env_clear()
        .env("RENEC_DATA_DIR", data_dir)
        .env("RENEC_SOURCE_URL", source_url)
        .env("DOWNLOAD_DELAY", "0")
        .env("RANDOMIZE_DOWNLOAD_DELAY", "false")
        .env("AUTOTHROTTLE_ENABLED", "false")
        .env("CONCURRENT_REQUESTS", "16")
        .env("CONCURRENT_REQUESTS_PER_DOMAIN", "16")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("harvest log"))
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("piped")
        .read_to_string(&mut stdout)
        .expect("child output");
    let (mut status, mut usage) = (0, std::mem::MaybeUninit::<libc::rusage>::zeroed());
    // SAFETY: waits for our own child (not reaped before: `wait` is never
    // called on it) and fills the rusage it is given.
    let waited = unsafe { libc::wait4(child.id() as i32, &mut status, 0, usage.as_mut_ptr()) };
    assert_eq!(waited, child.id() as i32, "wait4");
    // SAFETY: filled by wait4.
    let usage = unsafe { usage.assume_init() };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|_| {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        panic!(
            "`{} harvest --json` printed no report (exit status {status}); the end of its log:\n{}",
            bin.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    });
    let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    let line = serde_json::json!({"report": report, "cpu_s": cpu, "peak_kb": usage.ru_maxrss});
    println!("{line}");
}

struct Row {
    name: String,
    markup: &'static str,
    requests: u64,
    /// Requests for detail pages (the rest: robots.txt, catalogue, committees, listings).
    detail_requests: u64,
    mb: f64,
    standards: i64,
    wall: f64,
    cpu: f64,
    peak_mb: f64,
    db_mb: f64,
    /// The least and the most CPU of the runs (the row is the median run).
    cpu_range: (f64, f64),
}

/// `runs` harvests of the same site; the run with the median CPU, and the
/// spread of all of them (this machine's CPU time varies by ±30 % between
/// runs of the same code).
fn measure(name: &str, corpus: Corpus, markup: Markup, runs: usize, binary: Option<&Path>) -> Row {
    let mut all: Vec<Row> = (0..runs.max(1))
        .map(|_| measure_once(name, corpus.clone(), markup, binary))
        .collect();
    all.sort_by(|a, b| a.cpu.total_cmp(&b.cpu));
    let range = (all[0].cpu, all[all.len() - 1].cpu);
    let mut row = all.swap_remove(all.len() / 2);
    row.cpu_range = range;
    eprintln!(
        "{:<28} {:<5} median of {runs}: {:.2} s CPU ({:.2}–{:.2})",
        row.name, row.markup, row.cpu, range.0, range.1
    );
    row
}

fn measure_once(name: &str, corpus: Corpus, markup: Markup, binary: Option<&Path>) -> Row {
    let site = TestSite::start_with(corpus, vec![], "127.0.0.1:0".parse().unwrap(), markup)
        .expect("test site");
    let dir = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let v = run_child(&site.base_url(), dir.path(), binary);
    let wall = started.elapsed().as_secs_f64();
    let db_mb = ["renec.sqlite3", "renec.sqlite3-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.path().join(f)).ok())
        .map(|m| m.len())
        .sum::<u64>() as f64
        / 1e6;
    assert_eq!(
        v["report"]["status"], "published",
        "the benchmark harvest of {name} was not published"
    );
    let summary = &v["report"]["summary"];
    let row = Row {
        name: name.to_string(),
        markup: match markup {
            Markup::Light => "light",
            Markup::Heavy => "heavy",
        },
        requests: summary["requests"].as_u64().unwrap_or(0),
        detail_requests: summary["requests_by_source"]["detail"]
            .as_u64()
            .unwrap_or(0),
        mb: summary["bytes"].as_f64().unwrap_or(0.0) / 1e6,
        standards: v["report"]["counts"]["estandares_vigentes"]
            .as_i64()
            .unwrap_or(0),
        wall,
        cpu: v["cpu_s"].as_f64().unwrap_or(0.0),
        peak_mb: v["peak_kb"].as_f64().unwrap_or(0.0) / 1024.0,
        db_mb,
        cpu_range: (0.0, 0.0),
    };
    eprintln!(
        "{:<28} {:<5} {:>7} requests {:>7.1} MB {:>7.2} s wall {:>6.2} s CPU {:>8.0} req/s {:>6.1} MB peak",
        row.name,
        row.markup,
        row.requests,
        row.mb,
        row.wall,
        row.cpu,
        row.requests as f64 / row.wall,
        row.peak_mb
    );
    row
}

/// Whether cost is linear in requests: per markup, the least-squares fit
/// of CPU = a × detail requests + b × other requests over the generated
/// scales (relative errors weighted alike), and how far each scale is from it.
fn linearity(rows: &[Row]) -> String {
    let mut out = String::new();
    for markup in ["light", "heavy"] {
        let points: Vec<(f64, f64, f64, &str)> = rows
            .iter()
            .filter(|r| r.markup == markup && r.name.starts_with("generated") && r.cpu > 0.0)
            .map(|r| {
                let detail = r.detail_requests as f64;
                (detail, r.requests as f64 - detail, r.cpu, r.name.as_str())
            })
            .collect();
        if points.len() < 3 {
            continue;
        }
        // Normal equations of the weighted problem (each row divided by its CPU).
        let (mut s11, mut s12, mut s22, mut t1, mut t2) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for &(d, o, cpu, _) in &points {
            let (x1, x2) = (d / cpu, o / cpu);
            s11 += x1 * x1;
            s12 += x1 * x2;
            s22 += x2 * x2;
            t1 += x1;
            t2 += x2;
        }
        let det = s11 * s22 - s12 * s12;
        let a = (t1 * s22 - t2 * s12) / det;
        let b = (s11 * t2 - s12 * t1) / det;
        let errors: Vec<String> = points
            .iter()
            .map(|&(d, o, cpu, name)| {
                format!(
                    "{} {:+.1}%",
                    name.trim_start_matches("generated, "),
                    (a * d + b * o - cpu) / cpu * 100.0
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "\nLinear cost, {markup} markup: CPU = {:.3} ms × detail pages + {:.3} ms × other requests fits every generated scale within {:.1}% ({}).",
            a * 1e3,
            b * 1e3,
            points
                .iter()
                .map(|&(d, o, cpu, _)| ((a * d + b * o - cpu) / cpu).abs() * 100.0)
                .fold(0.0, f64::max),
            errors.join(", ")
        );
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(CHILD_FLAG) {
        child(&args[2], Path::new(&args[3]));
        return;
    }
    if args.get(1).map(String::as_str) == Some(BINARY_FLAG) {
        binary_child(Path::new(&args[2]), &args[3], Path::new(&args[4]));
        return;
    }
    let scales: Vec<u32> = args
        .iter()
        .position(|a| a == "--scales")
        .and_then(|i| args.get(i + 1))
        .map_or_else(
            || vec![1, 10, 100],
            |s| s.split(',').filter_map(|v| v.parse().ok()).collect(),
        );
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let binary: Option<PathBuf> = args
        .iter()
        .position(|a| a == "--binary")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let binary = binary.as_deref();
    let harvester = match binary {
        None => "this build's code (`--release`)".to_string(),
        Some(bin) => {
            let version = Command::new(bin)
                .arg("--version")
                .output()
                .expect("--version");
            format!(
                "`{}` ({})",
                bin.display(),
                String::from_utf8_lossy(&version.stdout).trim()
            )
        }
    };

    let mut rows = Vec::new();
    let real = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/renec-corpus");
    if real.join("getEstandaresAll.json").is_file() {
        for markup in [Markup::Light, Markup::Heavy] {
            rows.push(measure(
                "real corpus (2025-11-28)",
                Corpus::load(&real).expect("real corpus"),
                markup,
                runs,
                binary,
            ));
        }
    } else {
        eprintln!("../shared/renec-corpus is not here: measuring generated data only");
    }
    for scale in scales {
        for markup in [Markup::Light, Markup::Heavy] {
            rows.push(measure(
                &format!("generated, scale {scale}"),
                generate(scale, 2025),
                markup,
                runs,
                binary,
            ));
        }
    }

    let mut md = String::new();
    let _ = writeln!(
        md,
        "## Harvest\n\n`cargo run --release --example harvest_bench{}` — a whole harvest (robots.txt, catalogue, committee scan, every detail page, legacy pages, normalization, ledger write, quality checks) of the project's test site on 127.0.0.1, politeness off (no delay, AutoThrottle off, 16 requests in flight). The harvest runs in its own process; CPU is its user + system time and memory its peak resident set (VmHWM), both read from /proc (from `wait4` for another binary). Harvester: {harvester}. Each row is the median of {runs} runs by CPU, with the least and most CPU of the runs in brackets. Machine: {} cores ({}); {}.\n",
        binary.map_or(String::new(), |b| format!(" -- --binary {}", b.display())),
        bench_support::cores(),
        bench_support::cpu_model(),
        bench_support::today()
    );
    md.push_str("| data | detail markup | standards | requests | MB fetched | wall (s) | CPU (s) | CPU s per MB | CPU s per 1,000 requests | requests/s | peak RSS (MB) | database (MB) |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in &rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {:.1} | {:.2} | {:.2} ({:.2}–{:.2}) | {:.3} | {:.3} | {:.0} | {:.1} | {:.1} |",
            r.name,
            r.markup,
            r.standards,
            r.requests,
            r.mb,
            r.wall,
            r.cpu,
            r.cpu_range.0,
            r.cpu_range.1,
            r.cpu / r.mb.max(0.001),
            r.cpu * 1000.0 / (r.requests.max(1) as f64),
            r.requests as f64 / r.wall,
            r.peak_mb,
            r.db_mb
        );
    }
    md.push_str(&linearity(&rows));
    md.push_str("\nTargets (issue 16, heavy markup on the real corpus): at most 0.6 CPU-seconds for the whole harvest, peak RSS at most 60 MB, at most 0.05 CPU-s per MB fetched; at scale 100 peak RSS at most 80 MB and cost linear in requests. A competent Scrapy spider of the same heavy site spends 13.7–15.1 CPU-seconds.\n");
    bench_support::write_section("harvest", &md);
}
