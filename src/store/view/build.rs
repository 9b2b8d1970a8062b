//! From the rows of one run to a [`View`]: links resolved, counts taken,
//! every list's orders computed, the search index built. The orders are
//! the SQL readers' `ORDER BY`s: SQLite's NOCASE folds ASCII letters only,
//! NULL sorts first ascending, and ties go to the key, ascending.

use super::search::{self, Doc, SearchIndex};
use super::{
    Centro, Cert, Comite, Ec, EcKey, EcKeyValues, EcSets, KeyName, Orders, View, NONE, NONE_U32,
};
use crate::store::read::*;
use fixedbitset::FixedBitSet;
use indexmap::IndexSet;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub(super) struct RawEc {
    pub clave: String,
    pub titulo: Option<String>,
    pub nivel: Option<i64>,
    pub tipo: String,
    pub vigente: bool,
    pub sector_id: Option<String>,
    pub comite_id: Option<i64>,
    pub comite_nombre: Option<String>,
    pub clave_publicada: String,
    pub clase: String,
    pub id_renec: Option<String>,
    pub source_url: Option<String>,
    pub conservado_de_run: Option<i64>,
    pub last_seen_run: i64,
}

pub(super) struct RawCert {
    pub id: String,
    pub nombre: String,
    pub tipo: Option<String>,
    pub last_seen_run: i64,
}

pub(super) struct RawComite {
    pub id: i64,
    pub clave: Option<String>,
    pub nombre: String,
    pub sector: Option<String>,
    pub estado_inegi: Option<String>,
    pub estado_raw: Option<String>,
    pub fecha_integracion: Option<String>,
    pub direccion: Option<String>,
    pub colonia: Option<String>,
    pub codigo_postal: Option<String>,
    pub municipio: Option<String>,
    pub telefono: Option<String>,
    pub telefono_e164: Option<String>,
    pub url: Option<String>,
    pub last_seen_run: i64,
}

/// What one run holds, as read from a database.
pub(super) struct Raw {
    /// The run's entity and link counts (what `/api/v1/stats` shows).
    pub counts: crate::store::stats::Counts,
    pub ec: Vec<RawEc>,
    pub ec_first: Vec<(String, i64)>,
    pub certs: Vec<RawCert>,
    pub cert_first: Vec<(String, i64)>,
    pub comites: Vec<RawComite>,
    pub comite_first: Vec<(String, i64)>,
    /// (id, nombre, last_seen_run)
    pub centros: Vec<(String, String, i64)>,
    pub centro_first: Vec<(String, i64)>,
    /// (id, nombre, id_renec)
    pub sectores: Vec<(String, String, Option<String>)>,
    /// (ec, certificador)
    pub ec_cert: Vec<(String, String)>,
    /// (ec, certificador, estado)
    pub ec_cert_estado: Vec<(String, String, String)>,
    /// (ec, centro)
    pub ec_centro: Vec<(String, String)>,
    /// (comite, ec)
    pub comite_ec: Vec<(i64, String)>,
    /// (ec, ocupacion), by ocupacion
    pub ocupaciones: Vec<(String, String)>,
    /// (ec, institucion), in published order
    pub miembros: Vec<(String, String)>,
    /// (certificador, alias), by alias
    pub aliases: Vec<(String, String)>,
}

/// SQLite's NOCASE: ASCII letters folded, everything else compared as bytes.
fn nocase(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

fn nocase_opt(a: &Option<String>, b: &Option<String>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => nocase(a, b),
    }
}

/// Both directions of `ORDER BY key dir, tie ASC`.
fn orders<T>(
    items: &[T],
    key: impl Fn(&T, &T) -> Ordering,
    tie: impl Fn(&T, &T) -> Ordering,
) -> Orders {
    let idx: Vec<u32> = (0..items.len() as u32).collect();
    let sorted = |desc: bool| {
        let mut v = idx.clone();
        v.sort_by(|&a, &b| {
            let (x, y) = (&items[a as usize], &items[b as usize]);
            let k = key(x, y);
            let k = if desc { k.reverse() } else { k };
            k.then_with(|| tie(x, y))
        });
        v
    };
    Orders {
        asc: sorted(false),
        desc: sorted(true),
    }
}

