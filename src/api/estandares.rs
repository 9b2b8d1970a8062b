//! `/api/v1/ec`: competency standards.

use super::error::ApiError;
use super::params::Params;
use super::{list_reply, Reply, Request};
use crate::normalize::EcCode;
use crate::store::read::facets::EcFacet;
use crate::store::read::{EcFilter, EcSort};

pub const SORTS: &[(&str, EcSort)] = &[
    ("clave", EcSort::Clave),
    ("titulo", EcSort::Titulo),
    ("nivel", EcSort::Nivel),
    ("certificadores", EcSort::Certificadores),
];

pub fn filter(p: &Params) -> Result<EcFilter, ApiError> {
    Ok(EcFilter {
        q: p.text("q"),
        sector: p.text("sector"),
        nivel: p.int("nivel", 1, 5)?,
        comite: p.int("comite", 1, i64::from(u32::MAX))?,
        vigente: p.boolean("vigente")?,
        tipo: p.one_of("tipo", &["vigente", "inactivo", "marca", "historica"])?,
        certificador: p.text("certificador"),
        centro: p.text("centro"),
        estado: p.estado()?,
        include_retired: p.boolean("include_retired")?.unwrap_or(false),
    })
}

/// A list of standards under a fixed filter (the sub-lists of other resources).
pub async fn list_with(
    req: &Request<'_>,
    path: &str,
    fixed: impl FnOnce(&mut EcFilter),
) -> Result<Reply, ApiError> {
    let p = &req.params;
    let mut f = filter(p)?;
    fixed(&mut f);
    let sort = p.sort(SORTS, EcSort::Clave)?;
    if let Some(format) = super::export::list_format(p)? {
        let query = super::export::Query::Ec(f, sort);
        return super::export::stream(req, crate::entity::Kind::Ec, format, query).await;
    }
    let page = p.page()?;
    let facets = facets(p)?;
    let run = req.run_for(p).await?;
    let (result, facets) = req
        .state
        .read(move |s| {
            let facets = if facets.is_empty() {
                None
            } else {
                Some(s.ec_facets(run, &f, &facets)?)
            };
            Ok((s.list_ec_json(run, &f, sort, page)?, facets))
        })
        .await?;
    Ok(super::with_facets(
        list_reply(path, p, page, result),
        facets,
    ))
}

/// `facet`: the standards' facets asked for.
pub fn facets(p: &Params) -> Result<Vec<EcFacet>, ApiError> {
    let names: Vec<&str> = EcFacet::ALL.iter().map(|(n, _)| *n).collect();
    Ok(p.list("facet", &names)?
        .iter()
        .filter_map(|n| EcFacet::ALL.iter().find(|(k, _)| k == n).map(|(_, f)| *f))
        .collect())
}

pub async fn list(req: &Request<'_>) -> Result<Reply, ApiError> {
    list_with(req, "/api/v1/ec", |_| {}).await
}

pub async fn get(req: &Request<'_>, clave: &str) -> Result<Reply, ApiError> {
    let p = &req.params;
    let code = EcCode::parse(clave).map_err(|_| {
        ApiError::bad_parameter(
            "clave",
            "el código del estándar está vacío",
            "the standard code is empty",
        )
    })?;
    let key = code.as_str().to_string();
    // Codes are published in capitals: `ec0217.01` in a typed or shared
    // link finds EC0217.01 (the code as written is tried first).
    let upper = key.to_uppercase();
    super::detail(
        req,
        p,
        super::error::Text::new(format!("el estándar {code}"), format!("standard {code}")),
        move |s, run| match s.get_ec(run, &key)? {
            None if upper != key => s.get_ec(run, &upper),
            found => Ok(found),
        },
    )
    .await
}
