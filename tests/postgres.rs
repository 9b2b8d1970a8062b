//! PostgreSQL, against real throwaway clusters (`common::pg`): the sync
//! equals SQLite row for row and is incremental, survives interruptions,
//! the runbook's statements and roles work, and read nodes (on the primary,
//! on a streaming replica, behind nginx) answer what the SQLite node answers.
//!
//! Ignored by a plain `cargo test` (they start PostgreSQL servers);
//! `.ci/run` installs PostgreSQL 15 and runs them.

mod common;

use common::pg::Cluster;
use common::requests::{requests, same_answers};
use renec_harvester::config::Config;
use renec_harvester::store::ledger::TABLES;
use renec_harvester::store::postgres::pg_table;
use renec_harvester::testsite::evolve::evolve;
use renec_harvester::testsite::generate::generate;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

const WHY: &str = "starts PostgreSQL 15 clusters (/usr/lib/postgresql/15/bin); .ci/run installs PostgreSQL and runs it";

/// Every synced table as text, one line per row in id order, from SQLite
/// as of run `run` (versions still in it have no last run, as in PostgreSQL).
fn sqlite_tables(db: &Path, run: i64) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut out = vec![];
    for t in TABLES {
        let cols = t.versioned_columns();
        let select: Vec<String> = cols
            .iter()
            .map(|c| {
                if c == "last_seen_run" {
                    format!("CASE WHEN last_seen_run >= {run} THEN NULL ELSE last_seen_run END")
                } else {
                    c.clone()
                }
            })
            .collect();
        let sql = format!(
            "SELECT {} FROM {} WHERE first_seen_run <= {run} ORDER BY row_id",
            select.join(", "),
            t.name
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        let n = cols.len();
        let lines: Vec<String> = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| match r.get::<_, rusqlite::types::Value>(i).unwrap() {
                        rusqlite::types::Value::Null => "<null>".to_string(),
                        rusqlite::types::Value::Integer(v) => v.to_string(),
                        rusqlite::types::Value::Text(s) => s,
                        v => format!("{v:?}"),
                    })
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        out.push((pg_table(t.name).to_string(), lines.join("\n")));
    }
    out
}

/// The same text from PostgreSQL (booleans as 0/1, as SQLite keeps them).
fn pg_tables(c: &Cluster, db: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    for t in TABLES {
        let cols: Vec<String> = t
            .versioned_columns()
            .into_iter()
            .map(|col| {
                if col == "vigente" {
                    "coalesce(vigente::int::text, '<null>')".to_string()
                } else {
                    format!("coalesce({col}::text, '<null>')")
                }
            })
            .collect();
        let table = pg_table(t.name);
        let text = c.psql(
            db,
            &format!(
                "SELECT coalesce(string_agg(concat_ws('|', {}), E'\\n' ORDER BY row_id), '') FROM {table}",
                cols.join(", ")
            ),
        );
        out.push((table.to_string(), text));
    }
    out
}

fn assert_same_tables(a: &[(String, String)], b: &[(String, String)]) {
    use sha2::{Digest, Sha256};
    for ((name, x), (_, y)) in a.iter().zip(b) {
        let (nx, ny) = (x.lines().count(), y.lines().count());
        let (hx, hy) = (
            hex::encode(Sha256::digest(x)),
            hex::encode(Sha256::digest(y)),
        );
        assert!(
            nx == ny && hx == hy,
            "{name}: {nx} rows (sha256 {hx}) against {ny} rows (sha256 {hy});\nfirst lines: {:?}\n{:?}",
            x.lines().take(3).collect::<Vec<_>>(),
            y.lines().take(3).collect::<Vec<_>>()
        );
    }
}

