//! The HTTP server under the API: accepts connections, bounds how long a
//! client may take to send its headers, and makes sure that no single
//! request can take the process down.
//!
//! warp's own `serve` offers neither a header-read timeout nor a guard
//! around a panicking filter, and one of its filters (`path::full`) panics
//! on an authority-form request target (`GET 127.0.0.1:22 HTTP/1.1`). So the
//! connections are driven here with hyper directly: a request whose target
//! has no path is answered 400 before it reaches warp, and a panic while
//! answering a request ends that request with a 500 and an ERROR log line.

use super::error::ApiError;
use futures_util::FutureExt;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::time::Duration;
use tower_service::Service;
use warp::http::StatusCode;
use warp::Filter;

/// The client's address, put into every request's extensions.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub SocketAddr);

/// The client address of a request (None for requests not from a socket).
pub fn client_addr() -> impl Filter<Extract = (Option<SocketAddr>,), Error = Infallible> + Copy {
    warp::ext::optional::<ClientAddr>().map(|c: Option<ClientAddr>| c.map(|c| c.0))
}

/// How long a client may take to send a request's headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `filter` on `listener` until `shutdown` resolves, then lets the
/// open connections finish their requests.
pub async fn run<F>(
    filter: F,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    header_read_timeout: Duration,
) where
    F: Filter<Extract = (warp::reply::Response,), Error = Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    F::Future: Send,
{
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait, never spin.
                    tracing::warn!(error = %e, "accept_failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let svc = warp::service(filter.clone());
        let service = hyper::service::service_fn(move |req| answer(svc.clone(), remote, req));
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(header_read_timeout);
        let conn = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, client_ip = %remote.ip(), "connection_closed_with_error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Answers one request: 400 for a target without a path, 500 if answering panics.
async fn answer<S>(
    mut svc: S,
    remote: SocketAddr,
    mut req: hyper::Request<hyper::body::Incoming>,
) -> Result<warp::reply::Response, Infallible>
where
    S: Service<
        hyper::Request<hyper::body::Incoming>,
        Response = warp::reply::Response,
        Error = Infallible,
    >,
{
    let asterisk = req.uri().path() == "*" && req.method() != warp::http::Method::OPTIONS;
    if req.uri().path_and_query().is_none() || asterisk {
        tracing::info!(client_ip = %remote.ip(), target = %req.uri(), method = %req.method(), "bad_request_target");
        let target = req.uri().to_string();
        let e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request_target",
            format!("el destino de la petición {target:?} no es una ruta; envíe una como \"/api/v1/ec\" (o una URL absoluta; \"*\" solo con OPTIONS)"),
            format!("the request target {target:?} is not a path; send an origin-form target such as \"/api/v1/ec\" (or an absolute URL; \"*\" only with OPTIONS)"),
        );
        return Ok(super::http::error_response(&e));
    }
    req.extensions_mut().insert(ClientAddr(remote));
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    match AssertUnwindSafe(async move { svc.call(req).await })
        .catch_unwind()
        .await
    {
        Ok(answered) => answered,
        Err(panic) => {
            let cause = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            tracing::error!(client_ip = %remote.ip(), %method, path, cause, "request_panicked");
            crate::metrics::metrics()
                .api_requests_total
                .with_label_values(&["panic", crate::metrics::method_label(&method), "500"])
                .inc();
            crate::metrics::metrics()
                .api_errors_total
                .with_label_values(&["panic", "500"])
                .inc();
            Ok(super::http::error_response(&ApiError::internal(
                "the server failed while answering this request",
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// A server whose `/boom` panics, with a short header timeout.
    fn start() -> (
        SocketAddr,
        tokio::sync::oneshot::Sender<()>,
        std::thread::JoinHandle<()>,
    ) {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let filter = warp::path::full().and(client_addr()).map(
                    |p: warp::path::FullPath, client: Option<SocketAddr>| {
                        if p.as_str() == "/boom" {
                            panic!("a handler failed");
                        }
                        let ip = client.map(|c| c.ip().to_string()).unwrap_or_default();
                        warp::reply::Response::new(ip.into())
                    },
                );
                run(
                    filter,
                    listener,
                    async {
                        let _ = stop_rx.await;
                    },
                    Duration::from_millis(300),
                )
                .await;
            });
        });
        (addr_rx.recv().unwrap(), stop_tx, thread)
    }

    fn raw(addr: SocketAddr, request: &[u8]) -> String {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(request).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn a_panic_is_a_500_an_authority_target_a_400_and_slow_headers_are_cut() {
        let (addr, stop, thread) = start();
        let boom = raw(
            addr,
            b"GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert!(boom.starts_with("HTTP/1.1 500"), "{boom}");
        assert!(boom.contains("internal_error"), "{boom}");
        let authority = raw(
            addr,
            b"GET 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert!(authority.starts_with("HTTP/1.1 400"), "{authority}");
        assert!(authority.contains("bad_request_target"), "{authority}");
        // The server still answers, and hands the client's address to the filter.
        let ok = raw(
            addr,
            b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert!(
            ok.starts_with("HTTP/1.1 200") && ok.ends_with("127.0.0.1"),
            "{ok}"
        );
        // Headers that never end: the connection is closed after the timeout.
        let started = std::time::Instant::now();
        let slow = raw(addr, b"GET / HTTP/1.1\r\nHost: x\r\n");
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
        assert!(!slow.contains("200 OK"), "{slow}");
        stop.send(()).unwrap();
        thread.join().unwrap();
    }
}
