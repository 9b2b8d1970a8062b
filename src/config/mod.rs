//! The one configuration table: every option's TOML key, environment name,
//! default, rule and documentation stand together below. Environment beats
//! file, file beats default. No other module reads the environment.

mod rules;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One option of the table, as `config check` and the docs show it.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    pub key: &'static str,
    pub env: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
    pub secret: bool,
}

/// Where an option's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    File(PathBuf),
    Env(&'static str),
    /// A variable of one of the service's environment files.
    EnvFile(PathBuf, &'static str),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File(p) => write!(f, "file {}", p.display()),
            Origin::Env(e) => write!(f, "env {e}"),
            Origin::EnvFile(p, e) => write!(f, "{e} in {}", p.display()),
        }
    }
}

/// Where the packages install the configuration file.
pub const PACKAGED_FILE: &str = "/etc/renec-harvester/config.toml";

/// What the packaged configuration file sets (the rest stays at its default,
/// commented out): the service's data directory, and the environment files
/// the service reads, so that a command run from a shell acts as it does.
pub const PACKAGED_VALUES: &[(&str, &str)] = &[
    ("storage.data_dir", "/var/lib/renec-harvester"),
    (
        "service.environment_files",
        "/etc/default/renec-harvester,/etc/sysconfig/renec-harvester",
    ),
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("`{name}` {rule}, got {value:?}")]
    Invalid {
        name: String,
        value: String,
        rule: String,
    },
    #[error("unknown configuration key `{key}` in {file}; known keys: {known}")]
    UnknownKey {
        key: String,
        file: String,
        known: String,
    },
    #[error("cannot read configuration file {file}: {message}")]
    File { file: String, message: String },
}

