//! Shared by the benchmark examples: BENCHMARKS.md sections and /proc readings.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::PathBuf;

/// Replaces (or appends) the section between `<!-- name -->` and `<!-- /name -->`.
pub fn write_section(name: &str, content: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        "# Benchmarks\n\nEach section is written by the command it names (do not edit by hand).\n".to_string()
    });
    let (start, end) = (format!("<!-- {name} -->"), format!("<!-- /{name} -->"));
    let block = format!("{start}\n{}\n{end}", content.trim_end());
    let new = match (old.find(&start), old.find(&end)) {
        (Some(a), Some(b)) if b > a => format!("{}{block}{}", &old[..a], &old[b + end.len()..]),
        _ => format!("{}\n{block}\n", old.trim_end()),
    };
    std::fs::write(&path, new).expect("write BENCHMARKS.md");
    eprintln!("wrote the {name} section of {}", path.display());
}

/// One published harvest of the test site at `source_url` into `data_dir`,
/// politeness off.
pub fn harvest_into(source_url: &str, data_dir: &std::path::Path) {
    use renec_harvester::{config::Config, registry::Registry, store::Store};
    let cfg = Config {
        data_dir: data_dir.to_path_buf(),
        source_url: source_url.to_string(),
        download_delay: 0.0,
        ..Config::defaults()
    };
    let mut store = Store::open(&cfg.sqlite_path()).expect("database");
    let report = renec_harvester::harvest::run(&cfg, &Registry::embedded(), &mut store, false)
        .expect("harvest");
    assert!(
        report.published(),
        "the benchmark harvest was not published"
    );
}

/// A field of /proc/PID/status in kB (VmRSS, VmHWM).
pub fn status_kb(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// CPU seconds (user + system) of a process (Linux counts 100 ticks a second).
pub fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

pub fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(0, |n| n.get())
}

/// The CPU's model name (`/proc/cpuinfo`), so that a table says which
/// machine it was measured on: CPU seconds differ by more than half
/// between the machines these benchmarks have run on.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "CPU model unknown".into())
}

/// Seconds wrk runs per row.
pub const SECONDS: u32 = 8;

/// What wrk measured on one row.
pub struct Load {
    pub name: String,
    pub path: String,
    pub connections: u32,
    pub rps: f64,
    pub p50: String,
    pub p95: String,
    pub p99: String,
}

/// Prints the 95th percentile, which wrk's `--latency` leaves out.
const P95: &str = "done = function(summary, latency, requests)\n  io.write(string.format(\"p95: %.2fms\\n\", latency:percentile(95) / 1000))\nend\n";

/// Runs wrk with `connections` on `path` (or, with a script, on what the
/// script requests; `path` then only names it).
pub fn wrk(
    name: &str,
    base: &str,
    path: &str,
    script: Option<&std::path::Path>,
    connections: u32,
) -> Load {
    let lua = std::env::temp_dir().join(format!("renec-bench-{}.lua", std::process::id()));
    let mut text = match script {
        Some(s) => std::fs::read_to_string(s).expect("wrk script"),
        None => String::new(),
    };
    text.push_str(P95);
    std::fs::write(&lua, text).expect("write the wrk script");
    let mut cmd = std::process::Command::new("wrk");
    cmd.args([
        "-t2",
        &format!("-c{connections}"),
        &format!("-d{SECONDS}s"),
        "--latency",
    ]);
    cmd.arg("-s").arg(&lua);
    let target = if script.is_some() {
        format!("{base}/")
    } else {
        format!("{base}{path}")
    };
    let out = cmd
        .arg(target)
        .output()
        .expect("wrk is not installed: apt-get install -y wrk");
    let _ = std::fs::remove_file(&lua);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let field = |prefix: &str| -> String {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_string()
    };
    assert!(
        !text.contains("Non-2xx") && !text.contains("Socket errors"),
        "{name}: errors under load:\n{text}"
    );
    let load = Load {
        name: name.to_string(),
        path: path.to_string(),
        connections,
        rps: field("Requests/sec:").parse().unwrap_or(0.0),
        p50: field("50%"),
        p95: field("p95:"),
        p99: field("99%"),
    };
    eprintln!(
        "{:<28} c{:<4} {:>10.0} req/s  p50 {:>8}  p95 {:>8}  p99 {:>8}",
        load.name, load.connections, load.rps, load.p50, load.p95, load.p99
    );
    load
}

/// A gauge from /metrics.
pub fn metric(base: &str, name: &str) -> f64 {
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let text = agent
        .get(&format!("{base}/metrics"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// A wrk script that walks `paths` in turn (each thread from its own start).
pub fn rotating_script(paths: &[String]) -> String {
    let mut lua = String::from("local paths = {\n");
    for p in paths {
        let _ = writeln!(lua, "  {:?},", p);
    }
    lua.push_str(
        "}\nlocal i = 0\nsetup = function(thread) thread:set(\"start\", math.random(#paths)) end\ninit = function(args) i = (start or 0) end\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n",
    );
    lua
}

/// Waits until the server's in-memory view is built (the first request starts it).
pub fn warm(base: &str) {
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let started = std::time::Instant::now();
    loop {
        let _ = agent.get(&format!("{base}/api/v1/stats")).call();
        if metric(base, "api_view_run") > 0.0 {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the view was never built"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
