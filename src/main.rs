//! The command line: parse arguments, load the configuration, call the library.

/// musl's allocator is several times slower on allocation-heavy handlers.
#[cfg(target_env = "musl")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use renec_harvester::config::Config;
use renec_harvester::harvest::{self, Report};
use renec_harvester::registry::Registry;
use renec_harvester::store::Store;
use renec_harvester::testsite::{corpus::Corpus, faults::FaultRule, generate, TestSite};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "renec-harvester",
    version,
    about = "A faithful, current, queryable mirror of Mexico's RENEC (CONOCER)"
)]
struct Cli {
    /// Configuration file (else RENEC_CONFIG, ./renec-harvester.toml, /etc/renec-harvester/config.toml).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Log level (error, warn, info, debug, trace); overrides API_LOG_LEVEL.
    #[arg(long, global = true)]
    log_level: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one harvest. Exit code 0: published; 2: held by the quality checks; 1: error.
    Harvest {
        /// No progress bar even on a terminal.
        #[arg(long)]
        no_progress: bool,
        /// Print the run report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Run as a service: the JSON API and the embedded UI (API_HOST:API_PORT) and the
    /// scheduler (weekly harvest, daily probe and snapshot, nightly retention).
    Serve {
        /// Air-gapped mirror: never crawl; load bundles dropped into DATA_DIR/inbox/.
        #[arg(long)]
        offline: bool,
    },
    /// What changed between two runs (default: the last two published runs).
    Diff {
        /// The older run.
        #[arg(long)]
        from: Option<i64>,
        /// The newer run.
        #[arg(long)]
        to: Option<i64>,
        /// md (a report for people, in Spanish) or json.
        #[arg(long, default_value = "md", value_parser = ["md", "json"])]
        format: String,
        /// Base URL of the UI that codes in the report link to (default: http://API_HOST:API_PORT).
        #[arg(long)]
        ui_url: Option<String>,
    },
    /// Snapshots: consistent, compressed, verified copies of the database.
    Snapshot {
        #[command(subcommand)]
        action: SnapshotAction,
    },
    /// API keys for the admin endpoints (and for reads with api.require_key).
    Apikey {
        #[command(subcommand)]
        action: ApikeyAction,
    },
    /// Database upkeep.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Current counts of the published data.
    Stats {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Configuration commands.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Serve a test double of the RENEC site on 127.0.0.1 (for tests, demos and benchmarks).
    Testsite {
        #[command(flatten)]
        site: SiteArgs,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8088")]
        bind: SocketAddr,
    },
    /// Start a generated test site, harvest it into a data directory and say where the data is. Needs no network.
    Demo {
        #[command(flatten)]
        site: SiteArgs,
        /// Where to keep the data (default: a new directory under the system's temporary directory).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Port of the UI and API on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Harvest twice: the site, then a second state of it (standards added, retired and
        /// retitled, certifiers respelled…), so that the Cambios page and the diffs have something to show.
        #[arg(long)]
        two_states: bool,
    },
}

#[derive(clap::Args)]
struct SiteArgs {
    /// Serve a captured corpus (getEstandaresAll.json, comites.json, detalles.json) from this folder.
    #[arg(long, conflicts_with = "scale")]
    corpus: Option<PathBuf>,
    /// Serve generated data: 100 × N standards.
    #[arg(long)]
    scale: Option<u32>,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 2025)]
    seed: u64,
    /// Inject a fault: CLASS:KIND[:RATE[:ATTEMPTS]], e.g. detail:500:0.2:2 (repeatable).
    #[arg(long = "fault")]
    faults: Vec<String>,
}

#[derive(Subcommand)]
enum SnapshotAction {
    /// Make a snapshot of the database now.
    Create,
    /// The snapshots in the data directory, oldest first.
    List,
    /// Check a snapshot (size, SHA-256, SQLite integrity); exit 1 if damaged.
    Verify { id: String },
    /// Replace the database with a snapshot (atomic; the replaced file is kept).
    Restore { id: String },
    /// Write one self-contained bundle of a snapshot (default: a new one) for an air-gapped mirror.
    Export {
        file: PathBuf,
        #[arg(long)]
        id: Option<String>,
    },
    /// Verify and load a bundle; refuses one older than the data served unless --force.
    Import {
        file: PathBuf,
        #[arg(long)]
        force: bool,
    },
    /// Delete snapshots beyond the configured daily and weekly ones (never the last good one).
    Retain,
}

