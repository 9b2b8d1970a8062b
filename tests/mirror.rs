//! The appliance's other jobs on a real `serve` process: the freshness
//! probe starts a harvest only when the site changed; an offline mirror
//! loads a bundle dropped into its inbox and says which one it serves; a
//! snapshot killed with SIGKILL never leaves a partial snapshot.

mod common;

use renec_harvester::testsite::evolve::evolve;
use renec_harvester::testsite::generate::generate;
use std::process::Stdio;
use std::time::Duration;

fn job(url: &str, name: &str) -> serde_json::Value {
    let (_, s) = common::get_json(&format!("{url}/api/v1/scheduler"));
    s["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["name"] == name)
        .cloned()
        .unwrap_or_default()
}

#[test]
fn probe_harvests_only_after_a_change() {
    let corpus = generate(1, 101);
    let site = common::site(corpus.clone(), &[]);
    let dir = tempfile::tempdir().unwrap();
    assert!(common::harvest(&common::config(&site, dir.path()))
        .unwrap()
        .published());
    let mut cmd = common::bin_in(dir.path());
    cmd.arg("serve")
        .env("RENEC_SOURCE_URL", site.base_url())
        .env("DOWNLOAD_DELAY", "0")
        .env("RENEC_SCHEDULE_PROBE", "*/2 * * * * *");
    let (child, url) = common::serve(cmd);
    common::wait_until("a probe", Duration::from_secs(60), || {
        job(&url, "probe")["last_result"].is_string()
    });
    assert_eq!(job(&url, "probe")["last_result"], "ok: no change");
    // The job metrics the dashboard and RenecJobFailed read, labelled by name.
    let (_, _, metrics) = common::get(&format!("{url}/metrics"), &[]);
    let metrics = String::from_utf8(metrics).unwrap();
    assert!(
        metrics.contains("renec_job_last_success{name=\"probe\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("renec_job_last_run_timestamp_seconds{name=\"probe\"}"));
    site.replace_corpus(evolve(&corpus).0);
    common::wait_until(
        "a harvest started by the probe",
        Duration::from_secs(60),
        || {
            job(&url, "probe")["last_result"]
                .as_str()
                .is_some_and(|r| r.starts_with("ok: the site changed: run 2 published"))
        },
    );
    common::stop(child);
}

#[test]
fn an_offline_mirror_loads_bundles_from_its_inbox() {
    let site = common::site(generate(1, 102), &[]);
    let connected = tempfile::tempdir().unwrap();
    assert!(common::harvest(&common::config(&site, connected.path()))
        .unwrap()
        .published());
    let bundle = connected.path().join("renec.tar");
    assert!(common::bin_in(connected.path())
        .args(["snapshot", "export"])
        .arg(&bundle)
        .status()
        .unwrap()
        .success());

    let mirror = tempfile::tempdir().unwrap();
    let mut cmd = common::bin_in(mirror.path());
    // Nothing can be crawled from here: the source points at a closed port.
    cmd.args(["serve", "--offline"])
        .env("RENEC_SOURCE_URL", "http://127.0.0.1:9")
        .env("RENEC_SCHEDULE_INBOX", "* * * * * *");
    let (child, url) = common::serve(cmd);
    assert_eq!(
        common::get_json(&format!("{url}/api/v1/stats")).0,
        503,
        "no data before the bundle"
    );
    std::fs::create_dir_all(mirror.path().join("inbox")).unwrap();
    std::fs::copy(&bundle, mirror.path().join("inbox/renec.tar")).unwrap();
    common::wait_until("the bundle loaded", Duration::from_secs(60), || {
        common::get_json(&format!("{url}/api/v1/stats")).0 == 200
    });
    let (_, stats) = common::get_json(&format!("{url}/api/v1/stats"));
    assert_eq!(stats["estandares_vigentes"], 100);
    assert!(stats["bundle"]["id"].is_string(), "{stats}");
    assert!(mirror.path().join("inbox/done/renec.tar").exists());
    let (_, s) = common::get_json(&format!("{url}/api/v1/scheduler"));
    assert_eq!(s["offline"], true);
    assert!(s["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|j| j["name"] != "harvest" && j["name"] != "probe"));
    common::stop(child);
}

#[test]
fn a_killed_snapshot_leaves_no_partial_snapshot() {
    let site = common::site(generate(5, 103), &[]);
    let dir = tempfile::tempdir().unwrap();
    assert!(common::harvest(&common::config(&site, dir.path()))
        .unwrap()
        .published());
    for delay_ms in [5u64, 20, 60, 150] {
        let mut child = common::bin_in(dir.path())
            .args(["snapshot", "create"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let snaps = renec_harvester::ops::snapshot::Snapshots::new(dir.path());
        for m in snaps.list().unwrap() {
            snaps.verify(&m.id).unwrap_or_else(|e| {
                panic!("a listed snapshot is damaged after SIGKILL at {delay_ms} ms: {e}")
            });
        }
        let store = renec_harvester::store::Store::open(&dir.path().join("renec.sqlite3")).unwrap();
        assert!(store.integrity_ok().unwrap());
    }
}
