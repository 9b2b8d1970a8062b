//! Query parameters: decoded strictly (UTF-8, known names, no repeats), then
//! read with rules that say what is accepted.

use super::error::ApiError;
use crate::store::read::{Order, PageReq};
use std::collections::BTreeMap;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;
/// Parameters that may be given more than once (their values add up, as
/// if comma-separated).
const REPEATABLE: &[&str] = &["facet", "tipo"];

#[derive(Debug, Default)]
pub struct Params {
    values: BTreeMap<String, String>,
}

/// Percent-decodes one part of a query; refuses bytes that are not UTF-8.
fn decode(part: &str) -> Result<String, ()> {
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(&part.replace('+', " ")).collect();
    String::from_utf8(bytes).map_err(|_| ())
}

impl Params {
    /// Parses a raw query string, accepting only `allowed` names.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Params, ApiError> {
        Params::parse_groups(raw, &[allowed])
    }

    /// Parses a raw query string, accepting only the names of `groups`
    /// (a route's filters, its paging, …).
    pub fn parse_groups(raw: Option<&str>, groups: &[&[&str]]) -> Result<Params, ApiError> {
        let mut values = BTreeMap::new();
        for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode(k).map_err(|_| {
                ApiError::bad_parameter(
                    k,
                    "el nombre de un parámetro no es UTF-8 válido (codifique el texto como UTF-8 con porcentajes)",
                    "a parameter name is not valid UTF-8 (percent-encode text as UTF-8)",
                )
            })?;
            let value = decode(v).map_err(|_| {
                ApiError::bad_parameter(
                    &key,
                    format!("el valor de `{key}` no es UTF-8 válido (codifique el texto como UTF-8 con porcentajes)"),
                    format!(
                        "the value of `{key}` is not valid UTF-8 (percent-encode text as UTF-8)"
                    ),
                )
            })?;
            if !groups.iter().any(|g| g.contains(&key.as_str())) {
                let accepted: Vec<&str> = groups.iter().flat_map(|g| g.iter().copied()).collect();
                return Err(ApiError::bad_parameter(
                    &key,
                    format!(
                        "parámetro desconocido `{key}`; esta ruta acepta: {}",
                        accepted.join(", ")
                    ),
                    format!(
                        "unknown parameter `{key}`; this endpoint accepts: {}",
                        accepted.join(", ")
                    ),
                ));
            }
            if REPEATABLE.contains(&key.as_str()) {
                if let Some(v) = values.get_mut(&key) {
                    let v: &mut String = v;
                    v.push(',');
                    v.push_str(&value);
                    continue;
                }
            }
            if values.insert(key.clone(), value).is_some() {
                return Err(ApiError::bad_parameter(
                    &key,
                    format!("`{key}` aparece más de una vez"),
                    format!("`{key}` is given more than once"),
                ));
            }
        }
        Ok(Params { values })
    }

    /// The parameters in a canonical order (cache keys, next links).
    pub fn canonical(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.values.iter())
            .finish()
    }

    /// A free text: trimmed, and empty is the same as not given.
    pub fn text(&self, name: &str) -> Option<String> {
        self.values
            .get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// A value with a form (a number, a date, one of a list…): trimmed, and
    /// given empty it is refused, since nothing of that form is empty.
    pub fn typed(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.values.get(name).map(|v| v.trim()) {
            None => Ok(None),
            Some("") => Err(ApiError::bad_parameter(
                name,
                format!("`{name}` está vacío: dé un valor u omita el parámetro"),
                format!("`{name}` is empty: give a value or leave the parameter out"),
            )),
            Some(v) => Ok(Some(v.to_string())),
        }
    }

    pub fn int(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(v) = self.typed(name)? else {
            return Ok(None);
        };
        match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ApiError::bad_parameter(
                name,
                format!("`{name}` debe ser un número entero de {min} a {max}; se recibió {v:?}"),
                format!("`{name}` must be a whole number from {min} to {max}, got {v:?}"),
            )),
        }
    }

    pub fn boolean(&self, name: &str) -> Result<Option<bool>, ApiError> {
        let Some(v) = self.typed(name)? else {
            return Ok(None);
        };
        match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "si" | "sí" => Ok(Some(true)),
            "false" | "0" | "no" => Ok(Some(false)),
            _ => Err(ApiError::bad_parameter(
                name,
                format!("`{name}` debe ser true o false; se recibió {v:?}"),
                format!("`{name}` must be true or false, got {v:?}"),
            )),
        }
    }

    /// A comma-separated list of values from `allowed` (empty: not given).
    pub fn list(&self, name: &str, allowed: &[&str]) -> Result<Vec<String>, ApiError> {
        let Some(v) = self.typed(name)? else {
            return Ok(vec![]);
        };
        let mut out: Vec<String> = Vec::new();
        for item in v.split(',').map(str::trim) {
            if !allowed.contains(&item) {
                return Err(ApiError::bad_parameter(
                    name,
                    format!(
                        "`{name}` acepta uno o más de {} (separados por comas); se recibió {item:?}",
                        allowed.join(", ")
                    ),
                    format!(
                        "`{name}` takes one or more of {} (comma-separated), got {item:?}",
                        allowed.join(", ")
                    ),
                ));
            }
            if !out.iter().any(|o| o == item) {
                out.push(item.to_string());
            }
        }
        Ok(out)
    }

    pub fn one_of(&self, name: &str, allowed: &[&str]) -> Result<Option<String>, ApiError> {
        let Some(v) = self.typed(name)? else {
            return Ok(None);
        };
        if allowed.contains(&v.as_str()) {
            Ok(Some(v))
        } else {
            Err(ApiError::bad_parameter(
                name,
                format!(
                    "`{name}` debe ser uno de {}; se recibió {v:?}",
                    allowed.join(", ")
                ),
                format!("`{name}` must be one of {}, got {v:?}", allowed.join(", ")),
            ))
        }
    }

    /// `estado`: a two-digit INEGI code or a state's name.
    pub fn estado(&self) -> Result<Option<String>, ApiError> {
        self.state("estado")
    }

    /// A state parameter: a two-digit INEGI code or a state's name, as its code.
    pub fn state(&self, name: &str) -> Result<Option<String>, ApiError> {
        let Some(v) = self.typed(name)? else {
            return Ok(None);
        };
        if v.len() == 2 && crate::normalize::states::state_name(&v).is_some() {
            return Ok(Some(v));
        }
        crate::normalize::states::inegi_code(&v).map(|c| Some(c.to_string())).ok_or_else(|| {
            ApiError::bad_parameter(
                name,
                format!("`{name}` debe ser una clave INEGI de dos dígitos (01 a 32) o el nombre de una entidad federativa; se recibió {v:?}"),
                format!("`{name}` must be a two-digit INEGI code (01 to 32) or a state's name, got {v:?}"),
            )
        })
    }

    /// `sort`: one of `allowed`, with a leading `-` for descending order.
    pub fn sort<T: Copy>(&self, allowed: &[(&str, T)], default: T) -> Result<(T, Order), ApiError> {
        let Some(v) = self.typed("sort")? else {
            return Ok((default, Order::Asc));
        };
        let (name, order) = match v.strip_prefix('-') {
            Some(n) => (n, Order::Desc),
            None => (v.as_str(), Order::Asc),
        };
        allowed
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| (*t, order))
            .ok_or_else(|| {
                let names: Vec<String> =
                    allowed.iter().map(|(n, _)| format!("{n}, -{n}")).collect();
                ApiError::bad_parameter(
                    "sort",
                    format!(
                        "`sort` debe ser uno de {}; se recibió {v:?}",
                        names.join(", ")
                    ),
                    format!("`sort` must be one of {}, got {v:?}", names.join(", ")),
                )
            })
    }

    /// `limit` (default 50, at most 500) and `offset`, or a `cursor` from a
    /// `next` link (which wins over `offset`).
    pub fn page(&self) -> Result<PageReq, ApiError> {
        let limit = self
            .int("limit", 1, i64::from(MAX_LIMIT))?
            .map_or(DEFAULT_LIMIT, |n| n as u32);
        // A cursor says where its page starts: with one, `offset` is not read.
        let offset = match self.typed("cursor")? {
            Some(c) => decode_cursor(&c)?,
            None => self.int("offset", 0, MAX_OFFSET as i64)?.unwrap_or(0) as u64,
        };
        Ok(PageReq { limit, offset })
    }
}

