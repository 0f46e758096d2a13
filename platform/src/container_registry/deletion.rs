//! Background deletion: whole repositories (scheduled from the UI or by
//! `DELETE .../repositories/:id`, worked off by [`run_pending_deletions`], which the server's
//! job loop calls) and bulk tag deletes.
//!
//! A repository deletion takes one due `delete_scheduled` row at a time (row lock skipped by
//! other nodes on PostgreSQL; SQLite's single writer serialises), marks it
//! `delete_ongoing`, deletes its manifests (and so its tags) through the registry service,
//! then the row. A failure puts it back to `delete_scheduled` with the next attempt after
//! 2^failures minutes; the 10th failure leaves it `delete_failed`. A `delete_ongoing` row
//! untouched for 30 minutes (a crashed worker) goes back to scheduled.

use berth_db::sqlx::{self, Row};
use berth_db::{now_millis, Backend, Db};

use berth_registry::Registry;

use super::tag_rules::TagSelection;

pub const MAX_DELETE_FAILURES: i64 = 10;
pub const STALE_ONGOING_MS: i64 = 30 * 60 * 1000;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Marks a repository `delete_scheduled`, due now (a failed one is retried from zero).
pub async fn schedule(db: &Db, repository_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE repositories SET status = 'delete_scheduled', delete_failures = 0, delete_next_attempt_at = $1, \
         delete_last_error = NULL WHERE id = $2 AND (status IS NULL OR status = 'delete_failed')",
    )
    .bind(now_millis())
    .bind(repository_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// An administrator's retry of a `delete_failed` repository: scheduled again, due now, from
/// zero failures. False when the repository is not in that state.
pub async fn retry_failed(db: &Db, repository_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE repositories SET status = 'delete_scheduled', delete_failures = 0, delete_next_attempt_at = $1, \
         delete_last_error = NULL WHERE id = $2 AND status = 'delete_failed'",
    )
    .bind(now_millis())
    .bind(repository_id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Minutes to wait after the `failures`-th failure.
pub fn retry_delay_ms(failures: i64) -> i64 {
    (1i64 << failures.clamp(0, 20)) * 60_000
}

/// Works off every due repository deletion; returns how many repositories were deleted.
pub async fn run_pending_deletions(db: &Db, registry: &Registry) -> Result<usize> {
    let now = now_millis();
    sqlx::query(
        "UPDATE repositories SET status = 'delete_scheduled', delete_next_attempt_at = $1 \
         WHERE status = 'delete_ongoing' AND (delete_started_at IS NULL OR delete_started_at <= $2)",
    )
    .bind(now)
    .bind(now - STALE_ONGOING_MS)
    .execute(&db.pool)
    .await?;
    let mut deleted = 0;
    while let Some((id, path, failures)) = claim(db).await? {
        match delete_contents(db, registry, id, &path).await {
            Ok(()) => {
                sqlx::query("DELETE FROM repositories WHERE id = $1 AND status = 'delete_ongoing'").bind(id).execute(&db.pool).await?;
                tracing::info!(repository = %path, "repository deleted");
                deleted += 1;
            }
            Err(e) => {
                tracing::warn!(repository = %path, error = %e, failures = failures + 1, "repository deletion failed");
                record_failure(db, id, failures, &e.to_string()).await?;
            }
        }
    }
    Ok(deleted)
}

/// Takes one due scheduled deletion: `(id, path, failures so far)`.
async fn claim(db: &Db) -> sqlx::Result<Option<(i64, String, i64)>> {
    let now = now_millis();
    let lock = match db.backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let row = sqlx::query(&format!(
        "UPDATE repositories SET status = 'delete_ongoing', delete_started_at = $1 WHERE status = 'delete_scheduled' AND id = ( \
             SELECT id FROM repositories WHERE status = 'delete_scheduled' AND COALESCE(delete_next_attempt_at, 0) <= $1 \
             ORDER BY delete_next_attempt_at, id LIMIT 1{lock}) \
         RETURNING id, path, delete_failures"
    ))
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| (r.get("id"), r.get("path"), r.get("delete_failures"))))
}

