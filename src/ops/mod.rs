//! Running as an appliance: snapshots and restores, database maintenance.

pub mod daemon;
pub mod lock;
pub mod maintain;
pub mod notify;
pub mod scheduler;
pub mod service;
pub mod snapshot;