fn count_by<'a>(keys: impl Iterator<Item = &'a str>) -> HashMap<&'a str, i64> {
    let mut m = HashMap::new();
    for k in keys {
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

pub(super) fn build(run: i64, raw: Raw) -> View {
    let counts = raw.counts.clone();
    let sector_names: HashMap<&str, &str> = raw
        .sectores
        .iter()
        .map(|(id, n, _)| (id.as_str(), n.as_str()))
        .collect();
    let comite_by_id: HashMap<i64, &RawComite> = raw.comites.iter().map(|c| (c.id, c)).collect();
    let firsts = |v: &[(String, i64)]| -> HashMap<String, i64> { v.iter().cloned().collect() };
    let (ec_first, cert_first, comite_first, centro_first) = (
        firsts(&raw.ec_first),
        firsts(&raw.cert_first),
        firsts(&raw.comite_first),
        firsts(&raw.centro_first),
    );
    let n_cert_of_ec = count_by(raw.ec_cert.iter().map(|(e, _)| e.as_str()));
    let n_ec_of_cert = count_by(raw.ec_cert.iter().map(|(_, c)| c.as_str()));
    let n_ec_of_centro = count_by(raw.ec_centro.iter().map(|(_, c)| c.as_str()));
    let mut n_ec_of_comite: HashMap<i64, i64> = HashMap::new();
    let mut comite_ecs: HashMap<i64, BTreeSet<String>> = HashMap::new();
    let mut listed_by: HashMap<&str, BTreeSet<i64>> = HashMap::new();
    for (c, e) in &raw.comite_ec {
        *n_ec_of_comite.entry(*c).or_insert(0) += 1;
        comite_ecs.entry(*c).or_default().insert(e.clone());
        listed_by.entry(e.as_str()).or_default().insert(*c);
    }

    // Certifiers.
    let mut cert_states: HashMap<&str, BTreeMap<&str, BTreeSet<&str>>> = HashMap::new();
    let mut ec_cert_states: HashMap<&str, HashMap<String, BTreeSet<String>>> = HashMap::new();
    for (e, c, s) in &raw.ec_cert_estado {
        cert_states
            .entry(c.as_str())
            .or_default()
            .entry(s.as_str())
            .or_default()
            .insert(e.as_str());
        ec_cert_states
            .entry(e.as_str())
            .or_default()
            .entry(c.clone())
            .or_default()
            .insert(s.clone());
    }
    let mut aliases: HashMap<&str, Vec<String>> = HashMap::new();
    for (c, a) in &raw.aliases {
        aliases.entry(c.as_str()).or_default().push(a.clone());
    }
    let certs: Vec<Cert> = raw
        .certs
        .iter()
        .map(|c| {
            let states = cert_states.get(c.id.as_str());
            Cert {
                summary: CertSummary {
                    certificador: CertLink {
                        id: c.id.clone(),
                        nombre: c.nombre.clone(),
                        tipo: c.tipo.clone(),
                        estados: states
                            .map(|s| s.keys().map(|k| EstadoRef::from_code(k)).collect())
                            .unwrap_or_default(),
                    },
                    n_estandares: n_ec_of_cert.get(c.id.as_str()).copied().unwrap_or(0),
                },
                nombres_publicados: aliases.remove(c.id.as_str()).unwrap_or_default(),
                estados: states
                    .map(|s| {
                        s.iter()
                            .map(|(k, ecs)| EstadoCount {
                                estado: EstadoRef::from_code(k),
                                n_estandares: ecs.len() as i64,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                first_seen_run: cert_first.get(&c.id).copied().unwrap_or(run),
                last_seen_run: c.last_seen_run,
            }
        })
        .collect();
    let cert_idx: HashMap<String, u32> = certs
        .iter()
        .enumerate()
        .map(|(i, c)| (c.summary.certificador.id.clone(), i as u32))
        .collect();
    let cert_by = [
        orders(
            &certs,
            |a, b| {
                nocase(
                    &a.summary.certificador.nombre,
                    &b.summary.certificador.nombre,
                )
            },
            |a, b| a.summary.certificador.id.cmp(&b.summary.certificador.id),
        ),
        orders(
            &certs,
            |a, b| a.summary.n_estandares.cmp(&b.summary.n_estandares),
            |a, b| a.summary.certificador.id.cmp(&b.summary.certificador.id),
        ),
    ];

    // Training offerings.
    let mut centro_ecs: HashMap<&str, BTreeSet<String>> = HashMap::new();
    let mut ec_centros: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for (e, c) in &raw.ec_centro {
        centro_ecs.entry(c.as_str()).or_default().insert(e.clone());
        ec_centros.entry(e.as_str()).or_default().insert(c.clone());
    }
    let centros: Vec<Centro> = raw
        .centros
        .iter()
        .map(|(id, nombre, last)| Centro {
            summary: NamedSummary {
                id: id.clone(),
                nombre: nombre.clone(),
                n_estandares: n_ec_of_centro.get(id.as_str()).copied().unwrap_or(0),
            },
            ecs: centro_ecs.remove(id.as_str()).unwrap_or_default(),
            first_seen_run: centro_first.get(id).copied().unwrap_or(run),
            last_seen_run: *last,
        })
        .collect();
    let centro_idx: HashMap<String, u32> = centros
        .iter()
        .enumerate()
        .map(|(i, c)| (c.summary.id.clone(), i as u32))
        .collect();
    let centro_by = [
        orders(
            &centros,
            |a, b| nocase(&a.summary.nombre, &b.summary.nombre),
            |a, b| a.summary.id.cmp(&b.summary.id),
        ),
        orders(
            &centros,
            |a, b| a.summary.n_estandares.cmp(&b.summary.n_estandares),
            |a, b| a.summary.id.cmp(&b.summary.id),
        ),
    ];

    // Standards.
    let mut ocupaciones: HashMap<&str, Vec<String>> = HashMap::new();
    for (e, o) in &raw.ocupaciones {
        ocupaciones.entry(e.as_str()).or_default().push(o.clone());
    }
    let mut miembros: HashMap<&str, Vec<String>> = HashMap::new();
    for (e, m) in &raw.miembros {
        miembros.entry(e.as_str()).or_default().push(m.clone());
    }
    let mut ec_certs: HashMap<&str, Vec<&str>> = HashMap::new();
    for (e, c) in &raw.ec_cert {
        ec_certs.entry(e.as_str()).or_default().push(c.as_str());
    }
    let ec: Vec<Ec> = raw
        .ec
        .iter()
        .map(|e| {
            let comite = e.comite_id.and_then(|id| comite_by_id.get(&id));
            let links = ec_certs.get(e.clave.as_str());
            let states = ec_cert_states.remove(e.clave.as_str()).unwrap_or_default();
            let mut listed: Vec<(u32, Vec<EstadoRef>)> = links
                .into_iter()
                .flatten()
                .filter_map(|c| cert_idx.get(*c))
                .map(|&i| {
                    let id = &certs[i as usize].summary.certificador.id;
                    let estados = states
                        .get(id)
                        .map(|s| s.iter().map(|k| EstadoRef::from_code(k)).collect())
                        .unwrap_or_default();
                    (i, estados)
                })
                .collect();
            listed.sort_by(|a, b| {
                let (x, y) = (
                    &certs[a.0 as usize].summary.certificador,
                    &certs[b.0 as usize].summary.certificador,
                );
                x.nombre.cmp(&y.nombre).then(x.id.cmp(&y.id))
            });
            let centro_ids = ec_centros.remove(e.clave.as_str()).unwrap_or_default();
            let mut offered: Vec<u32> = centro_ids
                .iter()
                .filter_map(|c| centro_idx.get(c).copied())
                .collect();
            offered.sort_by(|&a, &b| {
                let (x, y) = (&centros[a as usize].summary, &centros[b as usize].summary);
                x.nombre.cmp(&y.nombre).then(x.id.cmp(&y.id))
            });
            let summary = EcSummary {
                clave: e.clave.clone(),
                titulo: e.titulo.clone(),
                nivel: e.nivel,
                tipo: e.tipo.clone(),
                vigente: e.vigente,
                sector_id: e.sector_id.clone(),
                sector: e
                    .sector_id
                    .as_deref()
                    .and_then(|s| sector_names.get(s))
                    .map(|s| s.to_string()),
                comite_id: e.comite_id,
                comite: comite
                    .map(|c| c.nombre.clone())
                    .or_else(|| e.comite_nombre.clone()),
                n_certificadores: n_cert_of_ec.get(e.clave.as_str()).copied().unwrap_or(0),
                retirado: false,
            };
            Ec {
                summary_json: serde_json::value::to_raw_value(&summary).expect("serializes"),
                summary,
                clave_publicada: e.clave_publicada.clone(),
                clase: e.clase.clone(),
                id_renec: e.id_renec.clone(),
                source_url: e.source_url.clone(),
                conservado_de_run: e.conservado_de_run,
                first_seen_run: ec_first.get(&e.clave).copied().unwrap_or(run),
                last_seen_run: e.last_seen_run,
                ocupaciones: ocupaciones.remove(e.clave.as_str()).unwrap_or_default(),
                certificadores: listed,
                cert_ids: links.into_iter().flatten().map(|c| c.to_string()).collect(),
                centros: offered,
                centro_ids,
                comite_miembros: miembros.remove(e.clave.as_str()).unwrap_or_default(),
                listed_by: listed_by.remove(e.clave.as_str()).unwrap_or_default(),
                comite_estado: comite.and_then(|c| c.estado_inegi.clone()),
                cert_estados: states,
            }
        })
        .collect();
    let (ec_keys, ec_key_values) = packed_keys(&ec);
    let ec_sets = key_sets(&ec_keys, &ec_key_values);
    let ec_idx: HashMap<String, u32> = ec
        .iter()
        .enumerate()
        .map(|(i, e)| (e.summary.clave.clone(), i as u32))
        .collect();
    let by_clave = |a: &Ec, b: &Ec| a.summary.clave.cmp(&b.summary.clave);
    let ec_by = [
        orders(&ec, by_clave, |_, _| Ordering::Equal),
        orders(
            &ec,
            |a, b| nocase_opt(&a.summary.titulo, &b.summary.titulo),
            by_clave,
        ),
        orders(&ec, |a, b| a.summary.nivel.cmp(&b.summary.nivel), by_clave),
        orders(
            &ec,
            |a, b| a.summary.n_certificadores.cmp(&b.summary.n_certificadores),
            by_clave,
        ),
    ];

    // Committees.
    let comites: Vec<Comite> = raw
        .comites
        .iter()
        .map(|c| Comite {
            detail: ComiteDetail {
                summary: ComiteSummary {
                    id: c.id,
                    clave: c.clave.clone(),
                    nombre: c.nombre.clone(),
                    sector: c.sector.clone(),
                    estado: estado_name(c.estado_inegi.as_deref(), c.estado_raw.clone()),
                    estado_inegi: c.estado_inegi.clone(),
                    n_estandares: n_ec_of_comite.get(&c.id).copied().unwrap_or(0),
                },
                retirado: false,
                fecha_integracion: c.fecha_integracion.clone(),
                direccion: c.direccion.clone(),
                colonia: c.colonia.clone(),
                codigo_postal: c.codigo_postal.clone(),
                municipio: c.municipio.clone(),
                telefono: c.telefono.clone(),
                telefono_e164: c.telefono_e164.clone(),
                url: c.url.clone(),
                estandares: vec![],
                first_seen_run: comite_first.get(&c.id.to_string()).copied().unwrap_or(run),
                last_seen_run: c.last_seen_run,
            },
            ecs: comite_ecs.remove(&c.id).unwrap_or_default(),
        })
        .collect();
    let comite_idx: HashMap<i64, u32> = comites
        .iter()
        .enumerate()
        .map(|(i, c)| (c.detail.summary.id, i as u32))
        .collect();
    let comite_by = [
        orders(
            &comites,
            |a, b| nocase(&a.detail.summary.nombre, &b.detail.summary.nombre),
            |a, b| a.detail.summary.id.cmp(&b.detail.summary.id),
        ),
        orders(
            &comites,
            |a, b| {
                a.detail
                    .summary
                    .n_estandares
                    .cmp(&b.detail.summary.n_estandares)
            },
            |a, b| a.detail.summary.id.cmp(&b.detail.summary.id),
        ),
    ];

    // Sectors, by name then id.
    let mut sectores: Vec<(NamedSummary, SectorDetail)> = raw
        .sectores
        .iter()
        .map(|(id, nombre, id_renec)| {
            let mine = ec
                .iter()
                .filter(|e| e.summary.sector_id.as_ref() == Some(id));
            let comites: BTreeSet<i64> = mine.clone().filter_map(|e| e.summary.comite_id).collect();
            let n = mine.count() as i64;
            (
                NamedSummary {
                    id: id.clone(),
                    nombre: nombre.clone(),
                    n_estandares: n,
                },
                SectorDetail {
                    id: id.clone(),
                    nombre: nombre.clone(),
                    id_renec: id_renec.clone(),
                    n_estandares: n,
                    n_comites: comites.len() as i64,
                },
            )
        })
        .collect();
    sectores.sort_by(|a, b| a.0.nombre.cmp(&b.0.nombre).then(a.0.id.cmp(&b.0.id)));
    let sector_idx = sectores
        .iter()
        .enumerate()
        .map(|(i, s)| (s.0.id.clone(), i as u32))
        .collect();

    // The map of states.
    let mut per_state: HashMap<&str, (i64, BTreeSet<&str>, BTreeSet<&str>)> = HashMap::new();
    for c in &raw.comites {
        if let Some(s) = &c.estado_inegi {
            per_state.entry(s.as_str()).or_default().0 += 1;
        }
    }
    for (e, c, s) in &raw.ec_cert_estado {
        let st = per_state.entry(s.as_str()).or_default();
        st.1.insert(c.as_str());
        st.2.insert(e.as_str());
    }
    let estados = crate::normalize::states::STATES
        .iter()
        .map(|(code, nombre)| {
            let (comites, c, e) = per_state.get(*code).cloned().unwrap_or_default();
            EstadoSummary {
                clave: code.to_string(),
                nombre: nombre.to_string(),
                n_comites: comites,
                n_certificadores: c.len() as i64,
                n_estandares: e.len() as i64,
            }
        })
        .collect();
    let tipos =
        certificador_tipos_from(certs.iter().map(|c| c.summary.certificador.tipo.as_deref()));

    let search = SearchIndex::build(search_docs(&ec, &certs, &comites, &centros, &sectores));
    View {
        run,
        counts,
        ec,
        ec_idx,
        ec_keys,
        ec_key_values,
        ec_sets,
        ec_by,
        certs,
        cert_idx,
        cert_by,
        comites,
        comite_idx,
        comite_by,
        centros,
        centro_idx,
        centro_by,
        sectores,
        sector_idx,
        estados,
        tipos,
        search,
    }
}

/// A state code as a number for the packed keys: "09" → 9; anything
/// else a number no state has (it matches nothing).
/// The standards' packed keys (what list filters and facets read), and
/// the distinct values they index.
fn packed_keys(ec: &[Ec]) -> (Vec<EcKey>, EcKeyValues) {
    /// A value's index among the distinct values, in order of first appearance.
    fn index_of<T: std::hash::Hash + Eq + Clone>(set: &mut IndexSet<T>, v: &T) -> u32 {
        let i = set
            .get_index_of(v)
            .unwrap_or_else(|| set.insert_full(v.clone()).0);
        u32::try_from(i).expect("fewer than 4 billion distinct values")
    }
    /// Records `name` as key `i`'s name: the first, or `Varies` if another.
    fn note(names: &mut Vec<KeyName>, i: u32, name: Option<&str>) {
        let i = i as usize;
        if names.len() <= i {
            names.push(KeyName::One(name.map(str::to_string)));
        } else if matches!(&names[i], KeyName::One(n) if n.as_deref() != name) {
            names[i] = KeyName::Varies;
        }
    }
    let (mut sectores, mut tipos, mut comites, mut estados) = (
        IndexSet::new(),
        IndexSet::new(),
        IndexSet::new(),
        IndexSet::new(),
    );
    let mut values = EcKeyValues {
        nivel_packed: true,
        ..EcKeyValues::default()
    };
    let narrow = |i: u32| u16::try_from(i).expect("fewer than 65,535 distinct values");
    let keys = ec
        .iter()
        .map(|e| {
            let s = &e.summary;
            let sector = s.sector_id.as_ref().map_or(NONE, |v| {
                let i = index_of(&mut sectores, v);
                note(&mut values.sector_names, i, s.sector.as_deref());
                narrow(i)
            });
            let comite = s.comite_id.map_or(NONE_U32, |v| {
                let i = index_of(&mut comites, &v);
                note(&mut values.comite_names, i, s.comite.as_deref());
                i
            });
            let nivel = match s.nivel.map(u8::try_from) {
                None => 0,
                Some(Ok(n)) if n > 0 => n,
                Some(_) => {
                    values.nivel_packed = false;
                    0
                }
            };
            EcKey {
                sector,
                tipo: narrow(index_of(&mut tipos, &s.tipo)),
                nivel,
                vigente: s.vigente,
                estado: e.comite_estado.as_deref().map_or(0, estado_key),
                estado_value: e
                    .comite_estado
                    .as_ref()
                    .map_or(NONE, |v| narrow(index_of(&mut estados, v))),
                comite,
            }
        })
        .collect();
    values.sectores = sectores.into_iter().collect();
    values.tipos = tipos.into_iter().collect();
    values.comites = comites.into_iter().collect();
    values.estados = estados.into_iter().collect();
    (keys, values)
}

/// The standards with each value of the packed keys, as bit sets.
fn key_sets(keys: &[EcKey], values: &EcKeyValues) -> EcSets {
    let n = keys.len();
    let empty = || FixedBitSet::with_capacity(n);
    let mut sets = EcSets {
        sector: vec![empty(); values.sectores.len()],
        tipo: vec![empty(); values.tipos.len()],
        vigente: [empty(), empty()],
        ..EcSets::default()
    };
    for (i, k) in keys.iter().enumerate() {
        if k.sector != NONE {
            sets.sector[usize::from(k.sector)].insert(i);
        }
        sets.tipo[usize::from(k.tipo)].insert(i);
        sets.nivel.entry(k.nivel).or_insert_with(empty).insert(i);
        sets.vigente[usize::from(k.vigente)].insert(i);
        sets.estado.entry(k.estado).or_insert_with(empty).insert(i);
    }
    sets
}

pub(super) fn estado_key(code: &str) -> u16 {
    code.parse::<u16>()
        .ok()
        .filter(|n| (1..=32).contains(n))
        .unwrap_or(NONE - 1)
}

/// Every entity as a search document, with its fields and their weights.
fn search_docs(
    ec: &[Ec],
    certs: &[Cert],
    comites: &[Comite],
    centros: &[Centro],
    sectores: &[(NamedSummary, SectorDetail)],
) -> Vec<Doc> {
    let mut docs = Vec::with_capacity(ec.len() + certs.len() + comites.len() + centros.len());
    for e in ec {
        let s = &e.summary;
        let mut fields = vec![(search::CLAVE, s.clave.clone())];
        fields.extend(s.titulo.clone().map(|t| (search::TITULO, t)));
        fields.extend(e.ocupaciones.iter().map(|o| (search::OCUPACION, o.clone())));
        fields.extend(s.comite.clone().map(|c| (search::COMITE, c)));
        fields.extend(s.sector.clone().map(|c| (search::SECTOR, c)));
        docs.push(Doc {
            kind: "ec",
            id: s.clave.clone(),
            titulo: s.titulo.clone().unwrap_or_else(|| s.clave.clone()),
            fields,
            vigente: s.vigente,
        });
    }
    for c in certs {
        let l = &c.summary.certificador;
        let mut fields = vec![(search::NOMBRE, l.nombre.clone())];
        fields.extend(
            c.nombres_publicados
                .iter()
                .filter(|a| **a != l.nombre)
                .map(|a| (search::NOMBRE_PUBLICADO, a.clone())),
        );
        docs.push(Doc {
            kind: "certificador",
            id: l.id.clone(),
            titulo: l.nombre.clone(),
            fields,
            vigente: true,
        });
    }
    for c in comites {
        let s = &c.detail.summary;
        let mut fields = vec![(search::NOMBRE, s.nombre.clone())];
        fields.extend(s.clave.clone().map(|k| (search::CLAVE, k)));
        fields.extend(s.sector.clone().map(|k| (search::SECTOR, k)));
        fields.extend(s.estado.clone().map(|k| (search::ESTADO, k)));
        docs.push(Doc {
            kind: "comite",
            id: s.id.to_string(),
            titulo: s.nombre.clone(),
            fields,
            vigente: true,
        });
    }
    for c in centros {
        docs.push(Doc {
            kind: "centro",
            id: c.summary.id.clone(),
            titulo: c.summary.nombre.clone(),
            fields: vec![(search::NOMBRE, c.summary.nombre.clone())],
            vigente: true,
        });
    }
    for (s, _) in sectores {
        docs.push(Doc {
            kind: "sector",
            id: s.id.clone(),
            titulo: s.nombre.clone(),
            fields: vec![(search::NOMBRE, s.nombre.clone())],
            vigente: true,
        });
    }
    docs
}
