//! One harvest run: robots.txt, then the four sources, then normalization,
//! the ledger write and the quality checks that decide whether the run is
//! published. Every page is checkpointed as it arrives, so a run that was
//! killed resumes on the next start without fetching those pages again.

pub mod assemble;
mod fetch;
pub mod progress;
pub mod quality;
mod steps;

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
use assemble::{AssembleOptions, DetailFacts, Harvested};
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
/// Page checkpoints are committed every this many answers, or with the
/// first answer after `CHECKPOINT_SECONDS` since the last commit, whichever
/// comes first: a killed run loses at most about a second of answers.
const CHECKPOINT_EVERY: usize = 100;
const CHECKPOINT_SECONDS: f64 = 1.0;
/// Detail pages are fetched and parsed this many at a time, so that peak
/// memory does not grow with the number of standards.
const DETAIL_CHUNK: usize = 256;

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
    let _memory = crate::return_memory_promptly();
    let base = Url::parse(&cfg.source_url).map_err(|e| HarvestError::BadUrl {
        url: cfg.source_url.clone(),
        message: e.to_string(),
    })?;
    let (run, resumed) = match store.unfinished_run()? {
        Some(run) => (run, true),
        None => {
            // Run ids are the machine's: never reused after a restore.
            let local = crate::store::local::LocalStore::for_config(cfg)?;
            let run = store.create_run(&cfg.source_url, local.issued_run_id()?)?;
            local.record_run_id(run.id)?;
            (run, false)
        }
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

impl Harvest<'_> {
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
        let mut dataset = assemble::assemble(harvested, &opts);
        let run_id = self.run.id;
        let basis = self.run.basis_run;
        if let Some(b) = basis {
            let known = self.store.known_standard_fields(b)?;
            assemble::keep_known_fields(&mut dataset, &known, b);
        }
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
