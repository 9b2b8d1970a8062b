//! Snapshots from the command line: create, verify, a flipped byte caught,
//! export on one data directory and import into a fresh one that then
//! answers the same `/api/v1/stats`.

mod common;

fn cli(data_dir: &Path, args: &[&str]) -> Output {
    common::bin_in(data_dir).args(args).output().unwrap()
}

use renec_harvester::testsite::generate::generate;
use std::path::Path;
use std::process::Output;

#[test]
fn create_verify_corrupt_export_import() {
    let site = common::site(generate(1, 71), &[]);
    let a = tempfile::tempdir().unwrap();
    let cfg_a = common::config(&site, a.path());
    assert!(common::harvest(&cfg_a).unwrap().published());

    let out = cli(a.path(), &["snapshot", "create"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert!(cli(a.path(), &["snapshot", "verify", &id]).status.success());
    let listed = String::from_utf8(cli(a.path(), &["snapshot", "list"]).stdout).unwrap();
    assert!(listed.contains(&id));

    let bundle = a.path().join("mirror.tar");
    let out = cli(
        a.path(),
        &["snapshot", "export", bundle.to_str().unwrap(), "--id", &id],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A fresh data directory on an "air-gapped" machine loads the bundle.
    let b = tempfile::tempdir().unwrap();
    let out = cli(b.path(), &["snapshot", "import", bundle.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cfg_b = common::config(&site, b.path());
    let (api_a, api_b) = (common::Api::start(&cfg_a), common::Api::start(&cfg_b));
    let (sa, stats_a) = common::get_json(&format!("{}/api/v1/stats", api_a.base));
    let (sb, stats_b) = common::get_json(&format!("{}/api/v1/stats", api_b.base));
    assert_eq!((sa, sb), (200, 200));
    assert_eq!(
        stats_b["bundle"]["id"],
        id.as_str(),
        "the mirror says which bundle it serves"
    );
    let (mut stats_a, mut stats_b) = (stats_a, stats_b);
    stats_a.as_object_mut().unwrap().remove("bundle");
    stats_b.as_object_mut().unwrap().remove("bundle");
    assert_eq!(stats_a, stats_b);

    // One flipped byte in the stored snapshot is caught.
    let data = a.path().join("snapshots").join(format!("{id}.sqlite3.zst"));
    let mut bytes = std::fs::read(&data).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 1;
    std::fs::write(&data, bytes).unwrap();
    let out = cli(a.path(), &["snapshot", "verify", &id]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("corrupt"));
}
