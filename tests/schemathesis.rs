//! The API against its own OpenAPI document, by schemathesis (PyPI): every
//! check it has, over every read route and the admin routes with an admin
//! key, on the service (`serve`) over a harvested test-site database. Zero failures: no
//! 5xx, every answer in its documented status, content type and schema,
//! every documented parameter accepted and undocumented input refused.
//! `openapi-spec-validator` accepts the document first.
//!
//! Needs `st` and `openapi-spec-validator` on PATH (`.ci/run` installs them
//! in a virtualenv); `SCHEMATHESIS_MAX_EXAMPLES` sets the examples per
//! operation (25 by default).

mod common;

use renec_harvester::testsite::generate::generate;
use std::process::Command;

fn tool(name: &str) -> Command {
    let mut cmd = Command::new(name);
    cmd.env("NO_COLOR", "1");
    cmd
}

#[test]
#[ignore = "needs schemathesis and openapi-spec-validator (pip); .ci/run installs them and runs it"]
fn the_api_conforms_to_its_openapi_document() {
    let document = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/openapi.json");
    let out = tool("openapi-spec-validator")
        .arg(document)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openapi-spec-validator: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let site = common::site(generate(1, 5), &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(&site, dir.path());
    assert!(common::harvest(&cfg).unwrap().published());
    let key = common::apikey(dir.path(), "schemathesis", "admin");
    // The service itself, with its scheduler: the admin routes start and
    // stop real harvests of the test site.
    let mut serve = common::bin_in(dir.path());
    serve
        .arg("serve")
        .env("RENEC_SOURCE_URL", site.base_url())
        .env("DOWNLOAD_DELAY", "0")
        // schemathesis presents bad keys on purpose (its ignored_auth check):
        // with the default limit its address would be blocked, and the
        // admin routes answer 429 untested (tests/security.rs tests the block).
        .env("API_FAILED_KEYS_PER_MINUTE", "100000");
    let (child, base) = common::serve(serve);

    let examples = std::env::var("SCHEMATHESIS_MAX_EXAMPLES").unwrap_or_else(|_| "25".into());
    let out = tool("st")
        .current_dir(dir.path())
        .args(["run", &format!("{base}/api/v1/openapi.json")])
        .args(["--url", &base])
        .args(["--checks", "all"])
        .args(["--max-examples", &examples])
        .arg("--generation-deterministic")
        .args(["--workers", "2"])
        .args(["--header", &format!("Authorization: Bearer {key}")])
        .output()
        .unwrap();
    common::stop(child);
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
