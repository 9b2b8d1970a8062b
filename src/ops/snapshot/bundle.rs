//! Bundles for air-gapped mirrors: one tar file holding a snapshot and its
//! manifest, written by `export`, checked and loaded by `import` (and by an
//! offline mirror's inbox through `load_bundle`).

use super::*;

impl Snapshots {
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
        let written = self.write_bundle(id, &tmp).and_then(|()| {
            fsync(&tmp)?;
            io("placing the bundle", std::fs::rename(&tmp, file))
        });
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.map(|()| m)
    }

    fn write_bundle(&self, id: &str, tmp: &Path) -> Result<()> {
        {
            let out = io(format!("writing {}", tmp.display()), File::create(tmp))?;
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
        Ok(())
    }

    /// Reads a bundle into this data directory's snapshots (verified), refusing
    /// one older than `current_run` unless `force`; returns its manifest.
    pub fn import(&self, file: &Path, current_run: Option<i64>, force: bool) -> Result<Manifest> {
        let bad = |reason: String| SnapshotError::BadBundle {
            file: file.display().to_string(),
            reason,
        };
        let f = File::open(file).map_err(|e| bad(e.to_string()))?;
        let file_len = f.metadata().map_err(|e| bad(e.to_string()))?.len();
        io(
            "creating the snapshot directory",
            std::fs::create_dir_all(&self.dir),
        )?;
        let staging = self.dir.join(".import.tmp");
        let _ = std::fs::remove_dir_all(&staging);
        let placed = self.unpack_bundle(f, file_len, &staging, current_run, force, &bad);
        // Whatever happened, the staging folder goes, and so does a
        // snapshot placed without its manifest or that does not verify.
        let _ = std::fs::remove_dir_all(&staging);
        let m = placed?;
        self.verify(&m.id).inspect_err(|_| self.delete(&m.id))
    }

    fn unpack_bundle(
        &self,
        f: File,
        file_len: u64,
        staging: &Path,
        current_run: Option<i64>,
        force: bool,
        bad: &dyn Fn(String) -> SnapshotError,
    ) -> Result<Manifest> {
        io("staging", std::fs::create_dir_all(staging))?;
        let mut archive = tar::Archive::new(BufReader::new(f));
        let mut seen = Vec::new();
        let not_tar = |e: std::io::Error| {
            let said: String = e.to_string().chars().take(80).collect();
            bad(format!("it is not a readable tar archive ({said})"))
        };
        for entry in archive.entries().map_err(not_tar)? {
            let mut entry = entry.map_err(not_tar)?;
            let name = entry
                .path()
                .map_err(|e| bad(e.to_string()))?
                .to_string_lossy()
                .to_string();
            if name != "manifest.json" && name != "renec.sqlite3.zst" {
                return Err(bad(format!("unexpected member {name:?}")));
            }
            // A bundle cut short in transit: say so, rather than the
            // unpacker's "failed to write entire file".
            let declared = entry.header().size().unwrap_or(0);
            let end = entry.raw_file_position().saturating_add(declared);
            if end > file_len {
                return Err(bad(format!(
                    "it is truncated: {name} should hold {declared} bytes, but the file ends {} bytes short; copy the bundle again",
                    end - file_len
                )));
            }
            io("unpacking", entry.unpack(staging.join(&name)))?;
            seen.push(name);
        }
        if seen.len() != 2 {
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
        )
        .inspect_err(|_| self.delete(&m.id))?;
        Ok(m)
    }
}
