//! A test double of the RENEC site (renec-site.md) on 127.0.0.1: the JSON
//! catalogue and committees, the Angular detail pages and the legacy JSP
//! pages in windows-1252, with robots.txt, ETag/Last-Modified and 304s,
//! a `JSESSIONID` cookie, and fault injection per request class.
//!
//! It speaks plain HTTP/1.1 on a tokio listener so that faults can do what
//! a real server would not: reset connections, send truncated bodies,
//! stall past the client's timeout.

pub mod corpus;
pub mod evolve;
pub mod faults;
pub mod generate;
pub mod heavy;
pub mod render;

use corpus::Corpus;
use faults::{Class, FaultKind, FaultRule};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Fixed publication date of the test site's pages.
pub const LAST_MODIFIED: &str = "Fri, 28 Nov 2025 06:00:00 GMT";

/// One request as the site saw it.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub path: String,
    pub class: Class,
    pub attempt: u32,
    pub status: u16,
    pub body_bytes: usize,
    pub conditional: bool,
    pub had_session_cookie: bool,
    pub user_agent: String,
    pub fault: Option<String>,
    /// When the request arrived (its headers were read).
    pub at: std::time::Instant,
}

#[derive(Default)]
struct Shared {
    markup: heavy::Markup,
    log: Mutex<Vec<LogEntry>>,
    attempts: Mutex<HashMap<String, u32>>,
    etag_counter: AtomicU64,
    session_counter: AtomicU64,
    /// The Crawl-delay robots.txt asks for, in milliseconds (0: none).
    crawl_delay_ms: AtomicU64,
}

/// A running test site. Dropping it stops the server.
pub struct TestSite {
    addr: SocketAddr,
    corpus: Arc<RwLock<Arc<Corpus>>>,
    shared: Arc<Shared>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct Answer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    extra_headers: Vec<(String, String)>,
    /// Conditional requests apply (pages with content, not errors).
    cacheable: bool,
}

