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

/// Seconds since the published run finished; sets the data-age gauges.
fn record_data_age(finished: Option<&str>) -> Option<i64> {
    let finished = chrono::DateTime::parse_from_rfc3339(finished?).ok()?;
    let age = (chrono::Utc::now() - finished.with_timezone(&chrono::Utc)).num_seconds();
    let m = crate::metrics::metrics();
    m.data_age_seconds.set(age as f64);
    m.last_published_run_timestamp
        .set(finished.timestamp() as f64);
    Some(age)
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
                serde_json::json!({"status": "not_ready", "reason": e.message.en}),
            ))
        }
    };
    let reason = if let Some(r) = req.state.postgres_not_ready() {
        Some(r)
    } else if !schema_ok {
        Some("the database schema is not the one this binary writes".to_string())
    } else {
        match &published {
            None => Some("no harvest has been published yet".to_string()),
            Some((_, finished)) => {
                let age = record_data_age(finished.as_deref());
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
    let postgres = req
        .state
        .postgres_status()
        .unwrap_or(serde_json::Value::Null);
    Ok(match reason {
        None => plain(
            StatusCode::OK,
            serde_json::json!({"status": "ready", "published_run": published.map(|p| p.0), "postgres": postgres}),
        ),
        Some(reason) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"status": "not_ready", "reason": reason, "postgres": postgres}),
        ),
    })
}

pub async fn metrics(req: &Request<'_>) -> Result<Reply, ApiError> {
    let st = req.state;
    if !st.prometheus_enabled {
        return Err(ApiError::not_found(
            "las métricas están apagadas (PROMETHEUS_ENABLED=false)",
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
        tracing::warn!(auth_failed = true, client_ip = %req.client.map(|c| c.ip().to_string()).unwrap_or_default(), "metrics_refused");
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "las métricas piden el token de PROMETHEUS_TOKEN o un cliente local",
            "metrics need the bearer token of PROMETHEUS_TOKEN or a loopback client",
        ));
    }
    if let Some(cache) = &st.cache {
        cache.run_pending_tasks().await;
        crate::metrics::metrics()
            .cache_bytes
            .set(i64::try_from(cache.weighted_size()).unwrap_or(i64::MAX));
    }
    // Refresh the gauges read from the database (one blocking read), then render.
    let latest = st
        .read(|s| {
            let published = s.published_run()?;
            let view = match &published {
                Some((id, _)) => s.get_run(*id)?,
                None => None,
            };
            let recent = s
                .list_runs(crate::store::read::PageReq {
                    limit: 5,
                    offset: 0,
                })?
                .items;
            Ok((published, view, recent))
        })
        .await;
    if let Ok((published, view, recent)) = latest {
        let m = crate::metrics::metrics();
        record_data_age(published.and_then(|p| p.1).as_deref());
        for (source, c) in view
            .as_ref()
            .and_then(|v| v.coverage.as_object())
            .into_iter()
            .flatten()
        {
            if let Some(ratio) = c.get("ratio").and_then(|v| v.as_f64()) {
                m.coverage_ratio
                    .with_label_values(&[source.as_str()])
                    .set(ratio);
            }
        }
        let latest_finished = recent.iter().find(|r| r.status != "running");
        m.last_run_held.set(i64::from(
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
