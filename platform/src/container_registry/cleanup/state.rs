//! What the project's registry page shows about its cleanup policy: next run, running,
//! "partially completed — will continue", the last outcome, and each repository's status.

use berth_db::sqlx;
use berth_db::Db;

use super::policy::CleanupPolicy;
use super::repositories::{self, RepositoryCleanup};
use super::store::{self, RunOutcome};

/// The last finished run of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastRun {
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub outcome: RunOutcome,
    /// Why a failed run failed.
    pub error: Option<String>,
    pub tags_deleted: i64,
}

/// A project's cleanup state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanupState {
    pub policy: CleanupPolicy,
    /// When the run in progress started (ms), if one is.
    pub running_since: Option<i64>,
    /// The last run stopped at its budget; the next tick continues it.
    pub partially_completed: bool,
    pub last_run: Option<LastRun>,
    /// Runs started so far.
    pub run_count: i64,
}

/// The one line the registry page shows about the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CleanupPhase {
    Disabled,
    /// A run is deleting tags now (since when, ms).
    Running {
        since: i64,
    },
    /// The last run stopped at its budget: "partially completed — will continue".
    PartiallyCompleted,
    /// The last run failed; it is retried at the next tick.
    Failed {
        error: String,
    },
    /// Waiting for the next run (ms).
    Scheduled {
        next_run_at: i64,
    },
}

impl CleanupState {
    pub fn phase(&self) -> CleanupPhase {
        if !self.policy.enabled {
            return CleanupPhase::Disabled;
        }
        if let Some(since) = self.running_since {
            return CleanupPhase::Running { since };
        }
        match &self.last_run {
            Some(r) if r.outcome == RunOutcome::Unfinished => CleanupPhase::PartiallyCompleted,
            Some(r) if r.outcome == RunOutcome::Failed => CleanupPhase::Failed { error: r.error.clone().unwrap_or_default() },
            _ => match self.policy.next_run_at {
                Some(next_run_at) => CleanupPhase::Scheduled { next_run_at },
                None => CleanupPhase::Disabled,
            },
        }
    }

    pub fn running(&self) -> bool {
        self.running_since.is_some()
    }

    /// When the policy runs next (ms); `None` when disabled.
    pub fn next_run_at(&self) -> Option<i64> {
        self.policy.next_run_at.filter(|_| self.policy.enabled)
    }
}

pub async fn project_cleanup_state(db: &Db, project_id: i64) -> sqlx::Result<CleanupState> {
    let policy = store::load(db, project_id).await?;
    let record = store::run_record(db, project_id).await?.unwrap_or_default();
    let last_run = match (record.last_run_started_at, record.last_outcome) {
        (Some(started_at), Some(outcome)) => Some(LastRun {
            started_at,
            finished_at: record.last_run_finished_at,
            outcome,
            error: record.last_error,
            tags_deleted: record.last_tags_deleted,
        }),
        _ => None,
    };
    Ok(CleanupState {
        partially_completed: policy.enabled && last_run.as_ref().is_some_and(|r| r.outcome == RunOutcome::Unfinished),
        policy,
        running_since: record.running_since,
        last_run,
        run_count: record.run_count,
    })
}

/// Each active repository of the project with its cleanup status and
/// `cleanup_policy_started_at`, by path.
pub async fn repository_cleanup_statuses(db: &Db, project_full_path: &str) -> sqlx::Result<Vec<RepositoryCleanup>> {
    repositories::of_project(db, project_full_path).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(enabled: bool, running_since: Option<i64>, outcome: Option<RunOutcome>) -> CleanupState {
        CleanupState {
            policy: CleanupPolicy { enabled, next_run_at: enabled.then_some(500), ..CleanupPolicy::default() },
            running_since,
            partially_completed: outcome == Some(RunOutcome::Unfinished),
            last_run: outcome.map(|outcome| LastRun {
                started_at: 1,
                finished_at: Some(2),
                outcome,
                error: (outcome == RunOutcome::Failed).then(|| "storage refused".to_string()),
                tags_deleted: 3,
            }),
            run_count: 1,
        }
    }

    #[test]
    fn the_page_shows_next_run_running_or_partially_completed() {
        assert_eq!(state(false, None, Some(RunOutcome::Unfinished)).phase(), CleanupPhase::Disabled);
        assert_eq!(state(true, Some(7), Some(RunOutcome::Unfinished)).phase(), CleanupPhase::Running { since: 7 });
        assert_eq!(state(true, None, Some(RunOutcome::Unfinished)).phase(), CleanupPhase::PartiallyCompleted);
        assert_eq!(state(true, None, Some(RunOutcome::Failed)).phase(), CleanupPhase::Failed { error: "storage refused".into() });
        assert_eq!(state(true, None, Some(RunOutcome::Completed)).phase(), CleanupPhase::Scheduled { next_run_at: 500 });
        assert_eq!(state(true, None, None).phase(), CleanupPhase::Scheduled { next_run_at: 500 });
    }
}
