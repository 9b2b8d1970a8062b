//! Every benchmark in one command, then the regression guard: each
//! benchmark example runs in turn (each writes its section of
//! BENCHMARKS.md), and every figure is compared with the committed one
//! (`git show HEAD:BENCHMARKS.md`). A figure more than 25% worse is flagged
//! and the command exits 1. Run by hand, never as a gate in CI: machines
//! here are noisy (about ±15% between runs).
//!
//!     cargo run --release --example bench_all                  # every section (about 45 min)
//!     cargo run --release --example bench_all -- api diff      # some
//!     cargo run --release --example bench_all -- --compare     # only compare the file with HEAD
//!
//! `postgres_bench` needs PostgreSQL 15's server binaries and is skipped,
//! saying so, where they are missing; `binary` runs `packaging/build.sh
//! --binary` (the static binary's size; `harvest` builds it too, as its
//! table measures that binary) and `first_run` times the README's
//! two commands on fresh clones (about 15 minutes; both want the machine to
//! themselves).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

/// Where `packaging/build.sh --binary` leaves the static binary.
const STATIC_BINARY: &str = "target/x86_64-unknown-linux-musl/dist/renec-harvester";

/// Every section of BENCHMARKS.md, by the name of its example (`NAME_bench`).
const ALL: [&str; 5] = ["harvest", "api", "diff", "postgres", "snapshot"];
/// The sections written by other commands.
const OTHERS: [&str; 2] = ["first_run", "binary"];
const WORSE_BY: f64 = 0.25;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Better {
    Higher,
    Lower,
}

/// One figure: (section, row, column) → (value in a common unit, as written).
type Figures = BTreeMap<(String, String, String), (f64, String)>;

/// A cell's number in seconds, megabytes or plain, and whether it has a unit.
fn number(cell: &str) -> Option<(f64, &'static str)> {
    let cell = cell.trim().trim_matches('`');
    let end = cell
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(cell.len());
    let value: f64 = cell[..end].replace(',', "").parse().ok()?;
    let unit = cell[end..].trim_start();
    let unit = unit.split_whitespace().next().unwrap_or("");
    Some(match unit {
        "ms" | "ms," => (value / 1000.0, "s"),
        "us" | "µs" => (value / 1e6, "s"),
        "s" => (value, "s"),
        "MB" | "MiB" => (value, "MB"),
        "bytes" => (value / 1e6, "MB"),
        "" => (value, ""),
        _ if unit.starts_with("ms") => (value / 1000.0, "s"),
        _ => (value, "other"),
    })
}

/// Which way is better for a column (None: a description of the data, not a result).
fn direction(header: &str, unit: &str) -> Option<Better> {
    let h = header.to_lowercase();
    if h.contains("req/s") || h.contains("requests/s") {
        return Some(Better::Higher);
    }
    if ["p50", "p95", "p99", "wall", "cpu", "rss", "size", "time"]
        .iter()
        .any(|w| h.contains(w))
    {
        return Some(Better::Lower);
    }
    if h == "value" && (unit == "s" || unit == "MB") {
        return Some(Better::Lower);
    }
    None
}

