//! Harvests of the test site on 127.0.0.1: clean, under faults, twice
//! (conditional requests), held by the quality checks, and with robots.txt.

mod common;

use common::{config, harvest, site};
use renec_harvester::store::Store;
use renec_harvester::testsite::corpus::Corpus;
use renec_harvester::testsite::faults::Class;
use renec_harvester::testsite::generate::generate;
use std::collections::HashSet;

fn assert_matches_expected(
    report: &renec_harvester::harvest::Report,
    corpus: &renec_harvester::testsite::corpus::Corpus,
) {
    let e = corpus.expected();
    let c = &report.counts;
    assert_eq!(
        c.estandares_vigentes as usize, e.estandares_vigentes,
        "active standards"
    );
    assert_eq!(
        c.estandares_inactivos as usize, e.estandares_inactivos,
        "inactive standards"
    );
    assert_eq!(
        c.estandares_marca as usize, e.estandares_marca,
        "brand standards"
    );
    assert_eq!(
        c.calificaciones_historicas as usize, e.calificaciones_historicas,
        "historic qualifications"
    );
    assert_eq!(c.comites as usize, e.comites, "committees");
    assert_eq!(c.certificadores as usize, e.certificadores, "certifiers");
    assert_eq!(
        c.ec_certificador as usize, e.ec_certificador,
        "certifier links"
    );
    assert_eq!(c.centros as usize, e.centros, "offerings");
    assert_eq!(c.ec_centro as usize, e.ec_centro, "offering links");
    assert_eq!(c.ec_ocupacion as usize, e.ec_ocupacion, "occupation links");
}

/// Real-world Angular markup (encapsulation attributes, wrappers, decoy
/// lists and tables in the navigation, cookie banner, footer, `script` and
/// `template`, headers upper-case, entity-encoded or split, shuffled panels)
/// harvests to exactly the same figures as the tidy pages.
#[test]
fn heavy_markup_harvests_to_the_same_figures() {
    let corpus = generate(2, 11);
    let site = common::site_in(
        corpus.clone(),
        &[],
        renec_harvester::testsite::heavy::Markup::Heavy,
    );
    let dir = tempfile::tempdir().unwrap();
    let report = harvest(&config(&site, dir.path())).unwrap();
    assert!(report.published(), "{:?}", report.reasons);
    assert_matches_expected(&report, &corpus);
    assert_eq!(report.coverage["detail"].unrecognised, 0);
    let detail_bytes: usize = site
        .log()
        .iter()
        .filter(|e| e.class == Class::Detail)
        .map(|e| e.body_bytes)
        .sum();
    assert!(
        detail_bytes > 200 * 7_000,
        "heavy pages: {detail_bytes} bytes"
    );
}

#[test]
fn clean_harvest_reproduces_the_generated_registry() {
    let corpus = generate(2, 11);
    let site = site(corpus.clone(), &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site, dir.path());
    let report = harvest(&cfg).unwrap();
    assert!(report.published(), "{:?}", report.reasons);
    assert_matches_expected(&report, &corpus);
    for (source, c) in &report.coverage {
        assert_eq!(c.covered, c.expected, "{source}");
    }
    assert_eq!(report.summary.retries, 0);

    // Robots: the search form and the disallowed component were never requested.
    let log = site.log();
    assert!(
        log.iter()
            .all(|e| !e.path.contains("comp=ES&") && !e.path.contains("comp=BU")),
        "robots.txt ignored"
    );
    assert!(report.summary.disallowed_skipped >= 2);
    // An honest User-Agent, and the JSESSIONID cookie kept for the host.
    assert!(log
        .iter()
        .all(|e| e.user_agent.starts_with("renec-harvester/")));
    let legacy: Vec<_> = log.iter().filter(|e| e.class == Class::Legacy).collect();
    assert!(legacy.len() > 5);
    assert!(
        legacy
            .iter()
            .skip(1)
            .filter(|e| e.had_session_cookie)
            .count()
            >= legacy.len() / 2
    );

    // Untrimmed codes are trimmed; the store answers what the report says.
    let store = Store::open(&cfg.sqlite_path()).unwrap();
    let codes = store
        .current_values("v_current_estandares", "clave")
        .unwrap();
    assert!(codes.contains(&"EC0007".to_string()) && codes.contains(&"EC0011".to_string()));
    assert!(codes.iter().all(|c| c.trim() == c));
    assert_eq!(store.current_counts().unwrap(), report.counts);
    assert!(store.integrity_ok().unwrap());
}

