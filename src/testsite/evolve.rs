//! A second state of the registry, and the change set between two states
//! as the test site sees them: the oracle that harvested diffs are checked
//! against. The model here is deliberately small and independent of the
//! harvester: codes, titles and whether a standard is in force; certifier
//! names by identity key; committee names; and two kinds of links.

use super::corpus::{Corpus, DetailData};
use crate::normalize::{clean, names, states};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// What the test site publishes, reduced to what the oracle compares.
#[derive(Debug, Default, PartialEq)]
pub struct Model {
    /// clave → (titulo, vigente)
    pub ec: BTreeMap<String, (String, bool)>,
    /// certifier id → preferred spelling
    pub certificadores: BTreeMap<String, String>,
    /// certifier id → type (`ECE`/`OC`), when the pages publish it
    pub certificador_tipo: BTreeMap<String, Option<String>>,
    /// (certifier id, INEGI code) of the states where it certifies
    pub certificador_estado: BTreeSet<(String, String)>,
    /// committee id → full name
    pub comites: BTreeMap<i64, String>,
    /// (clave, certifier id)
    pub ec_certificador: BTreeSet<(String, String)>,
    /// (committee id, clave)
    pub comite_ec: BTreeSet<(i64, String)>,
}

fn text(v: &Value, k: &str) -> String {
    clean(v.get(k).and_then(Value::as_str).unwrap_or(""))
}

impl Corpus {
    pub fn model(&self) -> Model {
        let mut m = Model::default();
        for row in &self.catalogue {
            let code = text(row, "codigo");
            m.ec.entry(code).or_insert((text(row, "titulo"), true));
        }
        for comp in ["ESLINACT", "MARCA", "ESLHIST"] {
            for row in self.listings.get(comp).into_iter().flatten() {
                let code = clean(&row.codigo);
                if !code.is_empty() {
                    m.ec.entry(code).or_insert((clean(&row.titulo), false));
                }
            }
        }
        let mut spellings: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        for (code, d) in &self.detalles {
            if !m.ec.get(&clean(code)).is_some_and(|(_, vigente)| *vigente) {
                continue;
            }
            for c in &d.certifiers {
                let id = names::stable_id("cert", &names::org_key(c));
                *spellings
                    .entry(id.clone())
                    .or_default()
                    .entry(clean(c))
                    .or_default() += 1;
                let facts = self.facts(c);
                let tipo = facts.and_then(|f| names::certifier_type(&f.tipo));
                m.certificador_tipo
                    .insert(id.clone(), tipo.map(str::to_string));
                for e in facts.map(|f| f.estados.as_slice()).unwrap_or(&[]) {
                    if let Some(code) = states::inegi_code(e) {
                        m.certificador_estado.insert((id.clone(), code.to_string()));
                    }
                }
                m.ec_certificador.insert((clean(code), id));
            }
        }
        for (id, counts) in spellings {
            let best = counts
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(s, _)| s.clone())
                .unwrap_or_default();
            m.certificadores.insert(id, best);
        }
        for (id, c) in &self.comites {
            m.comites.insert(
                i64::from(*id),
                names::committee_full_name(&text(c, "nombre")),
            );
            for e in c
                .get("estandaresAsociados")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let code = text(e, "codigo");
                if !code.is_empty() {
                    m.comite_ec.insert((i64::from(*id), code));
                }
            }
        }
        m
    }
}

