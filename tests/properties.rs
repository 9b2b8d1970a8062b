//! Property tests of every parser and normalizer: they are pure functions of
//! their input, so arbitrary bytes (and arbitrary pages built from the
//! shapes the site serves) must give a value or an error, never a panic, and
//! the normalizers must keep their promises (idempotent cleaning, stable
//! keys, round trips). A groundwork for the fuzzing of the proof suite.

use proptest::prelude::*;
use renec_harvester::api::params::{encode_cursor, Params};
use renec_harvester::crawl::decode;
use renec_harvester::normalize::{clean, codes, fold_key, names, phone, states};
use renec_harvester::registry::Registry;
use renec_harvester::sources::{catalogue, committees, detail, legacy};

/// Text with the characters that trouble parsers: controls, markup, quotes,
/// accents, no-break and wide spaces.
fn nasty_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            any::<char>().prop_map(|c| c.to_string()),
            Just("\u{0}".to_string()),
            Just("\u{a0}".to_string()),
            Just("\u{3000}".to_string()),
            Just("<".to_string()),
            Just("&amp;".to_string()),
            Just("\"".to_string()),
            Just("é".to_string()),
            Just("E\u{301}".to_string()),
            Just(", ".to_string()),
            Just("EC0217.01".to_string()),
            "[a-zA-Z ]{1,8}",
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

