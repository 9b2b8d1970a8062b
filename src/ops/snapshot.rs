//! Snapshots: consistent copies of the database (`VACUUM INTO`, never a
//! file copy of a live database), zstd-compressed, with a manifest; verify,
//! atomic restore (keeping what it replaced), export and import of one
//! self-contained bundle for air-gapped mirrors, and retention.
//!
//! Files in `DATA_DIR/snapshots/`: `ID.sqlite3.zst` and `ID.json`; the
//! manifest is written last, so a snapshot without one is incomplete and
//! ignored (a crash never leaves a partial snapshot that looks whole).

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
        store.copy_into(&raw)?;
        let result = self.seal(
            &id,
            &raw,
            now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        );
        let _ = std::fs::remove_file(&raw);
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

    /// Verifies a bundle, keeps it as a snapshot and swaps it in as the
    /// database at `db`, marked as the bundle served: what `snapshot import`
    /// and an offline mirror's inbox both do. Refuses a bundle older than
    /// the data served unless `force`. Returns its manifest and the kept copy
    /// of the replaced database.
    pub fn load_bundle(
        &self,
        file: &Path,
        db: &Path,
        force: bool,
    ) -> Result<(Manifest, Option<PathBuf>)> {
        let current = if db.exists() {
            Store::open(db)?.last_published_run()?
        } else {
            None
        };
        let m = self.import(file, current, force)?;
        let (_, kept) = self.restore(&m.id, db)?;
        Snapshots::mark_served(db, &m)?;
        Ok((m, kept))
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
            let kept = dir.join(format!(
                "{}.replaced-{}",
                db.file_name()
                    .map_or("renec.sqlite3".into(), |n| n.to_string_lossy().to_string()),
                chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
            ));
            io("keeping the replaced database", std::fs::copy(db, &kept))?;
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

    /// Records in the restored database which bundle it serves (shown by the UI and `/api/v1/stats`).
    pub fn mark_served(db: &Path, m: &Manifest) -> Result<()> {
        let store = Store::open(db)?;
        let v = serde_json::json!({"id": m.id, "created_at": m.created_at, "run_id": m.run_id})
            .to_string();
        store.set_state("served_bundle", &v)?;
        Ok(())
    }

    /// Writes one self-contained bundle (a tar of the manifest and the compressed database).
    pub fn export(&self, id: &str, file: &Path) -> Result<Manifest> {
        let m = self.verify(id)?;
        let tmp = file.with_extension("partial");
        {
            let out = io(format!("writing {}", tmp.display()), File::create(&tmp))?;
            let mut tar = tar::Builder::new(BufWriter::new(out));
            io(
                "bundling the manifest",
                tar.append_path_with_name(self.manifest_path(id), "manifest.json"),
            )?;
            io(
                "bundling the database",
                tar.append_path_with_name(self.data_path(id), "renec.sqlite3.zst"),
            )?;
            let mut w = io("finishing the bundle", tar.into_inner())?;
            io("flushing", w.flush())?;
        }
        fsync(&tmp)?;
        io("placing the bundle", std::fs::rename(&tmp, file))?;
        Ok(m)
    }

    /// Reads a bundle into this data directory's snapshots (verified), refusing
    /// one older than `current_run` unless `force`; returns its manifest.
    pub fn import(&self, file: &Path, current_run: Option<i64>, force: bool) -> Result<Manifest> {
        let bad = |reason: String| SnapshotError::BadBundle {
            file: file.display().to_string(),
            reason,
        };
        let f = File::open(file).map_err(|e| bad(e.to_string()))?;
        io(
            "creating the snapshot directory",
            std::fs::create_dir_all(&self.dir),
        )?;
        let staging = self.dir.join(".import.tmp");
        let _ = std::fs::remove_dir_all(&staging);
        io("staging", std::fs::create_dir_all(&staging))?;
        let mut archive = tar::Archive::new(BufReader::new(f));
        let mut seen = Vec::new();
        for entry in archive.entries().map_err(|e| bad(e.to_string()))? {
            let mut entry = entry.map_err(|e| bad(e.to_string()))?;
            let name = entry
                .path()
                .map_err(|e| bad(e.to_string()))?
                .to_string_lossy()
                .to_string();
            if name != "manifest.json" && name != "renec.sqlite3.zst" {
                return Err(bad(format!("unexpected member {name:?}")));
            }
            io("unpacking", entry.unpack(staging.join(&name)))?;
            seen.push(name);
        }
        if seen.len() != 2 {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(bad(
                "it must hold manifest.json and renec.sqlite3.zst".into()
            ));
        }
        let m: Manifest = serde_json::from_slice(&io(
            "reading the manifest",
            std::fs::read(staging.join("manifest.json")),
        )?)
        .map_err(|e| bad(format!("manifest unreadable: {e}")))?;
        if let (Some(current), Some(bundle)) = (current_run, m.run_id) {
            if bundle < current && !force {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(SnapshotError::Older {
                    bundle,
                    bundle_at: m.created_at.clone(),
                    current,
                });
            }
        }
        io(
            "placing the data",
            std::fs::rename(staging.join("renec.sqlite3.zst"), self.data_path(&m.id)),
        )?;
        io(
            "placing the manifest",
            std::fs::rename(staging.join("manifest.json"), self.manifest_path(&m.id)),
        )?;
        let _ = std::fs::remove_dir_all(&staging);
        self.verify(&m.id).inspect_err(|_| self.delete(&m.id))
    }

    fn delete(&self, id: &str) {
        let _ = std::fs::remove_file(self.manifest_path(id));
        let _ = std::fs::remove_file(self.data_path(id));
    }

    /// Keeps the newest `daily` snapshots and the newest of each of the last
    /// `weekly` ISO weeks; deletes the rest, but never the last good one.
    /// Returns the ids deleted.
    pub fn retain(&self, daily: usize, weekly: usize) -> Result<Vec<String>> {
        use chrono::Datelike;
        let all = self.list()?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_data(dir: &Path) -> Store {
        let store = Store::open(&dir.join("renec.sqlite3")).unwrap();
        store.conn.execute("INSERT INTO runs (id, status, started_at, finished_at, binary_version, source_url) VALUES (1, 'published', 'x', '2026-01-01T00:00:00Z', 'x', 'x')", []).unwrap();
        store.conn.execute("INSERT INTO sectores (id, nombre, first_seen_run, last_seen_run) VALUES ('a', 'Agua', 1, 1)", []).unwrap();
        store
    }

    #[test]
    fn create_verify_corrupt_and_restore() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_data(dir.path());
        let snaps = Snapshots::new(dir.path());
        let m = snaps.create(&store).unwrap();
        assert_eq!(m.run_id, Some(1));
        assert_eq!(m.counts.sectores, 1);
        assert_eq!(snaps.list().unwrap(), vec![m.clone()]);
        snaps.verify(&m.id).unwrap();

        // Change the live database, then restore the snapshot over it.
        store.conn.execute("DELETE FROM sectores", []).unwrap();
        drop(store);
        let db = dir.path().join("renec.sqlite3");
        let (_, kept) = snaps.restore(&m.id, &db).unwrap();
        assert!(kept.unwrap().exists());
        let back = Store::open(&db).unwrap();
        assert_eq!(back.current_counts().unwrap().sectores, 1);

        // One flipped byte is caught.
        let path = snaps.data_path(&m.id);
        let mut bytes = std::fs::read(&path).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x55;
        std::fs::write(&path, &bytes).unwrap();
        let err = snaps.verify(&m.id).unwrap_err().to_string();
        assert!(err.contains("corrupt"), "{err}");
        // A truncated one too.
        std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
        assert!(snaps.verify(&m.id).is_err());
        // And a failed restore leaves the database untouched.
        assert!(snaps.restore(&m.id, &db).is_err());
        assert_eq!(
            Store::open(&db).unwrap().current_counts().unwrap().sectores,
            1
        );
    }

    #[test]
    fn a_snapshot_of_an_older_schema_is_migrated_when_restored() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_data(dir.path());
        // Back to schema version 2 (before certifier types and states).
        crate::store::migrate::back_to(&store.conn, 2).unwrap();
        let snaps = Snapshots::new(dir.path());
        let m = snaps.create(&store).unwrap();
        assert_eq!(m.schema_version, 2);
        let db = dir.path().join("restored.sqlite3");
        snaps.restore(&m.id, &db).unwrap();
        // Read without Store::open, which would migrate by itself.
        let raw = rusqlite::Connection::open(&db).unwrap();
        assert_eq!(
            crate::store::migrate::current_version(&raw).unwrap(),
            crate::store::migrate::SCHEMA_VERSION
        );
        let n: i64 = raw
            .query_row(
                "SELECT count(*) FROM v_current_sectores, v_current_ec_certificador_estado",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0);
        let sectores: i64 = raw
            .query_row("SELECT count(*) FROM v_current_sectores", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sectores, 1);
    }

    #[test]
    fn a_snapshot_cut_short_is_never_listed() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_data(dir.path());
        let snaps = Snapshots::new(dir.path());
        let m = snaps.create(&store).unwrap();
        // As if the process died before writing the manifest, and during compression.
        std::fs::copy(
            snaps.data_path(&m.id),
            snaps.data_path("20990101T000000.000Z-r9"),
        )
        .unwrap();
        std::fs::write(
            snaps.dir().join(".20990101T000001.000Z-r9.sqlite3.zst.tmp"),
            b"partial",
        )
        .unwrap();
        assert_eq!(snaps.list().unwrap(), vec![m]);
    }

    #[test]
    fn export_and_import_between_data_dirs() {
        let a = tempfile::tempdir().unwrap();
        let store = store_with_data(a.path());
        let snaps = Snapshots::new(a.path());
        let m = snaps.create(&store).unwrap();
        let bundle = a.path().join("bundle.tar");
        snaps.export(&m.id, &bundle).unwrap();

        let b = tempfile::tempdir().unwrap();
        let other = Snapshots::new(b.path());
        let imported = other.import(&bundle, None, false).unwrap();
        assert_eq!(imported, m);
        assert!(matches!(
            other.import(&bundle, Some(5), false),
            Err(SnapshotError::Older { .. })
        ));
        other.import(&bundle, Some(5), true).unwrap();
        let mut junk = std::fs::read(&bundle).unwrap();
        junk.truncate(600);
        std::fs::write(&bundle, junk).unwrap();
        assert!(other.import(&bundle, None, false).is_err());
    }

    #[test]
    fn a_database_with_no_published_run_is_not_snapshotted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("renec.sqlite3")).unwrap();
        let snaps = Snapshots::new(dir.path());
        assert!(matches!(
            snaps.create(&store),
            Err(SnapshotError::NothingPublished)
        ));
        assert!(snaps.list().unwrap().is_empty());
        let left: Vec<_> = std::fs::read_dir(dir.path().join("snapshots"))
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn retention_keeps_daily_and_weekly_and_never_the_last_good_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_data(dir.path());
        let snaps = Snapshots::new(dir.path());
        let ids: Vec<String> = (0..5).map(|_| snaps.create(&store).unwrap().id).collect();
        let deleted = snaps.retain(2, 0).unwrap();
        assert_eq!(deleted, ids[..3].to_vec());
        assert_eq!(snaps.list().unwrap().len(), 2);
        // When every snapshot retention would keep is damaged, the newest good one stays.
        let good = snaps.create(&store).unwrap().id;
        let bad: Vec<String> = (0..2).map(|_| snaps.create(&store).unwrap().id).collect();
        for id in &bad {
            std::fs::write(snaps.data_path(id), b"damaged").unwrap();
        }
        let deleted = snaps.retain(2, 0).unwrap();
        assert!(!deleted.contains(&good), "{deleted:?}");
        assert!(snaps.list().unwrap().iter().any(|m| m.id == good));
    }
}