fn sync(cfg_dir: &Path, url: &str) -> serde_json::Value {
    let out = common::bin_in(cfg_dir)
        .env("DATABASE_URL", url)
        .args(["sync", "postgres", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sync failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Ledger versions that changed between `from` and `to` in SQLite: first
/// seen after `from`, or alive in `from` and gone by `to`.
fn ledger_changes(db: &Path, from: i64, to: i64) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    TABLES
        .iter()
        .map(|t| -> i64 {
            conn.query_row(
                &format!(
                    "SELECT count(*) FROM {} WHERE (first_seen_run > ?1 AND first_seen_run <= ?2)
                     OR (first_seen_run <= ?1 AND last_seen_run >= ?1 AND last_seen_run < ?2)",
                    t.name
                ),
                [from, to],
                |r| r.get(0),
            )
            .unwrap()
        })
        .sum()
}

fn two_runs(dir: &Path) -> (renec_harvester::testsite::TestSite, Config) {
    let a = generate(2, 71);
    let (b, _) = evolve(&a);
    let site = common::site(a, &[]);
    let cfg = common::config(&site, dir);
    assert!(common::harvest(&cfg).unwrap().published());
    site.replace_corpus(b);
    assert!(common::harvest(&cfg).unwrap().published());
    (site, cfg)
}

#[test]
#[ignore = "starts PostgreSQL 15 clusters (/usr/lib/postgresql/15/bin); .ci/run installs PostgreSQL and runs it"]
fn sync_equals_sqlite_row_for_row_and_then_sends_only_the_changes() {
    let _ = WHY;
    let pg = Cluster::start();
    pg.psql("postgres", "CREATE DATABASE renec");
    let url = pg.url("postgres", "renec");
    let a = generate(2, 71);
    let (b, _) = evolve(&a);
    let site = common::site(a, &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(&site, dir.path());
    let db = cfg.sqlite_path();
    assert!(common::harvest(&cfg).unwrap().published());

    // 1. First sync: row for row.
    let first = sync(dir.path(), &url);
    assert_eq!(first["run"], 1, "{first}");
    assert_eq!(first["full"], true);
    assert_same_tables(&sqlite_tables(&db, 1), &pg_tables(&pg, "renec"));
    assert_eq!(pg.psql("renec", "SELECT count(*) FROM runs"), "1");
    assert!(
        pg.psql("renec", "SELECT count(*) FROM spider_logs")
            .parse::<i64>()
            .unwrap()
            > 10
    );
    assert_eq!(
        pg.psql(
            "renec",
            "SELECT count(*) FROM ec_standards_v2 WHERE vigente AND last_seen_run IS NULL"
        ),
        rusqlite::Connection::open(&db)
            .unwrap()
            .query_row(
                "SELECT count(*) FROM v_current_estandares WHERE vigente = 1",
                [],
                |r| r.get::<_, i64>(0)
            )
            .unwrap()
            .to_string()
    );
    // Twice: nothing more to do, nothing changes.
    let again = sync(dir.path(), &url);
    assert!(again.is_null(), "{again}");

    // 2. A second run: only what changed is sent.
    site.replace_corpus(b);
    assert!(common::harvest(&cfg).unwrap().published());
    let second = sync(dir.path(), &url);
    assert_eq!(
        (second["run"].as_i64(), second["from_run"].as_i64()),
        (Some(2), Some(1)),
        "{second}"
    );
    let touched: i64 = second["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| TABLES.iter().any(|l| pg_table(l.name) == t["table"]))
        .map(|t| t["inserted"].as_i64().unwrap() + t["closed"].as_i64().unwrap())
        .sum();
    let changes = ledger_changes(&db, 1, 2);
    assert_eq!(
        touched, changes,
        "rows written must be the ledger's changes"
    );
    let in_pg: i64 = TABLES
        .iter()
        .map(|t| {
            pg.psql(
                "renec",
                &format!(
                    "SELECT count(*) FROM {} WHERE synced_run = 2",
                    pg_table(t.name)
                ),
            )
            .parse::<i64>()
            .unwrap()
        })
        .sum();
    assert_eq!(in_pg, changes);
    let total: i64 = TABLES
        .iter()
        .map(|t| {
            pg.psql(
                "renec",
                &format!("SELECT count(*) FROM {}", pg_table(t.name)),
            )
            .parse::<i64>()
            .unwrap()
        })
        .sum();
    assert!(changes > 0 && changes * 3 < total, "{changes} of {total}");
    // The diff the product reports is in what was sent.
    let store = renec_harvester::store::Store::open(&db).unwrap();
    let diff = store.diff_runs(1, 2).unwrap();
    let diff_size: i64 = diff
        .summary()
        .iter()
        .map(|(_, a, r, c)| (a + r + c) as i64)
        .sum();
    assert!(
        diff_size > 0 && diff_size <= changes,
        "diff {diff_size}, rows {changes}"
    );
    assert_same_tables(&sqlite_tables(&db, 2), &pg_tables(&pg, "renec"));
    assert!(sync(dir.path(), &url).is_null());
}

/// Waits until the sync process holds a transaction open on the server.
fn wait_for_sync_transaction(pg: &Cluster, child: &mut std::process::Child) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        let n = pg
            .psql_as(
                "postgres",
                "renec",
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'renec-harvester' AND xact_start IS NOT NULL AND query ILIKE '%stage_%'",
            )
            .unwrap_or_default();
        if n.parse::<i64>().unwrap_or(0) > 0 {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

#[test]
#[ignore = "starts PostgreSQL 15 clusters (/usr/lib/postgresql/15/bin); .ci/run installs PostgreSQL and runs it"]
fn a_sync_cut_anywhere_leaves_the_previous_run_and_the_retry_completes_it() {
    let pg = Cluster::start();
    pg.psql("postgres", "CREATE DATABASE renec");
    let url = pg.url("postgres", "renec");
    // A larger corpus, so that the sync's transaction lasts long enough to be cut.
    let a = generate(6, 5);
    let (b, _) = evolve(&a);
    let site = common::site(a, &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(&site, dir.path());
    let db = cfg.sqlite_path();
    assert!(common::harvest(&cfg).unwrap().published());
    sync(dir.path(), &url);
    site.replace_corpus(b);
    assert!(common::harvest(&cfg).unwrap().published());
    let at_run_1 = pg_tables(&pg, "renec");

    // Killed mid-transaction (kill -9): nothing partial is visible.
    let mut cut = false;
    for _ in 0..5 {
        pg.psql(
            "renec",
            "UPDATE sync_state SET run_started_at = 'forces a full resync'",
        );
        let mut child = common::bin_in(dir.path())
            .env("DATABASE_URL", &url)
            .args(["sync", "postgres"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let inside = wait_for_sync_transaction(&pg, &mut child);
        let _ = child.kill();
        let _ = child.wait();
        if inside {
            cut = true;
            break;
        }
        // Finished before it could be cut: start again from run 1's state.
        pg.psql("renec", "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
        sync_to_run_1(&cfg, &url);
    }
    assert!(cut, "the sync was never caught inside its transaction");
    common::wait_until("the killed session to end", Duration::from_secs(10), || {
        pg.psql(
            "renec",
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'renec-harvester'",
        ) == "0"
    });
    assert_eq!(
        pg.psql("renec", "SELECT last_synced_run FROM sync_state"),
        "1"
    );
    assert_same_tables(&at_run_1, &pg_tables(&pg, "renec"));

    // PostgreSQL stopped mid-sync: the sync fails, PostgreSQL stays at run 1,
    // and the retry after the restart completes it.
    let mut stopped = false;
    for _ in 0..5 {
        pg.psql(
            "renec",
            "UPDATE sync_state SET run_started_at = 'forces a full resync'",
        );
        let mut child = common::bin_in(dir.path())
            .env("DATABASE_URL", &url)
            .args(["sync", "postgres"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if !wait_for_sync_transaction(&pg, &mut child) {
            let _ = child.wait();
            pg.psql("renec", "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
            sync_to_run_1(&cfg, &url);
            continue;
        }
        pg.stop_server();
        let out = child.wait_with_output().unwrap();
        assert!(
            !out.status.success(),
            "a sync cut by the server stopping must fail"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("sync to postgres://"), "{err}");
        pg.start_server();
        assert_eq!(
            pg.psql("renec", "SELECT last_synced_run FROM sync_state"),
            "1"
        );
        assert_same_tables(&at_run_1, &pg_tables(&pg, "renec"));
        stopped = true;
        break;
    }
    assert!(stopped, "the sync was never caught inside its transaction");
    let retried = sync(dir.path(), &url);
    assert_eq!(retried["run"], 2, "{retried}");
    assert_same_tables(&sqlite_tables(&db, 2), &pg_tables(&pg, "renec"));
}

/// PostgreSQL back at run 1 only: a SQLite copy of the data directory as it
/// was is not kept, so sync run 1 from a database holding only run 1.
fn sync_to_run_1(cfg: &Config, url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("renec.sqlite3");
    let conn = rusqlite::Connection::open(cfg.sqlite_path()).unwrap();
    conn.execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
    let c = rusqlite::Connection::open(&copy).unwrap();
    c.execute("UPDATE runs SET status = 'held' WHERE id = 2", [])
        .unwrap();
    drop(c);
    sync(dir.path(), url);
    // The real data directory's run 1 is that run: its start time matches,
    // so the next sync from it is incremental.
}

/// A `serve --read-from postgres` node over `url`, with its own (empty)
/// data directory, no response cache, checking PostgreSQL every second.
fn read_node(url: &str) -> (std::process::Child, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = common::bin_in(dir.path());
    cmd.env("DATABASE_URL", url)
        .env("API_CACHE_MB", "0")
        .env("POSTGRES_POLL_SECONDS", "1")
        .args(["serve", "--read-from", "postgres"]);
    let (child, base) = common::serve(cmd);
    (child, base, dir)
}

fn ready(base: &str) -> (u16, serde_json::Value) {
    common::get_json(&format!("{base}/ready"))
}

/// What a SQLite node and a read node must both answer: the long list of
/// the in-memory view's test, and the history, diff, feed and search reads.
fn all_requests(base: &str) -> Vec<String> {
    let mut list = requests(base);
    let claves = common::requests::ids(base, "/api/v1/ec", "clave");
    for c in claves.iter().step_by(5) {
        list.push(format!("/api/v1/ec/{c}/history"));
    }
    for c in common::requests::ids(base, "/api/v1/certificadores", "id")
        .iter()
        .step_by(9)
    {
        list.push(format!("/api/v1/certificadores/{c}/history"));
    }
    for path in [
        "/api/v1/runs",
        "/api/v1/runs/1",
        "/api/v1/runs/2",
        "/api/v1/runs/2/diff",
        "/api/v1/runs/2/diff?format=md",
        "/api/v1/runs/2/diff?against=1&format=csv",
        "/api/v1/changes.json",
        "/api/v1/changes.atom",
        "/api/v1/search?q=tecnico",
        "/api/v1/search?q=tecnicco&facet=tipo",
        "/api/v1/search?q=administracion%20de%20recursos",
        "/api/v1/search?q=EC01",
        "/api/v1/search?q=jalisco&tipo=certificador",
        "/api/v1/export/ec.csv?vigente=true",
        "/api/v1/export/certificadores.ndjson",
        "/api/v1/ec?format=csv&sort=-titulo",
        "/api/v1/estados?as_of=1",
    ] {
        list.push(path.to_string());
    }
    list
}

#[test]
#[ignore = "starts PostgreSQL 15 clusters (/usr/lib/postgresql/15/bin); .ci/run installs PostgreSQL and runs it"]
fn a_read_node_answers_what_the_sqlite_node_answers_and_outlives_the_database() {
    let pg = Cluster::start();
    pg.psql("postgres", "CREATE DATABASE renec");
    let url = pg.url("postgres", "renec");
    let dir = tempfile::tempdir().unwrap();
    let (site, cfg) = two_runs(dir.path());
    sync(dir.path(), &url);
    let sqlite = common::Api::start(&Config {
        cache_mb: 0,
        ..cfg.clone()
    });
    let (node, base, _node_dir) = read_node(&url);
    let (status, r) = ready(&base);
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["postgres"]["serving_run"], 2, "{r}");
    let list = all_requests(&sqlite.base);
    assert!(list.len() > 400, "{}", list.len());
    same_answers(&base, &sqlite.base, &list);

    // A third run, synced: the node switches to it whole within seconds.
    site.replace_corpus(generate(2, 71));
    assert!(common::harvest(&cfg).unwrap().published());
    sync(dir.path(), &url);
    common::wait_until(
        "the read node to serve run 3",
        Duration::from_secs(20),
        || common::get_json(&format!("{base}/api/v1/stats")).1["published_run"] == 3,
    );
    same_answers(&base, &sqlite.base, &all_requests(&sqlite.base));

    // PostgreSQL goes away: the node answers from run 3, and says it is not ready.
    pg.stop_server();
    common::wait_until("the read node to notice", Duration::from_secs(20), || {
        ready(&base).0 == 503
    });
    let (_, r) = ready(&base);
    assert!(
        r["reason"]
            .as_str()
            .unwrap()
            .contains("PostgreSQL does not answer"),
        "{r}"
    );
    let (status, stats) = common::get_json(&format!("{base}/api/v1/stats"));
    assert_eq!((status, stats["published_run"].as_i64()), (200, Some(3)));
    same_answers(&base, &sqlite.base, &requests(&sqlite.base)[..200]);
    // …and recovers when it returns.
    pg.start_server();
    common::wait_until(
        "the read node to be ready again",
        Duration::from_secs(30),
        || ready(&base).0 == 200,
    );
    common::stop(node);
}

#[test]
#[ignore = "starts PostgreSQL 15 clusters (/usr/lib/postgresql/15/bin); .ci/run installs PostgreSQL and runs it"]
fn the_service_syncs_as_api_user_and_the_runbooks_work_as_written() {
    let pg = Cluster::start();
    let roles = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/postgres/roles.sql");
    let out = std::process::Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p"])
        .arg(pg.port.to_string())
        .args(["-U", "postgres", "-d", "postgres", "-f"])
        .arg(&roles)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let api_url = pg.url("api_user", "renec");

    // The harvester's service: its first harvest is synced as api_user.
    let site = common::site(generate(2, 71), &[]);
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = common::bin_in(dir.path());
    cmd.env("RENEC_SOURCE_URL", site.base_url())
        .env("DOWNLOAD_DELAY", "0")
        .env("AUTOTHROTTLE_ENABLED", "false")
        .env("CONCURRENT_REQUESTS", "4")
        .env("DATABASE_URL", &api_url)
        .env("API_LOG_LEVEL", "info")
        .env("API_PORT", "0")
        .arg("serve");
    let log = dir.path().join("serve.log");
    cmd.stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap());
    let mut service = cmd.spawn().unwrap();
    let base = {
        use std::io::BufRead;
        let line = std::io::BufReader::new(service.stdout.take().unwrap())
            .lines()
            .next()
            .unwrap()
            .unwrap();
        line.strip_prefix("serving ")
            .unwrap()
            .trim_end_matches('/')
            .to_string()
    };
    let started = std::time::Instant::now();
    loop {
        let (_, s) = common::get_json(&format!("{base}/api/v1/stats"));
        if s["postgres"]["last_synced_run"] == 1 && s["postgres"]["lag_runs"] == 0 {
            break;
        }
        if started.elapsed() > Duration::from_secs(300) {
            let (_, runs) = common::get_json(&format!("{base}/api/v1/runs"));
            let (_, jobs) = common::get_json(&format!("{base}/api/v1/scheduler"));
            let activity = pg.psql(
                "renec",
                "SELECT string_agg(concat_ws(' ', state, wait_event_type, wait_event, left(query, 100)), E'\\n') FROM pg_stat_activity WHERE datname = 'renec'",
            );
            let log: String = std::fs::read_to_string(&log)
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.contains("\"http_request\""))
                .map(|l| format!("{l}\n"))
                .collect();
            panic!("the first harvest was not synced in 300 s:\nstats {s}\nruns {runs}\njobs {jobs}\nactivity:\n{activity}\nlog:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let (_, _, metrics) = common::get(&format!("{base}/metrics"), &[]);
    let metrics = String::from_utf8_lossy(&metrics);
    for line in [
        "renec_postgres_last_synced_run 1",
        "renec_postgres_sync_lag_runs 0",
        "db_connection_pool_size{pool=\"postgres\"} 8",
        "db_connection_pool_size{pool=\"sqlite\"}",
    ] {
        assert!(metrics.contains(line), "{line} missing from /metrics");
    }
    common::stop(service);
    let db = dir.path().join("renec.sqlite3");
    assert_same_tables(&sqlite_tables(&db, 1), &pg_tables(&pg, "renec"));

    // The maintenance and retention statements, as the guide writes them.
    for sql in [
        "VACUUM ANALYZE ec_standards_v2; VACUUM ANALYZE certificadores_v2; VACUUM ANALYZE centros;",
        "DELETE FROM spider_logs WHERE created_at < NOW() - INTERVAL '1 year'",
        "DELETE FROM api_logs WHERE created_at < NOW() - INTERVAL '90 days'",
    ] {
        // As an operator runs them: `psql $DATABASE_URL` reading them.
        let mut child = std::process::Command::new("psql")
            .arg(&api_url)
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(sql.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        pg.psql("renec", "SELECT count(*) FROM api_logs")
            .parse::<i64>()
            .unwrap()
            > 0
    );
    assert!(
        pg.psql("renec", "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'created_at'")
            .parse::<i64>()
            .unwrap()
            >= 18
    );

    // Backup with pg_dump, restore with psql into a fresh database: identical.
    let dump = tempfile::NamedTempFile::new().unwrap();
    let out = std::process::Command::new("pg_dump")
        .arg(&api_url)
        .stdout(std::fs::File::create(dump.path()).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    pg.psql("postgres", "CREATE DATABASE restored OWNER api_user");
    let out = std::process::Command::new("psql")
        .arg(pg.url("api_user", "restored"))
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
        .stdin(std::fs::File::open(dump.path()).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_same_tables(&pg_tables(&pg, "renec"), &pg_tables(&pg, "restored"));

    // readonly_user reads (a read node works with it) and cannot write.
    let ro_url = pg.url("readonly_user", "renec");
    assert!(pg
        .psql_as("readonly_user", "renec", "DELETE FROM runs")
        .unwrap_err()
        .contains("permission denied"));
    let (node, node_base, _node_dir) = read_node(&ro_url);
    assert_eq!(ready(&node_base).0, 200);
    let sqlite = common::Api::start(&Config {
        cache_mb: 0,
        ..Config {
            data_dir: dir.path().to_path_buf(),
            ..Config::defaults()
        }
    });
    same_answers(&node_base, &sqlite.base, &requests(&sqlite.base)[..150]);
    common::stop(node);
    // A read node never writes: the sync as readonly_user is refused.
    let out = common::bin_in(dir.path())
        .env("DATABASE_URL", &ro_url)
        .args(["sync", "postgres"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// Debian's nginx on 127.0.0.1 in front of `upstreams`, round robin.
struct Nginx {
    child: std::process::Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(upstreams: &[&str]) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        let port = common::pg::free_port();
        let p = dir.path().display();
        let servers: String = upstreams
            .iter()
            .map(|u| format!("server {};\n", u.trim_start_matches("http://")))
            .collect();
        let conf = format!(
            "daemon off;\nworker_processes 1;\npid {p}/nginx.pid;\nerror_log {p}/error.log;\nevents {{}}\n\
             http {{\n access_log off;\n client_body_temp_path {p}/body;\n proxy_temp_path {p}/proxy;\n\
             fastcgi_temp_path {p}/fastcgi;\n uwsgi_temp_path {p}/uwsgi;\n scgi_temp_path {p}/scgi;\n\
             upstream nodes {{\n{servers}}}\n server {{\n  listen 127.0.0.1:{port};\n\
             location / {{ proxy_pass http://nodes; proxy_set_header Host $host; }}\n }}\n}}\n"
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        let child = std::process::Command::new("nginx")
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .arg("-p")
            .arg(dir.path())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx (apt-get install nginx)");
        let base = format!("http://127.0.0.1:{port}");
        common::wait_until("nginx to listen", Duration::from_secs(10), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        Nginx {
            child,
            base,
            _dir: dir,
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // TERM, not KILL: the master takes its worker with it.
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn serving(base: &str) -> Option<i64> {
    common::get_json(&format!("{base}/api/v1/stats")).1["published_run"].as_i64()
}

#[test]
#[ignore = "starts PostgreSQL 15 clusters (/usr/lib/postgresql/15/bin) and nginx; .ci/run installs both and runs it"]
fn read_nodes_on_a_replica_and_behind_nginx_answer_as_the_sqlite_node() {
    let primary = Cluster::start();
    primary.psql("postgres", "CREATE DATABASE renec");
    let dir = tempfile::tempdir().unwrap();
    let (site, cfg) = two_runs(dir.path());
    sync(dir.path(), &primary.url("postgres", "renec"));
    let replica = primary.replica();
    common::wait_until("the replica to have run 2", Duration::from_secs(30), || {
        replica
            .psql_as(
                "postgres",
                "renec",
                "SELECT last_synced_run FROM sync_state",
            )
            .is_ok_and(|r| r == "2")
    });
    let (on_primary, a, _da) = read_node(&primary.url("postgres", "renec"));
    let (on_replica, b, _db) = read_node(&replica.url("postgres", "renec"));
    let lb = Nginx::start(&[&a, &b]);
    let sqlite = common::Api::start(&Config {
        cache_mb: 0,
        ..cfg.clone()
    });
    assert_eq!((serving(&a), serving(&b)), (Some(2), Some(2)));
    let list = all_requests(&sqlite.base);
    same_answers(&lb.base, &sqlite.base, &list);

    // A new run synced on the primary reaches the node on the replica.
    site.replace_corpus(generate(2, 71));
    assert!(common::harvest(&cfg).unwrap().published());
    sync(dir.path(), &primary.url("postgres", "renec"));
    common::wait_until("both nodes to serve run 3", Duration::from_secs(30), || {
        serving(&a) == Some(3) && serving(&b) == Some(3)
    });
    same_answers(&lb.base, &sqlite.base, &all_requests(&sqlite.base));
    common::stop(on_primary);
    common::stop(on_replica);
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a server certificate for 127.0.0.1 signed by it (and a second,
/// unrelated CA), in `dir`.
fn certificates(dir: &Path) {
    for ca in ["ca", "other"] {
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                &format!("/CN=renec test {ca}"),
                "-keyout",
                &format!("{ca}.key"),
                "-out",
                &format!("{ca}.pem"),
            ],
        );
    }
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    );
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.pem",
        ],
    );
    if common::pg::as_root() {
        let out = std::process::Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir)
            .output()
            .unwrap();
        assert!(out.status.success());
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
}

#[test]
#[ignore = "starts PostgreSQL 15 clusters (/usr/lib/postgresql/15/bin); .ci/run installs PostgreSQL and runs it"]
fn sslmode_is_honoured_as_libpq_honours_it() {
    let certs = common::pg::owned_tempdir();
    certificates(certs.path());
    let c = certs.path().display();
    let pg = Cluster::start_with(&format!(
        "-c ssl=on -c ssl_cert_file={c}/server.pem -c ssl_key_file={c}/server.key"
    ));
    // TLS or nothing.
    std::fs::write(
        pg.dir.join("pg_hba.conf"),
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
    )
    .unwrap();
    pg.stop_server();
    pg.start_server();
    pg.psql("postgres", "CREATE DATABASE renec");
    let site = common::site(generate(1, 3), &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(&site, dir.path());
    assert!(common::harvest(&cfg).unwrap().published());
    let base = format!("postgres://postgres@127.0.0.1:{}/renec", pg.port);
    let attempt = |query: &str| {
        common::bin_in(dir.path())
            .env("DATABASE_URL", format!("{base}?{query}"))
            .env("DATABASE_POOL_TIMEOUT", "5")
            .args(["sync", "postgres"])
            .output()
            .unwrap()
    };
    let ok = |query: &str| {
        let out = attempt(query);
        assert!(
            out.status.success(),
            "{query}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let refused = |query: &str, says: &str| {
        let out = attempt(query);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            !out.status.success() && err.contains(says),
            "{query}: {err}"
        );
    };
    ok(&format!("sslmode=verify-full&sslrootcert={c}/ca.pem"));
    ok(&format!("sslmode=verify-ca&sslrootcert={c}/ca.pem"));
    ok("sslmode=require");
    ok("sslmode=prefer");
    refused(
        &format!("sslmode=verify-full&sslrootcert={c}/other.pem"),
        "certificate",
    );
    // The built-in Mozilla roots do not know a private CA.
    refused("sslmode=verify-full", "certificate");
    refused("sslmode=disable", "no encryption");
    assert_eq!(
        pg.psql("renec", "SELECT last_synced_run FROM sync_state"),
        "1"
    );
}
