//! Change over time: the test site is switched to a second state of the
//! registry and harvested again; the diff (JSON and Markdown, from the CLI
//! and the API) must equal the change set the test site reports; history,
//! `as_of`, retired standards and the feeds are checked on the same data.

mod common;

use common::{get, get_json, Api};
use renec_harvester::testsite::evolve::{change_set, evolve};
use renec_harvester::testsite::generate::generate;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

fn keys(list: &Value, key: &str) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| match &e[key] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

fn strings(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from))
        .collect()
}

fn pairs(list: &Value, a: &str, b: &str) -> BTreeSet<(String, String)> {
    let s = |v: &Value| v.as_str().map_or_else(|| v.to_string(), String::from);
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| (s(&e[a]), s(&e[b])))
        .collect()
}

fn expected_pairs(list: &Value) -> BTreeSet<(String, String)> {
    let s = |v: &Value| v.as_str().map_or_else(|| v.to_string(), String::from);
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| (s(&p[0]), s(&p[1])))
        .collect()
}

/// `changed` entries restricted to the fields the oracle models.
fn changed(list: &Value, key: &str, fields: &[&str]) -> BTreeMap<String, Value> {
    list.as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            let kept: serde_json::Map<String, Value> = e["fields"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(f, _)| fields.contains(&f.as_str()))
                .map(|(f, v)| (f.clone(), v.clone()))
                .collect();
            let k = e[key]
                .as_str()
                .map_or_else(|| e[key].to_string(), String::from);
            (!kept.is_empty()).then_some((k, Value::Object(kept)))
        })
        .collect()
}

fn check_against_oracle(diff: &Value, expected: &Value) {
    assert_eq!(
        keys(&diff["ec"]["added"], "clave"),
        strings(&expected["ec"]["added"]),
        "ec added"
    );
    assert_eq!(
        keys(&diff["ec"]["removed"], "clave"),
        strings(&expected["ec"]["removed"]),
        "ec removed"
    );
    let want: BTreeMap<String, Value> =
        serde_json::from_value(expected["ec"]["changed"].clone()).unwrap();
    assert_eq!(
        changed(&diff["ec"]["changed"], "clave", &["titulo", "vigente"]),
        want,
        "ec changed"
    );
    assert_eq!(
        keys(&diff["certificadores"]["added"], "id"),
        strings(&expected["certificadores"]["added"]),
        "certifiers added"
    );
    assert_eq!(
        keys(&diff["certificadores"]["removed"], "id"),
        strings(&expected["certificadores"]["removed"]),
        "certifiers removed"
    );
    let want: BTreeMap<String, Value> =
        serde_json::from_value(expected["certificadores"]["changed"].clone()).unwrap();
    assert!(!want.is_empty(), "the second state respells certifiers");
    assert_eq!(
        changed(
            &diff["certificadores"]["changed"],
            "id",
            &["nombre", "tipo"]
        ),
        want,
        "certifiers changed"
    );
    assert_eq!(
        keys(&diff["comites"]["added"], "id"),
        strings(&expected["comites"]["added"]),
        "committees added"
    );
    assert_eq!(
        keys(&diff["comites"]["removed"], "id"),
        strings(&expected["comites"]["removed"]),
        "committees removed"
    );
    let want: BTreeMap<String, Value> =
        serde_json::from_value(expected["comites"]["changed"].clone()).unwrap();
    assert_eq!(
        changed(&diff["comites"]["changed"], "id", &["nombre"]),
        want,
        "committees changed"
    );
    assert_eq!(
        pairs(&diff["ec_certificador"]["added"], "ec", "certificador_id"),
        expected_pairs(&expected["ec_certificador"]["added"])
    );
    assert_eq!(
        pairs(&diff["ec_certificador"]["removed"], "ec", "certificador_id"),
        expected_pairs(&expected["ec_certificador"]["removed"])
    );
    assert_eq!(
        pairs(&diff["comite_ec"]["added"], "comite_id", "ec"),
        expected_pairs(&expected["comite_ec"]["added"])
    );
    assert_eq!(
        pairs(&diff["comite_ec"]["removed"], "comite_id", "ec"),
        expected_pairs(&expected["comite_ec"]["removed"])
    );
    for side in ["added", "removed"] {
        let want = expected_pairs(&expected["certificador_estado"][side]);
        assert!(
            !want.is_empty(),
            "the second state moves certifiers ({side})"
        );
        assert_eq!(
            pairs(
                &diff["certificador_estado"][side],
                "certificador_id",
                "estado"
            ),
            want,
            "certifier states {side}"
        );
    }
    assert!(
        want_tipo_change(expected),
        "the second state changes a certifier's type"
    );
}

