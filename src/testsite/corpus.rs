//! The data a test site serves: the real capture in `../shared/renec-corpus`
//! or a generated one, plus the legacy listings derived from it.

use crate::normalize::{clean, codes::classify, CodeClass};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What a detail page shows, as captured (`detalles.json`).
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq)]
pub struct DetailData {
    pub title: String,
    pub occupations: Vec<String>,
    pub certifiers: Vec<String>,
    pub courses: Vec<String>,
    pub committee_members: Vec<String>,
}

/// What the project's generated registry publishes about a certifier
/// beside its name (the captured corpus has no such columns): its type as
/// written on the page and the states where it certifies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CertifierFacts {
    pub tipo: String,
    pub estados: Vec<String>,
}

/// One row of a legacy listing.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingRow {
    pub codigo: String,
    pub titulo: String,
    pub comite: String,
}

#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// `getEstandaresAll`, verbatim objects.
    pub catalogue: Vec<Value>,
    /// Committee `results` objects by id.
    pub comites: BTreeMap<u32, Value>,
    /// Detail data by code *as published* (may carry stray white space).
    pub detalles: BTreeMap<String, DetailData>,
    /// Legacy listings by component (`ESLACT`, `ESLINACT`, `ESLHIST`, `MARCA`).
    pub listings: BTreeMap<String, Vec<ListingRow>>,
    /// Type and states by certifier identity key (`names::org_key`); empty
    /// for the captured corpus, whose pages show names only.
    pub certifier_facts: BTreeMap<String, CertifierFacts>,
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not what a RENEC corpus holds: {message}")]
    Shape { path: String, message: String },
}

fn read_json<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> Result<T, CorpusError> {
    let path = dir.join(name);
    let shown = path.display().to_string();
    let bytes = std::fs::read(&path).map_err(|source| CorpusError::Read {
        path: shown.clone(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| CorpusError::Shape {
        path: shown,
        message: e.to_string(),
    })
}

impl Corpus {
    /// Reads `getEstandaresAll.json`, `comites.json` and `detalles.json`.
    pub fn load(dir: &Path) -> Result<Corpus, CorpusError> {
        let catalogue: Vec<Value> = read_json(dir, "getEstandaresAll.json")?;
        let list: Vec<Value> = read_json(dir, "comites.json")?;
        let detalles: BTreeMap<String, DetailData> = read_json(dir, "detalles.json")?;
        let mut comites = BTreeMap::new();
        for mut c in list {
            let id = c
                .get("id")
                .and_then(Value::as_u64)
                .ok_or_else(|| CorpusError::Shape {
                    path: dir.join("comites.json").display().to_string(),
                    message: "a committee without a numeric `id`".into(),
                })?;
            if let Some(obj) = c.as_object_mut() {
                obj.remove("id");
            }
            comites.insert(id as u32, c);
        }
        Ok(Corpus::assemble(catalogue, comites, detalles))
    }

    /// Builds the corpus and derives the legacy listings: the active
    /// catalogue (`ESLACT`), and every code a committee lists that the
    /// catalogue does not: `EC` codes as inactive, `ECM` as brand, the rest
    /// (NTCL and malformed codes) as historic qualifications.
    pub fn assemble(
        catalogue: Vec<Value>,
        comites: BTreeMap<u32, Value>,
        detalles: BTreeMap<String, DetailData>,
    ) -> Corpus {
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let active: BTreeSet<String> = catalogue
            .iter()
            .map(|r| clean(&text(r, "codigo")))
            .collect();
        let mut listings: BTreeMap<String, Vec<ListingRow>> = BTreeMap::new();
        listings.insert(
            "ESLACT".into(),
            catalogue
                .iter()
                .map(|r| ListingRow {
                    codigo: text(r, "codigo"),
                    titulo: text(r, "titulo"),
                    comite: text(r, "comite"),
                })
                .collect(),
        );
        let mut listed = BTreeSet::new();
        for c in comites.values() {
            let comite = text(c, "nombre");
            for e in c
                .get("estandaresAsociados")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let code = text(e, "codigo");
                let trimmed = clean(&code);
                if trimmed.is_empty()
                    || active.contains(&trimmed)
                    || !listed.insert(trimmed.clone())
                {
                    continue;
                }
                let comp = match classify(&trimmed) {
                    CodeClass::Ec => "ESLINACT",
                    CodeClass::Ecm => "MARCA",
                    CodeClass::Legacy | CodeClass::Malformed => "ESLHIST",
                };
                listings.entry(comp.into()).or_default().push(ListingRow {
                    codigo: code,
                    titulo: text(e, "titulo"),
                    comite: comite.clone(),
                });
            }
        }
        for comp in ["ESLINACT", "ESLHIST", "MARCA"] {
            listings.entry(comp.into()).or_default();
        }
        Corpus {
            catalogue,
            comites,
            detalles,
            listings,
            certifier_facts: BTreeMap::new(),
        }
    }

    /// The detail data of a trimmed code.
    pub fn detail(&self, code: &str) -> Option<&DetailData> {
        self.detalles.get(code).or_else(|| {
            self.detalles
                .iter()
                .find(|(k, _)| clean(k) == code)
                .map(|(_, v)| v)
        })
    }

    /// The published type and states of a certifier, if the site shows them.
    pub fn facts(&self, name: &str) -> Option<&CertifierFacts> {
        self.certifier_facts
            .get(&crate::normalize::names::org_key(name))
    }

    /// Figures a harvest of this corpus must reproduce, counted directly
    /// from the corpus (distinct published names; trimmed codes).
    pub fn expected(&self) -> Expected {
        let mut certifiers = BTreeSet::new();
        let mut cert_links = BTreeSet::new();
        let mut courses = BTreeSet::new();
        let mut course_links = BTreeSet::new();
        let mut occupation_links = BTreeSet::new();
        for (code, d) in &self.detalles {
            let code = clean(code);
            for c in &d.certifiers {
                certifiers.insert(crate::normalize::names::org_key(c));
                cert_links.insert((code.clone(), crate::normalize::names::org_key(c)));
            }
            for c in &d.courses {
                courses.insert(clean(c));
                course_links.insert((code.clone(), clean(c)));
            }
            for o in &d.occupations {
                occupation_links.insert((code.clone(), clean(o)));
            }
        }
        let listing = |c: &str| self.listings.get(c).map_or(0, Vec::len);
        Expected {
            estandares_vigentes: self.catalogue.len(),
            estandares_inactivos: listing("ESLINACT"),
            estandares_marca: listing("MARCA"),
            calificaciones_historicas: listing("ESLHIST"),
            comites: self.comites.len(),
            certificadores: certifiers.len(),
            ec_certificador: cert_links.len(),
            centros: courses.len(),
            ec_centro: course_links.len(),
            ec_ocupacion: occupation_links.len(),
            max_committee_id: self.comites.keys().max().copied().unwrap_or(0),
        }
    }
}

/// Figures of a corpus, for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub estandares_vigentes: usize,
    pub estandares_inactivos: usize,
    pub estandares_marca: usize,
    pub calificaciones_historicas: usize,
    pub comites: usize,
    pub certificadores: usize,
    pub ec_certificador: usize,
    pub centros: usize,
    pub ec_centro: usize,
    pub ec_ocupacion: usize,
    pub max_committee_id: u32,
}