#[test]
fn faults_are_retried_until_the_run_is_complete() {
    let corpus = generate(2, 12);
    let site = site(corpus.clone(), profile("faulty"));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&site, dir.path());
    cfg.request_timeout = 0.5;
    let report = harvest(&cfg).unwrap();
    assert!(report.published(), "{:?}", report.reasons);
    assert_matches_expected(&report, &corpus);
    for (source, c) in &report.coverage {
        assert_eq!(c.covered, c.expected, "{source} not complete under faults");
    }
    assert!(report.summary.retries > 50, "{:?}", report.summary);
    assert_eq!(report.summary.failed_pages, 0);
    let log = site.log();
    assert!(log
        .iter()
        .any(|e| e.fault.as_deref().is_some_and(|f| f.contains("Truncate"))));
    assert!(log
        .iter()
        .any(|e| e.fault.as_deref().is_some_and(|f| f.contains("Reset"))));
    // Every retried request was recorded as an event with its attempt number.
    let store = Store::open(&cfg.sqlite_path()).unwrap();
    assert_eq!(
        store.request_count(report.run_id).unwrap() as u64,
        report.summary.requests
    );
}

/// The fault specs of a named test-site profile.
fn profile(name: &str) -> &'static [&'static str] {
    renec_harvester::testsite::faults::PROFILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, specs)| *specs)
        .unwrap()
}

/// The hostile profile (resets, truncation, 500/503/429 with Retry-After,
/// hangs past the request timeout, control characters) behind a robots.txt
/// with a Crawl-delay: full coverage, and the site's own request log shows
/// that robots.txt came first and was obeyed, that the Crawl-delay held,
/// and that no URL was asked for more often than its retries allow.
#[test]
fn the_hostile_profile_is_harvested_completely_and_politely() {
    let corpus = generate(1, 19);
    let site = site(corpus.clone(), profile("hostile"));
    let crawl_delay = 0.03;
    site.set_crawl_delay(crawl_delay);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&site, dir.path());
    cfg.request_timeout = 0.5;
    let report = harvest(&cfg).unwrap();
    assert!(report.published(), "{:?}", report.reasons);
    assert_matches_expected(&report, &corpus);
    for (source, c) in &report.coverage {
        assert_eq!(
            c.covered, c.expected,
            "{source} not complete under the hostile profile"
        );
    }
    assert_eq!(report.summary.failed_pages, 0);

    let mut log = site.log();
    log.sort_by_key(|e| e.at);
    let faults: Vec<&str> = log.iter().filter_map(|e| e.fault.as_deref()).collect();
    for kind in [
        "Reset",
        "Truncate",
        "Status(500)",
        "Status(503)",
        "Status(429)",
        "Timeout",
        "ControlChars",
    ] {
        assert!(
            faults.iter().any(|f| f.contains(kind)),
            "the profile never served {kind}"
        );
    }
    // robots.txt first (its first answer is a 503), then only what it allows.
    assert_eq!(log[0].path, "/robots.txt", "{:?}", &log[..3]);
    for e in &log {
        assert!(
            !e.path.starts_with("/privado/")
                && !e.path.contains("comp=ES&")
                && !e.path.contains("comp=BU"),
            "robots.txt disallows {}",
            e.path
        );
    }
    // The Crawl-delay between any two requests: on average at least the
    // delay, and never less than half of it (arrival times jitter a little).
    let gaps: Vec<f64> = log
        .windows(2)
        .map(|w| (w[1].at - w[0].at).as_secs_f64())
        .collect();
    let shortest = gaps.iter().copied().fold(f64::MAX, f64::min);
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    assert!(
        shortest >= crawl_delay / 2.0,
        "two requests {shortest:.4} s apart"
    );
    assert!(mean >= crawl_delay, "requests {mean:.4} s apart on average");
    // No URL more often than its first attempt and its retries.
    let mut per_url: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    for e in &log {
        *per_url.entry(e.path.as_str()).or_default() += 1;
    }
    let (url, most) = per_url.iter().max_by_key(|(_, n)| **n).unwrap();
    assert!(
        *most <= 1 + cfg.retry_times,
        "{url} was asked for {most} times"
    );
    eprintln!(
        "{} requests, {} faults, shortest gap {shortest:.4} s, mean {mean:.4} s, at most {most} per URL",
        log.len(),
        faults.len()
    );
}