impl Answer {
    fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Answer {
        Answer {
            status,
            content_type,
            body,
            extra_headers: Vec::new(),
            cacheable: status == 200,
        }
    }
    fn json(status: u16, v: &serde_json::Value) -> Answer {
        Answer::new(
            status,
            "application/json;charset=UTF-8",
            serde_json::to_vec(v).expect("json"),
        )
    }
    fn html(status: u16, text: String) -> Answer {
        Answer::new(status, "text/html; charset=utf-8", text.into_bytes())
    }
    fn legacy(status: u16, text: &str) -> Answer {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        Answer::new(
            status,
            "text/html; charset=windows-1252",
            bytes.into_owned(),
        )
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Routes a request to its page; also returns its class.
fn route(corpus: &Corpus, markup: heavy::Markup, path_and_query: &str) -> (Class, Answer) {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    if path == "/robots.txt" {
        return (
            Class::Robots,
            Answer::new(
                200,
                "text/plain; charset=utf-8",
                render::ROBOTS_TXT.as_bytes().to_vec(),
            ),
        );
    }
    if path == "/CONOCERBACKCITAS/sectoresProductivos/getEstandaresAll" {
        return (
            Class::Catalogue,
            Answer::json(200, &serde_json::Value::Array(corpus.catalogue.clone())),
        );
    }
    if let Some(id) = path.strip_prefix("/CONOCERBACKCITAS/comites/") {
        let Ok(id) = id.parse::<u32>() else {
            return (
                Class::Committee,
                Answer::json(
                    400,
                    &serde_json::json!({"responseStatus": 400, "message": "Bad Request"}),
                ),
            );
        };
        let answer = match corpus.comites.get(&id) {
            Some(c) => Answer::json(
                200,
                &serde_json::json!({"responseStatus": 200, "results": c}),
            ),
            // The live site answers a missing committee in three ways.
            None => match id % 3 {
                0 => Answer::json(
                    404,
                    &serde_json::json!({"responseStatus": 404, "message": "Not Found"}),
                ),
                1 => Answer::json(
                    200,
                    &serde_json::json!({"responseStatus": 404, "results": null}),
                ),
                _ => Answer::json(
                    400,
                    &serde_json::json!({"responseStatus": 400, "message": "Bad Request"}),
                ),
            },
        };
        return (Class::Committee, answer);
    }
    if let Some(code) = path.strip_prefix("/acciones_movil/renec_v2/competencia/") {
        let code = percent_decode(code);
        return match corpus.detail(&code) {
            Some(d) => (
                Class::Detail,
                Answer::html(
                    200,
                    match markup {
                        heavy::Markup::Light => render::detail_page(d, corpus),
                        heavy::Markup::Heavy => heavy::detail_page(d, corpus),
                    },
                ),
            ),
            None => (Class::Detail, Answer::html(404, render::not_found_page())),
        };
    }
    if path == "/RENEC/controlador.do" {
        let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let comp = params.get("comp").map(String::as_str).unwrap_or("");
        let page = params
            .get("pagina")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        let answer = if comp == "IR" {
            Some(render::hub())
        } else if let Some(title) = render::listing_title(comp) {
            render::listing(
                comp,
                title,
                corpus.listings.get(comp).map_or(&[][..], |v| v),
                page,
            )
        } else {
            render::simple_component(comp, corpus)
        };
        return match answer {
            Some(html) => (Class::Legacy, Answer::legacy(200, &html)),
            None => (
                Class::Legacy,
                Answer::legacy(404, "<html><body>Componente no encontrado</body></html>"),
            ),
        };
    }
    (Class::Legacy, Answer::html(404, render::not_found_page()))
}

/// Raw control characters inside JSON strings, as the live API sometimes sends.
/// Renames every panel header to "Sección N" (headers no registry knows).
fn relabel_panels(body: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(body);
    let (open, close) = (
        "<mat-expansion-panel-header>",
        "</mat-expansion-panel-header>",
    );
    let mut out = String::with_capacity(text.len());
    let mut rest = &text[..];
    let mut n = 0;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(close) else { break };
        n += 1;
        out.push_str(&rest[..start + open.len()]);
        out.push_str(&format!("Sección {n}"));
        rest = &after[end..];
    }
    out.push_str(rest);
    out.into_bytes()
}

fn inject_control_chars(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 64);
    let needle = b"\":\"";
    let mut i = 0;
    let mut n = 0;
    while i < body.len() {
        if body[i..].starts_with(needle) {
            out.extend_from_slice(needle);
            i += needle.len();
            n += 1;
            if n % 3 == 0 {
                out.extend_from_slice(b"\x01\x0b");
            }
            continue;
        }
        out.push(body[i]);
        i += 1;
    }
    out
}

struct Request {
    path: String,
    headers: HashMap<String, String>,
    close: bool,
}

