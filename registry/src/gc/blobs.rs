//! Blob review in claimed batches (see the module documentation of [`crate::gc`] for the
//! locking argument). Per batch, inside one write transaction:
//!
//! 1. claim up to `n` due queue rows together with their blob rows (PostgreSQL:
//!    `FOR UPDATE OF q, b SKIP LOCKED`; SQLite: the transaction holds the writer lock);
//! 2. re-check in a new statement (a fresh READ COMMITTED snapshot taken after the locks):
//!    drop the queue rows of blobs a manifest references;
//! 3. in a savepoint, delete the links and blob rows of the unreferenced rest (set-based,
//!    re-checking again) — cascades remove their queue rows;
//! 4. delete their bytes from storage, `delete_concurrency` at a time, still holding the
//!    locks;
//! 5. if any storage delete failed, roll back to the savepoint, delete the rows of the
//!    successful ones only and record the failures with back-off; then add the totals to
//!    `gc_state` and commit.

use berth_db::sqlx::{self, Row};
use berth_db::{now_millis, Backend};
use futures::StreamExt;

use super::online::RunReport;
use super::{in_json_array, Collector};
use crate::digest::Digest;
use crate::error::Result;
use crate::meta::WriteTx;

/// SQLite: largest batch per transaction (it holds the single writer lock meanwhile).
const SQLITE_MAX_BATCH: usize = 200;
/// A worker stops a pass after this many batches (pushes with a review delay of 0 keep
/// queuing fresh uploads); the next pass or run continues.
const MAX_BATCHES_PER_PASS: usize = 1_000;

struct Claimed {
    digest: String,
    attempts: i64,
}

/// What one committed batch did.
#[derive(Default)]
struct BatchReport {
    claimed: usize,
    deleted: u64,
    bytes: u64,
    dropped: u64,
    failures: u64,
}

impl Collector {
    /// Reviews due blobs: several workers at once on PostgreSQL (each claims its own rows),
    /// one on SQLite (one writer anyway). Each worker claims batches until the queue has no
    /// more due items it can lock.
    pub(super) async fn review_blobs(&self, pass: &mut RunReport) {
        let workers = match self.meta.db().backend {
            Backend::Sqlite => 1,
            Backend::Postgres => self.config.workers.max(1),
        };
        let reports = futures::future::join_all((0..workers).map(|_| self.blob_worker())).await;
        for r in reports {
            pass.blobs_deleted += r.blobs_deleted;
            pass.bytes_freed += r.bytes_freed;
            pass.dropped += r.dropped;
            pass.storage_failures += r.storage_failures;
            pass.errors += r.errors;
        }
    }

    async fn blob_worker(&self) -> RunReport {
        let limit = match self.meta.db().backend {
            Backend::Sqlite => (self.config.batch_size.max(1) as usize).min(SQLITE_MAX_BATCH),
            Backend::Postgres => self.config.batch_size.max(1) as usize,
        };
        let mut report = RunReport::default();
        for _ in 0..MAX_BATCHES_PER_PASS {
            match self.review_blob_batch(limit).await {
                Ok(b) => {
                    report.blobs_deleted += b.deleted;
                    report.bytes_freed += b.bytes;
                    report.dropped += b.dropped;
                    report.storage_failures += b.failures;
                    if b.claimed < limit {
                        break;
                    }
                }
                Err(e) => {
                    // Rolled back before any bytes were deleted (or, if the commit itself
                    // failed, the rows stay queued and the next review finishes them).
                    tracing::warn!(error = %e, "GC review of a blob batch failed; will retry");
                    report.errors += 1;
                    break;
                }
            }
        }
        report
    }

