//! The in-memory view answers exactly what the database answers: two
//! servers over the same two-run database, one with the view and one
//! without (`API_MEMORY_VIEW=false`), both without the response cache,
//! must give byte-equal answers to every request of a long list (every
//! detail, lists with every filter, sort and page, `as_of` the older run,
//! retired keys). Then a third run (the first state again) is published under them: the first
//! answers after it are the new run's, never the old view's.

mod common;

use common::requests::{requests, same_answers};
use common::{get, get_json, Api};
use renec_harvester::config::Config;
use renec_harvester::testsite::evolve::evolve;
use renec_harvester::testsite::generate::generate;
use serde_json::Value;
use std::time::Duration;

fn view_run(base: &str) -> Option<i64> {
    let (_, _, body) = get(&format!("{base}/metrics"), &[]);
    String::from_utf8_lossy(&body)
        .lines()
        .find_map(|l| l.strip_prefix("api_view_run "))
        .and_then(|v| v.trim().parse().ok())
}

#[test]
fn the_view_answers_what_the_database_answers() {
    let a = generate(2, 71);
    let (b, _) = evolve(&a);
    // The third state goes back to the first.
    let c = generate(2, 71);
    let site = common::site(a, &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(&site, dir.path());
    assert!(common::harvest(&cfg).unwrap().published());
    site.replace_corpus(b);
    let second = common::harvest(&cfg).unwrap();
    assert!(second.published(), "{:?}", second.reasons);

    let serving = |memory_view: bool| Config {
        cache_mb: 0,
        memory_view,
        ..cfg.clone()
    };
    let mem = Api::start(&serving(true));
    let sql = Api::start(&serving(false));
    // The first request starts the build; wait for it.
    common::wait_until("the view of run 2", Duration::from_secs(30), || {
        get_json(&format!("{}/api/v1/stats", mem.base));
        view_run(&mem.base) == Some(second.run_id)
    });
    let list = requests(&sql.base);
    assert!(list.len() > 300, "{}", list.len());
    same_answers(&mem.base, &sql.base, &list);
    facets_are_sql_counts(&mem.base, &cfg.sqlite_path(), second.run_id);

    // A third run is published under both servers.
    let probe = "/api/v1/ec?sort=-titulo&limit=500";
    let (_, before) = get_json(&format!("{}{probe}", mem.base));
    site.replace_corpus(c);
    let third = common::harvest(&cfg).unwrap();
    assert!(third.published(), "{:?}", third.reasons);
    // Each server notices a publish within a second of it (it keeps the
    // run it looked up for a second): the database's server must have
    // noticed too, or its answer is the one that is old.
    let at_run_3 = |base: &str| {
        let (_, stats) = get_json(&format!("{base}/api/v1/stats"));
        stats["published_run"].as_i64() == Some(third.run_id)
    };
    common::wait_until(
        "run 3 on the database's server",
        Duration::from_secs(10),
        || at_run_3(&sql.base),
    );
    common::wait_until(
        "run 3 on the view's server",
        Duration::from_secs(10),
        || at_run_3(&mem.base),
    );
    // No stale answer: from the moment run 3 is seen, the answers are run 3's
    // (the database's until its view is built, then the view's).
    let (_, after) = get_json(&format!("{}{probe}", mem.base));
    let (_, want) = get_json(&format!("{}{probe}", sql.base));
    assert!(
        after == want,
        "the first answer after run 3 differs from the database's (the same as before run 3: {})",
        after == before
    );
    assert!(before != after, "the third state changes the standards");
    common::wait_until("the view of run 3", Duration::from_secs(30), || {
        get_json(&format!("{}/api/v1/stats", mem.base));
        view_run(&mem.base) == Some(third.run_id)
    });
    same_answers(&mem.base, &sql.base, &requests(&sql.base));
}

/// Facet counts equal counts taken by SQL over the same run, and add up.
fn facets_are_sql_counts(base: &str, db: &std::path::Path, run: i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let alive = |t: &str| format!("{t}.first_seen_run <= {run} AND {t}.last_seen_run >= {run}");
    let sql_counts = |sql: String| -> std::collections::BTreeMap<String, u64> {
        let mut stmt = conn.prepare(&sql).unwrap();
        stmt.query_map([], |r| {
            let v: rusqlite::types::Value = r.get(0)?;
            let key = match v {
                rusqlite::types::Value::Null => "null".to_string(),
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => format!("\"{t}\""),
                other => format!("{other:?}"),
            };
            Ok((key, r.get::<_, i64>(1)? as u64))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    let api_counts = |facet: &Value| -> std::collections::BTreeMap<String, u64> {
        facet
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                let key = match &v["valor"] {
                    Value::Bool(b) => i64::from(*b).to_string(),
                    other => other.to_string(),
                };
                (key, v["total"].as_u64().unwrap())
            })
            .collect()
    };
    let (_, ec) = get_json(&format!(
        "{base}/api/v1/ec?facet=sector,nivel,comite,estado,vigente,tipo&limit=1"
    ));
    let total = ec["total"].as_u64().unwrap();
    let from = format!(
        "FROM estandares e LEFT JOIN comites c ON c.id = e.comite_id AND {} WHERE {}",
        alive("c"),
        alive("e")
    );
    for (facet, column) in [
        ("sector", "e.sector_id"),
        ("nivel", "e.nivel"),
        ("comite", "e.comite_id"),
        ("estado", "c.estado_inegi"),
        ("vigente", "e.vigente"),
        ("tipo", "e.tipo"),
    ] {
        let want = sql_counts(format!("SELECT {column}, count(*) {from} GROUP BY 1"));
        let got = api_counts(&ec["facetas"][facet]);
        assert_eq!(got, want, "facet {facet}");
        assert_eq!(
            got.values().sum::<u64>(),
            total,
            "facet {facet} adds up to the total"
        );
    }
    let (_, certs) = get_json(&format!(
        "{base}/api/v1/certificadores?facet=tipo,estado&limit=1"
    ));
    let want = sql_counts(format!(
        "SELECT x.tipo, count(*) FROM certificadores x WHERE {} GROUP BY 1",
        alive("x")
    ));
    let got = api_counts(&certs["facetas"]["tipo"]);
    assert_eq!(got, want, "certifier types");
    assert_eq!(got.values().sum::<u64>(), certs["total"].as_u64().unwrap());
    let mut want = sql_counts(format!(
        "SELECT s.estado_inegi, count(DISTINCT s.certificador_id) FROM ec_certificador_estado s WHERE {} GROUP BY 1",
        alive("s")
    ));
    let without: u64 = conn
        .query_row(
            &format!("SELECT count(*) FROM certificadores x WHERE {} AND NOT EXISTS (SELECT 1 FROM ec_certificador_estado s WHERE s.certificador_id = x.id AND {})", alive("x"), alive("s")),
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as u64;
    if without > 0 {
        want.insert("null".into(), without);
    }
    assert_eq!(
        api_counts(&certs["facetas"]["estado"]),
        want,
        "certifier states"
    );
}
