//! What changed between two runs, computed from the ledger (never from raw
//! pages): for every entity kind `added`, `removed` and `changed` (each
//! changed field with its before and after), for every link kind `added`
//! and `removed`. A key seen in both runs is never reported as removed and
//! added again, so a respelled certifier (same id) is one `changed` entry.

use super::Result;
use super::Store;
use crate::entity::{Kind, Link, LINKS as LINKS_NAMED};
use rusqlite::types::Value;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;

/// What changed for one kind between two runs. Each entry is the entity or
/// link as published (its fields depend on the kind: `clave` and `titulo`
/// for standards, `id` and `nombre` for the others, both ends of a link);
/// a changed entity carries `fields` with each field's `before` and `after`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KindChanges {
    pub added: Vec<Json>,
    pub removed: Vec<Json>,
    /// Entities only (links are added or removed, never changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<Vec<Json>>,
}

impl KindChanges {
    /// How many were added, removed and changed.
    pub fn counts(&self) -> (usize, usize, usize) {
        (
            self.added.len(),
            self.removed.len(),
            self.changed.as_ref().map_or(0, Vec::len),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.counts() == (0, 0, 0)
    }

    /// Every list of entries, with its name (`added`, `removed`, `changed`).
    pub fn lists_mut(&mut self) -> impl Iterator<Item = (&'static str, &mut Vec<Json>)> {
        [("added", &mut self.added), ("removed", &mut self.removed)]
            .into_iter()
            .chain(self.changed.as_mut().map(|c| ("changed", c)))
    }

    /// Every list of entries, with its name.
    pub fn lists(&self) -> impl Iterator<Item = (&'static str, &Vec<Json>)> {
        [("added", &self.added), ("removed", &self.removed)]
            .into_iter()
            .chain(self.changed.as_ref().map(|c| ("changed", c)))
    }
}

/// What changed between two runs: every entity kind and link kind of
/// `crate::entity`, by its word. Serialized as `{"from_run", "to_run",
/// "ec": {...}, "certificadores": {...}, …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    pub from_run: i64,
    pub to_run: i64,
    #[serde(flatten)]
    pub kinds: BTreeMap<String, KindChanges>,
}

impl Diff {
    /// The changes of one kind (empty when the kind is unknown).
    pub fn kind(&self, kind: &str) -> &KindChanges {
        static NONE: KindChanges = KindChanges {
            added: Vec::new(),
            removed: Vec::new(),
            changed: None,
        };
        self.kinds.get(kind).unwrap_or(&NONE)
    }

    pub fn has_changes(&self) -> bool {
        self.kinds.values().any(|k| !k.is_empty())
    }

    /// Counts by kind: (kind, added, removed, changed), in the entity table's order.
    pub fn summary(&self) -> Vec<(String, usize, usize, usize)> {
        crate::entity::diff_kinds()
            .map(|(name, _)| {
                let (a, r, c) = self.kinds.get(name).map_or((0, 0, 0), KindChanges::counts);
                (name.to_string(), a, r, c)
            })
            .collect()
    }
}

struct EntityKind {
    /// Its word (the diff document's key) and ledger table.
    kind: Kind,
    /// Key column and its name in the document.
    key: (&'static str, &'static str),
    /// Display name column (`titulo`, `nombre`).
    display: &'static str,
    /// Fields compared for `changed`.
    fields: &'static [&'static str],
}

const ENTITIES: [EntityKind; 5] = [
    EntityKind {
        kind: Kind::Ec,
        key: ("clave", "clave"),
        display: "titulo",
        fields: &[
            "titulo",
            "nivel",
            "tipo",
            "vigente",
            "clase",
            "sector_id",
            "comite_id",
            "comite_nombre",
        ],
    },
    EntityKind {
        kind: Kind::Certificador,
        key: ("id", "id"),
        display: "nombre",
        fields: &["nombre", "tipo"],
    },
    EntityKind {
        kind: Kind::Centro,
        key: ("id", "id"),
        display: "nombre",
        fields: &["nombre"],
    },
    EntityKind {
        kind: Kind::Comite,
        key: ("id", "id"),
        display: "nombre",
        fields: &[
            "clave",
            "nombre",
            "sector_nombre",
            "fecha_integracion",
            "calle_numero",
            "colonia",
            "codigo_postal",
            "municipio",
            "estado_inegi",
            "telefono_raw",
            "url",
        ],
    },
    EntityKind {
        kind: Kind::Sector,
        key: ("id", "id"),
        display: "nombre",
        fields: &["nombre", "id_renec"],
    },
];

