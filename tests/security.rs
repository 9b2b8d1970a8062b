//! Hostile requests against a real server on 127.0.0.1, over a harvested
//! test-site database: SQL injection in every parameter of every route,
//! path traversal into the UI's files, oversized, malformed and slow
//! requests, CRLF injection, every way around an admin key, foreign origins
//! and foreign `Host` headers. None gets a 5xx, an SQL error, a file of the
//! machine or an admin answer, and the data are intact afterwards.

mod common;

use common::{get, get_json, Api};
use renec_harvester::api::routes::{Access, Verb, ROUTES};
use renec_harvester::config::Config;
use renec_harvester::testsite::generate::generate;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

struct Fixture {
    _site: renec_harvester::testsite::TestSite,
    dir: tempfile::TempDir,
    cfg: Config,
    api: Api,
}

fn fixture() -> Fixture {
    let site = common::site(generate(1, 7), &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(&site, dir.path());
    assert!(common::harvest(&cfg).unwrap().published());
    let api = Api::start(&cfg);
    Fixture {
        _site: site,
        dir,
        cfg,
        api,
    }
}

/// Sends `request` as bytes on a new connection; the status (0 when no
/// answer came) and the whole answer as text.
fn raw(addr: &str, request: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, text)
}

fn addr(f: &Fixture) -> String {
    f.api.base.strip_prefix("http://").unwrap().to_string()
}

/// The rows of every table of the database, read with SQLite itself.
fn counts(f: &Fixture) -> Vec<(String, i64)> {
    let db = rusqlite::Connection::open(f.cfg.sqlite_path()).unwrap();
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables
        .into_iter()
        .map(|t| {
            let n = db
                .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
                .unwrap();
            (t, n)
        })
        .collect()
}

/// Texts that only an SQL engine's error would put in an answer.
fn leaks_sql(body: &str) -> bool {
    let b = body.to_ascii_lowercase();
    [
        "sqlitefailure",
        "rusqlite",
        "sql error",
        "syntax error",
        "no such column",
        "no such table",
        "unrecognized token",
        "near \"",
    ]
    .iter()
    .any(|t| b.contains(t))
}

/// Fills a route's `{…}` parts with real values of the test database.
fn concrete(f: &Fixture, template: &str) -> String {
    let first = |list: &str, key: &str| {
        let (_, page) = get_json(&format!("{}{list}?limit=1", f.api.base));
        match &page["items"][0][key] {
            serde_json::Value::String(s) => s.clone(),
            v => v.to_string(),
        }
    };
    let family = template.split('/').nth(3).unwrap_or("");
    let id = match family {
        "ec" => first("/api/v1/ec", "clave"),
        "certificadores" => first("/api/v1/certificadores", "id"),
        "centros" => first("/api/v1/centros", "id"),
        "comites" => first("/api/v1/comites", "id"),
        "sectores" => first("/api/v1/sectores", "id"),
        "runs" => first("/api/v1/runs", "id"),
        _ => String::new(),
    };
    template
        .replace("{clave}", &id)
        .replace("{id}", &id)
        .replace("{format}", "csv")
}

const INJECTIONS: &[&str] = &[
    "' OR '1'='1",
    "1 OR 1=1",
    "1; DROP TABLE standards; --",
    "\" OR \"\"=\"",
    "x' UNION SELECT name, sql FROM sqlite_master --",
    "clave; DELETE FROM runs",
    "-titulo,(SELECT 1)",
    "%' --",
    "1)) OR ((1=1",
];

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[test]
fn sql_injection_in_every_parameter_and_path_value_is_inert() {
    let f = fixture();
    let before = counts(&f);
    let rows = |name: &str| before.iter().find(|(t, _)| t == name).map(|(_, n)| *n);
    assert!(rows("estandares") > Some(10), "{before:?}");
    assert!(rows("runs") > Some(0), "{before:?}");
    let mut sent = 0;
    for route in ROUTES
        .iter()
        .filter(|r| r.verb == Verb::Get && r.access != Access::Admin)
    {
        let path = concrete(&f, route.path);
        let mut urls = vec![];
        for param in route.params.iter().flat_map(|g| g.iter()) {
            for bad in INJECTIONS {
                urls.push(format!("{}{path}?{param}={}", f.api.base, enc(bad)));
            }
        }
        // The values in the path itself.
        if route.path.contains('{') {
            for bad in INJECTIONS {
                let tampered = route
                    .path
                    .replace("{clave}", &enc(bad))
                    .replace("{id}", &enc(bad))
                    .replace("{format}", &enc(bad));
                urls.push(format!("{}{tampered}", f.api.base));
            }
        }
        for url in urls {
            let (status, _, body) = get(&url, &[]);
            let body = String::from_utf8_lossy(&body);
            assert!(
                matches!(status, 200 | 400 | 404 | 406),
                "{url}: {status} {body}"
            );
            assert!(!leaks_sql(&body), "{url}: {body}");
            sent += 1;
        }
    }
    assert!(sent > 500, "only {sent} hostile requests were sent");
    // Nothing was changed or dropped, and the service still answers.
    assert_eq!(counts(&f), before);
    let (status, runs) = get_json(&format!("{}/api/v1/runs", f.api.base));
    assert_eq!(status, 200);
    assert!(!runs["items"].as_array().unwrap().is_empty());
}

