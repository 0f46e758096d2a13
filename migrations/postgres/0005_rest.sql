-- REST API bookkeeping (berth-rest): cleanup (expiration) policies, repository deletion
-- progress and the bulk tag delete rate limit. Timestamps are milliseconds since the epoch.

-- One row per project that has saved a policy; a project without a row has the defaults.
CREATE TABLE container_expiration_policies (
    project_id       BIGINT  PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    enabled          BIGINT  NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    cadence          TEXT    NOT NULL DEFAULT '1d' CHECK (cadence IN ('1d', '7d', '14d', '1month', '3month')),
    keep_n           BIGINT  NULL CHECK (keep_n IS NULL OR keep_n IN (1, 5, 10, 25, 50, 100)),
    older_than       TEXT    NULL CHECK (older_than IS NULL OR older_than IN ('7d', '14d', '30d', '90d')),
    name_regex       TEXT    NULL,
    name_regex_keep  TEXT    NULL,
    next_run_at      BIGINT  NULL,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX container_expiration_policies_due ON container_expiration_policies (enabled, next_run_at);

-- Repository deletion (status delete_scheduled / delete_ongoing / delete_failed): failed
-- attempts, when the next one is due, when the running one started, the last error.
ALTER TABLE repositories ADD COLUMN delete_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE repositories ADD COLUMN delete_next_attempt_at BIGINT NULL;
ALTER TABLE repositories ADD COLUMN delete_started_at BIGINT NULL;
ALTER TABLE repositories ADD COLUMN delete_last_error TEXT NULL;
-- When a cleanup run or a bulk delete last started on this repository (REST field
-- cleanup_policy_started_at; the bulk endpoint allows one request per hour).
ALTER TABLE repositories ADD COLUMN cleanup_policy_started_at BIGINT NULL;
CREATE INDEX repositories_by_status ON repositories (status, delete_next_attempt_at);
