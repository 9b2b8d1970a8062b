//! Keys and the audit log are the machine's, not the data's: restoring an
//! older snapshot never brings back a revoked key, never loses a key or an
//! audit row made since; and the CLI refuses to swap the database under a
//! running service (whose connections would stay on the old file).

mod common;

use renec_harvester::testsite::generate::generate;
use std::process::Output;
use std::time::Duration;

fn cli(dir: &std::path::Path, args: &[&str]) -> Output {
    common::bin_in(dir).args(args).output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_restore_keeps_this_machines_keys_and_audit_and_waits_for_the_service_to_stop() {
    let site = common::site(generate(1, 131), &[]);
    let dir = tempfile::tempdir().unwrap();
    assert!(common::harvest(&common::config(&site, dir.path()))
        .unwrap()
        .published());
    let j = ok(&cli(
        dir.path(),
        &["apikey", "create", "j", "--role", "admin"],
    ))
    .trim()
    .to_string();
    let snapshot = ok(&cli(dir.path(), &["snapshot", "create"]));
    let id = snapshot.split_whitespace().next().unwrap().to_string();
    let second = common::harvest(&common::config(&site, dir.path())).unwrap();
    assert_eq!(second.run_id, 2);
    assert!(ok(&cli(dir.path(), &["apikey", "revoke", "j"])).contains("revoked j"));
    let k = ok(&cli(
        dir.path(),
        &["apikey", "create", "k", "--role", "admin"],
    ))
    .trim()
    .to_string();

    // A running service: the CLI refuses to restore under it, and says how.
    let mut cmd = common::bin_in(dir.path());
    cmd.args(["serve", "--offline"]);
    let (child, url) = common::serve(cmd);
    let refused = cli(dir.path(), &["snapshot", "restore", &id]);
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("running service") && said.contains("systemctl stop"),
        "{said}"
    );
    common::stop(child);

    // Stopped: the restore goes through; keys and audit are untouched by it.
    let restored = cli(dir.path(), &["snapshot", "restore", &id]);
    assert!(ok(&restored).contains("restored"));
    let mut cmd = common::bin_in(dir.path());
    cmd.args(["serve", "--offline"]);
    let (child, url2) = common::serve(cmd);
    let _ = url;
    let config = format!("{url2}/api/v1/admin/config");
    assert_eq!(
        common::call("GET", &config, Some(&j)).0,
        401,
        "a revoked key stays revoked"
    );
    assert_eq!(
        common::call("GET", &config, Some(&k)).0,
        200,
        "a key made after the snapshot stays"
    );
    let mut events = Vec::new();
    common::wait_until("the audit rows", Duration::from_secs(20), || {
        let (_, audit) = common::call(
            "GET",
            &format!("{url2}/api/v1/admin/audit?limit=200"),
            Some(&k),
        );
        events = audit["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["event"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default();
        events.iter().any(|e| e == "snapshot_restore")
    });
    for event in ["apikey_create", "apikey_revoke", "snapshot_restore"] {
        assert!(
            events.iter().any(|e| e == event),
            "{event} missing from {events:?}"
        );
    }
    common::stop(child);
    // Run ids never repeat: the snapshot held run 1, run 2 came after it.
    let next = common::harvest(&common::config(&site, dir.path())).unwrap();
    assert_eq!(next.run_id, 3, "run id 2 was given before the restore");
    // The snapshot carries no key at all.
    let data = rusqlite::Connection::open(dir.path().join("renec.sqlite3")).unwrap();
    let keys: i64 = data
        .query_row("SELECT count(*) FROM api_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(keys, 0);
}
