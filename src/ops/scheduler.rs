//! The scheduler (tokio-cron-scheduler, in the configured time zone): the
//! weekly harvest, the daily freshness probe, the daily snapshot and the
//! nightly retention (an offline mirror's inbox instead of harvest and
//! probe); a schedule missed while the service was down runs once at start,
//! and so does a harvest when the database has nothing published yet or an
//! interrupted run waits.

use super::daemon::{DaemonState, JobError};
use crate::store::local::LocalStore;
use crate::store::Store;
use std::sync::Arc;

type Job = fn(&Arc<DaemonState>) -> Result<String, JobError>;

fn job_harvest(d: &Arc<DaemonState>) -> Result<String, JobError> {
    d.harvest_blocking()
}

fn job_probe(d: &Arc<DaemonState>) -> Result<String, JobError> {
    if d.probe_blocking()? {
        d.harvest_blocking()
            .map(|r| format!("the site changed: {r}"))
    } else {
        Ok("no change".into())
    }
}

fn job_snapshot(d: &Arc<DaemonState>) -> Result<String, JobError> {
    d.snapshot_blocking()
}

fn job_retention(d: &Arc<DaemonState>) -> Result<String, JobError> {
    d.retention_blocking()
}

fn job_inbox(d: &Arc<DaemonState>) -> Result<String, JobError> {
    d.inbox_blocking()
}

/// Runs a job on a blocking thread and records its result.
async fn run_job(d: Arc<DaemonState>, name: &'static str, job: Job) {
    let d2 = d.clone();
    let result = tokio::task::spawn_blocking(move || job(&d2))
        .await
        .unwrap_or_else(|e| Err(JobError::Crashed(e.to_string())));
    let text = match &result {
        Ok(t) => format!("ok: {t}"),
        Err(e) => match super::low_disk_note(&d.cfg.data_dir) {
            Some(note) => format!("error: {e} ({note})"),
            None => format!("error: {e}"),
        },
    };
    match &result {
        Ok(_) => tracing::info!(job = name, result = %text, "job_finished"),
        Err(_) => tracing::error!(job = name, result = %text, "job_failed"),
    }
    d.record(name, text);
}

pub(crate) fn parse_cron(expr: &str) -> Option<croner::Cron> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expr)
        .ok()
}

/// The scheduler and its jobs; dropping it does not stop it (call `shutdown`).
pub struct Scheduler {
    inner: tokio_cron_scheduler::JobScheduler,
}

impl Scheduler {
    pub async fn start(d: Arc<DaemonState>) -> Result<Scheduler, JobError> {
        use tokio_cron_scheduler::{Job as CronJob, JobScheduler};
        let tz: chrono_tz::Tz =
            d.cfg.timezone.parse().map_err(|_| {
                JobError::Scheduler(format!("unknown time zone {}", d.cfg.timezone))
            })?;
        let sched = JobScheduler::new()
            .await
            .map_err(|e| JobError::Scheduler(e.to_string()))?;
        let mut jobs: Vec<(&'static str, String, Job)> = vec![
            ("snapshot", d.cfg.schedule_snapshot.clone(), job_snapshot),
            ("retention", d.cfg.schedule_retention.clone(), job_retention),
        ];
        if d.offline {
            jobs.push(("inbox", d.cfg.schedule_inbox.clone(), job_inbox));
        } else if d.crawls() {
            jobs.push(("harvest", d.cfg.schedule_harvest.clone(), job_harvest));
            jobs.push(("probe", d.cfg.schedule_probe.clone(), job_probe));
        }
        d.audit_configuration();
        let store = Store::open(&d.cfg.sqlite_path())?;
        let local = LocalStore::for_config(&d.cfg)?;
        let mut missed = Vec::new();
        for (name, expr, job) in jobs {
            let dd = d.clone();
            let cron_job = CronJob::new_async_tz(expr.as_str(), tz, move |_, _| {
                let dd = dd.clone();
                Box::pin(async move { run_job(dd, name, job).await })
            })
            .map_err(|e| JobError::Scheduler(format!("schedule of {name} ({expr}): {e}")))?;
            sched
                .add(cron_job)
                .await
                .map_err(|e| JobError::Scheduler(e.to_string()))?;
            let cron = parse_cron(&expr).ok_or_else(|| {
                JobError::Scheduler(format!("schedule of {name} ({expr}) is not valid"))
            })?;
            let now = chrono::Utc::now().with_timezone(&tz);
            let next = cron
                .find_next_occurrence(&now, false)
                .ok()
                .map(|t| t.to_rfc3339());
            d.set_next(name, &expr, next);
            // A schedule missed while the service was down runs once at start.
            // (An older version kept the time in the data database.)
            let key = format!("job_last_run:{name}");
            let last: Option<chrono::DateTime<chrono::Utc>> = local
                .state(&key)
                .ok()
                .flatten()
                .or_else(|| store.state(&key).ok().flatten())
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&chrono::Utc));
            if let (Some(last), Ok(previous)) = (last, cron.find_previous_occurrence(&now, false)) {
                if previous.with_timezone(&chrono::Utc) > last && name != "inbox" {
                    missed.push((name, job));
                }
            }
        }
        // First start with an empty database, or an interrupted run: harvest now.
        let needs_harvest = d.crawls()
            && (store.last_published_run().ok().flatten().is_none()
                || store.unfinished_run().ok().flatten().is_some());
        drop(store);
        if needs_harvest && !missed.iter().any(|(n, _)| *n == "harvest") {
            missed.insert(0, ("harvest", job_harvest as Job));
        }
        sched
            .start()
            .await
            .map_err(|e| JobError::Scheduler(e.to_string()))?;
        for (name, job) in missed {
            tracing::info!(job = name, "job_catch_up");
            tokio::spawn(run_job(d.clone(), name, job));
        }
        Ok(Scheduler { inner: sched })
    }

    pub async fn shutdown(mut self) {
        let _ = self.inner.shutdown().await;
    }
}
