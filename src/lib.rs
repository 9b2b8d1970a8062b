//! RENEC Harvester: keeps a faithful, current, queryable mirror of Mexico's
//! RENEC. Data flows one way: fetch (`crawl`) → parse (`sources`) →
//! normalize (`normalize`) → store (`store`) → serve.

/// mimalloc for every program linking the library (the binary, tests,
/// benchmarks): glibc's and musl's allocators are several times slower on
/// the API's allocation-heavy answers.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod api;
pub mod assets;
pub mod changes;
pub mod commands;
pub mod config;
pub mod crawl;
pub mod entity;
pub mod harvest;
pub mod metrics;
pub mod model;
pub mod normalize;
pub mod ops;
pub mod registry;
pub mod sources;
pub mod store;
pub mod testsite;
