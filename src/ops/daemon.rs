//! What `serve` does besides answering requests, shared by the scheduler
//! (`scheduler.rs`), the admin API and the stop path: the jobs themselves
//! (harvest, freshness probe, snapshot, retention, an offline mirror's
//! inbox), whether a harvest runs and how to stop it, and the jobs' last
//! results. Offline mirrors never crawl: they load bundles dropped into
//! `DATA_DIR/inbox/`.

use super::lock::HarvestLock;
use super::snapshot::Snapshots;
use crate::config::Config;
use crate::registry::Registry;
use crate::store::local::LocalStore;
use crate::store::Store;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Why a job did not do its work.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("this mirror is offline (serve --offline): it never crawls")]
    Offline,
    #[error("this node does not harvest (serve --no-harvest)")]
    NoHarvest,
    #[error("a harvest is already running")]
    AlreadyRunning,
    #[error(transparent)]
    Lock(#[from] super::lock::LockError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Harvest(#[from] crate::harvest::HarvestError),
    #[error(transparent)]
    Snapshot(#[from] super::snapshot::SnapshotError),
    #[error(transparent)]
    Robots(#[from] crate::crawl::RobotsError),
    #[error("the source URL is not valid: {0}")]
    SourceUrl(#[from] url::ParseError),
    #[error("{url}: {error}")]
    Probe { url: String, error: String },
    #[error("the job stopped unexpectedly: {0}")]
    Crashed(String),
    #[error("the scheduler could not start: {0}")]
    Scheduler(String),
}

/// What the scheduler shows of one job.
#[derive(Debug, Clone, Serialize, Default)]
pub struct JobInfo {
    pub name: &'static str,
    pub schedule: String,
    pub next_run: Option<String>,
    pub last_run: Option<String>,
    pub last_result: Option<String>,
}

/// Shared between the scheduler, the API and the shutdown path.
pub struct DaemonState {
    pub cfg: Config,
    pub registry: Registry,
    pub offline: bool,
    /// `serve --no-harvest`: serves and keeps snapshots, never crawls.
    pub no_harvest: bool,
    /// Set while a harvest runs: setting the flag stops it (checkpointed).
    harvest: Mutex<Option<Arc<AtomicBool>>>,
    jobs: Mutex<BTreeMap<&'static str, JobInfo>>,
    /// Called after a restore or import replaced the database file.
    on_replaced: Mutex<Option<Box<dyn Fn() + Send + Sync>>>,
    /// Called after a harvest published a run (the PostgreSQL sync).
    on_published: Mutex<Option<Box<dyn Fn() + Send + Sync>>>,
    /// True while a harvest runs (the stop path waits for false).
    running: tokio::sync::watch::Sender<bool>,
}

fn now_text() -> String {
    crate::store::now_text()
}

impl DaemonState {
    pub fn new(cfg: Config, registry: Registry, offline: bool) -> Arc<DaemonState> {
        DaemonState::with_modes(cfg, registry, offline, false)
    }

    pub fn with_modes(
        cfg: Config,
        registry: Registry,
        offline: bool,
        no_harvest: bool,
    ) -> Arc<DaemonState> {
        Arc::new(DaemonState {
            cfg,
            registry,
            offline,
            no_harvest,
            on_published: Mutex::new(None),
            harvest: Mutex::new(None),
            jobs: Mutex::new(BTreeMap::new()),
            on_replaced: Mutex::new(None),
            running: tokio::sync::watch::Sender::new(false),
        })
    }

    pub fn set_on_replaced(&self, f: Box<dyn Fn() + Send + Sync>) {
        *self.on_replaced.lock().expect("lock") = Some(f);
    }

    pub fn set_on_published(&self, f: Box<dyn Fn() + Send + Sync>) {
        *self.on_published.lock().expect("lock") = Some(f);
    }

    /// Whether this node crawls (not offline, not `--no-harvest`).
    pub fn crawls(&self) -> bool {
        !self.offline && !self.no_harvest
    }

    fn audit(&self, event: &str, outcome: &str, details: serde_json::Value) {
        let written = LocalStore::for_config(&self.cfg)
            .and_then(|local| local.audit(event, Some("scheduler"), None, outcome, &details));
        if let Err(e) = written {
            tracing::error!(error = %e, event, "audit_write_failed");
        }
    }

    /// At start: the effective configuration's hash, and which keys changed
    /// since the last start (secrets compared by hash, never recorded).
    pub fn audit_configuration(&self) {
        use sha2::{Digest, Sha256};
        let values: BTreeMap<&str, String> = crate::config::OPTIONS
            .iter()
            .map(|o| {
                let v = self.cfg.value_text(o.key);
                (
                    o.key,
                    if o.secret {
                        hex::encode(Sha256::digest(v.as_bytes()))
                    } else {
                        v
                    },
                )
            })
            .collect();
        let text = serde_json::to_string(&values).expect("serializes");
        let hash = hex::encode(Sha256::digest(text.as_bytes()));
        let Ok(store) = LocalStore::for_config(&self.cfg) else {
            return;
        };
        let before: BTreeMap<String, String> = store
            .state("config_values")
            .ok()
            .flatten()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        let changed: Vec<&str> = values
            .iter()
            .filter(|(k, v)| before.get(**k) != Some(*v))
            .map(|(k, _)| *k)
            .collect();
        let _ = store.audit("configuration_change",
            Some("serve"),
            None,
            "ok",
            &serde_json::json!({"hash": hash, "changed_since_last_start": if before.is_empty() { vec!["(first start)"] } else { changed }}),
        );
        let _ = store.set_state("config_values", &text);
    }

    /// Waits until no harvest runs, at most `limit`; true when none does.
    pub async fn harvest_idle(&self, limit: std::time::Duration) -> bool {
        let mut rx = self.running.subscribe();
        let idle = tokio::time::timeout(limit, rx.wait_for(|running| !running))
            .await
            .is_ok();
        idle
    }

    pub fn harvest_running(&self) -> bool {
        self.harvest.lock().expect("lock").is_some()
    }

    /// Asks the running harvest to stop; false when none runs.
    pub fn stop_harvest(&self) -> bool {
        match &*self.harvest.lock().expect("lock") {
            Some(flag) => {
                flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// The jobs, with their next run computed now.
    pub fn jobs(&self) -> Vec<JobInfo> {
        let tz: Option<chrono_tz::Tz> = self.cfg.timezone.parse().ok();
        let now = chrono::Utc::now();
        self.jobs
            .lock()
            .expect("lock")
            .values()
            .cloned()
            .map(|mut j| {
                if let (Some(cron), Some(tz)) = (super::scheduler::parse_cron(&j.schedule), tz) {
                    j.next_run = cron
                        .find_next_occurrence(&now.with_timezone(&tz), false)
                        .ok()
                        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%:z").to_string());
                }
                j
            })
            .collect()
    }

    pub(super) fn record(&self, name: &'static str, result: String) {
        let m = crate::metrics::metrics();
        m.job_last_run
            .with_label_values(&[name])
            .set(chrono::Utc::now().timestamp() as f64);
        m.job_last_success
            .with_label_values(&[name])
            .set(if result.starts_with("ok") { 1.0 } else { 0.0 });
        let mut jobs = self.jobs.lock().expect("lock");
        let job = jobs.entry(name).or_insert_with(|| JobInfo {
            name,
            ..JobInfo::default()
        });
        job.last_run = Some(now_text());
        job.last_result = Some(result);
        drop(jobs);
        if let Ok(local) = LocalStore::for_config(&self.cfg) {
            let _ = local.set_state(&format!("job_last_run:{name}"), &now_text());
        }
    }

    pub(super) fn set_next(&self, name: &'static str, schedule: &str, next: Option<String>) {
        let mut jobs = self.jobs.lock().expect("lock");
        let job = jobs.entry(name).or_insert_with(|| JobInfo {
            name,
            ..JobInfo::default()
        });
        job.schedule = schedule.to_string();
        job.next_run = next;
    }

    /// A harvest asked for outside the schedule (the admin API): run like
    /// the scheduled one and recorded as the `harvest` job's last run.
    pub fn harvest_now(self: &Arc<Self>) -> Result<String, JobError> {
        let result = self.harvest_blocking();
        self.record(
            "harvest",
            match &result {
                Ok(t) => format!("ok: {t}"),
                Err(e) => format!("error: {e}"),
            },
        );
        result
    }

    /// Runs one harvest to its end on this thread (blocking). Refused when
    /// one is already running here or in another process.
    pub fn harvest_blocking(self: &Arc<Self>) -> Result<String, JobError> {
        if self.offline {
            return Err(JobError::Offline);
        }
        if self.no_harvest {
            return Err(JobError::NoHarvest);
        }
        let _lock = HarvestLock::acquire(&self.cfg.data_dir)?;
        let flag = Arc::new(AtomicBool::new(false));
        {
            let mut slot = self.harvest.lock().expect("lock");
            if slot.is_some() {
                return Err(JobError::AlreadyRunning);
            }
            *slot = Some(flag.clone());
            self.running.send_replace(true);
        }
        let metrics = crate::metrics::metrics();
        metrics.harvest_running.set(1);
        tracing::info!(spider_start = true, "spider_start");
        self.audit("spider_start", "ok", serde_json::json!({}));
        let result: Result<String, JobError> = (|| {
            let mut store = Store::open(&self.cfg.sqlite_path())?;
            let report = crate::harvest::run_until(
                &self.cfg,
                &self.registry,
                &mut store,
                false,
                flag.clone(),
            )?;
            super::notify::after_run(&self.cfg.webhook_url, &self.cfg.sqlite_path(), &report);
            if report.published() {
                if let Some(f) = &*self.on_published.lock().expect("lock") {
                    f();
                }
            }
            Ok(format!("run {} {}", report.run_id, report.status))
        })();
        metrics.harvest_running.set(0);
        *self.harvest.lock().expect("lock") = None;
        self.running.send_replace(false);
        tracing::info!(spider_stop = true, result = ?result, "spider_stop");
        self.audit(
            "spider_stop",
            if result.is_ok() { "ok" } else { "failed" },
            serde_json::json!({"result": result.as_ref().map_or_else(|e| e.to_string(), |r| r.clone())}),
        );
        result
    }

    /// Cheap check for change: conditional requests to the catalogue and a
    /// sample of detail pages; true when something changed.
    pub fn probe_blocking(&self) -> Result<bool, JobError> {
        use crate::crawl::{FetchSettings, Fetcher, Outcome, Request};
        let store = Store::open(&self.cfg.sqlite_path())?;
        let validators = store.validators()?;
        let base = url::Url::parse(&self.cfg.source_url)?;
        let fetcher = Fetcher::new(FetchSettings::from_config(&self.cfg));
        fetcher.install_robots(&fetcher.fetch_one(Fetcher::robots_request(&base)))?;
        let mut urls = vec![self.registry.catalogue_url(&base)?.to_string()];
        urls.extend(
            validators
                .keys()
                .filter(|u| url::Url::parse(u).is_ok_and(|u| self.registry.is_detail_url(&u)))
                .take(10)
                .cloned(),
        );
        for u in urls {
            let Ok(url) = url::Url::parse(&u) else {
                continue;
            };
            let fetched = fetcher.fetch_one(Request {
                validators: validators.get(&u).cloned(),
                url,
            });
            match fetched.outcome {
                Outcome::NotModified => {}
                Outcome::Response(r) if !validators.contains_key(&u) || r.status == 200 => {
                    // A 200 to a conditional request means the page changed.
                    return Ok(true);
                }
                Outcome::Failed { error, .. } => {
                    return Err(JobError::Probe {
                        url: u,
                        error: error.to_string(),
                    })
                }
                _ => {}
            }
        }
        Ok(false)
    }

    pub(super) fn snapshot_blocking(&self) -> Result<String, JobError> {
        let store = Store::open(&self.cfg.sqlite_path())?;
        let snaps = Snapshots::new(&self.cfg.data_dir);
        let m = match snaps.create(&store) {
            Err(super::snapshot::SnapshotError::NothingPublished) => {
                // The first harvest has not published yet: nothing to keep.
                return Ok("skipped: no published run yet".into());
            }
            other => other?,
        };
        tracing::info!(snapshot = %m.id, "snapshot_created");
        let deleted = snaps.retain(
            self.cfg.snapshot_keep_daily as usize,
            self.cfg.snapshot_keep_weekly as usize,
        )?;
        let remote = match super::snapshot::remote::back_up(&self.cfg, &snaps)? {
            Some(b) => format!(
                "; {} uploaded to {}, {} deleted there",
                b.uploaded.len(),
                b.target,
                b.deleted.len()
            ),
            None => String::new(),
        };
        Ok(format!(
            "snapshot {} ({} old ones deleted{remote})",
            m.id,
            deleted.len()
        ))
    }

    pub(super) fn retention_blocking(&self) -> Result<String, JobError> {
        let store = Store::open(&self.cfg.sqlite_path())?;
        let (e, i, b) = store.prune(self.cfg.retention_events_days)?;
        store.optimize()?;
        let audit =
            LocalStore::for_config(&self.cfg)?.prune_audit(self.cfg.retention_audit_days)?;
        Ok(format!(
            "pruned {e} events, {i} data issues, {b} page bodies, {audit} audit records"
        ))
    }

    /// Loads bundles dropped into `DATA_DIR/inbox/` (offline mirrors).
    pub(super) fn inbox_blocking(&self) -> Result<String, JobError> {
        let inbox = self.cfg.data_dir.join("inbox");
        let Ok(entries) = std::fs::read_dir(&inbox) else {
            return Ok("no inbox".into());
        };
        let snaps = Snapshots::new(&self.cfg.data_dir);
        // No harvest writes while the file is swapped; readers reopen after.
        let _lock = HarvestLock::acquire(&self.cfg.data_dir)?;
        let mut loaded = Vec::new();
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().and_then(|x| x.to_str()) != Some("tar") {
                continue;
            }
            let done = inbox.join("done");
            let _ = std::fs::create_dir_all(&done);
            match snaps.load_bundle(&path, &self.cfg.sqlite_path(), false) {
                Ok((m, _)) => {
                    tracing::info!(bundle = %path.display(), snapshot = %m.id, "snapshot_imported");
                    self.audit(
                        "snapshot_import",
                        "ok",
                        serde_json::json!({"id": m.id, "file": path.display().to_string()}),
                    );
                    if let Some(f) = &*self.on_replaced.lock().expect("lock") {
                        f();
                    }
                    loaded.push(m.id);
                    let _ = std::fs::rename(&path, done.join(e.file_name()));
                }
                Err(err) => {
                    tracing::error!(bundle = %path.display(), error = %err, "snapshot_import_refused");
                    let _ = std::fs::rename(
                        &path,
                        done.join(format!("{}.refused", e.file_name().to_string_lossy())),
                    );
                }
            }
        }
        Ok(format!("{} bundles loaded", loaded.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `retention.audit_days` is applied by the nightly retention job.
    #[test]
    fn retention_prunes_audit_records_older_than_the_setting() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = Config {
            data_dir: dir.path().to_path_buf(),
            retention_audit_days: 30,
            ..Config::defaults()
        };
        let local = LocalStore::for_config(&cfg).unwrap();
        local
            .conn
            .execute_batch(
                "INSERT INTO audit_log (at, event, outcome) VALUES ('2001-01-01T00:00:00.000Z', 'old', 'ok');",
            )
            .unwrap();
        local
            .audit("recent", None, None, "ok", &serde_json::json!({}))
            .unwrap();
        let d = DaemonState::new(cfg, Registry::embedded(), true);
        let said = d.retention_blocking().unwrap();
        assert!(said.ends_with("1 audit records"), "{said}");
        let (left, total) = local.audit_entries(10, 0).unwrap();
        assert_eq!(total, 1);
        assert_eq!(left[0].event, "recent");
    }
}