struct LinkKind {
    /// Its name (the diff document's key) and ledger table.
    link: &'static Link,
    /// (column, name in the document) of both ends.
    ends: [(&'static str, &'static str); 2],
    /// The end that has a display name: (which end, its name in the document, the kind that names it).
    named: Option<(usize, &'static str, Kind)>,
}

const LINKS: [LinkKind; 5] = [
    LinkKind {
        link: &LINKS_NAMED[0],
        ends: [("ec_clave", "ec"), ("certificador_id", "certificador_id")],
        named: Some((1, "certificador", Kind::Certificador)),
    },
    LinkKind {
        link: &LINKS_NAMED[1],
        ends: [("ec_clave", "ec"), ("centro_id", "centro_id")],
        named: Some((1, "centro", Kind::Centro)),
    },
    LinkKind {
        link: &LINKS_NAMED[2],
        ends: [("comite_id", "comite_id"), ("ec_clave", "ec")],
        named: Some((0, "comite", Kind::Comite)),
    },
    // The states where a body certifies (any standard): pairs, not rows per standard.
    LinkKind {
        link: &LINKS_NAMED[3],
        ends: [
            ("certificador_id", "certificador_id"),
            ("estado_inegi", "estado"),
        ],
        named: Some((0, "certificador", Kind::Certificador)),
    },
    LinkKind {
        link: &LINKS_NAMED[4],
        ends: [("ec_clave", "ec"), ("ocupacion", "ocupacion")],
        named: None,
    },
];

fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Integer(i) => json!(i),
        Value::Real(f) => json!(f),
        Value::Text(t) => json!(t),
        Value::Blob(b) => json!(hex::encode(b)),
    }
}

/// Key (as text) → (key value, fields).
type EntityRows = BTreeMap<String, (Value, Vec<Value>)>;

/// The rows of an entity table as of `run`.
fn entity_rows(conn: &Connection, k: &EntityKind, run: i64) -> Result<EntityRows> {
    entity_rows_where(conn, k, run, None)
}

