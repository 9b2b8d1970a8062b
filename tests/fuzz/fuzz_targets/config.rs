//! The configuration loader: a TOML file's text and environment variables
//! (`NAME=value` lines after a NUL byte) give a configuration or an error
//! that names the problem, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renec_harvester::config::Config;
use renec_harvester::registry::Registry;
use std::collections::HashMap;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (file, env_text) = text.split_once('\0').unwrap_or((&text, ""));
    let env: HashMap<String, String> = env_text
        .lines()
        .filter_map(|l| l.split_once('='))
        // Files named by `*_FILE` variables are read from disk: not here.
        .filter(|(k, _)| !k.ends_with("_FILE"))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = |name: &str| env.get(name).cloned();
    match Config::build(Some((Path::new("fuzz.toml"), file)), &lookup) {
        Ok(cfg) => {
            let _ = cfg.dump();
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    // The same text as a registry of the site's shapes.
    if let Err(e) = Registry::parse(file, "fuzz.toml") {
        assert!(!e.to_string().is_empty());
    }
});
