//! `source check` against the test site: both markup modes pass, a site
//! whose panel headers were renamed fails naming the detail keys, and a
//! registry expecting a field the catalogue lacks fails naming that key.

mod common;

use renec_harvester::testsite::generate::generate;
use renec_harvester::testsite::heavy::Markup;
use std::process::Output;

fn check(site: &str, registry: Option<&std::path::Path>) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = common::bin_in(dir.path());
    cmd.env("RENEC_SOURCE_URL", site)
        .env("DOWNLOAD_DELAY", "0")
        .env("RENEC_RETRY_BACKOFF", "0.05");
    if let Some(r) = registry {
        cmd.env("RENEC_REGISTRY_FILE", r);
    }
    let out = cmd.args(["source", "check"]).output().unwrap();
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "source check stores nothing"
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn both_markup_modes_pass_and_every_source_is_reported() {
    for markup in [Markup::Light, Markup::Heavy] {
        let site = common::site_in(generate(1, 41), &[], markup);
        let out = check(&site.base_url(), None);
        let said = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{markup:?}: {said}");
        for key in [
            "ok       robots.txt",
            "ok       catalogue.fields.codigo: 100 entries",
            "ok       committees:",
            "ok       detail (",
            "ok       legacy.hub",
            "ok       legacy.listings.ESLINACT",
        ] {
            assert!(said.contains(key), "{markup:?} lacks {key:?}: {said}");
        }
    }
}

#[test]
fn renamed_panel_headers_fail_naming_the_detail_keys() {
    let site = common::site(generate(1, 41), &["detail:relabel"]);
    let out = check(&site.base_url(), None);
    let said = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(
            "MISSING  detail.panel_selector / detail.header_selector / detail.sections.*.headers"
        ) && said.contains("Sección 1"),
        "{said}"
    );
}

#[test]
fn a_catalogue_field_the_site_does_not_send_fails_naming_its_key() {
    let site = common::site(generate(1, 41), &[]);
    let dir = tempfile::tempdir().unwrap();
    let registry = dir.path().join("registry.toml");
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/registry.toml"))
            .unwrap()
            .replace("titulo = \"titulo\"", "titulo = \"tituloEstandar\"");
    std::fs::write(&registry, text).unwrap();
    let out = check(&site.base_url(), Some(&registry));
    let said = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("MISSING  catalogue.fields.titulo: no entry has the field `tituloEstandar`"),
        "{said}"
    );
}
