//! Background work of every Berth node.

use std::time::Duration;

use crate::state::AppState;

/// How often stale upload sessions are looked for.
const UPLOAD_PURGE_INTERVAL: Duration = Duration::from_secs(15 * 60);

pub struct Jobs {
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl Jobs {
    pub fn abort(self) {
        for handle in self.handles {
            handle.abort();
        }
    }
}

pub fn spawn(state: &AppState) -> Jobs {
    let registry = state.registry.clone();
    let stale_after = Duration::from_secs(state.config.upload_stale_after_secs);
    let purge = tokio::spawn(async move {
        let mut tick = tokio::time::interval(UPLOAD_PURGE_INTERVAL);
        loop {
            tick.tick().await;
            match registry.purge_stale_uploads(stale_after).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "purged stale uploads"),
                Err(e) => tracing::warn!(error = %e, "stale upload purge failed; will retry"),
            }
        }
    });
    let mut handles = vec![purge, tokio::spawn(repository_deletion_worker(state.clone())), tokio::spawn(token_key_reloader(state.clone()))];
    if state.config.gc_interval_secs > 0 {
        handles.push(tokio::spawn(gc_worker(state.clone())));
    }
    if state.config.cleanup_interval_secs > 0 {
        handles.push(tokio::spawn(cleanup_policy_worker(state.clone())));
    }
    Jobs { handles }
}

/// How often each node reads the token signing keys again, to sign with a key rotated in by
/// `berth rotate-token-key` (a token from an unknown key also reloads them at once).
pub const TOKEN_KEY_RELOAD_INTERVAL: Duration = Duration::from_secs(30);

async fn token_key_reloader(state: AppState) {
    let mut tick = tokio::time::interval(TOKEN_KEY_RELOAD_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(e) = state.token_issuer.ring().reload().await {
            tracing::warn!(error = %e, "cannot reload the registry token keys; signing with the ones loaded before");
        }
    }
}

/// How often pending deletions (repositories, bulk tag deletes, projects, groups; failed
/// attempts due for a retry) are looked for; a REST or UI delete also starts a run at once.
const REPOSITORY_DELETION_INTERVAL: Duration = Duration::from_secs(60);

async fn repository_deletion_worker(state: AppState) {
    let mut tick = tokio::time::interval(REPOSITORY_DELETION_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // Repositories, bulk tag deletes, and projects and groups being deleted.
        match berth_platform::background::run_pending_deletion_work(&state.db, &state.registry).await {
            Ok(run) if run.is_empty() => {}
            Ok(run) => tracing::info!(
                repositories = run.repositories,
                tags = run.tags,
                projects = run.projects,
                groups = run.groups,
                "deletion work done"
            ),
            Err(e) => tracing::warn!(error = %e, "deletion run failed; will retry"),
        }
    }
}

/// Cleanup policies: every `cleanup_interval_secs`, runs the policies that are due, each
/// bounded by `cleanup_max_tags_per_run` and `cleanup_max_run_secs` (an unfinished one
/// continues at the next tick). Several nodes may run this at once: a policy run is claimed
/// in the database.
async fn cleanup_policy_worker(state: AppState) {
    use berth_platform::container_registry::cleanup::{run_due_policies, RunOutcome};
    let limits = state.config.cleanup_limits();
    let mut tick = tokio::time::interval(Duration::from_secs(state.config.cleanup_interval_secs));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match run_due_policies(&state.db, &state.registry, berth_db::now_millis(), limits).await {
            Ok(report) if report.runs.is_empty() => {}
            Ok(report) => tracing::info!(
                policies = report.runs.len(),
                unfinished = report.count(RunOutcome::Unfinished),
                failed = report.count(RunOutcome::Failed),
                tags_deleted = report.tags_deleted(),
                "cleanup policies ran"
            ),
            Err(e) => tracing::warn!(error = %e, "cleanup policy run failed; will retry"),
        }
    }
}

/// The online garbage collector: every `gc_interval_secs`, reviews what is due (several
/// nodes may run it at once; the database coordinates them) and publishes its state as
/// Prometheus metrics.
async fn gc_worker(state: AppState) {
    let config = berth_registry::gc::GcConfig::with_review_delay(Duration::from_secs(state.config.gc_review_delay_secs));
    let collector = state.registry.collector(config);
    let mut tick = tokio::time::interval(Duration::from_secs(state.config.gc_interval_secs));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match collector.run().await {
            Ok(r) => {
                metrics::counter!("berth_gc_blobs_deleted_total").increment(r.blobs_deleted);
                metrics::counter!("berth_gc_manifests_deleted_total").increment(r.manifests_deleted);
                metrics::counter!("berth_gc_bytes_freed_total").increment(r.bytes_freed);
                metrics::counter!("berth_gc_storage_delete_failures_total").increment(r.storage_failures);
                metrics::gauge!("berth_gc_last_run_timestamp_seconds").set(berth_db::now_millis() as f64 / 1000.0);
            }
            Err(e) => tracing::warn!(error = %e, "garbage collection run failed; will retry"),
        }
        publish_gc_status(&state.db).await;
    }
}

/// Queue sizes and items due, as gauges (shared by every node: they read the database).
pub async fn publish_gc_status(db: &berth_db::Db) {
    match berth_registry::gc::status(db).await {
        Ok(s) => {
            metrics::gauge!("berth_gc_queue_size", "queue" => "blob").set(s.blob_queue as f64);
            metrics::gauge!("berth_gc_queue_size", "queue" => "manifest").set(s.manifest_queue as f64);
            metrics::gauge!("berth_gc_items_due", "queue" => "blob").set(s.blobs_due as f64);
            metrics::gauge!("berth_gc_items_due", "queue" => "manifest").set(s.manifests_due as f64);
            metrics::gauge!("berth_gc_failing_items").set(s.failing_items as f64);
            metrics::gauge!("berth_gc_bytes_freed_all_nodes").set(s.bytes_freed as f64);
            if let Some(run) = &s.last_run {
                metrics::gauge!("berth_gc_last_run_started_timestamp_seconds").set(run.started_at as f64 / 1000.0);
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot read the garbage collection status"),
    }
}
