//! Change tracking: `/api/v1/runs/{id}/diff`, `/api/v1/{kind}/{key}/history`
//! and the change feeds `/api/v1/changes.atom` and `/api/v1/changes.json`.

use super::error::ApiError;
use super::{Reply, Request};
use crate::changes::{atom_feed, json_feed, markdown, FeedEntry};
use crate::entity::{belongs_to, diff_kinds, Kind};
use crate::store::diff::Diff;
use serde_json::Value;
use std::collections::BTreeSet;

/// A feed or report: cached and revalidated like JSON (it belongs to the published run).
fn raw(content_type: &'static str, body: String) -> Reply {
    Reply::Body {
        content_type,
        body: body.into(),
    }
}

/// The address readers use for this server (links in reports and feeds):
/// `api.public_url`, never the request's `Host` (answers are cached and
/// shared); empty makes the links relative.
fn base_url(req: &Request<'_>) -> String {
    req.state.cfg.public_url.clone()
}

/// The published run before `run`, if any.
async fn previous_published(req: &Request<'_>, run: i64) -> Result<Option<i64>, ApiError> {
    let runs = req.state.read(|s| s.published_runs()).await?;
    Ok(runs.iter().map(|(r, _)| *r).filter(|r| *r < run).max())
}

pub async fn diff(req: &Request<'_>, id: &str) -> Result<Reply, ApiError> {
    let p = &req.params;
    let to: i64 = id.parse().map_err(|_| {
        ApiError::bad_parameter(
            "id",
            format!("el número de una corrida es un entero; se recibió {id:?}"),
            format!("a run id is a whole number, got {id:?}"),
        )
    })?;
    if req.state.read(move |s| s.get_run(to)).await?.is_none() {
        return Err(ApiError::not_found(
            format!("no existe la corrida {to}"),
            format!("no run {to}"),
        ));
    }
    let from = match p.int("against", 1, i64::MAX)? {
        Some(a) => {
            if req.state.read(move |s| s.get_run(a)).await?.is_none() {
                return Err(ApiError::not_found(
                    format!("no existe la corrida {a} para comparar"),
                    format!("no run {a} to compare against"),
                ));
            }
            a
        }
        None => previous_published(req, to).await?.ok_or_else(|| {
            ApiError::not_found(
                format!(
                    "la corrida {to} no tiene una corrida publicada antes; dé `against=CORRIDA`"
                ),
                format!("run {to} has no published run before it; give `against=RUN`"),
            )
        })?,
    };
    let format = p
        .one_of("format", &["json", "md"])?
        .unwrap_or_else(|| "json".into());
    let doc = req.state.read(move |s| s.diff(from, to)).await?;
    Ok(if format == "md" {
        raw(
            "text/markdown; charset=utf-8",
            markdown(&doc, &base_url(req)),
        )
    } else {
        Reply::Json(serde_json::to_value(&doc).expect("a diff serializes"))
    })
}

pub async fn history(req: &Request<'_>, what: Kind, key: &str) -> Result<Reply, ApiError> {
    let kind = what.plural();
    let key = if what == Kind::Ec {
        crate::normalize::clean(key)
    } else {
        key.to_string()
    };
    let k = key.clone();
    match req.state.read(move |s| s.history(kind, &k)).await? {
        Some(entries) => Ok(Reply::Json(
            serde_json::json!({"kind": kind, "key": key, "history": entries}),
        )),
        None => Err(ApiError::not_found(
            format!("{key} nunca estuvo en una corrida publicada"),
            format!("{key} was never in a published run"),
        )),
    }
}

/// Keeps the parts of a diff a subscriber asked for: the entity kind (and
/// its links), and with a sector or state the changes of standards in that
/// scope; with a state, also the bodies that start or stop certifying there.
fn filter_diff(
    mut doc: Diff,
    entity: Option<&str>,
    scope: Option<&BTreeSet<String>>,
    estado: Option<&str>,
) -> Diff {
    for (kind, changes) in doc.kinds.iter_mut() {
        let keep_kind = entity.is_none_or(|e| belongs_to(kind, e));
        for (_, items) in changes.lists_mut() {
            if !keep_kind {
                items.clear();
            } else if kind == "certificador_estado" && scope.is_some() {
                items.retain(|e| estado.is_some() && e["estado"].as_str() == estado);
            } else if let Some(codes) = scope {
                items.retain(|e| {
                    let code = e
                        .get("ec")
                        .or_else(|| e.get("clave"))
                        .and_then(Value::as_str);
                    code.is_some_and(|c| codes.contains(c))
                });
            }
        }
    }
    doc
}

pub async fn feed(req: &Request<'_>, atom: bool) -> Result<Reply, ApiError> {
    let p = &req.params;
    let kinds: Vec<&str> = diff_kinds().map(|(k, _)| k).collect();
    let entity = p.one_of("entity", &kinds)?;
    let sector = p.text("sector");
    let estado = p.estado()?;
    let limit = p.int("limit", 1, 50)?.unwrap_or(20) as usize;
    req.run()?;
    let runs = req.state.read(|s| s.published_runs()).await?;
    let mut entries = Vec::new();
    for pair in runs.windows(2).rev().take(limit) {
        let ((from, _), (to, finished)) = (pair[0].clone(), pair[1].clone());
        let doc = req.state.read(move |s| s.diff(from, to)).await?;
        let scope = if sector.is_some() || estado.is_some() {
            let (sec, est) = (sector.clone(), estado.clone());
            let (a, b) = req
                .state
                .read(move |s| {
                    Ok((
                        s.ec_scope(from, sec.as_deref(), est.as_deref())?,
                        s.ec_scope(to, sec.as_deref(), est.as_deref())?,
                    ))
                })
                .await?;
            Some(a.union(&b).cloned().collect::<BTreeSet<String>>())
        } else {
            None
        };
        let doc = filter_diff(doc, entity.as_deref(), scope.as_ref(), estado.as_deref());
        if doc.has_changes() {
            entries.push(FeedEntry {
                run: to,
                finished_at: finished.unwrap_or_default(),
                diff: doc,
            });
        }
    }
    let base = base_url(req);
    let self_url = format!(
        "{base}/api/v1/changes.{}{}",
        if atom { "atom" } else { "json" },
        req.params_raw.map(|q| format!("?{q}")).unwrap_or_default()
    );
    Ok(if atom {
        raw(
            "application/atom+xml; charset=utf-8",
            atom_feed(&entries, &base, &self_url),
        )
    } else {
        raw(
            "application/feed+json; charset=utf-8",
            json_feed(&entries, &base, &self_url).to_string(),
        )
    })
}
