//! Running as an appliance: snapshots and restores, database maintenance.

pub mod daemon;
pub mod lock;
pub mod maintain;
pub mod notify;
pub mod scheduler;
pub mod service;
pub mod snapshot;

/// Below this much free space a failure is reported as a full disk.
pub const LOW_DISK_BYTES: u64 = 4 << 20;

/// Bytes available to this process on the file system holding `path` (or
/// its nearest existing ancestor).
pub fn free_bytes(path: &std::path::Path) -> Option<u64> {
    let existing = path.ancestors().find(|p| p.exists())?;
    let st = rustix::fs::statvfs(existing).ok()?;
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}
