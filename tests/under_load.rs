//! One client must not degrade everyone: during a running harvest (a slow
//! site), 16 threads download exports as fast as they can while a monitor
//! asks `/health` and `/api/v1/stats`, and an operator makes admin calls.
//! Every admin call answers at once (409 for a second harvest, 202 for the
//! stop, on the first try), no monitor request stalls (a liveness bound of
//! seconds, not a benchmark), and every export has its audit row.

mod common;

use renec_harvester::testsite::generate::generate;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[test]
fn exports_and_admin_calls_during_a_harvest_neither_stall_nor_lose_audit_rows() {
    let dir = tempfile::tempdir().unwrap();
    // First the data, quickly; then the service points at a slow copy of
    // the site so that its harvest runs for many seconds.
    let fast = common::site(generate(1, 23), &[]);
    assert!(common::harvest(&common::config(&fast, dir.path()))
        .unwrap()
        .published());
    let slow = common::site(generate(1, 23), &["detail:slow=150", "committee:slow=150"]);
    let key = common::apikey(dir.path(), "ops", "admin");
    let mut cmd = common::bin_in(dir.path());
    cmd.env("RENEC_SOURCE_URL", slow.base_url())
        .env("DOWNLOAD_DELAY", "0")
        .env("CONCURRENT_REQUESTS", "2")
        .env("CONCURRENT_REQUESTS_PER_DOMAIN", "2")
        .arg("serve");
    let (child, base) = common::serve(cmd);
    let url = |p: &str| format!("{base}{p}");

    let (status, body) = common::call("POST", &url("/api/v1/admin/harvest"), Some(&key));
    assert_eq!(status, 202, "{body}");

    let done = Arc::new(AtomicBool::new(false));
    let exports = Arc::new(AtomicUsize::new(0));
    let worst = Arc::new(Mutex::new((Duration::ZERO, String::new())));
    let mut threads = Vec::new();
    for t in 0..16 {
        let (done, exports, base) = (done.clone(), exports.clone(), base.clone());
        threads.push(std::thread::spawn(move || {
            let paths = [
                "/api/v1/export/ec.csv",
                "/api/v1/export/certificadores.csv",
                "/api/v1/export/sectores.json",
                "/api/v1/export/comites.csv",
            ];
            let mut i = t;
            while !done.load(Ordering::SeqCst) {
                let (status, _, body) = common::get(&format!("{base}{}", paths[i % 4]), &[]);
                assert_eq!(status, 200);
                assert!(!body.is_empty());
                exports.fetch_add(1, Ordering::SeqCst);
                i += 1;
            }
        }));
    }
    let monitor = {
        let (done, worst, base) = (done.clone(), worst.clone(), base.clone());
        std::thread::spawn(move || {
            let mut asked = 0;
            while !done.load(Ordering::SeqCst) {
                for p in ["/health", "/api/v1/stats"] {
                    let started = Instant::now();
                    let (status, _, _) = common::get(&format!("{base}{p}"), &[]);
                    assert_eq!(status, 200, "{p}");
                    let took = started.elapsed();
                    let mut w = worst.lock().unwrap();
                    if took > w.0 {
                        *w = (took, p.to_string());
                    }
                    asked += 1;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            asked
        })
    };

    // The operator, while all that runs: each call answers on the first try.
    std::thread::sleep(Duration::from_secs(2));
    let (status, body) = common::call("POST", &url("/api/v1/admin/harvest"), Some(&key));
    assert_eq!(status, 409, "a second harvest while one runs: {body}");
    let (status, body) = common::call("GET", &url("/api/v1/admin/config"), Some(&key));
    assert_eq!(status, 200, "{body}");
    std::thread::sleep(Duration::from_secs(3));
    let (status, body) = common::call("POST", &url("/api/v1/admin/harvest/stop"), Some(&key));
    assert_eq!(status, 202, "the stop, first try: {body}");

    done.store(true, Ordering::SeqCst);
    for t in threads {
        t.join().unwrap();
    }
    let asked = monitor.join().unwrap();
    let made = exports.load(Ordering::SeqCst);
    let (took, path) = worst.lock().unwrap().clone();
    assert!(made >= 100, "the exports ran: {made}");
    assert!(asked >= 20, "the monitor ran: {asked}");
    assert!(
        took < Duration::from_secs(5),
        "{path} took {took:?} while {made} exports ran during the harvest"
    );

    // Every export has its audit row (written in the background: poll).
    // (Distinct ids: rows still arriving shift the pages while they are read.)
    let count_exports = || {
        let mut ids = std::collections::HashSet::new();
        let mut offset = 0;
        loop {
            let (status, page) = common::call(
                "GET",
                &url(&format!("/api/v1/admin/audit?limit=500&offset={offset}")),
                Some(&key),
            );
            assert_eq!(status, 200, "{page}");
            let items = page["items"].as_array().unwrap().clone();
            ids.extend(
                items
                    .iter()
                    .filter(|e| e["event"] == "data_export")
                    .map(|e| e["id"].to_string()),
            );
            if items.len() < 500 {
                return ids.len();
            }
            offset += 500;
        }
    };
    let mut counted = 0;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        counted = count_exports();
        if counted == made {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(counted, made, "audit rows of exports");
    common::stop(child);
}
