//! Bulk tag deletes (REST `DELETE .../repositories/:id/tags`): accepted requests are stored
//! in `bulk_tag_deletions` and worked off by [`run_pending_bulk_deletes`] (the server's
//! deletion job loop calls it, and the REST handler nudges it at once), so a restart loses
//! nothing. One request per repository per hour (`repositories.cleanup_policy_started_at`).
//!
//! A worker takes one due row at a time (row lock skipped by other nodes on PostgreSQL;
//! SQLite's single writer serialises) by setting `started_at`; a row started more than 30
//! minutes ago belongs to a crashed worker and is taken again. A failure is retried after
//! 2^failures minutes; the 10th failure drops the request (logged).

use berth_db::sqlx::{self, Row};
use berth_db::{now_millis, Backend, Db};
use berth_registry::Registry;

use super::deletion::{bulk_delete, retry_delay_ms, Result, MAX_DELETE_FAILURES, STALE_ONGOING_MS};
use super::tag_rules::{compile_whole, TagSelection};

/// A bulk delete may run once per hour per repository.
pub const BULK_DELETE_INTERVAL_MS: i64 = 3_600_000;

/// What a bulk delete request asks for, as given (regexes validated by [`BulkDeleteRequest::selection`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkDeleteRequest {
    pub name_regex_delete: String,
    pub name_regex_keep: Option<String>,
    pub keep_n: Option<i64>,
    /// Only tags at least this old (milliseconds) go.
    pub older_than_ms: Option<i64>,
}

impl BulkDeleteRequest {
    /// The compiled selection; the error names the field and what is wrong.
    pub fn selection(&self) -> std::result::Result<TagSelection, String> {
        if self.keep_n.is_some_and(|n| n < 0) {
            return Err("keep_n must not be negative".into());
        }
        if self.older_than_ms.is_some_and(|n| n < 0) {
            return Err("older_than must not be negative".into());
        }
        Ok(TagSelection {
            delete: compile_whole("name_regex_delete", &self.name_regex_delete)?,
            keep: match &self.name_regex_keep {
                Some(k) if !k.is_empty() => Some(compile_whole("name_regex_keep", k)?),
                _ => None,
            },
            keep_n: self.keep_n.map(|n| n as usize),
            older_than: self.older_than_ms,
        })
    }
}

/// Why a request was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("{0}")]
    Invalid(String),
    #[error("This request has already been made. You can run this at most once an hour for a given container repository")]
    TooSoon,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Validates and stores a request, unless one was accepted for the repository within the
/// last hour. The stored row is processed by [`run_pending_bulk_deletes`].
pub async fn request_bulk_delete(db: &Db, repository_id: i64, request: &BulkDeleteRequest) -> std::result::Result<(), RequestError> {
    request.selection().map_err(RequestError::Invalid)?;
    let now = now_millis();
    let mut tx = db.pool.begin().await?;
    let claimed = sqlx::query(
        "UPDATE repositories SET cleanup_policy_started_at = $1 WHERE id = $2 \
         AND (cleanup_policy_started_at IS NULL OR cleanup_policy_started_at <= $3)",
    )
    .bind(now)
    .bind(repository_id)
    .bind(now - BULK_DELETE_INTERVAL_MS)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Err(RequestError::TooSoon);
    }
    sqlx::query(
        "INSERT INTO bulk_tag_deletions (repository_id, name_regex_delete, name_regex_keep, keep_n, older_than_ms, requested_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(repository_id)
    .bind(&request.name_regex_delete)
    .bind(&request.name_regex_keep)
    .bind(request.keep_n)
    .bind(request.older_than_ms)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How many requests are waiting (or running).
pub async fn pending_bulk_deletes(db: &Db) -> sqlx::Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM bulk_tag_deletions").fetch_one(&db.pool).await?.get("n"))
}

struct Claimed {
    id: i64,
    path: String,
    failures: i64,
    request: BulkDeleteRequest,
}

/// Works off every due bulk delete; returns how many tags were deleted.
pub async fn run_pending_bulk_deletes(db: &Db, registry: &Registry) -> Result<usize> {
    let mut deleted = 0;
    while let Some(job) = claim(db).await? {
        let outcome = match job.request.selection() {
            Ok(selection) => bulk_delete(registry, &job.path, &selection).await,
            Err(e) => Err(e.into()),
        };
        match outcome {
            Ok(n) => {
                sqlx::query("DELETE FROM bulk_tag_deletions WHERE id = $1").bind(job.id).execute(&db.pool).await?;
                tracing::info!(repository = %job.path, deleted = n, "bulk tag delete finished");
                deleted += n;
            }
            Err(e) => {
                tracing::warn!(repository = %job.path, error = %e, failures = job.failures + 1, "bulk tag delete failed");
                record_failure(db, job.id, job.failures, &e.to_string()).await?;
            }
        }
    }
    Ok(deleted)
}

async fn claim(db: &Db) -> sqlx::Result<Option<Claimed>> {
    let now = now_millis();
    let lock = match db.backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let row = sqlx::query(&format!(
        "UPDATE bulk_tag_deletions SET started_at = $1 WHERE id = ( \
             SELECT id FROM bulk_tag_deletions WHERE next_attempt_at <= $1 AND (started_at IS NULL OR started_at <= $2) \
             ORDER BY next_attempt_at, id LIMIT 1{lock}) \
         RETURNING id, repository_id, name_regex_delete, name_regex_keep, keep_n, older_than_ms, failures"
    ))
    .bind(now)
    .bind(now - STALE_ONGOING_MS)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let repository_id: i64 = row.get("repository_id");
    let path = sqlx::query("SELECT path FROM repositories WHERE id = $1").bind(repository_id).fetch_optional(&db.pool).await?;
    let id: i64 = row.get("id");
    let Some(path) = path else {
        // The repository went meanwhile (the row cascades; this is a race with that delete).
        sqlx::query("DELETE FROM bulk_tag_deletions WHERE id = $1").bind(id).execute(&db.pool).await?;
        return Box::pin(claim(db)).await;
    };
    Ok(Some(Claimed {
        id,
        path: path.get("path"),
        failures: row.get("failures"),
        request: BulkDeleteRequest {
            name_regex_delete: row.get("name_regex_delete"),
            name_regex_keep: row.get("name_regex_keep"),
            keep_n: row.get("keep_n"),
            older_than_ms: row.get("older_than_ms"),
        },
    }))
}

async fn record_failure(db: &Db, id: i64, failures_before: i64, error: &str) -> sqlx::Result<()> {
    let failures = failures_before + 1;
    if failures >= MAX_DELETE_FAILURES {
        tracing::error!(request = id, error, "bulk tag delete given up after {failures} failures");
        sqlx::query("DELETE FROM bulk_tag_deletions WHERE id = $1").bind(id).execute(&db.pool).await?;
        return Ok(());
    }
    let error: String = error.chars().take(1000).collect();
    sqlx::query("UPDATE bulk_tag_deletions SET failures = $1, next_attempt_at = $2, started_at = NULL, last_error = $3 WHERE id = $4")
        .bind(failures)
        .bind(now_millis() + retry_delay_ms(failures))
        .bind(error)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
