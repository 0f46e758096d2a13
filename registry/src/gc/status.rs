//! What the collector has to do and has done, for the admin page and `/metrics`. Every figure
//! comes from the database (queues and the one-row `gc_state`), so every node and the admin
//! page see the same numbers. Cheap: counts use the queues' indexes (migration
//! `0009_gc_status.sql`), the failing list is bounded.

use berth_db::sqlx::{self, Row};
use berth_db::{now_millis, Db};

use crate::error::Result;

/// How many failing items [`status`] lists (the count covers all of them).
pub const FAILING_LISTED: i64 = 20;

/// Queue sizes and totals for the admin page and metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GcStatus {
    /// Review delay of the most recent worker run (or the default).
    pub review_delay_ms: i64,
    pub blob_queue: i64,
    pub manifest_queue: i64,
    /// Items a worker would review now (past the review delay and any back-off).
    pub blobs_due: i64,
    pub manifests_due: i64,
    /// Queued items whose storage deletion failed at least once.
    pub failing_items: i64,
    /// Up to [`FAILING_LISTED`] of them, most attempts first, with the backend's last error.
    pub failing: Vec<FailingItem>,
    /// Totals since the database was created, over every node.
    pub blobs_deleted: i64,
    pub manifests_deleted: i64,
    pub bytes_freed: i64,
    pub storage_failures: i64,
    pub last_run: Option<LastRun>,
}

/// A queued item whose storage deletion keeps failing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FailingItem {
    /// `blob` or `manifest`.
    pub queue: &'static str,
    /// The blob digest, or the manifest id.
    pub key: String,
    pub attempts: i64,
    /// Next attempt not before (ms since the epoch).
    pub retry_after: i64,
    pub last_error: Option<String>,
}

/// The most recent run of any node (ms since the epoch).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LastRun {
    pub started_at: i64,
    /// `None` while it runs (or if it crashed).
    pub finished_at: Option<i64>,
    pub blobs_deleted: i64,
    pub manifests_deleted: i64,
    pub bytes_freed: i64,
}

/// Queue sizes, items due now, failing items, totals since the database was created, and the
/// last run.
pub async fn status(db: &Db) -> Result<GcStatus> {
    let state = sqlx::query(
        "SELECT review_delay_ms, blobs_deleted, manifests_deleted, bytes_freed, storage_failures, \
         last_run_started_at, last_run_finished_at, last_run_blobs, last_run_manifests, last_run_bytes \
         FROM gc_state WHERE id = 1",
    )
    .fetch_one(&db.pool)
    .await?;
    let delay: i64 = state.try_get("review_delay_ms")?;
    let now = now_millis();
    let blobs = queue_figures(db, Queue::Blob, now - delay, now).await?;
    let manifests = queue_figures(db, Queue::Manifest, now - delay, now).await?;
    let mut failing = blobs.failing_list;
    failing.extend(manifests.failing_list);
    failing.sort_by(|a, b| b.attempts.cmp(&a.attempts).then_with(|| a.key.cmp(&b.key)));
    failing.truncate(FAILING_LISTED as usize);
    let started: Option<i64> = state.try_get("last_run_started_at")?;
    Ok(GcStatus {
        review_delay_ms: delay,
        blob_queue: blobs.size,
        manifest_queue: manifests.size,
        blobs_due: blobs.due,
        manifests_due: manifests.due,
        failing_items: blobs.failing + manifests.failing,
        failing,
        blobs_deleted: state.try_get("blobs_deleted")?,
        manifests_deleted: state.try_get("manifests_deleted")?,
        bytes_freed: state.try_get("bytes_freed")?,
        storage_failures: state.try_get("storage_failures")?,
        last_run: match started {
            Some(started_at) => Some(LastRun {
                started_at,
                finished_at: state.try_get("last_run_finished_at")?,
                blobs_deleted: state.try_get("last_run_blobs")?,
                manifests_deleted: state.try_get("last_run_manifests")?,
                bytes_freed: state.try_get("last_run_bytes")?,
            }),
            None => None,
        },
    })
}

#[derive(Clone, Copy)]
enum Queue {
    Blob,
    Manifest,
}

struct QueueFigures {
    size: i64,
    due: i64,
    failing: i64,
    failing_list: Vec<FailingItem>,
}

async fn queue_figures(db: &Db, queue: Queue, cutoff: i64, now: i64) -> Result<QueueFigures> {
    let (table, key, name) = match queue {
        Queue::Blob => ("gc_blob_review_queue", "digest", "blob"),
        Queue::Manifest => ("gc_manifest_review_queue", "CAST(manifest_id AS TEXT)", "manifest"),
    };
    let pool = &db.pool;
    // Separate statements, each answerable from an index: (queued_at, retry_after) for the
    // due count, the partial `attempts > 0` index for failing items.
    let size: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(pool).await?.try_get(0)?;
    let due: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {table} WHERE queued_at <= $1 AND retry_after <= $2"))
        .bind(cutoff)
        .bind(now)
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    let failing: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {table} WHERE attempts > 0")).fetch_one(pool).await?.try_get(0)?;
    let failing_list = if failing == 0 {
        Vec::new()
    } else {
        sqlx::query(&format!(
            "SELECT {key} AS k, attempts, retry_after, last_error FROM {table} WHERE attempts > 0 \
             ORDER BY attempts DESC LIMIT $1"
        ))
        .bind(FAILING_LISTED)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(FailingItem {
                queue: name,
                key: r.try_get("k")?,
                attempts: r.try_get("attempts")?,
                retry_after: r.try_get("retry_after")?,
                last_error: r.try_get("last_error")?,
            })
        })
        .collect::<Result<_>>()?
    };
    Ok(QueueFigures { size, due, failing, failing_list })
}
