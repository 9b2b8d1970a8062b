//! The published run in memory: every entity, link and search term of one
//! run, indexed once when the run is published (or the service starts) and
//! then read without a database. It answers the same questions as the SQL
//! readers, with the same answers byte for byte (`tests/view.rs`), plus
//! search: ranked, typo-tolerant, across every kind.
//!
//! What it does not hold (older runs, retired keys, runs, diffs, histories,
//! the graph) it declines with [`StoreError::NotInMemory`], and the database
//! answers instead. A new view is built beside the old one and swapped whole
//! (see `api::state`), so no answer mixes two runs.

mod build;
mod load;
pub mod search;

use super::read::*;
use super::{Result, StoreError};
use search::{Found, SearchHit, SearchIndex, SearchPage};
use std::collections::{BTreeSet, HashMap};

/// A standard with everything its detail and lists need.
#[derive(Debug, Clone)]
struct Ec {
    summary: EcSummary,
    /// `summary` serialized, as lists send it.
    summary_json: Box<serde_json::value::RawValue>,
    clave_publicada: String,
    clase: String,
    id_renec: Option<String>,
    source_url: Option<String>,
    conservado_de_run: Option<i64>,
    first_seen_run: i64,
    last_seen_run: i64,
    ocupaciones: Vec<String>,
    /// Certifiers alive in the run, by name then id, with the states where
    /// each certifies this standard.
    certificadores: Vec<(u32, Vec<EstadoRef>)>,
    /// Link rows, alive in the run (whether or not the certifier is).
    cert_ids: BTreeSet<String>,
    centros: Vec<u32>,
    centro_ids: BTreeSet<String>,
    comite_miembros: Vec<String>,
    /// Committees that list this standard.
    listed_by: BTreeSet<i64>,
    /// The state of its committee (when the committee is in the run).
    comite_estado: Option<String>,
    /// Certifier → states where it certifies this standard.
    cert_estados: HashMap<String, BTreeSet<String>>,
}

#[derive(Debug, Clone)]
struct Cert {
    summary: CertSummary,
    nombres_publicados: Vec<String>,
    estados: Vec<EstadoCount>,
    first_seen_run: i64,
    last_seen_run: i64,
}

#[derive(Debug, Clone)]
struct Comite {
    detail: ComiteDetail,
    ecs: BTreeSet<String>,
}

#[derive(Debug, Clone)]
struct Centro {
    summary: NamedSummary,
    /// Standards (claves) it offers, alive or not.
    ecs: BTreeSet<String>,
    first_seen_run: i64,
    last_seen_run: i64,
}

/// What the common list filters read, per standard, packed together
/// (same index as `View::ec`). Missing values are `NONE`/0.
#[derive(Debug, Clone, Copy)]
struct EcKey {
    /// Index into `EcKeyValues::sectores` (`NONE`: no sector).
    sector: u16,
    /// Index into `EcKeyValues::tipos`.
    tipo: u16,
    /// 1 to 5; 0 when unknown (never asked for: `nivel` is 1 to 5).
    nivel: u8,
    vigente: bool,
    /// The committee's state as a number (`build::estado_key`); 0: none.
    estado: u16,
}

const NONE: u16 = u16::MAX;

/// The distinct values the packed keys index.
#[derive(Debug, Clone, Default)]
struct EcKeyValues {
    sectores: Vec<String>,
    tipos: Vec<String>,
}

/// Orders of a list, computed once: ascending and descending.
#[derive(Debug, Clone, Default)]
struct Orders {
    asc: Vec<u32>,
    desc: Vec<u32>,
}

/// One published run, in memory.
pub struct View {
    pub run: i64,
    counts: crate::store::stats::Counts,
    ec: Vec<Ec>,
    ec_idx: HashMap<String, u32>,
    ec_keys: Vec<EcKey>,
    ec_key_values: EcKeyValues,
    ec_by: [Orders; 4],
    certs: Vec<Cert>,
    cert_idx: HashMap<String, u32>,
    cert_by: [Orders; 2],
    comites: Vec<Comite>,
    comite_idx: HashMap<i64, u32>,
    comite_by: [Orders; 2],
    centros: Vec<Centro>,
    centro_idx: HashMap<String, u32>,
    centro_by: [Orders; 2],
    sectores: Vec<(NamedSummary, SectorDetail)>,
    sector_idx: HashMap<String, u32>,
    estados: Vec<EstadoSummary>,
    tipos: Vec<TipoSummary>,
    search: SearchIndex,
}

