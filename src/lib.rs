//! RENEC Harvester: keeps a faithful, current, queryable mirror of Mexico's
//! RENEC. Data flows one way: fetch (`crawl`) → parse (`sources`) →
//! normalize (`normalize`) → store (`store`) → serve.

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