macro_rules! config_table {
    ($( $(#[doc = $doc:literal])+ $field:ident : $ty:ty = $default:literal,
        key $key:literal, env $env:literal, rule $parse:expr, secret $secret:literal; )*) => {
        /// The effective configuration.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Config {
            $( $(#[doc = $doc])+ pub $field: $ty, )*
            /// Where each key's value came from.
            pub origins: BTreeMap<&'static str, Origin>,
        }

        pub const OPTIONS: &[OptionSpec] = &[
            $( OptionSpec { key: $key, env: $env, default: $default,
                            doc: concat!($($doc),+), secret: $secret }, )*
        ];

        impl Config {
            /// Built-in defaults only.
            pub fn defaults() -> Config {
                Config {
                    $( $field: ($parse)($default).expect(concat!("default of ", $key, " is valid")), )*
                    origins: OPTIONS.iter().map(|o| (o.key, Origin::Default)).collect(),
                }
            }

            fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
                match key {
                    $( $key => self.$field = ($parse)(value)?, )*
                    _ => unreachable!("keys are checked against OPTIONS first"),
                }
                Ok(())
            }

            /// The value of a key as text (unredacted).
            pub fn value_text(&self, key: &str) -> String {
                match key {
                    $( $key => ShowValue::show(&self.$field), )*
                    _ => String::new(),
                }
            }
        }
    };
}

config_table! {
    /// Database: `sqlite://PATH` or a path ending in .sqlite3, .sqlite or .db names the SQLite file
    /// (default: renec.sqlite3 in the data directory). A `postgres://USER:PASSWORD@HOST:PORT/DATABASE`
    /// URL (`sslmode` disable, prefer, require, verify-ca or verify-full; `sslrootcert` a PEM file)
    /// turns on PostgreSQL: every published run is synced there, and `serve --read-from postgres`
    /// nodes serve from it; the harvester's own SQLite stays in the data directory.
    database_url: String = "",
        key "storage.database_url", env "DATABASE_URL", rule database_url, secret true;
    /// Connections in the PostgreSQL pool (1 to 256).
    pool_size: u32 = "8",
        key "postgres.pool_size", env "DATABASE_POOL_SIZE", rule |v| int_range(v, 1, 256), secret false;
    /// Seconds to wait for a PostgreSQL connection (from the pool, or a new one) before failing (1 to 3600).
    pool_timeout_secs: u64 = "30",
        key "postgres.pool_timeout", env "DATABASE_POOL_TIMEOUT", rule |v| int_range(v, 1, 3600), secret false;
    /// Read nodes: seconds between checks of PostgreSQL for a newly synced run (1 to 3600).
    poll_secs: u64 = "2",
        key "postgres.poll_seconds", env "POSTGRES_POLL_SECONDS", rule |v| int_range(v, 1, 3600), secret false;
    /// Directory of the SQLite file and the snapshots.
    data_dir: PathBuf = "./data",
        key "storage.data_dir", env "RENEC_DATA_DIR", rule path, secret false;
    /// Address the API listens on.
    api_host: String = "127.0.0.1",
        key "api.host", env "API_HOST", rule host, secret false;
    /// Port the API listens on.
    api_port: u16 = "8000",
        key "api.port", env "API_PORT", rule port, secret false;
    /// Worker threads of the API server (1 to 64).
    api_workers: u32 = "2",
        key "api.workers", env "API_WORKERS", rule |v| int_range(v, 1, 64), secret false;
    /// Log level: error, warn, info, debug or trace.
    log_level: String = "info",
        key "api.log_level", env "API_LOG_LEVEL", rule log_level, secret false;
    /// The address readers use for this server (`https://renec.example.org`): absolute links in
    /// feeds and reports start with it. Empty: those links are relative. Never taken from a request.
    public_url: String = "",
        key "api.public_url", env "RENEC_PUBLIC_URL", rule opt_http_url, secret false;
    /// Origins allowed by CORS, comma-separated (empty: none).
    cors_origins: Vec<String> = "",
        key "api.cors_origins", env "CORS_ORIGINS", rule origins, secret false;
    /// Requests per second one client may make to the API (0: no limit); loopback clients are never limited.
    rate_limit_per_second: u32 = "50",
        key "api.rate_limit_per_second", env "API_RATE_LIMIT", rule |v| int_range(v, 0, 100000), secret false;
    /// Requests one client may make in a burst above the steady rate (1 to 100000).
    rate_limit_burst: u32 = "100",
        key "api.rate_limit_burst", env "API_RATE_LIMIT_BURST", rule |v| int_range(v, 1, 100000), secret false;
    /// Unknown or revoked API keys one address may present per minute (half of them at once); past
    /// that, no key from the address is checked for at least a minute (1 to 100000).
    failed_keys_per_minute: u32 = "10",
        key "api.failed_keys_per_minute", env "API_FAILED_KEYS_PER_MINUTE", rule |v| int_range(v, 1, 100000), secret false;
    /// Read endpoints need an API key too (a read key suffices); admin endpoints always need an admin key.
    require_key: bool = "false",
        key "api.require_key", env "API_REQUIRE_KEY", rule boolean, secret false;
    /// Audit records older than this many days are pruned (30 to 36500).
    retention_audit_days: u32 = "365",
        key "retention.audit_days", env "RENEC_RETENTION_AUDIT_DAYS", rule |v| int_range(v, 30, 36500), secret false;
    /// Rate-limit loopback clients too (they are exempt by default).
    rate_limit_loopback: bool = "false",
        key "api.rate_limit_loopback", env "API_RATE_LIMIT_LOOPBACK", rule boolean, secret false;
    /// /ready fails when the published data is older than this many hours (1 to 8760).
    ready_max_age_hours: u32 = "336",
        key "api.ready_max_age_hours", env "API_READY_MAX_AGE_HOURS", rule |v| int_range(v, 1, 8760), secret false;
    /// Megabytes of answers the in-memory response cache may hold (0 turns the cache off).
    cache_mb: u64 = "64",
        key "api.cache_mb", env "API_CACHE_MB", rule |v| int_range(v, 0, 65_536), secret false;
    /// Answer reads of the published run from an in-memory view built once per published run (off: every read goes to the database).
    memory_view: bool = "true",
        key "api.memory_view", env "API_MEMORY_VIEW", rule boolean, secret false;
    /// /metrics only for loopback clients, unless a token is set.
    metrics_loopback_only: bool = "false",
        key "metrics.loopback_only", env "PROMETHEUS_LOOPBACK_ONLY", rule boolean, secret false;
    /// Bearer token required by /metrics (empty: none).
    metrics_token: String = "",
        key "metrics.token", env "PROMETHEUS_TOKEN", rule string, secret true;
    /// Whether /metrics is served.
    prometheus_enabled: bool = "true",
        key "metrics.prometheus_enabled", env "PROMETHEUS_ENABLED", rule boolean, secret false;
    /// Base URL of the RENEC site.
    source_url: String = "https://conocer.gob.mx",
        key "source.url", env "RENEC_SOURCE_URL", rule http_url, secret false;
    /// A source registry file that replaces the built-in one (URL templates, fields, selectors).
    registry_file: Option<PathBuf> = "",
        key "source.registry_file", env "RENEC_REGISTRY_FILE", rule opt_path, secret false;
    /// Contact URL named in the User-Agent.
    contact_url: String = "https://github.com/renec-harvester/renec-harvester",
        key "crawl.contact_url", env "RENEC_CONTACT_URL", rule http_url, secret false;
    /// Requests in flight at once, over all hosts (1 to 64).
    concurrent_requests: u32 = "16",
        key "crawl.concurrent_requests", env "CONCURRENT_REQUESTS", rule |v| int_range(v, 1, 64), secret false;
    /// Requests in flight at once to one host (1 to 64).
    concurrent_requests_per_host: u32 = "8",
        key "crawl.concurrent_requests_per_host", env "CONCURRENT_REQUESTS_PER_DOMAIN", rule |v| int_range(v, 1, 64), secret false;
    /// Seconds between requests to one host (0 to 60), randomized 0.5–1.5× when jitter is on.
    download_delay: f64 = "0.5",
        key "crawl.download_delay", env "DOWNLOAD_DELAY", rule |v| float_range(v, 0.0, 60.0), secret false;
    /// Randomize the download delay between 0.5× and 1.5×.
    randomize_delay: bool = "true",
        key "crawl.randomize_delay", env "RANDOMIZE_DOWNLOAD_DELAY", rule boolean, secret false;
    /// Adapt the delay to the site's latency (Scrapy's AutoThrottle), and slow down on 429/503.
    autothrottle_enabled: bool = "true",
        key "crawl.autothrottle_enabled", env "AUTOTHROTTLE_ENABLED", rule boolean, secret false;
    /// Requests AutoThrottle aims to keep in flight per host (0.1 to 64).
    autothrottle_target_concurrency: f64 = "8",
        key "crawl.autothrottle_target_concurrency", env "AUTOTHROTTLE_TARGET_CONCURRENCY", rule |v| float_range(v, 0.1, 64.0), secret false;
    /// Largest delay AutoThrottle may reach, in seconds (1 to 600).
    autothrottle_max_delay: f64 = "60",
        key "crawl.autothrottle_max_delay", env "AUTOTHROTTLE_MAX_DELAY", rule |v| float_range(v, 1.0, 600.0), secret false;
    /// Obey robots.txt (user-agent groups, Allow/Disallow, Crawl-delay).
    robotstxt_obey: bool = "true",
        key "crawl.robotstxt_obey", env "ROBOTSTXT_OBEY", rule boolean, secret false;
    /// Seconds one request may take before it is retried (1 to 600).
    request_timeout: f64 = "30",
        key "crawl.request_timeout", env "RENEC_REQUEST_TIMEOUT", rule |v| float_range(v, 0.05, 600.0), secret false;
    /// Retries of one request after its first attempt (0 to 20).
    retry_times: u32 = "5",
        key "crawl.retry_times", env "RETRY_TIMES", rule |v| int_range(v, 0, 20), secret false;
    /// First retry waits this many seconds, doubling each time, with jitter (0 to 60).
    retry_backoff: f64 = "1",
        key "crawl.retry_backoff", env "RENEC_RETRY_BACKOFF", rule |v| float_range(v, 0.0, 60.0), secret false;
    /// Largest response body accepted, in bytes (1 KiB to 1 GiB).
    max_body_bytes: u64 = "52428800",
        key "crawl.max_body_bytes", env "RENEC_MAX_BODY_BYTES", rule |v| int_range(v, 1024, 1 << 30), secret false;
    /// Committee scan: stop after this many consecutive missing ids past the highest id ever seen (10 to 10000).
    committees_stop_after: u32 = "150",
        key "crawl.committees_stop_after", env "RENEC_COMMITTEES_STOP_AFTER", rule |v| int_range(v, 10, 10000), secret false;
    /// Committee scan: the same rule on a first run, when no highest id is remembered yet (10 to 10000).
    committees_first_run_stop_after: u32 = "300",
        key "crawl.committees_first_run_stop_after", env "RENEC_COMMITTEES_FIRST_RUN_STOP_AFTER", rule |v| int_range(v, 10, 10000), secret false;
    /// A run is published only when every source covers at least this fraction of what it reports (0 to 1).
    min_coverage: f64 = "0.99",
        key "quality.min_coverage", env "RENEC_MIN_COVERAGE", rule |v| float_range(v, 0.0, 1.0), secret false;
    /// A run is held when an entity count drops more than this fraction below the last published run (0 to 1).
    max_drop: f64 = "0.10",
        key "quality.max_drop", env "RENEC_MAX_DROP", rule |v| float_range(v, 0.0, 1.0), secret false;
    /// Snapshots kept by retention: the newest this many (1 to 1000).
    snapshot_keep_daily: u32 = "7",
        key "snapshots.keep_daily", env "RENEC_SNAPSHOT_KEEP_DAILY", rule |v| int_range(v, 1, 1000), secret false;
    /// Snapshots kept by retention: besides, the newest of each of this many recent weeks (0 to 520).
    snapshot_keep_weekly: u32 = "4",
        key "snapshots.keep_weekly", env "RENEC_SNAPSHOT_KEEP_WEEKLY", rule |v| int_range(v, 0, 520), secret false;
    /// Harvest events, data issues and page bodies of runs older than this many days are pruned (7 to 36500).
    retention_events_days: u32 = "365",
        key "retention.harvest_events_days", env "RENEC_RETENTION_EVENTS_DAYS", rule |v| int_range(v, 7, 36500), secret false;
    /// When the full harvest runs (cron with seconds first).
    schedule_harvest: String = "0 0 7 * * Mon",
        key "schedule.harvest", env "RENEC_SCHEDULE_HARVEST", rule cron, secret false;
    /// When the freshness probe runs (conditional requests to the catalogue and a sample of pages; a change starts a harvest).
    schedule_probe: String = "0 0 8 * * *",
        key "schedule.probe", env "RENEC_SCHEDULE_PROBE", rule cron, secret false;
    /// When the daily snapshot is made (then snapshot retention runs).
    schedule_snapshot: String = "0 30 3 * * *",
        key "schedule.snapshot", env "RENEC_SCHEDULE_SNAPSHOT", rule cron, secret false;
    /// When old events are pruned and the database is optimized.
    schedule_retention: String = "0 0 4 * * *",
        key "schedule.retention", env "RENEC_SCHEDULE_RETENTION", rule cron, secret false;
    /// How often an offline mirror looks for bundles in DATA_DIR/inbox/.
    schedule_inbox: String = "0 * * * * *",
        key "schedule.inbox", env "RENEC_SCHEDULE_INBOX", rule cron, secret false;
    /// Time zone of the schedules (IANA name).
    timezone: String = "America/Mexico_City",
        key "schedule.timezone", env "RENEC_TIMEZONE", rule time_zone, secret false;
    /// S3 bucket for off-machine copies of the snapshots: each snapshot is uploaded after it
    /// verifies and retention applies there too (empty: no off-machine copies).
    s3_bucket: String = "",
        key "backup.s3_bucket", env "S3_BUCKET", rule s3_bucket, secret false;
    /// Region of the bucket (signs the requests; picks the AWS endpoint when no endpoint is set).
    s3_region: String = "us-east-1",
        key "backup.s3_region", env "AWS_REGION", rule s3_region, secret false;
    /// Endpoint of an S3-compatible store (`https://minio.example.org:9000`), path-style; empty: AWS.
    s3_endpoint: String = "",
        key "backup.s3_endpoint", env "S3_ENDPOINT", rule opt_http_url, secret false;
    /// Folder (key prefix) of the snapshots in the bucket.
    s3_prefix: String = "renec-harvester/snapshots/",
        key "backup.s3_prefix", env "S3_PREFIX", rule string, secret false;
    /// Access key id for the bucket.
    aws_access_key_id: String = "",
        key "backup.aws_access_key_id", env "AWS_ACCESS_KEY_ID", rule string, secret false;
    /// Secret access key for the bucket.
    aws_secret_access_key: String = "",
        key "backup.aws_secret_access_key", env "AWS_SECRET_ACCESS_KEY", rule string, secret true;
    /// Snapshots larger than this many MiB are uploaded in parts of this size (5 to 512).
    s3_part_mb: u32 = "16",
        key "backup.s3_part_mb", env "S3_PART_MB", rule |v| int_range(v, 5, 512), secret false;
    /// A Slack-compatible webhook told about each run (published or held); empty: none.
    webhook_url: String = "",
        key "notify.webhook_url", env "RENEC_WEBHOOK_URL", rule opt_http_url, secret true;
    /// Files of `KEY=VALUE` lines (as systemd's EnvironmentFile= reads them) whose variables
    /// apply below the process's own environment; missing files are skipped. The packaged
    /// file names /etc/default and /etc/sysconfig, so a command run from a shell acts as the service does.
    environment_files: Vec<String> = "",
        key "service.environment_files", env "RENEC_ENVIRONMENT_FILES", rule list, secret false;
    /// Store person-level fields (committee presidents, contacts, personal e-mails).
    keep_person_fields: bool = "false",
        key "privacy.keep_person_fields", env "RENEC_KEEP_PERSON_FIELDS", rule boolean, secret false;
}

use rules::*;

// ---- loading -------------------------------------------------------------

/// Which file to read: `--config`, else `RENEC_CONFIG`, else
/// `./renec-harvester.toml`, else `/etc/renec-harvester/config.toml`, else none.
pub fn locate_file(cli: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(p) = cli {
        return Some(p.to_path_buf());
    }
    if let Some(p) = env("RENEC_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    ["./renec-harvester.toml", "/etc/renec-harvester/config.toml"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// Flattens a TOML document to `section.key` → value text.
fn flatten(prefix: &str, table: &toml::Table, out: &mut Vec<(String, String)>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => out.push((key, s.clone())),
            toml::Value::Array(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), String::from))
                    .collect();
                out.push((key, parts.join(",")));
            }
            other => out.push((key, other.to_string())),
        }
    }
}

