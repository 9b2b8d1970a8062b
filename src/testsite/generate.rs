//! A deterministic generator of RENEC-shaped data: realistic Spanish names
//! with accents and the real capture's quirks (untrimmed codes, a no-break
//! space, numeric postal codes, mixed-case states, respelled certifiers,
//! empty and malformed codes, a long gap in committee ids). Scale 1 is about
//! a fifteenth of the real registry; cost grows linearly with the scale.

use super::corpus::{CertifierFacts, Corpus, DetailData};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const ACTIONS: &[&str] = &[
    "Prestación de servicios de",
    "Atención a",
    "Elaboración de",
    "Impartición de",
    "Operación de",
    "Coordinación de",
    "Evaluación de",
    "Supervisión de",
    "Mantenimiento de",
    "Diseño de",
    "Asesoría en",
    "Instalación de",
    "Gestión de",
    "Preparación de",
    "Limpieza de",
];
const OBJECTS: &[&str] = &[
    "cursos de formación del capital humano",
    "alimentos y bebidas",
    "equipo de cómputo",
    "maquinaria agrícola",
    "sistemas de riego",
    "montacargas",
    "grúas móviles",
    "procesos de calidad",
    "comensales",
    "visitantes en museos",
    "pacientes en unidades de salud",
    "viviendas sustentables",
    "redes eléctricas",
    "vehículos automotores",
    "productos financieros",
    "inventarios de almacén",
    "contenidos educativos",
    "traducción de lenguas indígenas",
    "panificación artesanal",
    "señalización vial",
];
const AMBITS: &[&str] = &[
    "",
    "",
    " en el sector público",
    " en instituciones de salud",
    " en la industria química",
    " en zonas rurales",
    " en el ámbito de procuración de justicia",
    " con perspectiva de género",
];
const SECTORS: &[&str] = &[
    "SERVICIOS PROFESIONALES, CIENTÍFICOS Y TÉCNICOS",
    "SERVICIOS EDUCATIVOS",
    "INDUSTRIAS MANUFACTURERAS",
    "CONSTRUCCIÓN",
    "COMERCIO AL POR MENOR",
    "TRANSPORTES, CORREOS Y ALMACENAMIENTO",
    "SERVICIOS DE SALUD Y DE ASISTENCIA SOCIAL",
    "AGRICULTURA, CRÍA Y EXPLOTACIÓN DE ANIMALES",
    "SERVICIOS DE ALOJAMIENTO TEMPORAL Y DE PREPARACIÓN DE ALIMENTOS Y BEBIDAS",
    "MINERÍA",
    "SERVICIOS FINANCIEROS Y DE SEGUROS",
    "INFORMACIÓN EN MEDIOS MASIVOS",
];
const COMMITTEE_TOPICS: &[&str] = &[
    "Turismo",
    "Logística y la Cadena de Suministros",
    "Energía Eléctrica",
    "Educación y Formación de Personas",
    "Tecnologías de la Información",
    "Seguridad Pública",
    "Agricultura Sustentable",
    "la Industria Química",
    "Atención de Asuntos Indígenas",
    "Comercio Exterior",
    "Salud",
    "Construcción",
    "Protección Civil",
];
const STATES: &[Option<&str>] = &[
    Some("CIUDAD DE MÉXICO"),
    Some("MÉXICO"),
    Some("Nuevo León"),
    Some("QUERETARO"),
    Some("VERACRUZ DE IGNACIO DE LA LLAVE"),
    Some("MICHOACÁN DE OCAMPO"),
    Some("JALISCO"),
    Some("YUCATAN"),
    Some("COAHUILA DE ZARAGOZA"),
    Some("SAN LUIS POTOSI"),
    Some("CHIAPAS"),
    Some("Extranjero"),
    None,
];
const MUNICIPIOS: &[&str] = &[
    "Álvaro Obregón",
    "Cuauhtémoc",
    "Monterrey",
    "Querétaro",
    "Xalapa",
    "Morelia",
    "Guadalajara",
    "Mérida",
    "Saltillo",
    "Tuxtla Gutiérrez",
];
const CITIES: &[&str] = &[
    "Tijuana",
    "Tlalnepantla",
    "San Andrés Tuxtla",
    "Torreón",
    "Puebla",
    "León",
    "Oaxaca de Juárez",
    "Tulancingo",
    "Huejotzingo",
    "Cancún",
    "Zacatecas",
    "Campeche",
];
const FIELDS: &[&str] = &[
    "Competencias Laborales",
    "Calidad Educativa",
    "Desarrollo Organizacional",
    "Protección Civil",
    "Turismo Sustentable",
    "Tecnologías de la Información",
    "Salud Ocupacional",
    "Gastronomía",
];
const SURNAMES: &[&str] = &[
    "Plentum",
    "Hernández",
    "Núñez",
    "Ibáñez",
    "Becas JB",
    "Atcs",
    "Duaners",
    "Peña",
];
const OCCUPATIONS: &[&str] = &[
    "Cocinero / Cocinera",
    "Brigadista de protección civil",
    "Instructor / Instructora",
    "Técnico en mantenimiento",
    "Operador de montacargas",
    "Asesor / Asesora financiera",
    "Traductor / Traductora de lenguas indígenas",
    "Supervisor de calidad",
    "Guía de turistas",
];
const MEMBERS: &[&str] = &[
    "Secretaría de Educación Pública (SEP).",
    "Colegio Nacional de Educación Profesional Técnica, (CONALEP).",
    "Cámara Nacional de la Industria de Transformación  (CANACINTRA)",
    "Universidad Nacional Autónoma de México, (UNAM).",
    "Secretaría del Trabajo y Previsión Social",
    "Consejo Mexicano del Ahorro y Crédito Popular, A.C. (Comacrep).",
];
const PHONES: &[&str] = &[
    "5557299100 Ext 34103",
    "55 5262 4100 ext. 4168",
    "52 55 5339 1054 ",
    "01 (961) 14 7 01 60",
    "5579471061 / 5510546180",
    "5926 8906",
    "",
];
const LEGACY_PREFIXES: &[&str] = &["CADM", "CAGR", "CTUR", "CCNS", "NUTUR", "NUCOM", "CCFE"];

