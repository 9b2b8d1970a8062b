//! The real capture of the RENEC (../shared/renec-corpus), served by the
//! test site under faults, must harvest to the figures of its README.

mod common;

use renec_harvester::testsite::corpus::Corpus;

#[test]
#[ignore = "needs ../shared/renec-corpus (never copied into the repository); .ci/run runs it with --include-ignored"]
fn real_corpus_harvests_to_its_published_figures() {
    let dir = common::real_corpus_dir()
        .expect("../shared/renec-corpus/getEstandaresAll.json is not on this machine");
    let corpus = Corpus::load(&dir).unwrap();
    let site = common::site(
        corpus,
        &[
            "detail:500:0.1:2",
            "committee:reset:0.05",
            "catalogue:controlchars",
            "legacy:truncate:0.2",
        ],
    );
    let tmp = tempfile::tempdir().unwrap();
    let cfg = common::config(&site, tmp.path());
    let report = common::harvest(&cfg).unwrap();
    assert!(report.published(), "{:?}", report.reasons);
    let c = &report.counts;
    // The figures of ../shared/renec-corpus/README.md.
    assert_eq!(c.estandares_vigentes, 1477);
    assert_eq!(c.comites, 581);
    assert_eq!(c.certificadores, 482);
    assert_eq!(c.ec_certificador, 7573);
    assert_eq!(c.centros, 341);
    assert_eq!(c.ec_centro, 351);
    assert_eq!(c.ec_ocupacion, 3785);
    assert_eq!(c.sectores, 20);
    assert_eq!(c.estandares_marca, 352);
    assert!(report.summary.retries > 0);
    let store = renec_harvester::store::Store::open(&cfg.sqlite_path()).unwrap();
    let codes = store
        .current_values("v_current_estandares", "clave")
        .unwrap();
    assert!(codes.contains(&"EC1571".to_string()) && codes.contains(&"EC1681".to_string()));
    assert!(!codes
        .iter()
        .any(|c| c.starts_with("EC1571 ") || c.contains('\u{a0}')));

    // Search folds accents and case over the real names.
    use renec_harvester::store::read::{PageReq, ReadStore, SqliteReader};
    let reader = SqliteReader::new(&cfg.sqlite_path(), 1);
    let page = PageReq {
        limit: 5,
        offset: 0,
    };
    let ice = reader.search("icemexico", &[], page).unwrap();
    assert_eq!(ice.items[0].titulo, "ICEMéxico");
    assert_eq!(ice.items[0].tipo, "certificador");
    let trad = reader.search("traduccion", &[], page).unwrap();
    assert!(
        trad.items.iter().any(|h| h.titulo.contains("traducción")),
        "{:?}",
        trad.items
    );

    // The captured pages show certifiers by name only: no type and no state
    // is invented; every body is counted under "type not published".
    let run = store.last_published_run().unwrap().unwrap();
    let tipos = reader.certificador_tipos(run).unwrap();
    let unknown: Vec<(Option<String>, i64)> = tipos
        .iter()
        .map(|t| (t.tipo.clone(), t.n_certificadores))
        .collect();
    assert_eq!(
        unknown,
        vec![(Some("ECE".into()), 0), (Some("OC".into()), 0), (None, 482)]
    );
    // The in-memory view searches the real names with typos and codes.
    let view = reader.load_view(run).unwrap();
    let first = |q: &str| {
        let found = view.search(q, &[], page).unwrap();
        found
            .items
            .first()
            .map(|h| (h.tipo.clone(), h.titulo.clone(), found.codigo.clone()))
    };
    assert_eq!(first("icemexco").unwrap().1, "ICEMéxico");
    let (tipo, titulo, _) = first("tradución").unwrap();
    assert!(
        tipo == "ec" && titulo.to_lowercase().contains("traducción"),
        "{titulo}"
    );
    let (tipo, _, codigo) = first("ec 217").unwrap();
    assert_eq!((tipo.as_str(), codigo.as_deref()), ("ec", Some("EC0217")));
    let estados = reader.estados(run).unwrap();
    assert!(estados
        .iter()
        .all(|e| e.n_certificadores == 0 && e.n_estandares == 0));
    assert_eq!(
        estados.iter().map(|e| e.n_comites).sum::<i64>() as usize,
        // Committees with a Mexican state ("Extranjero" and nulls have none).
        store
            .current_values("v_current_comites", "id")
            .unwrap()
            .len()
            - store_count(
                &store,
                "SELECT count(*) FROM v_current_comites WHERE estado_inegi IS NULL"
            )
    );
}

/// A count read straight from the database file, as an outside observer.
fn store_count(store: &renec_harvester::store::Store, sql: &str) -> usize {
    rusqlite::Connection::open(store.path())
        .unwrap()
        .query_row(sql, [], |r| r.get::<_, i64>(0))
        .unwrap() as usize
}

/// The real capture with detail pages in real-world Angular markup: the
/// same figures.
#[test]
#[ignore = "needs ../shared/renec-corpus (never copied into the repository); .ci/run runs it with --include-ignored"]
fn real_corpus_in_heavy_markup_harvests_to_the_same_figures() {
    let dir = common::real_corpus_dir()
        .expect("../shared/renec-corpus/getEstandaresAll.json is not on this machine");
    let corpus = Corpus::load(&dir).unwrap();
    let site = common::site_in(corpus, &[], renec_harvester::testsite::heavy::Markup::Heavy);
    let tmp = tempfile::tempdir().unwrap();
    let report = common::harvest(&common::config(&site, tmp.path())).unwrap();
    assert!(report.published(), "{:?}", report.reasons);
    let c = &report.counts;
    assert_eq!(
        (c.estandares_vigentes, c.certificadores, c.ec_certificador),
        (1477, 482, 7573)
    );
    assert_eq!((c.centros, c.ec_centro, c.ec_ocupacion), (341, 351, 3785));
    assert_eq!(report.coverage["detail"].unrecognised, 0);
}
