//! The one route table. Each route says its method, path template, the
//! query parameters it accepts, whether its answers belong to the published
//! run (cached, with ETags), who may call it, and its handler. Matching,
//! metric labels, caching, authorization, parameter checks and `Allow`
//! headers all come from here, and a test holds the table and
//! `assets/openapi.json` equal in both directions.

use super::error::ApiError;
use super::{
    admin, centros, certificadores, changes, comites, estados, estandares, export, health, http,
    runs, search, sectores, Reply, Request,
};
use crate::entity::Kind;
use std::future::Future;
use std::pin::Pin;

/// What a handler returns.
pub type Answer<'a> = Pin<Box<dyn Future<Output = Result<Reply, ApiError>> + Send + 'a>>;
/// A handler: the request and the values of the template's `{…}` parts.
pub type Handler = for<'a> fn(&'a Request<'a>, &'a [String]) -> Answer<'a>;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Never needs a key (health, readiness, metrics, the OpenAPI document).
    Open,
    /// Needs a read or admin key only with `API_REQUIRE_KEY`.
    Read,
    /// Needs an admin key.
    Admin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
        }
    }
}

pub struct Route {
    pub verb: Verb,
    /// `/api/v1/ec/{clave}`; a `{…}` may sit inside a segment (`ec.{format}`).
    pub path: &'static str,
    /// The query parameters it accepts, in groups (filters, paging…).
    pub params: &'static [&'static [&'static str]],
    /// Answers belong to the published run: cached and revalidated by ETag.
    pub cached: bool,
    pub access: Access,
    pub handler: Handler,
}

/// A handler from an expression over `r` (the request) and `a` (the path values).
macro_rules! h {
    (|$r:ident, $a:pat_param| $body:expr) => {{
        fn handler<'a>($r: &'a Request<'a>, $a: &'a [String]) -> Answer<'a> {
            Box::pin(async move { $body.await })
        }
        handler as Handler
    }};
}

macro_rules! route {
    ($verb:ident $path:literal, $params:expr, cached: $cached:expr, $access:ident, $handler:expr) => {
        Route {
            verb: Verb::$verb,
            path: $path,
            params: $params,
            cached: $cached,
            access: Access::$access,
            handler: $handler,
        }
    };
}

// The parameters of each route, in groups: an entity's filters, then how
// a list pages (or `bom` for an export of the whole list).
const EC_FILTERS: &[&str] = &[
    "q",
    "sector",
    "nivel",
    "comite",
    "vigente",
    "tipo",
    "certificador",
    "centro",
    "estado",
    "include_retired",
    "as_of",
];
const CERT_FILTERS: &[&str] = &["q", "ec", "min_ec", "tipo", "estado", "as_of"];
const CENTRO_FILTERS: &[&str] = &["q", "ec", "min_ec", "as_of"];
const COMITE_FILTERS: &[&str] = &["q", "estado", "ec", "min_ec", "as_of"];
const SECTOR_FILTERS: &[&str] = &["q", "as_of"];
/// A list as a page of JSON (`json`), or every row as `csv` / `ndjson`.
const FORMAT: &[&str] = &["format", "bom"];
/// Facets of a list (`facet=sector,nivel`, repeatable).
const FACETS: &[&str] = &["facet"];
/// Paging of a list (a cursor or an offset).
const PAGE: &[&str] = &["limit", "offset", "cursor"];
/// Paging of a list that can be sorted.
const SORTED: &[&str] = &["sort", "limit", "offset", "cursor"];
/// An export's byte-order mark.
const BOM: &[&str] = &["bom"];
const AS_OF: &[&[&str]] = &[&["as_of"]];
const FEED: &[&[&str]] = &[&["entity", "sector", "estado", "limit"]];
const NONE: &[&[&str]] = &[];

