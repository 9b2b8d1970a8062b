//! robots.txt: any body gives a policy, and asking it about URLs never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renec_harvester::crawl::robots::RobotsPolicy;

fuzz_target!(|data: &[u8]| {
    let policy = RobotsPolicy::parse(data);
    if let Some(delay) = policy.crawl_delay() {
        assert!(delay.is_finite() && delay >= 0.0, "crawl delay {delay}");
    }
    for url in [
        "http://127.0.0.1/",
        "http://127.0.0.1/RENEC/controlador.do?comp=ES",
        "http://127.0.0.1/api/estandares/getEstandaresAll",
        "http://127.0.0.1/privado/x",
    ] {
        let _ = policy.allowed(url);
    }
    // The input's own lines, as paths.
    for line in String::from_utf8_lossy(data).lines().take(8) {
        if let Some((_, path)) = line.split_once(':') {
            let _ = policy.allowed(&format!("http://127.0.0.1/{}", path.trim()));
        }
    }
});
