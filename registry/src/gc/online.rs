//! The online worker's run loop and manifest review (one manifest per transaction); blobs are
//! reviewed in claimed batches ([`super::blobs`]). See the module documentation of
//! [`crate::gc`] for the locking argument.

use std::sync::Arc;

use berth_db::now_millis;
use berth_db::sqlx::{self, Row};

use super::{skip_locked, GcConfig};
use crate::error::Result;
use crate::meta::Meta;
use crate::storage::BlobStore;

/// What one [`Collector::run`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    pub blobs_deleted: u64,
    pub manifests_deleted: u64,
    pub bytes_freed: u64,
    /// Items found still referenced and removed from the queue.
    pub dropped: u64,
    /// Manifests left queued because a push held their row (blobs a push holds are skipped
    /// by the claim and not counted).
    pub busy: u64,
    /// Storage deletions that failed (the item is retried after its back-off).
    pub storage_failures: u64,
    /// Items whose review failed on a database error (retried on the next run).
    pub errors: u64,
}

enum Outcome {
    /// Deleted.
    Deleted,
    /// Still referenced: removed from the queue.
    Dropped,
    /// Row locked by a concurrent push.
    Busy,
    /// No longer due or no longer queued (another worker, or postponed).
    Gone,
}

/// The online garbage collector. Cheap to clone; several may run at once, in one process or
/// on several nodes.
#[derive(Clone)]
pub struct Collector {
    pub(super) meta: Meta,
    pub(super) store: Arc<dyn BlobStore>,
    pub(super) config: GcConfig,
}

impl Collector {
    pub(crate) fn new(meta: Meta, store: Arc<dyn BlobStore>, config: GcConfig) -> Collector {
        Collector { meta, store, config }
    }

    pub fn config(&self) -> &GcConfig {
        &self.config
    }

    pub(super) fn delay_ms(&self) -> i64 {
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
                    Ok(o) => count(&mut pass, o),
                    Err(e) => {
                        tracing::warn!(manifest_id = id, error = %e, "GC review of a manifest failed; will retry");
                        pass.errors += 1;
                    }
                }
            }
            self.review_blobs(&mut pass).await;
            self.add_manifest_totals(&pass).await?;
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
        self.finish_run(&total).await?;
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

    /// Records the run's figures as the last run (blob totals are added per batch, in the
    /// batch's transaction).
    async fn finish_run(&self, r: &RunReport) -> Result<()> {
        let mut w = self.meta.begin_write().await?;
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
        w.commit().await
    }

    async fn add_manifest_totals(&self, r: &RunReport) -> Result<()> {
        if r.manifests_deleted == 0 {
            return Ok(());
        }
        let mut w = self.meta.begin_write().await?;
        sqlx::query("UPDATE gc_state SET manifests_deleted = manifests_deleted + $1 WHERE id = 1")
            .bind(r.manifests_deleted as i64)
            .execute(&mut *w.tx)
            .await?;
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
        let Some(m) = sqlx::query(&format!("SELECT repository_id, subject_digest FROM manifests WHERE id = $1{lock}"))
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
            Some(s) => sqlx::query("SELECT 1 AS x FROM manifests WHERE repository_id = $1 AND digest = $2")
                .bind(repository_id)
                .bind(s)
                .fetch_optional(&mut *w.tx)
                .await?
                .is_some(),
            None => false,
        };
        if referenced || subject_alive {
            sqlx::query("DELETE FROM gc_manifest_review_queue WHERE manifest_id = $1").bind(id).execute(&mut *w.tx).await?;
            w.commit().await?;
            return Ok(Outcome::Dropped);
        }
        // Cascades delete its blob and child references and its queue row; triggers queue
        // its blobs, children and referrers.
        sqlx::query("DELETE FROM manifests WHERE id = $1").bind(id).execute(&mut *w.tx).await?;
        w.commit().await?;
        tracing::debug!(manifest_id = id, "GC deleted an unreferenced manifest");
        Ok(Outcome::Deleted)
    }
}

fn count(r: &mut RunReport, o: Outcome) {
    match o {
        Outcome::Deleted => r.manifests_deleted += 1,
        Outcome::Dropped => r.dropped += 1,
        Outcome::Busy => r.busy += 1,
        Outcome::Gone => {}
    }
}
