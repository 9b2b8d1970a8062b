//! `diff`: what changed between two runs, as Markdown or JSON.

use crate::config::Config;
use anyhow::{Context, Result};

pub fn diff(
    cfg: &Config,
    from: Option<i64>,
    to: Option<i64>,
    format: &str,
    ui_url: Option<String>,
) -> Result<()> {
    let store = super::existing_data(cfg)?;
    let published: Vec<i64> = store
        .published_runs()?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    let to = match to {
        Some(t) => t,
        None => *published
            .last()
            .context("no published run yet: nothing to compare")?,
    };
    let from = match from {
        Some(f) => f,
        None => *published
            .iter()
            .rev()
            .find(|r| **r < to)
            .with_context(|| format!("no published run before run {to}: give --from RUN"))?,
    };
    for run in [from, to] {
        store.run(run)?.with_context(|| {
            format!("there is no run {run} (see `renec-harvester stats` or /api/v1/runs)")
        })?;
    }
    let doc = store.diff_runs(from, to)?;
    if format == "json" {
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        let ui = ui_url
            .or_else(|| (!cfg.public_url.is_empty()).then(|| cfg.public_url.clone()))
            .unwrap_or_else(|| format!("http://{}:{}", cfg.api_host, cfg.api_port));
        print!("{}", crate::changes::markdown(&doc, &ui));
    }
    Ok(())
}