#[derive(Subcommand)]
enum ApikeyAction {
    /// Create a key; its secret is printed once and stored only hashed.
    Create {
        name: String,
        #[arg(long, value_parser = ["admin", "read"])]
        role: String,
    },
    /// The keys, without their secrets.
    List,
    /// Revoke a key by name.
    Revoke { name: String },
}

#[derive(Subcommand)]
enum DbAction {
    /// Prune old events, optimize, analyze, vacuum when worthwhile, check integrity; sizes before and after.
    Maintain,
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Validate and print the effective configuration (secrets redacted).
    Check,
    /// Print an annotated configuration file with every option at its default.
    Example,
}

impl SiteArgs {
    fn corpus(&self) -> Result<Corpus> {
        match &self.corpus {
            Some(dir) => Corpus::load(dir)
                .with_context(|| format!("loading the corpus in {}", dir.display())),
            None => Ok(generate::generate(self.scale.unwrap_or(1), self.seed)),
        }
    }

    fn faults(&self) -> Result<Vec<FaultRule>> {
        self.faults
            .iter()
            .map(|f| FaultRule::parse(f).map_err(Into::into))
            .collect()
    }
}

fn init_logging(level: &str) {
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

fn print_report(report: &Report) {
    let s = &report.summary;
    println!("run {} {}", report.run_id, report.status.to_uppercase());
    for reason in &report.reasons {
        println!("  held because: {reason}");
    }
    println!(
        "requests: {} ({} retries, {} not modified, {} from checkpoint, {} failed pages) in {:.1} s",
        s.requests,
        s.retries,
        s.not_modified,
        s.from_checkpoint,
        s.failed_pages,
        s.duration_ms as f64 / 1000.0
    );
    let statuses: Vec<String> = s
        .by_status
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    println!("by status: {}", statuses.join(", "));
    println!("coverage:");
    for (source, c) in &report.coverage {
        println!(
            "  {source:<16} {:>7.2}%  ({} of {})",
            c.ratio() * 100.0,
            c.covered,
            c.expected
        );
    }
    println!("items:");
    for (name, n) in report.counts.entries() {
        println!("  {name:<26} {n}");
    }
    if !report.issues.is_empty() {
        println!("data issues (kept and reported):");
        for (problem, n) in &report.issues {
            println!("  {n:>5}  {problem}");
        }
    }
}

fn run_harvest(cfg: &Config, progress: bool, json: bool) -> Result<ExitCode> {
    let registry = Registry::load(cfg.registry_file.as_deref())?;
    let _lock = renec_harvester::ops::lock::HarvestLock::acquire(&cfg.data_dir)?;
    let mut store = Store::open(&cfg.sqlite_path())?;
    let report = harvest::run(cfg, &registry, &mut store, progress)?;
    let webhook =
        renec_harvester::ops::notify::after_run(&cfg.webhook_url, &cfg.sqlite_path(), &report);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    if let Some(handle) = webhook {
        // The run is recorded; give the message a moment to go out.
        let _ = handle.join();
    }
    Ok(if report.published() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn stats(cfg: &Config, json: bool) -> Result<()> {
    let path = cfg.sqlite_path();
    let store = Store::open_existing(&path).with_context(|| {
        format!(
            "no database at {} (run `renec-harvester harvest` first, or set RENEC_DATA_DIR)",
            path.display()
        )
    })?;
    let counts = store.current_counts()?;
    let last = store.last_run()?;
    let mut value = serde_json::to_value(&counts)?;
    value["last_run"] = serde_json::to_value(&last)?;
    value["published_run"] = serde_json::to_value(store.last_published_run()?)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        for (name, n) in counts.entries() {
            println!("{name:<26} {n}");
        }
        match last {
            Some(r) => println!(
                "last run: {} {} (started {}, finished {})",
                r.id,
                r.status,
                r.started_at,
                r.finished_at.unwrap_or_default()
            ),
            None => println!("no run yet"),
        }
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
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
fn serve(
    cfg: &Config,
    addr: SocketAddr,
    daemon: Option<std::sync::Arc<renec_harvester::ops::daemon::DaemonState>>,
    announce: impl FnOnce(&str),
) -> Result<ExitCode> {
    use renec_harvester::ops::daemon::Scheduler;
    use std::time::Duration;
    Store::open(&cfg.sqlite_path())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cfg.api_workers as usize)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} (API_HOST, API_PORT)"))?;
        let local = listener.local_addr()?;
        let mut state = renec_harvester::api::AppState::from_config(cfg);
        if let Some(d) = &daemon {
            state = state.with_daemon(d.clone());
        }
        let state = std::sync::Arc::new(state);
        if let Some(d) = &daemon {
            let s = state.clone();
            d.set_on_replaced(Box::new(move || s.notice_replaced_database()));
        }
        let scheduler = match &daemon {
            Some(d) => Some(
                Scheduler::start(d.clone())
                    .await
                    .map_err(anyhow::Error::msg)?,
            ),
            None => None,
        };
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
        let server = renec_harvester::api::serve(state, listener, async move {
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
            for _ in 0..300 {
                if !d.harvest_running() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        if let Some(s) = scheduler {
            s.shutdown().await;
        }
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

fn diff(
    cfg: &Config,
    from: Option<i64>,
    to: Option<i64>,
    format: &str,
    ui_url: Option<String>,
) -> Result<()> {
    let path = cfg.sqlite_path();
    let store = Store::open_existing(&path).with_context(|| {
        format!(
            "no database at {} (run `renec-harvester harvest` first, or set RENEC_DATA_DIR)",
            path.display()
        )
    })?;
    let published: Vec<i64> = store
        .published_runs()?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    let to = match to {
        Some(t) => t,
        None => *published
            .last()
            .context("no published run yet: nothing to compare")?,
    };
    let from = match from {
        Some(f) => f,
        None => *published
            .iter()
            .rev()
            .find(|r| **r < to)
            .with_context(|| format!("no published run before run {to}: give --from RUN"))?,
    };
    for run in [from, to] {
        store.run(run)?.with_context(|| {
            format!("there is no run {run} (see `renec-harvester stats` or /api/v1/runs)")
        })?;
    }
    let doc = store.diff_runs(from, to)?;
    if format == "json" {
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        let ui = ui_url
            .or_else(|| (!cfg.public_url.is_empty()).then(|| cfg.public_url.clone()))
            .unwrap_or_else(|| format!("http://{}:{}", cfg.api_host, cfg.api_port));
        print!("{}", renec_harvester::changes::markdown(&doc, &ui));
    }
    Ok(())
}

/// An audit record for something done from the command line.
fn cli_audit(db: &std::path::Path, event: &str, details: serde_json::Value) {
    if let Ok(store) = Store::open(db) {
        if let Err(e) = store.audit(event, Some("cli"), None, "ok", &details) {
            tracing::error!(error = %e, event, "audit_write_failed");
        }
    }
}

fn snapshot(cfg: &Config, action: SnapshotAction) -> Result<ExitCode> {
    use renec_harvester::ops::snapshot::Snapshots;
    let snaps = Snapshots::new(&cfg.data_dir);
    let db = cfg.sqlite_path();
    let show = |m: &renec_harvester::ops::snapshot::Manifest| {
        println!(
            "{}  run {}  {} standards in force  {:.1} MB ({:.1} MB compressed)  sha256 {}",
            m.id,
            m.run_id.map_or("-".into(), |r| r.to_string()),
            m.counts.estandares_vigentes,
            m.size as f64 / 1e6,
            m.compressed_size as f64 / 1e6,
            &m.sha256[..16]
        )
    };
    match action {
        SnapshotAction::Create => {
            let store = Store::open_existing(&db)
                .with_context(|| format!("no database at {}", db.display()))?;
            let m = snaps.create(&store)?;
            show(&m);
        }
        SnapshotAction::List => {
            let all = snaps.list()?;
            if all.is_empty() {
                println!("no snapshots in {}", snaps.dir().display());
            }
            all.iter().for_each(show);
        }
        SnapshotAction::Verify { id } => match snaps.verify(&id) {
            Ok(m) => {
                print!("ok  ");
                show(&m);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(1));
            }
        },
        SnapshotAction::Restore { id } => {
            let (m, kept) = snaps.restore(&id, &db)?;
            cli_audit(
                &db,
                "snapshot_restore",
                serde_json::json!({"id": m.id, "run": m.run_id}),
            );
            println!(
                "restored {} (run {}) into {}",
                m.id,
                m.run_id.unwrap_or(0),
                db.display()
            );
            if let Some(k) = kept {
                println!("the replaced database is kept as {}", k.display());
            }
        }
        SnapshotAction::Export { file, id } => {
            let id = match id {
                Some(id) => id,
                None => {
                    let store = Store::open_existing(&db)
                        .with_context(|| format!("no database at {}", db.display()))?;
                    snaps.create(&store)?.id
                }
            };
            let m = snaps.export(&id, &file)?;
            println!(
                "wrote {} (snapshot {}, run {})",
                file.display(),
                m.id,
                m.run_id.unwrap_or(0)
            );
        }
        SnapshotAction::Import { file, force } => {
            let current = if db.exists() {
                Store::open(&db)?.last_published_run()?
            } else {
                None
            };
            let m = snaps.import(&file, current, force)?;
            let (_, kept) = snaps.restore(&m.id, &db)?;
            renec_harvester::ops::snapshot::Snapshots::mark_served(&db, &m)?;
            cli_audit(
                &db,
                "snapshot_import",
                serde_json::json!({"id": m.id, "run": m.run_id, "file": file.display().to_string(), "forced": force}),
            );
            println!(
                "imported {} (run {}, made {}) into {}",
                m.id,
                m.run_id.unwrap_or(0),
                m.created_at,
                db.display()
            );
            if let Some(k) = kept {
                println!("the replaced database is kept as {}", k.display());
            }
        }
        SnapshotAction::Retain => {
            let deleted = snaps.retain(
                cfg.snapshot_keep_daily as usize,
                cfg.snapshot_keep_weekly as usize,
            )?;
            println!(
                "deleted {} snapshots; {} kept",
                deleted.len(),
                snaps.list()?.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn apikey(cfg: &Config, action: ApikeyAction) -> Result<ExitCode> {
    use renec_harvester::store::keys;
    let store = Store::open(&cfg.sqlite_path())?;
    let c = &store;
    match action {
        ApikeyAction::Create { name, role } => {
            let role = keys::Role::parse(&role).context("--role must be admin or read")?;
            let secret = c
                .create_key(&name, role)
                .with_context(|| format!("cannot create the key {name:?} (names are unique)"))?;
            c.audit(
                "apikey_create",
                Some("cli"),
                None,
                "ok",
                &serde_json::json!({"name": name, "role": role.as_str()}),
            )?;
            println!("{secret}");
            eprintln!("this is the only time the key is shown; use it as `Authorization: Bearer {secret}`");
        }
        ApikeyAction::List => {
            for k in c.list_keys()? {
                println!(
                    "{:<20} {:<6} rh_{}_…  created {}  {}{}",
                    k.name,
                    k.role.as_str(),
                    k.prefix,
                    k.created_at,
                    k.revoked_at
                        .map_or(String::new(), |r| format!("REVOKED {r}  ")),
                    k.last_used_at
                        .map_or("never used".into(), |u| format!("last used {u}"))
                );
            }
        }
        ApikeyAction::Revoke { name } => {
            if !c.revoke_key(&name)? {
                anyhow::bail!(
                    "there is no active key named {name:?} (see `renec-harvester apikey list`)"
                );
            }
            c.audit(
                "apikey_revoke",
                Some("cli"),
                None,
                "ok",
                &serde_json::json!({"name": name}),
            )?;
            println!("revoked {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn db_maintain(cfg: &Config) -> Result<ExitCode> {
    let db = cfg.sqlite_path();
    let store =
        Store::open_existing(&db).with_context(|| format!("no database at {}", db.display()))?;
    let r = renec_harvester::ops::maintain::maintain(&store, cfg.retention_events_days)?;
    println!(
        "size {:.1} MB -> {:.1} MB; vacuumed: {}; pruned {} events, {} data issues, {} page bodies; integrity: {}",
        r.size_before as f64 / 1e6,
        r.size_after as f64 / 1e6,
        r.vacuumed,
        r.pruned_events,
        r.pruned_issues,
        r.pruned_bodies,
        r.integrity
    );
    Ok(if r.integrity == "ok" {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn demo(
    cfg: Config,
    site: &SiteArgs,
    data_dir: Option<PathBuf>,
    port: u16,
    two_states: bool,
) -> Result<ExitCode> {
    let corpus = site.corpus()?;
    let second = two_states.then(|| renec_harvester::testsite::evolve::evolve(&corpus).0);
    let testsite = TestSite::start(corpus, site.faults()?, "127.0.0.1:0".parse()?)?;
    let data_dir = match data_dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("renec-demo-{}", std::process::id())),
    };
    // The test site is on this machine: no delay between requests is needed.
    let cfg = Config {
        data_dir: data_dir.clone(),
        database_url: String::new(),
        source_url: testsite.base_url(),
        download_delay: 0.0,
        request_timeout: 10.0,
        retry_backoff: 0.2,
        ..cfg
    };
    println!(
        "test site of the RENEC on {} (generated data, no network needed)",
        testsite.base_url()
    );
    let mut code = run_harvest(&cfg, true, false)?;
    if let Some(next) = second {
        println!();
        println!("the test site now serves a second state of the registry; harvesting again");
        testsite.replace_corpus(next);
        code = run_harvest(&cfg, true, false)?;
    }
    println!();
    println!("data: {}", cfg.sqlite_path().display());
    println!(
        "try:  RENEC_DATA_DIR={} renec-harvester stats",
        data_dir.display()
    );
    println!("the UI and the API of these data (Ctrl-C to stop):");
    serve(
        &cfg,
        SocketAddr::from(([127, 0, 0, 1], port)),
        None,
        |url| {
            println!("{url}");
            let _ = std::io::Write::flush(&mut std::io::stdout());
        },
    )?;
    Ok(code)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let cfg = match Config::from_process(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let level = cli
        .log_level
        .clone()
        .unwrap_or_else(|| cfg.log_level.clone());
    init_logging(&level);
    let result = match cli.command {
        Command::Harvest { no_progress, json } => run_harvest(&cfg, !no_progress && !json, json),
        Command::Diff {
            from,
            to,
            format,
            ui_url,
        } => diff(&cfg, from, to, &format, ui_url).map(|_| ExitCode::SUCCESS),
        Command::Snapshot { action } => snapshot(&cfg, action),
        Command::Db {
            action: DbAction::Maintain,
        } => db_maintain(&cfg),
        Command::Apikey { action } => apikey(&cfg, action),
        Command::Stats { json } => stats(&cfg, json).map(|_| ExitCode::SUCCESS),
        Command::Config {
            action: ConfigAction::Example,
        } => {
            print!("{}", Config::example_toml());
            Ok(ExitCode::SUCCESS)
        }
        Command::Config {
            action: ConfigAction::Check,
        } => {
            print!("{}", cfg.dump());
            Registry::load(cfg.registry_file.as_deref())
                .map(|_| ExitCode::SUCCESS)
                .map_err(Into::into)
        }
        Command::Testsite { site, bind } => (|| {
            let testsite = TestSite::start(site.corpus()?, site.faults()?, bind)?;
            println!(
                "RENEC test site on {} (Ctrl-C to stop)",
                testsite.base_url()
            );
            loop {
                std::thread::park();
            }
        })(),
        Command::Demo {
            site,
            data_dir,
            port,
            two_states,
        } => demo(cfg, &site, data_dir, port, two_states),
        Command::Serve { offline } => (|| {
            let ip: std::net::IpAddr = cfg
                .api_host
                .parse()
                .with_context(|| format!("API_HOST {:?} is not an IP address", cfg.api_host))?;
            let registry = Registry::load(cfg.registry_file.as_deref())?;
            let daemon =
                renec_harvester::ops::daemon::DaemonState::new(cfg.clone(), registry, offline);
            serve(
                &cfg,
                SocketAddr::new(ip, cfg.api_port),
                Some(daemon),
                |url| println!("serving {url}"),
            )
        })(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
