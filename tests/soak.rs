//! Soak: a minute of API load at 128 connections against the service
//! (`serve`) while it harvests the test site's faulty profile behind a
//! Crawl-delay, and publishes a new run in the middle of it. Each connection
//! walks the long list of distinct requests (tests/common/requests.rs). No
//! answer is a 5xx, no connection is dropped, resident memory does not grow
//! after a 20 s warm-up (the mean of the last 20 s at most 10% above the
//! first 20 s or, when the publish falls between them, no growth from 5 s
//! after it, with the publish's own step under a third), and the harvest
//! publishes. Memory going down is not a failure: when the harvest ends,
//! the allocator returns its pages to the system some seconds later.
//!
//! Bounded for CI: `SOAK_SECONDS` (60 by default) sets the load's length.

mod common;

use renec_harvester::testsite::faults::PROFILES;
use renec_harvester::testsite::generate::generate;
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 128;
/// Seconds of load before memory is measured.
const WARM_UP: u64 = 20;

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

#[test]
fn a_minute_of_load_during_a_faulty_harvest() {
    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let dir = tempfile::tempdir().unwrap();
    // The data first, quickly; then the service harvests a faulty, polite site.
    let corpus = generate(2, 31);
    let clean = common::site(corpus.clone(), &[]);
    assert!(common::harvest(&common::config(&clean, dir.path()))
        .unwrap()
        .published());
    let faulty = PROFILES.iter().find(|(n, _)| *n == "faulty").unwrap().1;
    let site = common::site(corpus, faulty);
    // About 1,300 requests 20 ms apart, and the faults' retries: the harvest
    // publishes in the middle of the measured minute.
    site.set_crawl_delay(0.02);
    let key = common::apikey(dir.path(), "ops", "admin");
    let mut cmd = common::bin_in(dir.path());
    cmd.env("RENEC_SOURCE_URL", site.base_url())
        .env("DOWNLOAD_DELAY", "0")
        .env("RENEC_REQUEST_TIMEOUT", "1")
        .arg("serve");
    let (child, base) = common::serve(cmd);
    let pid = child.id();
    let list = common::requests::requests(&base);

    let (status, body) = common::call("POST", &format!("{base}/api/v1/admin/harvest"), Some(&key));
    assert_eq!(status, 202, "{body}");

    let started = Instant::now();
    let load = common::load::start(&base, list, CONNECTIONS, |status| status < 500);

    // Resident memory once a second, after a warm-up under the same load
    // (connections opened, the response cache filled, allocator arenas
    // grown: about 15 s here).
    std::thread::sleep(Duration::from_secs(WARM_UP));
    let measured = Instant::now();
    let mut rss = vec![];
    let mut published_at = None;
    while measured.elapsed() < Duration::from_secs(seconds) {
        std::thread::sleep(Duration::from_secs(1));
        rss.push(rss_kib(pid));
        if published_at.is_none() {
            let (_, stats) = common::get_json(&format!("{base}/api/v1/stats"));
            if stats["published_run"].as_i64() == Some(2) {
                published_at = Some(rss.len());
            }
        }
    }
    eprintln!("the harvest published after {published_at:?} s");
    let (total, failures) = load.stop();

    // The harvest publishes (it may still be running when the load stops).
    let published = |base: &str| {
        let (_, stats) = common::get_json(&format!("{base}/api/v1/stats"));
        stats["published_run"].as_i64()
    };
    common::wait_until("the harvest to publish", Duration::from_secs(300), || {
        published(&base) == Some(2)
    });
    common::stop(child);

    eprintln!(
        "RSS (MB) each second: {:?}",
        rss.iter().map(|k| k / 1024).collect::<Vec<_>>()
    );
    let window = (rss.len() / 3).clamp(1, 20);
    let mean = |s: &[u64]| s.iter().sum::<u64>() as f64 / s.len() as f64 / 1024.0;
    let (first, last) = (mean(&rss[..window]), mean(&rss[rss.len() - window..]));
    eprintln!(
        "{total} answers in {:.0} s ({:.0}/s) on {CONNECTIONS} connections; RSS first {window} s {first:.1} MB, last {window} s {last:.1} MB, peak {:.1} MB",
        started.elapsed().as_secs_f64(),
        total as f64 / started.elapsed().as_secs_f64(),
        *rss.iter().max().unwrap() as f64 / 1024.0
    );
    assert!(
        failures.is_empty(),
        "{} failures, the first: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(total > 1000, "only {total} answers");
    // A publish swaps in a new view: for a moment both are resident, and the
    // allocator keeps some of the freed pages. So memory is compared within
    // each steady stretch: from 5 s after the publish, its last half against
    // its first (no growth while serving the new view), and that first half
    // against the first window (the swap itself costs at most a third more).
    // Only growth fails: the harvest's freed pages go back to the system a
    // while after it ends, so memory may fall (CI saw 78 to 69 MB).
    let settled_from = published_at.map(|p| p + 5).filter(|s| s + 10 <= rss.len());
    match settled_from {
        Some(s) => {
            // The stretch after the publish, in halves.
            let half = (rss.len() - s) / 2;
            let (settled, end) = (mean(&rss[s..s + half]), mean(&rss[rss.len() - half..]));
            eprintln!(
                "RSS after the publish: {settled:.1} MB in its first {half} s, {end:.1} MB in its last {half} s"
            );
            assert!(
                end <= settled * 1.10,
                "resident memory grew from {settled:.1} MB (after the publish) to {end:.1} MB"
            );
            assert!(
                settled <= first * 1.35,
                "the publish took resident memory from {first:.1} MB to {settled:.1} MB"
            );
        }
        None => assert!(
            last <= first * 1.10,
            "resident memory grew from {first:.1} MB to {last:.1} MB"
        ),
    }
}
