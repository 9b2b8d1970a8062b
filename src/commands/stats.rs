//! `stats`: counts of the published data and the last run.

use crate::config::Config;
use crate::store::Store;
use anyhow::{Context, Result};

pub fn stats(cfg: &Config, json: bool) -> Result<()> {
    let path = cfg.sqlite_path();
    let store = Store::open_existing(&path).with_context(|| {
        format!(
            "no database at {} (run `renec-harvester harvest` first, or set RENEC_DATA_DIR)",
            path.display()
        )
    })?;
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
