//! `/health`, `/ready` and `/metrics`: tiny, never cached.

use super::error::ApiError;
use super::{Reply, Request};
use warp::http::{header, HeaderValue, StatusCode};

fn plain(status: StatusCode, body: serde_json::Value) -> Reply {
    let mut r = warp::reply::Response::new(serde_json::to_vec(&body).expect("json").into());
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Reply::Raw(r)
}

pub async fn health(_req: &Request<'_>) -> Result<Reply, ApiError> {
    Ok(plain(StatusCode::OK, serde_json::json!({"status": "ok"})))
}

/// Ready: the database answers, its schema is current, and a published run
/// exists that is younger than `api.ready_max_age_hours`.
pub async fn ready(req: &Request<'_>) -> Result<Reply, ApiError> {
    let checked = req
        .state
        .read(|s| Ok((s.schema_current()?, s.published_run()?)))
        .await;
    let (schema_ok, published) = match checked {
        Ok(v) => v,
        Err(e) => {
            return Ok(plain(
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({"status": "not_ready", "reason": e.message}),
            ))
        }
    };
    let m = crate::metrics::metrics();
    let reason = if !schema_ok {
        Some("the database schema is not the one this binary writes".to_string())
    } else {
        match &published {
            None => Some("no harvest has been published yet".to_string()),
            Some((_, finished)) => {
                let finished = finished
                    .as_deref()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
                let age = finished
                    .map(|f| (chrono::Utc::now() - f.with_timezone(&chrono::Utc)).num_seconds());
                if let (Some(age), Some(f)) = (age, finished) {
                    m.data_age_seconds.set(age as f64);
                    m.last_published_run_timestamp.set(f.timestamp() as f64);
                }
                match age {
                    Some(a) if a > i64::from(req.state.ready_max_age_hours) * 3600 => Some(format!(
                        "the published data is {} hours old, more than api.ready_max_age_hours ({})",
                        a / 3600,
                        req.state.ready_max_age_hours
                    )),
                    _ => None,
                }
            }
        }
    };
    Ok(match reason {
        None => plain(
            StatusCode::OK,
            serde_json::json!({"status": "ready", "published_run": published.map(|p| p.0)}),
        ),
        Some(reason) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"status": "not_ready", "reason": reason}),
        ),
    })
}

pub async fn metrics(req: &Request<'_>) -> Result<Reply, ApiError> {
    let st = req.state;
    if !st.prometheus_enabled {
        return Err(ApiError::not_found(
            "metrics are turned off (PROMETHEUS_ENABLED=false)",
        ));
    }
    let token_ok = !st.metrics_token.is_empty()
        && req
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {}", st.metrics_token));
    let loopback = req.client.is_some_and(|c| c.ip().is_loopback());
    let allowed =
        token_ok || (st.metrics_token.is_empty() && (!st.metrics_loopback_only || loopback));
    if !allowed {
        tracing::warn!(auth_failed = true, client_ip = ?req.client.map(|c| c.ip()), "metrics_refused");
        return Err(ApiError {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            message: "metrics need the bearer token of PROMETHEUS_TOKEN or a loopback client"
                .into(),
            parameter: None,
        });
    }
    // Refresh the data-age gauges, then render.
    if let Ok(Some((_, Some(finished)))) = st.read(|s| s.published_run()).await {
        if let Ok(f) = chrono::DateTime::parse_from_rfc3339(&finished) {
            let m = crate::metrics::metrics();
            m.last_published_run_timestamp.set(f.timestamp() as f64);
            m.data_age_seconds
                .set((chrono::Utc::now().timestamp() - f.timestamp()) as f64);
        }
    }
    if let Ok(Some(run)) = st.current_run().await {
        if let Ok(Some(view)) = st.read(move |s| s.get_run(run)).await {
            if let Some(cov) = view.coverage.as_object() {
                for (source, c) in cov {
                    if let Some(r) = c.get("ratio").and_then(|v| v.as_f64()) {
                        crate::metrics::metrics()
                            .coverage_ratio
                            .with_label_values(&[source.as_str()])
                            .set(r);
                    }
                }
            }
        }
    }
    if let Ok(page) = st
        .read(|s| {
            s.list_runs(crate::store::read::PageReq {
                limit: 5,
                offset: 0,
            })
        })
        .await
    {
        let latest_finished = page.items.iter().find(|r| r.status != "running");
        crate::metrics::metrics().last_run_held.set(i64::from(
            latest_finished.is_some_and(|r| r.status == "held"),
        ));
    }
    let mut r = warp::reply::Response::new(crate::metrics::render().into());
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(Reply::Raw(r))
}
