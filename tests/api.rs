//! The API over a harvested test-site database, on real HTTP (127.0.0.1):
//! every route of the OpenAPI document, filters, pagination totals, 304s,
//! error shapes, CORS, rate limiting, exports and metrics.

mod common;

use common::{get, get_json, Api};
use renec_harvester::config::Config;
use renec_harvester::testsite::generate::generate;
use serde_json::Value;
use std::collections::HashSet;

struct Fixture {
    _site: renec_harvester::testsite::TestSite,
    _dir: tempfile::TempDir,
    cfg: Config,
    api: Api,
}

fn fixture(tune: impl FnOnce(&mut Config)) -> Fixture {
    let site = common::site(generate(2, 41), &[]);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(&site, dir.path());
    tune(&mut cfg);
    assert!(common::harvest(&cfg).unwrap().published());
    let api = Api::start(&cfg);
    Fixture {
        _site: site,
        _dir: dir,
        cfg,
        api,
    }
}

fn url(f: &Fixture, path: &str) -> String {
    format!("{}{path}", f.api.base)
}

/// Walks every page of a list through its `next` links.
fn walk(f: &Fixture, first: &str) -> (u64, Vec<Value>) {
    let (status, page) = get_json(&url(f, first));
    assert_eq!(status, 200, "{first}: {page}");
    let total = page["total"].as_u64().unwrap();
    let mut items: Vec<Value> = page["items"].as_array().unwrap().clone();
    let mut next = page["next"].as_str().map(String::from);
    while let Some(n) = next {
        let (_, page) = get_json(&url(f, &n));
        assert_eq!(page["total"].as_u64(), Some(total));
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        next = page["next"].as_str().map(String::from);
    }
    (total, items)
}

