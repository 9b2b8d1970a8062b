//! Raw pages (content-addressed, zstd), the HTTP cache for conditional
//! requests, the run checkpoint and the request events.

use super::{now_text, Result, Store, StoreError};
use crate::crawl::{Attempt, Validators};
use crate::model::DataIssue;
use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// A page a run already has (checkpoint), or the cached body behind a 304.
#[derive(Debug, Clone)]
pub struct StoredPage {
    pub status: u16,
    pub content_type: Option<String>,
    pub sha256: String,
    pub not_modified: bool,
}

/// What is recorded of one final answer.
pub struct PageRecord<'a> {
    pub run_id: i64,
    pub source: &'a str,
    pub url: &'a str,
    pub status: u16,
    pub content_type: Option<&'a str>,
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
    pub body: &'a [u8],
}

pub fn sha256_hex(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// The zstd level pages are stored at. Level 1 keeps HTML at about 4.4:1
/// (level 3 gave 4.5:1 on the real corpus) for a third less CPU.
const PAGE_ZSTD_LEVEL: i32 = 1;

/// Compresses a page body with this thread's compression context, made once:
/// a new context per page costs more than compressing a small page.
fn compress(body: &[u8]) -> std::io::Result<Vec<u8>> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    COMPRESSOR.with_borrow_mut(|slot| {
        let compressor = match slot {
            Some(c) => c,
            None => slot.insert(zstd::bulk::Compressor::new(PAGE_ZSTD_LEVEL)?),
        };
        compressor.compress(body)
    })
}

