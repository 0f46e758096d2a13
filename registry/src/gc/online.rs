//! The online worker: reviews due queue items one transaction at a time (see the module
//! documentation of [`crate::gc`] for the locking argument).

use std::sync::Arc;
use std::time::{Duration, Instant};

use berth_db::{now_millis, Backend};
use berth_db::sqlx::{self, Row};

use super::{skip_locked, GcConfig};
use crate::digest::Digest;
use crate::error::Result;
use crate::meta::{Meta, WriteTx};
use crate::storage::BlobStore;

/// What one [`Collector::run`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    pub blobs_deleted: u64,
    pub manifests_deleted: u64,
    pub bytes_freed: u64,
    /// Items found still referenced and removed from the queue.
    pub dropped: u64,
    /// Items left queued because a push held their row.
    pub busy: u64,
    /// Storage deletions that failed (the item is retried after its back-off).
    pub storage_failures: u64,
    /// Items whose review failed on a database error (retried on the next run).
    pub errors: u64,
}

enum Outcome {
    /// Deleted; bytes freed.
    Deleted(u64),
    /// Still referenced: removed from the queue.
    Dropped,
    /// Row locked by a concurrent push.
    Busy,
    /// No longer due or no longer queued (another worker, or postponed).
    Gone,
    /// Storage refused the deletion.
    Failed,
}

/// The online garbage collector. Cheap to clone; several may run at once, in one process or
/// on several nodes.
#[derive(Clone)]
pub struct Collector {
    meta: Meta,
    store: Arc<dyn BlobStore>,
    config: GcConfig,
}

impl Collector {
    pub(crate) fn new(meta: Meta, store: Arc<dyn BlobStore>, config: GcConfig) -> Collector {
        Collector {
            meta,
            store,
            config,
        }
    }

    pub fn config(&self) -> &GcConfig {
        &self.config
    }

    fn delay_ms(&self) -> i64 {
        self.config.review_delay.as_millis() as i64
    }

    /// Reviews every due item (manifests first, as deleting one queues its blobs), pass after
    /// pass until a pass changes nothing. Items a push holds are left for the next run.
    pub async fn run(&self) -> Result<RunReport> {
        let started = now_millis();
        {
            let mut w = self.meta.begin_write().await?;
            sqlx::query(
                "UPDATE gc_state SET review_delay_ms = $1, last_run_started_at = $2, last_run_finished_at = NULL, \
                 last_run_blobs = 0, last_run_manifests = 0, last_run_bytes = 0 WHERE id = 1",
            )
            .bind(self.delay_ms())
            .bind(started)
            .execute(&mut *w.tx)
            .await?;
            w.commit().await?;
        }
        let mut total = RunReport::default();
        for _ in 0..self.config.max_passes.max(1) {
            let mut pass = RunReport::default();
            for id in self.due_manifests().await? {
                match self.review_manifest(id).await {
                    Ok(o) => count(&mut pass, o, false),
                    Err(e) => {
                        tracing::warn!(manifest_id = id, error = %e, "GC review of a manifest failed; will retry");
                        pass.errors += 1;
                    }
                }
            }
            let due = self.due_blobs().await?;
            if let Err(e) = self.review_blobs(&due, &mut pass).await {
                tracing::warn!(error = %e, "GC review of blobs failed; will retry");
                pass.errors += 1;
            }
            self.add_totals(&pass, false).await?;
            let progress = pass.blobs_deleted + pass.manifests_deleted + pass.dropped;
            total.blobs_deleted += pass.blobs_deleted;
            total.manifests_deleted += pass.manifests_deleted;
            total.bytes_freed += pass.bytes_freed;
            total.dropped += pass.dropped;
            total.busy = pass.busy;
            total.storage_failures += pass.storage_failures;
            total.errors += pass.errors;
            if progress == 0 {
                break;
            }
        }
        self.add_totals(&total, true).await?;
        if total.blobs_deleted + total.manifests_deleted > 0 {
            tracing::info!(
                blobs = total.blobs_deleted,
                manifests = total.manifests_deleted,
                bytes = total.bytes_freed,
                "garbage collection freed space"
            );
        }
        Ok(total)
    }

