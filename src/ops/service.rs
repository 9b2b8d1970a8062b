//! The service's lifecycle: runtime, listener, scheduler, systemd
//! readiness and watchdog, signals and a graceful stop.

use crate::config::Config;
use crate::store::Store;
use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::process::ExitCode;

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutdown_requested");
}

/// Serves the API and UI on `addr` until Ctrl-C or SIGTERM; `announce` gets
/// the URL. With a daemon, the scheduler runs too, systemd is notified
/// (`READY=1`, watchdog pings while the database answers) and a running
/// harvest is stopped at a checkpoint before exit.
/// Reads the configuration again (SIGHUP).
pub type Reload = Box<dyn Fn() -> Result<Config, crate::config::ConfigError> + Send + Sync>;

/// SIGHUP: reads the configuration again; applies what can change without a
/// restart (the log level) and names every other changed key as needing one.
/// A configuration that does not load is refused and the running one kept.
pub fn reload(running: &Config, reload: &Reload) {
    let new = match reload() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "configuration_reload_refused: the running configuration stays");
            return;
        }
    };
    let changed: Vec<&str> = crate::config::OPTIONS
        .iter()
        .map(|o| o.key)
        .filter(|k| running.value_text(k) != new.value_text(k))
        .collect();
    let mut applied = Vec::new();
    let mut needs_restart = Vec::new();
    for key in &changed {
        if *key == "api.log_level" {
            match crate::commands::set_log_level(&new.log_level) {
                Ok(()) => applied.push(*key),
                Err(e) => tracing::error!(error = %e, "log_level_not_applied"),
            }
        } else {
            needs_restart.push(*key);
        }
    }
    if needs_restart.is_empty() {
        tracing::info!(applied = ?applied, "configuration_reloaded: applied {applied:?}; nothing else changed");
    } else {
        tracing::warn!(
            applied = ?applied,
            needs_restart = ?needs_restart,
            "configuration_reloaded: applied {applied:?}; restart the service (systemctl restart renec-harvester) to apply {needs_restart:?}"
        );
    }
}

/// Where a node's reads come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// The SQLite database of the data directory (the harvester's node).
    Sqlite,
    /// PostgreSQL, as last synced (a stateless read node; never harvests).
    Postgres,
}