/// Every route, in matching order (a literal segment before a `{…}` one).
pub static ROUTES: &[Route] = &[
    route!(Get "/health", NONE, cached: false, Open, h!(|r, _| health::health(r))),
    route!(Get "/ready", NONE, cached: false, Open, h!(|r, _| health::ready(r))),
    route!(Get "/metrics", NONE, cached: false, Open, h!(|r, _| health::metrics(r))),
    route!(Get "/api/v1/openapi.json", NONE, cached: false, Open, h!(|_r, _| async { Ok(http::openapi()) })),
    route!(Get "/api/v1/ec", &[EC_FILTERS, FACETS, FORMAT, SORTED], cached: true, Read, h!(|r, _| estandares::list(r))),
    route!(Get "/api/v1/ec/{clave}", AS_OF, cached: true, Read, h!(|r, a| estandares::get(r, &a[0]))),
    route!(Get "/api/v1/ec/{clave}/history", NONE, cached: true, Read, h!(|r, a| changes::history(r, Kind::Ec, &a[0]))),
    route!(Get "/api/v1/certificadores", &[CERT_FILTERS, FACETS, FORMAT, SORTED], cached: true, Read, h!(|r, _| certificadores::list(r))),
    route!(Get "/api/v1/certificadores/tipos", AS_OF, cached: true, Read, h!(|r, _| certificadores::types(r))),
    route!(Get "/api/v1/certificadores/{id}", AS_OF, cached: true, Read, h!(|r, a| certificadores::get(r, &a[0]))),
    route!(Get "/api/v1/certificadores/{id}/estandares", &[EC_FILTERS, FACETS, FORMAT, SORTED], cached: true, Read, h!(|r, a| certificadores::standards(r, &a[0]))),
    route!(Get "/api/v1/certificadores/{id}/history", NONE, cached: true, Read, h!(|r, a| changes::history(r, Kind::Certificador, &a[0]))),
    route!(Get "/api/v1/centros", &[CENTRO_FILTERS, FORMAT, SORTED], cached: true, Read, h!(|r, _| centros::list(r))),
    route!(Get "/api/v1/centros/{id}", AS_OF, cached: true, Read, h!(|r, a| centros::get(r, &a[0]))),
    route!(Get "/api/v1/centros/{id}/estandares", &[EC_FILTERS, FACETS, FORMAT, SORTED], cached: true, Read, h!(|r, a| centros::standards(r, &a[0]))),
    route!(Get "/api/v1/comites", &[COMITE_FILTERS, FORMAT, SORTED], cached: true, Read, h!(|r, _| comites::list(r))),
    route!(Get "/api/v1/comites/{id}", AS_OF, cached: true, Read, h!(|r, a| comites::get(r, &a[0]))),
    route!(Get "/api/v1/comites/{id}/estandares", &[EC_FILTERS, FACETS, FORMAT, SORTED], cached: true, Read, h!(|r, a| comites::standards(r, &a[0]))),
    route!(Get "/api/v1/comites/{id}/history", NONE, cached: true, Read, h!(|r, a| changes::history(r, Kind::Comite, &a[0]))),
    route!(Get "/api/v1/sectores", &[SECTOR_FILTERS, FORMAT, PAGE], cached: true, Read, h!(|r, _| sectores::list(r))),
    route!(Get "/api/v1/sectores/{id}", AS_OF, cached: true, Read, h!(|r, a| sectores::get(r, &a[0]))),
    route!(Get "/api/v1/sectores/{id}/estandares", &[EC_FILTERS, FACETS, FORMAT, SORTED], cached: true, Read, h!(|r, a| sectores::standards(r, &a[0]))),
    route!(Get "/api/v1/estados", AS_OF, cached: true, Read, h!(|r, _| estados::list(r))),
    route!(Get "/api/v1/search", &[&["q", "tipo"], FACETS, PAGE], cached: true, Read, h!(|r, _| search::search(r))),
    route!(Get "/api/v1/graph", &[&["sector", "estado", "certifica_en", "comite"]], cached: true, Read, h!(|r, _| search::graph(r))),
    // Not cached: besides the published run's counts it says what changes
    // between publishes (the last run, the bundle served, PostgreSQL's sync).
    route!(Get "/api/v1/stats", NONE, cached: false, Read, h!(|r, _| runs::stats(r))),
    route!(Get "/api/v1/runs", &[PAGE], cached: false, Read, h!(|r, _| runs::list(r))),
    route!(Get "/api/v1/runs/{id}", NONE, cached: false, Read, h!(|r, a| runs::get(r, &a[0]))),
    route!(Get "/api/v1/runs/{id}/diff", &[&["against", "format"]], cached: false, Read, h!(|r, a| changes::diff(r, &a[0]))),
    route!(Get "/api/v1/changes.json", FEED, cached: true, Read, h!(|r, _| changes::feed(r, false))),
    route!(Get "/api/v1/changes.atom", FEED, cached: true, Read, h!(|r, _| changes::feed(r, true))),
    route!(Get "/api/v1/scheduler", NONE, cached: false, Read, h!(|r, _| runs::scheduler(r))),
    route!(Get "/api/v1/export/ec.{format}", &[EC_FILTERS, BOM], cached: false, Read, h!(|r, a| export::export(r, Kind::Ec, &a[0]))),
    route!(Get "/api/v1/export/certificadores.{format}", &[CERT_FILTERS, BOM], cached: false, Read, h!(|r, a| export::export(r, Kind::Certificador, &a[0]))),
    route!(Get "/api/v1/export/centros.{format}", &[CENTRO_FILTERS, BOM], cached: false, Read, h!(|r, a| export::export(r, Kind::Centro, &a[0]))),
    route!(Get "/api/v1/export/comites.{format}", &[COMITE_FILTERS, BOM], cached: false, Read, h!(|r, a| export::export(r, Kind::Comite, &a[0]))),
    route!(Get "/api/v1/export/sectores.{format}", &[SECTOR_FILTERS, BOM], cached: false, Read, h!(|r, a| export::export(r, Kind::Sector, &a[0]))),
    route!(Post "/api/v1/admin/harvest", NONE, cached: false, Admin, h!(|r, _| admin::start_harvest(r))),
    route!(Post "/api/v1/admin/harvest/stop", NONE, cached: false, Admin, h!(|r, _| admin::stop_harvest(r))),
    route!(Get "/api/v1/admin/snapshots", NONE, cached: false, Admin, h!(|r, _| admin::snapshots(r, false))),
    route!(Post "/api/v1/admin/snapshots", NONE, cached: false, Admin, h!(|r, _| admin::snapshots(r, true))),
    route!(Get "/api/v1/admin/config", NONE, cached: false, Admin, h!(|r, _| admin::config(r))),
    route!(Get "/api/v1/admin/audit", &[PAGE], cached: false, Admin, h!(|r, _| admin::audit(r))),
];

