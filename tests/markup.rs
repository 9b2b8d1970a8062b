//! Coverage means "understood": answers the parser does not recognise are
//! not counted as covered, and a first run over a site whose markup or
//! JSON changed is held with a reason that says so and names the registry
//! keys to edit, instead of publishing standards without certifiers or
//! titles.

mod common;

use renec_harvester::harvest;
use renec_harvester::registry::Registry;
use renec_harvester::store::Store;
use renec_harvester::testsite::generate::generate;

#[test]
fn detail_pages_with_unknown_panel_headers_hold_the_first_run() {
    let site = common::site(generate(1, 31), &["detail:relabel"]);
    let dir = tempfile::tempdir().unwrap();
    let report = common::harvest(&common::config(&site, dir.path())).unwrap();
    assert!(!report.published(), "{:?}", report.reasons);
    let reason = report
        .reasons
        .iter()
        .find(|r| r.starts_with("coverage of detail is 0.00%"))
        .unwrap_or_else(|| panic!("{:?}", report.reasons));
    assert!(
        reason.contains("were not recognised: the site's markup may have changed")
            && reason.contains("detail.sections.*.headers"),
        "{reason}"
    );
    assert_eq!(report.coverage["detail"].unrecognised, 100);
    let issue = report
        .issues
        .keys()
        .find(|k| k.starts_with("detail: markup not recognised"))
        .unwrap_or_else(|| panic!("{:?}", report.issues));
    assert!(issue.contains("Sección 1"), "the headers it saw: {issue}");
    let store = Store::open(&common::config(&site, dir.path()).sqlite_path()).unwrap();
    assert_eq!(
        store.last_published_run().unwrap(),
        None,
        "nothing published"
    );
}

#[test]
fn a_few_unrecognised_pages_are_issues_and_publish_nothing_of_theirs() {
    // About 1 page in 20 relabelled, with a 90 % coverage threshold: the run
    // is published, each such page is a data issue, and it is not counted
    // as covered.
    let site = common::site(generate(1, 31), &["detail:relabel:0.05"]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = renec_harvester::config::Config {
        min_coverage: 0.9,
        ..common::config(&site, dir.path())
    };
    let report = common::harvest(&cfg).unwrap();
    let detail = report.coverage["detail"];
    assert!(
        (1..=10).contains(&detail.unrecognised),
        "{}",
        detail.unrecognised
    );
    assert_eq!(detail.covered + detail.unrecognised, detail.expected);
    assert!(report.published(), "{:?}", report.reasons);
    let issues: i64 = report
        .issues
        .iter()
        .filter(|(k, _)| k.starts_with("detail: markup not recognised"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(issues as u64, detail.unrecognised);
}

#[test]
fn a_catalogue_field_no_entry_carries_holds_the_run_naming_its_registry_key() {
    let site = common::site(generate(1, 32), &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(&site, dir.path());
    // The site renamed `titulo` (seen from here: the registry expects a name
    // the site does not use).
    let mut registry = Registry::embedded();
    registry.catalogue.fields.titulo = "tituloEstandar".into();
    let mut store = Store::open(&cfg.sqlite_path()).unwrap();
    let report = harvest::run(&cfg, &registry, &mut store, false).unwrap();
    assert!(!report.published());
    assert!(
        report
            .reasons
            .iter()
            .any(|r| r.starts_with("coverage of catalogue is 0.00%")
                && r.contains("catalogue.fields")),
        "{:?}",
        report.reasons
    );
    assert!(
        report.issues.keys().any(|k| k.contains(
            "no entry of the catalogue has the field `tituloEstandar` (registry key catalogue.fields.titulo)"
        )),
        "{:?}",
        report.issues
    );
}
