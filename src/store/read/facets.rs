//! Facets: for the current filter, each value of a field with its label
//! and how many items have it. The in-memory view and SQL count the same
//! way; labels come from here for both. Values are ordered by count, then
//! by value, the missing value (`null`) last, so that every item with
//! exactly one value is counted once and a facet's counts add up to the
//! list's `total`.

use serde::Serialize;
use serde_json::Value;

/// The facets of standards (`/api/v1/ec` and its sub-lists, and the
/// standards among search hits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcFacet {
    Sector,
    Nivel,
    Comite,
    /// The committee's state.
    Estado,
    Vigente,
    Tipo,
}

impl EcFacet {
    pub const ALL: &'static [(&'static str, EcFacet)] = &[
        ("sector", EcFacet::Sector),
        ("nivel", EcFacet::Nivel),
        ("comite", EcFacet::Comite),
        ("estado", EcFacet::Estado),
        ("vigente", EcFacet::Vigente),
        ("tipo", EcFacet::Tipo),
    ];

    pub fn name(self) -> &'static str {
        EcFacet::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("", |(n, _)| n)
    }
}

/// The facets of the certifier directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertFacet {
    /// ECE, OC, or not published: one per certifier.
    Tipo,
    /// States where it certifies: a certifier may count in several, or none.
    Estado,
}

impl CertFacet {
    pub const ALL: &'static [(&'static str, CertFacet)] =
        &[("tipo", CertFacet::Tipo), ("estado", CertFacet::Estado)];

    pub fn name(self) -> &'static str {
        CertFacet::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("", |(n, _)| n)
    }
}

/// One value of a facet (members in the order they are sent).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FacetValue {
    pub nombre: String,
    pub total: u64,
    /// The value to filter by (`null`: items without one).
    pub valor: Value,
}

/// A facet: its parameter name and its values.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Facet {
    pub campo: &'static str,
    pub valores: Vec<FacetValue>,
}

/// A standard's type as people read it.
fn ec_tipo_label(t: &str) -> String {
    match t {
        "vigente" => "Vigente",
        "inactivo" => "Inactivo",
        "marca" => "Marca",
        "historica" => "Calificación histórica",
        other => other,
    }
    .to_string()
}

/// The label of a value: the name the data gives (`name`, for sectors and
/// committees), else one made from the value.
pub fn label(facet: &str, value: &Value, name: Option<&str>) -> String {
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        return n.to_string();
    }
    match (facet, value) {
        ("sector", Value::Null) => "Sin sector".into(),
        ("nivel", Value::Null) => "Sin nivel".into(),
        ("nivel", v) => format!("Nivel {v}"),
        ("comite", Value::Null) => "Sin comité".into(),
        ("estado", Value::Null) => "Sin entidad federativa".into(),
        ("estado", Value::String(c)) => crate::normalize::states::state_name(c)
            .unwrap_or(c)
            .to_string(),
        ("vigente", Value::Bool(true)) => "Vigente".into(),
        ("vigente", Value::Bool(false)) => "No vigente".into(),
        ("tipo", Value::String(t)) if matches!(t.as_str(), "ECE" | "OC") => {
            super::certificadores::tipo_name(Some(t)).to_string()
        }
        ("tipo", Value::Null) => super::certificadores::tipo_name(None).to_string(),
        ("tipo", Value::String(t)) => ec_tipo_label(t),
        (_, Value::String(s)) => s.clone(),
        (_, v) => v.to_string(),
    }
}

/// Orders values by count (descending), then value, `null` last.
pub fn sorted(mut values: Vec<FacetValue>) -> Vec<FacetValue> {
    fn key(v: &Value) -> (bool, i64, std::borrow::Cow<'_, str>) {
        match v {
            Value::Null => (true, 0, "".into()),
            Value::Bool(b) => (false, i64::from(*b), "".into()),
            Value::Number(n) => (false, n.as_i64().unwrap_or(0), "".into()),
            Value::String(s) => (false, 0, s.as_str().into()),
            other => (false, 0, other.to_string().into()),
        }
    }
    values.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then_with(|| key(&a.valor).cmp(&key(&b.valor)))
    });
    values
}

