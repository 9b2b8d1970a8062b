//! Full-text search over the published run.

use super::query::*;
use crate::store::Result;
use rusqlite::Connection;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub tipo: String,
    pub id: String,
    pub titulo: String,
    pub fragmento: String,
}

pub(super) fn search(c: &Connection, q: &str, page: PageReq) -> Result<Page<SearchHit>> {
    let Some(query) = fts_query(q) else {
        return Ok(Page {
            items: vec![],
            total: 0,
        });
    };
    let total: i64 = c.query_row(
        "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?1",
        [&query],
        |r| r.get(0),
    )?;
    let mut stmt = c.prepare_cached(
        "SELECT kind, key, title, snippet(search_fts, -1, '«', '»', '…', 12) FROM search_fts
         WHERE search_fts MATCH ?1 ORDER BY bm25(search_fts, 10.0, 1.0) LIMIT ?2 OFFSET ?3",
    )?;
    let items = stmt
        .query_map(
            rusqlite::params![query, page.limit, page.offset as i64],
            |r| {
                Ok(SearchHit {
                    tipo: r.get(0)?,
                    id: r.get(1)?,
                    titulo: r.get(2)?,
                    fragmento: r.get(3)?,
                })
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Page {
        items,
        total: total as u64,
    })
}