#[test]
fn a_second_run_revalidates_instead_of_downloading() {
    let corpus = generate(1, 13);
    let site = site(corpus.clone(), &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site, dir.path());
    let first = harvest(&cfg).unwrap();
    assert!(first.published());
    let cacheable: HashSet<String> = site
        .log()
        .iter()
        .filter(|e| e.status == 200 && e.class != Class::Robots)
        .map(|e| e.path.clone())
        .collect();
    site.reset_log();

    let second = harvest(&cfg).unwrap();
    assert!(second.published(), "{:?}", second.reasons);
    assert_eq!(second.counts, first.counts);
    let log = site.log();
    let resent: Vec<_> = log
        .iter()
        .filter(|e| cacheable.contains(&e.path) && e.body_bytes > 0)
        .collect();
    assert!(
        resent.is_empty(),
        "bodies downloaded again: {:?}",
        resent.iter().take(3).collect::<Vec<_>>()
    );
    let revalidated: Vec<_> = log.iter().filter(|e| cacheable.contains(&e.path)).collect();
    assert!(revalidated.len() as i64 > first.counts.estandares_vigentes);
    assert!(revalidated.iter().all(|e| e.conditional && e.status == 304));
    assert_eq!(second.summary.not_modified as usize, revalidated.len());
    // Nothing changed: every ledger row was extended, none inserted.
    assert!(
        second.ledger.values().all(|w| w.inserted == 0),
        "{:?}",
        second.ledger
    );
}

#[test]
fn changed_etags_are_downloaded_again_and_the_data_stays_the_same() {
    let corpus = generate(1, 14);
    let site = site(corpus, &["detail:etag-change"]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site, dir.path());
    let first = harvest(&cfg).unwrap();
    site.reset_log();
    let second = harvest(&cfg).unwrap();
    assert_eq!(second.counts, first.counts);
    let details_200 = site
        .log()
        .iter()
        .filter(|e| e.class == Class::Detail && e.status == 200)
        .count();
    assert_eq!(details_200 as i64, first.counts.estandares_vigentes);
}

#[test]
fn a_run_below_coverage_is_held_and_the_published_data_stays() {
    let corpus = generate(1, 15);
    let site = site(corpus.clone(), &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site, dir.path());
    let first = harvest(&cfg).unwrap();
    assert!(first.published());

    // The next state of the site loses a fifth of its detail pages.
    let mut broken = corpus.clone();
    let keys: Vec<String> = broken.detalles.keys().cloned().collect();
    for k in keys.iter().step_by(5) {
        broken.detalles.remove(k);
    }
    site.replace_corpus(broken);
    let second = harvest(&cfg).unwrap();
    assert!(!second.published());
    assert!(
        second
            .reasons
            .iter()
            .any(|r| r.starts_with("coverage of detail is 80.00%")),
        "{:?}",
        second.reasons
    );
    let store = Store::open(&cfg.sqlite_path()).unwrap();
    assert_eq!(store.last_published_run().unwrap(), Some(first.run_id));
    assert_eq!(store.current_counts().unwrap(), first.counts);
    assert_eq!(store.run_reasons(second.run_id).unwrap(), second.reasons);
}

