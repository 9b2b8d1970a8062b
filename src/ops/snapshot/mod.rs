//! Snapshots: consistent copies of the database (`VACUUM INTO`, never a
//! file copy of a live database), zstd-compressed, with a manifest; verify,
//! atomic restore (keeping what it replaced), export and import of one
//! self-contained bundle for air-gapped mirrors, and retention.
//!
//! Files in `DATA_DIR/snapshots/`: `ID.sqlite3.zst` and `ID.json`; the
//! manifest is written last, so a snapshot without one is incomplete and
//! ignored (a crash never leaves a partial snapshot that looks whole).

mod bundle;
pub mod remote;

use crate::store::stats::Counts;
use crate::store::Store;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub id: String,
    pub created_at: String,
    pub schema_version: i64,
    pub binary_version: String,
    /// The published run the copy serves.
    pub run_id: Option<i64>,
    pub run_finished_at: Option<String>,
    pub counts: Counts,
    /// SHA-256 and size of the uncompressed database.
    pub sha256: String,
    pub size: u64,
    pub compressed_size: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(
        "the database has no published run yet: there is nothing worth a snapshot (harvest first)"
    )]
    NothingPublished,
    #[error("snapshot {0} does not exist (see `renec-harvester snapshot list`)")]
    NotFound(String),
    #[error("snapshot {id} is corrupt: {reason}")]
    Corrupt { id: String, reason: String },
    #[error("the bundle {file} is not a RENEC Harvester snapshot bundle: {reason}")]
    BadBundle { file: String, reason: String },
    #[error("the bundle holds run {bundle} (made {bundle_at}), older than the run {current} this database serves; use --force to load it anyway")]
    Older {
        bundle: i64,
        bundle_at: String,
        current: i64,
    },
    #[error("the bundle was written by schema version {found}, newer than this binary's {supported}; upgrade renec-harvester")]
    TooNew { found: i64, supported: i64 },
    #[error("off-machine copy: {0}")]
    Remote(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

type Result<T> = std::result::Result<T, SnapshotError>;

fn io<T>(context: impl Into<String>, r: std::io::Result<T>) -> Result<T> {
    r.map_err(|source| SnapshotError::Io {
        context: context.into(),
        source,
    })
}

/// The snapshots of one data directory.
pub struct Snapshots {
    dir: PathBuf,
}

fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let mut f = BufReader::new(io(format!("reading {}", path.display()), File::open(path))?);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = io("reading", f.read(&mut buf))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// How many copies of replaced databases a data directory keeps.
pub const KEEP_REPLACED: usize = 3;

/// Deletes all but the newest `keep` copies `NAME.replaced-…` in `dir`.
fn prune_replaced(dir: &Path, name: &str, keep: usize) {
    let prefix = format!("{name}.replaced-");
    let mut copies: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(&prefix))
                })
                .collect()
        })
        .unwrap_or_default();
    copies.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    let extra = copies.len().saturating_sub(keep);
    for old in copies.into_iter().take(extra) {
        let _ = std::fs::remove_file(old);
    }
}

fn fsync(path: &Path) -> Result<()> {
    io(
        format!("syncing {}", path.display()),
        File::open(path).and_then(|f| f.sync_all()),
    )
}