fn certifier_name(rng: &mut ChaCha8Rng, i: usize) -> String {
    let city = CITIES[i % CITIES.len()];
    let field = FIELDS[(i / CITIES.len()) % FIELDS.len()];
    let n = i / (CITIES.len() * FIELDS.len());
    let suffix = if n == 0 {
        String::new()
    } else {
        format!(" {}", n + 1)
    };
    match rng.random_range(0..7) {
        0 => {
            format!("Instituto de Capacitación y Certificación en {field} de {city}{suffix}, A.C.")
        }
        1 => format!("Universidad Tecnológica de {city} {field}{suffix}"),
        2 => format!("Centro de Evaluación en {field} de {city}{suffix}, S.C."),
        3 => format!(
            "Grupo {} {field} {city}{suffix} S.A. de C.V.",
            SURNAMES[i % SURNAMES.len()]
        ),
        4 => format!("Colegio de Educación Profesional Técnica de {city}{suffix} ({field})"),
        5 => format!("Consultores “{field} & {city}”{suffix} S.C."),
        _ => format!("Asociación de {field} de {city}{suffix}, A.C."),
    }
}

/// Another published spelling of the same certifier ("A.C." → "AC", upper case).
fn respell(name: &str, variant: u32) -> String {
    match variant {
        0 => name
            .replace(", A.C.", " AC")
            .replace("S.A. de C.V.", "SA de CV")
            .replace(", S.C.", " SC"),
        _ => name.to_uppercase(),
    }
}