fn sort_slot(s: EcSort) -> usize {
    match s {
        EcSort::Clave => 0,
        EcSort::Titulo => 1,
        EcSort::Nivel => 2,
        EcSort::Certificadores => 3,
    }
}

fn name_slot(s: NameSort) -> usize {
    match s {
        NameSort::Nombre => 0,
        NameSort::Estandares => 1,
    }
}

fn ordered(o: &Orders, dir: Order) -> &[u32] {
    match dir {
        Order::Asc => &o.asc,
        Order::Desc => &o.desc,
    }
}

fn page_of<T>(matching: Vec<u32>, page: PageReq, item: impl Fn(u32) -> T) -> Page<T> {
    let total = matching.len() as u64;
    let items = matching
        .into_iter()
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(page.limit as usize)
        .map(item)
        .collect();
    Page { items, total }
}

impl View {
    /// Builds the view of `run` from the SQLite database (see `load`).
    pub fn from_sqlite(conn: &rusqlite::Connection, run: i64) -> Result<View> {
        load::load(conn, run)
    }

    fn this_run(&self, run: i64) -> Result<()> {
        if run == self.run {
            Ok(())
        } else {
            Err(StoreError::NotInMemory)
        }
    }

    /// Entities the view holds, for logs and metrics.
    pub fn size(&self) -> usize {
        self.ec.len()
            + self.certs.len()
            + self.comites.len()
            + self.centros.len()
            + self.sectores.len()
    }

    /// Keys of one kind a search matches (the `q` filter of lists).
    fn matching(&self, q: &str, kind: &'static str) -> rustc_hash::FxHashSet<&str> {
        self.search
            .find(q, Some(&[kind]))
            .docs
            .iter()
            .map(|r| self.search.doc(r.doc).id.as_str())
            .collect()
    }

    /// Search across every kind (or the kinds given), ranked.
    fn find(&self, q: &str, kinds: Option<&[&str]>) -> Found {
        self.search.find(q, kinds)
    }

    fn hits(&self, found: &Found, page: PageReq) -> Vec<SearchHit> {
        found
            .docs
            .iter()
            .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
            .take(page.limit as usize)
            .map(|r| self.search.hit(found, r))
            .collect()
    }

    /// The standards a filter keeps, in the order asked.
    fn ec_matching(&self, f: &EcFilter, sort: (EcSort, Order)) -> Result<Vec<u32>> {
        if f.include_retired {
            return Err(StoreError::NotInMemory);
        }
        // The packed keys answer the common filters without touching the
        // (large) standards; a value no standard has matches nothing.
        let lookup = |v: &Option<String>, in_: &[String]| -> Option<Option<u16>> {
            match v {
                None => Some(None),
                Some(v) => in_.iter().position(|x| x == v).map(|i| Some(i as u16)),
            }
        };
        let (Some(sector), Some(tipo)) = (
            lookup(&f.sector, &self.ec_key_values.sectores),
            lookup(&f.tipo, &self.ec_key_values.tipos),
        ) else {
            return Ok(vec![]);
        };
        let estado = f.estado.as_deref().map(build::estado_key);
        let words = f.q.as_deref().map(|q| self.matching(q, "ec"));
        let slow =
            words.is_some() || f.comite.is_some() || f.centro.is_some() || f.certificador.is_some();
        Ok(ordered(&self.ec_by[sort_slot(sort.0)], sort.1)
            .iter()
            .copied()
            .filter(|&i| {
                let k = &self.ec_keys[i as usize];
                let quick = sector.is_none_or(|v| k.sector == v)
                    && f.nivel.is_none_or(|v| i64::from(k.nivel) == v)
                    && f.vigente.is_none_or(|v| k.vigente == v)
                    && tipo.is_none_or(|v| k.tipo == v)
                    && estado.is_none_or(|v| k.estado == v);
                if !quick || !slow {
                    return quick;
                }
                let e = &self.ec[i as usize];
                words
                    .as_ref()
                    .is_none_or(|w| w.contains(e.summary.clave.as_str()))
                    && f.comite
                        .is_none_or(|v| e.summary.comite_id == Some(v) || e.listed_by.contains(&v))
                    && f.centro.as_ref().is_none_or(|v| e.centro_ids.contains(v))
                    && f.certificador
                        .as_ref()
                        .is_none_or(|v| e.cert_ids.contains(v))
            })
            .collect())
    }