    async fn review_blob_batch(&self, limit: usize) -> Result<BatchReport> {
        let backend = self.meta.db().backend;
        let mut w = self.meta.begin_write().await?;
        let claimed = self.claim_blobs(&mut w, limit).await?;
        let mut report = BatchReport { claimed: claimed.len(), ..BatchReport::default() };
        if claimed.is_empty() {
            w.rollback().await?;
            return Ok(report);
        }
        let all = json_digests(claimed.iter().map(|c| c.digest.as_str()));
        let set = in_json_array(backend, 1);

        // A new statement, so a new snapshot at READ COMMITTED: it sees every manifest
        // reference committed before the locks were taken; later ones wait for the locks.
        report.dropped = sqlx::query(&format!(
            "DELETE FROM gc_blob_review_queue WHERE digest {set} \
             AND EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = gc_blob_review_queue.digest)"
        ))
        .bind(&all)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();

        sqlx::query("SAVEPOINT gc_blobs").execute(&mut *w.tx).await?;
        let rows_deleted = delete_unreferenced_rows(&mut w, backend, &all).await?;
        let outcomes = self.delete_bytes(&rows_deleted).await;
        let failed: Vec<&(String, u64, String)> = outcomes.iter().filter(|o| !o.2.is_empty()).collect();
        let done: Vec<&(String, u64, String)> = outcomes.iter().filter(|o| o.2.is_empty()).collect();
        if !failed.is_empty() {
            // Keep the rows of the blobs whose bytes are still stored.
            sqlx::query("ROLLBACK TO SAVEPOINT gc_blobs").execute(&mut *w.tx).await?;
            if !done.is_empty() {
                let again = delete_unreferenced_rows(&mut w, backend, &json_digests(done.iter().map(|o| o.0.as_str()))).await?;
                debug_assert_eq!(again.len(), done.len(), "rows are locked: the set cannot change");
            }
            let attempts_of = |d: &str| claimed.iter().find(|c| c.digest == d).map_or(0, |c| c.attempts);
            for (digest, _, error) in &failed {
                let attempts = attempts_of(digest) + 1;
                let backoff = self.config.backoff(attempts);
                tracing::warn!(
                    %digest,
                    attempts,
                    retry_in_secs = backoff.as_secs_f64(),
                    error = %error,
                    "blob storage refused to delete an unreferenced blob; will retry"
                );
                sqlx::query("UPDATE gc_blob_review_queue SET attempts = $1, retry_after = $2, last_error = $3 WHERE digest = $4")
                    .bind(attempts)
                    .bind(now_millis() + backoff.as_millis() as i64)
                    .bind(error)
                    .bind(digest)
                    .execute(&mut *w.tx)
                    .await?;
            }
        }
        sqlx::query("RELEASE SAVEPOINT gc_blobs").execute(&mut *w.tx).await?;
        report.deleted = done.len() as u64;
        report.bytes = done.iter().map(|o| o.1).sum();
        report.failures = failed.len() as u64;
        if report.deleted + report.failures > 0 {
            sqlx::query(
                "UPDATE gc_state SET blobs_deleted = blobs_deleted + $1, bytes_freed = bytes_freed + $2, \
                 storage_failures = storage_failures + $3 WHERE id = 1",
            )
            .bind(report.deleted as i64)
            .bind(report.bytes as i64)
            .bind(report.failures as i64)
            .execute(&mut *w.tx)
            .await?;
        }
        w.commit().await?;
        Ok(report)
    }

    /// Step 1: due queue rows with their blob rows, locked (PostgreSQL) — rows a push holds
    /// are skipped and stay queued.
    async fn claim_blobs(&self, w: &mut WriteTx<'_>, limit: usize) -> Result<Vec<Claimed>> {
        let lock = match self.meta.db().backend {
            // The blob row is the one a manifest PUT share-locks while verifying references.
            Backend::Postgres => " FOR UPDATE OF q, b SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let now = now_millis();
        let rows = sqlx::query(&format!(
            "SELECT q.digest, q.attempts FROM gc_blob_review_queue q JOIN blobs b ON b.digest = q.digest \
             WHERE q.queued_at <= $1 AND q.retry_after <= $2 ORDER BY q.queued_at LIMIT $3{lock}"
        ))
        .bind(now - self.delay_ms())
        .bind(now)
        .bind(limit as i64)
        .fetch_all(&mut *w.tx)
        .await?;
        rows.iter().map(|r| Ok(Claimed { digest: r.try_get("digest")?, attempts: r.try_get("attempts")? })).collect()
    }

    /// Step 4: `(digest, size, error)` per blob, the error empty on success. A digest this
    /// store cannot address has no bytes to delete.
    async fn delete_bytes(&self, blobs: &[(String, u64)]) -> Vec<(String, u64, String)> {
        let in_flight = self.config.delete_concurrency.max(1);
        futures::stream::iter(blobs.iter().cloned())
            .map(|(digest, size)| async move {
                let error = match digest.parse::<Digest>() {
                    Ok(d) => match self.store.delete(&d).await {
                        Ok(()) => String::new(),
                        Err(e) => e.to_string(),
                    },
                    Err(_) => String::new(),
                };
                (digest, size, error)
            })
            .buffer_unordered(in_flight)
            .collect()
            .await
    }
}

/// Step 3: deletes the links and rows of the blobs in `digests` (a JSON array) that no
/// manifest references; returns `(digest, size)` of the deleted rows. Deleting a link queues
/// the blob again (trigger) and deleting the row cascades to its queue row.
async fn delete_unreferenced_rows(w: &mut WriteTx<'_>, backend: Backend, digests: &str) -> Result<Vec<(String, u64)>> {
    let set = in_json_array(backend, 1);
    sqlx::query(&format!(
        "DELETE FROM repository_blobs WHERE blob_digest {set} \
         AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = repository_blobs.blob_digest)"
    ))
    .bind(digests)
    .execute(&mut *w.tx)
    .await?;
    let rows = sqlx::query(&format!(
        "DELETE FROM blobs WHERE digest {set} \
         AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = blobs.digest) \
         RETURNING digest, size"
    ))
    .bind(digests)
    .fetch_all(&mut *w.tx)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("digest")?, r.try_get::<i64, _>("size")? as u64))).collect()
}

fn json_digests<'a>(digests: impl Iterator<Item = &'a str>) -> String {
    serde_json::to_string(&digests.collect::<Vec<_>>()).expect("strings serialise")
}