/// A corpus of `100 × scale` active standards, deterministic for a seed.
pub fn generate(scale: u32, seed: u64) -> Corpus {
    let scale = scale.max(1) as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n_standards = 100 * scale;
    let n_committees = 40 * scale;
    let n_certifiers = 35 * scale;
    let n_courses = 25 * scale;

    // Committees: ids with short gaps and one long one (75 ids).
    let mut ids = Vec::with_capacity(n_committees);
    let mut id = 0u32;
    for i in 0..n_committees {
        id += 1 + if i == n_committees / 3 {
            75
        } else {
            rng.random_range(0..4)
        };
        ids.push(id);
    }
    let tails: Vec<String> = (0..n_committees)
        .map(|i| {
            let topic = COMMITTEE_TOPICS[i % COMMITTEE_TOPICS.len()];
            let n = i / COMMITTEE_TOPICS.len();
            if n == 0 {
                format!("de {topic}")
            } else {
                format!("de {topic} {}", roman(n + 1))
            }
        })
        .collect();

    // Active standards.
    let mut catalogue = Vec::with_capacity(n_standards);
    let mut codes = Vec::with_capacity(n_standards);
    let mut committee_of = Vec::with_capacity(n_standards);
    for i in 0..n_standards {
        let mut code = format!("EC{:04}", i + 1);
        if i % 9 == 4 {
            code.push_str(".01");
        }
        let published = match i {
            6 => format!("{code} "),
            10 => format!("{code}\u{a0}"),
            _ => code.clone(),
        };
        let title = format!(
            "{} {}{}",
            ACTIONS.choose(&mut rng).expect("non-empty"),
            OBJECTS.choose(&mut rng).expect("non-empty"),
            AMBITS.choose(&mut rng).expect("non-empty")
        );
        let title = if i % 17 == 3 {
            title.replacen(' ', "  ", 1)
        } else {
            title
        };
        let c = rng.random_range(0..n_committees);
        let sector_n = rng.random_range(0..SECTORS.len());
        let sector_id = if i % 33 == 5 {
            String::new()
        } else {
            (sector_n + 1).to_string()
        };
        catalogue.push(json!({
            "idEstandarCompetencia": (250 + i * 3).to_string(),
            "idSectorProductivo": sector_id,
            "codigo": published,
            "nivel": rng.random_range(1..=5).to_string(),
            "titulo": title,
            "comite": tails[c],
            "secProductivo": SECTORS[sector_n],
        }));
        codes.push((code, published, title));
        committee_of.push(c);
    }

    // Legacy codes listed by committees but not in the catalogue.
    let mut legacy: Vec<(usize, String, String)> = Vec::new();
    // As on the real site, a few versioned standards (EC0005.01) keep their
    // first version (EC0005) listed by their committee.
    for (i, (code, _, title)) in codes.iter().enumerate().take(20) {
        if let Some(base) = code.strip_suffix(".01") {
            legacy.push((
                committee_of[i],
                base.to_string(),
                format!("{title} (primera versión)"),
            ));
        }
    }
    for i in 0..18 * scale {
        legacy.push((
            rng.random_range(0..n_committees),
            format!("EC{:04}", n_standards + 200 + i),
            format!("Versión anterior {}", OBJECTS[i % OBJECTS.len()]),
        ));
    }
    for i in 0..24 * scale {
        legacy.push((
            rng.random_range(0..n_committees),
            format!("ECM{:04}", i + 1),
            format!("Estándar de marca de {}", FIELDS[i % FIELDS.len()]),
        ));
    }
    for i in 0..60 * scale {
        let prefix = LEGACY_PREFIXES[i % LEGACY_PREFIXES.len()];
        let digits = if prefix.len() == 5 {
            format!("{:03}", i + 1)
        } else {
            format!("{:04}", i + 1)
        };
        legacy.push((
            rng.random_range(0..n_committees),
            format!("{prefix}{digits}.01"),
            format!("Calificación {}", OBJECTS[i % OBJECTS.len()]),
        ));
    }
    legacy.push((0, "xxEC0417xx".into(), "Código mal capturado".into()));

    let mut comites = BTreeMap::new();
    for (ci, cid) in ids.iter().enumerate() {
        let mut asociados: Vec<Value> = Vec::new();
        for (si, (code, published, title)) in codes.iter().enumerate() {
            if committee_of[si] == ci {
                let shown = if published != code { published } else { code };
                asociados
                    .push(json!({"idEstandarCompetencia": null, "codigo": shown, "titulo": title}));
            }
        }
        for (lc, code, title) in &legacy {
            if *lc == ci {
                asociados
                    .push(json!({"idEstandarCompetencia": null, "codigo": code, "titulo": title}));
            }
        }
        if ci % 23 == 7 {
            asociados.push(json!({"idEstandarCompetencia": null, "codigo": null, "titulo": null}));
            asociados.push(json!({"idEstandarCompetencia": null, "codigo": " ", "titulo": null}));
        }
        let state = STATES[ci % STATES.len()];
        let cp: Value = if ci % 11 == 3 {
            Value::Null
        } else {
            json!(rng.random_range(1000..99999))
        };
        comites.insert(*cid, json!({
            "clave": if ci % 3 == 0 { String::new() } else { format!("{}.{}.{}", ci % 9 + 1, ci % 5 + 1, ci % 7 + 1) },
            "nombre": tails[ci],
            "presidente": format!("Mtra. Persona Presidenta {ci}"),
            "vicepresidente": format!("Ing. Persona Vicepresidenta {ci}"),
            "calleNumero": format!("Av. Insurgentes Sur No. {}", 100 + ci),
            "colonia": "Condesa",
            "codigoPostal": cp,
            "telefonos": PHONES[ci % PHONES.len()],
            "correo": format!("persona{ci}@ejemplo.gob.mx"),
            "url": null,
            "idSectorProductivo": ci % 30,
            "sectorProductivoStr": COMMITTEE_TOPICS[ci % COMMITTEE_TOPICS.len()],
            "puestoPresidente": "Directora General",
            "puestoVicepresidente": "Subdirector",
            "fechaIntegracion": if ci % 13 == 2 { Value::Null } else { json!(1_267_660_800_000i64 + ci as i64 * 86_400_000) },
            "contacto": format!("Mtra. Persona Presidenta {ci}"),
            "delegacionStr": MUNICIPIOS[ci % MUNICIPIOS.len()],
            "entidadStr": state,
            "estandaresAsociados": asociados,
        }));
    }

    // Detail pages.
    let certifiers: Vec<String> = (0..n_certifiers)
        .map(|i| certifier_name(&mut rng, i))
        .collect();
    let courses: Vec<String> = (0..n_courses)
        .map(|i| {
            let base = format!(
                "{} {}",
                ACTIONS[i % ACTIONS.len()],
                OBJECTS[(i / ACTIONS.len()) % OBJECTS.len()]
            );
            let n = i / (ACTIONS.len() * OBJECTS.len());
            let upper = if n == 0 {
                base.to_uppercase()
            } else {
                format!("{} {}", base.to_uppercase(), n + 1)
            };
            // An accentless twin: a distinct offering, as in the real registry.
            if i % 10 == 9 {
                upper.replace('Ó', "O")
            } else {
                upper
            }
        })
        .collect();
    let mut detalles = BTreeMap::new();
    for (si, (code, published, title)) in codes.iter().enumerate() {
        let n_cert = if si % 4 == 0 {
            0
        } else {
            rng.random_range(1..=8)
        };
        let mut page_certs: Vec<String> = certifiers
            .choose_multiple(&mut rng, n_cert)
            .cloned()
            .collect();
        if si % 7 == 2 {
            if let Some(first) = page_certs.first_mut() {
                *first = respell(first, (si % 2) as u32);
            }
        }
        let n_courses = if si % 3 == 0 {
            rng.random_range(1..=3)
        } else {
            0
        };
        let mut page_courses: Vec<String> = courses
            .choose_multiple(&mut rng, n_courses)
            .cloned()
            .collect();
        if si % 29 == 1 && !page_courses.is_empty() {
            page_courses.push(page_courses[0].clone());
        }
        let mut occupations: Vec<String> = {
            let n = rng.random_range(1..=3);
            OCCUPATIONS.choose_multiple(&mut rng, n)
        }
        .map(|s| s.to_string())
        .collect();
        if si % 31 == 2 {
            occupations.push(occupations[0].clone());
        }
        let members: Vec<String> = {
            let n = rng.random_range(0..=4);
            MEMBERS.choose_multiple(&mut rng, n)
        }
        .map(|s| s.to_string())
        .collect();
        let sep = if published != code {
            format!("{} -", published.trim_end())
        } else {
            format!("{code}-")
        };
        detalles.insert(
            published.clone(),
            DetailData {
                title: format!("{sep}{title}"),
                occupations,
                certifiers: page_certs,
                courses: page_courses,
                committee_members: members,
            },
        );
    }
    let mut corpus = Corpus::assemble(catalogue, comites, detalles);
    corpus.certifier_facts = certifier_facts(&certifiers);
    corpus
}

