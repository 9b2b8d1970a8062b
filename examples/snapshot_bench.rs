//! Snapshot timings: create, verify, export as a bundle, import on a fresh
//! data directory, restore over the database, with the compression ratio.
//! The database is a harvest of the real corpus (`../shared/renec-corpus`)
//! when it exists, else of generated data at scale 10; and, for the size
//! curve, generated data at scale 100. Writes the "snapshots" section of
//! BENCHMARKS.md.
//!
//!     cargo run --release --example snapshot_bench

#[path = "support/bench.rs"]
mod bench_support;

use renec_harvester::ops::snapshot::Snapshots;
use renec_harvester::store::Store;
use renec_harvester::testsite::{corpus::Corpus, generate::generate, TestSite};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// Harvests `corpus` into `dir` (politeness off).
fn harvest(corpus: Corpus, dir: &Path) {
    let site = TestSite::start(corpus, vec![], "127.0.0.1:0".parse().unwrap()).unwrap();
    bench_support::harvest_into(&site.base_url(), dir);
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let started = Instant::now();
    let out = f();
    (out, started.elapsed().as_secs_f64())
}

/// One row: every operation on one database.
fn measure(name: &str, corpus: Corpus) -> String {
    let dir = tempfile::tempdir().unwrap();
    harvest(corpus, dir.path());
    let db = dir.path().join("renec.sqlite3");
    let snaps = Snapshots::new(dir.path());
    let store = Store::open(&db).unwrap();
    let (m, create) = timed(|| snaps.create(&store).unwrap());
    drop(store);
    let ((), verify) = timed(|| {
        snaps.verify(&m.id).unwrap();
    });
    let bundle = dir.path().join("bundle.tar");
    let ((), export) = timed(|| {
        snaps.export(&m.id, &bundle).unwrap();
    });
    let mirror = tempfile::tempdir().unwrap();
    let ((), import) = timed(|| {
        Snapshots::new(mirror.path())
            .import(&bundle, None, false)
            .unwrap();
    });
    let ((), restore) = timed(|| {
        snaps.restore(&m.id, &db).unwrap();
    });
    let ratio = m.size as f64 / m.compressed_size as f64;
    eprintln!(
        "{name}: {:.1} MB → {:.1} MB; create {create:.2} s, verify {verify:.2} s, export {export:.2} s, import {import:.2} s, restore {restore:.2} s",
        m.size as f64 / 1e6,
        m.compressed_size as f64 / 1e6
    );
    format!(
        "| {name} | {:.1} MB | {:.1} MB | {ratio:.1}× | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms |",
        m.size as f64 / 1e6,
        m.compressed_size as f64 / 1e6,
        create * 1000.0,
        verify * 1000.0,
        export * 1000.0,
        import * 1000.0,
        restore * 1000.0,
    )
}

fn main() {
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/renec-corpus");
    let first = if real.join("getEstandaresAll.json").is_file() {
        (
            "real corpus (1,477 standards)",
            Corpus::load(&real).unwrap(),
        )
    } else {
        ("generated, scale 10", generate(10, 2025))
    };
    let rows = [
        measure(first.0, first.1),
        measure("generated, scale 100", generate(100, 2025)),
    ];
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## Snapshots\n\n`cargo run --release --example snapshot_bench` — on a harvested database, one after another: `snapshot create` (a consistent copy, SHA-256, zstd), `verify` (decompress, hash, SQLite integrity check), `export` (one bundle for an air-gapped mirror), `import` on an empty data directory (verify and place), and `restore` over the database (atomic, the replaced file kept). {}-core machine, {}.\n",
        bench_support::cores(),
        bench_support::today()
    );
    md.push_str("| data | database | snapshot | ratio | create | verify | export | import | restore |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in rows {
        md.push_str(&r);
        md.push('\n');
    }
    bench_support::write_section("snapshots", &md);
}