/// Every result figure of every table in every section.
fn figures(text: &str) -> Figures {
    let mut out = Figures::new();
    let mut section = String::new();
    let mut header: Vec<String> = vec![];
    for line in text.lines() {
        if let Some(name) = line
            .strip_prefix("<!-- ")
            .and_then(|l| l.strip_suffix(" -->"))
        {
            if !name.starts_with('/') {
                section = name.to_string();
            }
            header.clear();
            continue;
        }
        if !line.starts_with('|') {
            header.clear();
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect();
        if cells
            .iter()
            .all(|c| c.starts_with("---") || c.starts_with(":--") || c.ends_with("--:"))
        {
            continue;
        }
        if header.is_empty() {
            header = cells;
            continue;
        }
        // The row's name: its cells that are not figures.
        let name: Vec<&str> = cells
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                number(c).is_none()
                    || direction(
                        header.get(*i).map_or("", String::as_str),
                        number(c).map_or("", |n| n.1),
                    )
                    .is_none()
            })
            .map(|(_, c)| c.as_str())
            .collect();
        let row = name.join(" · ");
        for (i, cell) in cells.iter().enumerate() {
            let mut column = header.get(i).cloned().unwrap_or_default();
            // Two columns of one name (the p99 of each node): keep both.
            if header.iter().filter(|h| **h == column).count() > 1 {
                column = format!("{column} (column {})", i + 1);
            }
            if let Some((v, unit)) = number(cell) {
                if direction(&column, unit).is_some() {
                    out.insert((section.clone(), row.clone(), column), (v, cell.clone()));
                }
            }
        }
    }
    out
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let compare_only = args.iter().any(|a| a == "--compare");
    let chosen: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .cloned()
        .collect();
    let committed = Command::new("git")
        .args(["show", "HEAD:BENCHMARKS.md"])
        .current_dir(&root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .unwrap_or_else(|| std::fs::read_to_string(root.join("BENCHMARKS.md")).unwrap_or_default());
    if !compare_only {
        let names: Vec<&str> = if chosen.is_empty() {
            ALL.iter().chain(&OTHERS).copied().collect()
        } else {
            chosen.iter().map(String::as_str).collect()
        };
        for name in names {
            let status = match name {
                "binary" => Command::new("bash")
                    .args(["packaging/build.sh", "--binary"])
                    .current_dir(&root)
                    .status(),
                "postgres"
                    if !std::path::Path::new("/usr/lib/postgresql/15/bin/initdb").exists() =>
                {
                    eprintln!("== postgres: skipped (no /usr/lib/postgresql/15/bin/initdb; apt-get install postgresql-15)");
                    continue;
                }
                // The harvest table is the packaged binary's, as operators
                // run it: built first (a no-op when it is current).
                "harvest" => {
                    let built = Command::new("bash")
                        .args(["packaging/build.sh", "--binary"])
                        .current_dir(&root)
                        .status();
                    assert!(
                        built.is_ok_and(|s| s.success()),
                        "packaging/build.sh --binary failed"
                    );
                    eprintln!("== harvest: cargo run --release --example harvest_bench -- --binary {STATIC_BINARY}");
                    Command::new(env!("CARGO"))
                        .args([
                            "run",
                            "--release",
                            "--example",
                            "harvest_bench",
                            "--",
                            "--binary",
                            STATIC_BINARY,
                        ])
                        .current_dir(&root)
                        .status()
                }
                _ if ALL.contains(&name) || name == "first_run" => {
                    eprintln!("== {name}: cargo run --release --example {name}_bench");
                    Command::new(env!("CARGO"))
                        .args(["run", "--release", "--example", &format!("{name}_bench")])
                        .current_dir(&root)
                        .status()
                }
                other => {
                    panic!("unknown benchmark {other:?}: harvest, api, diff, postgres, snapshot, first_run or binary")
                }
            };
            let ok = status.is_ok_and(|s| s.success());
            assert!(ok, "the {name} benchmark failed");
        }
    }
    let before = figures(&committed);
    let after = figures(&std::fs::read_to_string(root.join("BENCHMARKS.md")).unwrap());
    let mut worse = vec![];
    let mut compared = 0;
    for (key, (new, new_text)) in &after {
        let Some((old, old_text)) = before.get(key) else {
            continue;
        };
        let unit = number(new_text).map_or("", |n| n.1);
        let Some(better) = direction(&key.2, unit) else {
            continue;
        };
        compared += 1;
        let change = match better {
            Better::Higher if *old > 0.0 => (old - new) / old,
            Better::Lower if *old > 0.0 => (new - old) / old,
            _ => 0.0,
        };
        if change > WORSE_BY {
            worse.push(format!(
                "{} · {} · {}: {old_text} → {new_text} ({:.0}% worse)",
                key.0,
                key.1,
                key.2,
                change * 100.0
            ));
        }
    }
    println!("{compared} figures compared with HEAD's BENCHMARKS.md");
    if worse.is_empty() {
        println!("none is more than {:.0}% worse", WORSE_BY * 100.0);
    } else {
        println!("more than {:.0}% worse:", WORSE_BY * 100.0);
        for w in &worse {
            println!("  {w}");
        }
        std::process::exit(1);
    }
}