/// Type and states for the generated certifiers, written the several ways a
/// page may write them; every tenth certifier publishes neither.
fn certifier_facts(certifiers: &[String]) -> BTreeMap<String, CertifierFacts> {
    const TYPES: [&str; 4] = ["ECE", "Entidad de Certificación y Evaluación", "ECE", "OC"];
    const ALSO: [&str; 3] = ["Organismo Certificador", "Jalisco", "Puebla"];
    let named: Vec<&str> = STATES
        .iter()
        .flatten()
        .copied()
        .filter(|s| *s != "Extranjero")
        .collect();
    certifiers
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 10 != 7)
        .map(|(i, name)| {
            let tipo = if i % 11 == 5 {
                ALSO[0]
            } else {
                TYPES[i % TYPES.len()]
            };
            let mut estados = vec![named[i % named.len()].to_string()];
            if i % 3 == 0 {
                estados.push(ALSO[1 + i % 2].to_string());
            }
            estados.dedup();
            (
                crate::normalize::names::org_key(name),
                CertifierFacts {
                    tipo: tipo.to_string(),
                    estados,
                },
            )
        })
        .collect()
}

fn roman(n: usize) -> String {
    const R: &[(usize, &str)] = &[(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")];
    let mut n = n;
    let mut out = String::new();
    for (v, s) in R {
        while n >= *v {
            out.push_str(s);
            n -= v;
        }
    }
    out
}

#[cfg(test)]
mod tests;
