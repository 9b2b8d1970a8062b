//! `/api/v1/search` (one box across every entity: ranked, typo-tolerant,
//! code-aware) and `/api/v1/graph` (the standard–certifier bipartite graph).

use super::error::ApiError;
use super::{list_reply, Reply, Request};
use crate::store::read::{GraphFilter, Page};
use crate::store::view::search::KINDS;

pub async fn search(req: &Request<'_>) -> Result<Reply, ApiError> {
    let p = &req.params;
    let q = p
        .text("q")
        .ok_or_else(|| ApiError::bad_parameter("q", "`q` is required: the words to look for"))?;
    if !q.chars().any(char::is_alphanumeric) {
        return Err(ApiError::bad_parameter(
            "q",
            "`q` must contain at least one letter or digit",
        ));
    }
    let tipos = p.list("tipo", KINDS)?;
    let page = p.page()?;
    req.run()?;
    let found = req.state.read(move |s| s.search(&q, &tipos, page)).await?;
    let (codigo, sugerencias) = (found.codigo, found.sugerencias);
    let mut reply = list_reply(
        "/api/v1/search",
        p,
        page,
        Page {
            items: found.items,
            total: found.total,
        },
    );
    if let Reply::Json(serde_json::Value::Object(o)) = &mut reply {
        o.insert("codigo".into(), serde_json::json!(codigo));
        o.insert("sugerencias".into(), serde_json::json!(sugerencias));
    }
    Ok(reply)
}

pub async fn graph(req: &Request<'_>) -> Result<Reply, ApiError> {
    let p = &req.params;
    let f = GraphFilter {
        sector: p.text("sector"),
        estado: p.estado()?,
        certifica_en: p.state("certifica_en")?,
    };
    let run = req.run()?;
    let g = req.state.read(move |s| s.graph(run, &f)).await?;
    Ok(Reply::Json(serde_json::to_value(g).expect("serializes")))
}
