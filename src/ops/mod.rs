//! Running as an appliance: snapshots and restores, database maintenance.

pub mod daemon;
pub mod lock;
pub mod maintain;
pub mod notify;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod scheduler;
pub mod service;
pub mod snapshot;

/// Below this much free space a failure is reported as a full disk.
const LOW_DISK_BYTES: u64 = 4 << 20;

/// A sentence for a failure when the file system holding `dir` is (nearly)
/// full, its likely cause; `None` when there is room.
pub fn low_disk_note(dir: &std::path::Path) -> Option<String> {
    let free = free_bytes(dir).filter(|f| *f < LOW_DISK_BYTES)?;
    Some(format!(
        "the file system holding {} has {free} bytes free: free some space and try again (nothing published was replaced)",
        dir.display()
    ))
}

/// Bytes available to this process on the file system holding `path` (or
/// its nearest existing ancestor).
fn free_bytes(path: &std::path::Path) -> Option<u64> {
    let existing = path.ancestors().find(|p| p.exists())?;
    let st = rustix::fs::statvfs(existing).ok()?;
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}
