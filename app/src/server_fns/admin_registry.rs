//! Admin area › Registry: garbage collection status, and repositories whose deletion failed
//! (with a retry). Administrators only; others get not-found.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GcView {
    pub review_delay_ms: i64,
    pub blob_queue: i64,
    pub manifest_queue: i64,
    pub blobs_due: i64,
    pub manifests_due: i64,
    pub failing_items: i64,
    pub blobs_deleted: i64,
    pub manifests_deleted: i64,
    pub bytes_freed: i64,
    /// (started, finished, bytes freed in that run)
    pub last_run: Option<(i64, Option<i64>, i64)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailedDeletion {
    pub id: i64,
    pub path: String,
    pub failures: i64,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminRegistryData {
    pub gc: GcView,
    pub failed: Vec<FailedDeletion>,
    pub now: i64,
}

#[server(prefix = "/-/fn", endpoint = "admin_registry")]
pub async fn admin_registry() -> Result<AdminRegistryData, AppError> {
    let cx = super::ctx::ctx().await?;
    cx.require_admin()?;
    let s = berth_registry::gc::status(cx.db()).await.map_err(|e| {
        tracing::error!(error = %e, "cannot read the garbage collection status");
        AppError::Internal
    })?;
    let failed = berth_platform::container_registry::listing::repositories::failed_deletions(cx.db()).await?;
    Ok(AdminRegistryData {
        gc: GcView {
            review_delay_ms: s.review_delay_ms,
            blob_queue: s.blob_queue,
            manifest_queue: s.manifest_queue,
            blobs_due: s.blobs_due,
            manifests_due: s.manifests_due,
            failing_items: s.failing_items,
            blobs_deleted: s.blobs_deleted,
            manifests_deleted: s.manifests_deleted,
            bytes_freed: s.bytes_freed,
            last_run: s.last_run.map(|r| (r.started_at, r.finished_at, r.bytes_freed)),
        },
        failed: failed
            .into_iter()
            .map(|r| FailedDeletion { id: r.id, path: r.path, failures: r.delete_failures, last_error: r.delete_last_error })
            .collect(),
        now: berth_db::now_millis(),
    })
}

/// Schedules a failed repository deletion again, from zero attempts.
#[server(prefix = "/-/fn", endpoint = "admin_retry_repository_deletion")]
pub async fn admin_retry_repository_deletion(repository_id: i64) -> Result<(), AppError> {
    use berth_platform::container_registry::deletion;

    let cx = super::ctx::ctx().await?;
    cx.require_admin()?;
    if !deletion::retry_failed(cx.db(), repository_id).await? {
        return Err(AppError::Invalid("this repository is not waiting for a retry".into()));
    }
    berth_platform::background::start_deletion_work(cx.server.db.clone(), cx.server.registry.clone());
    Ok(())
}
