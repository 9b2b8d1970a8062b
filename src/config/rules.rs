//! The rules of the configuration table: each turns an option's text into
//! its value or says what is accepted; and how each kind of value is shown.

use std::path::PathBuf;

pub(super) fn string(v: &str) -> Result<String, String> {
    Ok(v.trim().to_string())
}

pub(super) fn path(v: &str) -> Result<PathBuf, String> {
    if v.trim().is_empty() {
        return Err("must be a directory path".into());
    }
    Ok(PathBuf::from(v.trim()))
}

pub(super) fn opt_path(v: &str) -> Result<Option<PathBuf>, String> {
    Ok(Some(v.trim()).filter(|v| !v.is_empty()).map(PathBuf::from))
}

pub(super) fn list(v: &str) -> Result<Vec<String>, String> {
    Ok(v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect())
}

pub(super) fn database_url(v: &str) -> Result<String, String> {
    let v = v.trim();
    let lower = v.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        return match url::Url::parse(v) {
            Ok(u) if u.has_host() && u.path().len() > 1 => Ok(v.to_string()),
            _ => Err(
                "names PostgreSQL but is not a postgres://USER:PASSWORD@HOST:PORT/DATABASE URL"
                    .into(),
            ),
        };
    }
    let path = v.strip_prefix("sqlite://").unwrap_or(v);
    let sqlite_file = [".sqlite3", ".sqlite", ".db"]
        .iter()
        .any(|ext| path.to_ascii_lowercase().ends_with(ext));
    if v.is_empty()
        || (!path.contains("://") && sqlite_file)
        || (v.starts_with("sqlite://") && !path.is_empty())
    {
        Ok(v.to_string())
    } else {
        Err("must be empty (SQLite in the data directory), sqlite://PATH, a path ending in .sqlite3, .sqlite or .db, or postgres://USER:PASSWORD@HOST:PORT/DATABASE (PostgreSQL sync; SQLite stays in the data directory)".into())
    }
}

/// CORS origins: `*`, or origins such as `https://tablero.example.org` (scheme, host, optional port).
pub(super) fn origins(v: &str) -> Result<Vec<String>, String> {
    let items = list(v)?;
    for o in &items {
        let ok = o == "*"
            || url::Url::parse(o).is_ok_and(|u| {
                (u.scheme() == "http" || u.scheme() == "https")
                    && u.has_host()
                    && u.path() == "/"
                    && !o.ends_with('/')
                    && u.query().is_none()
            });
        if !ok {
            return Err(format!("{o:?} is not an origin: give * or origins such as https://tablero.example.org (scheme, host and optional port, no path), comma-separated"));
        }
    }
    Ok(items)
}

/// The variables of an environment file as systemd reads one: `KEY=VALUE`
/// lines, `#` and `;` comments, values optionally in single or double quotes.
pub(super) fn environment_file(text: &str) -> std::collections::BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let unquoted = ['"', '\'']
                .iter()
                .find_map(|q| v.strip_prefix(*q).and_then(|r| r.strip_suffix(*q)))
                .unwrap_or(v);
            (k.trim().to_string(), unquoted.to_string())
        })
        .collect()
}

pub(super) fn s3_bucket(v: &str) -> Result<String, String> {
    let v = v.trim();
    let ok = v.is_empty()
        || ((3..=63).contains(&v.len())
            && v.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            && v.as_bytes()[0].is_ascii_alphanumeric()
            && v.as_bytes()[v.len() - 1].is_ascii_alphanumeric());
    if ok {
        Ok(v.to_string())
    } else {
        Err("must be an S3 bucket name: 3 to 63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit (empty: no off-machine copies)".into())
    }
}

pub(super) fn s3_region(v: &str) -> Result<String, String> {
    let v = v.trim();
    if !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Ok(v.to_string())
    } else {
        Err("must be a region name such as us-east-1 or mx-central-1".into())
    }
}

pub(super) fn boolean(v: &str) -> Result<bool, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("must be true or false (also 1/0, yes/no, on/off)".into()),
    }
}

pub(super) fn int_range<T: TryFrom<u64>>(v: &str, min: u64, max: u64) -> Result<T, String> {
    let rule = || format!("must be a whole number between {min} and {max}");
    let n: u64 = v.trim().parse().map_err(|_| rule())?;
    if !(min..=max).contains(&n) {
        return Err(rule());
    }
    T::try_from(n).map_err(|_| rule())
}

pub(super) fn float_range(v: &str, min: f64, max: f64) -> Result<f64, String> {
    let rule = || format!("must be a number between {min} and {max}");
    let n: f64 = v.trim().parse().map_err(|_| rule())?;
    if !n.is_finite() || n < min || n > max {
        return Err(rule());
    }
    Ok(n)
}

pub(super) fn port(v: &str) -> Result<u16, String> {
    int_range(v, 0, 65535).map_err(|_| "must be a TCP port between 0 and 65535".to_string())
}

pub(super) fn host(v: &str) -> Result<String, String> {
    let v = v.trim();
    let bare = v.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>()
        .map(|_| bare.to_string())
        .map_err(|_| "must be an IP address to listen on, such as 127.0.0.1, 0.0.0.0 or ::".into())
}

pub(super) fn http_url(v: &str) -> Result<String, String> {
    let v = v.trim().trim_end_matches('/');
    match url::Url::parse(v) {
        Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host().is_some() => {
            Ok(v.to_string())
        }
        _ => Err("must be an http:// or https:// URL with a host".into()),
    }
}

pub(super) fn cron(v: &str) -> Result<String, String> {
    let v = v.trim();
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(v)
        .map(|_| v.to_string())
        .map_err(|e| format!("must be a cron expression with six fields, seconds first, such as \"0 0 7 * * Mon\" ({e})"))
}

pub(super) fn time_zone(v: &str) -> Result<String, String> {
    let v = v.trim();
    v.parse::<chrono_tz::Tz>()
        .map(|_| v.to_string())
        .map_err(|_| "must be an IANA time zone such as America/Mexico_City or UTC".to_string())
}

pub(super) fn opt_http_url(v: &str) -> Result<String, String> {
    if v.trim().is_empty() {
        Ok(String::new())
    } else {
        http_url(v)
    }
}

pub(super) fn log_level(v: &str) -> Result<String, String> {
    let l = v.trim().to_ascii_lowercase();
    ["error", "warn", "info", "debug", "trace"]
        .contains(&l.as_str())
        .then_some(l)
        .ok_or_else(|| "must be one of error, warn, info, debug, trace".into())
}

pub(super) trait ShowValue {
    fn show(&self) -> String;
}
impl ShowValue for String {
    fn show(&self) -> String {
        self.clone()
    }
}
impl ShowValue for PathBuf {
    fn show(&self) -> String {
        self.display().to_string()
    }
}
impl ShowValue for Option<PathBuf> {
    fn show(&self) -> String {
        self.as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }
}
impl ShowValue for Vec<String> {
    fn show(&self) -> String {
        self.join(",")
    }
}
macro_rules! show_display {
    ($($t:ty),*) => { $(impl ShowValue for $t { fn show(&self) -> String { self.to_string() } })* };
}
show_display!(u16, u32, u64, f64, bool);
