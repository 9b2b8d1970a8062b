//! `/api/v1/centros`: training offerings ("¿En dónde puedo capacitarme?").

use super::error::ApiError;
use super::{estandares, list_reply, Reply, Request};
use crate::store::read::NameSort;

pub async fn list(req: &Request<'_>) -> Result<Reply, ApiError> {
    let p = &req.params;
    let f = super::certificadores::filter(p)?;
    let sort = p.sort(super::NAME_SORTS, NameSort::Nombre)?;
    let page = p.page()?;
    let run = req.run_for(p).await?;
    let result = req
        .state
        .read(move |s| s.list_centros(run, &f, sort, page))
        .await?;
    Ok(list_reply("/api/v1/centros", p, page, result))
}

pub async fn get(req: &Request<'_>, id: &str) -> Result<Reply, ApiError> {
    let p = &req.params;
    found(req, p, id).await
}

async fn found(req: &Request<'_>, p: &super::params::Params, id: &str) -> Result<Reply, ApiError> {
    let key = id.to_string();
    super::detail(req, p, format!("training offering {id}"), move |s, run| {
        s.get_centro(run, &key)
    })
    .await
}

pub async fn standards(req: &Request<'_>, id: &str) -> Result<Reply, ApiError> {
    found(req, &req.params, id).await?;
    let path = format!("/api/v1/centros/{id}/estandares");
    estandares::list_with(req, &path, |f| f.centro = Some(id.to_string())).await
}