impl Config {
    /// Reads the process environment and the located file.
    pub fn from_process(cli_file: Option<&Path>) -> Result<Config, ConfigError> {
        let env = |name: &str| std::env::var(name).ok();
        let file = locate_file(cli_file, &env);
        let text = match &file {
            Some(p) => Some(std::fs::read_to_string(p).map_err(|e| ConfigError::File {
                file: p.display().to_string(),
                message: e.to_string(),
            })?),
            None => None,
        };
        Config::build(file.as_deref().zip(text.as_deref()), &env)
    }

    /// Variables of the production guide that this product replaces, present
    /// in the environment: each with what to use instead (warned at start).
    pub fn replaced_variables() -> Vec<(String, &'static str)> {
        std::env::vars()
            .map(|(k, _)| k)
            .filter_map(|k| {
                let instead = if k.starts_with("REDIS_") {
                    "the built-in response cache (API_CACHE_MB)"
                } else if k == "SENTRY_DSN" {
                    "the JSON log on stdout (journald) and /metrics"
                } else if k == "GRAFANA_URL" {
                    "nothing here: Grafana reads /metrics through Prometheus"
                } else {
                    return None;
                };
                Some((k, instead))
            })
            .collect()
    }

    /// Defaults, then the file's text, then the environment. Pure: tests
    /// feed text and a map instead of touching the process.
    pub fn build(
        file: Option<(&Path, &str)>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut cfg = Config::defaults();
        if let Some((path, text)) = file {
            let shown = path.display().to_string();
            let table: toml::Table = toml::from_str(text).map_err(|e| ConfigError::File {
                file: shown.clone(),
                message: e.to_string(),
            })?;
            let mut pairs = Vec::new();
            flatten("", &table, &mut pairs);
            for (key, value) in pairs {
                let Some(spec) = OPTIONS.iter().find(|o| o.key == key) else {
                    return Err(ConfigError::UnknownKey {
                        key,
                        file: shown,
                        known: OPTIONS.iter().map(|o| o.key).collect::<Vec<_>>().join(", "),
                    });
                };
                cfg.apply(spec, &key, &value, Origin::File(path.to_path_buf()))?;
            }
        }
        let env_files = cfg.read_environment_files(env)?;
        for spec in OPTIONS {
            let from_file = if spec.secret {
                env(&format!("{}_FILE", spec.env))
            } else {
                None
            };
            let value = match (env(spec.env), from_file) {
                (Some(v), _) => Some(v),
                (None, Some(path)) => Some(
                    std::fs::read_to_string(&path)
                        .map_err(|e| ConfigError::File {
                            file: path.clone(),
                            message: e.to_string(),
                        })?
                        .trim()
                        .to_string(),
                ),
                (None, None) => None,
            };
            if let Some(v) = value {
                cfg.apply(spec, spec.env, &v, Origin::Env(spec.env))?;
            } else if let Some((path, v)) = env_files
                .iter()
                .find_map(|(path, vars)| vars.get(spec.env).map(|v| (path, v)))
            {
                cfg.apply(spec, spec.env, v, Origin::EnvFile(path.clone(), spec.env))?;
            }
        }
        cfg.check_relations()?;
        Ok(cfg)
    }