    async fn add_totals(&self, r: &RunReport, finish: bool) -> Result<()> {
        let mut w = self.meta.begin_write().await?;
        if finish {
            sqlx::query(
                "UPDATE gc_state SET last_run_finished_at = $1, last_run_blobs = $2, last_run_manifests = $3, \
                 last_run_bytes = $4 WHERE id = 1",
            )
            .bind(now_millis())
            .bind(r.blobs_deleted as i64)
            .bind(r.manifests_deleted as i64)
            .bind(r.bytes_freed as i64)
            .execute(&mut *w.tx)
            .await?;
        } else if r.blobs_deleted + r.manifests_deleted + r.storage_failures > 0 {
            sqlx::query(
                "UPDATE gc_state SET blobs_deleted = blobs_deleted + $1, manifests_deleted = manifests_deleted + $2, \
                 bytes_freed = bytes_freed + $3, storage_failures = storage_failures + $4 WHERE id = 1",
            )
            .bind(r.blobs_deleted as i64)
            .bind(r.manifests_deleted as i64)
            .bind(r.bytes_freed as i64)
            .bind(r.storage_failures as i64)
            .execute(&mut *w.tx)
            .await?;
        }
        w.commit().await
    }

    async fn due_manifests(&self) -> Result<Vec<i64>> {
        let now = now_millis();
        let rows = sqlx::query(
            "SELECT manifest_id FROM gc_manifest_review_queue WHERE queued_at <= $1 AND retry_after <= $2 \
             ORDER BY queued_at LIMIT $3",
        )
        .bind(now - self.delay_ms())
        .bind(now)
        .bind(self.config.batch_size)
        .fetch_all(&self.meta.db().pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("manifest_id")?)).collect()
    }

    async fn due_blobs(&self) -> Result<Vec<String>> {
        let now = now_millis();
        let rows = sqlx::query(
            "SELECT digest FROM gc_blob_review_queue WHERE queued_at <= $1 AND retry_after <= $2 \
             ORDER BY queued_at LIMIT $3",
        )
        .bind(now - self.delay_ms())
        .bind(now)
        .bind(self.config.batch_size)
        .fetch_all(&self.meta.db().pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("digest")?)).collect()
    }

    async fn review_manifest(&self, id: i64) -> Result<Outcome> {
        let lock = skip_locked(self.meta.db().backend);
        let mut w = self.meta.begin_write().await?;
        let now = now_millis();
        let queued = sqlx::query(&format!(
            "SELECT manifest_id FROM gc_manifest_review_queue WHERE manifest_id = $1 AND queued_at <= $2 \
             AND retry_after <= $3{lock}"
        ))
        .bind(id)
        .bind(now - self.delay_ms())
        .bind(now)
        .fetch_optional(&mut *w.tx)
        .await?;
        if queued.is_none() {
            w.rollback().await?;
            return Ok(Outcome::Gone);
        }
        let Some(m) = sqlx::query(&format!(
            "SELECT repository_id, subject_digest FROM manifests WHERE id = $1{lock}"
        ))
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await?
        else {
            w.rollback().await?;
            return Ok(Outcome::Busy);
        };
        let repository_id: i64 = m.try_get("repository_id")?;
        let subject: Option<String> = m.try_get("subject_digest")?;
        let referenced = sqlx::query(
            "SELECT 1 AS x FROM tags WHERE manifest_id = $1 \
             UNION ALL SELECT 1 AS x FROM manifest_references WHERE child_id = $1 LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await?
        .is_some();
        let subject_alive = match &subject {
            Some(s) => sqlx::query(
                "SELECT 1 AS x FROM manifests WHERE repository_id = $1 AND digest = $2",
            )
            .bind(repository_id)
            .bind(s)
            .fetch_optional(&mut *w.tx)
            .await?
            .is_some(),
            None => false,
        };
        if referenced || subject_alive {
            sqlx::query("DELETE FROM gc_manifest_review_queue WHERE manifest_id = $1")
                .bind(id)
                .execute(&mut *w.tx)
                .await?;
            w.commit().await?;
            return Ok(Outcome::Dropped);
        }
        // Cascades delete its blob and child references and its queue row; triggers queue
        // its blobs, children and referrers.
        sqlx::query("DELETE FROM manifests WHERE id = $1")
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        tracing::debug!(manifest_id = id, "GC deleted an unreferenced manifest");
        Ok(Outcome::Deleted(0))
    }

    /// Reviews due blobs. Each item runs inside a savepoint (a failed statement or a refused
    /// storage delete rolls back that item only); up to `SQLITE_BATCH` (SQLite) or `PG_BATCH`
    /// (PostgreSQL) items, or 50 ms of work, share one transaction, saving a WAL commit per item on SQLite.
    async fn review_blobs(&self, digests: &[String], pass: &mut RunReport) -> Result<()> {
        let (max_items, max_time) = match self.meta.db().backend {
            Backend::Sqlite => (SQLITE_BATCH, SQLITE_BATCH_TIME),
            Backend::Postgres => (PG_BATCH, SQLITE_BATCH_TIME),
        };
        let mut next = 0;
        while next < digests.len() {
            let mut w = self.meta.begin_write().await?;
            let started = Instant::now();
            let mut failures: Vec<(&str, i64, String)> = Vec::new();
            let mut outcomes: Vec<Outcome> = Vec::new();
            let mut items = 0;
            while next < digests.len() && items < max_items && (items == 0 || started.elapsed() < max_time) {
                let digest = digests[next].as_str();
                next += 1;
                items += 1;
                sqlx::query("SAVEPOINT gc_item").execute(&mut *w.tx).await?;
                match self.review_blob_in(&mut w, digest).await {
                    Ok(Step::Delete { size }) => {
                        let deleted = match digest.parse::<Digest>() {
                            Ok(d) => self.store.delete(&d).await,
                            // Not a digest this store can address: no bytes to delete.
                            Err(_) => Ok(()),
                        };
                        match deleted {
                            Ok(()) => {
                                sqlx::query("RELEASE SAVEPOINT gc_item").execute(&mut *w.tx).await?;
                                outcomes.push(Outcome::Deleted(size));
                            }
                            Err(e) => {
                                sqlx::query("ROLLBACK TO SAVEPOINT gc_item").execute(&mut *w.tx).await?;
                                sqlx::query("RELEASE SAVEPOINT gc_item").execute(&mut *w.tx).await?;
                                let attempts = self.attempts(&mut w, digest).await? + 1;
                                failures.push((digest, attempts, e.to_string()));
                            }
                        }
                    }
                    Ok(Step::Done(o)) => {
                        sqlx::query("RELEASE SAVEPOINT gc_item").execute(&mut *w.tx).await?;
                        outcomes.push(o);
                    }
                    Err(e) => {
                        sqlx::query("ROLLBACK TO SAVEPOINT gc_item").execute(&mut *w.tx).await?;
                        sqlx::query("RELEASE SAVEPOINT gc_item").execute(&mut *w.tx).await?;
                        tracing::warn!(%digest, error = %e, "GC review of a blob failed; will retry");
                        pass.errors += 1;
                    }
                }
            }
            for (digest, attempts, error) in &failures {
                let backoff = self.config.backoff(*attempts);
                tracing::warn!(
                    %digest,
                    attempts,
                    retry_in_secs = backoff.as_secs_f64(),
                    error = %error,
                    "blob storage refused to delete an unreferenced blob; will retry"
                );
                sqlx::query(
                    "UPDATE gc_blob_review_queue SET attempts = $1, retry_after = $2, last_error = $3 WHERE digest = $4",
                )
                .bind(*attempts)
                .bind(now_millis() + backoff.as_millis() as i64)
                .bind(error)
                .bind(*digest)
                .execute(&mut *w.tx)
                .await?;
            }
            w.commit().await?;
            for o in outcomes {
                count(pass, o, true);
            }
            for _ in failures {
                count(pass, Outcome::Failed, true);
            }
        }
        Ok(())
    }

    async fn attempts(&self, w: &mut WriteTx<'_>, digest: &str) -> Result<i64> {
        Ok(sqlx::query("SELECT attempts FROM gc_blob_review_queue WHERE digest = $1")
            .bind(digest)
            .fetch_optional(&mut *w.tx)
            .await?
            .map(|r| r.try_get::<i64, _>("attempts"))
            .transpose()?
            .unwrap_or(0))
    }

    /// Locks, re-checks and (when unreferenced) deletes the rows of one blob; the caller
    /// deletes the bytes before the transaction commits.
    async fn review_blob_in(&self, w: &mut WriteTx<'_>, digest: &str) -> Result<Step> {
        let lock = match self.meta.db().backend {
            // The blob row is the one a manifest PUT share-locks while verifying references.
            Backend::Postgres => " FOR UPDATE OF q, b SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let now = now_millis();
        let Some(row) = sqlx::query(&format!(
            "SELECT b.size, \
             CAST(CASE WHEN EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = q.digest) THEN 1 ELSE 0 END AS BIGINT) AS referenced, \
             CAST(CASE WHEN EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.blob_digest = q.digest) THEN 1 ELSE 0 END AS BIGINT) AS linked \
             FROM gc_blob_review_queue q JOIN blobs b ON b.digest = q.digest \
             WHERE q.digest = $1 AND q.queued_at <= $2 AND q.retry_after <= $3{lock}"
        ))
        .bind(digest)
        .bind(now - self.delay_ms())
        .bind(now)
        .fetch_optional(&mut *w.tx)
        .await?
        else {
            // Reviewed by another worker, postponed, or (PostgreSQL) locked by a push.
            return Ok(Step::Done(Outcome::Gone));
        };
        if row.try_get::<i64, _>("referenced")? != 0 {
            sqlx::query("DELETE FROM gc_blob_review_queue WHERE digest = $1")
                .bind(digest)
                .execute(&mut *w.tx)
                .await?;
            return Ok(Step::Done(Outcome::Dropped));
        }
        if row.try_get::<i64, _>("linked")? != 0 {
            sqlx::query("DELETE FROM repository_blobs WHERE blob_digest = $1")
                .bind(digest)
                .execute(&mut *w.tx)
                .await?;
        }
        // Cascades to the queue row.
        sqlx::query("DELETE FROM blobs WHERE digest = $1")
            .bind(digest)
            .execute(&mut *w.tx)
            .await?;
        Ok(Step::Delete {
            size: row.try_get::<i64, _>("size")? as u64,
        })
    }
}

/// Rows of one blob item were handled: delete the bytes, or nothing more to do.
enum Step {
    Delete { size: u64 },
    Done(Outcome),
}

const SQLITE_BATCH: usize = 200;
/// PostgreSQL: one item per transaction (row locks held briefly; batching measured no faster,
/// its cost is per statement, not per commit).
const PG_BATCH: usize = 1;
const SQLITE_BATCH_TIME: Duration = Duration::from_millis(50);

fn count(r: &mut RunReport, o: Outcome, blob: bool) {
    match o {
        Outcome::Deleted(bytes) => {
            if blob {
                r.blobs_deleted += 1;
                r.bytes_freed += bytes;
            } else {
                r.manifests_deleted += 1;
            }
        }
        Outcome::Dropped => r.dropped += 1,
        Outcome::Busy => r.busy += 1,
        Outcome::Gone => {}
        Outcome::Failed => r.storage_failures += 1,
    }
}
