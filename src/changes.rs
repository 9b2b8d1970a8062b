//! Change reports built from diff documents (`store::diff`): the Markdown
//! report of `renec-harvester diff`, and the Atom and JSON feeds.

use crate::entity::{diff_kinds, Kind};
use crate::store::diff::Diff;
use serde_json::Value;
use std::fmt::Write as _;

fn s(v: &Value) -> String {
    match v {
        Value::String(t) => t.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    }
}

/// One line describing an entry of a diff (entity or link).
fn describe(kind: &str, e: &Value, ui: &str) -> String {
    let page = |k: Kind| format!("{ui}/{}", k.info().ui);
    let ec = |code: &Value| format!("[{}]({}/{})", s(code), page(Kind::Ec), s(code));
    let named = |k: Kind| format!("[{}]({}/{})", s(&e["nombre"]), page(k), s(&e["id"]));
    match Kind::from_plural(kind) {
        Some(Kind::Ec) => return format!("{} {}", ec(&e["clave"]), s(&e["titulo"])),
        Some(Kind::Comite) => return format!("{} (id {})", named(Kind::Comite), s(&e["id"])),
        Some(Kind::Sector) => return s(&e["nombre"]),
        Some(k) => return named(k),
        None => {}
    }
    match kind {
        "ec_certificador" => format!("{} — {}", ec(&e["ec"]), s(&e["certificador"])),
        "ec_centro" => format!("{} — {}", ec(&e["ec"]), s(&e["centro"])),
        "comite_ec" => format!("{} — {}", s(&e["comite"]), ec(&e["ec"])),
        "certificador_estado" => format!(
            "[{}]({}/{}) — {}",
            s(&e["certificador"]),
            page(Kind::Certificador),
            s(&e["certificador_id"]),
            e["estado"]
                .as_str()
                .and_then(crate::normalize::states::state_name)
                .map_or_else(|| s(&e["estado"]), str::to_string)
        ),
        _ => format!("{} — {}", ec(&e["ec"]), s(&e["ocupacion"])),
    }
}

/// The Markdown report: a summary table of counts, then every change.
pub fn markdown(doc: &Diff, ui: &str) -> String {
    let ui = ui.trim_end_matches('/');
    let mut out = format!(
        "# Cambios en el RENEC: corrida {} → corrida {}\n\n| Tipo | Altas | Bajas | Cambios |\n|---|---:|---:|---:|\n",
        doc.from_run, doc.to_run
    );
    for (kind, title) in diff_kinds() {
        let k = doc.kind(kind);
        let (added, removed, changed) = k.counts();
        let changed = if k.changed.is_some() {
            changed.to_string()
        } else {
            "—".into()
        };
        let _ = writeln!(out, "| {title} | {added} | {removed} | {changed} |");
    }
    for (kind, title) in diff_kinds() {
        let k = doc.kind(kind);
        for (field, items) in k.lists() {
            if items.is_empty() {
                continue;
            }
            let heading = match field {
                "added" => "altas",
                "removed" => "bajas",
                _ => "cambios",
            };
            let _ = writeln!(out, "\n## {title}: {heading} ({})\n", items.len());
            for e in items {
                let _ = write!(out, "- {}", describe(kind, e, ui));
                if let Some(fields) = e.get("fields").and_then(Value::as_object) {
                    let parts: Vec<String> = fields
                        .iter()
                        .map(|(f, c)| format!("{f}: «{}» → «{}»", s(&c["before"]), s(&c["after"])))
                        .collect();
                    let _ = write!(out, ": {}", parts.join("; "));
                }
                out.push('\n');
            }
        }
    }
    out
}

/// A one-line summary of a diff ("3 estándares nuevos, 1 retirado, …").
pub fn headline(doc: &Diff) -> String {
    let n = |kind: &str, f: &str| {
        let (a, r, c) = doc.kind(kind).counts();
        match f {
            "added" => a,
            "removed" => r,
            _ => c,
        }
    };
    format!(
        "{} estándares nuevos, {} retirados, {} modificados; {} acreditaciones nuevas, {} retiradas; {} certificadores nuevos, {} comités nuevos, {} comités retirados",
        n("ec", "added"),
        n("ec", "removed"),
        n("ec", "changed"),
        n("ec_certificador", "added"),
        n("ec_certificador", "removed"),
        n("certificadores", "added"),
        n("comites", "added"),
        n("comites", "removed"),
    )
}

/// One feed entry: a published run and what changed since the one before.
pub struct FeedEntry {
    pub run: i64,
    pub finished_at: String,
    pub diff: Diff,
}

/// The id of a run's feed entry: its API URL, or a URN when `base` is empty
/// (an Atom id must be absolute).
fn entry_id(base: &str, run: i64) -> String {
    if base.is_empty() {
        format!("urn:renec-harvester:run:{run}")
    } else {
        format!("{base}/api/v1/runs/{run}")
    }
}

