//! Off-machine copies of the snapshots, against a real S3-compatible server
//! (moto's standalone server, started here on 127.0.0.1): upload after
//! create, `snapshot list --remote`, `snapshot restore --remote` on an empty
//! machine, retention in the bucket, and interrupted uploads (one PUT, and
//! one multipart upload) that leave nothing listed.

mod common;

use renec_harvester::config::Config;
use renec_harvester::ops::snapshot::remote::Remote;
use renec_harvester::ops::snapshot::{Manifest, Snapshots};
use renec_harvester::testsite::generate::generate;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// moto's S3 server on a free loopback port, killed when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn moto(bucket: &str) -> Moto {
    let port = free_port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("moto_server runs (pip install 'moto[server]')");
    let url = format!("http://127.0.0.1:{port}");
    let moto = Moto { child, url };
    common::wait_until("moto_server", Duration::from_secs(30), || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    // moto does not check signatures: an unsigned PUT makes the bucket.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let r = agent
        .put(format!("{}/{bucket}", moto.url))
        .send(&b""[..])
        .unwrap();
    assert!(
        r.status().is_success(),
        "creating the bucket: {}",
        r.status()
    );
    moto
}

/// A TCP proxy to `upstream` that cuts any connection once the client has
/// sent more than `limit` bytes on it: a network that fails mid-upload.
fn cutting_proxy(upstream: &str, limit: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = upstream.trim_start_matches("http://").to_string();
    let cuts = Arc::new(AtomicUsize::new(0));
    let counted = cuts.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let server = TcpStream::connect(&upstream).unwrap();
            let (mut c_read, mut s_write) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (mut s_read, mut c_write) = (server, client);
            let cuts = counted.clone();
            std::thread::spawn(move || {
                let mut sent = 0usize;
                let mut buf = [0u8; 16 * 1024];
                loop {
                    let n = match c_read.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if sent + n > limit {
                        let _ = s_write.write_all(&buf[..limit - sent]);
                        cuts.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                    sent += n;
                    if s_write.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = s_write.shutdown(std::net::Shutdown::Both);
                let _ = c_read.shutdown(std::net::Shutdown::Both);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s_read, &mut c_write);
                let _ = c_write.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    (format!("http://{addr}"), cuts)
}

fn s3_env(cmd: &mut Command, endpoint: &str, bucket: &str) {
    cmd.env("S3_BUCKET", bucket)
        .env("S3_ENDPOINT", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing-secret");
}

fn cli(data_dir: &Path, endpoint: &str, bucket: &str, args: &[&str]) -> Output {
    let mut cmd = common::bin_in(data_dir);
    s3_env(&mut cmd, endpoint, bucket);
    cmd.args(args).output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// A signed URL for one object (moto wants signed object requests).
fn signed(endpoint: &str, bucket: &str, method: &str, key: &str) -> String {
    use rusty_s3::S3Action;
    let b = rusty_s3::Bucket::new(
        endpoint.parse().unwrap(),
        rusty_s3::UrlStyle::Path,
        bucket.to_string(),
        "us-east-1",
    )
    .unwrap();
    let creds = rusty_s3::Credentials::new("testing", "testing-secret");
    let ttl = Duration::from_secs(600);
    match method {
        "GET" => b.get_object(Some(&creds), key).sign(ttl),
        _ => b.put_object(Some(&creds), key).sign(ttl),
    }
    .to_string()
}

/// Every key in the bucket (complete objects only: what a listing shows).
fn keys(endpoint: &str, bucket: &str) -> Vec<String> {
    let (_, _, body) = common::get(&format!("{endpoint}/{bucket}?list-type=2"), &[]);
    let text = String::from_utf8(body).unwrap();
    text.split("<Key>")
        .skip(1)
        .map(|k| k.split("</Key>").next().unwrap().to_string())
        .collect()
}

/// A data directory with one published run of a generated site (kept alive).
fn harvested(seed: u64) -> (renec_harvester::testsite::TestSite, tempfile::TempDir) {
    let site = common::site(generate(1, seed), &[]);
    let dir = tempfile::tempdir().unwrap();
    assert!(common::harvest(&common::config(&site, dir.path()))
        .unwrap()
        .published());
    (site, dir)
}

#[test]
#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run installs it and runs this"]
fn snapshots_go_to_the_bucket_and_come_back_on_an_empty_machine() {
    let bucket = "renec-backups";
    let s3 = moto(bucket);
    let (_site, a) = harvested(5);

    let said = ok(&cli(a.path(), &s3.url, bucket, &["snapshot", "create"]));
    let id = said.split_whitespace().next().unwrap().to_string();
    assert!(
        said.contains(&format!(
            "off-machine copy s3://{bucket}/renec-harvester/snapshots/: 1 uploaded ({id})"
        )),
        "{said}"
    );
    let listed = ok(&cli(
        a.path(),
        &s3.url,
        bucket,
        &["snapshot", "list", "--remote"],
    ));
    assert!(listed.starts_with(&id), "{listed}");
    assert!(listed.contains("100 standards in force"), "{listed}");

    // The machine is lost: a new one restores from the bucket alone.
    let b = tempfile::tempdir().unwrap();
    let out = cli(b.path(), &s3.url, bucket, &["snapshot", "restore", &id]);
    assert!(
        !out.status.success(),
        "without --remote there is nothing local"
    );
    let said = ok(&cli(
        b.path(),
        &s3.url,
        bucket,
        &["snapshot", "restore", "--remote", &id],
    ));
    assert!(said.contains("it verifies"), "{said}");
    assert!(said.contains(&format!("restored {id}")), "{said}");
    let stats = ok(&common::bin_in(b.path())
        .args(["stats", "--json"])
        .output()
        .unwrap());
    assert!(stats.contains("\"estandares_vigentes\": 100"), "{stats}");

    // A damaged object in the bucket is caught before it replaces anything.
    let c = tempfile::tempdir().unwrap();
    let key = format!("renec-harvester/snapshots/{id}.sqlite3.zst");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let (status, _, mut data) = common::get(&signed(&s3.url, bucket, "GET", &key), &[]);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&data));
    let middle = data.len() / 2;
    data[middle] ^= 0xff;
    let r = agent
        .put(signed(&s3.url, bucket, "PUT", &key))
        .send(&data[..])
        .unwrap();
    assert_eq!(r.status(), 200);
    let out = cli(
        c.path(),
        &s3.url,
        bucket,
        &["snapshot", "restore", "--remote", &id],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("corrupt"), "{err}");
    assert!(!c.path().join("renec.sqlite3").exists());
    assert!(
        Snapshots::new(c.path()).list().unwrap().is_empty(),
        "no bad copy kept"
    );

    // Retention applies in the bucket: keep one daily, no weekly.
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(20));
        let mut cmd = common::bin_in(a.path());
        s3_env(&mut cmd, &s3.url, bucket);
        ok(&cmd
            .env("RENEC_SNAPSHOT_KEEP_DAILY", "1")
            .env("RENEC_SNAPSHOT_KEEP_WEEKLY", "0")
            .args(["snapshot", "create"])
            .output()
            .unwrap());
    }
    let left = keys(&s3.url, bucket);
    assert_eq!(left.len(), 2, "one snapshot (data + manifest): {left:?}");
    assert!(!left.iter().any(|k| k.contains(&id)), "{left:?}");
}

#[test]
#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run installs it and runs this"]
fn an_interrupted_upload_leaves_nothing_listed_and_the_next_one_completes() {
    let bucket = "renec-cut";
    let s3 = moto(bucket);
    let (_site, a) = harvested(6);
    ok(&common::bin_in(a.path())
        .args(["snapshot", "create"])
        .output()
        .unwrap());
    let local = Snapshots::new(a.path()).list().unwrap();
    let size = local[0].compressed_size as usize;
    assert!(size > 20_000, "the snapshot is big enough to cut: {size}");

    // The network breaks halfway through the upload.
    let (proxy, cuts) = cutting_proxy(&s3.url, size / 2);
    let out = cli(a.path(), &proxy, bucket, &["snapshot", "upload"]);
    assert!(!out.status.success());
    assert!(cuts.load(Ordering::SeqCst) >= 1, "the proxy cut the upload");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("off-machine copy") && err.contains("s3://renec-cut/"),
        "{err}"
    );
    assert!(
        keys(&s3.url, bucket).is_empty(),
        "{:?}",
        keys(&s3.url, bucket)
    );
    let listed = ok(&cli(
        a.path(),
        &s3.url,
        bucket,
        &["snapshot", "list", "--remote"],
    ));
    assert!(
        listed.starts_with("no snapshots in s3://renec-cut/"),
        "{listed}"
    );

    // The network is back: the next pass uploads what the bucket lacks.
    let said = ok(&cli(a.path(), &s3.url, bucket, &["snapshot", "upload"]));
    assert!(said.contains("1 uploaded"), "{said}");
    let listed = ok(&cli(
        a.path(),
        &s3.url,
        bucket,
        &["snapshot", "list", "--remote"],
    ));
    assert!(listed.starts_with(&local[0].id), "{listed}");
}

