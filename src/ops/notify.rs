//! The run webhook: a Slack-compatible JSON message after each run
//! (published or held, headline counts, coverage, additions, removals and
//! changes, the reasons when held), sent on its own thread with retries and
//! backoff so that it never blocks or fails a harvest.

use crate::harvest::Report;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// The message for a run (with its diff against the run before, when there is one).
pub fn message(report: &Report, diff: Option<&crate::store::diff::Diff>) -> Value {
    let status = if report.published() {
        "publicada"
    } else {
        "retenida"
    };
    let c = &report.counts;
    let mut text = format!(
        "RENEC: corrida {} {status}. {} estándares vigentes, {} certificadores, {} comités.",
        report.run_id, c.estandares_vigentes, c.certificadores, c.comites
    );
    if let Some(d) = diff {
        text.push_str(&format!(" Cambios: {}.", crate::changes::headline(d)));
    }
    if !report.reasons.is_empty() {
        text.push_str(&format!(" Motivos: {}", report.reasons.join("; ")));
    }
    let coverage: serde_json::Map<String, Value> = report
        .coverage
        .iter()
        .map(|(k, v)| (k.to_string(), json!((v.ratio() * 10000.0).round() / 100.0)))
        .collect();
    let summary = diff.map(|d| {
        d.summary()
            .into_iter()
            .map(|(k, a, r, ch)| (k, json!({"added": a, "removed": r, "changed": ch})))
            .collect::<serde_json::Map<_, _>>()
    });
    json!({
        "text": text,
        "run": {"id": report.run_id, "status": report.status, "counts": report.counts, "coverage_percent": coverage,
                "reasons": report.reasons, "changes": summary},
    })
}

/// Sends `body` to `url`, retrying three times with backoff; logs the outcome.
pub fn send(url: &str, body: &Value) -> bool {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into();
    let bytes = serde_json::to_vec(body).expect("json");
    for attempt in 0..4u32 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(500 * 2u64.pow(attempt)));
        }
        match agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(&bytes[..])
        {
            Ok(r) if r.status().is_success() => {
                tracing::info!(attempt, "webhook_sent");
                return true;
            }
            Ok(r) => tracing::warn!(attempt, status = r.status().as_u16(), "webhook_refused"),
            Err(e) => tracing::warn!(attempt, error = %e, "webhook_failed"),
        }
    }
    tracing::error!("webhook_gave_up");
    false
}

/// Tells the webhook about a finished run, on its own thread. The handle
/// may be joined (the command line waits a little before exiting).
pub fn after_run(
    webhook: &str,
    db: &Path,
    report: &Report,
) -> Option<std::thread::JoinHandle<bool>> {
    if webhook.is_empty() {
        return None;
    }
    let diff = crate::store::Store::open(db).ok().and_then(|store| {
        let runs = store.published_runs().ok()?;
        let previous = runs
            .iter()
            .map(|(r, _)| *r)
            .filter(|r| *r < report.run_id)
            .max()?;
        store.diff_runs(previous, report.run_id).ok()
    });
    let body = message(report, diff.as_ref());
    let url = webhook.to_string();
    std::thread::Builder::new()
        .name("webhook".into())
        .spawn(move || send(&url, &body))
        .ok()
}