/// A JSON value of any shape, a few levels deep.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        nasty_text().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("codigo".to_string()),
                    Just("titulo".to_string()),
                    Just("nivel".to_string()),
                    Just("results".to_string()),
                    Just("responseStatus".to_string()),
                    Just("estandaresAsociados".to_string()),
                    Just("codigoPostal".to_string()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A detail page assembled from the shapes renec-site.md describes, with
/// arbitrary headers, cells and nesting.
fn detail_page() -> impl Strategy<Value = String> {
    let header = prop_oneof![
        Just("¿EN DÓNDE PUEDO CERTIFICARME?".to_string()),
        Just("¿En dónde puedo capacitarme?".to_string()),
        Just("DESCRIPCIÓN DEL ESTÁNDAR".to_string()),
        Just("Comité de Gestión por Competencias".to_string()),
        nasty_text(),
    ];
    let column = prop_oneof![
        Just("Certificador".to_string()),
        Just("Entidad federativa".to_string()),
        Just("Tipo".to_string()),
        Just("Ocupaciones".to_string()),
        nasty_text(),
    ];
    let cell = nasty_text().prop_map(|t| t.replace('<', "&lt;"));
    let table = (
        prop::collection::vec(column, 0..4),
        prop::collection::vec(prop::collection::vec(cell, 0..4), 0..5),
        0..3u8,
    )
        .prop_map(|(heads, rows, shape)| match shape {
            0 => format!(
                "<table><tr>{}</tr>{}</table>",
                heads
                    .iter()
                    .map(|h| format!("<th>{h}</th>"))
                    .collect::<String>(),
                rows.iter()
                    .map(|r| format!(
                        "<tr>{}</tr>",
                        r.iter()
                            .map(|c| format!("<td>{c}</td>"))
                            .collect::<String>()
                    ))
                    .collect::<String>()
            ),
            1 => format!(
                "<mat-table role=\"grid\"><mat-header-row>{}</mat-header-row>{}</mat-table>",
                heads
                    .iter()
                    .map(|h| format!("<mat-header-cell>{h}</mat-header-cell>"))
                    .collect::<String>(),
                rows.iter()
                    .map(|r| format!(
                        "<mat-row>{}</mat-row>",
                        r.iter()
                            .map(|c| format!("<mat-cell>{c}</mat-cell>"))
                            .collect::<String>()
                    ))
                    .collect::<String>()
            ),
            _ => format!(
                "<ul>{}</ul>",
                rows.iter()
                    .flatten()
                    .map(|c| format!("<li>{c}<ul><li>{c}</li></ul></li>"))
                    .collect::<String>()
            ),
        });
    (
        nasty_text(),
        prop::collection::vec((header, prop::collection::vec(table, 0..3)), 0..5),
    )
        .prop_map(|(title, panels)| {
            let mut html = format!("<app-competencia><p class=\"titulo-estandar\">{title}</p><mat-accordion>");
            for (h, tables) in panels {
                html.push_str(&format!(
                    "<mat-expansion-panel><mat-expansion-panel-header>{h}</mat-expansion-panel-header>{}</mat-expansion-panel>",
                    tables.concat()
                ));
            }
            html.push_str("</mat-accordion></app-competencia>");
            html
        })
}

// 256 cases each (proptest's default); `PROPTEST_CASES=20000 cargo test
// --release --test properties` searches longer.
proptest! {
    #[test]
    fn the_catalogue_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512), v in json_value()) {
        let fields = &Registry::embedded().catalogue.fields;
        let _ = catalogue::parse(&bytes, fields);
        let doc = serde_json::to_vec(&serde_json::Value::Array(vec![v.clone(), v])).unwrap();
        if let Ok(c) = catalogue::parse(&doc, fields) {
            prop_assert!(c.rows.len() + c.rejected.len() <= 2);
        }
    }

    #[test]
    fn the_committee_parser_never_panics(id in any::<u32>(), bytes in prop::collection::vec(any::<u8>(), 0..512), v in json_value()) {
        let reg = &Registry::embedded().committees;
        let _ = committees::parse(id, &bytes, reg);
        let wrapped = serde_json::json!({"responseStatus": 200, "results": v});
        let _ = committees::parse(id, wrapped.to_string().as_bytes(), reg);
    }

    #[test]
    fn the_detail_parser_never_panics_and_never_keeps_empty_names(html in detail_page(), junk in nasty_text()) {
        let reg = &Registry::embedded().detail;
        let _ = detail::parse(&junk, reg);
        let page = detail::parse(&html, reg);
        prop_assert!(page.certificadores.iter().all(|r| !r.nombre.is_empty() && r.estados.iter().all(|e| !e.is_empty())));
        prop_assert!(page.ocupaciones.iter().chain(&page.centros).chain(&page.miembros).all(|v| !v.is_empty()));
    }

    #[test]
    fn the_legacy_parser_and_the_decoder_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..1024),
        content_type in prop::option::of(prop_oneof![
            Just("text/html; charset=windows-1252".to_string()),
            Just("text/html; charset=utf-8".to_string()),
            Just("text/html; charset=nonsense".to_string()),
            nasty_text(),
        ]),
        rows in prop::collection::vec(prop::collection::vec(nasty_text(), 0..4), 0..6),
    ) {
        let html = decode::decode(&bytes, content_type.as_deref());
        let url = url::Url::parse("http://127.0.0.1/RENEC/controlador.do?comp=ESLINACT").unwrap();
        let reg = &Registry::embedded().legacy;
        let _ = legacy::parse(&html, &url, reg);
        let table = format!(
            "<table class=\"dataTable\"><tr><th>Código</th><th>Título</th><th>Comité</th></tr>{}</table><a href=\"controlador.do?comp=ESLINACT&pagina=2\">Siguiente</a>",
            rows.iter().map(|r| format!("<tr>{}</tr>", r.iter().map(|c| format!("<td>{c}</td>")).collect::<String>())).collect::<String>()
        );
        let _ = legacy::parse(&table, &url, reg);
    }

    #[test]
    fn cleaning_and_folding_are_idempotent(s in nasty_text()) {
        let c = clean(&s);
        prop_assert_eq!(clean(&c), c.clone());
        prop_assert!(!c.starts_with(char::is_whitespace) && !c.ends_with(char::is_whitespace));
        let k = fold_key(&s);
        prop_assert_eq!(fold_key(&k), k.clone());
        let key = names::org_key(&s);
        prop_assert_eq!(names::org_key(&key), key.clone());
    }

    #[test]
    fn a_certifier_keeps_its_id_in_upper_case_and_with_extra_white_space(
        name in "[A-Za-zÁÉÍÓÚÑÜáéíóúñü0-9 ,.&\"-]{1,40}"
    ) {
        let id = |n: &str| names::stable_id("cert", &names::org_key(n));
        prop_assert_eq!(id(&name), id(&name.to_uppercase()));
        prop_assert_eq!(id(&name), id(&format!("  {}\u{a0}", name.replace(' ', "  "))));
    }

    #[test]
    fn normalizers_never_panic(s in nasty_text()) {
        let _ = codes::classify(&s);
        let _ = codes::EcCode::parse(&s);
        let _ = phone::to_e164(&s);
        let _ = names::certifier_type(&s);
        let _ = names::committee_full_name(&s);
        if let Some(code) = states::inegi_code(&s) {
            prop_assert_eq!(states::inegi_code(states::state_name(code).unwrap()), Some(code));
        }
    }

    #[test]
    fn query_strings_give_parameters_or_a_400(raw in "[a-z_=&%0-9A-F.+-]{0,64}", offset in any::<u32>()) {
        // Offsets (and cursors) go up to 10,000,000: larger ones are refused.
        if let Ok(p) = Params::parse(Some(&raw), &["q", "limit", "offset", "cursor", "estado", "nivel"]) {
            let _ = p.page();
            let _ = p.estado();
            let _ = p.int("nivel", 1, 5);
        }
        let cursor = format!("cursor={}", encode_cursor(u64::from(offset)));
        let p = Params::parse(Some(&cursor), &["cursor"]).unwrap();
        if offset <= 10_000_000 {
            prop_assert_eq!(p.page().unwrap().offset, u64::from(offset));
        } else {
            prop_assert!(p.page().is_err());
        }
    }
}

#[test]
fn every_state_name_round_trips() {
    for (code, name) in states::STATES {
        assert_eq!(states::inegi_code(name), Some(code));
        assert_eq!(states::inegi_code(&name.to_uppercase()), Some(code));
    }
}