    /// The certifiers a filter keeps, in the order asked.
    fn cert_matching(&self, f: &CertFilter, sort: (NameSort, Order)) -> Vec<u32> {
        let words = f.q.as_deref().map(|q| self.matching(q, "certificador"));
        let standard =
            f.ec.as_ref()
                .map(|c| self.ec_idx.get(c).map(|&i| &self.ec[i as usize]));
        ordered(&self.cert_by[name_slot(sort.0)], sort.1)
            .iter()
            .copied()
            .filter(|&i| {
                let c = &self.certs[i as usize];
                let id = &c.summary.certificador.id;
                words.as_ref().is_none_or(|w| w.contains(id.as_str()))
                    && standard.is_none_or(|e| e.is_some_and(|e| e.cert_ids.contains(id)))
                    && f.min_ec.is_none_or(|m| c.summary.n_estandares >= m)
                    && f.tipo
                        .as_ref()
                        .is_none_or(|t| c.summary.certificador.tipo.as_ref() == Some(t))
                    && f.estado.as_ref().is_none_or(|st| match standard {
                        Some(e) => e.is_some_and(|e| {
                            e.cert_estados.get(id).is_some_and(|s| s.contains(st))
                        }),
                        None => c.estados.iter().any(|x| &x.estado.clave == st),
                    })
            })
            .collect()
    }

    fn ec_summary(&self, i: u32) -> EcSummary {
        self.ec[i as usize].summary.clone()
    }

    fn ec_summaries<'a>(&self, claves: impl IntoIterator<Item = &'a String>) -> Vec<EcSummary> {
        claves
            .into_iter()
            .filter_map(|c| self.ec_idx.get(c))
            .map(|&i| self.ec_summary(i))
            .collect()
    }
}

impl ReadStore for View {
    fn ec_facets(
        &self,
        run: i64,
        f: &EcFilter,
        facets: &[facets::EcFacet],
    ) -> Result<Vec<facets::Facet>> {
        self.this_run(run)?;
        let matching = self.ec_matching(f, (EcSort::Clave, Order::Asc))?;
        Ok(facets::count_ec(
            matching.iter().map(|&i| {
                let e = &self.ec[i as usize];
                (&e.summary, e.comite_estado.as_deref())
            }),
            facets,
        ))
    }

    fn cert_facets(
        &self,
        run: i64,
        f: &CertFilter,
        facets: &[facets::CertFacet],
    ) -> Result<Vec<facets::Facet>> {
        self.this_run(run)?;
        let matching = self.cert_matching(f, (NameSort::Nombre, Order::Asc));
        Ok(facets::count_cert(
            matching.iter().map(|&i| &self.certs[i as usize].summary),
            facets,
        ))
    }

    fn load_view(&self, _run: i64) -> Result<View> {
        Err(StoreError::NotInMemory)
    }

    fn published_run(&self) -> Result<Option<(i64, Option<String>)>> {
        Err(StoreError::NotInMemory)
    }

    fn schema_current(&self) -> Result<bool> {
        Err(StoreError::NotInMemory)
    }

    fn list_ec(
        &self,
        run: i64,
        f: &EcFilter,
        sort: (EcSort, Order),
        page: PageReq,
    ) -> Result<Page<EcSummary>> {
        self.this_run(run)?;
        Ok(page_of(self.ec_matching(f, sort)?, page, |i| {
            self.ec_summary(i)
        }))
    }

    fn list_ec_json(
        &self,
        run: i64,
        f: &EcFilter,
        sort: (EcSort, Order),
        page: PageReq,
    ) -> Result<Page<Box<serde_json::value::RawValue>>> {
        self.this_run(run)?;
        Ok(page_of(self.ec_matching(f, sort)?, page, |i| {
            self.ec[i as usize].summary_json.clone()
        }))
    }