    /// The variables of each environment file named by the file or the
    /// process environment (a missing file is skipped, as systemd's `-` does).
    #[allow(clippy::type_complexity)]
    fn read_environment_files(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<(PathBuf, BTreeMap<String, String>)>, ConfigError> {
        let names = match env("RENEC_ENVIRONMENT_FILES") {
            Some(v) => rules::list(&v).unwrap_or_default(),
            None => self.environment_files.clone(),
        };
        let mut out = Vec::new();
        for name in names {
            let path = PathBuf::from(&name);
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(ConfigError::File {
                        file: name,
                        message: format!(
                            "{e} (the service reads it; run this command as the service's user or as root)"
                        ),
                    })
                }
            };
            out.push((path, rules::environment_file(&text)));
        }
        Ok(out)
    }

    fn apply(
        &mut self,
        spec: &OptionSpec,
        name: &str,
        value: &str,
        origin: Origin,
    ) -> Result<(), ConfigError> {
        self.set(spec.key, value)
            .map_err(|rule| ConfigError::Invalid {
                name: name.to_string(),
                value: if spec.secret {
                    "(redacted)".into()
                } else {
                    value.to_string()
                },
                rule,
            })?;
        self.origins.insert(spec.key, origin);
        Ok(())
    }

    fn check_relations(&self) -> Result<(), ConfigError> {
        if !self.s3_bucket.is_empty() {
            for (name, value) in [
                ("AWS_ACCESS_KEY_ID", &self.aws_access_key_id),
                ("AWS_SECRET_ACCESS_KEY", &self.aws_secret_access_key),
            ] {
                if value.is_empty() {
                    return Err(ConfigError::Invalid {
                        name: name.into(),
                        value: String::new(),
                        rule: format!(
                            "must be set when S3_BUCKET is ({:?}): the off-machine copies need credentials",
                            self.s3_bucket
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// The PostgreSQL server, when `DATABASE_URL` names one.
    pub fn postgres_url(&self) -> Option<&str> {
        let url = self.database_url.trim();
        let lower = url.to_ascii_lowercase();
        (lower.starts_with("postgres://") || lower.starts_with("postgresql://")).then_some(url)
    }

    /// The SQLite file: from `DATABASE_URL` when it names SQLite, else in the data directory.
    pub fn sqlite_path(&self) -> PathBuf {
        let url = self.database_url.trim();
        if let Some(p) = url.strip_prefix("sqlite://") {
            return PathBuf::from(p);
        }
        if !url.is_empty() && !url.contains("://") {
            return PathBuf::from(url);
        }
        self.data_dir.join("renec.sqlite3")
    }

    /// The honest User-Agent: product, version and contact URL.
    pub fn user_agent(&self) -> String {
        format!(
            "renec-harvester/{} (+{})",
            env!("CARGO_PKG_VERSION"),
            self.contact_url
        )
    }

    /// A value as it may be shown: secrets redacted (a URL keeps only its scheme, host and port).
    pub fn shown_value(&self, spec: &OptionSpec) -> String {
        let v = self.value_text(spec.key);
        if !spec.secret || v.is_empty() {
            return v;
        }
        // A URL keeps its scheme, host and port: its path, query and
        // credentials may all be the secret (a Slack hook's path is).
        match url::Url::parse(&v) {
            Ok(u) if u.has_host() => format!(
                "{}://{}{}/… (redacted)",
                u.scheme(),
                u.host_str().unwrap_or(""),
                u.port().map(|p| format!(":{p}")).unwrap_or_default()
            ),
            _ => "(redacted)".into(),
        }
    }

    /// An annotated configuration file with every option commented out at
    /// its default (`examples/config.toml` is this text; a test keeps them equal).
    pub fn example_toml() -> String {
        Config::annotated_toml(&[])
    }

    /// The configuration file the packages install at [`PACKAGED_FILE`]
    /// (`packaging/config.toml` is this text; a test keeps them equal).
    pub fn packaged_toml() -> String {
        Config::annotated_toml(PACKAGED_VALUES)
    }

    /// Every option at its default, commented out, except those of `set`.
    fn annotated_toml(set: &[(&str, &str)]) -> String {
        let mut out = String::from(
            "# RENEC Harvester configuration (/etc/renec-harvester/config.toml).\n\
             # Every option is shown at its default, commented out. Environment\n\
             # variables (named after each option) win over this file.\n\
             # `renec-harvester config check` prints the effective values.\n",
        );
        let mut sections: Vec<&str> = Vec::new();
        for o in OPTIONS {
            let sec = o.key.split_once('.').expect("keys are section.name").0;
            if !sections.contains(&sec) {
                sections.push(sec);
            }
        }
        let defaults = Config::defaults();
        for sec in sections {
            let _ = write!(out, "\n[{sec}]\n");
            for o in OPTIONS
                .iter()
                .filter(|o| o.key.split_once('.').is_some_and(|(s, _)| s == sec))
            {
                let name = o.key.split_once('.').expect("section.name").1;
                let value = match defaults.value_text(o.key) {
                    v if v == "true"
                        || v == "false"
                        || (!v.is_empty() && v.parse::<f64>().is_ok()) =>
                    {
                        v
                    }
                    v => format!("{v:?}"),
                };
                let secret = if o.secret {
                    format!("; a secret: {}_FILE may name a file holding it", o.env)
                } else {
                    String::new()
                };
                let _ = writeln!(out, "\n# {} (env {}{secret})", o.doc.trim(), o.env);
                match set.iter().find(|(k, _)| *k == o.key) {
                    Some((_, v)) => {
                        let _ = writeln!(out, "{name} = {v:?}");
                    }
                    None => {
                        let _ = writeln!(out, "#{name} = {value}");
                    }
                }
            }
        }
        out
    }

    /// The effective configuration, one `key = value` line each with its
    /// environment name and origin; secrets redacted.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        for spec in OPTIONS {
            let origin = &self.origins[spec.key];
            let _ = writeln!(
                out,
                "{} = {:?}    # {} ({origin})",
                spec.key,
                self.shown_value(spec),
                spec.env
            );
        }
        out
    }
}

#[cfg(test)]
mod tests;
