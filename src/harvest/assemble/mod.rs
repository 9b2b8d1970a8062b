//! Turns what the four sources gave into one normalized dataset with unique
//! keys: standards from the catalogue and the legacy listings, committees,
//! certifiers with stable ids and aliases, offerings, and every link.

use crate::model::{
    Committee, DataIssue, Dataset, KnownFields, LegacyPageRecord, Sector, Shared, Standard, Tipo,
};
use crate::normalize::{codes::CodeClass, fold_key, names, phone, postal, states, EcCode};
use crate::sources::catalogue::Catalogue;
use crate::sources::committees::CommitteeRecord;
use crate::sources::legacy::LegacyRow;
use std::collections::{BTreeMap, HashMap, HashSet};

mod detail;
pub use detail::DetailFacts;

/// What the sources of one run gave, parsed.
#[derive(Debug, Default)]
pub struct Harvested {
    pub catalogue: Option<Catalogue>,
    pub committees: Vec<CommitteeRecord>,
    /// What the detail pages said, folded in as they were read.
    pub details: DetailFacts,
    /// Listing rows with the kind of listing they came from.
    pub legacy_rows: Vec<(Tipo, LegacyRow)>,
    pub legacy_pages: Vec<LegacyPageRecord>,
    /// Problems found while fetching and parsing.
    pub issues: Vec<DataIssue>,
}

/// Options that change what is kept.
pub struct AssembleOptions<'a> {
    pub keep_person_fields: bool,
    /// Detail URL of a code (the catalogue's standards link to it).
    pub detail_url: &'a dyn Fn(&str) -> String,
    /// Listing URL of a kind (legacy standards link to it).
    pub listing_url: &'a dyn Fn(Tipo) -> String,
}

fn slug(name: &str) -> String {
    fold_key(name).replace(' ', "-")
}

/// The most frequent spelling (ties: the smallest), for an entity known by a folded key.
fn preferred_spelling<S: AsRef<str> + Ord>(counts: &BTreeMap<S, usize>) -> &str {
    counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map_or("", |(s, _)| s.as_ref())
}

fn ms_to_date(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms).map(|d| d.format("%Y-%m-%d").to_string())
}

