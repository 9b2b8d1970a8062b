//! A newcomer's first run, timed from a fresh clone of the committed HEAD:
//! the README's first command until the demo prints its address, then, on
//! another fresh clone, the README's second command (a clean `cargo test`).
//! Writes the "first-run" section of BENCHMARKS.md.
//!
//!     cargo run --release --example first_run_bench
//!
//! Crates come from cargo's local registry cache (a machine that has never
//! built Rust code also downloads them first). Run it on an otherwise idle
//! machine: it takes about a quarter of an hour on 2 cores.

#[path = "support/bench.rs"]
mod bench_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

fn clone(into: &Path) {
    let repo = env!("CARGO_MANIFEST_DIR");
    let ok = Command::new("git")
        .args(["clone", "--quiet", repo])
        .arg(into)
        .status()
        .expect("git")
        .success();
    assert!(ok, "git clone {repo} failed");
}

fn fresh(cmd: &mut Command) -> &mut Command {
    cmd.env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env("CARGO_TERM_COLOR", "never")
}

fn main() {
    let head = String::from_utf8(
        Command::new("git")
            .args([
                "-C",
                env!("CARGO_MANIFEST_DIR"),
                "rev-parse",
                "--short",
                "HEAD",
            ])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();

    // 1. `cargo run -- demo` until it prints its address.
    let dir = tempfile::tempdir().unwrap();
    let demo_clone = dir.path().join("demo");
    clone(&demo_clone);
    let started = Instant::now();
    let mut demo = fresh(&mut Command::new("cargo"))
        .args(["run", "--", "demo"])
        .current_dir(&demo_clone)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut url = None;
    for line in BufReader::new(demo.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if line.starts_with("http://") {
            url = Some(line);
            break;
        }
    }
    let demo_seconds = started.elapsed().as_secs_f64();
    let url = url.expect("the demo never printed its address");
    let _ = Command::new("kill")
        .args(["-TERM", &demo.id().to_string()])
        .status();
    // `cargo run` passes the signal on to the demo only through its process group.
    let _ = Command::new("pkill")
        .args([
            "-TERM",
            "-f",
            &format!("{}/target/debug/renec-harvester demo", demo_clone.display()),
        ])
        .status();
    let _ = demo.wait();
    eprintln!("demo at {url} after {demo_seconds:.0} s");

    // 2. A clean `cargo test`, on another fresh clone.
    let test_clone = dir.path().join("test");
    clone(&test_clone);
    let started = Instant::now();
    let out = fresh(&mut Command::new("cargo"))
        .arg("test")
        .current_dir(&test_clone)
        .output()
        .unwrap();
    let test_seconds = started.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&out.stderr);
    let build_seconds: f64 = log
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Finished `test` profile")
                .and_then(|rest| rest.rsplit_once(" in "))
                .map(|(_, t)| t.trim().to_string())
        })
        .map_or(0.0, |t| parse_cargo_time(&t));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let passed: u64 = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|l| l.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    assert!(out.status.success(), "cargo test failed:\n{stdout}");
    eprintln!(
        "cargo test: {test_seconds:.0} s ({build_seconds:.0} s building), {passed} tests passed"
    );

    let md = format!(
        "## First run\n\n`cargo run --release --example first_run_bench` — the README's two commands on fresh clones of {head}, on a {}-core machine, crates from the local registry cache. {}.\n\n| command | until | time |\n|---|---|---:|\n| `cargo run -- demo` | the demo prints its address | {} |\n| `cargo test` | every test has run ({passed} passed) | {} ({} of it compiling) |\n\nTarget (issue 15): the first command reaches its address in under 5 minutes. It builds the debug profile, which `cargo test` shares; `cargo run --release -- demo` compiles the optimised binary for several minutes more, and packaging/build.sh the `dist` profile (fat LTO, one codegen unit) of the packages.\n",
        bench_support::cores(),
        bench_support::today(),
        minutes(demo_seconds),
        minutes(test_seconds),
        minutes(build_seconds),
    );
    bench_support::write_section("first-run", &md);
}

/// "2m 40s" or "58.31s" (cargo's own form) in seconds.
fn parse_cargo_time(t: &str) -> f64 {
    let mut total = 0.0;
    for part in t.split_whitespace() {
        if let Some(m) = part.strip_suffix('m') {
            total += m.parse::<f64>().unwrap_or(0.0) * 60.0;
        } else if let Some(s) = part.strip_suffix('s') {
            total += s.parse::<f64>().unwrap_or(0.0);
        }
    }
    total
}

fn minutes(seconds: f64) -> String {
    let s = seconds.round() as u64;
    format!("{} min {:02} s", s / 60, s % 60)
}
