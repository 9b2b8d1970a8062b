//! What every answer shares: ETags tied to the published run, the cache,
//! compression, CORS, security headers.

use super::error::ApiError;
use super::{AppState, Reply};

use crate::assets::Assets;
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::time::Duration;
use warp::http::header::{self, HeaderMap, HeaderValue};
use warp::http::StatusCode;
use warp::reply::Response;

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn response(status: StatusCode, content_type: &str, body: impl Into<bytes::Bytes>) -> Response {
    let body: bytes::Bytes = body.into();
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).expect("valid content type"),
    );
    r
}

/// An error answer, in Spanish; `dispatch` answers in English instead when
/// the reader prefers it (the error travels in the response's extensions).
pub fn error_response(e: &ApiError) -> Response {
    let mut r = response(e.status, super::JSON, e.body(super::error::Lang::Es));
    r.headers_mut()
        .insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("es"));
    r.extensions_mut().insert(e.clone());
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut()
        .insert("x-error-code", HeaderValue::from_static(e.code));
    r
}

pub fn rate_limited(wait: Duration) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    let e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("demasiadas peticiones desde esta dirección; reintente en {secs} s"),
        format!("too many requests from this address; retry after {secs} s"),
    );
    let mut r = error_response(&e);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    r
}

/// Strong ETag of a cache key (which holds the published run).
pub fn etag(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!("\"{}\"", hex::encode(&digest[..12]))
}

pub fn if_none_match(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"))
}

pub fn not_modified(tag: &str) -> Response {
    let mut r = response(StatusCode::NOT_MODIFIED, super::JSON, bytes::Bytes::new());
    r.headers_mut().insert(
        header::ETAG,
        HeaderValue::from_str(tag).expect("ascii etag"),
    );
    r
}

/// Compresses with brotli or gzip when the client accepts it and it is worth it.
pub fn compress(headers: &HeaderMap, body: &[u8]) -> Option<(&'static str, Vec<u8>)> {
    if body.len() < 1024 {
        return None;
    }
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let accepts = |enc: &str| {
        accept
            .split(',')
            .any(|p| p.split(';').next().is_some_and(|t| t.trim() == enc))
    };
    if accepts("br") {
        let mut out = Vec::with_capacity(body.len() / 4);
        let params = brotli::enc::BrotliEncoderParams {
            quality: 4,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
        return Some(("br", out));
    }
    if accepts("gzip") {
        let mut enc = flate2::write::GzEncoder::new(
            Vec::with_capacity(body.len() / 4),
            flate2::Compression::fast(),
        );
        enc.write_all(body).ok()?;
        return Some(("gzip", enc.finish().ok()?));
    }
    None
}

/// A body with its ETag (when it belongs to the published run).
pub fn tagged_response(
    headers: &HeaderMap,
    content_type: &str,
    body: &[u8],
    tag: Option<&str>,
) -> Response {
    let mut r = body_response(headers, content_type, body);
    match tag {
        Some(tag) => {
            r.headers_mut().insert(
                header::ETAG,
                HeaderValue::from_str(tag).expect("ascii etag"),
            );
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=60, must-revalidate"),
            );
        }
        None => {
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        }
    }
    r
}

/// A body, compressed when the client accepts it.
pub fn body_response(headers: &HeaderMap, content_type: &str, body: &[u8]) -> Response {
    let mut r = match compress(headers, body) {
        Some((enc, compressed)) => {
            let mut r = response(StatusCode::OK, content_type, compressed);
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(enc));
            r
        }
        None => response(StatusCode::OK, content_type, body.to_vec()),
    };
    r.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Origin"),
    );
    r
}

/// Security headers and CORS on every answer.
pub fn finish(state: &AppState, request_headers: &HeaderMap, r: &mut Response) {
    // An error answers in the reader's language.
    if let Some(e) = r.extensions_mut().remove::<ApiError>() {
        let lang = super::error::Lang::from_header(
            request_headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        if lang != super::error::Lang::Es {
            *r.body_mut() = e.body(lang).into();
            r.headers_mut().remove(header::CONTENT_LENGTH);
        }
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.tag()),
        );
        h.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    }
    let h = r.headers_mut();
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.remove("x-error-code");
    if let Some(origin) = allowed_origin(state, request_headers) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("ETag, Retry-After"),
        );
    }
}

fn allowed_origin(state: &AppState, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(header::ORIGIN)?.to_str().ok()?;
    state
        .cors_origins
        .iter()
        .any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
        .then(|| HeaderValue::from_str(origin).ok())
        .flatten()
}

/// OPTIONS: without an `Origin`, which methods the path takes (`allow`,
/// RFC 9110 §9.3.7); with one, a CORS preflight, allowed only for the
/// configured origins.
pub fn preflight(state: &AppState, headers: &HeaderMap, allow: &str) -> Response {
    if !headers.contains_key(header::ORIGIN) {
        let mut r = response(StatusCode::NO_CONTENT, "text/plain", bytes::Bytes::new());
        if let Ok(v) = HeaderValue::from_str(allow) {
            r.headers_mut().insert(header::ALLOW, v);
        }
        return r;
    }
    match allowed_origin(state, headers) {
        Some(_) => {
            let mut r = response(StatusCode::NO_CONTENT, "text/plain", bytes::Bytes::new());
            let h = r.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, HEAD, OPTIONS"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("If-None-Match, Content-Type"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            r
        }
        None => error_response(&ApiError::new(
            StatusCode::FORBIDDEN,
            "cors_origin_not_allowed",
            "este origen no está en CORS_ORIGINS",
            "this origin is not in CORS_ORIGINS",
        )),
    }
}

pub fn openapi() -> Reply {
    let file = Assets::get("openapi.json").expect("assets/openapi.json is embedded");
    let mut r = response(StatusCode::OK, super::JSON, file.data.into_owned());
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    Reply::Raw(r)
}

/// A file of the embedded UI; unknown paths get the UI's index (client-side routes).
/// Every answer is revalidated (`no-cache`) against an ETag of the file's
/// content, so that after an upgrade no browser mixes old and new modules,
/// and an unchanged file costs a 304.
pub fn ui_file(path: &str, if_none_match: Option<&str>) -> Reply {
    let name = path.trim_start_matches('/');
    let name = if name.is_empty() { "index.html" } else { name };
    let (file, name) = match Assets::get(&format!("ui/{name}")) {
        Some(f) => (f, name),
        None => (
            Assets::get("ui/index.html").expect("assets/ui/index.html is embedded"),
            "index.html",
        ),
    };
    let content_type = match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    let hash = file.metadata.sha256_hash();
    let etag: String = std::iter::once("\"".to_string())
        .chain(hash[..12].iter().map(|b| format!("{b:02x}")))
        .chain(std::iter::once("\"".to_string()))
        .collect();
    let fresh = if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut r = if fresh {
        response(StatusCode::NOT_MODIFIED, content_type, bytes::Bytes::new())
    } else {
        response(StatusCode::OK, content_type, file.data.into_owned())
    };
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    Reply::Raw(r)
}
