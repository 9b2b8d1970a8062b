//! Fault injection for the test site, per request class:
//! `CLASS:KIND[:RATE[:ATTEMPTS]]`, e.g. `detail:500:0.2:2` (a fifth of the
//! detail URLs answer 500 to their first two attempts), `all:reset:0.05`,
//! `catalogue:controlchars`, `detail:slow=200:0.1`, `all:etag-change`,
//! `detail:relabel` (panel headers renamed).
//! Which URLs are hit is a function of the URL, so runs are reproducible.

use sha2::{Digest, Sha256};
use std::fmt;

/// Named sets of faults (`--profile NAME`).
/// - `faulty`: what a busy public site does now and then: 500s, resets,
///   truncated bodies, control characters in JSON, an occasional hang.
/// - `hostile`: everything at once and more often, on every kind of page:
///   resets, truncation, 500s, 503/429 with `Retry-After: 1` (a polite
///   client pauses a second for each, so they are rarer), hangs longer than
///   a request timeout of up to 1.5 s, control characters, slow answers.
///
/// Every failing fault hits a URL for at most its first two attempts, so
/// a harvester with 3 or more attempts per URL can reach full coverage.
pub const PROFILES: &[(&str, &[&str])] = &[
    (
        "faulty",
        &[
            "catalogue:500:1:1",
            "catalogue:controlchars",
            "committee:controlchars",
            "detail:500:0.3:2",
            "detail:truncate:0.1",
            "committee:reset:0.1",
            "all:timeout=1500:0.01",
            "detail:429:0.01",
            "legacy:503:0.1",
            "all:slow=30:0.05",
        ],
    ),
    (
        "hostile",
        &[
            "robots:503:1:1",
            "catalogue:500:1:2",
            "catalogue:controlchars",
            "committee:controlchars",
            "committee:reset:0.15",
            "committee:500:0.1:2",
            "committee:429:0.02:1",
            "detail:500:0.2:2",
            "detail:503:0.04:1",
            "detail:429:0.03:1",
            "detail:truncate:0.1",
            "detail:reset:0.05",
            "legacy:503:0.05",
            "legacy:truncate:0.1",
            "all:timeout=1500:0.03",
            "all:slow=40:0.05",
        ],
    ),
];

