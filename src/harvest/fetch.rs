//! Fetching for the harvest: the run's checkpoint first, then the
//! fetcher, every answer recorded (body, checkpoint, HTTP cache, events) as
//! it arrives and committed in batches.

use super::*;
use crate::crawl::Disposition;

/// Records answers as they arrive (split from `Harvest` so the worker pool
/// can run while pages are written).
struct Recorder<'a> {
    store: &'a Store,
    run_id: i64,
    summary: &'a mut Summary,
    issues: &'a mut Vec<DataIssue>,
}

impl Recorder<'_> {
    /// Records the answer to one request; returns the page, or None when a
    /// 304 came for a URL with nothing cached (to be fetched again).
    fn record(
        &mut self,
        source: &'static str,
        fetched: Fetched,
    ) -> Result<Option<Page>, HarvestError> {
        let store = self.store;
        let run_id = self.run_id;
        let url = fetched.request.url.as_str();
        let s = &mut self.summary;
        s.count(source, &fetched.attempts);
        let page = match fetched.outcome {
            Outcome::Response(r) => {
                let sha = store.put_page(&PageRecord {
                    run_id,
                    source,
                    url,
                    status: r.status,
                    content_type: r.content_type.as_deref(),
                    etag: r.etag.as_deref(),
                    last_modified: r.last_modified.as_deref(),
                    body: &r.body,
                })?;
                store.record_attempts(run_id, source, url, &fetched.attempts, Some(&sha))?;
                Some(Page::Ok {
                    status: r.status,
                    content_type: r.content_type,
                    body: r.body,
                })
            }
            Outcome::NotModified => {
                store.record_attempts(run_id, source, url, &fetched.attempts, None)?;
                s.not_modified += 1;
                match store.put_not_modified(run_id, source, url)? {
                    Some(stored) => Some(Page::Ok {
                        status: stored.status,
                        content_type: stored.content_type,
                        body: store.snapshot_body(&stored.sha256)?,
                    }),
                    None => None,
                }
            }
            Outcome::Failed { error, body, .. } => {
                let sha = body.map(|b| store.put_snapshot(run_id, &b)).transpose()?;
                store.record_attempts(run_id, source, url, &fetched.attempts, sha.as_deref())?;
                s.failed_pages += 1;
                tracing::warn!(run_id, source, url, error = %error, "page_failed");
                self.issues.push(DataIssue::new(
                    source,
                    url,
                    "page failed after retries",
                    Some(error),
                ));
                Some(Page::Failed)
            }
            Outcome::Disallowed => {
                s.disallowed_skipped += 1;
                Some(Page::Failed)
            }
            Outcome::Cancelled => Some(Page::Failed),
        };
        Ok(page)
    }
}

/// One more page of `source` that its parser understood, counted at once
/// (`spider_items_scraped_total{source}`, beside `spider_requests_total`).
pub(super) fn understood(source: &'static str) {
    crate::metrics::metrics()
        .spider_items_scraped_total
        .with_label_values(&[source])
        .inc();
}

impl Harvest<'_> {
    /// A URL the registry built from the site's base, or the error naming both.
    pub(super) fn checked(&self, made: Result<Url, url::ParseError>) -> Result<Url, HarvestError> {
        made.map_err(|e| HarvestError::BadUrl {
            url: self.base.to_string(),
            message: e.to_string(),
        })
    }

    /// Fetches pages (or takes them from the run's checkpoint), recording
    /// every answer; returns them in the order of `urls`.
    pub(super) fn fetch_pages(
        &mut self,
        source: &'static str,
        urls: &[Url],
    ) -> Result<Vec<Page>, HarvestError> {
        let mut got: HashMap<String, Page> = HashMap::with_capacity(urls.len());
        let mut requests = Vec::new();
        for url in urls {
            match self.checkpoint.get(url.as_str()) {
                Some(stored) => {
                    let body = self.store.snapshot_body(&stored.sha256)?;
                    let page = Page::Ok {
                        status: stored.status,
                        content_type: stored.content_type.clone(),
                        body,
                    };
                    got.insert(url.to_string(), page);
                    self.summary.from_checkpoint += 1;
                    self.progress.inc();
                }
                None => requests.push(Request {
                    url: url.clone(),
                    validators: self.validators.get(url.as_str()).cloned(),
                }),
            }
        }
        let fetcher = &self.fetcher;
        let progress = &mut self.progress;
        let mut recorder = Recorder {
            store: &*self.store,
            run_id: self.run.id,
            summary: &mut self.summary,
            issues: &mut self.issues,
        };
        let mut failure: Option<HarvestError> = None;
        let mut since_commit = 0;
        let mut committed_at = Instant::now();
        recorder.store.begin_batch()?;
        fetcher.fetch_all(requests, |fetched| {
            if failure.is_some() {
                return Disposition::Done;
            }
            let url = fetched.request.url.clone();
            let disposition = match recorder.record(source, fetched) {
                Ok(Some(page)) => {
                    got.insert(url.to_string(), page);
                    progress.inc();
                    Disposition::Done
                }
                // A 304 for a page whose body the cache no longer holds.
                Ok(None) => Disposition::RefetchUnconditionally,
                Err(e) => {
                    failure = Some(e);
                    Disposition::Done
                }
            };
            since_commit += 1;
            let due = since_commit >= CHECKPOINT_EVERY
                || committed_at.elapsed().as_secs_f64() >= CHECKPOINT_SECONDS;
            if due && failure.is_none() {
                since_commit = 0;
                committed_at = Instant::now();
                let store = recorder.store;
                failure = store
                    .commit_batch()
                    .and_then(|_| store.begin_batch())
                    .err()
                    .map(Into::into);
            }
            disposition
        });
        recorder.store.commit_batch()?;
        if let Some(e) = failure {
            return Err(e);
        }
        Ok(urls
            .iter()
            .map(|u| got.remove(u.as_str()).unwrap_or(Page::Failed))
            .collect())
    }

    pub(super) fn robots(&mut self) -> Result<(), HarvestError> {
        let request = Fetcher::robots_request(&self.base);
        let url = request.url.to_string();
        let fetched = self.fetcher.fetch_one(request);
        self.store.begin_batch()?;
        self.store
            .record_attempts(self.run.id, "robots", &url, &fetched.attempts, None)?;
        self.store.commit_batch()?;
        self.summary.count("robots", &fetched.attempts);
        self.fetcher.install_robots(&fetched)?;
        Ok(())
    }
}
