//! An operator's upgrade: a database written by the previous release
//! (schema version 2, before certifier types and states) is opened by this
//! binary's `harvest`, migrated in place, and the next run publishes with
//! nothing lost; the diff shows only what the new columns add.

mod common;

use renec_harvester::testsite::generate::generate;
use std::process::Command;

#[test]
fn a_version_2_database_is_migrated_and_harvested_again() {
    let site = common::site(generate(1, 71), &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(&site, dir.path());
    assert!(common::harvest(&cfg).unwrap().published());
    let db = cfg.sqlite_path();

    // What the previous release left: no certifier types, no states, schema 2.
    let counts_before = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        renec_harvester::store::migrate::back_to(&conn, 2).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM v_current_certificadores", [], |r| {
                r.get(0)
            })
            .unwrap();
        n
    };

    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_renec-harvester"))
            .args(args)
            .env_remove("RENEC_CONFIG")
            .env_remove("DATABASE_URL")
            .env("RENEC_DATA_DIR", dir.path())
            .env("RENEC_SOURCE_URL", site.base_url())
            .env("DOWNLOAD_DELAY", "0")
            .env("API_LOG_LEVEL", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    run(&["harvest"]);

    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        version,
        renec_harvester::store::migrate::SCHEMA_VERSION,
        "migrated in place"
    );
    let (published, certs): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT max(id) FROM runs WHERE status = 'published'), (SELECT count(*) FROM v_current_certificadores)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(published, 2);
    assert_eq!(certs, counts_before);

    // The same site: no standard changed; certifiers only gained their type and states.
    let diff: serde_json::Value = serde_json::from_slice(&run(&[
        "diff", "--from", "1", "--to", "2", "--format", "json",
    ]))
    .unwrap();
    for field in ["added", "removed", "changed"] {
        assert!(diff["ec"][field].as_array().unwrap().is_empty(), "{diff}");
        assert!(
            field == "changed" || diff["certificadores"][field].as_array().unwrap().is_empty(),
            "{diff}"
        );
    }
    let changed = diff["certificadores"]["changed"].as_array().unwrap();
    assert!(!changed.is_empty());
    assert!(changed.iter().all(|c| {
        let fields = c["fields"].as_object().unwrap();
        fields.len() == 1 && fields["tipo"]["before"].is_null()
    }));
    assert!(!diff["certificador_estado"]["added"]
        .as_array()
        .unwrap()
        .is_empty());
}
