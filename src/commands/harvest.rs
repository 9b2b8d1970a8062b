//! `harvest`: one run, its report on the terminal or as JSON, the webhook.

use crate::config::Config;
use crate::harvest::{self, Report};
use crate::registry::Registry;
use crate::store::Store;
use anyhow::Result;
use std::process::ExitCode;

pub fn print_report(report: &Report) {
    let s = &report.summary;
    println!("run {} {}", report.run_id, report.status.to_uppercase());
    for reason in &report.reasons {
        println!("  held because: {reason}");
    }
    println!(
        "requests: {} ({} retries, {} not modified, {} from checkpoint, {} failed pages) in {:.1} s",
        s.requests,
        s.retries,
        s.not_modified,
        s.from_checkpoint,
        s.failed_pages,
        s.duration_ms as f64 / 1000.0
    );
    let statuses: Vec<String> = s
        .by_status
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    println!("by status: {}", statuses.join(", "));
    println!("coverage:");
    for (source, c) in &report.coverage {
        println!(
            "  {source:<16} {:>7.2}%  ({} of {})",
            c.ratio() * 100.0,
            c.covered,
            c.expected
        );
    }
    println!("items:");
    for (name, n) in report.counts.entries() {
        println!("  {name:<26} {n}");
    }
    if !report.issues.is_empty() {
        println!("data issues (kept and reported):");
        for (problem, n) in &report.issues {
            println!("  {n:>5}  {problem}");
        }
    }
}

pub fn run_harvest(cfg: &Config, progress: bool, json: bool) -> Result<ExitCode> {
    let registry = Registry::load(cfg.registry_file.as_deref())?;
    let _lock = crate::ops::lock::HarvestLock::acquire(&cfg.data_dir)?;
    let mut store = Store::open(&cfg.sqlite_path())?;
    let report = harvest::run(cfg, &registry, &mut store, progress)?;
    let webhook = crate::ops::notify::after_run(&cfg.webhook_url, &cfg.sqlite_path(), &report);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    if let Some(handle) = webhook {
        // The run is recorded; give the message a moment to go out.
        let _ = handle.join();
    }
    Ok(if report.published() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
