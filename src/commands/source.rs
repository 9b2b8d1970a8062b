//! `source check`: the operator's first step when "the website structure
//! changed". Fetches robots.txt, the catalogue, a few committees, a few
//! detail pages, the legacy hub and the first page of each listing, as the
//! harvest would (its User-Agent, robots.txt, retries), stores nothing, and
//! says for every registry key what it found. Exit 1 when something
//! expected is missing, naming the registry key to edit.

use crate::config::Config;
use crate::crawl::{decode, FetchSettings, Fetcher, Outcome, Request};
use crate::registry::Registry;
use crate::sources::{catalogue, committees, detail, legacy};
use anyhow::{Context, Result};
use std::process::ExitCode;
use url::Url;

/// What the check found: lines to print and whether anything is missing.
#[derive(Default)]
struct Findings {
    problems: usize,
}

impl Findings {
    fn ok(&mut self, key: &str, what: impl AsRef<str>) {
        println!("ok       {key}: {}", what.as_ref());
    }
    fn missing(&mut self, key: &str, what: impl AsRef<str>) {
        self.problems += 1;
        println!("MISSING  {key}: {}", what.as_ref());
    }
    fn note(&mut self, key: &str, what: impl AsRef<str>) {
        println!("note     {key}: {}", what.as_ref());
    }
}

/// The body of a 200 answer, or a line saying what came instead.
fn body_of(fetcher: &Fetcher, url: &Url) -> std::result::Result<(Vec<u8>, Option<String>), String> {
    match fetcher.fetch_one(Request::new(url.clone())).outcome {
        Outcome::Response(r) if r.status == 200 => Ok((r.body, r.content_type)),
        Outcome::Response(r) => Err(format!("{url} answered HTTP {}", r.status)),
        Outcome::Failed { status, error, .. } => Err(format!(
            "{url} failed{}: {error}",
            status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
        )),
        Outcome::Disallowed => Err(format!("{url} is disallowed by robots.txt")),
        Outcome::NotModified => Err(format!("{url} answered 304 to an unconditional request")),
        Outcome::Cancelled => Err(format!("{url}: cancelled")),
    }
}

