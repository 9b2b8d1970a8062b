//! `/api/v1/search` (one box across every entity: ranked, typo-tolerant,
//! code-aware) and `/api/v1/graph` (the standard–certifier bipartite graph).

use super::error::ApiError;
use super::{list_reply, Reply, Request};
use crate::store::read::facets::{self, EcFacet, Facet, FacetValue};
use crate::store::read::{GraphFilter, Page};
use crate::store::view::search::KINDS;

pub async fn search(req: &Request<'_>) -> Result<Reply, ApiError> {
    let p = &req.params;
    let q = p.text("q").ok_or_else(|| {
        ApiError::bad_parameter(
            "q",
            "`q` es obligatorio: las palabras que se buscan",
            "`q` is required: the words to look for",
        )
    })?;
    if !q.chars().any(char::is_alphanumeric) {
        return Err(ApiError::bad_parameter(
            "q",
            "`q` debe contener al menos una letra o un dígito",
            "`q` must contain at least one letter or digit",
        ));
    }
    let tipos = p.list("tipo", KINDS)?;
    // `tipo` counts hits by kind; the others count the standards among them.
    let mut names: Vec<&str> = vec!["tipo"];
    names.extend(
        EcFacet::ALL
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| *n != "tipo"),
    );
    let asked = p.list("facet", &names)?;
    let by_kind = asked.iter().any(|n| n == "tipo");
    let ec_facets: Vec<EcFacet> = asked
        .iter()
        .filter(|n| *n != "tipo")
        .filter_map(|n| EcFacet::ALL.iter().find(|(k, _)| k == n).map(|(_, f)| *f))
        .collect();
    let with_standards = tipos.is_empty() || tipos.iter().any(|t| t == "ec");
    let page = p.page()?;
    let run = req.run()?;
    let (found, mut facets) = req
        .state
        .read(move |s| {
            let (found, mut facets) = s.search_faceted(run, &q, &tipos, page, &ec_facets)?;
            if !with_standards {
                facets.iter_mut().for_each(|f| f.valores.clear());
            }
            Ok((found, facets))
        })
        .await?;
    if by_kind {
        facets.insert(
            0,
            Facet {
                campo: "tipo",
                valores: facets::sorted(
                    found
                        .por_tipo
                        .iter()
                        .map(|(k, n)| FacetValue {
                            valor: serde_json::json!(k),
                            nombre: kind_name(k).to_string(),
                            total: *n,
                        })
                        .collect(),
                ),
            },
        );
    }
    let facets = (!asked.is_empty()).then_some(facets);
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
    let mut extra = serde_json::Map::new();
    extra.insert("codigo".into(), serde_json::json!(codigo));
    extra.insert("sugerencias".into(), serde_json::json!(sugerencias));
    reply = super::with_extra(reply, extra);
    Ok(super::with_facets(reply, facets))
}

/// A kind of entity as people read it.
fn kind_name(kind: &str) -> &'static str {
    match kind {
        "ec" => "Estándares de competencia",
        "certificador" => "Certificadores (ECE/OC)",
        "comite" => "Comités de gestión",
        "centro" => "Dónde capacitarse",
        "sector" => "Sectores productivos",
        _ => "Otros",
    }
}

pub async fn graph(req: &Request<'_>) -> Result<Reply, ApiError> {
    let p = &req.params;
    let f = GraphFilter {
        sector: p.text("sector"),
        estado: p.estado()?,
        certifica_en: p.state("certifica_en")?,
        comite: p.int("comite", 1, i64::from(u32::MAX))?,
    };
    let run = req.run()?;
    let g = req.state.read(move |s| s.graph(run, &f)).await?;
    Ok(Reply::Json(serde_json::to_value(g).expect("serializes")))
}
