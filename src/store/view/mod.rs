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
use fixedbitset::FixedBitSet;
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
    /// Index into `EcKeyValues::estados` (`NONE`: none), for facets.
    estado_value: u16,
    /// Index into `EcKeyValues::comites` (`NONE_U32`: no committee).
    comite: u32,
}

const NONE: u16 = u16::MAX;
const NONE_U32: u32 = u32::MAX;

/// The name a facet value shows: the one all its standards give, or
/// `Varies` when they differ (then the greatest among those counted, as
/// `facets::count_ec` takes it).
#[derive(Debug, Clone)]
enum KeyName {
    One(Option<String>),
    Varies,
}

/// The distinct values the packed keys index.
#[derive(Debug, Clone, Default)]
struct EcKeyValues {
    sectores: Vec<String>,
    sector_names: Vec<KeyName>,
    tipos: Vec<String>,
    comites: Vec<i64>,
    comite_names: Vec<KeyName>,
    estados: Vec<String>,
    /// Every standard's `nivel` fits the packed key (none, or 1 to 255),
    /// so facets can be counted over the packed keys alone.
    nivel_packed: bool,
}

/// Which standards have each value of the common list filters, as bit
/// sets over `View::ec` (same index): a filter keeps the intersection of
/// its values' sets. Built from the packed keys, so they agree.
#[derive(Debug, Clone, Default)]
struct EcSets {
    /// By index into `EcKeyValues::sectores`.
    sector: Vec<FixedBitSet>,
    /// By index into `EcKeyValues::tipos`.
    tipo: Vec<FixedBitSet>,
    /// By packed `nivel`.
    nivel: HashMap<u8, FixedBitSet>,
    /// Not in force, in force.
    vigente: [FixedBitSet; 2],
    /// By the packed state of the committee (`build::estado_key`).
    estado: HashMap<u16, FixedBitSet>,
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
    ec_sets: EcSets,
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

/// The values counted at least once: (index, count).
fn counted(counts: &[u64]) -> impl Iterator<Item = (usize, u64)> + '_ {
    counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(i, c)| (i, *c))
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

    /// Entities of one kind a search matches (the `q` filter of lists), as
    /// a set of their indexes (`n`: how many there are).
    fn matching(&self, q: &str, kind: &'static str, n: usize) -> FixedBitSet {
        self.flags(&self.search.find_unranked(q, Some(&[kind])), kind, n)
    }

    /// The entities of `kind` (`n` of them) that `found` holds, by index.
    fn flags(&self, found: &Found, kind: &str, n: usize) -> FixedBitSet {
        let mut hit = FixedBitSet::with_capacity(n);
        for r in &found.docs {
            if self.search.doc(r.doc).kind == kind {
                hit.insert(self.search.nth_of_kind(r.doc) as usize);
            }
        }
        hit
    }

    /// Search across the kinds named (`tipos`; empty: every kind), not yet
    /// ranked (`search_page` ranks what its page needs).
    fn find_kinds(&self, q: &str, tipos: &[String]) -> Found {
        let kinds: Vec<&str> = tipos.iter().map(String::as_str).collect();
        self.search
            .find_unranked(q, (!kinds.is_empty()).then_some(kinds.as_slice()))
    }

    /// A page of what a search found, with its counts by kind.
    fn search_page(&self, mut found: Found, page: PageReq) -> SearchPage {
        let upto = usize::try_from(page.offset)
            .unwrap_or(usize::MAX)
            .saturating_add(page.limit as usize);
        self.search.rank(&mut found, upto);
        let mut by_kind = [0u64; search::KINDS.len()];
        for r in &found.docs {
            by_kind[self.search.kind_of(r.doc)] += 1;
        }
        let por_tipo = search::KINDS
            .iter()
            .zip(by_kind)
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| (k.to_string(), n))
            .collect();
        SearchPage {
            items: self.hits(&found, page),
            total: found.docs.len() as u64,
            codigo: found.codigo,
            sugerencias: found.sugerencias,
            por_tipo,
        }
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
        self.ec_matching_words(f, sort, self.ec_words(f))
    }

    /// The standards `f.q` matches, if it is given.
    fn ec_words(&self, f: &EcFilter) -> Option<FixedBitSet> {
        f.q.as_deref()
            .map(|q| self.matching(q, "ec", self.ec.len()))
    }

    /// The standards a filter keeps, in index order (for counting, where
    /// the order does not matter).
    fn ec_kept_indexes(&self, f: &EcFilter, words: Option<FixedBitSet>) -> Result<Vec<u32>> {
        Ok(self.ec_kept(f, words)?.ones().map(|i| i as u32).collect())
    }

    /// `ec_matching` with the standards `f.q` matches given (`words`, one
    /// flag per standard).
    fn ec_matching_words(
        &self,
        f: &EcFilter,
        sort: (EcSort, Order),
        words: Option<FixedBitSet>,
    ) -> Result<Vec<u32>> {
        let kept = self.ec_kept(f, words)?;
        Ok(ordered(&self.ec_by[sort_slot(sort.0)], sort.1)
            .iter()
            .copied()
            .filter(|&i| kept.contains(i as usize))
            .collect())
    }

    /// The standards a filter keeps, as a set (`words`: the standards
    /// `f.q` matches, one flag per standard).
    fn ec_kept(&self, f: &EcFilter, words: Option<FixedBitSet>) -> Result<FixedBitSet> {
        if f.include_retired {
            return Err(StoreError::NotInMemory);
        }
        let n = self.ec.len();
        let mut kept = FixedBitSet::with_capacity(n);
        kept.insert_range(..);
        // The common filters intersect the sets of their values (a value
        // no standard has keeps nothing).
        let sets = &self.ec_sets;
        let position = |v: &String, of: &[String]| of.iter().position(|x| x == v);
        let narrowing = [
            f.sector.as_ref().map(|v| {
                position(v, &self.ec_key_values.sectores).and_then(|i| sets.sector.get(i))
            }),
            f.tipo
                .as_ref()
                .map(|v| position(v, &self.ec_key_values.tipos).and_then(|i| sets.tipo.get(i))),
            f.nivel
                .map(|v| u8::try_from(v).ok().and_then(|v| sets.nivel.get(&v))),
            f.vigente.map(|v| Some(&sets.vigente[usize::from(v)])),
            f.estado
                .as_deref()
                .map(|v| sets.estado.get(&build::estado_key(v))),
        ];
        for set in narrowing.into_iter().flatten() {
            match set {
                Some(set) => kept.intersect_with(set),
                None => kept.clear(),
            }
        }
        if let Some(words) = &words {
            kept.intersect_with(words);
        }
        // The others look at the standards the common ones kept.
        if f.comite.is_some() || f.centro.is_some() || f.certificador.is_some() {
            let dropped: Vec<usize> = kept
                .ones()
                .filter(|&i| {
                    let e = &self.ec[i];
                    !(f.comite
                        .is_none_or(|v| e.summary.comite_id == Some(v) || e.listed_by.contains(&v))
                        && f.centro.as_ref().is_none_or(|v| e.centro_ids.contains(v))
                        && f.certificador
                            .as_ref()
                            .is_none_or(|v| e.cert_ids.contains(v)))
                })
                .collect();
            for i in dropped {
                kept.remove(i);
            }
        }
        Ok(kept)
    }

    /// The certifiers a filter keeps, in the order asked.
    fn cert_matching(&self, f: &CertFilter, sort: (NameSort, Order)) -> Vec<u32> {
        let words =
            f.q.as_deref()
                .map(|q| self.matching(q, "certificador", self.certs.len()));
        let standard =
            f.ec.as_ref()
                .map(|c| self.ec_idx.get(c).map(|&i| &self.ec[i as usize]));
        ordered(&self.cert_by[name_slot(sort.0)], sort.1)
            .iter()
            .copied()
            .filter(|&i| {
                let c = &self.certs[i as usize];
                let id = &c.summary.certificador.id;
                words.as_ref().is_none_or(|w| w[i as usize])
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

    /// The standards' facets over `matching`.
    fn ec_facets_of(&self, matching: &[u32], facets: &[facets::EcFacet]) -> Vec<facets::Facet> {
        let by_rows = || {
            facets::count_ec(
                matching.iter().map(|&i| {
                    let e = &self.ec[i as usize];
                    (&e.summary, e.comite_estado.as_deref())
                }),
                facets,
            )
        };
        if !self.ec_key_values.nivel_packed {
            return by_rows();
        }
        let packed = self.ec_facets_packed(matching, facets);
        // Every test's facets are counted both ways.
        debug_assert_eq!(packed, by_rows());
        packed
    }

    /// The standards' facets over `matching`, counted on the packed keys
    /// into plain arrays: the same values, names and order as
    /// `facets::count_ec` over the same rows (`tests/view.rs`).
    fn ec_facets_packed(&self, matching: &[u32], asked: &[facets::EcFacet]) -> Vec<facets::Facet> {
        use facets::EcFacet;
        use serde_json::Value;
        let kv = &self.ec_key_values;
        let keys = || matching.iter().map(|&i| &self.ec_keys[i as usize]);
        // Counts per value index; the last slot counts the missing value.
        let tally = |n: usize, slot: &dyn Fn(&EcKey) -> usize| {
            let mut counts = vec![0u64; n + 1];
            for k in keys() {
                counts[slot(k)] += 1;
            }
            counts
        };
        let slot = |v: u32, none: u32, n: usize| if v == none { n } else { v as usize };
        asked
            .iter()
            .map(|&facet| {
                let campo = facet.name();
                match facet {
                    EcFacet::Sector => {
                        let n = kv.sectores.len();
                        let counts = tally(n, &|k| slot(u32::from(k.sector), u32::from(NONE), n));
                        let named = counted(&counts).map(|(i, c)| match kv.sectores.get(i) {
                            None => (Value::Null, None, c),
                            Some(v) => (
                                Value::from(v.as_str()),
                                self.key_name(&kv.sector_names[i], matching, |e, k| {
                                    (usize::from(k.sector) == i)
                                        .then_some(e.summary.sector.as_deref())
                                }),
                                c,
                            ),
                        });
                        facets::facet(campo, named)
                    }
                    EcFacet::Comite => {
                        let n = kv.comites.len();
                        let counts = tally(n, &|k| slot(k.comite, NONE_U32, n));
                        let named = counted(&counts).map(|(i, c)| match kv.comites.get(i) {
                            None => (Value::Null, None, c),
                            Some(v) => (
                                Value::from(*v),
                                self.key_name(&kv.comite_names[i], matching, |e, k| {
                                    (k.comite as usize == i).then_some(e.summary.comite.as_deref())
                                }),
                                c,
                            ),
                        });
                        facets::facet(campo, named)
                    }
                    EcFacet::Nivel => {
                        let mut counts = [0u64; 256];
                        for k in keys() {
                            counts[usize::from(k.nivel)] += 1;
                        }
                        facets::facet(
                            campo,
                            counted(&counts).map(|(i, c)| {
                                let v = if i == 0 { Value::Null } else { Value::from(i) };
                                (v, None, c)
                            }),
                        )
                    }
                    EcFacet::Estado => {
                        let n = kv.estados.len();
                        let counts =
                            tally(n, &|k| slot(u32::from(k.estado_value), u32::from(NONE), n));
                        facets::facet(
                            campo,
                            counted(&counts).map(|(i, c)| {
                                (
                                    kv.estados
                                        .get(i)
                                        .map_or(Value::Null, |v| Value::from(v.as_str())),
                                    None,
                                    c,
                                )
                            }),
                        )
                    }
                    EcFacet::Vigente => {
                        let counts = tally(1, &|k| usize::from(k.vigente));
                        facets::facet(
                            campo,
                            counted(&counts).map(|(i, c)| (Value::Bool(i == 1), None, c)),
                        )
                    }
                    EcFacet::Tipo => {
                        let n = kv.tipos.len();
                        let counts = tally(n, &|k| usize::from(k.tipo));
                        facets::facet(
                            campo,
                            counted(&counts)
                                .map(|(i, c)| (Value::from(kv.tipos[i].as_str()), None, c)),
                        )
                    }
                }
            })
            .collect()
    }

    /// A facet value's name: the one all its standards give, or else the
    /// greatest that the counted standards with it give (`of` says whether
    /// a standard has the value, and its name).
    fn key_name<'a>(
        &'a self,
        name: &'a KeyName,
        matching: &[u32],
        of: impl Fn(&'a Ec, &EcKey) -> Option<Option<&'a str>>,
    ) -> Option<&'a str> {
        match name {
            KeyName::One(n) => n.as_deref(),
            KeyName::Varies => matching
                .iter()
                .filter_map(|&i| of(&self.ec[i as usize], &self.ec_keys[i as usize]))
                .max()
                .flatten(),
        }
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
    /// In memory: as many as there are cores.
    fn connections(&self) -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    fn ec_facets(
        &self,
        run: i64,
        f: &EcFilter,
        facets: &[facets::EcFacet],
    ) -> Result<Vec<facets::Facet>> {
        self.this_run(run)?;
        let matching = self.ec_kept_indexes(f, self.ec_words(f))?;
        Ok(self.ec_facets_of(&matching, facets))
    }

    fn search_faceted(
        &self,
        run: i64,
        q: &str,
        tipos: &[String],
        page: PageReq,
        facets: &[facets::EcFacet],
    ) -> Result<(SearchPage, Vec<facets::Facet>)> {
        if facets.is_empty() {
            return Ok((self.search(q, tipos, page)?, vec![]));
        }
        self.this_run(run)?;
        // One search serves both: the standards among its hits are the
        // standards its words match (kinds only narrow what is kept).
        let found = self.find_kinds(q, tipos);
        let words = self.flags(&found, "ec", self.ec.len());
        let f = EcFilter::words(q);
        let matching = self.ec_kept_indexes(&f, Some(words))?;
        let counted = self.ec_facets_of(&matching, facets);
        // The same as the standards' own search would count.
        debug_assert_eq!(
            Some(&counted),
            self.ec_facets(run, &f, facets).ok().as_ref()
        );
        Ok((self.search_page(found, page), counted))
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
        let words =
            f.q.as_deref()
                .map(|q| self.matching(q, "centro", self.centros.len()));
        let matching = ordered(&self.centro_by[name_slot(sort.0)], sort.1)
            .iter()
            .copied()
            .filter(|&i| {
                let c = &self.centros[i as usize];
                words.as_ref().is_none_or(|w| w[i as usize])
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
        let words =
            f.q.as_deref()
                .map(|q| self.matching(q, "comite", self.comites.len()));
        let matching = ordered(&self.comite_by[name_slot(sort.0)], sort.1)
            .iter()
            .copied()
            .filter(|&i| {
                let c = &self.comites[i as usize];
                let s = &c.detail.summary;
                words.as_ref().is_none_or(|w| w[i as usize])
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
        let words = q.map(|q| self.matching(q, "sector", self.sectores.len()));
        let matching = (0..self.sectores.len() as u32)
            .filter(|&i| words.as_ref().is_none_or(|w| w[i as usize]))
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
        Ok(self.search_page(self.find_kinds(q, tipos), page))
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
