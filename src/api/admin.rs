//! `/api/v1/admin/…`: start or stop a harvest, create and list snapshots,
//! read the effective configuration (secrets redacted) and the audit log.
//! Only admin keys reach these handlers (see `auth` in mod.rs).

use super::error::ApiError;
use super::{Reply, Request};
use warp::http::StatusCode;

fn conflict(message: &str) -> ApiError {
    ApiError {
        status: StatusCode::CONFLICT,
        code: "conflict",
        message: message.into(),
        parameter: None,
    }
}

fn accepted(v: serde_json::Value) -> Reply {
    let mut r = warp::reply::Response::new(serde_json::to_vec(&v).expect("json").into());
    *r.status_mut() = StatusCode::ACCEPTED;
    r.headers_mut().insert(
        warp::http::header::CONTENT_TYPE,
        warp::http::HeaderValue::from_static("application/json"),
    );
    Reply::Raw(r)
}

fn daemon(req: &Request<'_>) -> Result<std::sync::Arc<crate::ops::daemon::DaemonState>, ApiError> {
    req.state.daemon.clone().ok_or_else(|| {
        ApiError::not_found("this server runs no scheduler (start it with `renec-harvester serve`)")
    })
}

pub async fn start_harvest(req: &Request<'_>) -> Result<Reply, ApiError> {
    let actor = req.actor();
    let d = daemon(req)?;
    if d.offline {
        return Err(conflict(
            "this mirror is offline (serve --offline): it never crawls",
        ));
    }
    if d.harvest_running() {
        return Err(conflict("a harvest is already running"));
    }
    let dd = d.clone();
    tokio::task::spawn_blocking(move || dd.harvest_blocking());
    req.state.audit(
        "spider_start",
        Some(actor),
        req.client,
        "ok",
        serde_json::json!({"by": "admin api"}),
    );
    Ok(accepted(serde_json::json!({"started": true})))
}

pub async fn stop_harvest(req: &Request<'_>) -> Result<Reply, ApiError> {
    let actor = req.actor();
    if !daemon(req)?.stop_harvest() {
        return Err(conflict("no harvest is running"));
    }
    req.state.audit(
        "spider_stop",
        Some(actor),
        req.client,
        "ok",
        serde_json::json!({"by": "admin api"}),
    );
    Ok(accepted(
        serde_json::json!({"stopping": true, "note": "the run stops at its next checkpoint and the next harvest resumes it"}),
    ))
}

pub async fn snapshots(req: &Request<'_>, create: bool) -> Result<Reply, ApiError> {
    let actor = req.actor();
    let (data_dir, db) = (req.state.cfg.data_dir.clone(), req.state.cfg.sqlite_path());
    if create {
        let m = tokio::task::spawn_blocking(move || {
            let store = crate::store::Store::open(&db).map_err(|e| e.to_string())?;
            crate::ops::snapshot::Snapshots::new(&data_dir)
                .create(&store)
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
        req.state.audit(
            "snapshot_create",
            Some(actor),
            req.client,
            "ok",
            serde_json::json!({"id": m.id}),
        );
        let mut r = warp::reply::Response::new(serde_json::to_vec(&m).expect("json").into());
        *r.status_mut() = StatusCode::CREATED;
        r.headers_mut().insert(
            warp::http::header::CONTENT_TYPE,
            warp::http::HeaderValue::from_static("application/json"),
        );
        return Ok(Reply::Raw(r));
    }
    let list =
        tokio::task::spawn_blocking(move || crate::ops::snapshot::Snapshots::new(&data_dir).list())
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
    Ok(Reply::Raw(no_store(
        serde_json::json!({"items": list, "total": list.len()}),
    )))
}

fn no_store(v: serde_json::Value) -> warp::reply::Response {
    let mut r = warp::reply::Response::new(serde_json::to_vec(&v).expect("json").into());
    r.headers_mut().insert(
        warp::http::header::CONTENT_TYPE,
        warp::http::HeaderValue::from_static("application/json"),
    );
    r.headers_mut().insert(
        warp::http::header::CACHE_CONTROL,
        warp::http::HeaderValue::from_static("no-store"),
    );
    r
}

pub async fn config(req: &Request<'_>) -> Result<Reply, ApiError> {
    let cfg = &req.state.cfg;
    let items: Vec<serde_json::Value> = crate::config::OPTIONS
        .iter()
        .map(|o| {
            let origin = match &cfg.origins[o.key] {
                crate::config::Origin::Default => "default".to_string(),
                crate::config::Origin::File(p) => format!("file {}", p.display()),
                crate::config::Origin::Env(e) => format!("env {e}"),
            };
            serde_json::json!({"key": o.key, "env": o.env, "value": cfg.shown_value(o), "origin": origin, "doc": o.doc})
        })
        .collect();
    Ok(Reply::Raw(no_store(serde_json::json!({"items": items}))))
}

pub async fn audit(req: &Request<'_>) -> Result<Reply, ApiError> {
    let p = &req.params;
    let page = p.page()?;
    let (items, total) = req.state.audit_entries(page.limit, page.offset).await?;
    Ok(Reply::Raw(no_store(
        serde_json::json!({"items": items, "total": total, "limit": page.limit}),
    )))
}
