//! `/api/v1/certificadores`: certifying bodies (ECE/OC), with stable ids.

use super::error::ApiError;
use super::params::Params;
use super::{estandares, list_reply, Reply, Request};
use crate::store::read::facets::CertFacet;
use crate::store::read::{CertFilter, NameSort};

pub fn filter(p: &Params) -> Result<CertFilter, ApiError> {
    Ok(CertFilter {
        q: p.text("q"),
        ec: p.text("ec").map(|c| crate::normalize::clean(&c)),
        min_ec: p.int("min_ec", 0, 100_000)?,
        tipo: tipo(p)?,
        estado: p.estado()?,
    })
}

/// `tipo`: `ECE` or `OC` (any case).
fn tipo(p: &Params) -> Result<Option<String>, ApiError> {
    let Some(v) = p.typed("tipo")? else {
        return Ok(None);
    };
    match v.to_ascii_uppercase().as_str() {
        t @ ("ECE" | "OC") => Ok(Some(t.to_string())),
        _ => Err(ApiError::bad_parameter(
            "tipo",
            format!("`tipo` debe ser ECE (Entidad de Certificación y Evaluación) u OC (Organismo Certificador); se recibió {v:?}"),
            format!("`tipo` must be ECE (Entidad de Certificación y Evaluación) or OC (Organismo Certificador), got {v:?}"),
        )),
    }
}

pub async fn list(req: &Request<'_>) -> Result<Reply, ApiError> {
    let p = &req.params;
    let f = filter(p)?;
    let sort = p.sort(super::NAME_SORTS, NameSort::Nombre)?;
    if let Some(format) = super::export::list_format(p)? {
        let query = super::export::Query::Certificadores(f, sort);
        return super::export::stream(req, crate::entity::Kind::Certificador, format, query).await;
    }
    let page = p.page()?;
    let names: Vec<&str> = CertFacet::ALL.iter().map(|(n, _)| *n).collect();
    let facets: Vec<CertFacet> = p
        .list("facet", &names)?
        .iter()
        .filter_map(|n| CertFacet::ALL.iter().find(|(k, _)| k == n).map(|(_, f)| *f))
        .collect();
    let run = req.run_for(p).await?;
    let (result, facets) = req
        .state
        .read(move |s| {
            let facets = if facets.is_empty() {
                None
            } else {
                Some(s.cert_facets(run, &f, &facets)?)
            };
            Ok((s.list_certificadores(run, &f, sort, page)?, facets))
        })
        .await?;
    Ok(super::with_facets(
        list_reply("/api/v1/certificadores", p, page, result),
        facets,
    ))
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
        super::error::Text::new(format!("el certificador {id}"), format!("certifier {id}")),
        move |s, run| s.get_certificador(run, &key),
    )
    .await
}

pub async fn standards(req: &Request<'_>, id: &str) -> Result<Reply, ApiError> {
    found(req, &req.params, id).await?;
    let path = format!("/api/v1/certificadores/{id}/estandares");
    estandares::list_with(req, &path, |f| f.certificador = Some(id.to_string())).await
}

/// `/api/v1/certificadores/tipos`: how many bodies of each type, and how
/// many whose type the pages do not publish.
pub async fn types(req: &Request<'_>) -> Result<Reply, ApiError> {
    let p = &req.params;
    let run = req.run_for(p).await?;
    let items = req.state.read(move |s| s.certificador_tipos(run)).await?;
    Ok(super::whole_list(items))
}
