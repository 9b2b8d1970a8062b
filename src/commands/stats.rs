//! `stats`: counts of the published data and the last run.

use crate::config::Config;
use anyhow::Result;

pub fn stats(cfg: &Config, json: bool) -> Result<()> {
    let store = super::existing_data(cfg)?;
    let counts = store.current_counts()?;
    let last = store.last_run()?;
    let mut value = serde_json::to_value(&counts)?;
    value["last_run"] = serde_json::to_value(&last)?;
    value["published_run"] = serde_json::to_value(store.last_published_run()?)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        for (name, n) in counts.entries() {
            println!("{name:<26} {n}");
        }
        match last {
            Some(r) => println!(
                "last run: {} {} (started {}, finished {})",
                r.id,
                r.status,
                r.started_at,
                r.finished_at.unwrap_or_default()
            ),
            None => println!("no run yet"),
        }
    }
    Ok(())
}