#[test]
fn ui_paths_never_reach_outside_the_ui() {
    let f = fixture();
    let a = addr(&f);
    let (_, _, index) = get(&format!("{}/", f.api.base), &[]);
    let index = String::from_utf8(index).unwrap();
    let targets = [
        "/../../../../etc/passwd",
        "/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/%252e%252e/%252e%252e/etc/passwd",
        "/..\\..\\..\\etc\\passwd",
        "/..%5c..%5cCargo.toml",
        "/js/main.js/../../registry.toml",
        "/..%2fregistry.toml",
        "/%2e%2e%2fregistry.toml",
        "/..%2fopenapi.json",
        "/ui/../registry.toml",
        "/....//....//etc/passwd",
        "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
        "//etc/passwd",
        "/%00../registry.toml",
    ];
    for target in targets {
        let request = format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let (status, text) = raw(&a, request.as_bytes());
        assert!(status < 500 && status != 0, "{target}: {text}");
        for secret in [
            "root:",
            "[package]",
            "[detail]",
            "[catalogue]",
            "\"openapi\"",
        ] {
            assert!(!text.contains(secret), "{target} reached a file: {text}");
        }
        // Whatever is answered with 200 is the UI's own page.
        if status == 200 {
            assert!(text.ends_with(&index), "{target}: {text}");
        }
    }
    // The UI's real files are still served, revalidated against an ETag of
    // their content (after an upgrade no browser keeps an old module).
    let (status, headers, js) = get(&format!("{}/js/main.js", f.api.base), &[]);
    assert_eq!(status, 200);
    assert!(!js.is_empty());
    assert_eq!(headers["cache-control"], "no-cache");
    let etag = headers["etag"].to_str().unwrap().to_string();
    let (status, _, body) = get(
        &format!("{}/js/main.js", f.api.base),
        &[("If-None-Match", &etag)],
    );
    assert_eq!((status, body.len()), (304, 0));
    let (status, other, _) = get(
        &format!("{}/js/router.js", f.api.base),
        &[("If-None-Match", &etag)],
    );
    assert_eq!(status, 200, "another file's tag does not match");
    assert_ne!(other["etag"], headers["etag"]);
}

