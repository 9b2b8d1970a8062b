//! `/api/v1/sectores`: productive sectors of the catalogue.

use super::error::ApiError;
use super::{estandares, list_reply, Reply, Request};

pub async fn list(req: &Request<'_>) -> Result<Reply, ApiError> {
    let p = &req.params;
    let q = p.text("q");
    if let Some(format) = super::export::list_format(p)? {
        let query = super::export::Query::Sectores(q);
        return super::export::stream(req, crate::entity::Kind::Sector, format, query).await;
    }
    let page = p.page()?;
    let run = req.run_for(p).await?;
    let result = req
        .state
        .read(move |s| s.list_sectores(run, q.as_deref(), page))
        .await?;
    Ok(list_reply("/api/v1/sectores", p, page, result))
}

pub async fn get(req: &Request<'_>, id: &str) -> Result<Reply, ApiError> {
    let p = &req.params;
    found(req, p, id).await
}

async fn found(req: &Request<'_>, p: &super::params::Params, id: &str) -> Result<Reply, ApiError> {
    let key = id.to_string();
    super::detail(
        req,
        p,
        super::error::Text::new(format!("el sector {id}"), format!("sector {id}")),
        move |s, run| s.get_sector(run, &key),
    )
    .await
}

pub async fn standards(req: &Request<'_>, id: &str) -> Result<Reply, ApiError> {
    found(req, &req.params, id).await?;
    let path = format!("/api/v1/sectores/{id}/estandares");
    estandares::list_with(req, &path, |f| f.sector = Some(id.to_string())).await
}