/// A made-up snapshot of `size` incompressible bytes (a valid SQLite file
/// holding one random blob), written into `dir/snapshots/` with its manifest.
fn big_snapshot(dir: &Path, size: usize) -> Manifest {
    use sha2::Digest;
    let snaps = dir.join("snapshots");
    std::fs::create_dir_all(&snaps).unwrap();
    let raw = dir.join("raw.sqlite3");
    let db = rusqlite::Connection::open(&raw).unwrap();
    let mut blob = vec![0u8; size];
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for b in blob.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    db.execute_batch("CREATE TABLE t(b BLOB)").unwrap();
    db.execute("INSERT INTO t VALUES (?1)", [&blob]).unwrap();
    drop(db);
    let bytes = std::fs::read(&raw).unwrap();
    let id = "20261201T000000.000Z-r1";
    let zst = zstd::encode_all(&bytes[..], 1).unwrap();
    std::fs::write(snaps.join(format!("{id}.sqlite3.zst")), &zst).unwrap();
    let m = Manifest {
        id: id.into(),
        created_at: "2026-12-01T00:00:00.000Z".into(),
        schema_version: 1,
        binary_version: "test".into(),
        run_id: Some(1),
        run_finished_at: None,
        counts: Default::default(),
        sha256: hex::encode(sha2::Sha256::digest(&bytes)),
        size: bytes.len() as u64,
        compressed_size: zst.len() as u64,
    };
    std::fs::write(
        snaps.join(format!("{id}.json")),
        serde_json::to_vec(&m).unwrap(),
    )
    .unwrap();
    m
}

