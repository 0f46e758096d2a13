-- Cleanup policy runs (berth-platform `container_registry::cleanup`). Timestamps are
-- milliseconds since the Unix epoch.

-- The run in progress: a node claims a due policy by setting running_since and its own
-- run_token in one conditional UPDATE (only when no fresh claim exists), so several nodes
-- sharing one database never run the same policy at once; a claim older than the stale
-- limit (a crashed node) may be taken over. run_count counts the runs started.
ALTER TABLE container_expiration_policies ADD COLUMN running_since BIGINT NULL;
ALTER TABLE container_expiration_policies ADD COLUMN run_token TEXT NULL;
ALTER TABLE container_expiration_policies ADD COLUMN run_count BIGINT NOT NULL DEFAULT 0;
-- The last finished run: when it started and ended, how it ended, what it deleted.
ALTER TABLE container_expiration_policies ADD COLUMN last_run_started_at BIGINT NULL;
ALTER TABLE container_expiration_policies ADD COLUMN last_run_finished_at BIGINT NULL;
ALTER TABLE container_expiration_policies ADD COLUMN last_outcome TEXT NULL
    CHECK (last_outcome IS NULL OR last_outcome IN ('completed', 'unfinished', 'failed'));
ALTER TABLE container_expiration_policies ADD COLUMN last_error TEXT NULL;
ALTER TABLE container_expiration_policies ADD COLUMN last_tags_deleted BIGINT NOT NULL DEFAULT 0;

-- Where each repository stands in its project's cleanup (GitLab's names): unscheduled (idle),
-- scheduled (the running policy will get to it), ongoing, unfinished (the run's budget ran
-- out inside this repository; the next run continues here).
ALTER TABLE repositories ADD COLUMN expiration_policy_cleanup_status TEXT NOT NULL DEFAULT 'cleanup_unscheduled'
    CHECK (expiration_policy_cleanup_status IN ('cleanup_unscheduled', 'cleanup_scheduled', 'cleanup_unfinished', 'cleanup_ongoing'));
