//! Diff benchmark: two very different registries of 10,000 standards each
//! (generated with two seeds) are harvested into one database, then the
//! diff between the two runs is computed from the ledger. Writes the `diff`
//! section of BENCHMARKS.md.
//!
//!     cargo run --release --example diff_bench

#[path = "support/bench.rs"]
mod bench_support;

use renec_harvester::config::Config;
use renec_harvester::registry::Registry;
use renec_harvester::store::Store;
use renec_harvester::testsite::{generate::generate, TestSite};
use std::time::Instant;

fn main() {
    let scale = 100;
    let dir = tempfile::tempdir().unwrap();
    let site = TestSite::start(generate(scale, 1), vec![], "127.0.0.1:0".parse().unwrap()).unwrap();
    let cfg = Config {
        data_dir: dir.path().to_path_buf(),
        source_url: site.base_url(),
        download_delay: 0.0,
        autothrottle_enabled: false,
        max_drop: 1.0,
        ..Config::defaults()
    };
    let mut store = Store::open(&cfg.sqlite_path()).unwrap();
    let first =
        renec_harvester::harvest::run(&cfg, &Registry::embedded(), &mut store, false).unwrap();
    site.replace_corpus(generate(scale, 2));
    let second =
        renec_harvester::harvest::run(&cfg, &Registry::embedded(), &mut store, false).unwrap();

    let mut times = Vec::new();
    let mut doc = None;
    for _ in 0..5 {
        let started = Instant::now();
        doc = Some(store.diff_runs(first.run_id, second.run_id).unwrap());
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let doc = doc.expect("five diffs");
    times.sort_by(f64::total_cmp);
    let changes: usize = doc.summary().iter().map(|(_, a, r, c)| a + r + c).sum();
    let started = Instant::now();
    let history = store.history("ec", "EC0001").unwrap().unwrap();
    let history_ms = started.elapsed().as_secs_f64() * 1000.0;
    eprintln!(
        "diff of {changes} changes: median {:.0} ms; history of one standard {history_ms:.1} ms",
        times[2]
    );

    let mut md = format!(
        "## Diff\n\n`cargo run --release --example diff_bench` — two unrelated registries of {} standards (generated with seeds 1 and 2) harvested into one database; the diff of the two runs is computed from the ledger (median of 5), then one standard's history. {}-core machine, {}.\n\n| measure | value |\n|---|---:|\n",
        scale * 100,
        bench_support::cores(),
        bench_support::today()
    );
    md.push_str(&format!(
        "| changes in the diff (added + removed + changed, all kinds) | {changes} |\n"
    ));
    md.push_str(&format!(
        "| diff time (median of 5) | {:.0} ms |\n",
        times[2]
    ));
    md.push_str(&format!(
        "| history of one standard | {history_ms:.1} ms ({} entries) |\n",
        history.len()
    ));
    md.push_str("\nTarget: a diff of two runs with thousands of changes well under a second.\n");
    bench_support::write_section("diff", &md);
}
