//! What each command of the binary does. `src/main.rs` only parses the
//! arguments and calls one function here per command; this is the binary's
//! edge, so errors are `anyhow` with context for the person at the terminal.

pub mod apikey;
pub mod db;
pub mod demo;
pub mod diff;
pub mod harvest;
pub mod snapshot;
pub mod stats;

use anyhow::{Context, Result};
use std::io::IsTerminal;
use std::process::ExitCode;

/// `serve`: the API, the UI and the scheduler on API_HOST:API_PORT.
pub fn serve(cfg: &crate::config::Config, offline: bool) -> Result<ExitCode> {
    let ip: std::net::IpAddr = cfg
        .api_host
        .parse()
        .with_context(|| format!("API_HOST {:?} is not an IP address", cfg.api_host))?;
    let registry = crate::registry::Registry::load(cfg.registry_file.as_deref())?;
    let daemon = crate::ops::daemon::DaemonState::new(cfg.clone(), registry, offline);
    crate::ops::service::serve(
        cfg,
        std::net::SocketAddr::new(ip, cfg.api_port),
        Some(daemon),
        |url| println!("serving {url}"),
    )
}

pub fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::new(format!(
        "{level},tokio_cron_scheduler=warn,ureq=warn,rustls=warn"
    ));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::io::stderr().is_terminal() {
        builder.with_target(false).init();
    } else {
        builder.json().flatten_event(true).init();
    }
}
