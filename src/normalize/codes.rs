//! Standard codes: `EC0001`, `EC0217.01`, brand `ECM0001`, legacy NTCL
//! qualifications (`CADM0593.01`, `NUTUR006.01`, `UCNC00004`) and malformed
//! codes, which are kept and flagged rather than dropped.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeClass {
    /// `EC` + 4 digits, optional `.NN` version.
    Ec,
    /// `ECM` + digits: brand standards.
    Ecm,
    /// Historic NTCL qualification codes: 2–5 letters, digits, optional `.NN`.
    Legacy,
    /// Anything else that is not empty: kept as published and flagged.
    Malformed,
}

impl CodeClass {
    pub fn as_str(self) -> &'static str {
        match self {
            CodeClass::Ec => "ec",
            CodeClass::Ecm => "ecm",
            CodeClass::Legacy => "legacy",
            CodeClass::Malformed => "malformed",
        }
    }
}

/// A standard code, trimmed and classified. Only [`EcCode::parse`] builds one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EcCode(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("empty standard code (published as {0:?})")]
pub struct EmptyCode(pub String);

impl EcCode {
    /// Trims every kind of white space (codes are published with trailing
    /// spaces and no-break spaces); refuses only an empty code.
    pub fn parse(raw: &str) -> Result<EcCode, EmptyCode> {
        let code = super::clean(raw);
        if code.is_empty() {
            return Err(EmptyCode(raw.to_string()));
        }
        Ok(EcCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn class(&self) -> CodeClass {
        classify(&self.0)
    }
}

impl fmt::Display for EcCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn digits_then_version(s: &str, min: usize, max: usize) -> bool {
    let (num, version) = match s.split_once('.') {
        Some((n, v)) => (n, Some(v)),
        None => (s, None),
    };
    let num_ok = (min..=max).contains(&num.len()) && num.bytes().all(|b| b.is_ascii_digit());
    let version_ok = version.is_none_or(|v| v.len() == 2 && v.bytes().all(|b| b.is_ascii_digit()));
    num_ok && version_ok
}

pub fn classify(code: &str) -> CodeClass {
    if let Some(rest) = code.strip_prefix("ECM") {
        if digits_then_version(rest, 4, 4) {
            return CodeClass::Ecm;
        }
    }
    if let Some(rest) = code.strip_prefix("EC") {
        return if digits_then_version(rest, 4, 4) {
            CodeClass::Ec
        } else {
            CodeClass::Malformed
        };
    }
    let letters = code.bytes().take_while(|b| b.is_ascii_uppercase()).count();
    if (2..=5).contains(&letters) && digits_then_version(&code[letters..], 3, 5) {
        return CodeClass::Legacy;
    }
    CodeClass::Malformed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_stray_white_space() {
        assert_eq!(EcCode::parse("EC1571 ").unwrap().as_str(), "EC1571");
        assert_eq!(EcCode::parse("EC1681\u{a0}").unwrap().as_str(), "EC1681");
    }

    #[test]
    fn refuses_empty_codes() {
        assert!(EcCode::parse("").is_err());
        assert!(EcCode::parse(" ").is_err());
    }

    #[test]
    fn classifies_every_kind() {
        assert_eq!(classify("EC0001"), CodeClass::Ec);
        assert_eq!(classify("EC0217.01"), CodeClass::Ec);
        assert_eq!(classify("ECM0001"), CodeClass::Ecm);
        assert_eq!(classify("CADM0593.01"), CodeClass::Legacy);
        assert_eq!(classify("NUTUR006.01"), CodeClass::Legacy);
        assert_eq!(classify("UCNC00004"), CodeClass::Legacy);
        assert_eq!(classify("EC01618"), CodeClass::Malformed);
        assert_eq!(classify("xxEC0417xx"), CodeClass::Malformed);
        assert_eq!(classify("EC0217.1"), CodeClass::Malformed);
    }
}
