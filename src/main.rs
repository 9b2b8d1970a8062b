//! The command line: parse arguments, load the configuration, call the library.

use clap::{Parser, Subcommand};
use renec_harvester::commands::{
    self, apikey::ApikeyAction, demo::SiteArgs, snapshot::SnapshotAction,
};
use renec_harvester::config::Config;
use renec_harvester::registry::Registry;
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
        /// Serve and keep snapshots, but never harvest (no harvest or probe job).
        #[arg(long)]
        no_harvest: bool,
        /// Where reads come from: sqlite (this node's database) or postgres (a stateless
        /// read node over DATABASE_URL, which a harvester's node syncs; it never harvests).
        #[arg(long, default_value = "sqlite", value_parser = ["sqlite", "postgres"])]
        read_from: String,
    },
    /// Copy the published data elsewhere.
    Sync {
        #[command(subcommand)]
        target: SyncTarget,
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
    /// The RENEC site against the source registry.
    Source {
        #[command(subcommand)]
        action: SourceAction,
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

#[derive(Subcommand)]
enum SyncTarget {
    /// Bring PostgreSQL (DATABASE_URL) to the last published run, in one transaction:
    /// only what changed since the run it holds. Exit 0: synced or already current; 1: error.
    Postgres {
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum DbAction {
    /// Prune old events, optimize, analyze, vacuum when worthwhile, check integrity; sizes before and after.
    Maintain,
}

#[derive(Subcommand)]
enum SourceAction {
    /// Fetch robots.txt, the catalogue, a few committees, a few detail pages, the legacy hub
    /// and each listing's first page, politely, storing nothing; say per registry key what was
    /// found; exit 1 when something expected is missing, naming the key to edit.
    Check {
        /// Detail pages to try (default: three codes from the catalogue).
        #[arg(long, value_delimiter = ',')]
        codes: Vec<String>,
        /// Committee ids to try, from 1.
        #[arg(long, default_value_t = 5)]
        committees: u32,
    },
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Validate and print the effective configuration (secrets redacted).
    Check,
    /// Print an annotated configuration file with every option at its default.
    Example {
        /// The file the packages install at /etc/renec-harvester/config.toml instead
        /// (it sets the service's data directory and environment files).
        #[arg(long)]
        packaged: bool,
    },
}

fn main() -> ExitCode {
    commands::quiet_on_broken_pipe();
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
    commands::init_logging(&level);
    for (name, instead) in Config::replaced_variables() {
        tracing::warn!(variable = %name, "{name} is not used by this product; use {instead}");
    }
    let touches_data = !matches!(
        cli.command,
        Command::Config { .. }
            | Command::Testsite { .. }
            | Command::Demo { .. }
            | Command::Source { .. }
    );
    if touches_data {
        if let Err(e) = commands::owner::refuse_foreign_data_dir(&cfg) {
            eprintln!("error: {e:#}");
            return ExitCode::from(1);
        }
    }
    let result = match cli.command {
        Command::Harvest { no_progress, json } => {
            commands::harvest::run_harvest(&cfg, !no_progress && !json, json)
        }
        Command::Diff {
            from,
            to,
            format,
            ui_url,
        } => commands::diff::diff(&cfg, from, to, &format, ui_url).map(|_| ExitCode::SUCCESS),
        Command::Snapshot { action } => commands::snapshot::snapshot(&cfg, action),
        Command::Db {
            action: DbAction::Maintain,
        } => commands::db::db_maintain(&cfg),
        Command::Apikey { action } => commands::apikey::apikey(&cfg, action),
        Command::Stats { json } => commands::stats::stats(&cfg, json).map(|_| ExitCode::SUCCESS),
        Command::Config {
            action: ConfigAction::Example { packaged },
        } => {
            print!(
                "{}",
                if packaged {
                    Config::packaged_toml()
                } else {
                    Config::example_toml()
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Config {
            action: ConfigAction::Check,
        } => {
            print!("{}{}", commands::owner::summary(&cfg), cfg.dump());
            Registry::load(cfg.registry_file.as_deref())
                .map(|_| ExitCode::SUCCESS)
                .map_err(Into::into)
        }
        Command::Source {
            action: SourceAction::Check { codes, committees },
        } => commands::source::source_check(&cfg, &codes, committees),
        Command::Testsite { site, bind } => commands::demo::testsite(&site, bind),
        Command::Demo {
            site,
            data_dir,
            port,
            two_states,
        } => commands::demo::demo(cfg.clone(), &site, data_dir, port, two_states),
        Command::Serve {
            offline,
            no_harvest,
            read_from,
        } => commands::serve(
            &cfg,
            offline,
            no_harvest || read_from == "postgres",
            if read_from == "postgres" {
                renec_harvester::ops::service::ReadFrom::Postgres
            } else {
                renec_harvester::ops::service::ReadFrom::Sqlite
            },
            cli.config.clone(),
        ),
        Command::Sync {
            target: SyncTarget::Postgres { json },
        } => commands::sync::sync_postgres(&cfg, json),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            if let Some(note) = renec_harvester::ops::low_disk_note(&cfg.data_dir) {
                eprintln!("note: {note}");
            }
            ExitCode::from(1)
        }
    }
}