/// The change set from `a` to `b`, in the shape of the harvester's diff
/// (limited to what the model holds).
pub fn change_set(a: &Model, b: &Model) -> Value {
    fn keys<K: Ord + Clone, V>(x: &BTreeMap<K, V>, y: &BTreeMap<K, V>) -> Vec<K> {
        x.keys().filter(|k| !y.contains_key(*k)).cloned().collect()
    }
    let ec_changed: BTreeMap<String, Value> =
        b.ec.iter()
            .filter_map(|(k, (titulo, vigente))| {
                let (t0, v0) = a.ec.get(k)?;
                let mut fields = serde_json::Map::new();
                if t0 != titulo {
                    // A listing that shows no title: the harvester keeps none (null).
                    let t = |s: &String| if s.is_empty() { Value::Null } else { json!(s) };
                    fields.insert(
                        "titulo".into(),
                        json!({"before": t(t0), "after": t(titulo)}),
                    );
                }
                if v0 != vigente {
                    fields.insert("vigente".into(), json!({"before": v0, "after": vigente}));
                }
                (!fields.is_empty()).then(|| (k.clone(), Value::Object(fields)))
            })
            .collect();
    let named_changed =
        |x: &BTreeMap<String, String>, y: &BTreeMap<String, String>| -> BTreeMap<String, Value> {
            y.iter()
                .filter_map(|(k, n)| {
                    let old = x.get(k)?;
                    (old != n).then(|| (k.clone(), json!({"nombre": {"before": old, "after": n}})))
                })
                .collect()
        };
    // Certifiers: respelled names and changed types.
    let mut certs_changed = named_changed(&a.certificadores, &b.certificadores);
    for (id, tipo) in &b.certificador_tipo {
        if let Some(old) = a.certificador_tipo.get(id).filter(|old| *old != tipo) {
            certs_changed.entry(id.clone()).or_insert_with(|| json!({}))["tipo"] =
                json!({"before": old, "after": tipo});
        }
    }
    let comites_a: BTreeMap<String, String> = a
        .comites
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let comites_b: BTreeMap<String, String> = b
        .comites
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    json!({
        "ec": {"added": keys(&b.ec, &a.ec), "removed": keys(&a.ec, &b.ec), "changed": ec_changed},
        "certificadores": {
            "added": keys(&b.certificadores, &a.certificadores),
            "removed": keys(&a.certificadores, &b.certificadores),
            "changed": certs_changed,
        },
        "comites": {"added": keys(&comites_b, &comites_a), "removed": keys(&comites_a, &comites_b), "changed": named_changed(&comites_a, &comites_b)},
        "ec_certificador": {
            "added": b.ec_certificador.difference(&a.ec_certificador).collect::<Vec<_>>(),
            "removed": a.ec_certificador.difference(&b.ec_certificador).collect::<Vec<_>>(),
        },
        "comite_ec": {
            "added": b.comite_ec.difference(&a.comite_ec).collect::<Vec<_>>(),
            "removed": a.comite_ec.difference(&b.comite_ec).collect::<Vec<_>>(),
        },
        "certificador_estado": {
            "added": b.certificador_estado.difference(&a.certificador_estado).collect::<Vec<_>>(),
            "removed": a.certificador_estado.difference(&b.certificador_estado).collect::<Vec<_>>(),
        },
    })
}

/// What `evolve` did, by name (for tests of history and time travel).
#[derive(Debug, Default)]
pub struct Evolution {
    /// Gone from every source.
    pub removed: Vec<String>,
    /// Left the active catalogue but still listed as inactive.
    pub retired: Vec<String>,
    pub added: Vec<String>,
    pub retitled: Vec<String>,
    /// (standard, certifier name) links taken off a detail page.
    pub revoked: Vec<(String, String)>,
}

fn active_codes(c: &Corpus) -> Vec<String> {
    c.catalogue
        .iter()
        .map(|r| r["codigo"].as_str().unwrap_or("").to_string())
        .filter(|k| k == k.trim())
        .collect()
}

