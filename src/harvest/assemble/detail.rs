//! What the detail pages say, folded in one page at a time as they are
//! parsed. A run never holds its parsed pages, only their links, and every
//! text the links repeat (a standard's code, a certifier's id, an
//! institution's name) is stored once.

use crate::model::{Centro, Certifier, DataIssue, Dataset, Shared};
use crate::normalize::{names, states, EcCode};
use crate::sources::detail::DetailPage;
use std::collections::{BTreeMap, HashMap};

/// One shared copy of each distinct text, with a number for it: links
/// are kept as pairs of numbers until the run's dataset is built.
#[derive(Debug, Default)]
pub(super) struct Interner {
    numbers: HashMap<Shared, u32>,
    texts: Vec<Shared>,
}

impl Interner {
    /// The number of `text`.
    pub(super) fn number(&mut self, text: &str) -> u32 {
        if let Some(n) = self.numbers.get(text) {
            return *n;
        }
        let n = u32::try_from(self.texts.len()).expect("fewer than 2^32 distinct texts");
        let shared = Shared::from(text);
        self.texts.push(shared.clone());
        self.numbers.insert(shared, n);
        n
    }

    /// The shared copy of `text`.
    pub(super) fn shared(&mut self, text: &str) -> Shared {
        let n = self.number(text);
        self.texts[n as usize].clone()
    }

    fn text(&self, n: u32) -> &Shared {
        &self.texts[n as usize]
    }

    /// Link rows as texts, sorted, each once.
    fn rows(&self, mut links: Vec<(u32, u32)>) -> Vec<(Shared, Shared)> {
        links.sort_unstable_by(|a, b| {
            (self.text(a.0), self.text(a.1)).cmp(&(self.text(b.0), self.text(b.1)))
        });
        links.dedup();
        links
            .into_iter()
            .map(|(a, b)| (self.text(a).clone(), self.text(b).clone()))
            .collect()
    }
}

/// A certifier as the pages name it: its key, each published spelling
/// with how often it was seen, and each published type.
#[derive(Debug)]
struct CertifierSeen {
    key: String,
    spellings: BTreeMap<Shared, usize>,
    types: BTreeMap<&'static str, usize>,
}

/// The detail pages of a run, folded in with [`DetailFacts::add`].
#[derive(Debug, Default)]
pub struct DetailFacts {
    pages: usize,
    pub(super) strings: Interner,
    /// Each page's title by code: a standard the catalogue lists without
    /// a title takes its page's.
    titles: HashMap<Shared, String>,
    /// By the number of the certifier's id.
    certifiers: HashMap<u32, CertifierSeen>,
    /// A published spelling's certifier (numbers of the spelling and the
    /// id): each spelling is folded and hashed once, not on every page.
    certifier_of: HashMap<u32, u32>,
    offerings: BTreeMap<Shared, BTreeMap<Shared, usize>>,
    /// Links as numbers of their texts: (code, certifier id), …
    ec_cert: Vec<(u32, u32)>,
    ec_cert_estado: Vec<(u32, u32, &'static str)>,
    ec_centro: Vec<(u32, u32)>,
    ec_ocupacion: Vec<(u32, u32)>,
    ec_miembro: Vec<(u32, u32)>,
    issues: Vec<DataIssue>,
}

impl DetailFacts {
    /// Pages folded in.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// The title of a standard's page, when it had one.
    pub fn title(&self, code: &str) -> Option<&str> {
        self.titles.get(code).map(String::as_str)
    }