#[test]
fn lists_filters_pagination_and_details() {
    let f = fixture(|_| {});
    let (_, stats) = get_json(&url(&f, "/api/v1/stats"));
    let vigentes = stats["estandares_vigentes"].as_u64().unwrap();
    assert_eq!(vigentes, 200);
    // The test site is not CONOCER's: the answer says so (the UI shows a banner).
    assert_eq!(stats["source"]["oficial"], false, "{stats}");
    assert!(stats["source"]["url"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));

    // Every standard, paged by cursor, each once.
    let (total, items) = walk(&f, "/api/v1/ec?limit=37");
    let all = vigentes
        + stats["estandares_inactivos"].as_u64().unwrap()
        + stats["estandares_marca"].as_u64().unwrap()
        + stats["calificaciones_historicas"].as_u64().unwrap();
    assert_eq!(total, all);
    let codes: HashSet<String> = items
        .iter()
        .map(|i| i["clave"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len() as u64, total);

    // Filters add up.
    let (_, t) = get_json(&url(&f, "/api/v1/ec?vigente=true&limit=1"));
    assert_eq!(t["total"].as_u64(), Some(vigentes));
    let by_level: u64 = (1..=5)
        .map(|n| {
            get_json(&url(&f, &format!("/api/v1/ec?vigente=1&nivel={n}&limit=1"))).1["total"]
                .as_u64()
                .unwrap()
        })
        .sum();
    assert_eq!(by_level, vigentes);
    let (_, sectors) = walk(&f, "/api/v1/sectores");
    let by_sector: u64 = sectors
        .iter()
        .map(|s| s["n_estandares"].as_u64().unwrap())
        .sum();
    let (_, no_sector) = get_json(&url(&f, "/api/v1/ec?tipo=vigente&limit=500"));
    let without: u64 = no_sector["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["sector_id"].is_null())
        .count() as u64;
    assert_eq!(by_sector + without, vigentes);
    let (_, marca) = get_json(&url(&f, "/api/v1/ec?tipo=marca&limit=1"));
    assert_eq!(marca["total"], stats["estandares_marca"]);

    // Sorting.
    let (_, by_certs) = get_json(&url(&f, "/api/v1/ec?sort=-certificadores&limit=5"));
    let counts: Vec<u64> = by_certs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["n_certificadores"].as_u64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");

    // A certifier: its standards list agrees with its count and with the ec filter.
    let (_, certs) = get_json(&url(&f, "/api/v1/certificadores?sort=-estandares&limit=1"));
    let cert = &certs["items"][0];
    let id = cert["id"].as_str().unwrap();
    let (n, list) = walk(
        &f,
        &format!("/api/v1/certificadores/{id}/estandares?limit=7"),
    );
    assert_eq!(n, cert["n_estandares"].as_u64().unwrap());
    let (_, via_filter) = get_json(&url(&f, &format!("/api/v1/ec?certificador={id}&limit=1")));
    assert_eq!(via_filter["total"].as_u64(), Some(n));
    // …and the standard links back to the certifier.
    let clave = list[0]["clave"].as_str().unwrap();
    let (status, detail) = get_json(&url(&f, &format!("/api/v1/ec/{clave}")));
    assert_eq!(status, 200);
    assert!(detail["certificadores"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == id));
    assert!(detail["first_seen_run"].as_i64().unwrap() >= 1);

    // Untrimmed codes are found with or without their white space.
    assert_eq!(get_json(&url(&f, "/api/v1/ec/EC0007")).0, 200);
    assert_eq!(get_json(&url(&f, "/api/v1/ec/EC0007%20")).0, 200);
    // …and in any case, as typed in a shared link.
    let (status, lower) = get_json(&url(&f, "/api/v1/ec/ec0007"));
    assert_eq!((status, lower["clave"].as_str()), (200, Some("EC0007")));

    // Standards by the state of their committee, and by committee.
    let (_, in_cdmx) = get_json(&url(&f, "/api/v1/ec?estado=09&limit=500"));
    let cdmx_committees: HashSet<i64> = walk(&f, "/api/v1/comites?estado=09")
        .1
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert!(in_cdmx["total"].as_u64().unwrap() > 0);
    assert!(in_cdmx["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| cdmx_committees.contains(&e["comite_id"].as_i64().unwrap())));
    let one = in_cdmx["items"][0]["comite_id"].as_i64().unwrap();
    let (_, by_committee) = get_json(&url(&f, &format!("/api/v1/ec?comite={one}&limit=500")));
    assert!(by_committee["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["comite_id"] == one));

    // Committees by state; a committee's standards.
    let (_, cdmx) = get_json(&url(&f, "/api/v1/comites?estado=CDMX&limit=500"));
    assert!(cdmx["total"].as_u64().unwrap() > 0);
    assert!(cdmx["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["estado_inegi"] == "09"));
    let cid = cdmx["items"][0]["id"].as_i64().unwrap();
    let (s, com) = get_json(&url(&f, &format!("/api/v1/comites/{cid}")));
    assert_eq!(s, 200);
    let (n, _) = walk(&f, &format!("/api/v1/comites/{cid}/estandares"));
    assert!(n >= com["n_estandares"].as_u64().unwrap());
    // Offerings.
    let (_, centros) = get_json(&url(&f, "/api/v1/centros?limit=1&sort=-estandares"));
    let oid = centros["items"][0]["id"].as_str().unwrap();
    let (s, centro) = get_json(&url(&f, &format!("/api/v1/centros/{oid}")));
    assert_eq!(s, 200);
    assert_eq!(
        centro["estandares"].as_array().unwrap().len() as u64,
        centros["items"][0]["n_estandares"].as_u64().unwrap()
    );
}

#[test]
fn certifiers_by_type_and_state_agree_with_what_the_pages_publish() {
    use renec_harvester::normalize::{names, states};
    use std::collections::{BTreeMap, BTreeSet};
    let f = fixture(|_| {});
    // The oracle: type and states of every certifier, read from the corpus the site serves.
    let corpus = generate(2, 41);
    let mut by_type: BTreeMap<Option<&str>, BTreeSet<String>> = BTreeMap::new();
    let mut by_state: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut edges_in_jalisco = BTreeSet::new();
    for (code, d) in &corpus.detalles {
        for name in &d.certifiers {
            let key = names::org_key(name);
            let facts = corpus.facts(name);
            let tipo = facts.and_then(|x| names::certifier_type(&x.tipo));
            by_type.entry(tipo).or_default().insert(key.clone());
            for e in facts.map(|x| x.estados.as_slice()).unwrap_or(&[]) {
                let inegi = states::inegi_code(e).unwrap();
                by_state.entry(inegi).or_default().insert(key.clone());
                if inegi == "14" {
                    edges_in_jalisco.insert((code.trim().to_string(), key.clone()));
                }
            }
        }
    }
    assert!(by_type.len() == 3 && by_state.len() > 5, "{by_type:?}");

    let (s, tipos) = get_json(&url(&f, "/api/v1/certificadores/tipos"));
    assert_eq!(s, 200);
    let (_, stats) = get_json(&url(&f, "/api/v1/stats"));
    let mut sum = 0;
    for t in tipos["items"].as_array().unwrap() {
        let n = t["n_certificadores"].as_u64().unwrap();
        sum += n;
        let tipo = t["tipo"].as_str();
        assert_eq!(n as usize, by_type[&tipo].len(), "{t}");
        if let Some(tipo) = tipo {
            // The filter agrees, in any case, and every item has that type.
            let (total, items) = walk(
                &f,
                &format!("/api/v1/certificadores?tipo={}", tipo.to_lowercase()),
            );
            assert_eq!(total, n);
            assert!(items.iter().all(|c| c["tipo"] == tipo));
        }
    }
    assert_eq!(sum, stats["certificadores"].as_u64().unwrap());

    let (s, estados) = get_json(&url(&f, "/api/v1/estados"));
    assert_eq!(s, 200);
    let estados = estados["items"].as_array().unwrap().clone();
    assert_eq!(estados.len(), 32);
    for e in &estados {
        let code = e["clave"].as_str().unwrap();
        let want = by_state.get(code).map_or(0, BTreeSet::len);
        assert_eq!(
            e["n_certificadores"].as_u64().unwrap() as usize,
            want,
            "{e}"
        );
        let (total, items) = walk(&f, &format!("/api/v1/certificadores?estado={code}"));
        assert_eq!(total as usize, want, "{code}");
        assert!(items.iter().all(|c| c["estados"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["clave"] == code)));
        let (_, comites) = get_json(&url(&f, &format!("/api/v1/comites?estado={code}&limit=1")));
        assert_eq!(e["n_comites"], comites["total"], "{code}");
    }
    // A state by name, as in the other filters.
    let (_, jalisco) = get_json(&url(&f, "/api/v1/certificadores?estado=jalisco&limit=1"));
    assert_eq!(
        jalisco["total"].as_u64().unwrap() as usize,
        by_state["14"].len()
    );
    // The graph of what can be certified in Jalisco: exactly those edges.
    let (_, graph) = get_json(&url(&f, "/api/v1/graph?certifica_en=Jalisco"));
    assert!(!edges_in_jalisco.is_empty());
    assert_eq!(
        graph["edges"].as_array().unwrap().len(),
        edges_in_jalisco.len()
    );

    // A standard's page: each certifier with where it certifies that
    // standard; `ec` and `estado` together mean "this standard, in this state".
    let (_, ranked) = get_json(&url(&f, "/api/v1/ec?sort=-certificadores&limit=1"));
    let clave = ranked["items"][0]["clave"].as_str().unwrap();
    let (_, detail) = get_json(&url(&f, &format!("/api/v1/ec/{clave}")));
    let link = detail["certificadores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| !c["estados"].as_array().unwrap().is_empty())
        .expect("a certifier with a state")
        .clone();
    let state = link["estados"][0]["clave"].as_str().unwrap();
    let (_, here) = walk(
        &f,
        &format!("/api/v1/certificadores?ec={clave}&estado={state}"),
    );
    assert!(here.iter().any(|c| c["id"] == link["id"]));
    let (_, cert) = get_json(&url(
        &f,
        &format!("/api/v1/certificadores/{}", link["id"].as_str().unwrap()),
    ));
    assert_eq!(cert["tipo"], link["tipo"]);
    assert!(cert["estados"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["clave"] == state && e["n_estandares"].as_u64().unwrap() >= 1));

    // The export carries type and states, filtered like the list.
    let (s, _, csv) = get(&url(&f, "/api/v1/export/certificadores.csv?tipo=OC"), &[]);
    assert_eq!(s, 200);
    let csv = String::from_utf8(csv).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("id,nombre,tipo,estados,n_estandares"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), by_type[&Some("OC")].len());
    assert!(rows.iter().all(|r| r.contains(",OC,")), "{rows:?}");
}

#[test]
fn search_folds_accents_and_case() {
    let f = fixture(|_| {});
    let (s, hits) = get_json(&url(&f, "/api/v1/search?q=traduccion"));
    assert_eq!(s, 200);
    assert!(hits["total"].as_u64().unwrap() > 0);
    assert!(hits["items"].as_array().unwrap().iter().all(|h| h["titulo"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("traducción")));
    let (_, upper) = get_json(&url(&f, "/api/v1/search?q=TRADUCCIÓN"));
    assert_eq!(upper["total"], hits["total"]);
    let (_, ec) = get_json(&url(&f, "/api/v1/ec?q=traduccion&limit=1"));
    assert!(ec["total"].as_u64().unwrap() > 0);
    let (_, cert) = get_json(&url(&f, "/api/v1/search?q=tecnologica"));
    assert!(cert["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["tipo"] == "certificador"));
    let (_, graph) = get_json(&url(&f, "/api/v1/graph"));
    let (_, stats) = get_json(&url(&f, "/api/v1/stats"));
    assert_eq!(
        graph["edges"].as_array().unwrap().len() as u64,
        stats["ec_certificador"].as_u64().unwrap()
    );
    // One committee's part of the graph: its standards' edges, and only them.
    let (_, comites) = get_json(&url(&f, "/api/v1/comites?limit=1&sort=-estandares"));
    let comite = comites["items"][0]["id"].as_u64().unwrap();
    let (_, part) = get_json(&url(&f, &format!("/api/v1/graph?comite={comite}")));
    let (_, own) = get_json(&url(&f, &format!("/api/v1/ec?comite={comite}&limit=500")));
    let own: std::collections::HashSet<&str> = own["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["n_certificadores"].as_u64() > Some(0))
        .map(|e| e["clave"].as_str().unwrap())
        .collect();
    let sources: std::collections::HashSet<&str> = part["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert!(!sources.is_empty());
    assert_eq!(sources, own);
}

#[test]
fn every_documented_route_answers_as_documented() {
    let f = fixture(|_| {});
    let (_, doc) = get_json(&url(&f, "/api/v1/openapi.json"));
    assert_eq!(doc["openapi"], "3.1.0");
    let (_, cert) = get_json(&url(&f, "/api/v1/certificadores?limit=1"));
    let (_, centro) = get_json(&url(&f, "/api/v1/centros?limit=1"));
    let (_, comite) = get_json(&url(&f, "/api/v1/comites?limit=1"));
    let (_, sector) = get_json(&url(&f, "/api/v1/sectores?limit=1"));
    let paths = doc["paths"].as_object().unwrap();
    for (template, item) in paths {
        // Admin routes need keys and a running scheduler: tests/admin.rs covers them.
        if template.starts_with("/api/v1/admin/") || template == "/api/v1/scheduler" {
            continue;
        }
        let concrete = template
            .replace("{clave}", "EC0001")
            .replace("{format}", "csv")
            .replace(
                "{id}",
                &if template.contains("certificadores") {
                    cert["items"][0]["id"].as_str().unwrap().to_string()
                } else if template.contains("centros") {
                    centro["items"][0]["id"].as_str().unwrap().to_string()
                } else if template.contains("comites") {
                    comite["items"][0]["id"].to_string()
                } else if template.contains("sectores") {
                    sector["items"][0]["id"].as_str().unwrap().to_string()
                } else {
                    "1".to_string()
                },
            );
        let concrete = match template.as_str() {
            "/api/v1/search" => format!("{concrete}?q=cocinero"),
            "/api/v1/runs/{id}/diff" => format!("{concrete}?against=1"),
            _ => concrete,
        };
        let (status, _, _) = get(&url(&f, &concrete), &[]);
        let documented: Vec<String> = item["get"]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert!(
            documented.contains(&status.to_string()),
            "{template} answered {status}, documented {documented:?}"
        );
        assert_eq!(status, 200, "{concrete}");
    }
    // Every route the server has is documented: src/api/routes.rs holds
    // the table and the OpenAPI document equal, route by route and
    // parameter by parameter (the_table_and_the_openapi_document_agree).
}

#[test]
fn bad_input_gets_a_400_that_says_what_is_accepted() {
    let f = fixture(|_| {});
    let cases = [
        ("/api/v1/ec?nivel=9", "nivel"),
        ("/api/v1/ec?limit=100000", "limit"),
        ("/api/v1/ec?limit=0", "limit"),
        ("/api/v1/ec?color=rojo", "color"),
        ("/api/v1/ec?cursor=nope", "cursor"),
        ("/api/v1/ec?q=%FF%FE", "q"),
        ("/api/v1/ec?vigente=quizas", "vigente"),
        ("/api/v1/ec?sort=precio", "sort"),
        ("/api/v1/ec?estado=Atlantida", "estado"),
        ("/api/v1/ec?tipo=otro", "tipo"),
        ("/api/v1/ec?offset=-1", "offset"),
        ("/api/v1/ec?limit=5&limit=6", "limit"),
        ("/api/v1/search", "q"),
        ("/api/v1/search?q=%20%3F%21", "q"),
        ("/api/v1/comites/abc", "id"),
        ("/api/v1/runs/x", "id"),
        ("/api/v1/certificadores?tipo=ACME", "tipo"),
        ("/api/v1/graph?certifica_en=Atlantida", "certifica_en"),
        ("/api/v1/certificadores?estado=Atlantida", "estado"),
        ("/api/v1/export/ec.xlsx", "format"),
    ];
    for (path, parameter) in cases {
        let (status, body) = get_json(&url(&f, path));
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "invalid_parameter", "{path}");
        assert_eq!(body["error"]["parameter"], parameter, "{path}");
        assert!(
            body["error"]["message"].as_str().unwrap().len() > 20,
            "{path}"
        );
    }
    for path in [
        "/api/v1/ec/EC9999",
        "/api/v1/certificadores/cert-000000000000",
        "/api/v1/comites/99999",
        "/api/v1/runs/999",
        "/api/v1/nada",
        "/api/v1/export/personas.csv",
    ] {
        let (status, body) = get_json(&url(&f, path));
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let resp = agent.post(&url(&f, "/api/v1/ec")).send("x").unwrap();
    assert_eq!(
        resp.status().as_u16(),
        413,
        "bodies are refused before anything else"
    );
    let resp = agent.delete(&url(&f, "/api/v1/ec")).call().unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    let long = "a".repeat(5000);
    assert_eq!(get_json(&url(&f, &format!("/api/v1/ec?q={long}"))).0, 414);
}

#[test]
fn etags_304s_compression_and_security_headers() {
    let f = fixture(|_| {});
    let (status, headers, body) = get(&url(&f, "/api/v1/ec?limit=50"), &[]);
    assert_eq!(status, 200);
    let etag = headers["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with('"'));
    let (status, _, empty) = get(&url(&f, "/api/v1/ec?limit=50"), &[("If-None-Match", &etag)]);
    assert_eq!(status, 304);
    assert!(empty.is_empty());
    // The same query in another order is the same resource.
    let (_, h2, _) = get(&url(&f, "/api/v1/ec?limit=50&sort=clave"), &[]);
    let (_, h3, _) = get(&url(&f, "/api/v1/ec?sort=clave&limit=50"), &[]);
    assert_eq!(h2["etag"], h3["etag"]);
    for name in [
        "content-security-policy",
        "x-content-type-options",
        "referrer-policy",
    ] {
        assert!(headers.contains_key(name), "{name}");
    }
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    // ureq decompresses (and drops the header), so read the raw answer.
    let raw = raw_head(&f, "/api/v1/ec?limit=50", "gzip");
    assert!(raw.contains("content-encoding: gzip"), "{raw}");
    let raw = raw_head(&f, "/api/v1/ec?limit=50", "gzip, br");
    assert!(raw.contains("content-encoding: br"), "{raw}");
    assert!(body.len() > 1024);
    // Health and readiness are never cached.
    let (s, h, _) = get(&url(&f, "/ready"), &[]);
    assert_eq!(s, 200);
    assert_eq!(h["cache-control"], "no-store");
}

/// The status line and headers of a GET, read from the socket.
fn raw_head(f: &Fixture, path: &str, accept_encoding: &str) -> String {
    use std::io::{Read, Write};
    let addr = f.api.base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: {accept_encoding}\r\nConnection: close\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf);
    text.split("\r\n\r\n").next().unwrap().to_lowercase()
}

#[test]
fn stats_say_what_changed_since_the_publish() {
    let f = fixture(|_| {});
    let (_, before) = get_json(&url(&f, "/api/v1/stats"));
    assert_eq!(before["last_run"]["status"], "published", "{before}");
    // A harvest starts (nothing is published): the counts stay those of the
    // published run, and the last run is the one running.
    let db = rusqlite::Connection::open(f.cfg.sqlite_path()).unwrap();
    db.execute(
        "INSERT INTO runs (status, started_at, binary_version, source_url)
         VALUES ('running', '2026-12-02T00:00:00.000Z', 'test', 'http://127.0.0.1')",
        [],
    )
    .unwrap();
    let (_, after) = get_json(&url(&f, "/api/v1/stats"));
    assert_eq!(after["last_run"]["status"], "running", "{after}");
    assert_eq!(after["published_run"], before["published_run"]);
    assert_eq!(after["estandares_vigentes"], before["estandares_vigentes"]);
}

#[test]
fn cors_only_for_configured_origins() {
    let f = fixture(|c| c.cors_origins = vec!["https://tablero.example".into()]);
    let (_, h, _) = get(
        &url(&f, "/api/v1/stats"),
        &[("Origin", "https://tablero.example")],
    );
    assert_eq!(h["access-control-allow-origin"], "https://tablero.example");
    let (_, h, _) = get(
        &url(&f, "/api/v1/stats"),
        &[("Origin", "https://otro.example")],
    );
    assert!(!h.contains_key("access-control-allow-origin"));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let ok = agent
        .options(&url(&f, "/api/v1/ec"))
        .header("Origin", "https://tablero.example")
        .call()
        .unwrap();
    assert_eq!(ok.status().as_u16(), 204);
    let refused = agent
        .options(&url(&f, "/api/v1/ec"))
        .header("Origin", "https://otro.example")
        .call()
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
}

#[test]
fn clients_over_their_rate_get_429_with_retry_after() {
    let f = fixture(|c| {
        c.rate_limit_per_second = 2;
        c.rate_limit_burst = 3;
        c.rate_limit_loopback = true;
    });
    let statuses: Vec<(u16, Option<String>)> = (0..8)
        .map(|_| {
            let (s, h, _) = get(&url(&f, "/health"), &[]);
            (
                s,
                h.get("retry-after")
                    .map(|v| v.to_str().unwrap().to_string()),
            )
        })
        .collect();
    assert!(
        statuses.iter().take(3).all(|(s, _)| *s == 200),
        "{statuses:?}"
    );
    let limited: Vec<_> = statuses.iter().filter(|(s, _)| *s == 429).collect();
    assert!(!limited.is_empty(), "{statuses:?}");
    assert!(limited
        .iter()
        .all(|(_, r)| r.as_deref().is_some_and(|v| v.parse::<u64>().unwrap() >= 1)));
}

#[test]
fn exports_stream_every_row() {
    let f = fixture(|_| {});
    let (_, stats) = get_json(&url(&f, "/api/v1/stats"));
    let (s, h, csv) = get(&url(&f, "/api/v1/export/certificadores.csv?bom=1"), &[]);
    assert_eq!(s, 200);
    assert!(csv.starts_with(b"\xEF\xBB\xBFid,nombre,tipo,estados,n_estandares\n"));
    let rows = csv::Reader::from_reader(&csv[3..]).records().count() as u64;
    assert_eq!(rows, stats["certificadores"].as_u64().unwrap());
    assert_eq!(h["x-total-count"].to_str().unwrap(), rows.to_string());
    let (_, _, json) = get(&url(&f, "/api/v1/export/ec.json"), &[]);
    let all: Vec<Value> = serde_json::from_slice(&json).unwrap();
    let (_, ec) = get_json(&url(&f, "/api/v1/ec?limit=1"));
    assert_eq!(all.len() as u64, ec["total"].as_u64().unwrap());
    let (_, _, nd) = get(&url(&f, "/api/v1/export/ec.ndjson?tipo=vigente"), &[]);
    let lines = nd.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count() as u64;
    assert_eq!(lines, stats["estandares_vigentes"].as_u64().unwrap());
}

#[test]
fn metrics_carry_the_dashboard_names() {
    let f = fixture(|_| {});
    for _ in 0..2 {
        get(&url(&f, "/api/v1/ec?limit=3"), &[]);
    }
    get(&url(&f, "/api/v1/ec?nivel=0"), &[]);
    let (s, _, body) = get(&url(&f, "/metrics"), &[]);
    assert_eq!(s, 200);
    let text = String::from_utf8(body).unwrap();
    for name in [
        "api_response_duration_bucket",
        "api_requests_total",
        "api_errors_total",
        "spider_requests_total",
        "spider_items_scraped_total",
        "spider_retries_total",
        "spider_response_status_total",
        "db_connection_pool_available",
        "db_connection_pool_size",
        "cache_hits_total",
        "cache_misses_total",
        "renec_last_published_run_timestamp_seconds",
        "renec_data_age_seconds",
        "renec_coverage_ratio",
        "renec_harvest_running",
        "process_resident_memory_bytes",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics");
    }
    assert!(text.contains("route=\"/api/v1/ec\""));
    // Every metric the shipped dashboard and alert rules use is exported.
    let root = env!("CARGO_MANIFEST_DIR");
    let used = [
        std::fs::read_to_string(format!("{root}/examples/grafana/renec-harvester.json")).unwrap(),
        std::fs::read_to_string(format!("{root}/examples/prometheus/alerts.yml")).unwrap(),
    ]
    .join("\n");
    let names: std::collections::BTreeSet<&str> = used
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| {
            ["api_", "spider_", "db_", "cache_", "renec_", "process_"]
                .iter()
                .any(|p| w.starts_with(p))
        })
        .filter(|w| !w.starts_with("renec_harvester") && !w.starts_with("renec-"))
        // The scheduler's job metrics exist once a job ran: tests/mirror.rs
        // reads them from a real `serve`.
        .filter(|w| !w.starts_with("renec_job_"))
        .collect();
    assert!(names.len() >= 14, "{names:?}");
    for name in names {
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "{name} is used by the dashboard or alerts but not exported"
        );
    }
    let hits: f64 = text
        .lines()
        .find(|l| l.starts_with("cache_hits_total "))
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(hits >= 1.0);
    let _ = &f.cfg;
}

#[test]
fn with_require_key_reads_need_a_key() {
    let f = fixture(|c| c.require_key = true);
    let key = {
        let store = renec_harvester::store::local::LocalStore::for_config(&f.cfg).unwrap();
        store
            .create_key("tablero", renec_harvester::store::keys::Role::Read)
            .unwrap()
    };
    let (status, headers, _) = get(&url(&f, "/api/v1/ec?limit=1"), &[]);
    assert_eq!(status, 401);
    assert_eq!(headers["www-authenticate"], "Bearer");
    let bearer = format!("Bearer {key}");
    assert_eq!(
        get(
            &url(&f, "/api/v1/ec?limit=1"),
            &[("Authorization", &bearer)]
        )
        .0,
        200
    );
    assert_eq!(
        get(
            &url(&f, "/api/v1/ec?limit=1"),
            &[("Authorization", "Bearer rh_0_0")]
        )
        .0,
        401
    );
    // The UI, health and the OpenAPI document stay reachable.
    assert_eq!(get(&url(&f, "/"), &[]).0, 200);
    assert_eq!(get(&url(&f, "/health"), &[]).0, 200);
    assert_eq!(get(&url(&f, "/api/v1/openapi.json"), &[]).0, 200);
}

#[test]
fn any_list_exports_its_filters_and_order_as_csv_and_ndjson() {
    let f = fixture(|_| {});
    let lists = [
        ("/api/v1/ec?vigente=true&sort=-titulo&nivel=2", "clave"),
        ("/api/v1/certificadores?sort=-estandares&tipo=ECE", "id"),
        ("/api/v1/comites?sort=nombre&min_ec=2", "id"),
        ("/api/v1/centros?sort=-estandares", "id"),
        ("/api/v1/sectores?q=servicios", "id"),
    ];
    for (list, key) in lists {
        let (total, items) = walk(&f, &format!("{list}&limit=37"));
        let want: Vec<String> = items
            .iter()
            .map(|i| match &i[key] {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            })
            .collect();
        let sep = if list.contains('?') { '&' } else { '?' };
        // CSV: a header, then every row in the list's order; paging ignored.
        let (s, h, csv) = get(&url(&f, &format!("{list}{sep}format=csv&limit=3")), &[]);
        assert_eq!(s, 200, "{list}");
        assert!(h["content-type"].to_str().unwrap().starts_with("text/csv"));
        assert_eq!(h["x-total-count"].to_str().unwrap(), total.to_string());
        let mut reader = csv::Reader::from_reader(&csv[..]);
        let col = reader
            .headers()
            .unwrap()
            .iter()
            .position(|c| c == key)
            .unwrap();
        let got: Vec<String> = reader
            .records()
            .map(|r| r.unwrap()[col].to_string())
            .collect();
        assert_eq!(got, want, "{list} as CSV");
        // NDJSON: one object per line, the same rows.
        let (s, _, nd) = get(&url(&f, &format!("{list}{sep}format=ndjson")), &[]);
        assert_eq!(s, 200);
        let got: Vec<String> = String::from_utf8(nd)
            .unwrap()
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                match &v[key] {
                    Value::String(s) => s.clone(),
                    v => v.to_string(),
                }
            })
            .collect();
        assert_eq!(got, want, "{list} as NDJSON");
    }
    let (s, v) = get_json(&url(&f, "/api/v1/ec?format=xml"));
    assert_eq!(s, 400);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("csv"),
        "{v}"
    );
}

#[test]
fn errors_answer_in_the_reader_s_language_with_a_stable_code() {
    let f = fixture(|_| {});
    let cases: &[(&str, &str, &str)] = &[
        (
            "/api/v1/ec/EC9999",
            "no hay el estándar EC9999",
            "no standard EC9999",
        ),
        (
            "/api/v1/ec?nivel=9",
            "debe ser un número entero de 1 a 5",
            "must be a whole number from 1 to 5",
        ),
        (
            "/api/v1/ec?color=rojo",
            "parámetro desconocido `color`",
            "unknown parameter `color`",
        ),
        ("/api/v1/nada", "no hay ruta de API", "no API route"),
    ];
    for (path, es, en) in cases {
        let read = |lang: Option<&str>| {
            let headers: Vec<(&str, &str)> =
                lang.map(|l| ("accept-language", l)).into_iter().collect();
            let (status, h, body) = get(&url(&f, path), &headers);
            let v: Value = serde_json::from_slice(&body).unwrap();
            (
                status,
                h["content-language"].to_str().unwrap().to_string(),
                v["error"]["code"].as_str().unwrap().to_string(),
                v["error"]["message"].as_str().unwrap().to_string(),
            )
        };
        let default = read(None);
        let spanish = read(Some("es-MX,es;q=0.9"));
        let english = read(Some("en-US,en;q=0.9,es;q=0.5"));
        assert!(default.3.contains(es), "{path}: {default:?}");
        assert_eq!(default, spanish, "{path}");
        assert!(english.3.contains(en), "{path}: {english:?}");
        assert_eq!((default.1.as_str(), english.1.as_str()), ("es", "en"));
        assert_eq!(
            (default.0, &default.2),
            (english.0, &english.2),
            "{path}: same status and code"
        );
    }
}
