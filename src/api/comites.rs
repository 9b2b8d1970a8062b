//! `/api/v1/comites`: committees (Comités de Gestión por Competencias).

use super::error::ApiError;
use super::params::Params;
use super::{estandares, list_reply, Reply, Request};
use crate::store::read::{ComiteFilter, NameSort};

fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::bad_parameter(
            "id",
            format!("el id de un comité es el número positivo del RENEC; se recibió {id:?}"),
            format!("a committee id is RENEC's positive number, got {id:?}"),
        )
    })
}

pub fn filter(p: &Params) -> Result<ComiteFilter, ApiError> {
    Ok(ComiteFilter {
        q: p.text("q"),
        estado: p.estado()?,
        ec: p.text("ec").map(|c| crate::normalize::clean(&c)),
        min_ec: p.int("min_ec", 0, 100_000)?,
    })
}

pub async fn list(req: &Request<'_>) -> Result<Reply, ApiError> {
    let p = &req.params;
    let f = filter(p)?;
    let sort = p.sort(super::NAME_SORTS, NameSort::Nombre)?;
    if let Some(format) = super::export::list_format(p)? {
        let query = super::export::Query::Comites(f, sort);
        return super::export::stream(req, crate::entity::Kind::Comite, format, query).await;
    }
    let page = p.page()?;
    let run = req.run_for(p).await?;
    let result = req
        .state
        .read(move |s| s.list_comites(run, &f, sort, page))
        .await?;
    Ok(list_reply("/api/v1/comites", p, page, result))
}

pub async fn get(req: &Request<'_>, id: &str) -> Result<Reply, ApiError> {
    let p = &req.params;
    found(req, p, id).await
}

async fn found(req: &Request<'_>, p: &super::params::Params, id: &str) -> Result<Reply, ApiError> {
    let n = parse_id(id)?;
    super::detail(
        req,
        p,
        super::error::Text::new(format!("el comité {id}"), format!("committee {id}")),
        move |s, run| s.get_comite(run, n),
    )
    .await
}

pub async fn standards(req: &Request<'_>, id: &str) -> Result<Reply, ApiError> {
    let n = parse_id(id)?;
    found(req, &req.params, id).await?;
    let path = format!("/api/v1/comites/{id}/estandares");
    estandares::list_with(req, &path, |f| f.comite = Some(n)).await
}