    /// Folds in the page of standard `code` (trimmed), read from `url`.
    pub fn add(&mut self, code: &str, url: &str, page: DetailPage) {
        self.pages += 1;
        let ec = self.strings.number(code);
        if let Some(published) = &page.codigo {
            if EcCode::parse(published).ok().as_ref().map(EcCode::as_str) != Some(code) {
                self.issues.push(DataIssue::new(
                    "detail",
                    code,
                    "the page's title names another code",
                    Some(published.clone()),
                ));
            }
        }
        for header in page.unknown_sections {
            self.issues.push(DataIssue::new(
                "detail",
                code,
                "unknown section (ignored)",
                Some(header),
            ));
        }
        match page.titulo {
            Some(titulo) => {
                self.titles.insert(self.strings.text(ec).clone(), titulo);
            }
            None => self.issues.push(DataIssue::new(
                "detail",
                code,
                "page without a title line",
                Some(url.to_string()),
            )),
        }
        for row in page.certificadores {
            let (spelling, id) = self.certifier(&row.nombre);
            let seen = self.certifiers.get_mut(&id).expect("certifier just seen");
            *seen
                .spellings
                .entry(self.strings.text(spelling).clone())
                .or_default() += 1;
            if let Some(raw) = row.tipo {
                match names::certifier_type(&raw) {
                    Some(t) => *seen.types.entry(t).or_default() += 1,
                    None => self.issues.push(DataIssue::new(
                        "detail",
                        code,
                        "certifier type not recognized (ECE or OC expected; ignored)",
                        Some(raw),
                    )),
                }
            }
            for raw in row.estados {
                match states::inegi_code(&raw) {
                    Some(inegi) => self.ec_cert_estado.push((ec, id, inegi)),
                    None => self.issues.push(DataIssue::new(
                        "detail",
                        code,
                        "certifier state not recognized (ignored)",
                        Some(raw),
                    )),
                }
            }
            self.ec_cert.push((ec, id));
        }
        // Offerings are told apart by their exact published title: titles
        // differing only in accents ("ATENCION"/"ATENCIÓN") are distinct offerings.
        for name in page.centros {
            let id = self.strings.number(&names::stable_id("centro", &name));
            let name = self.strings.shared(&name);
            *self
                .offerings
                .entry(self.strings.text(id).clone())
                .or_default()
                .entry(name)
                .or_default() += 1;
            self.ec_centro.push((ec, id));
        }
        for o in page.ocupaciones {
            let o = self.strings.number(&o);
            self.ec_ocupacion.push((ec, o));
        }
        for m in page.miembros {
            let m = self.strings.number(&m);
            self.ec_miembro.push((ec, m));
        }
    }

    /// The numbers of spelling `nombre` and of its certifier's id.
    fn certifier(&mut self, nombre: &str) -> (u32, u32) {
        let spelling = self.strings.number(nombre);
        if let Some(id) = self.certifier_of.get(&spelling) {
            return (spelling, *id);
        }
        let key = names::org_key(nombre);
        let id = self.strings.number(&names::stable_id("cert", &key));
        self.certifiers.entry(id).or_insert_with(|| CertifierSeen {
            key,
            spellings: BTreeMap::new(),
            types: BTreeMap::new(),
        });
        self.certifier_of.insert(spelling, id);
        (spelling, id)
    }

    /// Frees the titles once the standards have taken theirs.
    pub(super) fn forget_titles(&mut self) {
        self.titles = HashMap::new();
    }

    /// Moves the certifiers, offerings and links into `d`, and the
    /// problems found into `issues`.
    pub(super) fn finish(self, d: &mut Dataset, issues: &mut Vec<DataIssue>) {
        let mut strings = self.strings;
        // Nothing is looked up by text any more: only numbers are turned
        // into texts.
        strings.numbers = HashMap::new();
        issues.extend(self.issues);
        let mut certifiers: Vec<(&Shared, CertifierSeen)> = self
            .certifiers
            .into_iter()
            .map(|(n, seen)| (strings.text(n), seen))
            .collect();
        certifiers.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (id, seen) in certifiers {
            for alias in seen.spellings.keys() {
                d.certificador_alias.push((id.clone(), alias.clone()));
            }
            if seen.types.len() > 1 {
                issues.push(DataIssue::new(
                    "detail",
                    &**id,
                    "certifier published with several types (the most frequent is kept)",
                    Some(format!("{:?}", seen.types)),
                ));
            }
            let most = seen.types.values().copied().max();
            let tipo = seen
                .types
                .iter()
                .find(|(_, n)| Some(**n) == most)
                .map(|(t, _)| t.to_string());
            d.certificadores.push(Certifier {
                nombre: super::preferred_spelling(&seen.spellings).to_string(),
                nombre_key: seen.key,
                tipo,
                id: id.to_string(),
            });
        }
        d.centros = self
            .offerings
            .into_iter()
            .map(|(id, spellings)| Centro {
                id: id.to_string(),
                nombre: super::preferred_spelling(&spellings).to_string(),
            })
            .collect();
        d.ec_certificador = strings.rows(self.ec_cert);
        let mut estados = self.ec_cert_estado;
        estados.sort_unstable_by(|a, b| {
            (strings.text(a.0), strings.text(a.1), a.2).cmp(&(
                strings.text(b.0),
                strings.text(b.1),
                b.2,
            ))
        });
        estados.dedup();
        d.ec_certificador_estado = estados
            .into_iter()
            .map(|(e, c, s)| (strings.text(e).clone(), strings.text(c).clone(), s))
            .collect();
        d.ec_centro = strings.rows(self.ec_centro);
        d.ec_ocupacion = strings.rows(self.ec_ocupacion);
        d.ec_comite_miembro = strings.rows(self.ec_miembro);
    }
}
