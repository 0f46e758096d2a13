//! SQL of `container_expiration_policies`: the saved policy, and the run bookkeeping
//! (claim, finish, last outcome).

use berth_db::sqlx::{self, any::AnyRow, Row};
use berth_db::Db;

use super::policy::{Cadence, CleanupPolicy, OlderThan, PolicyError, PolicyInput};

const POLICY_COLUMNS: &str = "enabled, cadence, keep_n, older_than, name_regex, name_regex_keep, next_run_at";

fn policy_from_row(r: &AnyRow) -> CleanupPolicy {
    let defaults = CleanupPolicy::default();
    CleanupPolicy {
        enabled: r.get::<i64, _>("enabled") == 1,
        cadence: Cadence::parse(&r.get::<String, _>("cadence")).unwrap_or(defaults.cadence),
        keep_n: r.get::<Option<i64>, _>("keep_n").and_then(|n| u32::try_from(n).ok()),
        older_than: r.get::<Option<String>, _>("older_than").and_then(|o| OlderThan::parse(&o)),
        name_regex: r.get("name_regex"),
        name_regex_keep: r.get("name_regex_keep"),
        next_run_at: r.get("next_run_at"),
    }
}

async fn load_saved(db: &Db, project_id: i64) -> sqlx::Result<Option<CleanupPolicy>> {
    let row = sqlx::query(&format!("SELECT {POLICY_COLUMNS} FROM container_expiration_policies WHERE project_id = $1"))
        .bind(project_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(policy_from_row))
}

/// The project's policy: the saved one, or the defaults when none was saved.
pub async fn load(db: &Db, project_id: i64) -> sqlx::Result<CleanupPolicy> {
    Ok(load_saved(db, project_id).await?.unwrap_or_default())
}

/// Applies `input` (only the fields present) to the project's policy, every value checked,
/// and stores it. Enabling it or changing its cadence schedules the next run at
/// `now + cadence`; disabling it unschedules it.
pub async fn save(db: &Db, project_id: i64, input: &PolicyInput, now: i64) -> Result<CleanupPolicy, PolicyError> {
    let previous = load_saved(db, project_id).await?;
    let mut policy = previous.clone().unwrap_or_default().apply(input)?;
    policy.reschedule(previous.as_ref(), now);
    sqlx::query(
        "INSERT INTO container_expiration_policies \
             (project_id, enabled, cadence, keep_n, older_than, name_regex, name_regex_keep, next_run_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
         ON CONFLICT (project_id) DO UPDATE SET enabled = excluded.enabled, cadence = excluded.cadence, \
             keep_n = excluded.keep_n, older_than = excluded.older_than, name_regex = excluded.name_regex, \
             name_regex_keep = excluded.name_regex_keep, next_run_at = excluded.next_run_at, updated_at = excluded.updated_at",
    )
    .bind(project_id)
    .bind(policy.enabled as i64)
    .bind(policy.cadence.as_str())
    .bind(policy.keep_n.map(i64::from))
    .bind(policy.older_than.map(OlderThan::as_str))
    .bind(&policy.name_regex)
    .bind(&policy.name_regex_keep)
    .bind(policy.next_run_at)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(policy)
}

/// A policy due to run: its project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuePolicy {
    pub project_id: i64,
    pub project_path: String,
}

/// Enabled policies with `next_run_at <= now` and no fresh claim (one older than
/// `stale_before` is a crashed run), of projects whose registry is not disabled; the
/// longest-waiting first.
pub async fn due(db: &Db, now: i64, stale_before: i64, limit: i64) -> sqlx::Result<Vec<DuePolicy>> {
    let rows = sqlx::query(
        "SELECT p.project_id, pr.full_path FROM container_expiration_policies p JOIN projects pr ON pr.id = p.project_id \
         WHERE p.enabled = 1 AND p.next_run_at <= $1 AND (p.running_since IS NULL OR p.running_since <= $2) \
           AND pr.container_registry_access_level <> 'disabled' \
         ORDER BY p.next_run_at, p.project_id LIMIT $3",
    )
    .bind(now)
    .bind(stale_before)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(|r| DuePolicy { project_id: r.get("project_id"), project_path: r.get("full_path") }).collect())
}