pub fn source_check(cfg: &Config, codes: &[String], committees_to_try: u32) -> Result<ExitCode> {
    let registry = Registry::load(cfg.registry_file.as_deref())?;
    let base = Url::parse(&cfg.source_url).context("source.url")?;
    let fetcher = Fetcher::new(FetchSettings::from_config(cfg));
    let mut f = Findings::default();
    println!("# source check of {base} (nothing is stored)");

    // robots.txt
    let robots = fetcher.fetch_one(Fetcher::robots_request(&base));
    match &robots.outcome {
        Outcome::Response(r) => f.ok(
            "robots.txt",
            format!("HTTP {}, {} bytes", r.status, r.body.len()),
        ),
        other => f.note(
            "robots.txt",
            format!("{other:?}: every path is treated as allowed"),
        ),
    }
    fetcher.install_robots(&robots).context("robots.txt")?;

    // The catalogue.
    let mut sample: Vec<String> = codes.to_vec();
    let url = registry.catalogue_url(&base)?;
    match body_of(&fetcher, &url) {
        Err(e) => f.missing("catalogue.path", e),
        Ok((body, _)) => match catalogue::parse(&body, &registry.catalogue.fields) {
            Err(e) => f.missing("catalogue.path", format!("{url}: {e}")),
            Ok(c) => {
                if c.rows.is_empty() {
                    f.missing(
                        "catalogue.fields.codigo",
                        format!(
                            "{} entries, none with the field `{}`",
                            c.reported, registry.catalogue.fields.codigo
                        ),
                    );
                } else {
                    f.ok(
                        "catalogue.fields.codigo",
                        format!("{} entries, {} with a code", c.reported, c.rows.len()),
                    );
                }
                for (key, name) in &c.missing_fields {
                    f.missing(key, format!("no entry has the field `{name}`"));
                }
                if c.missing_fields.is_empty() && !c.rows.is_empty() {
                    f.ok("catalogue.fields", "every expected field is present");
                }
                if sample.is_empty() {
                    let step = (c.rows.len() / 3).max(1);
                    sample = c
                        .rows
                        .iter()
                        .step_by(step)
                        .take(3)
                        .map(|r| crate::normalize::clean(&r.codigo_raw))
                        .collect();
                }
            }
        },
    }

    // A few committees.
    let (mut found, mut misses, mut unknown) = (0, 0, Vec::new());
    for id in 1..=committees_to_try {
        let url = registry.committee_url(&base, id)?;
        match fetcher.fetch_one(Request::new(url.clone())).outcome {
            Outcome::Response(r) if r.status == 200 => {
                match committees::parse(id, &r.body, &registry.committees) {
                    Ok(committees::CommitteeAnswer::Found(_)) => found += 1,
                    Ok(committees::CommitteeAnswer::NotFound) => misses += 1,
                    Err(e) => unknown.push(format!("{id}: {e}")),
                }
            }
            Outcome::Response(r) if matches!(r.status, 400 | 404) => misses += 1,
            _ => unknown.push(format!("{id}: no usable answer")),
        }
    }
    let summary = format!("ids 1–{committees_to_try}: {found} committees, {misses} not found");
    if !unknown.is_empty() {
        f.missing(
            "committees.results_field / committees.fields",
            format!(
                "{summary}, {} not recognised ({})",
                unknown.len(),
                unknown.join("; ")
            ),
        );
    } else if found == 0 {
        f.missing("committees.path", format!("{summary}: no committee at all"));
    } else {
        f.ok("committees", summary);
    }

    // A few detail pages.
    if sample.is_empty() {
        f.missing(
            "detail.path",
            "no code to try (the catalogue gave none; pass --codes)",
        );
    }
    for code in &sample {
        let url = registry.detail_url(&base, code)?;
        match body_of(&fetcher, &url) {
            Err(e) => f.missing("detail.path", e),
            Ok((body, ct)) => {
                let html = decode::decode(&body, ct.as_deref());
                let page = detail::parse(&html, &registry.detail);
                let key = format!("detail ({code})");
                match (&page.codigo, &page.titulo) {
                    (Some(c), Some(t)) => {
                        f.ok("detail.title_selector", format!("{code}: {c} – {t}"))
                    }
                    _ => f.missing(
                        "detail.title_selector",
                        format!("{code}: no title with a code"),
                    ),
                }
                let counts = [
                    ("ocupaciones", page.ocupaciones.len()),
                    ("certificadores", page.certificadores.len()),
                    ("centros", page.centros.len()),
                    ("comite", page.miembros.len()),
                ];
                let shown: Vec<String> = counts.iter().map(|(s, n)| format!("{s} {n}")).collect();
                if page.recognised {
                    f.ok(&key, format!("sections read: {}", shown.join(", ")));
                } else {
                    f.missing(
                        "detail.panel_selector / detail.header_selector / detail.sections.*.headers",
                        format!("{code}: no known section; panel headers seen: {:?}", page.unknown_sections),
                    );
                }
                if page.recognised && !page.unknown_sections.is_empty() {
                    f.note(
                        &key,
                        format!("panels no section claims: {:?}", page.unknown_sections),
                    );
                }
            }
        }
    }

    // The legacy hub and the first page of each listing.
    let hub = registry.hub_url(&base)?;
    match body_of(&fetcher, &hub) {
        Err(e) => f.missing("legacy.hub", e),
        Ok((body, ct)) => {
            let page = legacy::parse(
                &decode::decode(&body, ct.as_deref()),
                &hub,
                &registry.legacy,
            );
            if page.links.is_empty() {
                f.missing(
                    "legacy.follow",
                    format!(
                        "the hub links to nothing containing {:?}",
                        registry.legacy.follow
                    ),
                );
            } else {
                f.ok(
                    "legacy.hub",
                    format!("{} links to follow", page.links.len()),
                );
            }
        }
    }
    for comp in registry.legacy.listings.keys() {
        let url = registry.listing_url(&base, comp)?;
        let key = format!("legacy.listings.{comp}");
        match body_of(&fetcher, &url) {
            Err(e) => f.missing(&key, e),
            Ok((body, ct)) => {
                let page = legacy::parse(
                    &decode::decode(&body, ct.as_deref()),
                    &url,
                    &registry.legacy,
                );
                let total = page
                    .reported_total
                    .map(|t| format!(" of {t}"))
                    .unwrap_or_default();
                if page.rows.is_empty() && page.reported_total.unwrap_or(1) > 0 {
                    f.missing(
                        &format!("{key} / legacy.table_selector / legacy.columns.codigo"),
                        format!("no rows read{total}"),
                    );
                } else {
                    f.ok(
                        &key,
                        format!("{} rows on the first page{total}", page.rows.len()),
                    );
                }
            }
        }
    }

    if f.problems == 0 {
        println!("# everything the registry expects was found");
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "# {} expected things are missing: edit the registry keys named above (a copy of assets/registry.toml named by source.registry_file)",
            f.problems
        );
        Ok(ExitCode::from(1))
    }
}
