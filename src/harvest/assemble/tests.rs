//! Assembling parsed sources: identities, conflicts, kinds and links.

use super::*;
use crate::sources::catalogue::CatalogueRow;
use crate::sources::detail::{CertifierRow, DetailPage};

/// Assembles with person fields dropped and short made-up URLs.
fn assemble_plain(h: Harvested) -> Dataset {
    let opts = AssembleOptions {
        keep_person_fields: false,
        detail_url: &|c| format!("d/{c}"),
        listing_url: &|t| format!("l/{}", t.as_str()),
    };
    assemble(h, &opts)
}

fn row(code: &str, sector: &str) -> CatalogueRow {
    CatalogueRow {
        codigo_raw: code.into(),
        id: Some("1".into()),
        titulo: Some(format!("Título {code}")),
        nivel: Some("2".into()),
        comite: Some("de Turismo".into()),
        sector_id: Some("7".into()),
        sector: Some(sector.into()),
    }
}

fn page(certs: &[&str]) -> DetailPage {
    DetailPage {
        codigo: None,
        titulo: Some("t".into()),
        certificadores: certs.iter().map(|s| CertifierRow::named(s)).collect(),
        ocupaciones: vec!["Cocinero".into(), "Cocinero".into()],
        ..DetailPage::default()
    }
}

#[test]
fn builds_unique_keys_stable_certifier_ids_and_aliases() {
    let mut details = DetailFacts::default();
    details.add(
        "EC0001",
        "u1",
        page(&["Grupo Plentum, S.A. de C.V.", "ICEMéxico"]),
    );
    details.add("EC1571", "u2", page(&["GRUPO PLENTUM SA DE CV"]));
    let h = Harvested {
        catalogue: Some(Catalogue {
            rows: vec![
                row("EC0001", "TURISMO"),
                row("EC1571 ", "TURISMO"),
                row("EC0001", "TURISMO"),
                row(" ", "X"),
            ],
            reported: 4,
            rejected: vec![],
            missing_fields: vec![],
        }),
        committees: vec![CommitteeRecord {
            id: 9,
            nombre: Some("de Turismo".into()),
            entidad: Some("Extranjero".into()),
            codigo_postal: serde_json::json!(5500),
            estandares: vec![
                (Some("EC1571 ".into()), None),
                (Some("ECM0001".into()), None),
                (None, None),
            ],
            presidente: Some("Persona".into()),
            ..CommitteeRecord::default()
        }],
        details,
        legacy_rows: vec![
            (
                Tipo::Marca,
                LegacyRow {
                    codigo_raw: "ECM0001".into(),
                    titulo: Some("Marca".into()),
                    comite: None,
                },
            ),
            (
                Tipo::Inactivo,
                LegacyRow {
                    codigo_raw: "EC0001".into(),
                    titulo: Some("Vieja".into()),
                    comite: None,
                },
            ),
        ],
        ..Harvested::default()
    };
    let d = assemble_plain(h);
    let codes: Vec<(&str, Tipo)> = d
        .estandares
        .iter()
        .map(|e| (e.clave.as_str(), e.tipo))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("EC0001", Tipo::Vigente),
            ("EC1571", Tipo::Vigente),
            ("ECM0001", Tipo::Marca)
        ]
    );
    let ec1571 = &d.estandares[1];
    assert_eq!(ec1571.clave_publicada, "EC1571 ");
    assert_eq!(ec1571.comite_id, Some(9));
    assert_eq!(
        ec1571.comite_nombre.as_deref(),
        Some("Comité de Gestión por Competencias de Turismo")
    );
    assert_eq!(d.sectores.len(), 1);
    assert_eq!(d.sectores[0].id_renec.as_deref(), Some("7"));
    // One certifier for both spellings, both kept as aliases; the most frequent spelling wins (tie: smallest).
    assert_eq!(d.certificadores.len(), 2);
    let plentum = d
        .certificadores
        .iter()
        .find(|c| c.nombre_key == "grupo plentum")
        .unwrap();
    assert_eq!(
        d.certificador_alias
            .iter()
            .filter(|(id, _)| **id == *plentum.id)
            .count(),
        2
    );
    assert_eq!(d.ec_certificador.len(), 3);
    assert_eq!(d.ec_ocupacion.len(), 2);
    assert_eq!(
        d.comite_ec,
        vec![(9, Shared::from("EC1571")), (9, Shared::from("ECM0001"))]
    );
    let c = &d.comites[0];
    assert_eq!(c.codigo_postal.as_deref(), Some("05500"));
    assert_eq!(c.estado_inegi, None);
    assert_eq!(c.presidente, None);
    let problems: Vec<&str> = d.issues.iter().map(|i| i.problem.as_str()).collect();
    assert!(
        problems.contains(&"duplicate code in the catalogue"),
        "{problems:?}"
    );
    assert!(problems.contains(&"empty standard code"), "{problems:?}");
    assert!(
        problems.contains(&"state is not a Mexican state (kept as published)"),
        "{problems:?}"
    );
}