pub fn serve(
    cfg: &Config,
    addr: SocketAddr,
    daemon: Option<std::sync::Arc<crate::ops::daemon::DaemonState>>,
    announce: impl FnOnce(&str),
    reloader: Reload,
    read_from: ReadFrom,
) -> Result<ExitCode> {
    use crate::ops::scheduler::Scheduler;
    use std::time::Duration;
    if read_from == ReadFrom::Postgres {
        if cfg!(not(feature = "postgres")) {
            anyhow::bail!("this build has no PostgreSQL support (cargo feature `postgres`)");
        }
        if cfg.postgres_url().is_none() {
            anyhow::bail!(
                "--read-from postgres needs DATABASE_URL (storage.database_url) to name the server: postgres://USER:PASSWORD@HOST:PORT/DATABASE"
            );
        }
    } else {
        Store::open(&cfg.sqlite_path())?;
    }
    // While it runs, `snapshot restore` and `import` refuse to swap the file.
    let _marker = crate::ops::lock::ServiceMarker::claim(&cfg.data_dir)
        .with_context(|| format!("cannot write {}/serve.pid", cfg.data_dir.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cfg.api_workers as usize)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} (API_HOST, API_PORT)"))?;
        let local = listener.local_addr()?;
        let mut state = crate::api::AppState::from_config(cfg);
        if let Some(d) = &daemon {
            state = state.with_daemon(d.clone());
        }
        #[cfg(feature = "postgres")]
        let read_node = link_postgres(cfg, &mut state, daemon.as_ref(), read_from).await?;
        let state = std::sync::Arc::new(state);
        #[cfg(feature = "postgres")]
        if let Some(node) = read_node {
            let s = state.clone();
            node.spawn(
                state.sqlite_reader(),
                std::sync::Arc::new(move || s.notice_switched_database()),
            );
        }
        // The in-memory view of the published run is built at start, in the
        // background (the database answers until it is ready).
        {
            let s = state.clone();
            tokio::spawn(async move {
                let _ = s.current_run().await;
            });
        }
        if let Some(d) = &daemon {
            let s = state.clone();
            d.set_on_replaced(Box::new(move || s.notice_replaced_database()));
        }
        let scheduler = match &daemon {
            Some(d) => Some(
                Scheduler::start(d.clone())
                    .await
                    .context("starting the scheduler")?,
            ),
            None => None,
        };
        // SIGHUP is handled before readiness is announced: a reload sent
        // right after "ready" must reload, not kill the service.
        #[cfg(unix)]
        {
            let running = cfg.clone();
            let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
                .context("installing the SIGHUP handler")?;
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    tracing::info!("sighup_received");
                    reload(&running, &reloader);
                }
            });
        }
        #[cfg(not(unix))]
        drop(reloader);
        tracing::info!(address = %local, "api_listening");
        announce(&format!("http://{local}/"));
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);
        if let Some(interval) = sd_notify::watchdog_enabled() {
            let s = state.clone();
            tokio::spawn(async move {
                let every = interval / 2;
                loop {
                    tokio::time::sleep(every).await;
                    // Only a database that answers keeps the watchdog fed.
                    if s.read(|r| r.published_run()).await.is_ok() {
                        let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
                    }
                }
            });
        }
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let d2 = daemon.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
            if let Some(d) = &d2 {
                if d.stop_harvest() {
                    tracing::info!("harvest_stopping_at_checkpoint");
                }
            }
            let _ = stop_tx.send(());
        });
        // In-flight requests get a deadline once the stop is asked for.
        let stopping = std::sync::Arc::new(tokio::sync::Notify::new());
        let notify = stopping.clone();
        let server = crate::api::serve(state, listener, async move {
            let _ = stop_rx.await;
            notify.notify_one();
        });
        tokio::select! {
            _ = server => {}
            _ = async {
                stopping.notified().await;
                tokio::time::sleep(Duration::from_secs(10)).await;
            } => tracing::warn!("in-flight requests did not finish within 10 s; stopping anyway"),
        }
        if let Some(d) = &daemon {
            // Let a stopping harvest reach its checkpoint (it resumes on the next start).
            if !d.harvest_idle(Duration::from_secs(30)).await {
                tracing::warn!(
                    "the harvest did not reach a checkpoint within 30 s; stopping anyway"
                );
            }
        }
        if let Some(s) = scheduler {
            s.shutdown().await;
        }
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// PostgreSQL for this node: the sync after every publish (a harvester's
/// node with a `postgres://` DATABASE_URL), or a read node's first load.
/// Returns the read node, whose polling starts once the state is shared.
#[cfg(feature = "postgres")]
async fn link_postgres(
    cfg: &Config,
    state: &mut crate::api::AppState,
    daemon: Option<&std::sync::Arc<crate::ops::daemon::DaemonState>>,
    read_from: ReadFrom,
) -> Result<Option<std::sync::Arc<crate::ops::postgres::ReadNode>>> {
    use crate::ops::postgres::{connect, PgLink, ReadNode, SyncTask};
    let Some(pg) = connect(cfg)? else {
        return Ok(None);
    };
    if read_from == ReadFrom::Postgres {
        let node = ReadNode::new(pg, cfg);
        let reader = state.sqlite_reader();
        let first = node
            .initial_file()
            .with_context(|| format!("cannot write in {}", cfg.data_dir.display()))?;
        state.serve_file(&first);
        // The first load before the node says it is listening, when
        // PostgreSQL answers; else it serves what it kept and keeps trying.
        if let Err(e) = node.check(&reader).await {
            tracing::warn!(error = %e, "read_node_first_load_failed: serving what this node kept, trying again");
        }
        state.pg = Some(PgLink::Read(node.clone()));
        return Ok(Some(node));
    }
    let task = SyncTask::new(pg, cfg);
    if let Some(d) = daemon {
        let t = task.clone();
        d.set_on_published(Box::new(move || t.wake()));
    }
    task.spawn();
    state.pg = Some(PgLink::Sync(task));
    Ok(None)
}
