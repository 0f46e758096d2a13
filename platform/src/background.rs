//! The deletion work every Berth node runs in the background (and request handlers nudge):
//! groups and projects being deleted, repositories scheduled for deletion, bulk tag deletes.
//! Everything it works from is in the database, so a restart loses nothing.

use berth_db::Db;
use berth_registry::Registry;

use crate::container_registry::{bulk_delete, deletion};
use crate::{group_lifecycle, project_lifecycle};

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeletionRun {
    pub repositories: usize,
    pub tags: usize,
    pub projects: usize,
    pub groups: usize,
}

impl DeletionRun {
    pub fn is_empty(&self) -> bool {
        *self == DeletionRun::default()
    }
}

/// Runs every kind of pending deletion once, in dependency order: groups schedule their
/// projects, projects their repositories; repositories and bulk deletes are worked off;
/// then projects and groups whose contents are gone are removed.
pub async fn run_pending_deletion_work(db: &Db, registry: &Registry) -> deletion::Result<DeletionRun> {
    let mut run = DeletionRun::default();
    run.groups += group_lifecycle::run_pending_group_deletions(db).await?;
    run.projects += project_lifecycle::run_pending_project_deletions(db).await?;
    run.repositories += deletion::run_pending_deletions(db, registry).await?;
    run.tags += bulk_delete::run_pending_bulk_deletes(db, registry).await?;
    run.projects += project_lifecycle::run_pending_project_deletions(db).await?;
    run.groups += group_lifecycle::run_pending_group_deletions(db).await?;
    Ok(run)
}

/// Starts [`run_pending_deletion_work`] in the background, so that a delete requested from
/// the UI or the REST API is worked off at once instead of at the job loop's next tick (which
/// retries anything this run fails to do).
pub fn start_deletion_work(db: Db, registry: Registry) {
    tokio::spawn(async move {
        if let Err(e) = run_pending_deletion_work(&db, &registry).await {
            tracing::warn!(error = %e, "deletion run failed; the job loop retries");
        }
    });
}