impl Store {
    /// Stores a body once (by its SHA-256); returns the hash.
    pub fn put_snapshot(&self, run_id: i64, body: &[u8]) -> Result<String> {
        let conn = &self.conn;
        let sha = sha256_hex(body);
        let exists: bool = conn
            .prepare_cached("SELECT 1 FROM page_snapshots WHERE sha256 = ?1")?
            .exists([&sha])?;
        if !exists {
            let compressed =
                compress(body).map_err(|e| StoreError::Snapshot(sha.clone(), e.to_string()))?;
            conn.prepare_cached(
            "INSERT INTO page_snapshots (sha256, size, body_zstd, first_seen_run, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![sha, body.len() as i64, compressed, run_id, now_text()])?;
        }
        Ok(sha)
    }

    /// Records a final answer: the body, the checkpoint and (for 200) the HTTP cache.
    pub fn put_page(&self, page: &PageRecord) -> Result<String> {
        let conn = &self.conn;
        let sha = self.put_snapshot(page.run_id, page.body)?;
        conn.prepare_cached(
        "INSERT OR REPLACE INTO run_pages (run_id, url, source, status, content_type, sha256, not_modified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
    )?
    .execute(params![page.run_id, page.url, page.source, page.status, page.content_type, sha])?;
        if page.status == 200 {
            conn.prepare_cached(
            "INSERT OR REPLACE INTO http_cache (url, status, etag, last_modified, content_type, sha256, fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![page.url, page.status, page.etag, page.last_modified, page.content_type, sha, now_text()])?;
        }
        Ok(sha)
    }

    /// Records a 304: the run reuses the cached body. Returns it, or None when
    /// nothing is cached (then the page must be fetched again unconditionally).
    pub fn put_not_modified(
        &self,
        run_id: i64,
        source: &str,
        url: &str,
    ) -> Result<Option<StoredPage>> {
        let conn = &self.conn;
        let cached: Option<(u16, Option<String>, String)> = conn
            .prepare_cached("SELECT status, content_type, sha256 FROM http_cache WHERE url = ?1")?
            .query_row([url], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((status, content_type, sha256)) = cached else {
            return Ok(None);
        };
        conn.prepare_cached(
        "INSERT OR REPLACE INTO run_pages (run_id, url, source, status, content_type, sha256, not_modified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)",
    )?
    .execute(params![run_id, url, source, status, content_type, sha256])?;
        Ok(Some(StoredPage {
            status,
            content_type,
            sha256,
            not_modified: true,
        }))
    }

    pub fn record_attempts(
        &self,
        run_id: i64,
        source: &str,
        url: &str,
        attempts: &[Attempt],
        sha: Option<&str>,
    ) -> Result<()> {
        let conn = &self.conn;
        let mut stmt = conn.prepare_cached(
        "INSERT INTO harvest_events (run_id, at, source, url, status, attempt, bytes, sha256, etag, last_modified, duration_ms, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
        let at = now_text();
        for (i, a) in attempts.iter().enumerate() {
            let last = i + 1 == attempts.len();
            stmt.execute(params![
                run_id,
                at,
                source,
                url,
                a.status,
                a.attempt,
                a.bytes as i64,
                if last { sha } else { None },
                a.etag,
                a.last_modified,
                a.duration.as_millis() as i64,
                a.error,
            ])?;
        }
        Ok(())
    }

    pub fn record_issues(&self, run_id: i64, issues: &[DataIssue]) -> Result<()> {
        let conn = &self.conn;
        conn.execute("DELETE FROM data_issues WHERE run_id = ?1", [run_id])?;
        let mut stmt = conn.prepare_cached(
        "INSERT INTO data_issues (run_id, source, key, problem, raw) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
        for i in issues {
            stmt.execute(params![run_id, i.source, i.key, i.problem, i.raw])?;
        }
        Ok(())
    }

    /// A stored body, decompressed and checked against its hash.
    pub fn snapshot_body(&self, sha: &str) -> Result<Vec<u8>> {
        let conn = &self.conn;
        let (size, blob): (i64, Vec<u8>) = conn
            .prepare_cached("SELECT size, body_zstd FROM page_snapshots WHERE sha256 = ?1")?
            .query_row([sha], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let body = zstd::bulk::decompress(&blob, size as usize)
            .map_err(|e| StoreError::Snapshot(sha.into(), e.to_string()))?;
        if sha256_hex(&body) != sha {
            return Err(StoreError::Snapshot(
                sha.into(),
                "content does not match its hash".into(),
            ));
        }
        Ok(body)
    }
}

impl Store {
    /// Every page the run already has, by URL (the checkpoint).
    pub fn run_pages(&self, run_id: i64) -> Result<HashMap<String, StoredPage>> {
        let mut stmt = self
            .conn
            .prepare("SELECT url, status, content_type, sha256, not_modified FROM run_pages WHERE run_id = ?1")?;
        let rows = stmt.query_map([run_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                StoredPage {
                    status: r.get(1)?,
                    content_type: r.get(2)?,
                    sha256: r.get(3)?,
                    not_modified: r.get(4)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The validators of every cached URL.
    pub fn validators(&self) -> Result<HashMap<String, Validators>> {
        let mut stmt = self
            .conn
            .prepare("SELECT url, etag, last_modified FROM http_cache")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Validators {
                    etag: r.get(1)?,
                    last_modified: r.get(2)?,
                },
            ))
        })?;
        Ok(rows
            .filter_map(|r| r.ok())
            .filter(|(_, v)| v.etag.is_some() || v.last_modified.is_some())
            .collect())
    }

    /// Requests of a run by URL and attempt (for tests and troubleshooting).
    pub fn request_count(&self, run_id: i64) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM harvest_events WHERE run_id = ?1",
            [run_id],
            |r| r.get(0),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_stored_once_compressed_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
        let run = store.create_run("http://x", 0).unwrap().id;
        let body = "Comité ".repeat(500).into_bytes();
        let page = PageRecord {
            run_id: run,
            source: "detail",
            url: "http://x/a",
            status: 200,
            content_type: Some("text/html"),
            etag: Some("\"v1\""),
            last_modified: None,
            body: &body,
        };
        let sha = store.in_transaction(|tx| tx.put_page(&page)).unwrap();
        let sha2 = store
            .in_transaction(|tx| {
                tx.put_page(&PageRecord {
                    url: "http://x/b",
                    ..page
                })
            })
            .unwrap();
        assert_eq!(sha, sha2);
        let (n, stored): (i64, i64) = store
            .conn
            .query_row(
                "SELECT count(*), sum(length(body_zstd)) FROM page_snapshots",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(n, 1);
        assert!(stored < body.len() as i64 / 10);
        assert_eq!(store.snapshot_body(&sha).unwrap(), body);
        assert_eq!(
            store.validators().unwrap()["http://x/a"].etag.as_deref(),
            Some("\"v1\"")
        );
        let next = store.create_run("http://x", 0).unwrap().id;
        let reused = store
            .in_transaction(|tx| tx.put_not_modified(next, "detail", "http://x/a"))
            .unwrap()
            .unwrap();
        assert_eq!(reused.sha256, sha);
        assert!(store.run_pages(next).unwrap()["http://x/a"].not_modified);
        assert!(store
            .in_transaction(|tx| tx.put_not_modified(next, "detail", "http://x/zzz"))
            .unwrap()
            .is_none());
    }
}
