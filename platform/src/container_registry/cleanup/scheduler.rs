//! Running due cleanup policies, bounded per run. The server's job loop calls
//! [`run_due_policies`] every `cleanup_interval_secs`; tests call it with their own clock.
//!
//! A run of one policy: claim it (one conditional UPDATE: several nodes sharing one
//! PostgreSQL never run it twice at once; a claim older than the stale limit belongs to a
//! crashed node and may be taken over), mark the project's idle repositories
//! `cleanup_scheduled`, then per repository — those a previous run left `cleanup_unfinished`
//! first, then by path — evaluate the policy, mark it `cleanup_ongoing` (and
//! `cleanup_policy_started_at`), delete the selected tags through the registry service (so
//! the engine's locking and garbage-collection bookkeeping apply) and set it back to
//! `cleanup_unscheduled`. When the run's tag or time budget is spent first, the repository
//! is `cleanup_unfinished`, the policy stays due and the next tick continues; otherwise
//! `next_run_at = now + cadence`. Every run records its outcome.

use std::time::{Duration, Instant};

use berth_db::Db;
use berth_registry::Registry;
use rand::RngCore;

use super::error::CleanupError;
use super::evaluate::{tags_to_delete, Rules};
use super::policy::CleanupPolicy;
use super::repositories::{self, CleanupStatus};
use super::store::{self, DuePolicy, FinishedRun, RunOutcome};

/// How much one run of one policy may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunLimits {
    /// Tags deleted at most (at least one is always allowed).
    pub max_tags: usize,
    /// Wall time at most; checked before each deletion after the first.
    pub max_duration: Duration,
}

impl Default for RunLimits {
    fn default() -> Self {
        RunLimits { max_tags: 200, max_duration: Duration::from_secs(250) }
    }
}

impl RunLimits {
    /// A claim older than this belongs to a run that died (twice the time budget, at least
    /// ten minutes), in milliseconds.
    pub fn stale_after_ms(&self) -> i64 {
        (self.max_duration.as_millis() as i64 * 2).max(10 * 60 * 1000)
    }
}

/// The budget of one run, started at `started`.
#[derive(Debug, Clone, Copy)]
struct Budget {
    limits: RunLimits,
    started: Instant,
}

impl Budget {
    fn spent(&self, deleted: usize) -> bool {
        deleted >= self.limits.max_tags.max(1) || (deleted > 0 && self.started.elapsed() >= self.limits.max_duration)
    }
}

/// One policy run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRun {
    pub project_id: i64,
    pub outcome: RunOutcome,
    pub tags_deleted: usize,
}

/// What one call of [`run_due_policies`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    /// The policies this call claimed and ran.
    pub runs: Vec<PolicyRun>,
}

impl RunReport {
    pub fn tags_deleted(&self) -> usize {
        self.runs.iter().map(|r| r.tags_deleted).sum()
    }

    pub fn count(&self, outcome: RunOutcome) -> usize {
        self.runs.iter().filter(|r| r.outcome == outcome).count()
    }
}

/// Policies looked at per call; more wait for the next tick.
const DUE_PER_CALL: i64 = 100;

/// Runs every policy due at `now` that this node can claim, one after the other.
pub async fn run_due_policies(db: &Db, registry: &Registry, now: i64, limits: RunLimits) -> Result<RunReport, CleanupError> {
    let stale_before = now - limits.stale_after_ms();
    let mut report = RunReport::default();
    for due in store::due(db, now, stale_before, DUE_PER_CALL).await? {
        let token = run_token();
        let Some(policy) = store::claim(db, due.project_id, &token, now, stale_before).await? else {
            continue; // another node took it, or it changed meanwhile
        };
        let budget = Budget { limits, started: Instant::now() };
        let mut deleted = 0;
        let (outcome, error) = match run_policy(db, registry, &due, &policy, now, budget, &mut deleted).await {
            Ok(done) => done,
            Err(e) => (RunOutcome::Failed, Some(e.to_string())),
        };
        if let Some(e) = &error {
            tracing::warn!(project = %due.project_path, error = %e, "cleanup policy run failed; it stays due");
        } else {
            tracing::info!(project = %due.project_path, outcome = outcome.as_str(), deleted, "cleanup policy ran");
        }
        let finished = FinishedRun {
            started_at: now,
            finished_at: now + budget.started.elapsed().as_millis() as i64,
            outcome,
            error: error.as_deref(),
            tags_deleted: deleted as i64,
            next_run_at: (outcome == RunOutcome::Completed).then(|| now + policy.cadence.millis()),
        };
        store::finish(db, due.project_id, &token, &finished).await?;
        report.runs.push(PolicyRun { project_id: due.project_id, outcome, tags_deleted: deleted });
    }
    Ok(report)
}

fn run_token() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// One claimed run: `(outcome, error)`; counts the tags it deletes in `deleted`.
async fn run_policy(
    db: &Db,
    registry: &Registry,
    due: &DuePolicy,
    policy: &CleanupPolicy,
    now: i64,
    budget: Budget,
    deleted: &mut usize,
) -> Result<(RunOutcome, Option<String>), CleanupError> {
    let regexes = policy.regexes()?;
    let rules = Rules::of_policy(policy, &regexes);
    let service = registry.service();
    let mut repos = repositories::of_project(db, &due.project_path).await?;
    for repo in repos.iter().filter(|r| r.status == CleanupStatus::Unscheduled) {
        repositories::set_status(db, repo.repository_id, CleanupStatus::Scheduled).await?;
    }
    repos.sort_by(|a, b| (a.status != CleanupStatus::Unfinished).cmp(&(b.status != CleanupStatus::Unfinished)).then(a.path.cmp(&b.path)));
    for repo in &repos {
        let tags = service.tags(&repo.path).await?;
        let doomed = tags_to_delete(&tags, &rules, now);
        if doomed.is_empty() {
            repositories::set_status(db, repo.repository_id, CleanupStatus::Unscheduled).await?;
            continue;
        }
        if budget.spent(*deleted) {
            return Ok((RunOutcome::Unfinished, None));
        }
        repositories::start(db, repo.repository_id, now).await?;
        for tag in doomed {
            if budget.spent(*deleted) {
                repositories::set_status(db, repo.repository_id, CleanupStatus::Unfinished).await?;
                return Ok((RunOutcome::Unfinished, None));
            }
            match service.delete_tag(&repo.path, &tag.name).await {
                Ok(true) => *deleted += 1,
                Ok(false) => {} // gone meanwhile
                Err(e) => {
                    repositories::set_status(db, repo.repository_id, CleanupStatus::Unfinished).await?;
                    let error = format!("deleting {}:{} failed: {e}", repo.path, tag.name);
                    return Ok((RunOutcome::Failed, Some(error)));
                }
            }
        }
        repositories::set_status(db, repo.repository_id, CleanupStatus::Unscheduled).await?;
    }
    Ok((RunOutcome::Completed, None))
}