/// JSON Feed 1.1.
pub fn json_feed(entries: &[FeedEntry], base: &str, feed_url: &str) -> Value {
    let items: Vec<Value> = entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "id": entry_id(base, e.run),
                "url": format!("{base}/cambios/{}", e.run),
                "title": format!("Corrida {}: {}", e.run, headline(&e.diff)),
                "content_text": markdown(&e.diff, base),
                "date_published": e.finished_at,
                "_renec": {"run": e.run, "diff": e.diff},
            })
        })
        .collect();
    serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "RENEC: cambios",
        "home_page_url": format!("{base}/"),
        "feed_url": feed_url,
        "language": "es-MX",
        "items": items,
    })
}

/// Atom 1.0.
pub fn atom_feed(entries: &[FeedEntry], base: &str, feed_url: &str) -> String {
    use atom_syndication::{Content, Entry, Feed, FixedDateTime, Link, Text};
    let date = |t: &str| {
        FixedDateTime::parse_from_rfc3339(t).unwrap_or_else(|_| {
            FixedDateTime::parse_from_rfc3339("1970-01-01T00:00:00Z").expect("valid")
        })
    };
    let updated = entries
        .first()
        .map_or_else(|| date("1970-01-01T00:00:00Z"), |e| date(&e.finished_at));
    let atom_entries: Vec<Entry> = entries
        .iter()
        .map(|e| Entry {
            id: entry_id(base, e.run),
            title: Text::plain(format!("Corrida {}: {}", e.run, headline(&e.diff))),
            updated: date(&e.finished_at),
            links: vec![Link {
                href: format!("{base}/cambios/{}", e.run),
                rel: "alternate".into(),
                ..Link::default()
            }],
            content: Some(Content {
                value: Some(markdown(&e.diff, base)),
                content_type: Some("text".into()),
                ..Content::default()
            }),
            ..Entry::default()
        })
        .collect();
    let feed = Feed {
        id: if base.is_empty() {
            "urn:renec-harvester:changes".to_string()
        } else {
            feed_url.to_string()
        },
        title: Text::plain("RENEC: cambios"),
        updated,
        links: vec![
            Link {
                href: feed_url.to_string(),
                rel: "self".into(),
                ..Link::default()
            },
            Link {
                href: format!("{base}/"),
                rel: "alternate".into(),
                ..Link::default()
            },
        ],
        entries: atom_entries,
        ..Feed::default()
    };
    feed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A diff as its JSON is published (the typed `Diff` reads it back).
    fn doc() -> Diff {
        serde_json::from_value(json!({
            "from_run": 1, "to_run": 2,
            "ec": {"added": [{"clave": "EC9000", "titulo": "Nuevo"}], "removed": [], "changed": [
                {"clave": "EC0002", "titulo": "Otro", "fields": {"titulo": {"before": "Uno", "after": "Otro"}}}]},
            "certificadores": {"added": [], "removed": [], "changed": []},
            "centros": {"added": [], "removed": [], "changed": []},
            "comites": {"added": [], "removed": [{"id": 7, "nombre": "Comité X"}], "changed": []},
            "sectores": {"added": [], "removed": [], "changed": []},
            "ec_certificador": {"added": [{"ec": "EC9000", "certificador_id": "cert-1", "certificador": "ICEMéxico"}], "removed": []},
            "ec_centro": {"added": [], "removed": []},
            "comite_ec": {"added": [], "removed": []},
            "certificador_estado": {"added": [{"certificador_id": "cert-1", "certificador": "ICEMéxico", "estado": "14"}], "removed": []},
            "ec_ocupacion": {"added": [], "removed": []},
        }))
        .expect("the published shape of a diff")
    }

    #[test]
    fn markdown_opens_with_counts_and_links_codes_to_the_ui() {
        let md = markdown(&doc(), "http://x/");
        assert!(md.starts_with(
            "# Cambios en el RENEC: corrida 1 → corrida 2\n\n| Tipo | Altas | Bajas | Cambios |"
        ));
        assert!(md.contains("| Estándares | 1 | 0 | 1 |"));
        assert!(md.contains("| Comités | 0 | 1 | 0 |"));
        assert!(md.contains("[EC9000](http://x/ec/EC9000) Nuevo"));
        assert!(md.contains("titulo: «Uno» → «Otro»"));
        assert!(md.contains("| Certificador–entidad federativa | 1 | 0 | — |"));
        assert!(md.contains("[ICEMéxico](http://x/certificador/cert-1) — Jalisco"));
        assert!(md.contains("— ICEMéxico"));
    }

    #[test]
    fn feeds_have_one_entry_per_run() {
        let entries = vec![FeedEntry {
            run: 2,
            finished_at: "2026-03-01T00:00:00Z".into(),
            diff: doc(),
        }];
        let atom = atom_feed(&entries, "http://x", "http://x/api/v1/changes.atom");
        let parsed: atom_syndication::Feed = atom.parse().unwrap();
        assert_eq!(parsed.entries().len(), 1);
        assert!(parsed.entries()[0]
            .title()
            .as_str()
            .starts_with("Corrida 2: 1 estándares nuevos"));
        let json = json_feed(&entries, "http://x", "http://x/api/v1/changes.json");
        assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(json["items"][0]["id"], "http://x/api/v1/runs/2");
    }
}