/// Reads one request head; None at end of stream.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Request> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        if let Ok(httparse::Status::Complete(len)) = req.parse(buf) {
            let path = req.path.unwrap_or("/").to_string();
            let map: HashMap<String, String> = req
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_ascii_lowercase(),
                        String::from_utf8_lossy(h.value).into_owned(),
                    )
                })
                .collect();
            let close = map
                .get("connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("close"));
            buf.drain(..len);
            return Some(Request {
                path,
                headers: map,
                close,
            });
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

async fn serve_connection(
    mut stream: TcpStream,
    corpus: Arc<RwLock<Arc<Corpus>>>,
    faults: Arc<Vec<FaultRule>>,
    shared: Arc<Shared>,
) {
    let mut buf = Vec::new();
    while let Some(req) = read_request(&mut stream, &mut buf).await {
        let arrived = std::time::Instant::now();
        let snapshot = corpus.read().expect("corpus lock").clone();
        let (class, mut answer) = route(&snapshot, shared.markup, &req.path);
        let crawl_delay_ms = shared.crawl_delay_ms.load(Ordering::Relaxed);
        if class == Class::Robots && crawl_delay_ms > 0 && answer.status == 200 {
            let text = String::from_utf8_lossy(&answer.body).replacen(
                "User-agent: *\n",
                &format!(
                    "User-agent: *\nCrawl-delay: {}\n",
                    crawl_delay_ms as f64 / 1000.0
                ),
                1,
            );
            answer.body = text.into_bytes();
        }
        let attempt = {
            let mut attempts = shared.attempts.lock().expect("attempts lock");
            let n = attempts.entry(req.path.clone()).or_default();
            *n += 1;
            *n
        };
        // At most one failing fault per request; slowness, control characters
        // and changing ETags apply on top of it.
        let hits: Vec<FaultKind> = faults
            .iter()
            .filter(|f| f.applies(class, &req.path, attempt))
            .map(|f| f.kind)
            .collect();
        let fault = hits.iter().copied().find(|k| k.fails());
        let slow = hits.iter().find_map(|k| {
            if let FaultKind::Slow(ms) = k {
                Some(*ms)
            } else {
                None
            }
        });
        let control_chars = hits.contains(&FaultKind::ControlChars);
        let etag_change = hits.contains(&FaultKind::EtagChange);
        let relabel = hits.contains(&FaultKind::Relabel);
        let cookie = req.headers.get("cookie").cloned().unwrap_or_default();
        let mut entry = LogEntry {
            path: req.path.clone(),
            class,
            attempt,
            status: answer.status,
            body_bytes: 0,
            conditional: req.headers.contains_key("if-none-match")
                || req.headers.contains_key("if-modified-since"),
            had_session_cookie: cookie.contains("JSESSIONID="),
            user_agent: req.headers.get("user-agent").cloned().unwrap_or_default(),
            at: arrived,
            fault: (!hits.is_empty()).then(|| {
                hits.iter()
                    .map(|k| format!("{k:?}"))
                    .collect::<Vec<_>>()
                    .join("+")
            }),
        };
        match fault {
            Some(FaultKind::Reset) => {
                shared
                    .log
                    .lock()
                    .expect("log lock")
                    .push(LogEntry { status: 0, ..entry });
                let _ = stream.set_zero_linger();
                return;
            }
            Some(FaultKind::Timeout(ms)) => {
                shared
                    .log
                    .lock()
                    .expect("log lock")
                    .push(LogEntry { status: 0, ..entry });
                tokio::time::sleep(Duration::from_millis(ms)).await;
                return;
            }
            Some(FaultKind::Status(code)) => {
                answer = Answer::new(
                    code,
                    "text/html; charset=utf-8",
                    format!("<html><body>Error {code}</body></html>").into_bytes(),
                );
                if matches!(code, 429 | 503) {
                    answer
                        .extra_headers
                        .push(("Retry-After".into(), "1".into()));
                }
            }
            _ => {}
        }
        if let Some(ms) = slow {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        if control_chars && answer.content_type.starts_with("application/json") {
            answer.body = inject_control_chars(&answer.body);
        }
        if relabel && answer.content_type.starts_with("text/html") {
            answer.body = relabel_panels(&answer.body);
        }
        // Validators and conditional requests.
        let mut head = Vec::new();
        if answer.cacheable {
            let digest = hex::encode(&Sha256::digest(&answer.body)[..8]);
            let etag = if etag_change {
                format!(
                    "\"{digest}-{}\"",
                    shared.etag_counter.fetch_add(1, Ordering::Relaxed)
                )
            } else {
                format!("\"{digest}\"")
            };
            let matches_etag = req
                .headers
                .get("if-none-match")
                .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
            let matches_date = !req.headers.contains_key("if-none-match")
                && req
                    .headers
                    .get("if-modified-since")
                    .is_some_and(|v| v == LAST_MODIFIED)
                && !etag_change;
            head.push(("ETag".to_string(), etag));
            head.push(("Last-Modified".to_string(), LAST_MODIFIED.to_string()));
            if matches_etag || matches_date {
                answer.status = 304;
                answer.body.clear();
            }
        }
        if class == Class::Legacy && !entry.had_session_cookie {
            let n = shared.session_counter.fetch_add(1, Ordering::Relaxed);
            head.push((
                "Set-Cookie".into(),
                format!(
                    "JSESSIONID={:016X}; Path=/RENEC; HttpOnly",
                    0x5eed_0000_u64 + n
                ),
            ));
        }
        head.append(&mut answer.extra_headers);
        let full_len = answer.body.len();
        let sent = if fault == Some(FaultKind::Truncate) {
            full_len / 2
        } else {
            full_len
        };
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\n",
            answer.status,
            reason(answer.status),
            answer.content_type
        );
        if answer.status != 304 {
            out.push_str(&format!("Content-Length: {full_len}\r\n"));
        }
        for (k, v) in &head {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("Server: renec-testsite\r\n\r\n");
        entry.status = answer.status;
        entry.body_bytes = sent;
        shared.log.lock().expect("log lock").push(entry);
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&answer.body[..sent]);
        if stream.write_all(&bytes).await.is_err()
            || fault == Some(FaultKind::Truncate)
            || req.close
        {
            let _ = stream.shutdown().await;
            return;
        }
    }
}

impl TestSite {
    /// Starts the site on `bind` (port 0 picks one) on its own runtime thread.
    pub fn start(
        corpus: Corpus,
        faults: Vec<FaultRule>,
        bind: SocketAddr,
    ) -> std::io::Result<TestSite> {
        TestSite::start_with(corpus, faults, bind, heavy::Markup::Light)
    }

    /// [`TestSite::start`] with detail pages in the given markup.
    pub fn start_with(
        corpus: Corpus,
        faults: Vec<FaultRule>,
        bind: SocketAddr,
        markup: heavy::Markup,
    ) -> std::io::Result<TestSite> {
        let listener = std::net::TcpListener::bind(bind)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let corpus = Arc::new(RwLock::new(Arc::new(corpus)));
        let shared = Arc::new(Shared {
            markup,
            ..Shared::default()
        });
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let (c, s, f) = (corpus.clone(), shared.clone(), Arc::new(faults));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new().name("testsite".into()).spawn(move || {
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("listener");
                loop {
                    tokio::select! {
                        _ = &mut rx => break,
                        accepted = listener.accept() => {
                            if let Ok((stream, _)) = accepted {
                                let _ = stream.set_nodelay(true);
                                tokio::spawn(serve_connection(stream, c.clone(), f.clone(), s.clone()));
                            }
                        }
                    }
                }
            });
            runtime.shutdown_background();
        })?;
        Ok(TestSite {
            addr,
            corpus,
            shared,
            _shutdown: tx,
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give the harvester (`RENEC_SOURCE_URL`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves another state of the registry from now on.
    pub fn replace_corpus(&self, corpus: Corpus) {
        *self.corpus.write().expect("corpus lock") = Arc::new(corpus);
    }

    /// Makes robots.txt ask for this many seconds between requests.
    pub fn set_crawl_delay(&self, seconds: f64) {
        self.shared
            .crawl_delay_ms
            .store((seconds * 1000.0).round() as u64, Ordering::Relaxed);
    }

    /// Every request so far.
    pub fn log(&self) -> Vec<LogEntry> {
        self.shared.log.lock().expect("log lock").clone()
    }

    /// Forgets the request log and attempt counters (between two harvests).
    pub fn reset_log(&self) {
        self.shared.log.lock().expect("log lock").clear();
        self.shared.attempts.lock().expect("attempts lock").clear();
    }
}

impl Drop for TestSite {
    fn drop(&mut self) {
        let (tx, _) = tokio::sync::oneshot::channel();
        drop(std::mem::replace(&mut self._shutdown, tx));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests;
