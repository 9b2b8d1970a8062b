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

/// Bundles damaged on their way to an air-gapped mirror are refused with a
/// sentence that says what is wrong: a truncated bundle, a corrupted data
/// member and a forged manifest checksum. The mirror keeps serving what it
/// had, and no temporary file is left behind.
#[test]
fn damaged_bundles_are_refused_and_the_mirror_keeps_its_data() {
    let site = common::site(generate(1, 72), &[]);
    let a = tempfile::tempdir().unwrap();
    let cfg_a = common::config(&site, a.path());
    assert!(common::harvest(&cfg_a).unwrap().published());
    let bundle = a.path().join("bundle.tar");
    let out = cli(a.path(), &["snapshot", "create"]);
    assert!(out.status.success());
    let id = String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let out = cli(
        a.path(),
        &["snapshot", "export", bundle.to_str().unwrap(), "--id", &id],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let good = std::fs::read(&bundle).unwrap();

    // The mirror already serves an older harvest of its own.
    let mirror = tempfile::tempdir().unwrap();
    let site_m = common::site(generate(1, 73), &[]);
    let cfg_m = common::config(&site_m, mirror.path());
    assert!(common::harvest(&cfg_m).unwrap().published());
    let served = || {
        let api = common::Api::start(&cfg_m);
        let (status, stats) = common::get_json(&format!("{}/api/v1/stats", api.base));
        assert_eq!(status, 200);
        stats["published_run"].clone()
    };
    let before = served();
    let files_before = all_files(mirror.path());

    // Members of the bundle, to rebuild it with one of them changed.
    let members = |bytes: &[u8]| -> Vec<(String, Vec<u8>)> {
        let mut archive = tar::Archive::new(bytes);
        archive
            .entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let name = e.path().unwrap().to_string_lossy().to_string();
                let mut data = Vec::new();
                std::io::Read::read_to_end(&mut e, &mut data).unwrap();
                (name, data)
            })
            .collect()
    };
    let rebuild = |members: &[(String, Vec<u8>)]| -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in members {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, data.as_slice()).unwrap();
        }
        b.into_inner().unwrap()
    };
    let original = members(&good);
    assert_eq!(original.len(), 2);

    let mut corrupted = original.clone();
    let data = &mut corrupted
        .iter_mut()
        .find(|(n, _)| n == "renec.sqlite3.zst")
        .unwrap()
        .1;
    let i = data.len() / 2;
    data[i] ^= 0x40;

    let mut forged = original.clone();
    let manifest = &mut forged
        .iter_mut()
        .find(|(n, _)| n == "manifest.json")
        .unwrap()
        .1;
    let mut m: serde_json::Value = serde_json::from_slice(manifest).unwrap();
    m["sha256"] = serde_json::json!("0".repeat(64));
    *manifest = serde_json::to_vec_pretty(&m).unwrap();

    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        ("truncated", good[..good.len() / 2].to_vec(), &["truncated"]),
        (
            "corrupted data",
            rebuild(&corrupted),
            &["is corrupt", "sha-256"],
        ),
        (
            "forged manifest checksum",
            rebuild(&forged),
            &["is corrupt", "the manifest says"],
        ),
        (
            "not a bundle",
            b"hello, this is not a tar file at all\n".repeat(40),
            &["not a readable tar archive"],
        ),
    ];
    for (what, bytes, words) in &cases {
        let file = mirror.path().join("incoming.tar");
        std::fs::write(&file, bytes).unwrap();
        let out = cli(
            mirror.path(),
            &["snapshot", "import", file.to_str().unwrap(), "--force"],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprintln!("{what}: {stderr}");
        assert_eq!(out.status.code(), Some(1), "{what} was accepted: {stderr}");
        assert!(
            words.iter().any(|w| stderr.to_lowercase().contains(w)),
            "{what}: the refusal does not say what is wrong: {stderr}"
        );
        std::fs::remove_file(&file).unwrap();
        assert_eq!(served(), before, "{what} changed what the mirror serves");
        assert_eq!(
            all_files(mirror.path()),
            files_before,
            "{what} left files behind"
        );
    }
}

/// Every file under `dir`, relative, except the database's own journals and
/// the lock files that commands hold with flock (they stay, empty, by design).
fn all_files(dir: &Path) -> Vec<String> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().to_string();
                if !rel.ends_with("-wal") && !rel.ends_with("-shm") && !rel.ends_with(".lock") {
                    out.push(rel);
                }
            }
        }
    }
    out.sort();
    out
}
