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
    // The product's own events at `level`; dependencies (the HTML parser,
    // hyper, the scheduler…) only at warn, so debug stays readable.
    let filter = tracing_subscriber::EnvFilter::new(format!("warn,renec_harvester={level}"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::io::stderr().is_terminal() {
        builder.with_target(false).init();
    } else {
        builder.json().flatten_event(true).init();
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
