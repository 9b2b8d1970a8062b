//! No secret is ever printed or logged: a distinctive token is set in every
//! secret option (the webhook URL's path, the metrics token, the S3 secret
//! key, a PostgreSQL password in DATABASE_URL) and an admin key is used;
//! then a harvest, `config check`, a snapshot whose upload fails, and a
//! service answering admin calls all run at debug level, and every byte
//! they wrote (standard output, standard error, every file of the data
//! directory) is searched for the token and the key.

mod common;

use renec_harvester::testsite::generate::generate;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "Zq7tok3nXYZZYsecret";

/// A webhook receiver answering 200 to everything; counts the requests.
fn receiver() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/services/T000/B000/{TOKEN}",
        listener.local_addr().unwrap()
    );
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let mut s = stream;
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            counted.fetch_add(1, Ordering::SeqCst);
        }
    });
    (url, hits)
}

/// The binary with every secret option set to something holding the token.
fn with_secrets(data: &Path, site: &str, webhook: &str) -> Command {
    let mut cmd = common::bin_in(data);
    cmd.env("API_LOG_LEVEL", "debug")
        .env("RENEC_SOURCE_URL", site)
        .env("DOWNLOAD_DELAY", "0")
        .env("RENEC_WEBHOOK_URL", webhook)
        .env("PROMETHEUS_TOKEN", TOKEN)
        .env("S3_BUCKET", "renec-secrets")
        // Nothing listens there: the upload fails, and its error is printed.
        .env("S3_ENDPOINT", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "AKIATESTKEYID")
        .env("AWS_SECRET_ACCESS_KEY", TOKEN);
    cmd
}

fn all_output(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file under `dir`, as bytes, that contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    hits.push(p.display().to_string());
                }
            }
        }
    }
    hits
}

#[test]
fn no_secret_is_printed_logged_or_stored() {
    let site = common::site(generate(1, 17), &[]);
    let url = site.base_url();
    let (webhook, hits) = receiver();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let mut seen = String::new();

    // A harvest at debug level (the webhook hears of it).
    let out = with_secrets(data, &url, &webhook)
        .args(["harvest", "--no-progress"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", all_output(&out));
    seen += &all_output(&out);
    common::wait_until("the webhook", Duration::from_secs(10), || {
        hits.load(Ordering::SeqCst) >= 1
    });

    // config check shows every option, secrets redacted.
    let out = with_secrets(data, &url, &webhook)
        .args(["config", "check"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let check = all_output(&out);
    assert!(
        check.contains("PROMETHEUS_TOKEN") && check.contains("(redacted)"),
        "{check}"
    );
    seen += &check;

    // A snapshot whose upload fails: the error is printed.
    let out = with_secrets(data, &url, &webhook)
        .args(["snapshot", "create"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let failed = all_output(&out);
    assert!(failed.contains("off-machine copy"), "{failed}");
    seen += &failed;
    // (so that the service may make one of its own below)
    std::fs::remove_dir_all(data.join("snapshots")).unwrap();

    // A PostgreSQL password in DATABASE_URL: shown redacted, and a sync
    // that cannot reach the server names the server without it.
    for args in [&["config", "check"][..], &["sync", "postgres"][..]] {
        let out = with_secrets(data, &url, &webhook)
            .env(
                "DATABASE_URL",
                format!("postgres://renec:{TOKEN}@127.0.0.1:1/renec"),
            )
            .env("DATABASE_POOL_TIMEOUT", "2")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(if args[0] == "config" { 0 } else { 1 }),
            "{args:?}: {}",
            all_output(&out)
        );
        seen += &all_output(&out);
    }

    // The service, its log captured whole, answering admin calls.
    let key = common::apikey(data, "ops", "admin");
    assert!(key.len() >= 20, "{key}");
    let logs = tempfile::tempdir().unwrap();
    let (out_file, log) = (logs.path().join("serve.out"), logs.path().join("serve.log"));
    let mut child = with_secrets(data, &url, &webhook)
        .env("API_PORT", "0")
        .arg("serve")
        .stdout(Stdio::from(std::fs::File::create(&out_file).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
        .spawn()
        .unwrap();
    let mut api = String::new();
    common::wait_until("serve to listen", Duration::from_secs(20), || {
        let text = std::fs::read_to_string(&out_file).unwrap_or_default();
        match text.lines().find_map(|l| l.strip_prefix("serving ")) {
            Some(u) => {
                api = u.trim_end_matches('/').to_string();
                true
            }
            None => false,
        }
    });
    let (status, body) = common::call("GET", &format!("{api}/api/v1/admin/config"), Some(&key));
    assert_eq!(status, 200);
    seen += &body.to_string();
    let (status, _, metrics) = common::get(
        &format!("{api}/metrics"),
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    );
    assert_eq!(status, 200, "the metrics token works");
    seen += &String::from_utf8_lossy(&metrics);
    let (status, body) = common::call("POST", &format!("{api}/api/v1/admin/snapshots"), Some(&key));
    assert_eq!(status, 201, "{body}");
    seen += &body.to_string();
    let (status, body) = common::call("POST", &format!("{api}/api/v1/admin/harvest"), Some(&key));
    assert_eq!(status, 202, "{body}");
    common::wait_until("the admin harvest", Duration::from_secs(60), || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("harvest_finished")
            .count()
            >= 1
    });
    // A wrong key and a wrong metrics token are refused, and not echoed.
    let (status, body) = common::call(
        "GET",
        &format!("{api}/api/v1/admin/config"),
        Some(&format!("{TOKEN}-wrong")),
    );
    assert_eq!(status, 401);
    seen += &body.to_string();
    let (status, body) = common::call("GET", &format!("{api}/api/v1/admin/audit"), Some(&key));
    assert_eq!(status, 200);
    seen += &body.to_string();
    common::wait_until(
        "the background upload to fail",
        Duration::from_secs(20),
        || {
            std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains("snapshot_backup_failed")
        },
    );
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(
        log_text.contains("/api/v1/admin/config"),
        "the log has the calls"
    );
    seen += &log_text;
    seen += &std::fs::read_to_string(&out_file).unwrap();

    assert!(
        seen.len() > 10_000,
        "enough was captured: {} bytes",
        seen.len()
    );
    for secret in [TOKEN, key.as_str()] {
        assert!(
            !seen.contains(secret),
            "{secret} appears in the output: …{}…",
            &seen[seen.find(secret).unwrap().saturating_sub(200)..][..400.min(seen.len())]
        );
        let stored = files_containing(data, secret);
        assert!(stored.is_empty(), "{secret} is stored in {stored:?}");
    }
}
