//! A harvest killed with SIGKILL in the middle resumes the same run on the
//! next start, without requesting again the pages it had checkpointed.

mod common;

use renec_harvester::store::Store;
use renec_harvester::testsite::faults::Class;
use renec_harvester::testsite::generate::generate;
use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn harvester(site_url: &str, data_dir: &std::path::Path) -> Command {
    let mut cmd = common::bin_in(data_dir);
    cmd.arg("harvest")
        .arg("--no-progress")
        .env("RENEC_SOURCE_URL", site_url)
        .env("DOWNLOAD_DELAY", "0")
        .env("CONCURRENT_REQUESTS", "4")
        .env("RENEC_RETRY_BACKOFF", "0.05")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

#[test]
fn killed_mid_run_resumes_without_refetching_finished_pages() {
    let corpus = generate(3, 21);
    // Slow detail pages so that the kill lands in the middle of them.
    let site = common::site(corpus.clone(), &["detail:slow=15"]);
    let dir = tempfile::tempdir().unwrap();

    let mut child = harvester(&site.base_url(), dir.path()).spawn().unwrap();
    let started = Instant::now();
    loop {
        let details = site
            .log()
            .iter()
            .filter(|e| e.class == Class::Detail)
            .count();
        if details >= 150 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the harvest never reached the detail pages"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the harvest ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    // What the killed process had made durable.
    let db = dir.path().join("renec.sqlite3");
    let (run_id, checkpointed) = {
        let store = Store::open(&db).unwrap();
        assert!(store.integrity_ok().unwrap());
        let run = store
            .unfinished_run()
            .unwrap()
            .expect("the killed run is still open");
        let pages: HashSet<String> = store.run_pages(run.id).unwrap().into_keys().collect();
        (run.id, pages)
    };
    assert!(
        checkpointed.len() >= 100,
        "only {} pages checkpointed",
        checkpointed.len()
    );
    site.reset_log();

    let status = harvester(&site.base_url(), dir.path()).status().unwrap();
    assert_eq!(status.code(), Some(0), "the resumed run was not published");
    let refetched: Vec<String> = site
        .log()
        .iter()
        .map(|e| format!("{}{}", site.base_url(), e.path))
        .filter(|u| checkpointed.contains(u))
        .collect();
    assert!(
        refetched.is_empty(),
        "checkpointed pages requested again: {:?}",
        &refetched[..refetched.len().min(5)]
    );

    let store = Store::open(&db).unwrap();
    assert_eq!(
        store.last_published_run().unwrap(),
        Some(run_id),
        "the same run was resumed"
    );
    assert_eq!(store.last_run().unwrap().unwrap().id, run_id);
    let e = corpus.expected();
    let c = store.current_counts().unwrap();
    assert_eq!(c.estandares_vigentes as usize, e.estandares_vigentes);
    assert_eq!(c.ec_certificador as usize, e.ec_certificador);
    assert_eq!(c.comites as usize, e.comites);
}

/// On a slow site (a polite live crawl answers a couple of pages a second),
/// a kill loses at most about a second of answers: checkpoints are
/// committed every 100 answers or every second, whichever comes first.
#[test]
fn a_kill_between_checkpoints_loses_about_a_second_of_answers() {
    let corpus = generate(3, 22);
    let site = common::site(corpus, &["detail:slow=100"]);
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = harvester(&site.base_url(), dir.path());
    cmd.env("CONCURRENT_REQUESTS", "2");
    let mut child = cmd.spawn().unwrap();
    let started = Instant::now();
    let answered = |site: &renec_harvester::testsite::TestSite| {
        site.log()
            .iter()
            .filter(|e| e.class == Class::Detail && e.status == 200)
            .map(|e| format!("{}{}", site.base_url(), e.path))
            .collect::<HashSet<String>>()
    };
    // About 20 detail answers a second: 60 of them, well short of 100.
    while answered(&site).len() < 60 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no detail pages"
        );
        assert!(child.try_wait().unwrap().is_none(), "ended too soon");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = answered(&site);
    site.reset_log();
    let status = harvester(&site.base_url(), dir.path()).status().unwrap();
    assert_eq!(status.code(), Some(0));
    let again: Vec<String> = answered(&site).intersection(&before).cloned().collect();
    assert!(
        again.len() <= 30,
        "{} of the {} detail pages answered before the kill were fetched again",
        again.len(),
        before.len()
    );
}
