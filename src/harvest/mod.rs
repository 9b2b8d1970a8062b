//! One harvest run: robots.txt, then the four sources, then normalization,
//! the ledger write and the quality checks that decide whether the run is
//! published. Every page is checkpointed as it arrives, so a run that was
//! killed resumes on the next start without fetching those pages again.

pub mod assemble;
pub mod progress;
pub mod quality;

use crate::config::Config;
use crate::crawl::{
    decode, FetchSettings, Fetched, Fetcher, Outcome, Request, RobotsError, Validators,
};
use crate::model::{DataIssue, LegacyPageRecord, Tipo};
use crate::registry::Registry;
use crate::sources::{catalogue, committees, detail, legacy};
use crate::store::pages::{self, PageRecord, StoredPage};
use crate::store::runs::{RunInfo, RunOutcome, RunStatus};
use crate::store::stats::Counts;
use crate::store::{ledger, Store, StoreError};
use assemble::{AssembleOptions, Harvested};
use progress::Progress;
use quality::{Coverage, QualityInput};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;
use url::Url;

const COMMITTEES_MAX_ID: &str = "committees_max_id";
/// Safety bounds: no RENEC source is anywhere near these.
const MAX_COMMITTEE_ID: u32 = 100_000;
const MAX_LEGACY_PAGES: usize = 5_000;
/// Page checkpoints are committed every this many answers.
const CHECKPOINT_EVERY: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum HarvestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Robots(#[from] RobotsError),
    #[error("the harvest was stopped; its pages are checkpointed and the next harvest resumes it")]
    Stopped,
    #[error("invalid source URL {url:?}: {message}")]
    BadUrl { url: String, message: String },
}

/// Requests and pages of a run, for the summary and `runs.summary_json`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub requests: u64,
    pub by_status: BTreeMap<String, u64>,
    pub requests_by_source: BTreeMap<&'static str, u64>,
    pub retries: u64,
    pub not_modified: u64,
    pub from_checkpoint: u64,
    pub failed_pages: u64,
    pub disallowed_skipped: u64,
    pub bytes: u64,
    pub resumed: bool,
    pub duration_ms: u64,
}

/// What a run ended with.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub run_id: i64,
    pub status: &'static str,
    pub reasons: Vec<String>,
    pub coverage: BTreeMap<&'static str, Coverage>,
    pub counts: Counts,
    pub summary: Summary,
    pub issues: BTreeMap<String, i64>,
    pub ledger: BTreeMap<&'static str, ledger::WriteStats>,
}

impl Summary {
    /// Counts the attempts of one request, in the summary and in the metrics.
    fn count(&mut self, source: &'static str, attempts: &[crate::crawl::Attempt]) {
        let m = crate::metrics::metrics();
        for a in attempts {
            let code = a
                .status
                .map_or_else(|| "error".to_string(), |c| c.to_string());
            m.spider_requests_total.with_label_values(&[source]).inc();
            m.spider_response_status_total
                .with_label_values(&[code.as_str()])
                .inc();
            if a.will_retry {
                m.spider_retries_total.with_label_values(&[source]).inc();
            }
            self.requests += 1;
            *self.requests_by_source.entry(source).or_default() += 1;
            *self.by_status.entry(code).or_default() += 1;
            self.retries += u64::from(a.will_retry);
            self.bytes += a.bytes;
        }
    }
}

impl Report {
    pub fn published(&self) -> bool {
        self.status == RunStatus::Published.as_str()
    }
}

/// Rows of the legacy listings (with the kind of listing) and the page inventory.
type LegacyHarvest = (Vec<(Tipo, legacy::LegacyRow)>, Vec<LegacyPageRecord>);

/// A page as the sources see it.
enum Page {
    Ok {
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
    },
    Failed,
}

struct Harvest<'a> {
    cfg: &'a Config,
    registry: &'a Registry,
    store: &'a mut Store,
    fetcher: Fetcher,
    run: RunInfo,
    base: Url,
    checkpoint: HashMap<String, StoredPage>,
    validators: HashMap<String, Validators>,
    summary: Summary,
    coverage: BTreeMap<&'static str, Coverage>,
    progress: Progress,
    issues: Vec<DataIssue>,
}

/// Runs (or resumes) one harvest and returns its report.
pub fn run(
    cfg: &Config,
    registry: &Registry,
    store: &mut Store,
    show_progress: bool,
) -> Result<Report, HarvestError> {
    run_until(
        cfg,
        registry,
        store,
        show_progress,
        Arc::new(AtomicBool::new(false)),
    )
}