    fn get_ec(&self, run: i64, clave: &str) -> Result<Option<EcDetail>> {
        self.this_run(run)?;
        let Some(&i) = self.ec_idx.get(clave) else {
            // Retired or unknown: the database knows which.
            return Err(StoreError::NotInMemory);
        };
        let e = &self.ec[i as usize];
        Ok(Some(EcDetail {
            summary: e.summary.clone(),
            clave_publicada: e.clave_publicada.clone(),
            clase: e.clase.clone(),
            id_renec: e.id_renec.clone(),
            source_url: e.source_url.clone(),
            conservado_de_run: e.conservado_de_run,
            ocupaciones: e.ocupaciones.clone(),
            certificadores: e
                .certificadores
                .iter()
                .map(|(c, estados)| CertLink {
                    estados: estados.clone(),
                    ..self.certs[*c as usize].summary.certificador.clone()
                })
                .collect(),
            centros: e
                .centros
                .iter()
                .map(|&c| {
                    let s = &self.centros[c as usize].summary;
                    Ref {
                        id: s.id.clone(),
                        nombre: s.nombre.clone(),
                    }
                })
                .collect(),
            comite_miembros: e.comite_miembros.clone(),
            first_seen_run: e.first_seen_run,
            last_seen_run: e.last_seen_run,
        }))
    }

    fn list_certificadores(
        &self,
        run: i64,
        f: &CertFilter,
        sort: (NameSort, Order),
        page: PageReq,
    ) -> Result<Page<CertSummary>> {
        self.this_run(run)?;
        Ok(page_of(self.cert_matching(f, sort), page, |i| {
            self.certs[i as usize].summary.clone()
        }))
    }

    fn get_certificador(&self, run: i64, id: &str) -> Result<Option<CertDetail>> {
        self.this_run(run)?;
        let Some(&i) = self.cert_idx.get(id) else {
            return Err(StoreError::NotInMemory);
        };
        let c = &self.certs[i as usize];
        Ok(Some(CertDetail {
            id: id.to_string(),
            retirado: false,
            nombre: c.summary.certificador.nombre.clone(),
            nombres_publicados: c.nombres_publicados.clone(),
            tipo: c.summary.certificador.tipo.clone(),
            estados: c.estados.clone(),
            n_estandares: c.summary.n_estandares,
            first_seen_run: c.first_seen_run,
            last_seen_run: c.last_seen_run,
        }))
    }

    fn certificador_tipos(&self, run: i64) -> Result<Vec<TipoSummary>> {
        self.this_run(run)?;
        Ok(self.tipos.clone())
    }

    fn estados(&self, run: i64) -> Result<Vec<EstadoSummary>> {
        self.this_run(run)?;
        Ok(self.estados.clone())
    }

    fn list_centros(
        &self,
        run: i64,
        f: &CentroFilter,
        sort: (NameSort, Order),
        page: PageReq,
    ) -> Result<Page<NamedSummary>> {
        self.this_run(run)?;
        let words = f.q.as_deref().map(|q| self.matching(q, "centro"));
        let matching = ordered(&self.centro_by[name_slot(sort.0)], sort.1)
            .iter()
            .copied()
            .filter(|&i| {
                let c = &self.centros[i as usize];
                words
                    .as_ref()
                    .is_none_or(|w| w.contains(c.summary.id.as_str()))
                    && f.ec.as_ref().is_none_or(|e| c.ecs.contains(e))
                    && f.min_ec.is_none_or(|m| c.summary.n_estandares >= m)
            })
            .collect();
        Ok(page_of(matching, page, |i| {
            self.centros[i as usize].summary.clone()
        }))
    }

    fn get_centro(&self, run: i64, id: &str) -> Result<Option<CentroDetail>> {
        self.this_run(run)?;
        let Some(&i) = self.centro_idx.get(id) else {
            return Ok(None);
        };
        let c = &self.centros[i as usize];
        Ok(Some(CentroDetail {
            id: c.summary.id.clone(),
            nombre: c.summary.nombre.clone(),
            estandares: self.ec_summaries(&c.ecs),
            first_seen_run: c.first_seen_run,
            last_seen_run: c.last_seen_run,
        }))
    }

