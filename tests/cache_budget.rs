//! The response cache is bounded by bytes, not entries: many distinct large
//! list pages never make it hold more than API_CACHE_MB (read from the
//! `api_cache_bytes` gauge of /metrics).

mod common;

use renec_harvester::testsite::generate::generate;

fn cache_bytes(base: &str) -> i64 {
    let (status, _, body) = common::get(&format!("{base}/metrics"), &[]);
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("api_cache_bytes "))
        .unwrap_or_else(|| panic!("no api_cache_bytes in {text}"))
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn distinct_large_pages_never_hold_more_than_the_budget() {
    let site = common::site(generate(3, 51), &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = renec_harvester::config::Config {
        cache_mb: 1,
        ..common::config(&site, dir.path())
    };
    assert!(common::harvest(&cfg).unwrap().published());
    let api = common::Api::start(&cfg);
    let mut served = 0usize;
    for offset in 0..120 {
        for path in ["/api/v1/ec", "/api/v1/certificadores"] {
            let (status, _, body) = common::get(
                &format!("{}{path}?limit=500&offset={offset}", api.base),
                &[],
            );
            assert_eq!(status, 200);
            served += body.len();
        }
    }
    assert!(
        served > 8 << 20,
        "enough distinct bytes asked for: {served}"
    );
    let held = cache_bytes(&api.base);
    assert!(held > 0, "the cache is in use");
    assert!(
        held <= 1 << 20,
        "the cache holds {held} bytes with a 1 MB budget"
    );
}