/// The `cursor` of a `next` link: `o` and the number of items before the page.
/// The largest `offset` (and a cursor's).
const MAX_OFFSET: u64 = 10_000_000;

pub fn encode_cursor(offset: u64) -> String {
    format!("o{offset}")
}

fn decode_cursor(c: &str) -> Result<u64, ApiError> {
    c.strip_prefix('o')
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|n| *n <= MAX_OFFSET)
        .ok_or_else(|| {
            ApiError::bad_parameter(
                "cursor",
                "`cursor` no es uno que este servidor haya dado; use el enlace `next` de una respuesta anterior",
                "`cursor` is not one this server gave; use the `next` link of a previous answer",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_parsing() {
        let p = Params::parse(Some("q=traducci%C3%B3n&limit=10"), &["q", "limit"]).unwrap();
        assert_eq!(p.text("q").as_deref(), Some("traducción"));
        assert_eq!(
            p.page().unwrap(),
            PageReq {
                limit: 10,
                offset: 0
            }
        );
        let e = Params::parse(Some("color=rojo"), &["q"]).unwrap_err();
        assert_eq!(e.parameter.as_deref(), Some("color"));
        assert!(Params::parse(Some("q=%FF%FE"), &["q"]).is_err());
        assert!(Params::parse(Some("q=a&q=b"), &["q"]).is_err());
        let p = Params::parse(Some("limit=100000"), &["limit"]).unwrap();
        assert!(p.page().unwrap_err().message.en.contains("from 1 to 500"));
        assert!(p.page().unwrap_err().message.es.contains("de 1 a 500"));
    }

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        let c = encode_cursor(150);
        let p = Params::parse(Some(&format!("cursor={c}")), &["cursor"]).unwrap();
        assert_eq!(p.page().unwrap().offset, 150);
        let p = Params::parse(Some("cursor=zzz"), &["cursor"]).unwrap();
        assert_eq!(p.page().unwrap_err().parameter.as_deref(), Some("cursor"));
    }

    #[test]
    fn states_by_code_or_name() {
        let p = Params::parse(Some("estado=CDMX"), &["estado"]).unwrap();
        assert_eq!(p.estado().unwrap().as_deref(), Some("09"));
        let p = Params::parse(Some("estado=99"), &["estado"]).unwrap();
        assert!(p.estado().is_err());
    }
}
