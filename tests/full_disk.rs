//! A full disk, for real: the data directory on a small tmpfs that is then
//! filled. A snapshot, a harvest and a bundle import each fail with a clear
//! error, leave no temporary file and no snapshot without its manifest, and
//! the published data stays served; once space is freed everything works.

mod common;

use renec_harvester::testsite::generate::generate;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A tmpfs of `mb` megabytes, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(mb: u32) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "mounting a tmpfs (needs root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a filler file until the file system refuses (ENOSPC).
    fn fill(&self) -> PathBuf {
        let filler = self.path().join("filler");
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0x5au8; 64 * 1024];
        loop {
            if let Err(e) = f.write_all(&block).and_then(|()| f.flush()) {
                assert_eq!(e.raw_os_error(), Some(28), "ENOSPC expected: {e}");
                break;
            }
        }
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn cli(data: &Path, site: &str, args: &[&str]) -> Output {
    common::bin_in(data)
        .env("RENEC_SOURCE_URL", site)
        .env("DOWNLOAD_DELAY", "0")
        .env("RENEC_RETRY_BACKOFF", "0.05")
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Files a failure might leave behind: temporaries and snapshot data
/// without a manifest.
fn leftovers(data: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for dir in [data.to_path_buf(), data.join("snapshots")] {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let orphan = name
                .strip_suffix(".sqlite3.zst")
                .is_some_and(|id| !dir.join(format!("{id}.json")).exists());
            if name.ends_with(".tmp") || orphan {
                found.push(format!("{}/{name}", dir.display()));
            }
        }
    }
    found
}

fn served_standards(data: &Path, site: &str) -> String {
    let stats = ok(&cli(data, site, &["stats", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&stats).unwrap();
    v["estandares_vigentes"].to_string()
}

#[test]
#[ignore = "needs root: it mounts a small tmpfs and fills it; .ci/run runs it"]
fn a_full_disk_fails_snapshot_harvest_and_import_cleanly_and_keeps_the_data() {
    let site = common::site(generate(1, 11), &[]);
    let url = site.base_url();
    let disk = Tmpfs::mount(24);
    let data = disk.path().join("data");
    ok(&cli(&data, &url, &["harvest", "--no-progress"]));
    let first = ok(&cli(&data, &url, &["snapshot", "create"]));
    let first_id = first.split_whitespace().next().unwrap().to_string();
    let elsewhere = tempfile::tempdir().unwrap();
    let bundle = elsewhere.path().join("bundle.tar");
    ok(&cli(
        &data,
        &url,
        &[
            "snapshot",
            "export",
            bundle.to_str().unwrap(),
            "--id",
            &first_id,
        ],
    ));
    let mut cmd = common::bin_in(&data);
    cmd.env("RENEC_SOURCE_URL", &url).args(["serve"]);
    let (server, api) = common::serve(cmd);
    let served = || {
        let (status, v) = common::get_json(&format!("{api}/api/v1/stats"));
        assert_eq!(status, 200, "{v}");
        v["estandares_vigentes"].to_string()
    };
    assert_eq!(served(), "100");

    let filler = disk.fill();
    let says_full = |out: &Output| {
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            err.contains("note: the file system holding") && err.contains("bytes free"),
            "the error says the disk is full: {err}"
        );
    };

    // A snapshot: refused with the reason, nothing left behind.
    let out = cli(&data, &url, &["snapshot", "create"]);
    assert_eq!(out.status.code(), Some(1));
    says_full(&out);
    assert_eq!(leftovers(&data), Vec::<String>::new());
    let listed = ok(&cli(&data, &url, &["snapshot", "list"]));
    assert_eq!(listed.lines().count(), 1, "{listed}");

    // A harvest: fails, and the service still serves the published run.
    let out = cli(&data, &url, &["harvest", "--no-progress"]);
    assert_ne!(
        out.status.code(),
        Some(0),
        "a harvest cannot succeed on a full disk"
    );
    says_full(&out);
    assert_eq!(served(), "100");
    assert_eq!(common::get_json(&format!("{api}/health")).0, 200);
    common::stop(server);

    // An import: refused before anything is replaced.
    let out = cli(
        &data,
        &url,
        &["snapshot", "import", bundle.to_str().unwrap(), "--force"],
    );
    assert_eq!(out.status.code(), Some(1));
    says_full(&out);
    assert_eq!(leftovers(&data), Vec::<String>::new());

    // Space again: everything works, the database is whole.
    std::fs::remove_file(filler).unwrap();
    assert_eq!(served_standards(&data, &url), "100");
    ok(&cli(&data, &url, &["snapshot", "create"]));
    let said = ok(&cli(&data, &url, &["db", "maintain"]));
    assert!(said.contains("integrity: ok"), "{said}");
    ok(&cli(&data, &url, &["harvest", "--no-progress"]));
    assert_eq!(served_standards(&data, &url), "100");
}
