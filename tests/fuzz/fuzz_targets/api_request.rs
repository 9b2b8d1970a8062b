//! The API's request parsing: a path matched against the route table and a
//! query string checked against the route's parameters, then read with
//! every rule (numbers, booleans, states, sorts, lists, paging). An input
//! starting with `POST ` is a POST.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renec_harvester::api::params::Params;
use renec_harvester::api::routes::{self, Found};
use warp::http::Method;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (method, target) = match text.strip_prefix("POST ") {
        Some(rest) => (Method::POST, rest),
        None => (Method::GET, &*text),
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let segs = routes::segments(path);
    let groups: &[&[&str]] = match routes::find(&method, &segs) {
        Found::Route(route, values) => {
            assert_eq!(values.len(), route.path.matches('{').count());
            route.params
        }
        Found::WrongMethod(allow) => {
            assert!(allow.ends_with("OPTIONS"));
            return;
        }
        Found::None => &[&[
            "q", "limit", "offset", "cursor", "estado", "nivel", "sort", "facet", "bom", "as_of",
        ]],
    };
    let Ok(p) = Params::parse_groups(Some(query), groups) else {
        return;
    };
    let _ = p.canonical();
    for name in ["q", "as_of", "sector"] {
        let _ = p.text(name);
        let _ = p.typed(name);
    }
    let _ = p.int("nivel", 1, 5);
    let _ = p.boolean("bom");
    let _ = p.estado();
    let _ = p.list("facet", &["sector", "nivel", "comite"]);
    let _ = p.one_of("format", &["json", "csv"]);
    let _ = p.sort(&[("clave", 0u8), ("titulo", 1u8)], 0u8);
    if let Ok(page) = p.page() {
        assert!(page.limit >= 1 && page.limit <= 500);
        assert!(page.offset <= 10_000_000);
    }
});
