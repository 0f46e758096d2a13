-- Work that must survive a restart (berth-platform): bulk tag deletes requested through the
-- REST API, and projects and groups being deleted (their repositories go first).
-- Timestamps are milliseconds since the Unix epoch.

-- One row per accepted bulk delete request; removed once done (or given up after 10 tries).
CREATE TABLE bulk_tag_deletions (
    id                 BIGSERIAL PRIMARY KEY,
    repository_id      BIGINT  NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    name_regex_delete  TEXT    NOT NULL,
    name_regex_keep    TEXT    NULL,
    keep_n             BIGINT  NULL,
    older_than_ms      BIGINT  NULL,
    requested_at       BIGINT  NOT NULL,
    next_attempt_at    BIGINT  NOT NULL,
    started_at         BIGINT  NULL,   -- set while a worker runs it; stale after 30 minutes
    failures           BIGINT  NOT NULL DEFAULT 0,
    last_error         TEXT    NULL
);
CREATE INDEX bulk_tag_deletions_due ON bulk_tag_deletions (next_attempt_at);

-- A project being deleted: its repositories are scheduled for deletion, then the project
-- row goes. Cascades with the project.
CREATE TABLE project_deletions (
    project_id    BIGINT  PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    requested_at  BIGINT  NOT NULL
);

-- A group being deleted: its projects are deleted first, then its subgroups and itself.
CREATE TABLE group_deletions (
    namespace_id  BIGINT  PRIMARY KEY REFERENCES namespaces(id) ON DELETE CASCADE,
    requested_at  BIGINT  NOT NULL
);
