use super::*;

#[test]
fn deterministic_and_linear_in_scale() {
    let a = generate(1, 7);
    let b = generate(1, 7);
    assert_eq!(a.catalogue, b.catalogue);
    assert_eq!(a.detalles, b.detalles);
    let c = generate(3, 7);
    assert_eq!(a.catalogue.len(), 100);
    assert_eq!(c.catalogue.len(), 300);
    assert_eq!(c.comites.len(), 120);
}

#[test]
fn carries_the_real_quirks() {
    let c = generate(1, 1);
    let codes: Vec<&str> = c
        .catalogue
        .iter()
        .map(|r| r["codigo"].as_str().unwrap())
        .collect();
    assert!(codes.iter().any(|c| c.ends_with(' ')));
    assert!(codes.iter().any(|c| c.ends_with('\u{a0}')));
    let ids: Vec<u32> = c.comites.keys().copied().collect();
    assert!(ids.windows(2).any(|w| w[1] - w[0] > 75));
    assert!(
        !c.listings["ESLINACT"].is_empty()
            && !c.listings["MARCA"].is_empty()
            && !c.listings["ESLHIST"].is_empty()
    );
    let e = c.expected();
    assert!(e.certificadores > 20 && e.ec_certificador > 100, "{e:?}");
}