/// Records a failed attempt: back to scheduled with back-off, or `delete_failed` for good.
pub async fn record_failure(db: &Db, id: i64, failures_before: i64, error: &str) -> sqlx::Result<()> {
    let failures = failures_before + 1;
    let (status, next) = if failures >= MAX_DELETE_FAILURES {
        ("delete_failed", None)
    } else {
        ("delete_scheduled", Some(now_millis() + retry_delay_ms(failures)))
    };
    let error: String = error.chars().take(1000).collect();
    sqlx::query(
        "UPDATE repositories SET status = $1, delete_failures = $2, delete_next_attempt_at = $3, delete_last_error = $4, \
         delete_started_at = NULL WHERE id = $5",
    )
    .bind(status)
    .bind(failures)
    .bind(next)
    .bind(error)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Deletes every manifest of the repository (their tags go with them), index manifests first.
async fn delete_contents(db: &Db, registry: &Registry, id: i64, path: &str) -> Result<()> {
    let rows = sqlx::query(
        "SELECT m.digest FROM manifests m WHERE m.repository_id = $1 \
         ORDER BY (SELECT COUNT(*) FROM manifest_references r WHERE r.parent_id = m.id) DESC, m.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let service = registry.service();
    for row in rows {
        let digest: String = row.get("digest");
        service.delete_manifest(path, &digest).await?;
    }
    Ok(())
}

/// Deletes the tags `selection` picks in one repository; returns how many went.
pub async fn bulk_delete(registry: &Registry, path: &str, selection: &TagSelection) -> Result<usize> {
    let service = registry.service();
    let tags = service.tags(path).await?;
    let mut n = 0;
    for tag in selection.select(&tags, now_millis()) {
        if service.delete_tag(path, &tag.name).await? {
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_per_failure() {
        assert_eq!(retry_delay_ms(1), 2 * 60_000);
        assert_eq!(retry_delay_ms(3), 8 * 60_000);
        assert_eq!(retry_delay_ms(9), 512 * 60_000);
    }

    async fn status(db: &Db, id: i64) -> (Option<String>, i64, Option<i64>) {
        let r = sqlx::query("SELECT status, delete_failures, delete_next_attempt_at FROM repositories WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        (r.get("status"), r.get("delete_failures"), r.get("delete_next_attempt_at"))
    }

    #[tokio::test]
    async fn claims_retries_with_back_off_and_gives_up_after_ten_failures() {
        let dir = tempfile::tempdir().unwrap();
        for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
            let db = Db::connect(&url).await.unwrap();
            let id: i64 = sqlx::query(
                "INSERT INTO repositories (path, project_id, status, created_at, updated_at) VALUES ('g/p', NULL, NULL, 0, 0) RETURNING id",
            )
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .get("id");
            assert!(claim(&db).await.unwrap().is_none(), "{backend}: nothing scheduled");
            schedule(&db, id).await.unwrap();
            assert_eq!(status(&db, id).await.0.as_deref(), Some("delete_scheduled"), "{backend}");
            let (claimed, path, failures) = claim(&db).await.unwrap().unwrap();
            assert_eq!((claimed, path.as_str(), failures), (id, "g/p", 0), "{backend}");
            assert_eq!(status(&db, id).await.0.as_deref(), Some("delete_ongoing"), "{backend}");
            assert!(claim(&db).await.unwrap().is_none(), "{backend}: taken once");

            let before = now_millis();
            record_failure(&db, id, 0, "storage refused").await.unwrap();
            let (s, f, next) = status(&db, id).await;
            assert_eq!((s.as_deref(), f), (Some("delete_scheduled"), 1), "{backend}");
            assert!(next.unwrap() >= before + 2 * 60_000, "{backend}: 2^1 minutes later");
            assert!(claim(&db).await.unwrap().is_none(), "{backend}: not due yet");
            for failures in 1..9 {
                record_failure(&db, id, failures, "again").await.unwrap();
            }
            assert_eq!(status(&db, id).await.0.as_deref(), Some("delete_scheduled"), "{backend}: 9 failures");
            record_failure(&db, id, 9, "again").await.unwrap();
            let (s, f, next) = status(&db, id).await;
            assert_eq!((s.as_deref(), f, next), (Some("delete_failed"), 10, None), "{backend}: given up");
            // An administrator's retry starts over; only failed deletions can be retried.
            assert!(retry_failed(&db, id).await.unwrap(), "{backend}");
            assert!(!retry_failed(&db, id).await.unwrap(), "{backend}: already scheduled");
            assert_eq!(status(&db, id).await.1, 0, "{backend}");
            assert!(claim(&db).await.unwrap().is_some(), "{backend}");
        }
    }
}
