//! The harvest lock: never two harvests at once on one data directory. An
//! OS file lock (`flock`), so a crashed process cannot leave it held.

use std::fs::File;
use std::io::Write;
use std::path::Path;

pub struct HarvestLock {
    file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another harvest is running on this data directory ({holder}); wait for it or stop it"
    )]
    Busy { holder: String },
    #[error("cannot create the harvest lock {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl HarvestLock {
    pub fn acquire(data_dir: &Path) -> Result<HarvestLock, LockError> {
        let path = data_dir.join("harvest.lock");
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(_) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                return Err(LockError::Busy {
                    holder: holder.trim().to_string(),
                });
            }
        }
        file.set_len(0).map_err(io)?;
        write!(file, "pid {}", std::process::id()).map_err(io)?;
        Ok(HarvestLock { file })
    }
}

impl HarvestLock {
    /// Whether a live process holds the lock of `data_dir`, read without
    /// taking it (so a harvest starting at that moment is never refused):
    /// the holder writes `pid N` and clears it when done; a crashed holder's
    /// pid is no longer running.
    pub fn held(data_dir: &Path) -> bool {
        let text = std::fs::read_to_string(data_dir.join("harvest.lock")).unwrap_or_default();
        text.trim()
            .strip_prefix("pid ")
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists())
    }
}

impl Drop for HarvestLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// Says that a `serve` process holds this data directory: `serve.pid` with
/// its pid, removed when it stops (a crashed process's pid is not running).
/// Commands that would swap the database under it refuse while it runs.
pub struct ServiceMarker {
    path: std::path::PathBuf,
}

impl ServiceMarker {
    pub fn claim(data_dir: &Path) -> std::io::Result<ServiceMarker> {
        std::fs::create_dir_all(data_dir)?;
        let path = data_dir.join("serve.pid");
        std::fs::write(&path, std::process::id().to_string())?;
        Ok(ServiceMarker { path })
    }

    /// The pid of a running `serve` on `data_dir`, if any.
    pub fn running(data_dir: &Path) -> Option<u32> {
        std::fs::read_to_string(data_dir.join("serve.pid"))
            .ok()?
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|pid| *pid != std::process::id())
            .filter(|pid| Path::new(&format!("/proc/{pid}")).exists())
    }
}

impl Drop for ServiceMarker {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let first = HarvestLock::acquire(dir.path()).unwrap();
        let err = HarvestLock::acquire(dir.path()).err().unwrap().to_string();
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        assert!(HarvestLock::held(dir.path()));
        drop(first);
        assert!(!HarvestLock::held(dir.path()));
        HarvestLock::acquire(dir.path()).unwrap();
    }
}
