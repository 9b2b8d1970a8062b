//! PostgreSQL, for production sites: the harvester's SQLite stays the source,
//! and every published run is synced to PostgreSQL (`sync.rs`), from which
//! stateless read nodes load what they serve (`load.rs`). This file holds the
//! connection (URL, TLS, pool) and the schema's numbered, append-only
//! migrations (`migrations/`). As for SQLite, all PostgreSQL SQL lives in
//! this module, and it alone knows the table names.

mod cell;
pub mod load;
pub mod sync;
mod tls;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::time::Duration;

/// `MIGRATIONS[i]` brings the schema from version i to i + 1.
const MIGRATIONS: &[&str] = &[include_str!("migrations/0001_initial.sql")];

/// The PostgreSQL schema version this binary writes.
pub const PG_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// SQLite's names of the tables synced, and their PostgreSQL names where the
/// operations guide's runbooks name them differently.
pub fn pg_table(sqlite: &str) -> &str {
    match sqlite {
        "estandares" => "ec_standards_v2",
        "certificadores" => "certificadores_v2",
        "harvest_events" => "spider_logs",
        "audit_log" => "api_logs",
        other => other,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("DATABASE_URL: {0}")]
    Url(String),
    #[error("PostgreSQL: {}", causes(.0))]
    Db(#[from] tokio_postgres::Error),
    #[error("PostgreSQL connection pool: {0}")]
    Pool(String),
    #[error("the PostgreSQL schema is at version {found}, newer than this binary's {supported}; upgrade renec-harvester on this node")]
    TooNew { found: i64, supported: i64 },
    #[error("the PostgreSQL schema is at version {found}, older than this binary's {supported}: the sync node migrates it on its next sync (a read node never writes)")]
    TooOld { found: i64, supported: i64 },
    #[error("nothing has been synced to PostgreSQL yet")]
    NothingSynced,
    #[error(transparent)]
    Store(#[from] super::StoreError),
    #[error("the sync stopped unexpectedly: {0}")]
    Crashed(String),
}

/// The driver's error with its causes ("db error: FATAL: no pg_hba.conf
/// entry …", "error performing TLS handshake: invalid peer certificate:
/// UnknownIssuer"): its own text alone says only "db error".
fn causes(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

impl From<deadpool_postgres::PoolError> for PgError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => PgError::Db(e),
            other => PgError::Pool(other.to_string()),
        }
    }
}

impl From<rusqlite::Error> for PgError {
    fn from(e: rusqlite::Error) -> Self {
        PgError::Store(e.into())
    }
}

pub type Result<T> = std::result::Result<T, PgError>;

/// Whether a configured database URL names a PostgreSQL server.
pub fn is_postgres_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// A PostgreSQL server through a pool of connections.
#[derive(Clone)]
pub struct Postgres {
    pool: Pool,
    /// The URL without its password, for messages.
    shown: String,
}

impl Postgres {
    /// A pool for `url` (`postgres://…`; `sslmode` disable, prefer, require,
    /// verify-ca or verify-full, `sslrootcert` a PEM file). Connects lazily:
    /// a server that is down fails the first query, not this call.
    pub fn new(url: &str, pool_size: usize, timeout: Duration) -> Result<Postgres> {
        let (config, tls, shown) = tls::parse(url)?;
        let manager = Manager::from_config(
            config,
            tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .wait_timeout(Some(timeout))
            .create_timeout(Some(timeout))
            .recycle_timeout(Some(timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| PgError::Pool(e.to_string()))?;
        Ok(Postgres { pool, shown })
    }

    /// The server's address (no password), for logs and messages.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object> {
        Ok(self.pool.get().await?)
    }

    /// Connections the pool holds and how many are free (the guide's
    /// `db_connection_pool_size` / `db_connection_pool_available`).
    pub fn pool_status(&self) -> (usize, usize) {
        let s = self.pool.status();
        (s.max_size, s.max_size - s.size + s.available)
    }

    /// The schema version of the server (0: none yet).
    pub async fn schema_version(&self) -> Result<i64> {
        let client = self.client().await?;
        let exists: bool = client
            .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
            .await?
            .get(0);
        if !exists {
            return Ok(0);
        }
        let v: Option<i64> = client
            .query_one("SELECT max(version)::bigint FROM schema_migrations", &[])
            .await?
            .get(0);
        Ok(v.unwrap_or(0))
    }

    /// Brings the schema to [`PG_SCHEMA_VERSION`], each step in its own
    /// transaction (the sync node's role creates tables: the guide's
    /// `api_user`). Two nodes migrating at once wait on an advisory lock.
    pub async fn migrate(&self) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock(7166101)", &[])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    bigint PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now(),
                 created_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .await?;
        let found: i64 = tx
            .query_one(
                "SELECT coalesce(max(version), 0)::bigint FROM schema_migrations",
                &[],
            )
            .await?
            .get(0);
        if found > PG_SCHEMA_VERSION {
            return Err(PgError::TooNew {
                found,
                supported: PG_SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let version = i as i64 + 1;
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[&version],
            )
            .await?;
            tracing::info!(version, "postgres_migrated");
        }
        tx.commit().await?;
        Ok(())
    }

    /// For read nodes, which never write: the schema must be this binary's.
    pub async fn check_schema(&self) -> Result<()> {
        let found = self.schema_version().await?;
        match found.cmp(&PG_SCHEMA_VERSION) {
            std::cmp::Ordering::Greater => Err(PgError::TooNew {
                found,
                supported: PG_SCHEMA_VERSION,
            }),
            std::cmp::Ordering::Less => Err(PgError::TooOld {
                found,
                supported: PG_SCHEMA_VERSION,
            }),
            std::cmp::Ordering::Equal => Ok(()),
        }
    }

    /// What PostgreSQL holds: the last synced run and the generation (a
    /// full resync starts a new one). `None` before the first sync.
    pub async fn synced(&self) -> Result<Option<Synced>> {
        if self.schema_version().await? == 0 {
            return Ok(None);
        }
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT last_synced_run, generation, synced_at::text FROM sync_state",
                &[],
            )
            .await?;
        Ok(row.and_then(|r| {
            let run: Option<i64> = r.get(0);
            run.map(|run| Synced {
                run,
                generation: r.get(1),
                at: r.get(2),
            })
        }))
    }
}

/// The run PostgreSQL holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Synced {
    pub run: i64,
    pub generation: i64,
    pub at: Option<String>,
}
