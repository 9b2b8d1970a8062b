//! Search over one published run, in memory: every kind of entity in one
//! ranked list, typo-tolerant (one edit from 5 letters, two from 9, and a
//! typo on the first letter counts two: the rules Meilisearch uses; a word
//! found as typed is taken as typed),
//! prefix-matching on the word being typed,
//! accent- and case-folded, and aware of standard codes (`EC217`,
//! `ec 0217`, `0217` → EC0217 and its versions).
//!
//! Ranking, in order: an exact code, fewer corrected words, the weight of
//! the fields that matched (code > title > occupation > committee and
//! sector), fewer prefix-only words, standards in force first, then kind
//! and title.

use crate::normalize::fold_key;
use crate::normalize::text::fold_key_into;
use fst::{Automaton, IntoStreamer, Streamer};
use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The kinds of entity search covers, in the order ties are ranked.
pub const KINDS: &[&str] = &["ec", "certificador", "comite", "centro", "sector"];

/// Words a query may contain that need not match (Spanish function words).
const STOP_WORDS: &[&str] = &[
    "a", "al", "con", "de", "del", "e", "el", "en", "la", "las", "los", "o", "para", "por", "u",
    "un", "una", "y",
];

/// A prefix shorter than this is not expanded (one letter would match half the vocabulary).
const MIN_PREFIX: usize = 2;
/// At most this many vocabulary terms per query word.
const MAX_EXPANSION: usize = 400;

/// A field of a document, with its weight in the ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The name the answer gives (`clave`, `titulo`, `ocupacion`, …).
    pub name: &'static str,
    pub weight: u8,
}

pub const CLAVE: Field = Field {
    name: "clave",
    weight: 8,
};
pub const TITULO: Field = Field {
    name: "titulo",
    weight: 4,
};
pub const NOMBRE: Field = Field {
    name: "nombre",
    weight: 4,
};
pub const OCUPACION: Field = Field {
    name: "ocupacion",
    weight: 2,
};
pub const NOMBRE_PUBLICADO: Field = Field {
    name: "nombre_publicado",
    weight: 2,
};
pub const COMITE: Field = Field {
    name: "comite",
    weight: 1,
};
pub const SECTOR: Field = Field {
    name: "sector",
    weight: 1,
};
pub const ESTADO: Field = Field {
    name: "estado",
    weight: 1,
};

/// One searchable entity: its kind, key, title and fields.
#[derive(Debug, Clone)]
pub struct Doc {
    pub kind: &'static str,
    pub id: String,
    pub titulo: String,
    pub fields: Vec<(Field, String)>,
    /// In force (a standard) or current: ranks above what is not, all else equal.
    pub vigente: bool,
}

#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: u32,
    field: u16,
}

/// A word of a field's text (a run of letters and digits), with where its
/// terms start in `SearchIndex::span_terms`.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
    terms_from: u32,
}

/// The words of `text` as `highlight` marks them: the byte ranges of its
/// runs of letters and digits.
fn word_ranges(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut start = None;
    text.char_indices()
        .map(Some)
        .chain(std::iter::once(None))
        .filter_map(move |c| match c {
            Some((i, c)) if c.is_alphanumeric() => {
                start.get_or_insert(i);
                None
            }
            Some((i, _)) => start.take().map(|s| s..i),
            None => start.take().map(|s| s..text.len()),
        })
}

/// A document's matches in one search so far: which query words, their
/// typos, field weights and prefix-only matches.
#[derive(Debug, Clone, Copy, Default)]
struct Acc {
    matched: u16,
    typos: u8,
    weight: u32,
    prefixes: u8,
}

/// A word's best match in a document: (typos, field weight, prefix-only).
type Best = (u8, std::cmp::Reverse<u8>, bool);

/// What a search accumulates per document, in arrays indexed by document
/// (kept per thread between searches, so a search allocates nothing per
/// document it touches). An entry counts only when its stamp is the
/// current word's (`best`) or the current search's (`acc`); stamps only
/// grow, so nothing needs clearing between searches.
#[derive(Default)]
struct Scratch {
    word_stamp: Vec<u32>,
    best: Vec<Best>,
    /// Documents the current word matched.
    touched: Vec<u32>,
    search_stamp: Vec<u32>,
    acc: Vec<Acc>,
    /// Documents the current search matched.
    in_search: Vec<u32>,
    stamp: u32,
    search: u32,
}

std::thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