fn want_tipo_change(expected: &Value) -> bool {
    expected["certificadores"]["changed"]
        .as_object()
        .unwrap()
        .values()
        .any(|c| c.get("tipo").is_some())
}

#[test]
fn two_states_of_the_registry_diff_history_as_of_and_feeds() {
    let a = generate(2, 61);
    let (b, ev) = evolve(&a);
    let (model_a, model_b) = (a.model(), b.model());
    let expected = change_set(&model_a, &model_b);
    let site = common::site(a, &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(&site, dir.path());
    let first = common::harvest(&cfg).unwrap();
    assert!(first.published());
    site.replace_corpus(b);
    let second = common::harvest(&cfg).unwrap();
    assert!(second.published(), "{:?}", second.reasons);

    // The diff, from the CLI, in JSON.
    let cli = |format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_renec-harvester"))
            .args(["diff", "--format", format, "--ui-url", "http://ui.example"])
            .env("RENEC_DATA_DIR", dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("RENEC_CONFIG")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let doc: Value = serde_json::from_str(&cli("json")).unwrap();
    assert_eq!(
        (doc["from_run"].as_i64(), doc["to_run"].as_i64()),
        (Some(first.run_id), Some(second.run_id))
    );
    check_against_oracle(&doc, &expected);
    // A respelled certifier keeps its links: none of its pairs is removed and added again.
    let added = pairs(&doc["ec_certificador"]["added"], "ec", "certificador_id");
    let removed = pairs(&doc["ec_certificador"]["removed"], "ec", "certificador_id");
    assert!(added.is_disjoint(&removed));
    // Links carry both ends' names.
    assert!(doc["ec_certificador"]["removed"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["certificador"].is_string()));

    // The same from the API, and in Markdown.
    let api = Api::start(&cfg);
    let (status, via_api) = get_json(&format!("{}/api/v1/runs/{}/diff", api.base, second.run_id));
    assert_eq!(status, 200);
    assert_eq!(via_api, doc);
    let md = cli("md");
    let n = |kind: &str, f: &str| doc[kind][f].as_array().unwrap().len();
    assert!(md.starts_with(&format!(
        "# Cambios en el RENEC: corrida {} → corrida {}",
        first.run_id, second.run_id
    )));
    assert!(
        md.contains(&format!(
            "| Estándares | {} | {} | {} |",
            n("ec", "added"),
            n("ec", "removed"),
            n("ec", "changed")
        )),
        "{md}"
    );
    assert!(md.contains(&format!(
        "| Estándar–certificador | {} | {} | — |",
        n("ec_certificador", "added"),
        n("ec_certificador", "removed")
    )));
    for code in strings(&expected["ec"]["added"])
        .iter()
        .chain(&strings(&expected["ec"]["removed"]))
    {
        assert!(
            md.contains(&format!("[{code}](http://ui.example/ec/{code})")),
            "{code} missing from the report"
        );
    }
    let (_, _, md_api) = get(
        &format!("{}/api/v1/runs/{}/diff?format=md", api.base, second.run_id),
        &[],
    );
    assert!(String::from_utf8(md_api)
        .unwrap()
        .contains("## Estándares: altas"));

    // History of a retired standard: added in run 1, in force → not in force in run 2, its accreditations removed.
    let retired = &ev.retired[0];
    let (_, h) = get_json(&format!("{}/api/v1/ec/{retired}/history", api.base));
    let entries = h["history"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{h}");
    assert_eq!(entries[0]["run"], first.run_id);
    assert!(entries[0]["change"]["added"].is_object());
    assert_eq!(
        entries[1]["change"]["changed"]["fields"]["vigente"],
        json!({"before": true, "after": false})
    );
    assert!(!entries[1]["change"]["ec_certificador"]["removed"]
        .as_array()
        .unwrap_or_else(|| panic!("{h}"))
        .is_empty());
    let (_, now) = get_json(&format!("{}/api/v1/ec/{retired}", api.base));
    assert_eq!(now["vigente"], false);
    assert_eq!(now["tipo"], "inactivo");
    // It keeps what run 1 knew (the listing publishes no level, sector or
    // committee), says from which run, and the change reads as leaving force.
    let (_, before) = get_json(&format!(
        "{}/api/v1/ec/{retired}?as_of={}",
        api.base, first.run_id
    ));
    for field in ["nivel", "sector_id", "comite_id"] {
        assert!(!before[field].is_null(), "{field} known in run 1: {before}");
        assert_eq!(now[field], before[field], "{field} kept");
    }
    assert_eq!(now["conservado_de_run"], first.run_id);
    assert!(before["conservado_de_run"].is_null());
    let fields = entries[1]["change"]["changed"]["fields"]
        .as_object()
        .unwrap();
    for field in ["nivel", "sector_id", "comite_id"] {
        assert!(
            !fields.contains_key(field),
            "{field} did not turn null: {fields:?}"
        );
    }

    // A revoked accreditation: there as of run 1 (by id and by date), gone now.
    let (code, name) = &ev.revoked[0];
    let names = |v: &Value| -> Vec<String> {
        v["certificadores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["nombre"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, then) = get_json(&format!(
        "{}/api/v1/ec/{code}?as_of={}",
        api.base, first.run_id
    ));
    let (_, now) = get_json(&format!("{}/api/v1/ec/{code}", api.base));
    let folded = |s: &str| renec_harvester::normalize::names::org_key(s);
    assert!(
        names(&then).iter().any(|n| folded(n) == folded(name)),
        "{name} not in {:?}",
        names(&then)
    );
    assert!(!names(&now).iter().any(|n| folded(n) == folded(name)));
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let (s, by_date) = get_json(&format!("{}/api/v1/ec/{code}?as_of={today}", api.base));
    assert_eq!(s, 200);
    assert_eq!(
        names(&by_date),
        names(&now),
        "a date means the last run published that day"
    );
    assert_eq!(
        get_json(&format!("{}/api/v1/ec/{code}?as_of=1999-01-01", api.base)).0,
        404
    );
    assert_eq!(
        get_json(&format!("{}/api/v1/ec/{code}?as_of=mañana", api.base)).0,
        400
    );
    let (_, list_then) = get_json(&format!(
        "{}/api/v1/ec?certificador={}&as_of={}&limit=1",
        api.base,
        renec_harvester::normalize::names::stable_id("cert", &folded(name)),
        first.run_id
    ));
    assert!(
        list_then["total"]
            .as_u64()
            .unwrap_or_else(|| panic!("{list_then}"))
            >= 1
    );

    // The certifier and committee lists answer as of run 1 too.
    let cert_ids = |query: &str| -> BTreeSet<String> {
        let (s, v) = get_json(&format!(
            "{}/api/v1/certificadores?ec={code}&limit=500{query}",
            api.base
        ));
        assert_eq!(s, 200, "{v}");
        keys(&v["items"], "id")
    };
    let revoked_id = renec_harvester::normalize::names::stable_id("cert", &folded(name));
    assert!(cert_ids(&format!("&as_of={}", first.run_id)).contains(&revoked_id));
    assert!(!cert_ids("").contains(&revoked_id));
    let comite_ids = |query: &str| -> BTreeSet<i64> {
        let (s, v) = get_json(&format!("{}/api/v1/comites?limit=500{query}", api.base));
        assert_eq!(s, 200, "{v}");
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    };
    let committees = |m: &renec_harvester::testsite::evolve::Model| -> BTreeSet<i64> {
        m.comites.keys().copied().collect()
    };
    assert_ne!(committees(&model_a), committees(&model_b));
    assert_eq!(
        comite_ids(&format!("&as_of={}", first.run_id)),
        committees(&model_a)
    );
    assert_eq!(comite_ids(""), committees(&model_b));

    // A standard gone from every source stays readable as last seen, and in lists on request.
    let gone = &ev.removed[0];
    let (s, last) = get_json(&format!("{}/api/v1/ec/{gone}", api.base));
    assert_eq!(s, 200);
    assert_eq!(last["retirado"], true);
    assert_eq!(last["last_seen_run"], first.run_id);
    let (_, current) = get_json(&format!("{}/api/v1/ec?limit=1", api.base));
    let (_, with_retired) = get_json(&format!("{}/api/v1/ec?limit=1&include_retired=1", api.base));
    assert_eq!(
        with_retired["total"].as_u64().unwrap(),
        current["total"].as_u64().unwrap() + doc["ec"]["removed"].as_array().unwrap().len() as u64
    );

    // Feeds: one entry for the second run, valid Atom, filterable.
    let (s, h, atom) = get(&format!("{}/api/v1/changes.atom", api.base), &[]);
    assert_eq!(s, 200);
    assert!(h["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/atom+xml"));
    // Feeds belong to the published run: cached, with an ETag that revalidates.
    let etag = h["etag"].to_str().unwrap().to_string();
    let (again, _, _) = get(
        &format!("{}/api/v1/changes.atom", api.base),
        &[("If-None-Match", &etag)],
    );
    assert_eq!(again, 304);
    let feed: atom_syndication::Feed = String::from_utf8(atom)
        .unwrap()
        .parse()
        .expect("valid Atom XML");
    assert_eq!(feed.entries().len(), 1);
    assert!(feed.entries()[0]
        .title()
        .as_str()
        .starts_with(&format!("Corrida {}:", second.run_id)));
    let (_, _, json_feed) = get(
        &format!("{}/api/v1/changes.json?entity=comites", api.base),
        &[],
    );
    let feed: Value = serde_json::from_slice(&json_feed).unwrap();
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    let item_diff = &feed["items"][0]["_renec"]["diff"];
    assert!(item_diff["ec"]["added"].as_array().unwrap().is_empty());
    assert_eq!(item_diff["comites"]["added"], doc["comites"]["added"]);
    let (_, _, none) = get(
        &format!("{}/api/v1/changes.json?sector=no-existe", api.base),
        &[],
    );
    let none: Value = serde_json::from_slice(&none).unwrap();
    assert!(none["items"].as_array().unwrap().is_empty());

    // A foreign Host header changes no link that anyone receives: links
    // come from api.public_url (relative without it), never from a request.
    for path in [
        "/api/v1/changes.atom?limit=5",
        "/api/v1/changes.json?limit=5",
        &format!("/api/v1/runs/{}/diff?format=md", second.run_id),
    ] {
        let (_, _, evil) = get(&format!("{}{path}", api.base), &[("Host", "evil.example")]);
        let (_, _, later) = get(&format!("{}{path}", api.base), &[]);
        for body in [evil, later] {
            assert!(
                !String::from_utf8_lossy(&body).contains("evil.example"),
                "{path}"
            );
        }
    }
    let public = Api::start(&renec_harvester::config::Config {
        public_url: "https://renec.example.org".into(),
        ..cfg.clone()
    });
    let (_, _, atom) = get(
        &format!("{}/api/v1/changes.atom", public.base),
        &[("Host", "evil.example")],
    );
    let feed: atom_syndication::Feed = String::from_utf8(atom).unwrap().parse().unwrap();
    assert_eq!(
        feed.entries()[0].links()[0].href(),
        format!("https://renec.example.org/cambios/{}", second.run_id)
    );
    assert_eq!(
        feed.entries()[0].id(),
        format!("https://renec.example.org/api/v1/runs/{}", second.run_id)
    );
}