/// A facet from its counted values: each labelled (`name`: the name the
/// data gives it, if any), in the order every facet has.
pub fn facet<'a>(
    campo: &'static str,
    counted: impl Iterator<Item = (Value, Option<&'a str>, u64)>,
) -> Facet {
    Facet {
        campo,
        valores: sorted(
            counted
                .map(|(valor, name, total)| FacetValue {
                    nombre: label(campo, &valor, name),
                    valor,
                    total,
                })
                .collect(),
        ),
    }
}

/// Facets as the API shows them: an object keyed by facet name (in name
/// order), serialized straight from the counts.
pub struct FacetsJson<'a>(pub &'a [Facet]);

impl Serialize for FacetsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // Asked twice, the last stands (as in a JSON object).
        let mut by_name: Vec<&Facet> = self.0.iter().rev().collect();
        by_name.sort_by_key(|f| f.campo);
        by_name.dedup_by_key(|f| f.campo);
        let mut map = s.serialize_map(Some(by_name.len()))?;
        for f in by_name {
            map.serialize_entry(f.campo, &f.valores)?;
        }
        map.end()
    }
}

/// Counts values of the standards' facets over the standards a filter kept
/// (each with its committee's state).
pub fn count_ec<'a>(
    rows: impl Iterator<Item = (&'a super::EcSummary, Option<&'a str>)> + Clone,
    facets: &[EcFacet],
) -> Vec<Facet> {
    facets
        .iter()
        .map(|&facet| {
            count(facet.name(), |emit| {
                for (e, estado) in rows.clone() {
                    match facet {
                        EcFacet::Sector => {
                            emit(Key::of(e.sector_id.as_deref()), e.sector.as_deref())
                        }
                        EcFacet::Nivel => emit(e.nivel.map_or(Key::Null, Key::Int), None),
                        EcFacet::Comite => {
                            emit(e.comite_id.map_or(Key::Null, Key::Int), e.comite.as_deref())
                        }
                        EcFacet::Estado => emit(Key::of(estado), None),
                        EcFacet::Vigente => emit(Key::Bool(e.vigente), None),
                        EcFacet::Tipo => emit(Key::Str(&e.tipo), None),
                    }
                }
            })
        })
        .collect()
}

/// Counts values of the directory's facets over the certifiers a filter kept.
pub fn count_cert<'a>(
    rows: impl Iterator<Item = &'a super::CertSummary> + Clone,
    facets: &[CertFacet],
) -> Vec<Facet> {
    facets
        .iter()
        .map(|&facet| {
            count(facet.name(), |emit| {
                for c in rows.clone() {
                    let l = &c.certificador;
                    match facet {
                        CertFacet::Tipo => emit(Key::of(l.tipo.as_deref()), None),
                        CertFacet::Estado if l.estados.is_empty() => emit(Key::Null, None),
                        CertFacet::Estado => {
                            for e in &l.estados {
                                emit(Key::Str(&e.clave), None);
                            }
                        }
                    }
                }
            })
        })
        .collect()
}

/// A facet value while counting (borrowed; made JSON once counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key<'a> {
    Null,
    Str(&'a str),
    Int(i64),
    Bool(bool),
}

impl<'a> Key<'a> {
    fn of(v: Option<&'a str>) -> Key<'a> {
        v.map_or(Key::Null, Key::Str)
    }

    fn value(self) -> Value {
        match self {
            Key::Null => Value::Null,
            Key::Str(s) => Value::from(s),
            Key::Int(i) => Value::from(i),
            Key::Bool(b) => Value::Bool(b),
        }
    }
}

/// Counts the values `each` emits (one per item, or several); a value's
/// name is the greatest the data gives it (names of one key agree but for
/// respellings).
fn count<'a>(
    campo: &'static str,
    each: impl FnOnce(&mut dyn FnMut(Key<'a>, Option<&'a str>)),
) -> Facet {
    let mut seen: rustc_hash::FxHashMap<Key<'a>, (Option<&'a str>, u64)> = Default::default();
    each(&mut |k, name| {
        let e = seen.entry(k).or_insert((None, 0));
        e.1 += 1;
        if v_name_greater(name, e.0) && k != Key::Null {
            e.0 = name;
        }
    });
    facet(
        campo,
        seen.into_iter()
            .map(|(k, (name, total))| (k.value(), name, total)),
    )
}

fn v_name_greater(a: Option<&str>, b: Option<&str>) -> bool {
    a > b
}