impl Scratch {
    /// Starts a search over `docs` documents.
    fn begin(&mut self, docs: usize) {
        if self.word_stamp.len() < docs {
            self.word_stamp.resize(docs, 0);
            self.best.resize(docs, Default::default());
            self.search_stamp.resize(docs, 0);
            self.acc.resize(docs, Acc::default());
        }
        // A search takes at most 13 stamps (12 words): start again well
        // before they run out.
        if self.stamp > u32::MAX - 64 {
            self.word_stamp.fill(0);
            self.search_stamp.fill(0);
            self.stamp = 0;
        }
        self.stamp += 1;
        self.search = self.stamp;
        self.in_search.clear();
    }

    fn next_word(&mut self) {
        self.stamp += 1;
        self.touched.clear();
    }

    /// Whether `doc` matched every word in `words` (bits) so far.
    fn matched(&self, doc: u32, words: u16) -> bool {
        let d = doc as usize;
        words == 0 || (self.search_stamp[d] == self.search && self.acc[d].matched & words == words)
    }

    /// A match of the current word in `doc`: kept if it is the best yet.
    fn offer(&mut self, doc: u32, m: Best) {
        let d = doc as usize;
        if self.word_stamp[d] != self.stamp {
            self.word_stamp[d] = self.stamp;
            self.best[d] = m;
            self.touched.push(doc);
        } else if m < self.best[d] {
            self.best[d] = m;
        }
    }

    /// Adds the current word's (number `i`) best matches to the search's.
    fn end_word(&mut self, i: usize) {
        for &doc in &self.touched {
            let d = doc as usize;
            if self.search_stamp[d] != self.search {
                self.search_stamp[d] = self.search;
                self.acc[d] = Acc::default();
                self.in_search.push(doc);
            }
            let (typos, std::cmp::Reverse(weight), prefix) = self.best[d];
            let a = &mut self.acc[d];
            a.matched |= 1 << i;
            a.typos += typos;
            a.weight += u32::from(weight);
            a.prefixes += u8::from(prefix);
        }
    }

    /// The documents that matched every word in `need` (bits).
    fn matching(&self, need: u16) -> impl Iterator<Item = (u32, Acc)> + '_ {
        self.in_search
            .iter()
            .map(|&d| (d, self.acc[d as usize]))
            .filter(move |(_, a)| a.matched & need == need)
    }
}

/// The index: the vocabulary as an FST, a postings list per term.
pub struct SearchIndex {
    docs: Vec<Doc>,
    terms: fst::Map<Vec<u8>>,
    postings: Vec<Vec<Posting>>,
    /// Every field's words, for highlighting without folding again: the
    /// words of field `f` of document `d` are
    /// `spans[field_spans[d][f].clone()]`, and the terms a word folds to
    /// are `span_terms[spans[i].terms_from..spans[i + 1].terms_from]`
    /// (the last span is a sentinel).
    spans: Vec<Span>,
    span_terms: Vec<u32>,
    field_spans: Vec<Box<[std::ops::Range<u32>]>>,
    /// The postings turned around: each document's (field, term) pairs
    /// are `forward[forward_from[d]..forward_from[d + 1]]`.
    forward: Vec<(u16, u32)>,
    forward_from: Vec<u32>,
    /// Standards by code (upper case), for code recognition.
    codes: BTreeMap<String, u32>,
    /// Each document's place when all else ranks equal: in force first,
    /// then kind, title and key.
    tie_rank: Vec<u32>,
    /// Each document's place among the documents of its kind (the index of
    /// its entity, when the entities of a kind were given in their order).
    nth_of_kind: Vec<u32>,
    /// Each document's kind, as its place in `KINDS`.
    kind_of: Vec<u8>,
}

/// A hit, as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SearchHit {
    /// `ec`, `certificador`, `comite`, `centro` or `sector`.
    pub tipo: String,
    pub id: String,
    pub titulo: String,
    /// The field that matched best (`clave`, `titulo`, `nombre`, `ocupacion`, …).
    pub campo: String,
    /// That field's text with the matched words between « and ».
    pub fragmento: String,
    /// Found only after correcting a typo in the query.
    pub corregido: bool,
}

/// A page of search results, with what the whole search found.
#[derive(Debug, Clone, Serialize)]
pub struct SearchPage {
    pub items: Vec<SearchHit>,
    pub total: u64,
    /// The standard code the query named, when a standard with that code
    /// (or a version of it) exists: the UI may go straight to it.
    pub codigo: Option<String>,
    /// When nothing matched: the nearest queries that would.
    pub sugerencias: Vec<String>,
    /// Hits per kind, over the whole search (the `tipo` facet).
    #[serde(skip)]
    pub por_tipo: BTreeMap<String, u64>,
}

