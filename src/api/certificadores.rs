//! `/api/v1/certificadores`: certifying bodies (ECE/OC), with stable ids.

use super::error::ApiError;
use super::params::Params;
use super::{estandares, list_reply, Reply, Request};
use crate::store::read::{CertFilter, NameSort};

const ALLOWED: &[&str] = &[
    "q", "ec", "min_ec", "tipo", "estado", "sort", "limit", "offset", "cursor",
];

pub fn filter(p: &Params) -> Result<CertFilter, ApiError> {
    for unpublished in ["tipo", "estado"] {
        if p.text(unpublished).is_some() {
            return Err(ApiError::bad_parameter(
                unpublished,
                format!("`{unpublished}` cannot be filtered yet: the RENEC pages the harvester reads do not publish a certifier's type or state; filter standards by `estado` instead"),
            ));
        }
    }
    Ok(CertFilter {
        q: p.text("q"),
        ec: p.text("ec").map(|c| crate::normalize::clean(&c)),
        min_ec: p.int("min_ec", 0, 100_000)?,
    })
}

pub async fn list(req: &Request<'_>) -> Result<Reply, ApiError> {
    let p = req.params(ALLOWED)?;
    let f = filter(&p)?;
    let sort = p.sort(super::NAME_SORTS, NameSort::Nombre)?;
    let page = p.page()?;
    let run = req.run_for(&p).await?;
    let result = req
        .state
        .read(move |s| s.list_certificadores(run, &f, sort, page))
        .await?;
    Ok(list_reply("/api/v1/certificadores", &p, page, result))
}

pub async fn get(req: &Request<'_>, id: &str) -> Result<Reply, ApiError> {
    let p = req.params(&["as_of"])?;
    found(req, &p, id).await
}

async fn found(req: &Request<'_>, p: &super::params::Params, id: &str) -> Result<Reply, ApiError> {
    let key = id.to_string();
    super::detail(req, p, format!("certifier {id}"), move |s, run| {
        s.get_certificador(run, &key)
    })
    .await
}

pub async fn standards(req: &Request<'_>, id: &str) -> Result<Reply, ApiError> {
    found(req, &req.params(&estandares::allowed())?, id).await?;
    let path = format!("/api/v1/certificadores/{id}/estandares");
    estandares::list_with(req, &path, |f| f.certificador = Some(id.to_string())).await
}
