//! The HTML sources: the body decoder (charsets), the detail-page parser and
//! the legacy listing parser, on arbitrary bytes; the detail parser reads
//! the same from a page cut to its panels as from the whole page.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renec_harvester::crawl::decode;
use renec_harvester::registry::Registry;
use renec_harvester::sources::{detail, legacy};
use std::sync::OnceLock;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::embedded)
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the declared charset, as a server's header would.
    let (head, body) = data.split_first().map_or((0, data), |(h, b)| (*h, b));
    let content_type = match head % 4 {
        0 => None,
        1 => Some("text/html; charset=utf-8"),
        2 => Some("text/html; charset=windows-1252"),
        _ => Some("text/html; charset=no-such-charset"),
    };
    let html = decode::decode(body, content_type);
    let reg = registry();
    let parser = detail::Parser::new(&reg.detail);
    let page = parser.parse(&html);
    // Cut to the part from its title to its last panel or not, a page reads
    // the same.
    assert_eq!(page, parser.parse_whole(&html));
    // Nothing empty is ever kept as a name or a value.
    assert!(page.certificadores.iter().all(|c| !c.nombre.is_empty()));
    assert!(page
        .ocupaciones
        .iter()
        .chain(&page.centros)
        .chain(&page.miembros)
        .all(|v| !v.is_empty()));
    let url = url::Url::parse("http://127.0.0.1/RENEC/controlador.do?comp=ESLINACT").unwrap();
    let _ = legacy::parse(&html, &url, &reg.legacy);
});
