//! What every read shares: paging, order, the "as of a run" condition,
//! the query builder and small lookups.

use crate::store::Result;
use rusqlite::types::Value;
use rusqlite::Connection;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageReq {
    pub limit: u32,
    pub offset: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameSort {
    Nombre,
    Estandares,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Ref {
    pub id: String,
    pub nombre: String,
}

/// The ledger's "alive as of `:run`" condition on a table alias.
pub(crate) fn at(alias: &str) -> String {
    format!("{alias}.first_seen_run <= :run AND {alias}.last_seen_run >= :run")
}

/// A user's words as an FTS5 query: each word quoted, prefix-matched, all required.
pub fn fts_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

pub(super) struct Sql {
    where_: Vec<String>,
    params: Vec<(String, Value)>,
}

impl Sql {
    pub(super) fn new(run: i64) -> Sql {
        Sql {
            where_: Vec::new(),
            params: vec![(":run".into(), Value::Integer(run))],
        }
    }
    pub(super) fn cond(&mut self, c: impl Into<String>) {
        self.where_.push(c.into());
    }
    pub(super) fn param(&mut self, name: &str, v: impl Into<Value>) {
        self.params.push((name.into(), v.into()));
    }
    pub(super) fn where_clause(&self) -> String {
        if self.where_.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.where_.join(" AND "))
        }
    }
    pub(super) fn refs(&self) -> Vec<(&str, &dyn rusqlite::ToSql)> {
        self.params
            .iter()
            .map(|(k, v)| (k.as_str(), v as &dyn rusqlite::ToSql))
            .collect()
    }
}

pub(super) fn order(o: Order) -> &'static str {
    match o {
        Order::Asc => "ASC",
        Order::Desc => "DESC",
    }
}

pub(super) fn paged<T>(
    conn: &Connection,
    select: &str,
    sql: &Sql,
    order_by: &str,
    page: PageReq,
    map: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
) -> Result<Page<T>> {
    let where_ = sql.where_clause();
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM ({select} {where_})"),
        sql.refs().as_slice(),
        |r| r.get(0),
    )?;
    let text = format!(
        "{select} {where_} ORDER BY {order_by} LIMIT {} OFFSET {}",
        page.limit, page.offset
    );
    let mut stmt = conn.prepare_cached(&text)?;
    let items = stmt
        .query_map(sql.refs().as_slice(), map)?
        .collect::<rusqlite::Result<Vec<T>>>()?;
    Ok(Page {
        items,
        total: total as u64,
    })
}

pub(super) fn strings(conn: &Connection, sql: &str, run: i64, key: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(rusqlite::named_params! {":run": run, ":key": key}, |r| {
        r.get(0)
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn refs(conn: &Connection, sql: &str, run: i64, key: &str) -> Result<Vec<Ref>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(rusqlite::named_params! {":run": run, ":key": key}, |r| {
        Ok(Ref {
            id: r.get(0)?,
            nombre: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The run to read an entity at: `run` itself when it is there, else the
/// last run it was seen in before `run` (None: never seen by then).
pub(super) fn last_seen_by(
    conn: &Connection,
    table: &str,
    key_col: &str,
    key: &Value,
    run: i64,
) -> Result<Option<i64>> {
    let sql = format!(
        "SELECT CASE WHEN max(last_seen_run) >= :run THEN :run ELSE max(last_seen_run) END FROM {table} WHERE {key_col} = :key AND first_seen_run <= :run"
    );
    Ok(conn.query_row(
        &sql,
        rusqlite::named_params! {":key": key, ":run": run},
        |r| r.get(0),
    )?)
}

/// First run an entity was seen in any version, and the last run of its current version.
pub(super) fn seen(
    conn: &Connection,
    table: &str,
    key_col: &str,
    key: &Value,
    run: i64,
) -> Result<(i64, i64)> {
    let sql = format!(
        "SELECT (SELECT min(first_seen_run) FROM {table} WHERE {key_col} = :key), max(last_seen_run) FROM {table} t WHERE {key_col} = :key AND {}",
        at("t")
    );
    Ok(conn.query_row(
        &sql,
        rusqlite::named_params! {":key": key, ":run": run},
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

pub(super) fn name_order(sort: (NameSort, Order)) -> String {
    match sort {
        (NameSort::Nombre, o) => format!("nombre COLLATE NOCASE {}, id", order(o)),
        (NameSort::Estandares, o) => format!("n {}, id", order(o)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn fts_queries_are_quoted_words() {
        assert_eq!(
            fts_query("traducción lenguas").as_deref(),
            Some("\"traducción\"* \"lenguas\"*")
        );
        assert_eq!(
            fts_query("\"a\" OR b*").as_deref(),
            Some("\"a\"* \"OR\"* \"b\"*")
        );
        assert_eq!(fts_query(" ¿? "), None);
    }
}
