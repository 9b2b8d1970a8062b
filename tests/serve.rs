//! `renec-harvester serve` as a service on 127.0.0.1: the first start
//! harvests an empty database; SIGTERM during a harvest exits cleanly with
//! the run checkpointed and the next start resumes it; a cron schedule
//! every few seconds starts further harvests; the scheduler is visible.

mod common;

use renec_harvester::store::Store;
use renec_harvester::testsite::faults::Class;
use renec_harvester::testsite::generate::generate;
use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;

fn serve(site: &str, data_dir: &Path, extra: &[(&str, &str)]) -> (Child, String) {
    let mut cmd = common::bin_in(data_dir);
    cmd.arg("serve")
        .env("RENEC_SOURCE_URL", site)
        .env("DOWNLOAD_DELAY", "0")
        .env("CONCURRENT_REQUESTS", "2");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    common::serve(cmd)
}

#[test]
fn sigterm_checkpoints_restart_resumes_and_cron_harvests_again() {
    let site = common::site(generate(2, 81), &["detail:slow=25"]);
    let dir = tempfile::tempdir().unwrap();

    // First start on an empty database: a harvest starts by itself.
    let (mut child, url) = serve(&site.base_url(), dir.path(), &[]);
    common::wait_until("detail pages", Duration::from_secs(60), || {
        site.log()
            .iter()
            .filter(|e| e.class == Class::Detail)
            .count()
            >= 30
    });
    let (_, sched) = common::get_json(&format!("{url}/api/v1/scheduler"));
    assert_eq!(sched["harvest_running"], true);
    assert!(sched["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|j| j["name"] == "harvest" && j["next_run"].is_string()));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "SIGTERM must end the service cleanly"
    );

    let db = dir.path().join("renec.sqlite3");
    let (run_id, checkpointed) = {
        let store = Store::open(&db).unwrap();
        assert!(store.integrity_ok().unwrap());
        let run = store
            .unfinished_run()
            .unwrap()
            .expect("the stopped run waits to be resumed");
        let pages: HashSet<String> = store.run_pages(run.id).unwrap().into_keys().collect();
        (run.id, pages)
    };
    assert!(!checkpointed.is_empty());
    // Read while stopped, the run is not "running": it is interrupted, and resumable.
    {
        let cfg = renec_harvester::config::Config {
            data_dir: dir.path().to_path_buf(),
            ..renec_harvester::config::Config::defaults()
        };
        let api = common::Api::start(&cfg);
        let (_, runs) = common::get_json(&format!("{}/api/v1/runs", api.base));
        assert_eq!(runs["items"][0]["id"], run_id);
        assert_eq!(runs["items"][0]["status"], "interrupted", "{runs}");
    }
    let requests_before = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn
            .prepare("SELECT url FROM harvest_events WHERE run_id = ?1")
            .unwrap();
        let urls: Vec<String> = stmt
            .query_map([run_id], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        urls.iter().filter(|u| checkpointed.contains(*u)).count()
    };
    site.reset_log();

    // The next start resumes the same run, without refetching its pages, then
    // a schedule every three seconds harvests again.
    let (mut child, url) = serve(
        &site.base_url(),
        dir.path(),
        &[("RENEC_SCHEDULE_HARVEST", "*/3 * * * * *")],
    );
    common::wait_until("the resumed run published", Duration::from_secs(60), || {
        common::get_json(&format!("{url}/api/v1/stats")).1["published_run"] == run_id
    });
    // The resumed run made no new request for a page it had checkpointed
    // (the scheduled harvests after it are other runs).
    let requests_of = |run: i64| -> usize {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn
            .prepare("SELECT url FROM harvest_events WHERE run_id = ?1")
            .unwrap();
        let urls: Vec<String> = stmt
            .query_map([run], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        urls.iter().filter(|u| checkpointed.contains(*u)).count()
    };
    assert_eq!(
        requests_of(run_id),
        requests_before,
        "checkpointed pages were requested again"
    );
    common::wait_until("a scheduled harvest", Duration::from_secs(60), || {
        let (_, runs) = common::get_json(&format!("{url}/api/v1/runs"));
        runs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"].as_i64().unwrap() > run_id && r["status"] == "published")
    });
    let (_, sched) = common::get_json(&format!("{url}/api/v1/scheduler"));
    let harvest = sched["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["name"] == "harvest")
        .unwrap()
        .clone();
    // Every three seconds a harvest is started; one that finds another still
    // running is refused (never two at once) and says so.
    let result = harvest["last_result"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        result.starts_with("ok: run") || result.contains("another harvest is running"),
        "{harvest}"
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// SIGHUP reloads the configuration instead of killing the service: a new
/// log level applies, other changed keys are named as needing a restart, a
/// broken file is refused and the service keeps running on the old one.
#[test]
fn sighup_reloads_the_configuration_and_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[api]\nlog_level = \"info\"\n").unwrap();
    let log = dir.path().join("stderr.log");
    let mut cmd = common::bin_in(dir.path());
    cmd.args(["--config", config.to_str().unwrap(), "serve", "--offline"])
        .env_remove("API_LOG_LEVEL")
        .env("API_PORT", "0")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap());
    let mut child = cmd.spawn().unwrap();
    let line = {
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        lines.next().unwrap().unwrap()
    };
    let url = line
        .trim_start_matches("serving ")
        .trim_end_matches('/')
        .to_string();
    let hup = |child: &std::process::Child| {
        Command::new("kill")
            .args(["-HUP", &child.id().to_string()])
            .status()
            .unwrap();
    };
    std::fs::write(
        &config,
        "[api]\nlog_level = \"debug\"\nrate_limit_per_second = 7\n",
    )
    .unwrap();
    hup(&child);
    common::wait_until("the reload logged", Duration::from_secs(20), || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("configuration_reloaded")
    });
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("api.log_level") && text.contains("api.rate_limit_per_second"),
        "{text}"
    );
    std::fs::write(&config, "[api]\nlog_level = \"loud\"\n").unwrap();
    hup(&child);
    common::wait_until("the refusal logged", Duration::from_secs(20), || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("configuration_reload_refused")
    });
    assert!(
        child.try_wait().unwrap().is_none(),
        "SIGHUP must not stop the service"
    );
    assert_eq!(common::get_json(&format!("{url}/health")).0, 200);
    common::stop(child);
}
