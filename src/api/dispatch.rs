//! One request from start to end: limits, rate limiting, the route table,
//! authorization, parameters, revalidation and the cache, the handler,
//! then headers, metrics and the access log.

use super::error::ApiError;
use super::params::Params;
use super::state::{AppState, Cached};
use super::{http, routes, Reply, Request};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;
use warp::http::{HeaderMap, Method, StatusCode};
use warp::Filter;

fn is_loopback(client: Option<SocketAddr>) -> bool {
    client.is_some_and(|a| a.ip().is_loopback())
}

/// Who may do this: admin paths need an admin key; read paths need a key
/// only with `api.require_key`. Returns the key's name when one was given.
/// Refusals are audited and rate-limited per client.
async fn authorize(
    state: &AppState,
    access: routes::Access,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    client: Option<SocketAddr>,
) -> Result<Option<String>, ApiError> {
    use crate::store::keys::Role;
    let admin = access == routes::Access::Admin;
    let needs_key = admin || (state.require_key && access == routes::Access::Read);
    let presented = headers
        .get(warp::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_string());
    if !needs_key {
        return Ok(None);
    }
    let ip = client.map_or(IpAddr::from([0, 0, 0, 0]), |c| c.ip());
    let refuse = |status: StatusCode, code: &'static str, es: String, en: String| {
        ApiError::new(status, code, es, en)
    };
    if let Some(wait) = state.auth_blocked_for(ip) {
        return Err(refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("demasiadas claves rechazadas desde esta dirección; no se revisa ninguna clave suya durante {} segundos más", wait.as_secs().max(1)),
            format!("too many failed key checks from this address; no key is checked from it for {} more seconds", wait.as_secs().max(1)),
        ));
    }
    let Some(key) = presented else {
        let role = if admin { "admin" } else { "read" };
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            format!("{method} {path} necesita una clave de API: `Authorization: Bearer rh_…` (créela con `renec-harvester apikey create NOMBRE --role {role}`)"),
            format!("{method} {path} needs an API key: `Authorization: Bearer rh_…` (create one with `renec-harvester apikey create NAME --role {role}`)"),
        ));
    };
    let found = state.check_key(key).await?;
    match found {
        None => {
            tracing::warn!(auth_failed = true, client_ip = %ip, path, "auth_failed");
            state.audit(
                "user_login",
                None,
                client,
                "refused",
                serde_json::json!({"path": path, "reason": "unknown or revoked key"}),
            );
            if let Err(not_until) = state.auth_failures.check_key(&ip) {
                let wait = not_until
                    .wait_time_from(governor::clock::Clock::now(
                        &governor::clock::DefaultClock::default(),
                    ))
                    .max(std::time::Duration::from_secs(60));
                state
                    .auth_blocked
                    .lock()
                    .expect("auth lock")
                    .insert(ip, Instant::now() + wait);
                return Err(refuse(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("demasiadas claves rechazadas desde esta dirección; no se revisa ninguna clave suya durante {} segundos", wait.as_secs()),
                    format!("too many failed key checks from this address; no key is checked from it for {} seconds", wait.as_secs()),
                ));
            }
            Err(refuse(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "la clave de API es desconocida o fue revocada".into(),
                "the API key is unknown or revoked".into(),
            ))
        }
        Some((name, Role::Read)) if admin => {
            tracing::warn!(auth_failed = true, client_ip = %ip, key = %name, path, "auth_forbidden");
            state.audit(
                "user_login",
                Some(&name),
                client,
                "refused",
                serde_json::json!({"path": path, "reason": "read key on an admin endpoint"}),
            );
            Err(refuse(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!(
                    "la clave {name:?} es de lectura; {path} necesita una clave de administración"
                ),
                format!("the key {name:?} is a read key; {path} needs an admin key"),
            ))
        }
        Some((name, _)) => {
            if admin {
                state.audit(
                    "user_login",
                    Some(&name),
                    client,
                    "ok",
                    serde_json::json!({"path": path, "method": method.as_str()}),
                );
            }
            Ok(Some(name))
        }
    }
}

