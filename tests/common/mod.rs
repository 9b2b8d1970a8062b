//! Helpers shared by the integration tests: a test site on 127.0.0.1 and a
//! configuration pointed at it.

#![allow(dead_code)]

use renec_harvester::config::Config;
use renec_harvester::harvest::{self, HarvestError, Report};
use renec_harvester::registry::Registry;
use renec_harvester::store::Store;
use renec_harvester::testsite::corpus::Corpus;
use renec_harvester::testsite::faults::FaultRule;
use renec_harvester::testsite::TestSite;
use std::path::{Path, PathBuf};

pub fn site(corpus: Corpus, faults: &[&str]) -> TestSite {
    let rules = faults
        .iter()
        .map(|f| FaultRule::parse(f).unwrap())
        .collect();
    TestSite::start(corpus, rules, "127.0.0.1:0".parse().unwrap()).unwrap()
}

/// The configuration a test harvest uses: the test site, no politeness
/// delay (it is on this machine), quick retries.
pub fn config(site: &TestSite, data_dir: &Path) -> Config {
    Config {
        data_dir: data_dir.to_path_buf(),
        source_url: site.base_url(),
        download_delay: 0.0,
        request_timeout: 2.0,
        retry_backoff: 0.05,
        retry_times: 5,
        ..Config::defaults()
    }
}

pub fn harvest(cfg: &Config) -> Result<Report, HarvestError> {
    let mut store = Store::open(&cfg.sqlite_path()).unwrap();
    harvest::run(cfg, &Registry::embedded(), &mut store, false)
}

/// The real capture, when this machine has it.
pub fn real_corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/renec-corpus");
    dir.join("getEstandaresAll.json").is_file().then_some(dir)
}