#[test]
fn oversized_malformed_and_slow_requests_are_refused_and_the_service_answers_on() {
    let f = fixture();
    let a = addr(&f);
    let long_query = format!(
        "GET /api/v1/ec?q={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let huge_header = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "b".repeat(1 << 20)
    );
    let many_headers = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\n{}Connection: close\r\n\r\n",
        (0..500)
            .map(|i| format!("X-H{i}: v\r\n"))
            .collect::<String>()
    );
    let mut big_body = b"POST /api/v1/admin/harvest HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\nConnection: close\r\n\r\n".to_vec();
    big_body.extend(std::iter::repeat_n(b'z', 1 << 20));
    let mut chunked = b"GET /api/v1/ec HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for _ in 0..64 {
        chunked.extend(b"4000\r\n");
        chunked.extend(std::iter::repeat_n(b'c', 0x4000));
        chunked.extend(b"\r\n");
    }
    chunked.extend(b"0\r\n\r\n");
    let cases: Vec<(&str, Vec<u8>, &[u16])> = vec![
        ("a 64 KB query", long_query.into_bytes(), &[414, 431, 400]),
        ("a 1 MB header", huge_header.into_bytes(), &[431, 400, 0]),
        ("500 headers", many_headers.into_bytes(), &[431]),
        ("a 20 MB body", big_body, &[413]),
        ("a 1 MB chunked body", chunked, &[413]),
        ("two Content-Lengths", b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nzzzzz".to_vec(), &[400]),
        ("a negative Content-Length", b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n".to_vec(), &[400]),
        ("a bad chunk size", b"GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nhello\r\n0\r\n\r\n".to_vec(), &[413, 400]),
        ("HTTP/9.9", b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n".to_vec(), &[400, 505, 0]),
        ("a NUL in the path", b"GET /api/v1/ec/\x00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), &[400]),
        ("a request line of 100 KB", format!("GET /{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "p".repeat(100_000)).into_bytes(), &[414, 431, 400, 0]),
        ("non-UTF-8 query", b"GET /api/v1/ec?q=%ff%fe%fd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), &[200, 400]),
        ("bare LF lines", b"GET /health HTTP/1.1\nHost: x\nConnection: close\n\n".to_vec(), &[200, 400]),
    ];
    for (what, request, allowed) in &cases {
        let started = Instant::now();
        let (status, text) = raw(&a, request);
        eprintln!("{what}: {status} in {:?}", started.elapsed());
        assert!(
            allowed.contains(&status),
            "{what}: {status} {}",
            &text[..text.len().min(400)]
        );
        assert!(
            started.elapsed() < Duration::from_secs(12),
            "{what} held the connection"
        );
        let (status, _) = get_json(&format!("{}/health", f.api.base));
        assert_eq!(status, 200, "the service stopped answering after: {what}");
    }

    // Slow partial requests: 200 connections that never finish their headers
    // neither keep others from being answered nor stay open for ever.
    let mut slow: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut s = TcpStream::connect(&a).unwrap();
            s.write_all(b"GET /api/v1/ec HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .unwrap();
            s
        })
        .collect();
    let started = Instant::now();
    let (status, _) = get_json(&format!("{}/api/v1/ec?limit=5", f.api.base));
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "200 slow clients delayed an answer by {:?}",
        started.elapsed()
    );
    for s in &mut slow {
        let _ = s.write_all(b"a");
    }
    // The header deadline (10 s) closes every one of them.
    let deadline = Instant::now() + Duration::from_secs(25);
    for s in &mut slow {
        s.set_read_timeout(Some(
            deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1)),
        ))
        .unwrap();
        let mut out = Vec::new();
        let closed = s.read_to_end(&mut out).is_ok();
        assert!(
            closed,
            "a slow connection was still open after {:?}",
            started.elapsed()
        );
    }
    let (status, _) = get_json(&format!("{}/health", f.api.base));
    assert_eq!(status, 200);
}

#[test]
fn crlf_in_any_value_never_becomes_a_header() {
    let f = fixture();
    let a = addr(&f);
    let injected = "x%0d%0aSet-Cookie:%20pwned=1%0d%0aX-Injected:%201";
    let clave = concrete(&f, "/api/v1/ec/{clave}");
    let targets = [
        format!("/api/v1/ec?q={injected}"),
        format!("/api/v1/export/ec.csv?q={injected}"),
        format!("/api/v1/export/ec.{injected}"),
        format!("/api/v1/ec/{injected}"),
        format!("{clave}?as_of={injected}"),
        format!("/api/v1/ec?sort={injected}"),
        format!("/api/v1/ec?format={injected}"),
        format!("/api/v1/changes.atom?entity={injected}"),
        format!("/{injected}"),
        format!("/api/v1/nada{injected}"),
    ];
    for target in &targets {
        let request = format!(
            "GET {target} HTTP/1.1\r\nHost: x\r\nOrigin: https://a.example%0d%0aX-Injected: 2\r\nConnection: close\r\n\r\n"
        );
        let (status, text) = raw(&a, request.as_bytes());
        assert!(status < 500 && status != 0, "{target}: {text}");
        let head = text.split("\r\n\r\n").next().unwrap().to_ascii_lowercase();
        assert!(
            !head.contains("\r\nset-cookie") && !head.contains("\r\nx-injected"),
            "{target} put a header in the answer: {head}"
        );
    }
}

#[test]
fn admin_routes_refuse_every_way_around_a_key() {
    let f = fixture();
    let admin = common::apikey(f.dir.path(), "ops", "admin");
    let reader = common::apikey(f.dir.path(), "lector", "read");
    let revoked = common::apikey(f.dir.path(), "antigua", "admin");
    let out = common::bin_in(f.dir.path())
        .args(["apikey", "revoke", "antigua"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let admin_routes: Vec<_> = ROUTES
        .iter()
        .filter(|r| r.access == Access::Admin)
        .collect();
    assert!(admin_routes.len() >= 5);
    let url = |r: &renec_harvester::api::routes::Route| format!("{}{}", f.api.base, r.path);

    // The admin key works (only on the read-only admin routes, so that no
    // harvest starts), and the read key is forbidden everywhere.
    for r in &admin_routes {
        if r.verb == Verb::Get {
            let (status, body) = common::call("GET", &url(r), Some(&admin));
            assert_eq!(status, 200, "{}: {body}", r.path);
        }
        let (status, body) = common::call(r.verb.as_str(), &url(r), Some(&reader));
        assert_eq!(status, 403, "{} with a read key: {body}", r.path);
        assert_eq!(body["error"]["code"], "forbidden");
    }
    // No key, a key in the query string, other schemes, empty and garbled
    // keys: 401, never an answer.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for r in &admin_routes {
        for query in ["", "?key=", "?api_key=", "?token=", "?access_token="] {
            let full = if query.is_empty() {
                url(r)
            } else {
                format!("{}{query}{admin}", url(r))
            };
            let (status, body) = common::call(r.verb.as_str(), &full, None);
            assert!(
                matches!(status, 400 | 401),
                "{full} without a header: {status} {body}"
            );
        }
        for header in [
            format!("Basic {admin}"),
            format!("bearer{admin}"),
            admin.clone(),
            "Bearer".to_string(),
            "Bearer ".to_string(),
            format!("Token {admin}"),
        ] {
            let mut req = match r.verb {
                Verb::Get => agent.get(url(r)).header("Authorization", &header).call(),
                Verb::Post => agent
                    .post(url(r))
                    .header("Authorization", &header)
                    .send_empty(),
            }
            .unwrap();
            let status = req.status().as_u16();
            let body = req.body_mut().read_to_string().unwrap_or_default();
            assert_eq!(
                status, 401,
                "{} with `Authorization: {header}`: {body}",
                r.path
            );
        }
    }
    // Unknown, garbled and revoked keys: refused, then the address is
    // blocked for a while (429) rather than allowed to keep guessing.
    let garbled = [
        revoked.clone(),
        format!("{admin}x"),
        admin[..admin.len() - 1].to_string(),
        "rh_' OR '1'='1".to_string(),
        "rh_".to_string() + &"A".repeat(4000),
        revoked.clone(),
        revoked.clone(),
    ];
    let mut statuses = vec![];
    for key in &garbled {
        let r = admin_routes.iter().find(|r| r.verb == Verb::Get).unwrap();
        let (status, body) = common::call("GET", &url(r), Some(key));
        assert!(matches!(status, 401 | 429 | 400), "{status} {body}");
        statuses.push(status);
    }
    assert_eq!(statuses[0], 401, "a revoked key: {statuses:?}");
    // A key that is not even ASCII, sent raw (clients refuse to send it).
    let request = "GET /api/v1/admin/config HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer rh_\u{fc}n\u{ef}c\u{f6}d\u{e9}\r\nConnection: close\r\n\r\n";
    let (status, text) = raw(&addr(&f), request.as_bytes());
    assert!(matches!(status, 400 | 401 | 429), "{text}");
    assert_eq!(*statuses.last().unwrap(), 429, "{statuses:?}");
    // While blocked, not even the right key is looked at.
    let (status, _) = common::call(
        "GET",
        &format!("{}/api/v1/admin/config", f.api.base),
        Some(&admin),
    );
    assert_eq!(status, 429);
    drop(f.cfg);
}

#[test]
fn foreign_origins_and_hosts_get_nothing_of_theirs_back() {
    let f = fixture();
    let a = addr(&f);
    // No CORS origin is configured: a foreign page gets no CORS grant, on
    // reads or admin routes, and its preflight is refused.
    for path in ["/api/v1/ec", "/api/v1/stats", "/api/v1/admin/config"] {
        let (_, h, _) = get(
            &format!("{}{path}", f.api.base),
            &[("Origin", "https://evil.example")],
        );
        assert!(
            !h.contains_key("access-control-allow-origin"),
            "{path}: {h:?}"
        );
        assert!(
            !h.contains_key("access-control-allow-credentials"),
            "{path}: {h:?}"
        );
        let request = format!(
            "OPTIONS {path} HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: authorization\r\nConnection: close\r\n\r\n"
        );
        let (status, text) = raw(&a, request.as_bytes());
        assert_eq!(status, 403, "{path}: {text}");
        assert!(
            !text
                .to_ascii_lowercase()
                .contains("access-control-allow-origin"),
            "{text}"
        );
    }
    // A foreign Host (or forwarded host) is never written back: links,
    // the OpenAPI document and errors use paths, not the caller's host.
    for path in [
        "/api/v1/ec?limit=2",
        "/api/v1/certificadores?limit=2",
        "/api/v1/openapi.json",
        "/api/v1/changes.atom",
        "/api/v1/changes.json",
        "/api/v1/nada",
        "/",
        "/api/v1/export/ec.csv",
    ] {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Host: evil2.example\r\nX-Forwarded-Proto: gopher\r\nConnection: close\r\n\r\n"
        );
        let (status, text) = raw(&a, request.as_bytes());
        assert!(status != 0 && status < 500, "{path}: {text}");
        assert!(
            !text.contains("evil"),
            "{path} reflected a foreign host: {text}"
        );
        assert!(!text.contains("gopher"), "{path}: {text}");
    }
}
