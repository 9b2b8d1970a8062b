//! Reads the in-memory view cannot answer (an older run, `as_of`) go to the
//! database, on one reader thread per connection. Under 128 connections of
//! such reads the service starts no thread (before, a blocking thread for
//! every read waiting for a connection: 158 threads and three times the
//! memory), and every read is answered.

mod common;

use renec_harvester::testsite::generate::generate;
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 128;

fn threads(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap()
}

#[test]
fn many_reads_of_an_older_run_wait_for_a_connection_without_a_thread_each() {
    let dir = tempfile::tempdir().unwrap();
    let site = common::site(generate(1, 23), &[]);
    let cfg = common::config(&site, dir.path());
    for _ in 0..2 {
        assert!(common::harvest(&cfg).unwrap().published());
    }
    let mut cmd = common::bin_in(dir.path());
    cmd.env("RENEC_SOURCE_URL", site.base_url())
        .env("API_CACHE_MB", "0")
        .arg("serve");
    let (child, base) = common::serve(cmd);
    let pid = child.id();
    // Run 1 is not the published run: the view declines, SQLite answers.
    let claves = common::requests::ids(&base, "/api/v1/ec", "clave");
    let mut paths: Vec<String> = claves
        .iter()
        .map(|c| format!("/api/v1/ec/{c}?as_of=1"))
        .collect();
    paths.push("/api/v1/ec?as_of=1&sort=-titulo&limit=100".into());
    paths.push("/api/v1/certificadores?as_of=1".into());
    let before = threads(pid);
    let load = common::load::start(&base, paths, CONNECTIONS, |status| status == 200);
    let started = Instant::now();
    let mut most = 0;
    while started.elapsed() < Duration::from_secs(8) {
        std::thread::sleep(Duration::from_millis(250));
        most = most.max(threads(pid));
    }
    let (answered, failures) = load.stop();
    common::stop(child);
    assert!(
        failures.is_empty(),
        "{:?}",
        &failures[..failures.len().min(5)]
    );
    assert!(answered > 100, "only {answered} reads answered in 8 s");
    // The readers (one per SQLite connection) start with the service: the
    // load adds no thread (room for a scheduled job's, such as the inbox
    // check each minute).
    eprintln!("threads: {before} before the load, at most {most} under it; {answered} reads");
    assert!(
        most <= before + 2,
        "{most} threads under {CONNECTIONS} connections of database reads ({before} before)"
    );
}
