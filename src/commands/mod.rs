//! What each command of the binary does. `src/main.rs` only parses the
//! arguments and calls one function here per command; this is the binary's
//! edge, so errors are `anyhow` with context for the person at the terminal.

pub mod apikey;
pub mod db;
pub mod demo;
pub mod diff;
pub mod harvest;
pub mod owner;
pub mod snapshot;
pub mod source;
pub mod stats;
pub mod sync;

use anyhow::{Context, Result};
use std::io::IsTerminal;
use std::process::ExitCode;

/// The data database of `cfg`, which must exist (read commands).
pub fn existing_data(cfg: &crate::config::Config) -> Result<crate::store::Store> {
    let path = cfg.sqlite_path();
    crate::store::Store::open_existing(&path).with_context(|| {
        if path.exists() {
            format!("cannot open the database {}", path.display())
        } else {
            format!(
                "no database at {} (run `renec-harvester harvest` first, or set RENEC_DATA_DIR)",
                path.display()
            )
        }
    })
}

/// `serve`: the API, the UI and the scheduler on API_HOST:API_PORT.
pub fn serve(
    cfg: &crate::config::Config,
    offline: bool,
    no_harvest: bool,
    read_from: crate::ops::service::ReadFrom,
    config_file: Option<std::path::PathBuf>,
) -> Result<ExitCode> {
    let ip: std::net::IpAddr = cfg
        .api_host
        .parse()
        .with_context(|| format!("API_HOST {:?} is not an IP address", cfg.api_host))?;
    let registry = crate::registry::Registry::load(cfg.registry_file.as_deref())?;
    let read_node = read_from == crate::ops::service::ReadFrom::Postgres;
    if read_node && offline {
        anyhow::bail!("--read-from postgres and --offline do not go together: an offline mirror serves its own SQLite");
    }
    // A read node runs no scheduler: it harvests nothing and keeps no
    // snapshots (the harvester's node and PostgreSQL's backups do).
    let daemon = (!read_node).then(|| {
        crate::ops::daemon::DaemonState::with_modes(cfg.clone(), registry, offline, no_harvest)
    });
    crate::ops::service::serve(
        cfg,
        std::net::SocketAddr::new(ip, cfg.api_port),
        daemon,
        |url| println!("serving {url}"),
        Box::new(move || crate::config::Config::from_process(config_file.as_deref())),
        read_from,
    )
}

/// The product's own events at `level`; dependencies (the HTML parser,
/// hyper, the scheduler…) only at warn, so debug stays readable.
fn log_filter(level: &str) -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::new(format!("warn,renec_harvester={level}"))
}

type SetLevel = Box<dyn Fn(&str) -> Result<(), String> + Send + Sync>;
static SET_LEVEL: std::sync::OnceLock<SetLevel> = std::sync::OnceLock::new();

/// Logs to stderr: text on a terminal, JSON lines otherwise (journald).
pub fn init_logging(level: &str) {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(log_filter(level))
        .with_writer(std::io::stderr);
    if std::io::stderr().is_terminal() {
        let builder = builder.with_target(false).with_filter_reloading();
        let handle = builder.reload_handle();
        let _ = SET_LEVEL.set(Box::new(move |l| {
            handle.reload(log_filter(l)).map_err(|e| e.to_string())
        }));
        builder.init();
    } else {
        let builder = builder.json().flatten_event(true).with_filter_reloading();
        let handle = builder.reload_handle();
        let _ = SET_LEVEL.set(Box::new(move |l| {
            handle.reload(log_filter(l)).map_err(|e| e.to_string())
        }));
        builder.init();
    }
}

/// Changes the log level of a running process (SIGHUP reloads).
pub fn set_log_level(level: &str) -> Result<(), String> {
    match SET_LEVEL.get() {
        Some(set) => set(level),
        None => Err("logging is not initialised".into()),
    }
}

/// `renec-harvester stats | head` closes the pipe early: printing then
/// fails with "Broken pipe", which is not an error of the command. Such a
/// failure ends the process quietly with exit 0; any other panic is
/// reported as usual.
pub fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.contains("failed printing to stdout") && text.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