/// The faults of a named profile, or an error that lists the names.
pub fn profile(name: &str) -> Result<Vec<FaultRule>, FaultSpecError> {
    let Some((_, specs)) = PROFILES.iter().find(|(n, _)| *n == name) else {
        return Err(FaultSpecError {
            spec: name.to_string(),
            problem: format!(
                "no such profile; the profiles are {}",
                PROFILES
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    };
    specs.iter().map(|s| FaultRule::parse(s)).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Robots,
    Catalogue,
    Committee,
    Detail,
    Legacy,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer this status instead (503 and 429 carry `Retry-After: 1`).
    Status(u16),
    /// Answer after this many milliseconds.
    Slow(u64),
    /// Say nothing for this many milliseconds, then close.
    Timeout(u64),
    /// Reset the connection without answering.
    Reset,
    /// Send half the body with the full Content-Length, then close.
    Truncate,
    /// Put raw control characters inside JSON strings.
    ControlChars,
    /// A new ETag on every answer (so conditional requests never match).
    EtagChange,
    /// Panel headers of detail pages renamed to texts no registry knows
    /// (what a redesign of the live site would do).
    Relabel,
}

impl FaultKind {
    /// Whether the fault makes the answer unusable (and so is limited to the first attempts).
    pub fn fails(self) -> bool {
        matches!(
            self,
            FaultKind::Status(_) | FaultKind::Timeout(_) | FaultKind::Reset | FaultKind::Truncate
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub class: Class,
    pub kind: FaultKind,
    pub rate: f64,
    pub attempts: u32,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("fault {spec:?}: {problem}; the form is CLASS:KIND[:RATE[:ATTEMPTS]] with CLASS robots|catalogue|committee|detail|legacy|all and KIND a status (500, 503, 429, 408…), slow=MS, timeout=MS, reset, truncate, controlchars or etag-change")]
pub struct FaultSpecError {
    pub spec: String,
    pub problem: String,
}

impl FaultRule {
    pub fn parse(spec: &str) -> Result<FaultRule, FaultSpecError> {
        let err = |problem: &str| FaultSpecError {
            spec: spec.to_string(),
            problem: problem.to_string(),
        };
        let parts: Vec<&str> = spec.split(':').collect();
        if parts.len() < 2 || parts.len() > 4 {
            return Err(err("expected 2 to 4 parts separated by ':'"));
        }
        let class = match parts[0] {
            "robots" => Class::Robots,
            "catalogue" => Class::Catalogue,
            "committee" => Class::Committee,
            "detail" => Class::Detail,
            "legacy" => Class::Legacy,
            "all" => Class::All,
            _ => return Err(err("unknown class")),
        };
        let ms = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| err("milliseconds must be a whole number"))
        };
        let kind = match parts[1] {
            "reset" => FaultKind::Reset,
            "truncate" => FaultKind::Truncate,
            "controlchars" => FaultKind::ControlChars,
            "etag-change" => FaultKind::EtagChange,
            "relabel" => FaultKind::Relabel,
            k if k.starts_with("slow=") => FaultKind::Slow(ms(&k[5..])?),
            k if k.starts_with("timeout=") => FaultKind::Timeout(ms(&k[8..])?),
            k => match k.parse::<u16>() {
                Ok(code) if (400..600).contains(&code) => FaultKind::Status(code),
                _ => return Err(err("unknown kind")),
            },
        };
        let rate = match parts.get(2) {
            Some(r) => r
                .parse::<f64>()
                .ok()
                .filter(|r| (0.0..=1.0).contains(r))
                .ok_or_else(|| err("rate must be between 0 and 1"))?,
            None => 1.0,
        };
        let attempts = match parts.get(3) {
            Some(a) => a
                .parse::<u32>()
                .map_err(|_| err("attempts must be a whole number"))?,
            None if kind.fails() => 1,
            None => u32::MAX,
        };
        Ok(FaultRule {
            class,
            kind,
            rate,
            attempts,
        })
    }

    /// Whether this rule hits `url` on its `attempt`-th request (1-based).
    pub fn applies(&self, class: Class, url: &str, attempt: u32) -> bool {
        (self.class == Class::All || self.class == class)
            && attempt <= self.attempts
            && selected(&format!("{:?}", self.kind), url, self.rate)
    }
}

/// A stable fraction in [0, 1) from the fault and the URL (each kind of
/// fault picks its own URLs).
fn selected(salt: &str, url: &str, rate: f64) -> bool {
    let d = Sha256::digest(format!("{salt} {url}").as_bytes());
    let n = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
    (f64::from(n) / f64::from(u32::MAX)) < rate
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", format!("{self:?}").to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs_and_explains_bad_ones() {
        let r = FaultRule::parse("detail:500:0.2:2").unwrap();
        assert_eq!(
            (r.class, r.kind, r.rate, r.attempts),
            (Class::Detail, FaultKind::Status(500), 0.2, 2)
        );
        assert_eq!(
            FaultRule::parse("all:slow=250").unwrap().kind,
            FaultKind::Slow(250)
        );
        assert_eq!(FaultRule::parse("all:reset").unwrap().attempts, 1);
        assert_eq!(
            FaultRule::parse("catalogue:controlchars").unwrap().attempts,
            u32::MAX
        );
        let e = FaultRule::parse("detail:explode").unwrap_err();
        assert!(
            e.to_string().contains("unknown kind") && e.to_string().contains("CLASS:KIND"),
            "{e}"
        );
        assert!(FaultRule::parse("detail:500:2").is_err());
        assert!(FaultRule::parse("nowhere:500").is_err());
    }

    #[test]
    fn selection_is_stable_and_near_the_rate() {
        let r = FaultRule::parse("all:500:0.3:1").unwrap();
        let hits = (0..2000)
            .filter(|i| r.applies(Class::Detail, &format!("/d/EC{i:04}"), 1))
            .count();
        assert!((450..750).contains(&hits), "{hits}");
        assert!(!r.applies(Class::Detail, "/d/EC0001", 2));
        let again = (0..2000)
            .filter(|i| r.applies(Class::Legacy, &format!("/d/EC{i:04}"), 1))
            .count();
        assert_eq!(hits, again);
    }
}
