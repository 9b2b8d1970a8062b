//! `/api/v1/centros`: training offerings ("¿En dónde puedo capacitarme?").

use super::error::ApiError;
use super::params::Params;
use super::{estandares, list_reply, Reply, Request};
use crate::store::read::{CentroFilter, NameSort};

/// The filters of a list of training offerings.
pub fn filter(p: &Params) -> Result<CentroFilter, ApiError> {
    Ok(CentroFilter {
        q: p.text("q"),
        ec: p.text("ec").map(|c| crate::normalize::clean(&c)),
        min_ec: p.int("min_ec", 0, 100_000)?,
    })
}

pub async fn list(req: &Request<'_>) -> Result<Reply, ApiError> {
    let p = &req.params;
    let f = filter(p)?;
    let sort = p.sort(super::NAME_SORTS, NameSort::Nombre)?;
    if let Some(format) = super::export::list_format(p)? {
        let query = super::export::Query::Centros(f, sort);
        return super::export::stream(req, crate::entity::Kind::Centro, format, query).await;
    }
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
    super::detail(
        req,
        p,
        super::error::Text::new(
            format!("la oferta de capacitación {id}"),
            format!("training offering {id}"),
        ),
        move |s, run| s.get_centro(run, &key),
    )
    .await
}

pub async fn standards(req: &Request<'_>, id: &str) -> Result<Reply, ApiError> {
    found(req, &req.params, id).await?;
    let path = format!("/api/v1/centros/{id}/estandares");
    estandares::list_with(req, &path, |f| f.centro = Some(id.to_string())).await
}