#[test]
fn an_unreadable_robots_txt_stops_the_harvest() {
    let site = site(generate(1, 16), &["robots:500:1:100"]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site, dir.path());
    let err = harvest(&cfg).unwrap_err().to_string();
    assert!(
        err.contains("robots.txt") && err.contains("HTTP 500"),
        "{err}"
    );
    assert!(site.log().iter().all(|e| e.class == Class::Robots));
    let store = Store::open(&cfg.sqlite_path()).unwrap();
    assert_eq!(store.last_run().unwrap().unwrap().status, "failed");
    assert_eq!(store.last_published_run().unwrap(), None);
}

/// A registry small enough to count by hand (tests/fixtures/hand_counted):
/// one body spelled four ways ("Instituto Ejemplo de Capacitación, A.C.",
/// upper case without punctuation, without the accent and with a spaced
/// legal form), one with and without "S.A. de C.V.", one listed twice on the
/// same page, a code with a trailing space, a course title with stray
/// spaces, an occupation listed twice. The figures are written here, counted
/// by a person, not computed by the harvester's own normalizers.
#[test]
fn a_hand_counted_registry_harvests_to_its_hand_counted_figures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hand_counted");
    let site = common::site(Corpus::load(&dir).unwrap(), &[]);
    let tmp = tempfile::tempdir().unwrap();
    let report = common::harvest(&common::config(&site, tmp.path())).unwrap();
    assert!(report.published(), "{:?}", report.reasons);
    let c = &report.counts;
    let figures = [
        ("estandares_vigentes", c.estandares_vigentes, 3),
        ("estandares_inactivos", c.estandares_inactivos, 1),
        ("estandares_marca", c.estandares_marca, 1),
        ("calificaciones_historicas", c.calificaciones_historicas, 0),
        ("comites", c.comites, 2),
        ("sectores", c.sectores, 2),
        // Instituto Ejemplo, Colegio de Peritos, Consultores Unidos, Universidad Tecnológica.
        ("certificadores", c.certificadores, 4),
        // EC0101: 2, EC0102: 2, EC0103: 3.
        ("ec_certificador", c.ec_certificador, 7),
        // "Curso de Cocina Básica" (twice, once with stray spaces), "Taller de Panadería".
        ("centros", c.centros, 2),
        ("ec_centro", c.ec_centro, 3),
        // Cocinero (twice on one page), Panadero.
        ("ec_ocupacion", c.ec_ocupacion, 2),
    ];
    for (name, got, want) in figures {
        assert_eq!(got as u64, want, "{name}");
    }
}

/// The HTTP cache's rule lives in the fetch layer: a 304 for a page whose
/// cached body the caller no longer holds is fetched again, unconditionally.
#[test]
fn a_304_without_a_stored_body_is_fetched_again_unconditionally() {
    use renec_harvester::crawl::{Disposition, FetchSettings, Fetcher, Outcome, Request};
    let site = site(generate(1, 141), &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&site, dir.path());
    let fetcher = Fetcher::new(FetchSettings::from_config(&cfg));
    let base = url::Url::parse(&site.base_url()).unwrap();
    fetcher
        .install_robots(&fetcher.fetch_one(Fetcher::robots_request(&base)))
        .unwrap();
    let url = renec_harvester::registry::Registry::embedded()
        .catalogue_url(&base)
        .unwrap();
    let first = fetcher.fetch_one(Request::new(url.clone()));
    let Outcome::Response(r) = first.outcome else {
        panic!("the catalogue answers")
    };
    let validators = renec_harvester::crawl::Validators {
        etag: r.etag.clone(),
        last_modified: r.last_modified.clone(),
    };
    assert!(validators.etag.is_some() || validators.last_modified.is_some());
    let mut seen = Vec::new();
    fetcher.fetch_all(
        vec![Request {
            url,
            validators: Some(validators),
        }],
        |fetched| {
            let not_modified = matches!(fetched.outcome, Outcome::NotModified);
            seen.push((not_modified, fetched.request.validators.is_some()));
            if not_modified {
                Disposition::RefetchUnconditionally
            } else {
                Disposition::Done
            }
        },
    );
    assert_eq!(seen, vec![(true, true), (false, false)]);
}
