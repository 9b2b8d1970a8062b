//! Running as an appliance: snapshots and restores, database maintenance.

pub mod maintain;
pub mod snapshot;
