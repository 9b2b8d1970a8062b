//! Full-text search over the published run in SQL (FTS5): what answers
//! while the in-memory view of a newly published run is being built, and
//! when `api.memory_view` is off. Every word is prefix-matched and required;
//! there is no typo tolerance here (the view has it).

use super::query::*;
use super::{SearchHit, SearchPage};
use crate::store::Result;
use rusqlite::types::Value;
use rusqlite::Connection;

pub(super) fn search(
    c: &Connection,
    q: &str,
    tipos: &[String],
    page: PageReq,
) -> Result<SearchPage> {
    let mut out = SearchPage {
        items: vec![],
        total: 0,
        codigo: None,
        sugerencias: vec![],
        por_tipo: Default::default(),
    };
    let Some(query) = fts_query(q) else {
        return Ok(out);
    };
    let kinds = if tipos.is_empty() {
        String::new()
    } else {
        format!(
            "AND kind IN ({})",
            tipos.iter().map(|_| "?").collect::<Vec<_>>().join(",")
        )
    };
    let mut params: Vec<Value> = vec![Value::Text(query)];
    params.extend(tipos.iter().map(|t| Value::Text(t.clone())));
    {
        let mut stmt = c.prepare_cached(&format!(
            "SELECT kind, count(*) FROM search_fts WHERE search_fts MATCH ? {kinds} GROUP BY kind"
        ))?;
        out.por_tipo = stmt
            .query_map(rusqlite::params_from_iter(params.iter()), |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    out.total = out.por_tipo.values().sum();
    params.push(Value::Integer(i64::from(page.limit)));
    params.push(Value::Integer(page.offset as i64));
    let mut stmt = c.prepare_cached(&format!(
        "SELECT kind, key, title, snippet(search_fts, -1, '«', '»', '…', 12) FROM search_fts
         WHERE search_fts MATCH ? {kinds} ORDER BY bm25(search_fts, 10.0, 1.0), kind, key LIMIT ? OFFSET ?"
    ))?;
    out.items = stmt
        .query_map(rusqlite::params_from_iter(params.iter()), |r| {
            Ok(SearchHit {
                tipo: r.get(0)?,
                id: r.get(1)?,
                titulo: r.get(2)?,
                campo: "texto".into(),
                fragmento: r.get(3)?,
                corregido: false,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(out)
}