/// Runs (or resumes) one harvest until it ends or `stop` is set; a stopped
/// run stays open, checkpointed, and the next harvest resumes it.
pub fn run_until(
    cfg: &Config,
    registry: &Registry,
    store: &mut Store,
    show_progress: bool,
    stop: Arc<AtomicBool>,
) -> Result<Report, HarvestError> {
    let started = Instant::now();
    let base = Url::parse(&cfg.source_url).map_err(|e| HarvestError::BadUrl {
        url: cfg.source_url.clone(),
        message: e.to_string(),
    })?;
    let (run, resumed) = match store.unfinished_run()? {
        Some(run) => (run, true),
        None => (store.create_run(&cfg.source_url)?, false),
    };
    tracing::info!(run_id = run.id, resumed, source_url = %cfg.source_url, "harvest_started");
    let checkpoint = if resumed {
        store.run_pages(run.id)?
    } else {
        HashMap::new()
    };
    let validators = store.validators()?;
    let mut h = Harvest {
        cfg,
        registry,
        fetcher: Fetcher::new(FetchSettings::from_config(cfg)).with_stop(stop.clone()),
        run,
        base,
        checkpoint,
        validators,
        summary: Summary {
            resumed,
            ..Summary::default()
        },
        coverage: BTreeMap::new(),
        progress: Progress::new(show_progress),
        issues: Vec::new(),
        store,
    };
    if let Err(e) = h.robots() {
        h.fail(&e.to_string())?;
        return Err(e);
    }
    let stopped = || -> Result<(), HarvestError> {
        if stop.load(Ordering::Relaxed) {
            Err(HarvestError::Stopped)
        } else {
            Ok(())
        }
    };
    let catalogue = h.catalogue()?;
    stopped()?;
    let (committees, highest_committee) = h.committees()?;
    stopped()?;
    let codes: Vec<String> = catalogue
        .iter()
        .flat_map(|c| c.rows.iter())
        .filter_map(|r| crate::normalize::EcCode::parse(&r.codigo_raw).ok())
        .map(|c| c.as_str().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let details = h.details(&codes)?;
    stopped()?;
    let (legacy_rows, legacy_pages) = h.legacy()?;
    stopped()?;
    h.summary.duration_ms = started.elapsed().as_millis() as u64;
    let harvested = Harvested {
        catalogue,
        committees,
        details,
        legacy_rows,
        legacy_pages,
        issues: std::mem::take(&mut h.issues),
    };
    h.finish(harvested, highest_committee)
}

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
fn understood(source: &'static str) {
    crate::metrics::metrics()
        .spider_items_scraped_total
        .with_label_values(&[source])
        .inc();
}

impl Harvest<'_> {
    /// A URL the registry built from the site's base, or the error naming both.
    fn checked(&self, made: Result<Url, url::ParseError>) -> Result<Url, HarvestError> {
        made.map_err(|e| HarvestError::BadUrl {
            url: self.base.to_string(),
            message: e.to_string(),
        })
    }

    /// Fetches pages (or takes them from the run's checkpoint), recording
    /// every answer; returns them in the order of `urls`.
    fn fetch_pages(
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
        let mut unconditional = Vec::new();
        for round in 0..2 {
            let batch = if round == 0 {
                std::mem::take(&mut requests)
            } else {
                std::mem::take(&mut unconditional)
            };
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
            recorder.store.begin_batch()?;
            fetcher.fetch_all(batch, |fetched| {
                if failure.is_some() {
                    return;
                }
                let url = fetched.request.url.clone();
                match recorder.record(source, fetched) {
                    Ok(Some(page)) => {
                        got.insert(url.to_string(), page);
                        progress.inc();
                    }
                    Ok(None) => unconditional.push(Request::new(url)),
                    Err(e) => failure = Some(e),
                }
                since_commit += 1;
                if since_commit >= CHECKPOINT_EVERY && failure.is_none() {
                    since_commit = 0;
                    let store = recorder.store;
                    failure = store
                        .commit_batch()
                        .and_then(|_| store.begin_batch())
                        .err()
                        .map(Into::into);
                }
            });
            recorder.store.commit_batch()?;
            if let Some(e) = failure {
                return Err(e);
            }
            if unconditional.is_empty() {
                break;
            }
        }
        Ok(urls
            .iter()
            .map(|u| got.remove(u.as_str()).unwrap_or(Page::Failed))
            .collect())
    }

    fn robots(&mut self) -> Result<(), HarvestError> {
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

    fn catalogue(&mut self) -> Result<Option<catalogue::Catalogue>, HarvestError> {
        let url = self.checked(self.registry.catalogue_url(&self.base))?;
        self.progress.begin("catalogue", 1);
        let page = self
            .fetch_pages("catalogue", std::slice::from_ref(&url))?
            .pop();
        let parsed = match page {
            Some(Page::Ok {
                status: 200, body, ..
            }) => match catalogue::parse(&body, &self.registry.catalogue.fields) {
                Ok(c) => Some(c),
                Err(e) => {
                    self.issues.push(DataIssue::new(
                        "catalogue",
                        url.as_str(),
                        format!("catalogue unreadable: {e}"),
                        None,
                    ));
                    None
                }
            },
            Some(Page::Ok { status, .. }) => {
                self.issues.push(DataIssue::new(
                    "catalogue",
                    url.as_str(),
                    format!("catalogue answered HTTP {status}"),
                    None,
                ));
                None
            }
            _ => None,
        };
        if parsed.is_some() {
            understood("catalogue");
        }
        let coverage = match &parsed {
            Some(c) => Coverage {
                expected: c.reported as u64,
                covered: c.rows.len() as u64,
            },
            None => Coverage {
                expected: 1,
                covered: 0,
            },
        };
        self.coverage.insert("catalogue", coverage);
        self.progress
            .end(&format!("{} standards", coverage.covered));
        Ok(parsed)
    }

    /// Scans committee ids 1, 2, 3, … until `stop_after` consecutive misses
    /// past the highest id ever seen (a larger run on a first harvest).
    fn committees(&mut self) -> Result<(Vec<committees::CommitteeRecord>, u32), HarvestError> {
        let remembered: u32 = self
            .store
            .state(COMMITTEES_MAX_ID)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let stop_after = if remembered == 0 {
            self.cfg.committees_first_run_stop_after
        } else {
            self.cfg.committees_stop_after
        };
        let batch = (self.cfg.concurrent_requests * 4).max(16);
        self.progress
            .begin("committees", u64::from(remembered + stop_after));
        let (mut found, mut highest, mut misses) = (Vec::new(), remembered, 0u32);
        let mut coverage = Coverage::default();
        let mut next = 1u32;
        loop {
            let ids: Vec<u32> = (next..next + batch).collect();
            let urls = ids
                .iter()
                .map(|id| self.checked(self.registry.committee_url(&self.base, *id)))
                .collect::<Result<Vec<_>, _>>()?;
            let answers = self.fetch_pages("committees", &urls)?;
            for ((id, url), page) in ids.iter().zip(&urls).zip(answers) {
                coverage.expected += 1;
                let answer = match page {
                    Page::Ok {
                        status: 200, body, ..
                    } => match committees::parse(*id, &body, &self.registry.committees) {
                        Ok(a) => Some(a),
                        Err(e) => {
                            self.issues.push(DataIssue::new(
                                "committees",
                                url.as_str(),
                                format!("unreadable answer: {e}"),
                                None,
                            ));
                            None
                        }
                    },
                    Page::Ok {
                        status: 404 | 400, ..
                    } => Some(committees::CommitteeAnswer::NotFound),
                    Page::Ok { status, .. } => {
                        self.issues.push(DataIssue::new(
                            "committees",
                            url.as_str(),
                            format!("answered HTTP {status}"),
                            None,
                        ));
                        None
                    }
                    Page::Failed => None,
                };
                if answer.is_some() {
                    understood("committees");
                }
                match answer {
                    Some(committees::CommitteeAnswer::Found(rec)) => {
                        coverage.covered += 1;
                        misses = 0;
                        highest = highest.max(*id);
                        found.push(*rec);
                    }
                    Some(committees::CommitteeAnswer::NotFound) => {
                        coverage.covered += 1;
                        misses += 1;
                    }
                    None => {}
                }
            }
            next += batch;
            if self.fetcher.stop_flag().load(Ordering::Relaxed) {
                break;
            }
            let past_known = next > remembered;
            if next > remembered + stop_after {
                self.progress.grow(u64::from(batch));
            }
            if (past_known && misses >= stop_after) || next > MAX_COMMITTEE_ID {
                break;
            }
        }
        self.coverage.insert("committees", coverage);
        self.progress.end(&format!("{} committees", found.len()));
        Ok((found, highest))
    }

    fn details(
        &mut self,
        codes: &[String],
    ) -> Result<BTreeMap<String, (String, detail::DetailPage)>, HarvestError> {
        let urls = codes
            .iter()
            .map(|c| self.checked(self.registry.detail_url(&self.base, c)))
            .collect::<Result<Vec<_>, _>>()?;
        self.progress.begin("detail", codes.len() as u64);
        let answers = self.fetch_pages("detail", &urls)?;
        let mut out = BTreeMap::new();
        for ((code, url), page) in codes.iter().zip(&urls).zip(answers) {
            match page {
                Page::Ok {
                    status: 200,
                    body,
                    content_type,
                } => {
                    let html = decode::decode(&body, content_type.as_deref());
                    understood("detail");
                    out.insert(
                        code.clone(),
                        (url.to_string(), detail::parse(&html, &self.registry.detail)),
                    );
                }
                Page::Ok { status, .. } => {
                    self.issues.push(DataIssue::new(
                        "detail",
                        code,
                        format!("detail page answered HTTP {status}"),
                        Some(url.to_string()),
                    ));
                }
                Page::Failed => {}
            }
        }
        let coverage = Coverage {
            expected: codes.len() as u64,
            covered: out.len() as u64,
        };
        self.coverage.insert("detail", coverage);
        self.progress.end(&format!("{} pages", out.len()));
        Ok(out)
    }

    /// Breadth-first from the hub over `controlador.do?comp=` links of the
    /// same host, robots obeyed; rows of the inactive, historic and brand listings.
    fn legacy(&mut self) -> Result<LegacyHarvest, HarvestError> {
        let reg = &self.registry.legacy;
        let hub = self.checked(self.registry.hub_url(&self.base))?;
        let mut queue = vec![hub.clone()];
        let mut seen: HashSet<Url> = HashSet::from([hub]);
        let mut inventory = Vec::new();
        let mut rows: BTreeMap<String, BTreeMap<String, legacy::LegacyRow>> = BTreeMap::new();
        let mut reported: BTreeMap<String, u64> = BTreeMap::new();
        let mut pages_cov = Coverage::default();
        self.progress.begin("legacy", 1);
        while !queue.is_empty() && seen.len() <= MAX_LEGACY_PAGES {
            let level = std::mem::take(&mut queue);
            let answers = self.fetch_pages("legacy", &level)?;
            for (url, page) in level.iter().zip(answers) {
                pages_cov.expected += 1;
                let Page::Ok {
                    status,
                    body,
                    content_type,
                } = page
                else {
                    inventory.push(LegacyPageRecord {
                        url: url.to_string(),
                        titulo: None,
                        status: 0,
                        content_sha256: None,
                        links: vec![],
                    });
                    continue;
                };
                let html = decode::decode(&body, content_type.as_deref());
                let parsed = legacy::parse(&html, url, reg);
                if status == 200 {
                    understood("legacy");
                    pages_cov.covered += 1;
                    let comp = legacy::component(url).unwrap_or_default();
                    if reg.listings.contains_key(&comp) {
                        let listing = rows.entry(comp.clone()).or_default();
                        for row in parsed.rows.iter() {
                            let code = crate::normalize::clean(&row.codigo_raw);
                            listing.entry(code).or_insert_with(|| row.clone());
                        }
                        if let Some(total) = parsed.reported_total {
                            let r = reported.entry(comp).or_default();
                            *r = (*r).max(total);
                        }
                    }
                } else {
                    self.issues.push(DataIssue::new(
                        "legacy",
                        url.as_str(),
                        format!("answered HTTP {status}"),
                        None,
                    ));
                }
                for link in &parsed.links {
                    let comp = legacy::component(link).unwrap_or_default();
                    if reg.skip_components.contains(&comp) || seen.contains(link) {
                        continue;
                    }
                    if !self.fetcher.allowed(link) {
                        self.summary.disallowed_skipped += 1;
                        seen.insert(link.clone());
                        continue;
                    }
                    seen.insert(link.clone());
                    queue.push(link.clone());
                }
                inventory.push(LegacyPageRecord {
                    url: url.to_string(),
                    titulo: parsed.title,
                    status: i64::from(status),
                    content_sha256: Some(pages::sha256_hex(&body)),
                    links: parsed.links.iter().map(Url::to_string).collect(),
                });
            }
            self.progress.grow(queue.len() as u64);
        }
        let mut listing_cov = Coverage::default();
        let mut out = Vec::new();
        for (comp, kind) in &reg.listings {
            let tipo = Tipo::from_listing(kind).expect("validated by the registry");
            let got = rows.remove(comp).unwrap_or_default();
            listing_cov.expected += reported.get(comp).copied().unwrap_or(got.len() as u64);
            listing_cov.covered += got.len() as u64;
            out.extend(got.into_values().map(|r| (tipo, r)));
        }
        self.coverage.insert("legacy_pages", pages_cov);
        self.coverage.insert("legacy_listings", listing_cov);
        self.progress.end(&format!(
            "{} pages, {} listed standards",
            inventory.len(),
            out.len()
        ));
        Ok((out, inventory))
    }

    fn fail(&mut self, error: &str) -> Result<(), HarvestError> {
        let summary = serde_json::to_value(&self.summary).expect("summary serializes");
        let reasons = vec![error.to_string()];
        let outcome = RunOutcome {
            status: RunStatus::Failed,
            coverage: &serde_json::json!({}),
            counts: &serde_json::json!({}),
            summary: &summary,
            reasons: &reasons,
            error: Some(error),
        };
        self.store.finish_run(self.run.id, &outcome)?;
        tracing::error!(run_id = self.run.id, error, "harvest_failed");
        Ok(())
    }

    fn finish(
        mut self,
        harvested: Harvested,
        highest_committee: u32,
    ) -> Result<Report, HarvestError> {
        let base = self.base.clone();
        let registry = self.registry;
        let detail_url = |code: &str| {
            registry
                .detail_url(&base, code)
                .map_or_else(|_| String::new(), String::from)
        };
        let listing_url = |tipo: Tipo| {
            let comp = registry
                .legacy
                .listings
                .iter()
                .find(|(_, kind)| Tipo::from_listing(kind) == Some(tipo))
                .map_or("", |(c, _)| c.as_str());
            registry
                .listing_url(&base, comp)
                .map_or_else(|_| String::new(), String::from)
        };
        let catalogue_duplicates = harvested
            .catalogue
            .as_ref()
            .map(|c| {
                let mut codes = HashSet::new();
                c.rows
                    .iter()
                    .filter(|r| !codes.insert(crate::normalize::clean(&r.codigo_raw)))
                    .count()
            })
            .unwrap_or(0);
        let opts = AssembleOptions {
            keep_person_fields: self.cfg.keep_person_fields,
            detail_url: &detail_url,
            listing_url: &listing_url,
        };
        let dataset = assemble::assemble(harvested, &opts);
        let run_id = self.run.id;
        let basis = self.run.basis_run;
        let coverage = std::mem::take(&mut self.coverage);
        let summary = self.summary.clone();
        let (min_coverage, max_drop) = (self.cfg.min_coverage, self.cfg.max_drop);
        let report = self.store.in_transaction(|tx| {
            tx.record_issues(run_id, &dataset.issues)?;
            let written = tx.write_dataset(&dataset, run_id, basis)?;
            let counts = tx.counts_at(run_id)?;
            let duplicate_keys = tx.duplicate_keys_at(run_id)?;
            let dangling_links = tx.dangling_links_at(run_id)?;
            let basis_counts = basis.map(|b| tx.counts_at(b)).transpose()?;
            let reasons = quality::reasons(&QualityInput {
                coverage: &coverage,
                counts: &counts,
                basis_counts: basis_counts.as_ref(),
                duplicate_keys: &duplicate_keys,
                dangling_links: &dangling_links,
                catalogue_duplicates,
                min_coverage,
                max_drop,
            });
            let status = if reasons.is_empty() { RunStatus::Published } else { RunStatus::Held };
            tx.set_state(COMMITTEES_MAX_ID, &highest_committee.to_string())?;
            if status == RunStatus::Published {
                tx.rebuild_search_index(run_id)?;
            }
            let coverage_json: serde_json::Value = coverage
                .iter()
                .map(|(k, c)| (k.to_string(), serde_json::json!({"expected": c.expected, "covered": c.covered, "ratio": c.ratio()})))
                .collect::<serde_json::Map<_, _>>()
                .into();
            tx.finish_run(
                run_id,
                &RunOutcome {
                    status,
                    coverage: &coverage_json,
                    counts: &serde_json::to_value(&counts).expect("counts serialize"),
                    summary: &serde_json::to_value(&summary).expect("summary serializes"),
                    reasons: &reasons,
                    error: None,
                },
            )?;
            Ok(Report {
                run_id,
                status: status.as_str(),
                reasons,
                coverage: coverage.clone(),
                counts,
                summary: summary.clone(),
                issues: BTreeMap::new(),
                ledger: written.into_iter().collect(),
            })
        })?;
        let issues = self.store.issue_summary(run_id)?;
        let m = crate::metrics::metrics();
        for (name, n) in report.counts.entries() {
            m.run_items.with_label_values(&[name]).set(n);
        }
        tracing::info!(
            run_id,
            status = report.status,
            requests = report.summary.requests,
            "harvest_finished"
        );
        Ok(Report { issues, ..report })
    }
}