    fn list_comites(
        &self,
        run: i64,
        f: &ComiteFilter,
        sort: (NameSort, Order),
        page: PageReq,
    ) -> Result<Page<ComiteSummary>> {
        self.this_run(run)?;
        let words = f.q.as_deref().map(|q| self.matching(q, "comite"));
        let matching = ordered(&self.comite_by[name_slot(sort.0)], sort.1)
            .iter()
            .copied()
            .filter(|&i| {
                let c = &self.comites[i as usize];
                let s = &c.detail.summary;
                words
                    .as_ref()
                    .is_none_or(|w| w.contains(s.id.to_string().as_str()))
                    && f.estado
                        .as_ref()
                        .is_none_or(|v| s.estado_inegi.as_ref() == Some(v))
                    && f.ec.as_ref().is_none_or(|e| c.ecs.contains(e))
                    && f.min_ec.is_none_or(|m| s.n_estandares >= m)
            })
            .collect();
        Ok(page_of(matching, page, |i| {
            self.comites[i as usize].detail.summary.clone()
        }))
    }

    fn get_comite(&self, run: i64, id: i64) -> Result<Option<ComiteDetail>> {
        self.this_run(run)?;
        let Some(&i) = self.comite_idx.get(&id) else {
            return Err(StoreError::NotInMemory);
        };
        let c = &self.comites[i as usize];
        Ok(Some(ComiteDetail {
            estandares: self.ec_summaries(&c.ecs),
            ..c.detail.clone()
        }))
    }

    fn list_sectores(
        &self,
        run: i64,
        q: Option<&str>,
        page: PageReq,
    ) -> Result<Page<NamedSummary>> {
        self.this_run(run)?;
        let words = q.map(|q| self.matching(q, "sector"));
        let matching = (0..self.sectores.len() as u32)
            .filter(|&i| {
                words
                    .as_ref()
                    .is_none_or(|w| w.contains(self.sectores[i as usize].0.id.as_str()))
            })
            .collect();
        Ok(page_of(matching, page, |i| {
            self.sectores[i as usize].0.clone()
        }))
    }

    fn get_sector(&self, run: i64, id: &str) -> Result<Option<SectorDetail>> {
        self.this_run(run)?;
        Ok(self
            .sector_idx
            .get(id)
            .map(|&i| self.sectores[i as usize].1.clone()))
    }

    fn search(&self, q: &str, tipos: &[String], page: PageReq) -> Result<SearchPage> {
        let kinds: Vec<&str> = tipos.iter().map(String::as_str).collect();
        let found = self.find(q, (!kinds.is_empty()).then_some(kinds.as_slice()));
        let mut by_kind: std::collections::BTreeMap<&str, u64> = Default::default();
        for r in &found.docs {
            *by_kind.entry(self.search.doc(r.doc).kind).or_insert(0) += 1;
        }
        let por_tipo = by_kind
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect();
        Ok(SearchPage {
            items: self.hits(&found, page),
            total: found.docs.len() as u64,
            codigo: found.codigo,
            sugerencias: found.sugerencias,
            por_tipo,
        })
    }

    fn graph(&self, _run: i64, _f: &GraphFilter) -> Result<Graph> {
        Err(StoreError::NotInMemory)
    }

    fn counts(&self, run: i64) -> Result<crate::store::stats::Counts> {
        self.this_run(run)?;
        Ok(self.counts.clone())
    }

    fn list_runs(&self, _page: PageReq) -> Result<Page<RunView>> {
        Err(StoreError::NotInMemory)
    }

    fn get_run(&self, _id: i64) -> Result<Option<RunView>> {
        Err(StoreError::NotInMemory)
    }

    fn published_runs(&self) -> Result<Vec<(i64, Option<String>)>> {
        Err(StoreError::NotInMemory)
    }

    fn state(&self, _key: &str) -> Result<Option<String>> {
        Err(StoreError::NotInMemory)
    }

    fn diff(&self, _from: i64, _to: i64) -> Result<crate::store::diff::Diff> {
        Err(StoreError::NotInMemory)
    }

    fn history(&self, _kind: &str, _key: &str) -> Result<Option<Vec<serde_json::Value>>> {
        Err(StoreError::NotInMemory)
    }

    fn ec_scope(
        &self,
        run: i64,
        sector: Option<&str>,
        estado: Option<&str>,
    ) -> Result<BTreeSet<String>> {
        self.this_run(run)?;
        Ok(self
            .ec
            .iter()
            .filter(|e| {
                sector.is_none_or(|s| e.summary.sector_id.as_deref() == Some(s))
                    && estado.is_none_or(|s| e.comite_estado.as_deref() == Some(s))
            })
            .map(|e| e.summary.clave.clone())
            .collect())
    }
}
