//! No single request stops the service: every request-target form (origin,
//! absolute, authority, asterisk, garbage) and unusual methods, sent raw to
//! a real `serve` process, get an HTTP answer below 500, and the process is
//! still up and answering afterwards.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Sends `request` as bytes; returns the status of the answer (0 when none came).
fn raw(addr: &str, request: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .get(9..)
        .and_then(|r| r.get(..3))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[test]
fn no_request_target_or_method_stops_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = common::bin_in(dir.path());
    cmd.args(["serve", "--offline"]);
    let (mut child, url) = common::serve(cmd);
    let addr = url.strip_prefix("http://").unwrap().to_string();
    let absolute =
        format!("GET {url}/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("origin form", b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), 200),
        ("absolute form", absolute.into_bytes(), 200),
        ("authority form, GET", b"GET 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), 400),
        ("authority form, CONNECT", b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\nConnection: close\r\n\r\n".to_vec(), 400),
        ("authority form, POST", b"POST example.com:443 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(), 400),
        ("asterisk form, OPTIONS", b"OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), 204),
        ("asterisk form, GET", b"GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), 400),
        ("invented method", b"BREW /api/v1/ec HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), 405),
        ("TRACE", b"TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), 405),
        ("bad percent escape", b"GET /api/v1/ec/%zz%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), 503),
        // Only embedded files are served: the UI's page, never a file of the machine.
        ("dot segments", b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), 200),
        ("HTTP/1.0 without Host", b"GET /health HTTP/1.0\r\n\r\n".to_vec(), 200),
        ("garbage target", b"GET \x01\x02 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 400),
        ("garbage line", b"HELLO\r\n\r\n".to_vec(), 400),
        ("bad header", b"GET / HTTP/1.1\r\nHost x\r\n\r\n".to_vec(), 400),
    ];
    for (what, request, want) in &cases {
        let started = std::time::Instant::now();
        let (status, text) = raw(&addr, request);
        eprintln!("{what}: {status} in {:?}", started.elapsed());
        assert_eq!(status, *want, "{what}: {text}");
        assert!(!text.contains("root:"), "{what}: {text}");
        if status == 405 {
            assert!(
                text.to_ascii_lowercase().contains("\r\nallow: get, head"),
                "{what}: {text}"
            );
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the service stopped after: {what}"
        );
    }
    let (status, _) = common::get_json(&format!("{url}/health"));
    assert_eq!(status, 200);
    // Invented methods share one label: they cannot grow /metrics.
    let (_, _, metrics) = common::get(&format!("{url}/metrics"), &[]);
    let metrics = String::from_utf8(metrics).unwrap();
    assert!(metrics.contains("method=\"other\""), "{metrics}");
    assert!(!metrics.contains("BREW"), "{metrics}");
    common::stop(child);
}