impl Snapshots {
    pub fn new(data_dir: &Path) -> Snapshots {
        Snapshots {
            dir: data_dir.join("snapshots"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn data_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.sqlite3.zst"))
    }

    fn manifest_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// A consistent copy of the database, compressed, with its manifest.
    pub fn create(&self, store: &Store) -> Result<Manifest> {
        io(
            "creating the snapshot directory",
            std::fs::create_dir_all(&self.dir),
        )?;
        let Some(published) = store.last_published_run()? else {
            return Err(SnapshotError::NothingPublished);
        };
        let now = chrono::Utc::now();
        let id = format!("{}-r{}", now.format("%Y%m%dT%H%M%S%.3fZ"), published);
        let raw = self.dir.join(format!(".{id}.sqlite3.tmp"));
        let _ = std::fs::remove_file(&raw);
        let result = store.copy_into(&raw).map_err(Into::into).and_then(|()| {
            self.seal(
                &id,
                &raw,
                now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            )
        });
        let _ = std::fs::remove_file(&raw);
        if result.is_err() {
            // A full disk or any other failure leaves nothing behind: no
            // temporary file and no data file without its manifest.
            for leftover in [
                self.dir.join(format!(".{id}.sqlite3.zst.tmp")),
                self.dir.join(format!(".{id}.json.tmp")),
                self.data_path(&id),
            ] {
                let _ = std::fs::remove_file(leftover);
            }
        }
        result
    }

    /// Compresses a database file into snapshot `id` and writes its manifest last.
    fn seal(&self, id: &str, raw: &Path, created_at: String) -> Result<Manifest> {
        let (sha256, size) = sha256_file(raw)?;
        let facts = crate::store::maintenance::file_facts(raw)?;
        let (run_id, run_finished_at, counts, schema_version) = (
            facts.published.as_ref().map(|r| r.0),
            facts.published.and_then(|r| r.1),
            facts.counts,
            facts.schema_version,
        );
        let tmp = self.dir.join(format!(".{id}.sqlite3.zst.tmp"));
        {
            let input = io("reading the copy", File::open(raw))?;
            let out = io(format!("writing {}", tmp.display()), File::create(&tmp))?;
            let mut enc = io("starting zstd", zstd::Encoder::new(BufWriter::new(out), 9))?;
            io(
                "compressing",
                std::io::copy(&mut BufReader::new(input), &mut enc),
            )?;
            let mut w = io("finishing zstd", enc.finish())?;
            io("flushing", w.flush())?;
        }
        fsync(&tmp)?;
        let compressed_size = io("sizing", std::fs::metadata(&tmp))?.len();
        io(
            "placing the snapshot",
            std::fs::rename(&tmp, self.data_path(id)),
        )?;
        let manifest = Manifest {
            id: id.to_string(),
            created_at,
            schema_version,
            binary_version: env!("CARGO_PKG_VERSION").to_string(),
            run_id,
            run_finished_at,
            counts,
            sha256,
            size,
            compressed_size,
        };
        let mtmp = self.dir.join(format!(".{id}.json.tmp"));
        io(
            "writing the manifest",
            std::fs::write(
                &mtmp,
                serde_json::to_vec_pretty(&manifest).expect("manifest serializes"),
            ),
        )?;
        fsync(&mtmp)?;
        io(
            "placing the manifest",
            std::fs::rename(&mtmp, self.manifest_path(id)),
        )?;
        Ok(manifest)
    }

    /// Complete snapshots (those with a manifest), oldest first.
    pub fn list(&self) -> Result<Vec<Manifest>> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('.') || !name.ends_with(".json") {
                continue;
            }
            let text = io("reading a manifest", std::fs::read_to_string(e.path()))?;
            if let Ok(m) = serde_json::from_str::<Manifest>(&text) {
                if self.data_path(&m.id).exists() {
                    out.push(m);
                }
            }
        }
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    pub fn manifest(&self, id: &str) -> Result<Manifest> {
        let text = std::fs::read_to_string(self.manifest_path(id))
            .map_err(|_| SnapshotError::NotFound(id.to_string()))?;
        serde_json::from_str(&text).map_err(|e| SnapshotError::Corrupt {
            id: id.into(),
            reason: format!("manifest unreadable: {e}"),
        })
    }

    /// Decompresses snapshot `id` to `to` and checks it: size, SHA-256 and SQLite's integrity check.
    fn unpack_checked(&self, id: &str, to: &Path) -> Result<Manifest> {
        let m = self.manifest(id)?;
        let corrupt = |reason: String| SnapshotError::Corrupt {
            id: id.to_string(),
            reason,
        };
        let input =
            File::open(self.data_path(id)).map_err(|_| SnapshotError::NotFound(id.to_string()))?;
        {
            let out = io(format!("writing {}", to.display()), File::create(to))?;
            let mut dec = zstd::Decoder::new(BufReader::new(input))
                .map_err(|e| corrupt(format!("not zstd: {e}")))?;
            let mut w = BufWriter::new(out);
            std::io::copy(&mut dec, &mut w)
                .map_err(|e| corrupt(format!("compressed data damaged or truncated: {e}")))?;
            io("flushing", w.flush())?;
        }
        let (sha, size) = sha256_file(to)?;
        if size != m.size || sha != m.sha256 {
            return Err(corrupt(format!(
                "content is {size} bytes with SHA-256 {sha}, the manifest says {} bytes with {}",
                m.size, m.sha256
            )));
        }
        let check = crate::store::maintenance::file_integrity(to)?;
        if check != "ok" {
            return Err(corrupt(format!("SQLite integrity check: {check}")));
        }
        Ok(m)
    }

    /// Detects any corruption or truncation of snapshot `id`.
    pub fn verify(&self, id: &str) -> Result<Manifest> {
        let tmp = self.dir.join(format!(".verify-{id}.tmp"));
        let r = self.unpack_checked(id, &tmp);
        let _ = std::fs::remove_file(&tmp);
        r
    }

    /// Replaces the database at `db` with snapshot `id`, atomically: the
    /// snapshot is unpacked and checked beside the database first, the
    /// current database is checkpointed and kept as `db.replaced-TIME`, then
    /// the new file is renamed over it. Returns the manifest and the kept copy.
    pub fn restore(&self, id: &str, db: &Path) -> Result<(Manifest, Option<PathBuf>)> {
        let dir = db
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        io("creating the data directory", std::fs::create_dir_all(dir))?;
        let staged = dir.join(".restore.sqlite3.tmp");
        let m = match self.unpack_checked(id, &staged) {
            Ok(m) => m,
            Err(e) => {
                let _ = std::fs::remove_file(&staged);
                return Err(e);
            }
        };
        if m.schema_version > crate::store::migrate::SCHEMA_VERSION {
            let _ = std::fs::remove_file(&staged);
            return Err(SnapshotError::TooNew {
                found: m.schema_version,
                supported: crate::store::migrate::SCHEMA_VERSION,
            });
        }
        if m.schema_version < crate::store::migrate::SCHEMA_VERSION {
            // A snapshot of an older version is brought to this one before it
            // is swapped in, so readers never see an old schema.
            if let Err(e) = Store::open(&staged) {
                let _ = std::fs::remove_file(&staged);
                return Err(e.into());
            }
        }
        fsync(&staged)?;
        let kept = if db.exists() {
            // Fold the WAL into the file so the kept copy is whole.
            crate::store::maintenance::checkpoint_file(db);
            let name = db
                .file_name()
                .map_or("renec.sqlite3".into(), |n| n.to_string_lossy().to_string());
            // Milliseconds and, if need be, a counter: two restores in the
            // same second never overwrite each other's kept copy.
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string();
            let mut kept = dir.join(format!("{name}.replaced-{stamp}"));
            let mut n = 1;
            while kept.exists() {
                kept = dir.join(format!("{name}.replaced-{stamp}-{n}"));
                n += 1;
            }
            if let Err(e) = std::fs::copy(db, &kept) {
                let _ = std::fs::remove_file(&kept);
                let _ = std::fs::remove_file(&staged);
                return Err(SnapshotError::Io {
                    context: "keeping the replaced database".into(),
                    source: e,
                });
            }
            prune_replaced(dir, &name, KEEP_REPLACED);
            Some(kept)
        } else {
            None
        };
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        io(
            "swapping in the restored database",
            std::fs::rename(&staged, db),
        )?;
        Ok((m, kept))
    }

    fn delete(&self, id: &str) {
        let _ = std::fs::remove_file(self.manifest_path(id));
        let _ = std::fs::remove_file(self.data_path(id));
    }

    /// Keeps the newest `daily` snapshots and the newest of each of the last
    /// `weekly` ISO weeks; deletes the rest, but never the last good one.
    /// Returns the ids deleted.
    pub fn retain(&self, daily: usize, weekly: usize) -> Result<Vec<String>> {
        let all = self.list()?;
        let mut keep = kept_by_retention(&all, daily, weekly);
        // Never delete the only good snapshot: when none of those kept
        // verifies, keep the newest one that does.
        if !keep.iter().any(|id| self.verify(id).is_ok()) {
            if let Some(good) = all
                .iter()
                .rev()
                .find(|m| !keep.contains(&m.id) && self.verify(&m.id).is_ok())
            {
                keep.insert(good.id.clone());
            }
        }
        let mut deleted = Vec::new();
        for m in all.iter().filter(|m| !keep.contains(&m.id)) {
            self.delete(&m.id);
            deleted.push(m.id.clone());
        }
        Ok(deleted)
    }
}

/// The retention rule, for the local folder and the remote copy alike: of
/// `all` (oldest first), the ids of the newest `daily` and of the newest of
/// each of the last `weekly` ISO weeks.
pub fn kept_by_retention(
    all: &[Manifest],
    daily: usize,
    weekly: usize,
) -> std::collections::BTreeSet<String> {
    use chrono::Datelike;
    let mut keep: std::collections::BTreeSet<String> =
        all.iter().rev().take(daily).map(|m| m.id.clone()).collect();
    let mut weeks = std::collections::BTreeSet::new();
    for m in all.iter().rev() {
        let Ok(t) = chrono::DateTime::parse_from_rfc3339(&m.created_at) else {
            continue;
        };
        let week = (t.iso_week().year(), t.iso_week().week());
        if weeks.len() < weekly && weeks.insert(week) {
            keep.insert(m.id.clone());
        }
    }
    keep
}

#[cfg(test)]
mod tests;