/// What a search found: the ranked documents (all of them; the caller pages),
/// the standard code recognised, and suggestions when nothing matched.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub docs: Vec<Ranked>,
    /// The code the query named, when a standard with it (or a version) exists.
    pub codigo: Option<String>,
    pub sugerencias: Vec<String>,
    /// Every vocabulary term the query's words matched, once per word
    /// that matched it, sorted (for highlighting).
    terms: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct Ranked {
    pub doc: u32,
    typos: u8,
    weight: u32,
    prefixes: u8,
    code: bool,
}

fn builder(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static ONE: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static TWO: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    match distance {
        1 => ONE.get_or_init(|| LevenshteinAutomatonBuilder::new(1, true)),
        _ => TWO.get_or_init(|| LevenshteinAutomatonBuilder::new(2, true)),
    }
}

/// The automaton of the terms within `distance` edits of `word` (or of a
/// prefix of them, as you type).
fn levenshtein(distance: u8, word: &str, prefix: bool) -> levenshtein_automata::DFA {
    if prefix {
        builder(distance).build_prefix_dfa(word)
    } else {
        builder(distance).build_dfa(word)
    }
}

/// The first byte string after every string that starts with `prefix`
/// (None: there is none, the prefix being all 0xFF bytes).
fn after_prefix(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Typos a word of this length may carry: one from 5 letters, two from 9.
pub fn typos_allowed(word: &str) -> u8 {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// A query as a standard code: `EC217`, `ec 0217`, `EC0217.01`, `0217`, `ECM0001`.
pub fn as_code(q: &str) -> Option<String> {
    let compact: String = q
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let (prefix, rest) = if let Some(r) = compact.strip_prefix("ECM") {
        ("ECM", r)
    } else if let Some(r) = compact.strip_prefix("EC") {
        ("EC", r)
    } else {
        ("EC", compact.as_str())
    };
    let (num, version) = match rest.split_once('.') {
        Some((n, v)) => (n, Some(v)),
        None => (rest, None),
    };
    let digits = num.trim_start_matches('0');
    if num.is_empty()
        || !num.bytes().all(|b| b.is_ascii_digit())
        || digits.len() > 4
        || digits.is_empty()
    {
        return None;
    }
    let mut code = format!("{prefix}{:0>4}", digits);
    if let Some(v) = version {
        if v.is_empty() || v.len() > 2 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        code.push_str(&format!(".{v:0>2}"));
    }
    Some(code)
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(' ').filter(|w| !w.is_empty())
}

impl SearchIndex {
    pub fn build(docs: Vec<Doc>) -> SearchIndex {
        let mut vocab: BTreeMap<String, Vec<Posting>> = BTreeMap::new();
        let mut codes = BTreeMap::new();
        for (d, doc) in docs.iter().enumerate() {
            let d = d as u32;
            if doc.kind == "ec" {
                codes.insert(doc.id.to_ascii_uppercase(), d);
            }
            for (f, (_, text)) in doc.fields.iter().enumerate() {
                let folded = fold_key(text);
                for w in words(&folded) {
                    let list = vocab.entry(w.to_string()).or_default();
                    let p = Posting {
                        doc: d,
                        field: f as u16,
                    };
                    if !list
                        .last()
                        .is_some_and(|l| l.doc == p.doc && l.field == p.field)
                    {
                        list.push(p);
                    }
                }
            }
        }
        let mut postings = Vec::with_capacity(vocab.len());
        let terms = fst::Map::from_iter(vocab.into_iter().enumerate().map(|(i, (term, list))| {
            postings.push(list);
            (term, i as u64)
        }))
        .expect("terms are sorted and unique");
        // Each word of each field, with the terms it folds to (those in the
        // vocabulary: only they can be asked to be marked).
        let (mut spans, mut span_terms) = (Vec::new(), Vec::new());
        let mut key = String::new();
        let field_spans = docs
            .iter()
            .map(|doc| {
                doc.fields
                    .iter()
                    .map(|(_, text)| {
                        let from = spans.len() as u32;
                        for w in word_ranges(text) {
                            spans.push(Span {
                                start: w.start as u32,
                                end: w.end as u32,
                                terms_from: span_terms.len() as u32,
                            });
                            fold_key_into(&text[w], &mut key);
                            span_terms.extend(
                                key.split(' ')
                                    .filter_map(|k| terms.get(k))
                                    .map(|t| t as u32),
                            );
                        }
                        from..spans.len() as u32
                    })
                    .collect()
            })
            .collect();
        spans.push(Span {
            start: 0,
            end: 0,
            terms_from: span_terms.len() as u32,
        });
        // Each document's (field, term) pairs, from the postings.
        let mut forward_from = vec![0u32; docs.len() + 1];
        for p in postings.iter().flatten() {
            forward_from[p.doc as usize + 1] += 1;
        }
        for d in 0..docs.len() {
            forward_from[d + 1] += forward_from[d];
        }
        let mut forward = vec![(0, 0); forward_from[docs.len()] as usize];
        let mut next = forward_from.clone();
        for (t, list) in postings.iter().enumerate() {
            for p in list {
                forward[next[p.doc as usize] as usize] = (p.field, t as u32);
                next[p.doc as usize] += 1;
            }
        }
        let kind_rank = |d: &Doc| {
            KINDS
                .iter()
                .position(|k| *k == d.kind)
                .unwrap_or(KINDS.len())
        };
        let mut order: Vec<u32> = (0..docs.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&docs[a as usize], &docs[b as usize]);
            y.vigente
                .cmp(&x.vigente)
                .then(kind_rank(x).cmp(&kind_rank(y)))
                .then(x.titulo.cmp(&y.titulo))
                .then(x.id.cmp(&y.id))
        });
        let mut tie_rank = vec![0; docs.len()];
        for (place, d) in order.into_iter().enumerate() {
            tie_rank[d as usize] = place as u32;
        }
        let kind_of = docs
            .iter()
            .map(|d| {
                let k = KINDS.iter().position(|k| *k == d.kind);
                k.expect("every document is of a kind search knows") as u8
            })
            .collect();
        let mut seen: FxHashMap<&str, u32> = FxHashMap::default();
        let nth_of_kind = docs
            .iter()
            .map(|d| {
                let n = seen.entry(d.kind).or_insert(0);
                *n += 1;
                *n - 1
            })
            .collect();
        SearchIndex {
            docs,
            terms,
            postings,
            spans,
            span_terms,
            field_spans,
            forward,
            forward_from,
            codes,
            tie_rank,
            nth_of_kind,
            kind_of,
        }
    }

    pub fn doc(&self, i: u32) -> &Doc {
        &self.docs[i as usize]
    }

    /// The document's kind, as its place in `KINDS`.
    pub fn kind_of(&self, i: u32) -> usize {
        usize::from(self.kind_of[i as usize])
    }

    /// The document's place among the documents of its kind.
    pub fn nth_of_kind(&self, i: u32) -> u32 {
        self.nth_of_kind[i as usize]
    }

    /// Vocabulary terms a query word matches: (term, typos, prefix-only).
    fn expand(&self, word: &str, last: bool) -> Vec<(u32, u8, bool)> {
        let mut out: FxHashMap<u32, (u8, bool)> = FxHashMap::default();
        let mut add = |term: u32, typos: u8, prefix: bool| {
            let e = out.entry(term).or_insert((typos, prefix));
            if (typos, prefix) < *e {
                *e = (typos, prefix);
            }
        };
        let exact = self.terms.get(word);
        if let Some(t) = exact {
            add(t as u32, 0, false);
        }
        // A word found as typed is not corrected: its one- and two-edit
        // neighbours would only add hits ranked below it, at the cost of
        // walking the vocabulary with a Levenshtein automaton.
        let typos = if exact.is_some() {
            0
        } else {
            typos_allowed(word)
        };
        let prefix = last && word.chars().count() >= MIN_PREFIX;
        if prefix {
            // The terms that start with the word are a range of the sorted
            // vocabulary: the stream seeks to it instead of testing an
            // automaton at every node on the way.
            let mut s = after_prefix(word.as_bytes())
                .iter()
                .fold(self.terms.range().ge(word), |r, end| r.lt(end))
                .into_stream();
            let mut n = 0;
            while let Some((_, t)) = s.next() {
                add(t as u32, 0, true);
                n += 1;
                if n >= MAX_EXPANSION {
                    break;
                }
            }
        }
        if typos > 0 {
            // A typo on the first character counts as two (Meilisearch's
            // rule): the terms that begin as the word does may carry every
            // typo the word allows, the others only one, counted as two.
            // Besides matching what people mean, it keeps the walk of the
            // vocabulary under the word's first letter.
            let mut first = [0; 4];
            let first = word
                .chars()
                .next()
                .map_or("", |c| c.encode_utf8(&mut first));
            let dfa = levenshtein(typos, word, prefix);
            let same_first = after_prefix(first.as_bytes())
                .iter()
                .fold(self.terms.search(&dfa).ge(first), |r, end| r.lt(end));
            self.corrections(&dfa, same_first, word, typos, 0, &mut add);
            if typos == 2 {
                let dfa = levenshtein(1, word, prefix);
                let other_first = fst::automaton::Str::new(first).starts_with().complement();
                let other_first = self.terms.search((&dfa).intersection(other_first));
                self.corrections(&dfa, other_first, word, 1, 1, &mut add);
            }
        }
        out.into_iter().map(|(t, (ty, p))| (t, ty, p)).collect()
    }

    /// Adds the terms `walk` finds (a search with `dfa`, narrowed) as
    /// corrections of `word` with at most `typos` edits, each counted with
    /// `extra` more: a whole term within the edits is a corrected word; the
    /// others are corrected prefixes of the word being typed.
    fn corrections<A: Automaton>(
        &self,
        dfa: &levenshtein_automata::DFA,
        walk: fst::map::StreamBuilder<'_, A>,
        word: &str,
        typos: u8,
        extra: u8,
        add: &mut impl FnMut(u32, u8, bool),
    ) {
        // As you type, the last word may be the start of a longer one: one
        // automaton finds both, and a term's distance as a whole word
        // (transpositions count one, as in the automaton) tells a corrected
        // word from a corrected prefix.
        let mut s = walk.into_stream();
        let mut n = 0;
        while let Some((term, t)) = s.next() {
            let Distance::Exact(d) = dfa.eval(term) else {
                continue;
            };
            let term = std::str::from_utf8(term).unwrap_or_default();
            match strsim::osa_distance(word, term) {
                whole if whole <= usize::from(typos) => add(t as u32, whole as u8 + extra, false),
                _ => add(t as u32, d + extra, true),
            }
            n += 1;
            if n >= MAX_EXPANSION {
                break;
            }
        }
    }

    /// Every document matching the query, in no order (see `rank`).
    /// `kinds` narrows by kind.
    pub fn find_unranked(&self, q: &str, kinds: Option<&[&str]>) -> Found {
        let wanted = |d: u32| kinds.is_none_or(|k| k.contains(&self.docs[d as usize].kind));
        let mut found = Found::default();
        let mut ranked: FxHashMap<u32, Ranked> = FxHashMap::default();
        // Standard codes.
        if let Some(code) = as_code(q) {
            let exact_version = code.contains('.');
            let hits: Vec<u32> = if exact_version {
                self.codes.get(&code).copied().into_iter().collect()
            } else {
                let from = code.clone();
                self.codes
                    .range(from..)
                    .take_while(|(k, _)| {
                        *k == &code
                            || k.strip_prefix(code.as_str())
                                .is_some_and(|r| r.starts_with('.'))
                    })
                    .map(|(_, d)| *d)
                    .collect()
            };
            if !hits.is_empty() {
                found.codigo = Some(code);
            }
            for d in hits.into_iter().filter(|d| wanted(*d)) {
                ranked.insert(
                    d,
                    Ranked {
                        doc: d,
                        typos: 0,
                        weight: u32::from(CLAVE.weight),
                        prefixes: 0,
                        code: true,
                    },
                );
            }
        }
        // Words. Function words match nothing on their own: they are
        // looked up only when the query has nothing else.
        let folded = fold_key(q);
        let all: Vec<&str> = words(&folded).take(12).collect();
        let only_stop = all.iter().all(|w| STOP_WORDS.contains(w));
        let required: Vec<bool> = all
            .iter()
            .map(|w| only_stop || !STOP_WORDS.contains(w))
            .collect();
        let need: u16 = required
            .iter()
            .enumerate()
            .filter(|(_, r)| **r)
            .fold(0, |m, (i, _)| m | (1 << i));
        let mut unmatched = Vec::new();
        let matched = SCRATCH.with_borrow_mut(|scratch| {
            scratch.begin(self.docs.len());
            // The required words before this one: a document must match
            // them all, so after the first word only those that did count.
            let mut before: u16 = 0;
            for (i, w) in all.iter().enumerate() {
                if !required[i] {
                    continue;
                }
                let last = i + 1 == all.len();
                let terms = self.expand(w, last);
                if terms.is_empty() {
                    unmatched.push(i);
                }
                scratch.next_word();
                for &(t, typos, prefix) in &terms {
                    found.terms.push(t);
                    for p in &self.postings[t as usize] {
                        if !scratch.matched(p.doc, before) || !wanted(p.doc) {
                            continue;
                        }
                        let weight = self.docs[p.doc as usize].fields[p.field as usize].0.weight;
                        scratch.offer(p.doc, (typos, std::cmp::Reverse(weight), prefix));
                    }
                }
                scratch.end_word(i);
                before |= 1 << i;
            }
            scratch.matching(need).collect::<Vec<_>>()
        });
        if !all.is_empty() {
            ranked.reserve(matched.len());
            for (d, a) in matched {
                let r = ranked.entry(d).or_insert(Ranked {
                    doc: d,
                    typos: 0,
                    weight: 0,
                    prefixes: 0,
                    code: false,
                });
                // A code named exactly is not a corrected match.
                if !r.code {
                    r.typos = a.typos;
                    r.prefixes = a.prefixes;
                }
                r.weight += a.weight;
            }
        }
        let docs: Vec<Ranked> = ranked.into_values().collect();
        if docs.is_empty() && !unmatched.is_empty() {
            found.sugerencias = self.suggest(&all, &unmatched);
        }
        found.docs = docs;
        // Sorted, for `hit` to look terms up.
        found.terms.sort_unstable();
        found
    }

    /// Every document matching the query, ranked (the tests' view).
    #[cfg(test)]
    pub fn find(&self, q: &str, kinds: Option<&[&str]>) -> Found {
        let mut found = self.find_unranked(q, kinds);
        let n = found.docs.len();
        self.rank(&mut found, n);
        found
    }

    /// Puts the first `n` documents found in rank order (the rest follow
    /// in no order): a page needs only its own and those before it.
    pub fn rank(&self, found: &mut Found, n: usize) {
        let key = |r: &Ranked| {
            (
                !r.code,
                r.typos,
                std::cmp::Reverse(r.weight),
                r.prefixes,
                self.tie_rank[r.doc as usize],
            )
        };
        let docs = &mut found.docs;
        let n = n.min(docs.len());
        if n == 0 {
            return;
        }
        if n < docs.len() {
            docs.select_nth_unstable_by_key(n - 1, key);
        }
        docs[..n].sort_unstable_by_key(key);
    }

    /// Nearest vocabulary terms (two edits at most, commoner first) for the
    /// words that matched nothing, as whole queries.
    fn suggest(&self, all: &[&str], unmatched: &[usize]) -> Vec<String> {
        let mut per_word: Vec<Vec<String>> = all.iter().map(|w| vec![w.to_string()]).collect();
        for &i in unmatched {
            let w = all[i];
            if w.chars().count() < 3 {
                continue;
            }
            let dfa = builder(2).build_dfa(w);
            let mut s = self.terms.search(&dfa).into_stream();
            let mut near: Vec<(u8, std::cmp::Reverse<usize>, String)> = Vec::new();
            while let Some((term, t)) = s.next() {
                if let Distance::Exact(d) = dfa.eval(term) {
                    let freq = self.postings[t as usize].len();
                    near.push((
                        d,
                        std::cmp::Reverse(freq),
                        String::from_utf8_lossy(term).into(),
                    ));
                }
            }
            near.sort();
            if !near.is_empty() {
                per_word[i] = near.into_iter().take(3).map(|(_, _, t)| t).collect();
            }
        }
        let Some(&first) = unmatched
            .iter()
            .find(|&&i| per_word[i].first().map(String::as_str) != Some(all[i]))
        else {
            return vec![];
        };
        per_word[first]
            .iter()
            .map(|alt| {
                all.iter()
                    .enumerate()
                    .map(|(i, w)| {
                        if i == first {
                            alt.clone()
                        } else if unmatched.contains(&i) {
                            per_word[i][0].clone()
                        } else {
                            w.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// A ranked document as the API shows it: the best field, highlighted.
    pub fn hit(&self, found: &Found, r: &Ranked) -> SearchHit {
        let doc = &self.docs[r.doc as usize];
        // The terms matched, per field of this document, with how many
        // times the query's words matched them (`found.terms` is sorted).
        let mut fields: Vec<(u16, usize, Vec<u32>)> =
            if r.code { vec![(0, 0, vec![])] } else { vec![] };
        let (from, to) = (
            self.forward_from[r.doc as usize] as usize,
            self.forward_from[r.doc as usize + 1] as usize,
        );
        for &(f, t) in &self.forward[from..to] {
            let first = found.terms.partition_point(|&x| x < t);
            let times = found.terms[first..].partition_point(|&x| x == t);
            if times == 0 {
                continue;
            }
            match fields.iter_mut().find(|(field, _, _)| *field == f) {
                Some((_, n, ts)) => {
                    *n += times;
                    ts.push(t);
                }
                None => fields.push((f, times, vec![t])),
            }
        }
        let best = fields
            .into_iter()
            .max_by(|a, b| {
                let wa = doc.fields.get(a.0 as usize).map_or(0, |f| f.0.weight);
                let wb = doc.fields.get(b.0 as usize).map_or(0, |f| f.0.weight);
                (a.1, wa, std::cmp::Reverse(a.0)).cmp(&(b.1, wb, std::cmp::Reverse(b.0)))
            })
            .map_or((0, vec![]), |(f, _, ts)| (f, ts));
        let (field, text, spans) = match doc.fields.get(best.0 as usize) {
            Some((f, t)) => (
                *f,
                t.as_str(),
                self.field_spans[r.doc as usize][best.0 as usize].clone(),
            ),
            None => (TITULO, doc.titulo.as_str(), 0..0),
        };
        let fragmento = if r.code && best.1.is_empty() {
            format!("«{text}»")
        } else {
            self.highlight(text, spans, &best.1)
        };
        SearchHit {
            tipo: doc.kind.to_string(),
            id: doc.id.clone(),
            titulo: doc.titulo.clone(),
            campo: field.name.to_string(),
            fragmento,
            corregido: r.typos > 0,
        }
    }
}

impl SearchIndex {
    /// `text` (a field's text, whose words are `spans`) with every word
    /// that folds to one of `marked` (term numbers) between « and ».
    fn highlight(&self, text: &str, spans: std::ops::Range<u32>, marked: &[u32]) -> String {
        let mut out = String::with_capacity(text.len() + 8 * marked.len().max(1));
        let mut at = 0;
        for i in spans {
            let (s, next) = (self.spans[i as usize], self.spans[i as usize + 1]);
            let terms = &self.span_terms[s.terms_from as usize..next.terms_from as usize];
            if terms.iter().any(|t| marked.contains(t)) {
                let (start, end) = (s.start as usize, s.end as usize);
                out.push_str(&text[at..start]);
                out.push('«');
                out.push_str(&text[start..end]);
                out.push('»');
                at = end;
            }
        }
        out.push_str(&text[at..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: &'static str, id: &str, titulo: &str, extra: &[(Field, &str)]) -> Doc {
        let mut fields = vec![];
        if kind == "ec" {
            fields.push((CLAVE, id.to_string()));
            fields.push((TITULO, titulo.to_string()));
        } else {
            fields.push((NOMBRE, titulo.to_string()));
        }
        fields.extend(extra.iter().map(|(f, t)| (*f, t.to_string())));
        Doc {
            kind,
            id: id.into(),
            titulo: titulo.into(),
            fields,
            vigente: true,
        }
    }

    fn index() -> SearchIndex {
        SearchIndex::build(vec![
            doc(
                "ec",
                "EC0217",
                "Impartición de cursos de formación del capital humano de manera presencial grupal",
                &[(OCUPACION, "Instructor")],
            ),
            doc(
                "ec",
                "EC0217.01",
                "Impartición de cursos de formación del capital humano de manera presencial grupal",
                &[],
            ),
            doc(
                "ec",
                "EC1000",
                "Traducción de documentos del inglés al español",
                &[(OCUPACION, "Traductor")],
            ),
            doc(
                "ec",
                "EC0500",
                "Preparación de alimentos en cocina",
                &[(OCUPACION, "Cocinero")],
            ),
            doc("certificador", "c1", "ICEMEXCO S.C.", &[]),
            doc("sector", "s1", "Turismo", &[]),
        ])
    }

    fn first(q: &str) -> String {
        let i = index();
        let f = i.find(q, None);
        f.docs
            .first()
            .map(|r| i.doc(r.doc).id.clone())
            .unwrap_or_default()
    }

    #[test]
    fn codes_are_recognised_in_every_spelling() {
        for q in ["EC217", "ec 0217", "EC0217", "0217", "217"] {
            assert_eq!(as_code(q).as_deref(), Some("EC0217"), "{q}");
        }
        assert_eq!(as_code("EC0217.01").as_deref(), Some("EC0217.01"));
        assert_eq!(as_code("cocina"), None);
        assert_eq!(as_code("EC"), None);
        let i = index();
        let f = i.find("ec 217", None);
        assert_eq!(f.codigo.as_deref(), Some("EC0217"));
        let ids: Vec<&str> = f.docs.iter().map(|r| i.doc(r.doc).id.as_str()).collect();
        assert_eq!(&ids[..2], &["EC0217", "EC0217.01"]);
    }

    #[test]
    fn typos_prefixes_and_accents() {
        assert_eq!(first("tradución"), "EC1000");
        assert_eq!(first("cosinero"), "EC0500");
        assert_eq!(first("icemexco"), "c1");
        assert_eq!(first("icemexo"), "c1");
        assert_eq!(first("cocin"), "EC0500");
        assert_eq!(first("TRADUCCION"), "EC1000");
        // Four letters: no typo allowed.
        assert_eq!(first("tyrismo"), "s1");
        assert_eq!(first("turizmo"), "s1");
        assert_eq!(first("xyzw"), "");
    }

    #[test]
    fn a_typo_on_the_first_letter_counts_two() {
        // Eight letters: one typo, and not on the first letter.
        assert_eq!(first("kocinero"), "");
        assert_eq!(first("cocinaro"), "EC0500");
        // Ten letters: two typos, or one on the first letter alone.
        let i = index();
        let f = i.find("rraduccion", None);
        assert_eq!(i.doc(f.docs[0].doc).id, "EC1000");
        assert!(i.hit(&f, &f.docs[0]).corregido);
        assert_eq!(first("rradución"), "");
        assert_eq!(first("tradussion"), "EC1000");
    }

    #[test]
    fn exact_words_rank_above_corrected_ones() {
        let i = SearchIndex::build(vec![
            doc("sector", "a", "Cocinas", &[]),
            doc("sector", "b", "Cocina", &[]),
        ]);
        let f = i.find("cocina", None);
        let ids: Vec<&str> = f.docs.iter().map(|r| i.doc(r.doc).id.as_str()).collect();
        assert_eq!(ids, ["b", "a"]);
        let hit = i.hit(&f, &f.docs[0]);
        assert_eq!(hit.fragmento, "«Cocina»");
        assert!(!hit.corregido);
    }

    #[test]
    fn nothing_found_suggests_the_nearest_terms() {
        let i = index();
        let f = i.find("cosinaro turizno", None);
        assert!(f.docs.is_empty(), "{:?}", f.docs);
        assert_eq!(
            f.sugerencias.first().map(String::as_str),
            Some("cocinero turismo")
        );
    }

    /// The fragment of the first hit for `q` over one sector named `text`.
    fn fragment(text: &str, q: &str) -> String {
        let i = SearchIndex::build(vec![doc("sector", "s", text, &[])]);
        let f = i.find(q, None);
        f.docs
            .first()
            .map(|r| i.hit(&f, r).fragmento)
            .unwrap_or_default()
    }

    #[test]
    fn highlight_marks_whole_words() {
        assert_eq!(
            fragment("Traducción de documentos", "traduccion"),
            "«Traducción» de documentos"
        );
        // "cocina" is not the last word, so not a prefix: "Cocinas" stays.
        assert_eq!(
            fragment("COCINA y Cocinas: cocina-bar", "cocina bar"),
            "«COCINA» y Cocinas: «cocina»-«bar»"
        );
        assert_eq!(fragment("Año del niño", "nino"), "Año del «niño»");
    }

    /// Highlighting as it was done before the spans: every word of the
    /// text folded again and compared with the marked terms' texts.
    fn refolded(text: &str, terms: &[&str]) -> String {
        let mut out = String::new();
        let mut key = String::new();
        let mut word_start: Option<usize> = None;
        let mut flush = |out: &mut String, w: &str| {
            fold_key_into(w, &mut key);
            if !key.is_empty() && terms.iter().any(|t| key.split(' ').any(|k| k == *t)) {
                out.push('«');
                out.push_str(w);
                out.push('»');
            } else {
                out.push_str(w);
            }
        };
        for (i, c) in text.char_indices() {
            if c.is_alphanumeric() {
                word_start.get_or_insert(i);
            } else {
                if let Some(s) = word_start.take() {
                    flush(&mut out, &text[s..i]);
                }
                out.push(c);
            }
        }
        if let Some(s) = word_start {
            flush(&mut out, &text[s..]);
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]
        /// The spans found at build time mark exactly the words that
        /// folding each word again would mark, for any text and any
        /// marked terms, with letters, accents (composed and not), marks
        /// and punctuation.
        #[test]
        fn spans_mark_what_folding_again_would(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "Cocina", "cocina", "COCINA", "Niño", "nin\u{303}o", "Año", "año", "é",
                    "\u{301}", "EC0217", "0217", ".", " ", " · ", "/", "-", "ǅ", "Straße",
                    "İstanbul", "ﬁn", "x²", "Ⅻ", "٣", "«", "Traducción", "traduccion",
                ]),
                0..24,
            ),
            marked in proptest::collection::vec(0usize..64, 0..6),
        ) {
            let text = pieces.concat();
            let i = SearchIndex::build(vec![doc("sector", "s", &text, &[])]);
            let n = i.postings.len();
            let marked: Vec<u32> = if n == 0 {
                vec![]
            } else {
                marked.iter().map(|m| (m % n) as u32).collect()
            };
            let mut names = vec![];
            let mut s = i.terms.stream();
            while let Some((term, t)) = s.next() {
                if marked.contains(&(t as u32)) {
                    names.push(String::from_utf8(term.to_vec()).unwrap());
                }
            }
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let spans = i.field_spans[0][0].clone();
            proptest::prop_assert_eq!(i.highlight(&text, spans, &marked), refolded(&text, &names));
        }
    }
}
