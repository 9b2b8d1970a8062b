//! `/api/v1/admin/…`: start or stop a harvest, create and list snapshots,
//! read the effective configuration (secrets redacted) and the audit log.
//! Only admin keys reach these handlers (see `auth` in mod.rs).

use super::error::ApiError;
use super::{Reply, Request};
use warp::http::StatusCode;

/// Seconds between two snapshots made through the API.
const SNAPSHOT_EVERY_SECONDS: i64 = 60;

fn conflict(es: &str, en: &str) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "conflict", es, en)
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
        ApiError::not_found(
            "este servidor no tiene programador de tareas (inícielo con `renec-harvester serve`)",
            "this server runs no scheduler (start it with `renec-harvester serve`)",
        )
    })
}

pub async fn start_harvest(req: &Request<'_>) -> Result<Reply, ApiError> {
    let actor = req.actor();
    let d = daemon(req)?;
    if d.offline {
        return Err(conflict(
            "este espejo está fuera de línea (serve --offline): nunca cosecha",
            "this mirror is offline (serve --offline): it never crawls",
        ));
    }
    if d.no_harvest {
        return Err(conflict(
            "este nodo no cosecha (serve --no-harvest)",
            "this node does not harvest (serve --no-harvest)",
        ));
    }
    if d.harvest_running() {
        return Err(conflict(
            "ya hay una cosecha en curso",
            "a harvest is already running",
        ));
    }
    let dd = d.clone();
    tokio::task::spawn_blocking(move || dd.harvest_now());
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
        return Err(conflict(
            "no hay ninguna cosecha en curso",
            "no harvest is running",
        ));
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
        use crate::ops::snapshot::{SnapshotError, Snapshots};
        let made = tokio::task::spawn_blocking(move || {
            let snaps = Snapshots::new(&data_dir);
            // One snapshot a minute at most: a key holder cannot fill the disk.
            let newest = snaps.list()?.into_iter().map(|m| m.created_at).max();
            let age = newest
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| chrono::Utc::now().signed_duration_since(t).num_seconds());
            if let Some(age) = age.filter(|a| *a < SNAPSHOT_EVERY_SECONDS) {
                return Ok(Err(SNAPSHOT_EVERY_SECONDS - age.max(0)));
            }
            let store = crate::store::Store::open(&db)?;
            snaps.create(&store).map(Ok)
        })
        .await
        .map_err(ApiError::internal)?;
        let m = match made {
            Ok(Ok(m)) => m,
            Ok(Err(wait)) => {
                let e = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("se hizo una instantánea hace menos de {SNAPSHOT_EVERY_SECONDS} s; intente de nuevo en {wait} s"),
                    format!("a snapshot was made less than {SNAPSHOT_EVERY_SECONDS} s ago; try again in {wait} s"),
                );
                let mut r = super::http::error_response(&e);
                r.headers_mut()
                    .insert(warp::http::header::RETRY_AFTER, wait.max(1).into());
                return Ok(Reply::Raw(r));
            }
            Err(SnapshotError::NothingPublished) => {
                return Err(conflict(
                    "la base de datos todavía no tiene una corrida publicada: no hay nada que guardar en una instantánea (coseche primero)",
                    &SnapshotError::NothingPublished.to_string(),
                ))
            }
            Err(e) => return Err(ApiError::internal(e)),
        };
        // The off-machine copy follows on its own thread (an upload may
        // take minutes); a failure is logged and retried by the next snapshot.
        let cfg = req.state.cfg.clone();
        tokio::task::spawn_blocking(move || {
            let snaps = Snapshots::new(&cfg.data_dir);
            if let Err(e) = crate::ops::snapshot::remote::back_up(&cfg, &snaps) {
                tracing::error!(error = %e, "snapshot_backup_failed");
            }
        });
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
            let origin = cfg.origins[o.key].to_string();
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