/// The same, for every key or only for `key`.
fn entity_rows_where(
    conn: &Connection,
    k: &EntityKind,
    run: i64,
    key: Option<&Value>,
) -> Result<EntityRows> {
    let mut cols = vec![k.key.0];
    cols.extend(k.fields);
    if !k.fields.contains(&k.display) {
        cols.push(k.display);
    }
    let filter = if key.is_some() {
        format!(" AND {} = ?2", k.key.0)
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT {} FROM {} WHERE first_seen_run <= ?1 AND last_seen_run >= ?1{filter}",
        cols.join(", "),
        k.kind.table()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = match key {
        Some(v) => stmt.query(rusqlite::params![run, v])?,
        None => stmt.query(rusqlite::params![run])?,
    };
    let mut out = BTreeMap::new();
    while let Some(r) = rows.next()? {
        let vals: Vec<Value> = (0..cols.len())
            .map(|i| r.get(i))
            .collect::<rusqlite::Result<_>>()?;
        let key = match &vals[0] {
            Value::Integer(i) => format!("{i:020}"),
            other => to_json(other).as_str().unwrap_or_default().to_string(),
        };
        out.insert(key, (vals[0].clone(), vals[1..].to_vec()));
    }
    Ok(out)
}

fn display_index(k: &EntityKind) -> usize {
    k.fields
        .iter()
        .position(|f| *f == k.display)
        .unwrap_or(k.fields.len())
}

fn entity_entry(k: &EntityKind, key: &Value, vals: &[Value]) -> Json {
    let mut m = Map::new();
    m.insert(k.key.1.to_string(), to_json(key));
    m.insert(k.display.to_string(), to_json(&vals[display_index(k)]));
    Json::Object(m)
}

/// Each field that differs, with its value before and after (`vigente` as a boolean).
fn changed_fields(k: &EntityKind, old: &[Value], new: &[Value]) -> Map<String, Json> {
    let mut fields = Map::new();
    for (i, f) in k.fields.iter().enumerate() {
        if old[i] != new[i] {
            let (b, a) = (to_json(&old[i]), to_json(&new[i]));
            let (b, a) = if *f == "vigente" {
                (json!(b == json!(1)), json!(a == json!(1)))
            } else {
                (b, a)
            };
            fields.insert(f.to_string(), json!({"before": b, "after": a}));
        }
    }
    fields
}

fn entity_diff(conn: &Connection, k: &EntityKind, from: i64, to: i64) -> Result<KindChanges> {
    let before = entity_rows(conn, k, from)?;
    let after = entity_rows(conn, k, to)?;
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut changed = Vec::new();
    for (key, (kv, vals)) in &after {
        match before.get(key) {
            None => added.push(entity_entry(k, kv, vals)),
            Some((_, old)) => {
                let fields = changed_fields(k, old, vals);
                if !fields.is_empty() {
                    let mut entry = entity_entry(k, kv, vals);
                    entry["fields"] = Json::Object(fields);
                    changed.push(entry);
                }
            }
        }
    }
    for (key, (kv, vals)) in &before {
        if !after.contains_key(key) {
            removed.push(entity_entry(k, kv, vals));
        }
    }
    Ok(KindChanges {
        added,
        removed,
        changed: Some(changed),
    })
}

type LinkRows = BTreeMap<(String, String), [Value; 2]>;

fn link_rows(conn: &Connection, l: &LinkKind, run: i64) -> Result<LinkRows> {
    let sql = format!(
        "SELECT {}, {} FROM {} WHERE first_seen_run <= ?1 AND last_seen_run >= ?1",
        l.ends[0].0, l.ends[1].0, l.link.table
    );
    read_links(conn, &sql, rusqlite::params![run])
}

/// The links of a kind as of a run whose `column` is `key`.
fn link_rows_where(
    conn: &Connection,
    l: &LinkKind,
    run: i64,
    column: &str,
    key: &Value,
) -> Result<LinkRows> {
    let sql = format!(
        "SELECT {}, {} FROM {} WHERE {column} = ?2 AND first_seen_run <= ?1 AND last_seen_run >= ?1",
        l.ends[0].0, l.ends[1].0, l.link.table
    );
    read_links(conn, &sql, rusqlite::params![run, key])
}

fn read_links(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<LinkRows> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    let mut out = BTreeMap::new();
    let text = |v: &Value| match v {
        Value::Integer(i) => format!("{i:020}"),
        other => to_json(other).as_str().unwrap_or_default().to_string(),
    };
    while let Some(r) = rows.next()? {
        let a: Value = r.get(0)?;
        let b: Value = r.get(1)?;
        out.insert((text(&a), text(&b)), [a, b]);
    }
    Ok(out)
}

/// Display names of one end of a link kind as of a run (id → name).
fn end_names(conn: &Connection, l: &LinkKind, run: i64) -> Result<BTreeMap<String, String>> {
    let Some((_, _, kind)) = l.named else {
        return Ok(BTreeMap::new());
    };
    let table = kind.table();
    let sql = format!("SELECT CAST(id AS TEXT), nombre FROM {table} WHERE first_seen_run <= ?1 AND last_seen_run >= ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([run], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn link_entry(l: &LinkKind, ends: &[Value; 2], names: &BTreeMap<String, String>) -> Json {
    let mut m = Map::new();
    for (i, (_, name)) in l.ends.iter().enumerate() {
        m.insert(name.to_string(), to_json(&ends[i]));
        if let Some((end, label, _)) = l.named {
            if end == i {
                let key = match &ends[i] {
                    Value::Integer(n) => n.to_string(),
                    other => to_json(other).as_str().unwrap_or_default().to_string(),
                };
                m.insert(label.to_string(), json!(names.get(&key)));
            }
        }
    }
    Json::Object(m)
}

/// Links of `a` that `b` does not have.
fn only_in<'a>(a: &'a LinkRows, b: &'a LinkRows) -> impl Iterator<Item = &'a [Value; 2]> {
    a.iter()
        .filter(|(k, _)| !b.contains_key(*k))
        .map(|(_, v)| v)
}

fn link_diff(conn: &Connection, l: &LinkKind, from: i64, to: i64) -> Result<KindChanges> {
    let before = link_rows(conn, l, from)?;
    let after = link_rows(conn, l, to)?;
    let (names_to, names_from) = (end_names(conn, l, to)?, end_names(conn, l, from)?);
    let added: Vec<Json> = only_in(&after, &before)
        .map(|ends| link_entry(l, ends, &names_to))
        .collect();
    let removed: Vec<Json> = only_in(&before, &after)
        .map(|ends| link_entry(l, ends, &names_from))
        .collect();
    Ok(KindChanges {
        added,
        removed,
        changed: None,
    })
}

/// The diff document between runs `from` and `to`.
pub(crate) fn diff_runs(conn: &Connection, from: i64, to: i64) -> Result<Diff> {
    let mut kinds = BTreeMap::new();
    for k in &ENTITIES {
        kinds.insert(k.kind.plural().to_string(), entity_diff(conn, k, from, to)?);
    }
    for l in &LINKS {
        kinds.insert(l.link.name.to_string(), link_diff(conn, l, from, to)?);
    }
    Ok(Diff {
        from_run: from,
        to_run: to,
        kinds,
    })
}
impl Store {
    /// The diff document between runs `from` and `to`.
    pub fn diff_runs(&self, from: i64, to: i64) -> Result<Diff> {
        diff_runs(&self.conn, from, to)
    }

    /// The published runs, oldest first.
    pub fn published_runs(&self) -> Result<Vec<(i64, Option<String>)>> {
        published_runs(&self.conn)
    }

    /// One entity's history: every published run in which it or one of its
    /// links changed, with the change (`kind` is `ec`, `certificadores` or `comites`).
    pub fn history(&self, kind: &str, key: &str) -> Result<Option<Vec<Json>>> {
        history(&self.conn, kind, key)
    }
}

/// The published runs, oldest first.
pub(crate) fn published_runs(conn: &Connection) -> Result<Vec<(i64, Option<String>)>> {
    let mut stmt =
        conn.prepare("SELECT id, finished_at FROM runs WHERE status = 'published' ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An entity as of one run: the run, its row (if present) and its links by kind.
type Snapshot = (
    i64,
    Option<(Value, Vec<Value>)>,
    BTreeMap<&'static str, LinkRows>,
);

/// One entity's history: every published run in which it or one of its
/// links changed, with the change (`kind` is `ec`, `certificadores` or `comites`).
pub(crate) fn history(conn: &Connection, kind: &str, key: &str) -> Result<Option<Vec<Json>>> {
    let Some(k) = ENTITIES.iter().find(|k| k.kind.plural() == kind) else {
        return Ok(None);
    };
    let (key_text, row_key) = if kind == "comites" {
        let n = key.parse::<i64>().unwrap_or(-1);
        (format!("{n:020}"), Value::Integer(n))
    } else {
        (key.to_string(), Value::Text(key.to_string()))
    };
    let runs = published_runs(conn)?;
    let mut out = Vec::new();
    let mut previous: Option<Snapshot> = None;
    let mut ever = false;
    for (run, finished) in runs {
        let row = entity_rows_where(conn, k, run, Some(&row_key))?.remove(&key_text);
        let mut links = BTreeMap::new();
        for l in LINKS.iter() {
            // The links of this kind that touch the entity (none when the kind has no end of it).
            let end = match kind {
                "ec" => "ec",
                "certificadores" => "certificador_id",
                _ => "comite_id",
            };
            let touching = match l.ends.iter().find(|(_, doc_name)| *doc_name == end) {
                Some((column, _)) => link_rows_where(conn, l, run, column, &row_key)?,
                None => LinkRows::new(),
            };
            links.insert(l.link.name, touching);
        }
        ever |= row.is_some();
        let mut change = Map::new();
        match (&previous, &row) {
            (None, Some((kv, vals))) | (Some((_, None, _)), Some((kv, vals))) => {
                change.insert("added".into(), entity_entry(k, kv, vals));
            }
            (Some((_, Some((kv, old)), _)), None) => {
                change.insert("removed".into(), entity_entry(k, kv, old));
            }
            (Some((_, Some((kv, old)), _)), Some((_, vals))) => {
                let fields = changed_fields(k, old, vals);
                if !fields.is_empty() {
                    let mut e = entity_entry(k, kv, vals);
                    e["fields"] = Json::Object(fields);
                    change.insert("changed".into(), e);
                }
            }
            _ => {}
        }
        let empty = LinkRows::new();
        for l in LINKS.iter() {
            let before = previous
                .as_ref()
                .and_then(|p| p.2.get(l.link.name))
                .unwrap_or(&empty);
            let after = &links[l.link.name];
            let prev_run = previous.as_ref().map_or(run, |p| p.0);
            let (names_now, names_then) = (end_names(conn, l, run)?, end_names(conn, l, prev_run)?);
            let added: Vec<Json> = only_in(after, before)
                .map(|e| link_entry(l, e, &names_now))
                .collect();
            let removed: Vec<Json> = only_in(before, after)
                .map(|e| link_entry(l, e, &names_then))
                .collect();
            if !added.is_empty() || !removed.is_empty() {
                change.insert(
                    l.link.name.into(),
                    json!({"added": added, "removed": removed}),
                );
            }
        }
        if !change.is_empty() {
            out.push(json!({"run": run, "finished_at": finished, "change": change}));
        }
        previous = Some((run, row, links));
    }
    Ok(ever.then_some(out))
}
