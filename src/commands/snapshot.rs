//! `snapshot`: create, list, verify, restore, export, import, retain.

use crate::config::Config;
use crate::ops::snapshot::remote;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum SnapshotAction {
    /// Make a snapshot of the database now (and upload it when S3_BUCKET is set).
    Create,
    /// The snapshots in the data directory (or, with --remote, in the S3 bucket), oldest first.
    List {
        #[arg(long)]
        remote: bool,
    },
    /// Check a snapshot (size, SHA-256, SQLite integrity); exit 1 if damaged.
    Verify { id: String },
    /// Replace the database with a snapshot (atomic; the replaced file is kept);
    /// --remote fetches it from the S3 bucket first.
    Restore {
        id: String,
        #[arg(long)]
        remote: bool,
    },
    /// Upload to the S3 bucket every snapshot it lacks, then apply retention there.
    Upload,
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
    /// Delete snapshots beyond the configured daily and weekly ones (never the last good one),
    /// here and in the S3 bucket.
    Retain,
}

/// An audit record for something done from the command line.
pub fn cli_audit(cfg: &Config, event: &str, details: serde_json::Value) {
    let written = crate::store::local::LocalStore::for_config(cfg)
        .and_then(|local| local.audit(event, Some("cli"), None, "ok", &details));
    if let Err(e) = written {
        tracing::error!(error = %e, event, "audit_write_failed");
    }
}

/// Before the database file is swapped: no running service may be serving
/// it (its connections would stay on the old file) and no harvest may be
/// writing it. Holds the harvest lock until the swap is done.
fn nobody_else_uses(cfg: &Config) -> Result<crate::ops::lock::HarvestLock> {
    if let Some(pid) = crate::ops::lock::ServiceMarker::running(&cfg.data_dir) {
        anyhow::bail!(
            "a running service (pid {pid}) serves {}; stop it first (systemctl stop renec-harvester), then restore or import, then start it again; on an offline mirror, drop the bundle into {}/inbox/ instead and the service loads it itself",
            cfg.data_dir.display(),
            cfg.data_dir.display()
        );
    }
    crate::ops::lock::HarvestLock::acquire(&cfg.data_dir).context(
        "a harvest is writing this database; wait for it to end (or stop it), then restore",
    )
}

/// The S3 bucket, or an error saying how to configure one.
fn need_remote(cfg: &Config) -> Result<remote::Remote> {
    remote::Remote::from_config(cfg)?.context(
        "no S3 bucket is configured: set S3_BUCKET (backup.s3_bucket), AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, and S3_ENDPOINT for an S3-compatible store",
    )
}

fn print_backup(done: Option<remote::BackedUp>) {
    if let Some(b) = done {
        println!(
            "off-machine copy {}: {} uploaded{}, {} deleted by retention",
            b.target,
            b.uploaded.len(),
            if b.uploaded.is_empty() {
                String::new()
            } else {
                format!(" ({})", b.uploaded.join(", "))
            },
            b.deleted.len()
        );
    }
}

pub fn snapshot(cfg: &Config, action: SnapshotAction) -> Result<ExitCode> {
    use crate::ops::snapshot::Snapshots;
    let snaps = Snapshots::new(&cfg.data_dir);
    let db = cfg.sqlite_path();
    let show = |m: &crate::ops::snapshot::Manifest| {
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
            let store = super::existing_data(cfg)?;
            let m = snaps.create(&store)?;
            show(&m);
            print_backup(remote::back_up(cfg, &snaps)?);
        }
        SnapshotAction::List { remote: false } => {
            let all = snaps.list()?;
            if all.is_empty() {
                println!("no snapshots in {}", snaps.dir().display());
            }
            all.iter().for_each(show);
        }
        SnapshotAction::List { remote: true } => {
            let bucket = need_remote(cfg)?;
            let all = bucket.list()?;
            if all.is_empty() {
                println!("no snapshots in {}", bucket.describe());
            }
            all.iter().for_each(show);
        }
        SnapshotAction::Upload => {
            need_remote(cfg)?;
            print_backup(remote::back_up(cfg, &snaps)?);
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
        SnapshotAction::Restore { id, remote } => {
            let _quiet = nobody_else_uses(cfg)?;
            if remote {
                let bucket = need_remote(cfg)?;
                if snaps.verify(&id).is_err() {
                    let m = bucket.download(&snaps, &id)?;
                    println!(
                        "fetched {} ({:.1} MB) from {} into {}; it verifies",
                        m.id,
                        m.compressed_size as f64 / 1e6,
                        bucket.describe(),
                        snaps.dir().display()
                    );
                }
            }
            let (m, kept) = snaps.restore(&id, &db)?;
            cli_audit(
                cfg,
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
                    let store = super::existing_data(cfg)?;
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
            let _quiet = nobody_else_uses(cfg)?;
            let (m, kept) = snaps.load_bundle(&file, &db, force)?;
            cli_audit(
                cfg,
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
            print_backup(remote::back_up(cfg, &snaps)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}