#[test]
fn certifier_type_and_states_from_every_page() {
    let cert = |nombre: &str, tipo: Option<&str>, estados: &[&str]| CertifierRow {
        nombre: nombre.into(),
        tipo: tipo.map(String::from),
        estados: estados.iter().map(|s| s.to_string()).collect(),
    };
    let mut details = DetailFacts::default();
    for (code, rows) in [
        (
            "EC0001",
            vec![cert("ICEMéxico", Some("ECE"), &["JALISCO", "CDMX"])],
        ),
        (
            "EC0002",
            vec![cert(
                "ICEMéxico",
                Some("Entidad de Certificación y Evaluación"),
                &["Jalisco"],
            )],
        ),
        (
            "EC0003",
            vec![
                cert("ICEMéxico", Some("OC"), &["Atlántida"]),
                cert("Otro", Some("Centro"), &[]),
            ],
        ),
    ] {
        let page = DetailPage {
            titulo: Some("t".into()),
            certificadores: rows,
            ..DetailPage::default()
        };
        details.add(code, &format!("d/{code}"), page);
    }
    let h = Harvested {
        catalogue: Some(Catalogue {
            rows: ["EC0001", "EC0002", "EC0003"]
                .iter()
                .map(|c| row(c, "X"))
                .collect(),
            reported: 3,
            rejected: vec![],
            missing_fields: vec![],
        }),
        details,
        ..Harvested::default()
    };
    let d = assemble_plain(h);
    let ice = d
        .certificadores
        .iter()
        .find(|c| c.nombre == "ICEMéxico")
        .unwrap();
    // Published as ECE twice (letters and words) and OC once: ECE, and the conflict is reported.
    assert_eq!(ice.tipo.as_deref(), Some("ECE"));
    let otro = d
        .certificadores
        .iter()
        .find(|c| c.nombre == "Otro")
        .unwrap();
    assert_eq!(otro.tipo, None);
    let states: Vec<(&str, &str)> = d
        .ec_certificador_estado
        .iter()
        .map(|(e, _, s)| (&**e, *s))
        .collect();
    assert_eq!(
        states,
        vec![("EC0001", "09"), ("EC0001", "14"), ("EC0002", "14")]
    );
    let problems: Vec<&str> = d.issues.iter().map(|i| i.problem.as_str()).collect();
    for p in [
        "certifier published with several types (the most frequent is kept)",
        "certifier type not recognized (ECE or OC expected; ignored)",
        "certifier state not recognized (ignored)",
    ] {
        assert!(problems.contains(&p), "{p}: {problems:?}");
    }
}

#[test]
fn a_standard_out_of_the_catalogue_keeps_known_fields_but_never_a_link_to_nothing() {
    let standard = |clave: &str, tipo: Tipo| Standard {
        clave: clave.into(),
        clave_publicada: clave.into(),
        tipo,
        clase: "ec",
        titulo: Some("T".into()),
        nivel: None,
        sector_id: None,
        comite_id: None,
        comite_nombre: None,
        id_renec: None,
        source_url: String::new(),
        conservado_de_run: None,
    };
    let mut d = Dataset {
        estandares: vec![
            standard("EC0001", Tipo::Inactivo),
            standard("EC0002", Tipo::Inactivo),
            standard("EC0003", Tipo::Vigente),
        ],
        sectores: vec![Sector {
            id: "turismo".into(),
            nombre: "Turismo".into(),
            id_renec: None,
        }],
        ..Dataset::default()
    };
    let known = |sector: &str, since: Option<i64>| KnownFields {
        nivel: Some(3),
        sector_id: Some(sector.into()),
        comite_id: Some(99),
        comite_nombre: Some("Comité X".into()),
        conservado_de_run: since,
    };
    let map: HashMap<String, KnownFields> = [
        ("EC0001".to_string(), known("turismo", None)),
        ("EC0002".to_string(), known("gone", Some(2))),
        ("EC0003".to_string(), known("turismo", None)),
    ]
    .into_iter()
    .collect();
    keep_known_fields(&mut d, &map, 5);
    let [a, b, c] = &d.estandares[..] else {
        unreachable!()
    };
    assert_eq!(
        (a.nivel, a.sector_id.as_deref()),
        (Some(3), Some("turismo"))
    );
    assert_eq!(a.comite_id, None, "committee 99 is not in this run");
    assert_eq!(a.conservado_de_run, Some(5), "last seen in the basis run");
    assert_eq!(
        (b.nivel, b.sector_id.as_deref()),
        (Some(3), None),
        "no link to a sector gone"
    );
    assert_eq!(
        b.conservado_de_run,
        Some(2),
        "still the run it was first kept from"
    );
    assert_eq!(
        (c.nivel, c.conservado_de_run),
        (None, None),
        "in force: as published"
    );
}