fn committee(rec: CommitteeRecord, keep_person: bool, issues: &mut Vec<DataIssue>) -> Committee {
    let key = rec.id.to_string();
    let nombre = match &rec.nombre {
        Some(tail) => names::committee_full_name(tail),
        None => {
            issues.push(DataIssue::new(
                "committees",
                &key,
                "committee without a name",
                None,
            ));
            names::committee_full_name("")
        }
    };
    let postal_raw = match &rec.codigo_postal {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    let codigo_postal = postal::postal_code(&rec.codigo_postal);
    if postal_raw.is_some() && codigo_postal.is_none() {
        issues.push(DataIssue::new(
            "committees",
            &key,
            "postal code is not five digits",
            postal_raw.clone(),
        ));
    }
    let estado_inegi = rec
        .entidad
        .as_deref()
        .and_then(states::inegi_code)
        .map(str::to_string);
    if let (Some(raw), None) = (&rec.entidad, &estado_inegi) {
        issues.push(DataIssue::new(
            "committees",
            &key,
            "state is not a Mexican state (kept as published)",
            Some(raw.clone()),
        ));
    }
    let person = |v: Option<String>| if keep_person { v } else { None };
    Committee {
        id: i64::from(rec.id),
        clave: rec.clave,
        nombre,
        nombre_publicado: rec.nombre,
        sector_id_renec: rec.sector_id,
        sector_nombre: rec.sector,
        fecha_integracion: rec.fecha_integracion_ms.and_then(ms_to_date),
        calle_numero: rec.calle_numero,
        colonia: rec.colonia,
        codigo_postal,
        codigo_postal_raw: postal_raw,
        municipio: rec.municipio,
        estado_inegi,
        estado_raw: rec.entidad,
        telefono_e164: rec.telefonos.as_deref().and_then(phone::to_e164),
        telefono_raw: rec.telefonos,
        url: rec.url,
        presidente: person(rec.presidente),
        vicepresidente: person(rec.vicepresidente),
        puesto_presidente: person(rec.puesto_presidente),
        puesto_vicepresidente: person(rec.puesto_vicepresidente),
        contacto: person(rec.contacto),
        correo: person(rec.correo),
    }
}

fn parse_code(
    source: &'static str,
    raw: &str,
    context: &str,
    issues: &mut Vec<DataIssue>,
) -> Option<EcCode> {
    match EcCode::parse(raw) {
        Ok(code) => {
            if code.class() == CodeClass::Malformed {
                issues.push(DataIssue::new(
                    source,
                    code.as_str(),
                    "malformed standard code (kept as published)",
                    Some(raw.to_string()),
                ));
            }
            Some(code)
        }
        Err(_) => {
            issues.push(DataIssue::new(
                source,
                context,
                "empty standard code",
                Some(raw.to_string()),
            ));
            None
        }
    }
}

pub fn assemble(h: Harvested, opts: &AssembleOptions) -> Dataset {
    let mut issues = h.issues;
    let mut d = Dataset::default();
    let mut facts = h.details;

    // Committees and the standards they list.
    let mut comite_ec: Vec<(i64, Shared)> = Vec::new();
    for mut rec in h.committees {
        let id = rec.id;
        let listed = std::mem::take(&mut rec.estandares);
        d.comites
            .push(committee(rec, opts.keep_person_fields, &mut issues));
        for (raw, _title) in &listed {
            let context = format!("comite {id}");
            if let Some(code) = parse_code(
                "committees",
                raw.as_deref().unwrap_or(""),
                &context,
                &mut issues,
            ) {
                comite_ec.push((i64::from(id), facts.strings.shared(code.as_str())));
            }
        }
    }
    d.comites.sort_by_key(|c| c.id);
    comite_ec.sort_unstable();
    comite_ec.dedup();
    let mut committee_of: HashMap<Shared, i64> = HashMap::new();
    for (id, code) in &comite_ec {
        committee_of.entry(code.clone()).or_insert(*id);
    }
    let mut committee_by_name: HashMap<String, Vec<i64>> = HashMap::new();
    for c in &d.comites {
        committee_by_name
            .entry(fold_key(&c.nombre))
            .or_default()
            .push(c.id);
    }
    let resolve_committee = |code: &str, full_name: Option<&str>| -> Option<i64> {
        committee_of.get(code).copied().or_else(|| {
            let ids = committee_by_name.get(&fold_key(full_name?))?;
            (ids.len() == 1).then(|| ids[0])
        })
    };

    // Standards: the active catalogue first.
    // In a vector of the size the sources announce, sorted at the end: a
    // map of 20,000 standards weighed half as much again.
    let expected = h.catalogue.as_ref().map_or(0, |c| c.rows.len()) + h.legacy_rows.len();
    let mut standards: Vec<Standard> = Vec::with_capacity(expected);
    let mut standard_at: HashMap<Shared, usize> = HashMap::with_capacity(expected);
    let mut sector_ids: BTreeMap<String, (String, BTreeMap<String, usize>)> = BTreeMap::new();
    if let Some(cat) = h.catalogue {
        for (i, why) in &cat.rejected {
            issues.push(DataIssue::new(
                "catalogue",
                format!("entry {i}"),
                why.clone(),
                None,
            ));
        }
        for row in cat.rows {
            let Some(code) = parse_code("catalogue", &row.codigo_raw, "catalogue", &mut issues)
            else {
                continue;
            };
            if standard_at.contains_key(code.as_str()) {
                issues.push(DataIssue::new(
                    "catalogue",
                    code.as_str(),
                    "duplicate code in the catalogue",
                    Some(row.codigo_raw),
                ));
                continue;
            }
            let nivel = row.nivel.as_deref().and_then(|n| n.parse::<i64>().ok());
            if row.nivel.is_some() && nivel.is_none() {
                issues.push(DataIssue::new(
                    "catalogue",
                    code.as_str(),
                    "level is not a number",
                    row.nivel.clone(),
                ));
            }
            let sector_id = row.sector.as_deref().map(|name| {
                let id = slug(name);
                let entry = sector_ids
                    .entry(id.clone())
                    .or_insert_with(|| (name.to_string(), BTreeMap::new()));
                if let Some(renec) = row.sector_id.as_ref().filter(|s| s.as_str() != "0") {
                    *entry.1.entry(renec.clone()).or_default() += 1;
                }
                id
            });
            let comite_nombre = row.comite.as_deref().map(names::committee_full_name);
            standard_at.insert(facts.strings.shared(code.as_str()), standards.len());
            standards.push(Standard {
                clave: code.as_str().to_string(),
                clave_publicada: row.codigo_raw,
                tipo: Tipo::Vigente,
                clase: code.class().as_str(),
                titulo: row
                    .titulo
                    .or_else(|| facts.title(code.as_str()).map(str::to_string)),
                nivel,
                sector_id,
                comite_id: resolve_committee(code.as_str(), comite_nombre.as_deref()),
                comite_nombre,
                id_renec: row.id,
                source_url: (opts.detail_url)(code.as_str()),
                conservado_de_run: None,
            });
        }
    }
    facts.forget_titles();
    // Then the legacy listings: inactive, brand and historic standards.
    for (tipo, row) in h.legacy_rows {
        let Some(code) = parse_code("legacy", &row.codigo_raw, "listing", &mut issues) else {
            continue;
        };
        let comite_nombre = row.comite.as_deref().map(names::committee_full_name);
        let candidate = Standard {
            clave: code.as_str().to_string(),
            clave_publicada: row.codigo_raw,
            tipo,
            clase: code.class().as_str(),
            titulo: row.titulo,
            nivel: None,
            sector_id: None,
            comite_id: resolve_committee(code.as_str(), comite_nombre.as_deref()),
            comite_nombre,
            id_renec: None,
            source_url: (opts.listing_url)(tipo),
            conservado_de_run: None,
        };
        match standard_at.get(code.as_str()) {
            Some(&i) if standards[i].tipo <= tipo => {}
            Some(&i) => standards[i] = candidate,
            None => {
                standard_at.insert(facts.strings.shared(code.as_str()), standards.len());
                standards.push(candidate);
            }
        }
    }
    d.sectores = sector_ids
        .into_iter()
        .map(|(id, (nombre, renec))| Sector {
            id,
            nombre,
            id_renec: renec
                .iter()
                .max_by_key(|(_, n)| **n)
                .map(|(k, _)| k.clone()),
        })
        .collect();

    // Detail pages: occupations, certifiers, offerings, committee members.
    facts.finish(&mut d, &mut issues);
    drop(standard_at);
    standards.sort_unstable_by(|a, b| a.clave.cmp(&b.clave));
    d.estandares = standards;
    d.comite_ec = comite_ec;
    d.legacy_pages = h.legacy_pages;
    d.issues = issues;
    d
}

#[cfg(test)]
mod tests;

/// A standard that left the catalogue is shown by a listing that does not
/// publish its level, sector or committee: it keeps the values the basis
/// run (`basis`) knew, with the run they were last seen in, instead of
/// turning them into nulls. A sector or committee is kept only when it is
/// still in this run (never a link to nothing); fields the listing does
/// publish are left as published.
pub fn keep_known_fields(d: &mut Dataset, known: &HashMap<String, KnownFields>, basis: i64) {
    let sectors: HashSet<&str> = d.sectores.iter().map(|s| s.id.as_str()).collect();
    let committees: HashSet<i64> = d.comites.iter().map(|c| c.id).collect();
    for e in d.estandares.iter_mut().filter(|e| e.tipo != Tipo::Vigente) {
        let Some(k) = known.get(&e.clave) else {
            continue;
        };
        let mut kept = false;
        if e.nivel.is_none() && k.nivel.is_some() {
            e.nivel = k.nivel;
            kept = true;
        }
        if e.sector_id.is_none() {
            if let Some(s) = k
                .sector_id
                .as_ref()
                .filter(|s| sectors.contains(s.as_str()))
            {
                e.sector_id = Some(s.clone());
                kept = true;
            }
        }
        if e.comite_id.is_none() {
            if let Some(c) = k.comite_id.filter(|c| committees.contains(c)) {
                e.comite_id = Some(c);
                e.comite_nombre = e.comite_nombre.take().or(k.comite_nombre.clone());
                kept = true;
            }
        }
        if kept {
            e.conservado_de_run = Some(k.conservado_de_run.unwrap_or(basis));
        }
    }
}