/// Answers a request the route table knows nothing about: the UI for
/// other paths, a 404 that points at the OpenAPI document under `/api/`.
fn unrouted(
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> (&'static str, warp::reply::Response) {
    if path.starts_with("/api/") {
        let e = ApiError::not_found(
            format!("no hay ruta de API {path}; las rutas están en /api/v1/openapi.json"),
            format!("no API route {path}; the routes are listed in /api/v1/openapi.json"),
        );
        return ("/api/*", http::error_response(&e));
    }
    if method != Method::GET && method != Method::HEAD {
        let e = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{method} no se acepta aquí; la interfaz se lee con GET"),
            format!("{method} is not accepted here; the UI is read with GET"),
        );
        let mut r = http::error_response(&e);
        r.headers_mut().insert(
            warp::http::header::ALLOW,
            warp::http::HeaderValue::from_static("GET, HEAD"),
        );
        return ("method", r);
    }
    let if_none_match = headers
        .get(warp::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    match http::ui_file(path, if_none_match) {
        Reply::Raw(r) => ("/ui", r),
        _ => unreachable!("UI files are raw answers"),
    }
}

/// Routes a request: the table, authorization and parameters, then
/// revalidation and the cache, then the handler.
async fn dispatch(
    state: &AppState,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    client: Option<SocketAddr>,
) -> (&'static str, warp::reply::Response) {
    let (route, values) = match routes::find(method, &routes::segments(path)) {
        routes::Found::Route(route, values) => (route, values),
        routes::Found::WrongMethod(allow) => {
            let e = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{path} no acepta {method}; acepta {allow}"),
                format!("{method} is not accepted by {path}; it takes {allow}"),
            );
            let mut r = http::error_response(&e);
            if let Ok(v) = warp::http::HeaderValue::from_str(&allow) {
                r.headers_mut().insert(warp::http::header::ALLOW, v);
            }
            return ("method", r);
        }
        routes::Found::None => return unrouted(method, path, headers),
    };
    let template = route.path;
    let actor = match authorize(state, route.access, method, path, headers, client).await {
        Ok(actor) => actor,
        Err(e) => {
            let mut r = http::error_response(&e);
            if e.status == StatusCode::UNAUTHORIZED {
                r.headers_mut().insert(
                    warp::http::header::WWW_AUTHENTICATE,
                    warp::http::HeaderValue::from_static("Bearer"),
                );
            }
            let ip = client.map_or(IpAddr::from([0, 0, 0, 0]), |c| c.ip());
            if let Some(wait) = state.auth_blocked_for(ip) {
                r.headers_mut().insert(
                    warp::http::header::RETRY_AFTER,
                    warp::http::HeaderValue::from(wait.as_secs().max(1)),
                );
            }
            return ("auth", r);
        }
    };
    let params = match Params::parse_groups(query, route.params) {
        Ok(p) => p,
        Err(e) => return (template, http::error_response(&e)),
    };
    let run = if route.access == routes::Access::Admin {
        None
    } else {
        match state.current_run().await {
            Ok(run) => run,
            Err(e) => return (template, http::error_response(&e)),
        }
    };
    let key = (route.cached && run.is_some())
        .then(|| format!("{}|{path}|{}", run.unwrap_or(0), params.canonical()));
    let tag = key.as_deref().map(http::etag);
    let m = crate::metrics::metrics();
    let cached = match (&key, &state.cache) {
        (Some(key), Some(cache)) => cache.get(key).await,
        _ => None,
    };
    if let Some(tag) = &tag {
        if http::if_none_match(headers, tag) {
            return (template, http::not_modified(tag));
        }
    }
    if key.is_some() && state.cache.is_some() {
        if let Some(c) = cached {
            m.cache_hits_total.inc();
            return (
                template,
                http::tagged_response(headers, c.content_type, &c.body, tag.as_deref()),
            );
        }
        m.cache_misses_total.inc();
    }
    let req = Request {
        state,
        run,
        params,
        params_raw: query,
        headers,
        client,
        actor,
    };
    let result = (route.handler)(&req, &values).await;
    let (content_type, body) = match result {
        Ok(Reply::Json(value)) => (
            super::JSON,
            bytes::Bytes::from(serde_json::to_vec(&value).expect("json serializes")),
        ),
        Ok(Reply::Body { content_type, body }) => (content_type, body),
        Ok(Reply::Raw(r)) => return (template, r),
        Err(e) => return (template, http::error_response(&e)),
    };
    if let (Some(key), Some(cache)) = (key, &state.cache) {
        cache
            .insert(
                key,
                Cached {
                    content_type,
                    body: body.clone(),
                },
            )
            .await;
    }
    (
        template,
        http::tagged_response(headers, content_type, &body, tag.as_deref()),
    )
}

