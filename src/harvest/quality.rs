//! The checks a run must pass to be published.

use crate::store::stats::Counts;
use serde::Serialize;
use std::collections::BTreeMap;

/// How much of what a source reports the run obtained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Coverage {
    pub expected: u64,
    pub covered: u64,
    /// Answers that arrived but whose content the parser did not recognise
    /// (not covered): the site's markup or JSON may have changed.
    #[serde(skip_serializing_if = "is_zero")]
    pub unrecognised: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The registry keys that describe what a source's answers must look like:
/// named when its answers are not recognised.
pub fn registry_keys(source: &str) -> &'static str {
    match source {
        "catalogue" => "catalogue.fields (codigo first)",
        "committees" => "committees.status_field, committees.results_field, committees.fields",
        "detail" => "detail.panel_selector, detail.header_selector, detail.sections.*.headers, detail.no_information",
        _ => "legacy.listings",
    }
}

impl Coverage {
    pub fn ratio(&self) -> f64 {
        if self.expected == 0 {
            0.0
        } else {
            self.covered as f64 / self.expected as f64
        }
    }
}

pub struct QualityInput<'a> {
    pub coverage: &'a BTreeMap<&'static str, Coverage>,
    pub counts: &'a Counts,
    pub basis_counts: Option<&'a Counts>,
    pub duplicate_keys: &'a BTreeMap<&'static str, i64>,
    pub dangling_links: &'a BTreeMap<&'static str, i64>,
    pub catalogue_duplicates: usize,
    pub min_coverage: f64,
    pub max_drop: f64,
}

/// Every reason the run must be held; empty means publish.
pub fn reasons(q: &QualityInput) -> Vec<String> {
    let mut out = Vec::new();
    for (source, c) in q.coverage {
        if c.ratio() < q.min_coverage {
            let markup = if c.unrecognised > 0 {
                format!(
                    "; {} answers arrived but were not recognised: the site's markup may have changed (registry keys {})",
                    c.unrecognised,
                    registry_keys(source)
                )
            } else {
                String::new()
            };
            out.push(format!(
                "coverage of {source} is {:.2}% ({} of {}), below the {:.2}% required{markup}",
                c.ratio() * 100.0,
                c.covered,
                c.expected,
                q.min_coverage * 100.0
            ));
        }
    }
    if q.catalogue_duplicates > 0 {
        out.push(format!(
            "the catalogue repeats {} codes",
            q.catalogue_duplicates
        ));
    }
    for (table, n) in q.duplicate_keys {
        out.push(format!("{table} has {n} keys with more than one row"));
    }
    for (link, n) in q.dangling_links {
        out.push(format!("{n} links {link} point to nothing in this run"));
    }
    if let Some(basis) = q.basis_counts {
        for ((name, now), (_, before)) in q.counts.entries().into_iter().zip(basis.entries()) {
            let floor = before as f64 * (1.0 - q.max_drop);
            if before > 0 && (now as f64) < floor {
                out.push(format!(
                    "{name} dropped from {before} to {now}, more than the {:.0}% allowed",
                    q.max_drop * 100.0
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_drops_and_integrity_are_reasons() {
        let mut coverage = BTreeMap::new();
        coverage.insert(
            "catalogue",
            Coverage {
                expected: 100,
                covered: 100,
                unrecognised: 0,
            },
        );
        coverage.insert(
            "detail",
            Coverage {
                expected: 1000,
                covered: 985,
                unrecognised: 0,
            },
        );
        let counts = Counts {
            estandares_vigentes: 85,
            comites: 10,
            ..Counts::default()
        };
        let basis = Counts {
            estandares_vigentes: 100,
            comites: 10,
            ..Counts::default()
        };
        let mut dangling = BTreeMap::new();
        dangling.insert("comite_ec.ec_clave", 3);
        let q = QualityInput {
            coverage: &coverage,
            counts: &counts,
            basis_counts: Some(&basis),
            duplicate_keys: &BTreeMap::new(),
            dangling_links: &dangling,
            catalogue_duplicates: 0,
            min_coverage: 0.99,
            max_drop: 0.10,
        };
        let r = reasons(&q);
        assert_eq!(r.len(), 3, "{r:?}");
        assert!(r[0].starts_with("coverage of detail is 98.50% (985 of 1000)"));
        assert!(r[1].contains("comite_ec.ec_clave"));
        assert!(r[2].starts_with("estandares_vigentes dropped from 100 to 85"));
        let ok = QualityInput {
            coverage: &BTreeMap::new(),
            basis_counts: None,
            dangling_links: &BTreeMap::new(),
            ..q
        };
        assert!(reasons(&ok).is_empty());
    }

    #[test]
    fn nothing_expected_is_no_coverage() {
        assert_eq!(
            Coverage {
                expected: 0,
                covered: 0,
                unrecognised: 0,
            }
            .ratio(),
            0.0
        );
    }
}