/// What a path and method found.
pub enum Found {
    Route(&'static Route, Vec<String>),
    /// The path exists, not with this method; the methods it takes.
    WrongMethod(String),
    None,
}

/// A segment of a path template: a literal, or a `{…}` part with the
/// literal text around it (`ec.{format}`: prefix `ec.`, suffix empty).
enum Part {
    Literal(&'static str),
    Value {
        prefix: &'static str,
        suffix: &'static str,
    },
}

impl Part {
    fn of(template: &'static str) -> Part {
        match template.split_once('{') {
            None => Part::Literal(template),
            Some((prefix, rest)) => Part::Value {
                prefix,
                suffix: rest.split_once('}').map_or("", |(_, s)| s),
            },
        }
    }

    /// Matches one path segment; the `{…}` value if any.
    fn matches(&self, seg: &str) -> Option<Option<String>> {
        match self {
            Part::Literal(t) => (*t == seg).then_some(None),
            Part::Value { prefix, suffix } => {
                let value = seg.strip_prefix(prefix)?.strip_suffix(suffix)?;
                (!value.is_empty()).then(|| Some(value.to_string()))
            }
        }
    }
}

/// Each route's template, split into parts once (same order as `ROUTES`).
static TEMPLATES: std::sync::LazyLock<Vec<Vec<Part>>> = std::sync::LazyLock::new(|| {
    ROUTES
        .iter()
        .map(|r| r.path.trim_matches('/').split('/').map(Part::of).collect())
        .collect()
});

/// The `{…}` values when `segs` (decoded) match `template`.
fn matches(template: &[Part], segs: &[String]) -> Option<Vec<String>> {
    // No allocation for the routes that do not match (every request tries several).
    if template.len() != segs.len() {
        return None;
    }
    let mut values = Vec::new();
    for (part, s) in template.iter().zip(segs) {
        if let Some(v) = part.matches(s)? {
            values.push(v);
        }
    }
    Some(values)
}

/// A request path as the table matches it: its non-empty segments,
/// percent-decoded (bytes that are not UTF-8 become U+FFFD).
pub fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

/// The route of a request (HEAD is answered as GET).
pub fn find(method: &warp::http::Method, segs: &[String]) -> Found {
    let verb = match method.as_str() {
        "GET" | "HEAD" => Some(Verb::Get),
        "POST" => Some(Verb::Post),
        _ => None,
    };
    for (route, template) in ROUTES.iter().zip(TEMPLATES.iter()) {
        if Some(route.verb) == verb {
            if let Some(values) = matches(template, segs) {
                return Found::Route(route, values);
            }
        }
    }
    match allow(segs) {
        Some(allow) => Found::WrongMethod(allow),
        None => Found::None,
    }
}

/// The methods a path of the table takes, as an `Allow` value (HEAD with
/// GET, and OPTIONS, which every path answers); None for a path not in it.
pub fn allow(segs: &[String]) -> Option<String> {
    let mut allowed: Vec<&str> = Vec::new();
    for (route, _) in ROUTES
        .iter()
        .zip(TEMPLATES.iter())
        .filter(|(_, t)| matches(t, segs).is_some())
    {
        let verb = route.verb.as_str();
        if !allowed.contains(&verb) {
            allowed.push(verb);
            if route.verb == Verb::Get {
                allowed.push("HEAD");
            }
        }
    }
    if allowed.is_empty() {
        return None;
    }
    allowed.push("OPTIONS");
    Some(allowed.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn segs(path: &str) -> Vec<String> {
        path.trim_matches('/')
            .split('/')
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn literal_segments_win_and_values_are_captured() {
        let get = warp::http::Method::GET;
        let Found::Route(r, v) = find(&get, &segs("/api/v1/certificadores/tipos")) else {
            panic!("no route")
        };
        assert_eq!((r.path, v.len()), ("/api/v1/certificadores/tipos", 0));
        let Found::Route(r, v) = find(&get, &segs("/api/v1/export/comites.csv")) else {
            panic!("no route")
        };
        assert_eq!(
            (r.path, v),
            ("/api/v1/export/comites.{format}", vec!["csv".to_string()])
        );
        assert!(matches!(find(&get, &segs("/api/v1/nada")), Found::None));
        let Found::WrongMethod(allow) = find(&get, &segs("/api/v1/admin/harvest")) else {
            panic!("a POST route")
        };
        assert_eq!(allow, "POST, OPTIONS");
        let Found::WrongMethod(allow) = find(
            &warp::http::Method::DELETE,
            &segs("/api/v1/admin/snapshots"),
        ) else {
            panic!("a GET and POST route")
        };
        assert_eq!(allow, "GET, HEAD, POST, OPTIONS");
    }

    /// Every route and every parameter of the table is in `assets/openapi.json`, and the reverse.
    #[test]
    fn the_table_and_the_openapi_document_agree() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../assets/openapi.json")).unwrap();
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let params = op["parameters"].as_array().cloned().unwrap_or_default();
                let names = |place: &str| -> BTreeSet<String> {
                    params
                        .iter()
                        .filter(|p| p["in"] == place)
                        .map(|p| p["name"].as_str().unwrap().to_string())
                        .collect()
                };
                documented.insert((
                    method.to_uppercase(),
                    path.clone(),
                    names("query"),
                    names("path"),
                ));
            }
        }
        let served: BTreeSet<_> = ROUTES
            .iter()
            .map(|r| {
                let captures = r
                    .path
                    .split('{')
                    .skip(1)
                    .map(|s| s.split('}').next().unwrap().to_string())
                    .collect();
                (
                    r.verb.as_str().to_string(),
                    r.path.to_string(),
                    r.params
                        .iter()
                        .flat_map(|g| g.iter())
                        .map(|p| p.to_string())
                        .collect(),
                    captures,
                )
            })
            .collect();
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let unserved: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty() && unserved.is_empty(),
            "served but not documented as such: {undocumented:#?}\ndocumented but not served as such: {unserved:#?}"
        );
    }
}
