//! The metadata database. One `AnyPool` serves SQLite (the embedded default) and PostgreSQL
//! (for several stateless nodes), so every repository module writes its SQL once. The SQL
//! sticks to what both dialects share: `$1` placeholders (SQLite accepts them), `BIGINT`
//! millisecond timestamps, `0/1` integer flags and `RETURNING`. Where the dialects really
//! differ (row locks), callers branch on [`Db::backend`].

use std::path::Path;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

pub use sqlx;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL scheme in {0:?}: use sqlite:// or postgres://")]
    UnsupportedUrl(String),
    #[error("cannot connect to the metadata database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot apply database migrations: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

/// A connected, migrated metadata database.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

impl Db {
    /// Connects to `url` and applies every pending migration; fails loudly when either fails.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let options = AnyConnectOptions::from_str(url).map_err(DbError::Connect)?.disable_statement_logging();
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    // SQLite has one writer; a handful of connections serve readers while
                    // the busy timeout queues writers instead of failing them.
                    .max_connections(8)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; \
                                 PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    // An unreachable server fails start within seconds, not after sqlx's 30 s.
                    .acquire_timeout(std::time::Duration::from_secs(10))
                    .connect_with(options)
                    .await
            }
        }
        .map_err(DbError::Connect)?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await.map_err(DbError::Migrate)?;
        Ok(Db { pool, backend })
    }

    /// The URL of a SQLite database file, created on first use.
    pub fn sqlite_url(path: &Path) -> String {
        format!("sqlite://{}?mode=rwc", path.display())
    }
}

fn backend_of(url: &str) -> Result<Backend, DbError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(DbError::UnsupportedUrl(url.to_string()))
    }
}

/// Milliseconds since the Unix epoch: the one timestamp representation in every table.
pub fn now_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub mod testing;