/// Longest query string accepted, in bytes.
const MAX_QUERY: usize = 4096;

/// Request size limits: the API takes no bodies and short query strings.
fn oversized(headers: &HeaderMap, query: Option<&str>) -> Option<ApiError> {
    let body = headers
        .get(warp::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let chunked = headers.contains_key(warp::http::header::TRANSFER_ENCODING);
    if body.is_some_and(|n| n > 0) || chunked {
        return Some(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_not_accepted",
            "esta API es de solo lectura y no acepta cuerpo en la petición",
            "this API is read-only and accepts no request body",
        ));
    }
    if query.is_some_and(|q| q.len() > MAX_QUERY) {
        return Some(ApiError::new(
            StatusCode::URI_TOO_LONG,
            "query_too_long",
            format!("la consulta mide más de {MAX_QUERY} bytes"),
            format!("the query string is longer than {MAX_QUERY} bytes"),
        ));
    }
    None
}

/// Handles one request from start to end.
pub(super) async fn handle(
    state: Arc<AppState>,
    method: Method,
    path: warp::path::FullPath,
    query: Option<String>,
    headers: HeaderMap,
    client: Option<SocketAddr>,
) -> Result<warp::reply::Response, Infallible> {
    let started = Instant::now();
    let path = path.as_str().to_string();
    let (template, mut response) = if method == Method::OPTIONS {
        let allow = routes::allow(&routes::segments(&path));
        let allow = allow.as_deref().unwrap_or("GET, HEAD, OPTIONS");
        ("preflight", http::preflight(&state, &headers, allow))
    } else if let Some(e) = oversized(&headers, query.as_deref()) {
        ("limits", http::error_response(&e))
    } else if let Some(wait) = state
        .limiter
        .as_ref()
        .filter(|_| state.limit_loopback || !is_loopback(client))
        .and_then(|l| {
            let ip = client.map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
            l.check_key(&ip).err().map(|not_until| {
                not_until.wait_time_from(governor::clock::Clock::now(
                    &governor::clock::DefaultClock::default(),
                ))
            })
        })
    {
        tracing::warn!(rate_limited = true, client_ip = %client.map(|c| c.ip().to_string()).unwrap_or_default(), path = %path, "rate_limited");
        ("rate_limit", http::rate_limited(wait))
    } else {
        dispatch(&state, &method, &path, query.as_deref(), &headers, client).await
    };
    http::finish(&state, &headers, &mut response);
    if method == Method::HEAD {
        *response.body_mut() = warp::reply::Response::default().into_body();
    }
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    let m = crate::metrics::metrics();
    let status_text = status.to_string();
    m.api_response_duration
        .with_label_values(&[template, status_text.as_str()])
        .observe(elapsed.as_secs_f64());
    m.api_requests_total
        .with_label_values(&[
            template,
            crate::metrics::method_label(&method),
            status_text.as_str(),
        ])
        .inc();
    if status >= 500 {
        m.api_errors_total
            .with_label_values(&[template, status_text.as_str()])
            .inc();
    }
    state.update_pool_gauges();
    tracing::info!(
        route = template,
        method = %method,
        path = %path,
        status,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        client_ip = %client.map(|c| c.ip().to_string()).unwrap_or_default(),
        "http_request"
    );
    Ok(response)
}

/// The warp filter of the whole server.
pub fn filter(
    state: Arc<AppState>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Infallible> + Clone {
    let state = warp::any().map(move || state.clone());
    let query = warp::query::raw()
        .map(Some)
        .or(warp::any().map(|| None))
        .unify();
    state
        .and(warp::method())
        .and(warp::path::full())
        .and(query)
        .and(warp::header::headers_cloned())
        .and(super::server::client_addr())
        .and_then(handle)
}