fn remote(endpoint: &str, bucket: &str) -> Remote {
    let env = |name: &str| {
        Some(match name {
            "S3_BUCKET" => bucket.to_string(),
            "S3_ENDPOINT" => endpoint.to_string(),
            "AWS_ACCESS_KEY_ID" => "testing".into(),
            "AWS_SECRET_ACCESS_KEY" => "testing-secret".into(),
            "S3_PART_MB" => "5".into(),
            _ => return None,
        })
    };
    let cfg = Config::build(None, &env).unwrap();
    Remote::from_config(&cfg).unwrap().unwrap()
}

#[test]
#[ignore = "needs moto_server (pip install 'moto[server]'); .ci/run installs it and runs this"]
fn a_large_snapshot_goes_up_in_parts_and_a_cut_multipart_upload_is_aborted() {
    let bucket = "renec-parts";
    let s3 = moto(bucket);
    let dir = tempfile::tempdir().unwrap();
    let m = big_snapshot(dir.path(), 12 << 20);
    let snaps = Snapshots::new(dir.path());
    assert!(m.compressed_size > 10 << 20, "more than two 5 MiB parts");

    // Cut within the first part: the upload fails and is aborted.
    let (proxy, cuts) = cutting_proxy(&s3.url, 3 << 20);
    let err = remote(&proxy, bucket).upload(&snaps, &m).unwrap_err();
    assert!(cuts.load(Ordering::SeqCst) >= 1);
    assert!(err.to_string().contains("uploading a part"), "{err}");
    assert!(keys(&s3.url, bucket).is_empty());
    let (_, _, body) = common::get(&format!("{}/{bucket}?uploads", s3.url), &[]);
    let pending = String::from_utf8(body).unwrap();
    assert!(!pending.contains("<UploadId>"), "aborted: {pending}");

    // Uncut: three parts, listed, downloaded whole and verified.
    let bucket_side = remote(&s3.url, bucket);
    bucket_side.upload(&snaps, &m).unwrap();
    let listed = bucket_side.list().unwrap();
    assert_eq!(listed, vec![m.clone()]);
    let elsewhere = tempfile::tempdir().unwrap();
    let got = bucket_side
        .download(&Snapshots::new(elsewhere.path()), &m.id)
        .unwrap();
    assert_eq!(got, m);
}
