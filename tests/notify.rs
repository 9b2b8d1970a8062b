//! The run webhook, received by a local receiver: the message arrives (after
//! a refused first attempt), and a dead receiver never fails the harvest.

mod common;

use renec_harvester::testsite::generate::generate;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::mpsc;

/// Accepts `n` requests; answers 500 to the first and 200 to the rest; sends each body.
fn receiver(n: usize) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for i in 0..n {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let status = if i == 0 {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            let mut s = stream;
            write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            tx.send(String::from_utf8(body).unwrap()).unwrap();
        }
    });
    (url, rx)
}

fn harvest(site: &str, data_dir: &std::path::Path, webhook: &str) -> Option<i32> {
    Command::new(env!("CARGO_BIN_EXE_renec-harvester"))
        .args(["harvest", "--no-progress"])
        .env("RENEC_SOURCE_URL", site)
        .env("RENEC_DATA_DIR", data_dir)
        .env("DOWNLOAD_DELAY", "0")
        .env("RENEC_WEBHOOK_URL", webhook)
        .env("API_LOG_LEVEL", "warn")
        .env_remove("RENEC_CONFIG")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
        .status
        .code()
}

#[test]
fn the_webhook_hears_of_each_run_and_never_fails_it() {
    let site = common::site(generate(1, 95), &[]);
    let dir = tempfile::tempdir().unwrap();
    let (url, bodies) = receiver(2);
    assert_eq!(harvest(&site.base_url(), dir.path(), &url), Some(0));
    let first = bodies
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    let second = bodies
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    assert_eq!(first, second, "the refused message is sent again");
    let msg: serde_json::Value = serde_json::from_str(&second).unwrap();
    assert!(
        msg["text"]
            .as_str()
            .unwrap()
            .starts_with("RENEC: corrida 1 publicada."),
        "{msg}"
    );
    assert_eq!(msg["run"]["counts"]["estandares_vigentes"], 100);
    assert_eq!(msg["run"]["coverage_percent"]["detail"], 100.0);

    // Nobody listening: the harvest is published all the same.
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", l.local_addr().unwrap())
    };
    assert_eq!(harvest(&site.base_url(), dir.path(), &dead), Some(0));
}
