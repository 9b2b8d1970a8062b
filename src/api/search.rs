//! `/api/v1/search` (one box across every entity, ranked by bm25) and
//! `/api/v1/graph` (the standard–certifier bipartite graph).

use super::error::ApiError;
use super::{list_reply, Reply, Request};
use crate::store::read::GraphFilter;

pub async fn search(req: &Request<'_>) -> Result<Reply, ApiError> {
    let p = &req.params;
    let q = p
        .text("q")
        .ok_or_else(|| ApiError::bad_parameter("q", "`q` is required: the words to look for"))?;
    if crate::store::read::fts_query(&q).is_none() {
        return Err(ApiError::bad_parameter(
            "q",
            "`q` must contain at least one letter or digit",
        ));
    }
    let page = p.page()?;
    req.run()?;
    let result = req.state.read(move |s| s.search(&q, page)).await?;
    Ok(list_reply("/api/v1/search", p, page, result))
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
