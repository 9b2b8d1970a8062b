//! `/api/v1/runs` and `/api/v1/stats`.

use super::error::ApiError;
use super::{list_reply, Reply, Request};

/// Whether a harvest runs now, in this process or another on the same data.
fn harvest_live(req: &Request<'_>) -> bool {
    req.state
        .daemon
        .as_ref()
        .is_some_and(|d| d.harvest_running())
        || crate::ops::lock::HarvestLock::held(&req.state.cfg.data_dir)
}

pub async fn list(req: &Request<'_>) -> Result<Reply, ApiError> {
    let p = &req.params;
    let page = p.page()?;
    let mut result = req.state.read(move |s| s.list_runs(page)).await?;
    let live = harvest_live(req);
    result.items = result
        .items
        .into_iter()
        .map(|r| r.interrupted(live))
        .collect();
    Ok(list_reply("/api/v1/runs", p, page, result))
}

pub async fn get(req: &Request<'_>, id: &str) -> Result<Reply, ApiError> {
    let n: i64 = id.parse().map_err(|_| {
        ApiError::bad_parameter(
            "id",
            format!("el número de una corrida es un entero; se recibió {id:?}"),
            format!("a run id is a whole number, got {id:?}"),
        )
    })?;
    match req.state.read(move |s| s.get_run(n)).await? {
        Some(r) => Ok(Reply::Json(
            serde_json::to_value(r.interrupted(harvest_live(req))).expect("serializes"),
        )),
        None => Err(ApiError::not_found(
            format!("no existe la corrida {id}"),
            format!("no run {id}"),
        )),
    }
}

/// The same keys as `renec-harvester stats --json`.
pub async fn stats(req: &Request<'_>) -> Result<Reply, ApiError> {
    let run = req.run()?;
    // The counts belong to the published run (the in-memory view has them);
    // the last run and the bundle served change between publishes.
    let counts = req.state.read(move |s| s.counts(run)).await?;
    let (last, published, bundle) = req
        .state
        .read(move |s| {
            let last = s
                .list_runs(crate::store::read::PageReq {
                    limit: 1,
                    offset: 0,
                })?
                .items
                .into_iter()
                .next();
            Ok((last, s.get_run(run)?, s.state("served_bundle")?))
        })
        .await?;
    let mut v = serde_json::to_value(counts).expect("serializes");
    v["last_run"] = last.map_or(serde_json::Value::Null, |r| {
        serde_json::json!({"id": r.id, "status": r.status, "started_at": r.started_at, "finished_at": r.finished_at})
    });
    v["published_run"] = serde_json::json!(run);
    v["source"] = published
        .as_ref()
        .map_or(serde_json::Value::Null, |r| source(&r.source_url));
    v["published_at"] = serde_json::json!(published.and_then(|r| r.finished_at));
    v["bundle"] = bundle
        .and_then(|b| serde_json::from_str(&b).ok())
        .unwrap_or(serde_json::Value::Null);
    v["postgres"] = req
        .state
        .postgres_status()
        .unwrap_or(serde_json::Value::Null);
    Ok(Reply::Json(v))
}

/// Where the published data comes from, and whether that is CONOCER's own
/// site (else a test site or a copy, which the UI says on every page).
fn source(url: &str) -> serde_json::Value {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    let official = host
        .as_deref()
        .is_some_and(|h| h == "conocer.gob.mx" || h.ends_with(".conocer.gob.mx"));
    serde_json::json!({"url": url, "oficial": official})
}

/// The scheduler's jobs (next and last run, last result) and whether a harvest runs.
pub async fn scheduler(req: &Request<'_>) -> Result<Reply, ApiError> {
    let Some(d) = &req.state.daemon else {
        return Err(ApiError::not_found(
            "este servidor no tiene programador de tareas (no es `renec-harvester serve`)",
            "this server runs no scheduler (it is not `renec-harvester serve`)",
        ));
    };
    Ok(Reply::Json(serde_json::json!({
        "offline": d.offline,
        "harvests": d.crawls(),
        "harvest_running": d.harvest_running(),
        "timezone": d.cfg.timezone,
        "jobs": d.jobs(),
    })))
}

#[cfg(test)]
mod tests {
    use super::source;

    #[test]
    fn only_conocer_gob_mx_is_the_official_source() {
        for (url, official) in [
            ("https://conocer.gob.mx", true),
            ("https://www.conocer.gob.mx/", true),
            ("https://CONOCER.GOB.MX", true),
            ("http://127.0.0.1:8080", false),
            ("https://conocer.gob.mx.example.com", false),
            ("https://notconocer.gob.mx", false),
            ("not a url", false),
        ] {
            assert_eq!(source(url)["oficial"], official, "{url}");
        }
    }
}