/// Claims a due policy for one run, marked with `token`: a single conditional UPDATE, so of
/// several nodes racing for it exactly one succeeds (on PostgreSQL the losers wait for the
/// winner's row lock and then see the claim; SQLite has one writer). Returns the policy as
/// claimed, or `None` when it is not due or another run holds a fresh claim.
pub async fn claim(db: &Db, project_id: i64, token: &str, now: i64, stale_before: i64) -> sqlx::Result<Option<CleanupPolicy>> {
    let row = sqlx::query(&format!(
        "UPDATE container_expiration_policies SET running_since = $1, run_token = $2, run_count = run_count + 1 \
         WHERE project_id = $3 AND enabled = 1 AND next_run_at <= $1 AND (running_since IS NULL OR running_since <= $4) \
         RETURNING {POLICY_COLUMNS}"
    ))
    .bind(now)
    .bind(token)
    .bind(project_id)
    .bind(stale_before)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(policy_from_row))
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every selected tag went; the next run is a cadence away.
    Completed,
    /// The run's tag or time budget ran out; the policy stays due and continues.
    Unfinished,
    /// A deletion failed; the policy stays due and is retried.
    Failed,
}

impl RunOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Completed => "completed",
            RunOutcome::Unfinished => "unfinished",
            RunOutcome::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<RunOutcome> {
        [RunOutcome::Completed, RunOutcome::Unfinished, RunOutcome::Failed].into_iter().find(|o| o.as_str() == s)
    }
}

/// What a finished run records.
#[derive(Debug, Clone)]
pub struct FinishedRun<'a> {
    pub started_at: i64,
    pub finished_at: i64,
    pub outcome: RunOutcome,
    pub error: Option<&'a str>,
    pub tags_deleted: i64,
    /// The next run, or `None` to stay due.
    pub next_run_at: Option<i64>,
}

/// Releases the claim `token` and records the run. A policy disabled meanwhile stays
/// unscheduled.
pub async fn finish(db: &Db, project_id: i64, token: &str, run: &FinishedRun<'_>) -> sqlx::Result<()> {
    let error: Option<String> = run.error.map(|e| e.chars().take(1000).collect());
    sqlx::query(
        "UPDATE container_expiration_policies SET running_since = NULL, run_token = NULL, \
             next_run_at = CASE WHEN enabled = 1 THEN COALESCE($1, next_run_at) ELSE NULL END, \
             last_run_started_at = $2, last_run_finished_at = $3, last_outcome = $4, last_error = $5, last_tags_deleted = $6 \
         WHERE project_id = $7 AND run_token = $8",
    )
    .bind(run.next_run_at)
    .bind(run.started_at)
    .bind(run.finished_at)
    .bind(run.outcome.as_str())
    .bind(error)
    .bind(run.tags_deleted)
    .bind(project_id)
    .bind(token)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The run bookkeeping of a project's policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunRecord {
    pub running_since: Option<i64>,
    pub run_count: i64,
    pub last_run_started_at: Option<i64>,
    pub last_run_finished_at: Option<i64>,
    pub last_outcome: Option<RunOutcome>,
    pub last_error: Option<String>,
    pub last_tags_deleted: i64,
}

/// `None` when the project never saved a policy.
pub async fn run_record(db: &Db, project_id: i64) -> sqlx::Result<Option<RunRecord>> {
    let row = sqlx::query(
        "SELECT running_since, run_count, last_run_started_at, last_run_finished_at, last_outcome, last_error, last_tags_deleted \
         FROM container_expiration_policies WHERE project_id = $1",
    )
    .bind(project_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| RunRecord {
        running_since: r.get("running_since"),
        run_count: r.get("run_count"),
        last_run_started_at: r.get("last_run_started_at"),
        last_run_finished_at: r.get("last_run_finished_at"),
        last_outcome: r.get::<Option<String>, _>("last_outcome").and_then(|o| RunOutcome::parse(&o)),
        last_error: r.get("last_error"),
        last_tags_deleted: r.get("last_tags_deleted"),
    }))
}
