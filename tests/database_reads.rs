//! Reads the in-memory view cannot answer (an older run, `as_of`) go to the
//! database, on one reader thread per connection. Under 128 connections of
//! such reads the service starts no thread (before, a blocking thread for
//! every read waiting for a connection: 158 threads and three times the
//! memory), and every read is answered.

mod common;

use renec_harvester::testsite::generate::generate;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
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
    let paths = Arc::new(paths);
    let before = threads(pid);

    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|i| {
            let (paths, base, stop) = (paths.clone(), base.clone(), stop.clone());
            let (answered, failures) = (answered.clone(), failures.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .max_idle_connections_per_host(1)
                    .timeout_global(Some(Duration::from_secs(60)))
                    .build()
                    .into();
                let mut n = i * 5;
                while !stop.load(Ordering::Relaxed) {
                    let path = &paths[n % paths.len()];
                    n += 1;
                    match agent.get(format!("{base}{path}")).call() {
                        Ok(r) if r.status() == 200 => {
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(r) => failures
                            .lock()
                            .unwrap()
                            .push(format!("{path}: {}", r.status())),
                        Err(e) => failures.lock().unwrap().push(format!("{path}: {e}")),
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    let mut most = 0;
    while started.elapsed() < Duration::from_secs(8) {
        std::thread::sleep(Duration::from_millis(250));
        most = most.max(threads(pid));
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    common::stop(child);
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{:?}",
        &failures[..failures.len().min(5)]
    );
    let answered = answered.load(Ordering::Relaxed);
    assert!(answered > 100, "only {answered} reads answered in 8 s");
    // The readers (one per SQLite connection) start with the service: the
    // load adds no thread (a little room for a lookup of the published run).
    eprintln!("threads: {before} before the load, at most {most} under it; {answered} reads");
    assert!(
        most <= before + 2,
        "{most} threads under {CONNECTIONS} connections of database reads ({before} before)"
    );
}
