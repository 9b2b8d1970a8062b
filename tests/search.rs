//! Search, as people type it: a registry written by hand
//! (tests/fixtures/search_corpus) is harvested and served, and each query
//! of a fixture of misspellings, prefixes, codes and accents must bring
//! the hit written here first. Nothing expected is computed by the product.

mod common;

use common::{get_json, Api};
use renec_harvester::testsite::corpus::Corpus;
use serde_json::Value;

fn served() -> (Api, tempfile::TempDir, renec_harvester::testsite::TestSite) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/search_corpus");
    let site = common::site(Corpus::load(&dir).unwrap(), &[]);
    let data = tempfile::tempdir().unwrap();
    let cfg = common::config(&site, data.path());
    let report = common::harvest(&cfg).unwrap();
    assert!(report.published(), "{:?}", report.reasons);
    let api = Api::start(&renec_harvester::config::Config { cache_mb: 0, ..cfg });
    // The view is built on the first request; search waits for it.
    common::wait_until("the view", std::time::Duration::from_secs(20), || {
        let (_, v) = get_json(&format!("{}/api/v1/search?q=tradución", api.base));
        v["total"].as_u64().unwrap_or(0) > 0
    });
    (api, data, site)
}

fn search(api: &Api, q: &str) -> Value {
    let url = format!(
        "{}/api/v1/search?q={}",
        api.base,
        url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
    );
    let (status, v) = get_json(&url);
    assert_eq!(status, 200, "{q}: {v}");
    v
}

#[test]
fn each_query_brings_the_expected_hit_first() {
    let (api, _data, _site) = served();
    // (query, kind of the first hit, its code or a word of its title, corrected?)
    let fixture: &[(&str, &str, &str, bool)] = &[
        ("traduccion", "ec", "EC0001", false),
        ("traducción", "ec", "EC0001", false),
        ("tradución", "ec", "EC0001", true),
        ("TRADUCCION lenguas", "ec", "EC0001", false),
        ("cosinero", "ec", "EC0128", true),
        ("cocinero", "ec", "EC0128", false),
        ("cocin", "ec", "EC0128", false),
        ("icemexco", "certificador", "ICEMéxico", true),
        ("icemexico", "certificador", "ICEMéxico", false),
        (
            "certificacion",
            "certificador",
            "Consultores en Certificación Laboral",
            false,
        ),
        (
            "certificasion laboral",
            "certificador",
            "Consultores en Certificación Laboral",
            true,
        ),
        ("ninos", "ec", "EC0435", false),
        ("NIÑAS", "ec", "EC0435", false),
        ("computo", "ec", "EC0669", false),
        ("mantenimento", "ec", "EC0669", true),
        ("panaderia", "centro", "Taller de panadería", false),
        ("gastronomia", "comite", "Gastronomía y Turismo", false),
        ("limpiesa de areas", "ec", "EC1000", true),
        ("evaluacion candidatos", "ec", "EC0076", false),
        ("diseno de cursos", "ec", "EC0301", false),
        ("EC217", "ec", "EC0217", false),
        ("ec 0217", "ec", "EC0217", false),
        ("0217", "ec", "EC0217", false),
        ("EC0217.01", "ec", "EC0217.01", false),
        ("ec1000", "ec", "EC1000", false),
    ];
    let mut wrong = vec![];
    for (q, kind, what, corrected) in fixture {
        let v = search(&api, q);
        let first = &v["items"][0];
        let ok = first["tipo"] == *kind
            && (first["id"] == *what || first["titulo"].as_str().is_some_and(|t| t.contains(what)))
            && first["corregido"] == *corrected;
        if !ok {
            wrong.push(format!(
                "{q:?}: want {kind} {what} (corrected {corrected}), got {first}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // A code names itself, and brings its versions next.
    let v = search(&api, "ec 217");
    assert_eq!(v["codigo"], "EC0217");
    assert_eq!(v["items"][1]["id"], "EC0217.01");
    assert_eq!(v["items"][0]["campo"], "clave");
    assert_eq!(search(&api, "cocina")["codigo"], Value::Null);

    // Which field matched, with the matched words marked.
    let v = search(&api, "cosinero");
    assert_eq!(v["items"][0]["campo"], "ocupacion");
    assert_eq!(v["items"][0]["fragmento"], "«Cocinero»");
    let v = search(&api, "traduccion lenguas");
    assert_eq!(v["items"][0]["campo"], "titulo");
    let frag = v["items"][0]["fragmento"].as_str().unwrap();
    assert!(frag.contains("«traducción»"), "{frag}");

    // Exact words rank above corrected ones: "cocina" is in a title; its
    // one-edit neighbours ("cocinas", …) are not.
    let v = search(&api, "cocina");
    assert_eq!(v["items"][0]["corregido"], false);

    // Kinds narrow with `tipo`; facets count hits by kind.
    let v = search(&api, "cocina");
    let all = v["total"].as_u64().unwrap();
    let (_, only) = get_json(&format!(
        "{}/api/v1/search?q=cocina&tipo=centro&facet=tipo",
        api.base
    ));
    assert!(only["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["tipo"] == "centro"));
    assert!(only["total"].as_u64().unwrap() < all);
    let (_, faceted) = get_json(&format!(
        "{}/api/v1/search?q=cocina&facet=tipo,nivel",
        api.base
    ));
    let by_kind: u64 = faceted["facetas"]["tipo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["total"].as_u64().unwrap())
        .sum();
    assert_eq!(by_kind, all);

    // Nothing found: the nearest words are suggested.
    let v = search(&api, "cosinaro");
    assert_eq!(v["total"], 0);
    assert_eq!(v["sugerencias"][0], "cocinero", "{v}");

    // A bad kind is refused with what is accepted.
    let (status, v) = get_json(&format!("{}/api/v1/search?q=pan&tipo=persona", api.base));
    assert_eq!(status, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("certificador"),
        "{v}"
    );
}
