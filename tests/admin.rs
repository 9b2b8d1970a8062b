//! Admin endpoints on a real `serve` process: keys from the command line,
//! 401 without a key, 403 with a read key, an admin key that starts a
//! harvest and makes a snapshot, the redacted configuration, the audit log,
//! and failed key checks slowed down.

mod common;

use renec_harvester::testsite::generate::generate;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn keys_roles_admin_actions_and_audit() {
    let site = common::site(generate(1, 91), &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(&site, dir.path());
    assert!(common::harvest(&cfg).unwrap().published());
    let key = |name: &str, role: &str| common::apikey(dir.path(), name, role);
    let admin = key("ops", "admin");
    let read = key("tablero", "read");
    let listed = String::from_utf8(
        common::bin_in(dir.path())
            .args(["apikey", "list"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(listed.contains("ops") && listed.contains("tablero") && !listed.contains(&admin[10..]));

    let mut child = common::bin_in(dir.path())
        .arg("serve")
        .env("RENEC_SOURCE_URL", site.base_url())
        .env("DOWNLOAD_DELAY", "0")
        .env("API_PORT", "0")
        .env("RENEC_WEBHOOK_URL", "http://127.0.0.1:9/hooks/s3creto")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let line = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    let base = line
        .strip_prefix("serving ")
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let url = |p: &str| format!("{base}{p}");

    assert_eq!(
        common::call("POST", &url("/api/v1/admin/harvest"), None).0,
        401
    );
    let (status, body) = common::call("POST", &url("/api/v1/admin/harvest"), Some(&read));
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
    assert_eq!(
        common::call("GET", &url("/api/v1/ec?limit=1"), None).0,
        200,
        "reads are public by default"
    );

    let (status, _) = common::call("POST", &url("/api/v1/admin/harvest"), Some(&admin));
    assert_eq!(status, 202);
    let started = Instant::now();
    loop {
        let (_, runs) = common::call("GET", &url("/api/v1/runs"), None);
        if runs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == 2 && r["status"] == "published")
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the harvest started by the admin API never ended: {runs}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, snap) = common::call("POST", &url("/api/v1/admin/snapshots"), Some(&admin));
    assert_eq!(status, 201, "{snap}");
    // A second one right away is refused: one a minute at most.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let again = agent
        .post(&url("/api/v1/admin/snapshots"))
        .header("Authorization", &format!("Bearer {admin}"))
        .send_empty()
        .unwrap();
    assert_eq!(again.status().as_u16(), 429);
    assert!(again.headers().contains_key("retry-after"));
    let (_, snaps) = common::call("GET", &url("/api/v1/admin/snapshots"), Some(&admin));
    assert_eq!(snaps["items"][0]["id"], snap["id"]);
    let (_, config) = common::call("GET", &url("/api/v1/admin/config"), Some(&admin));
    let text = config.to_string();
    assert!(
        text.contains("notify.webhook_url") && !text.contains("s3creto"),
        "secrets are redacted"
    );
    assert_eq!(
        common::call("GET", &url("/api/v1/export/sectores.csv"), None).0,
        200
    );

    // A wrong key: 401 (and an audit row).
    assert_eq!(
        common::call("GET", &url("/api/v1/admin/audit"), Some("rh_00000000_nope")).0,
        401
    );

    // Audit rows are written in the background: poll until every expected one is there.
    let expected = [
        ("user_login", "ok"),
        ("user_login", "refused"),
        ("spider_start", "ok"),
        ("spider_stop", "ok"),
        ("snapshot_create", "ok"),
        ("data_export", "ok"),
        ("configuration_change", "ok"),
        ("apikey_create", "ok"),
    ];
    let mut audit = serde_json::Value::Null;
    let mut events: Vec<(String, String)> = Vec::new();
    let all_there = |events: &[(String, String)]| {
        expected
            .iter()
            .all(|(event, outcome)| events.iter().any(|(e, o)| e == event && o == outcome))
    };
    let started = Instant::now();
    while !all_there(&events) && started.elapsed() < Duration::from_secs(10) {
        let (status, body) =
            common::call("GET", &url("/api/v1/admin/audit?limit=200"), Some(&admin));
        assert_eq!(status, 200);
        events = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["event"].as_str().unwrap().to_string(),
                    e["outcome"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        audit = body;
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(all_there(&events), "audit events missing from {events:?}");
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| !e.to_string().contains(&admin)),
        "keys never reach the audit log"
    );

    // Wrong keys in a row: 401, then 429 with Retry-After; while blocked,
    // even the right key is refused (the limiter stops guessing).
    let statuses: Vec<u16> = (0..8)
        .map(|_| common::call("GET", &url("/api/v1/admin/audit"), Some("rh_00000000_nope")).0)
        .collect();
    assert!(statuses.contains(&429), "{statuses:?}");
    let (status, headers, _) = common::get(
        &url("/api/v1/admin/config"),
        &[("Authorization", &format!("Bearer {admin}"))],
    );
    assert_eq!(status, 429);
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