/// The next state of a registry: standards removed, retired, added and
/// retitled; certifiers respelled; accreditations revoked and granted; a
/// committee dissolved and another created.
pub fn evolve(c: &Corpus) -> (Corpus, Evolution) {
    let mut catalogue = c.catalogue.clone();
    let mut detalles = c.detalles.clone();
    let mut comites = c.comites.clone();
    let mut ev = Evolution::default();
    let codes = active_codes(c);
    let with_certs: Vec<&String> = codes
        .iter()
        .filter(|k| detalles.get(*k).is_some_and(|d| d.certifiers.len() >= 2))
        .collect();

    // Removed from every source; retired to the inactive listing. Standards
    // without training offerings, so that a small registry's offering links
    // do not drop past the quality checks' 10% (the second state must publish).
    let without_courses = |k: &str| detalles.get(k).is_some_and(|d| d.courses.is_empty());
    ev.removed = codes
        .iter()
        .filter(|k| without_courses(k))
        .step_by(29)
        .take(3)
        .cloned()
        .collect();
    ev.retired = with_certs
        .iter()
        .filter(|k| without_courses(k))
        .skip(5)
        .step_by(13)
        .take(2)
        .map(|s| s.to_string())
        .filter(|k| !ev.removed.contains(k))
        .collect();
    let gone: BTreeSet<&String> = ev.removed.iter().chain(&ev.retired).collect();
    catalogue.retain(|r| !gone.contains(&r["codigo"].as_str().unwrap_or("").to_string()));
    for k in &gone {
        detalles.remove(*k);
    }
    for comite in comites.values_mut() {
        if let Some(list) = comite
            .get_mut("estandaresAsociados")
            .and_then(Value::as_array_mut)
        {
            list.retain(|e| {
                !ev.removed
                    .iter()
                    .any(|r| e["codigo"].as_str() == Some(r.as_str()))
            });
        }
    }

    // Retitled.
    for row in catalogue.iter_mut().skip(2).step_by(31).take(3) {
        let old = row["titulo"].as_str().unwrap_or("").to_string();
        row["titulo"] = json!(format!("{old} (actualizado)"));
        ev.retitled
            .push(row["codigo"].as_str().unwrap_or("").trim().to_string());
    }

    // Respelled certifiers, on every page they appear on.
    let mut respelled = BTreeSet::new();
    for d in detalles.values() {
        for name in &d.certifiers {
            if respelled.len() < 2 && name.ends_with(", A.C.") {
                respelled.insert(name.clone());
            }
        }
    }
    for d in detalles.values_mut() {
        for name in d.certifiers.iter_mut() {
            if respelled.contains(name.as_str()) {
                *name = name.replace(", A.C.", " AC");
            }
        }
    }

    // Accreditations revoked on three pages and granted on three others.
    let pool: Vec<String> = detalles
        .values()
        .flat_map(|d| d.certifiers.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let pages: Vec<String> = detalles
        .iter()
        .filter(|(_, d)| d.certifiers.len() >= 2)
        .map(|(k, _)| k.clone())
        .collect();
    for k in pages.iter().step_by(7).take(3) {
        let d = detalles.get_mut(k).expect("page");
        let name = d.certifiers.remove(0);
        ev.revoked.push((k.trim().to_string(), name));
    }
    for k in pages.iter().skip(3).step_by(11).take(3) {
        let d = detalles.get_mut(k).expect("page");
        if let Some(extra) = pool.iter().find(|p| !d.certifiers.contains(p)) {
            d.certifiers.push(extra.clone());
        }
    }

    // Three new standards, each with a certifier, in an existing committee.
    let first_committee = *comites.keys().next().expect("a committee");
    for n in 1..=3 {
        let code = format!("EC90{n:02}");
        catalogue.push(json!({
            "idEstandarCompetencia": format!("{}", 9000 + n), "idSectorProductivo": "1", "codigo": code, "nivel": "2",
            "titulo": format!("Estándar nuevo número {n} de prestación de servicios"),
            "comite": comites[&first_committee]["nombre"], "secProductivo": "SERVICIOS EDUCATIVOS",
        }));
        detalles.insert(
            code.clone(),
            DetailData {
                title: format!("{code}-Estándar nuevo número {n} de prestación de servicios"),
                occupations: vec!["Instructor / Instructora".into()],
                certifiers: pool.iter().take(n).cloned().collect(),
                courses: vec![],
                committee_members: vec![],
            },
        );
        if let Some(list) = comites
            .get_mut(&first_committee)
            .and_then(|c| c.get_mut("estandaresAsociados"))
            .and_then(Value::as_array_mut)
        {
            list.push(json!({"idEstandarCompetencia": null, "codigo": code, "titulo": null}));
        }
        ev.added.push(code);
    }

    // A committee dissolved (the one listing the fewest standards) and a new one.
    let smallest = *comites
        .iter()
        .filter(|(id, _)| **id != first_committee)
        .min_by_key(|(_, c)| c["estandaresAsociados"].as_array().map_or(0, Vec::len))
        .map(|(id, _)| id)
        .expect("a second committee");
    comites.remove(&smallest);
    let max = *comites.keys().max().expect("committees");
    let mut new_committee = comites[&first_committee].clone();
    new_committee["nombre"] = json!("de Nuevas Tecnologías Educativas");
    let still_active = codes
        .iter()
        .find(|k| !ev.removed.contains(k) && !ev.retired.contains(k))
        .expect("an active standard");
    new_committee["estandaresAsociados"] =
        json!([{"idEstandarCompetencia": null, "codigo": still_active, "titulo": null}]);
    comites.insert(max + 7, new_committee);

    // Certifiers change type (ECE ↔ OC), start certifying in Zacatecas, or
    // stop certifying in one of their states.
    let mut facts = c.certifier_facts.clone();
    let published: Vec<String> = pool
        .iter()
        .map(|n| names::org_key(n))
        .filter(|k| facts.contains_key(k))
        .collect();
    let several = published
        .iter()
        .find(|k| {
            // Two different states (not one state written two ways).
            let codes: BTreeSet<_> = facts[*k]
                .estados
                .iter()
                .filter_map(|e| states::inegi_code(e))
                .collect();
            codes.len() > 1 && facts[*k].estados.len() == codes.len()
        })
        .cloned();
    if let Some(key) = &several {
        facts.get_mut(key).expect("facts").estados.pop();
    }
    let others: Vec<&String> = published
        .iter()
        .filter(|k| Some(*k) != several.as_ref())
        .take(4)
        .collect();
    for (i, key) in others.into_iter().enumerate() {
        let f = facts.get_mut(key).expect("facts");
        if i % 2 == 0 {
            f.tipo = match names::certifier_type(&f.tipo) {
                Some("OC") => "ECE".into(),
                _ => "Organismo Certificador".into(),
            };
        } else {
            f.estados.push("ZACATECAS".into());
        }
    }
    let mut next = Corpus::assemble(catalogue, comites, detalles);
    next.certifier_facts = facts;
    (next, ev)
}
