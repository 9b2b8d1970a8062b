use super::*;

#[test]
fn routes_every_source() {
    let c = generate::generate(1, 3);
    let (class, a) = route(
        &c,
        heavy::Markup::Light,
        "/CONOCERBACKCITAS/sectoresProductivos/getEstandaresAll",
    );
    assert_eq!((class, a.status), (Class::Catalogue, 200));
    let first = *c.comites.keys().next().unwrap();
    assert_eq!(
        route(
            &c,
            heavy::Markup::Light,
            &format!("/CONOCERBACKCITAS/comites/{first}")
        )
        .1
        .status,
        200
    );
    assert_eq!(
        route(&c, heavy::Markup::Light, "/CONOCERBACKCITAS/comites/getAll")
            .1
            .status,
        400
    );
    assert_eq!(
        route(
            &c,
            heavy::Markup::Light,
            "/acciones_movil/renec_v2/competencia/EC0007"
        )
        .1
        .status,
        200
    );
    assert_eq!(
        route(
            &c,
            heavy::Markup::Light,
            "/acciones_movil/renec_v2/competencia/EC9999"
        )
        .1
        .status,
        404
    );
    assert_eq!(
        route(
            &c,
            heavy::Markup::Light,
            "/RENEC/controlador.do?comp=ESLINACT&pagina=1"
        )
        .1
        .status,
        200
    );
    assert_eq!(
        route(&c, heavy::Markup::Light, "/RENEC/controlador.do?comp=NADA")
            .1
            .status,
        404
    );
}

#[test]
fn control_characters_land_inside_strings() {
    let body = inject_control_chars(br#"{"a":"x","b":"y","c":"z"}"#);
    assert!(body.windows(2).any(|w| w == b"\x01\x0b"));
    assert!(serde_json::from_slice::<serde_json::Value>(&body).is_err());
    let cleaned = crate::sources::strip_json_controls(&body);
    assert!(serde_json::from_slice::<serde_json::Value>(&cleaned).is_ok());
}
