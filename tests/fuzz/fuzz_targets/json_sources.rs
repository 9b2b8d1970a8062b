//! The JSON sources: the control-character sanitizer, the catalogue parser
//! and the committee parser, on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renec_harvester::registry::Registry;
use renec_harvester::sources::{catalogue, committees, strip_json_controls};
use std::sync::OnceLock;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::embedded)
}

fuzz_target!(|data: &[u8]| {
    let cleaned = strip_json_controls(data);
    // The sanitizer only removes bytes: never adds or reorders them.
    assert!(cleaned.len() <= data.len());
    let reg = registry();
    if let Ok(c) = catalogue::parse(data, &reg.catalogue.fields) {
        assert!(c.rows.len() + c.rejected.len() <= c.reported);
    }
    let id = data.first().map_or(0, |b| u32::from(*b));
    let _ = committees::parse(id, data, &reg.committees);
});
