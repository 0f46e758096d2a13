-- Work that must survive a restart (berth-platform): bulk tag deletes requested through the
-- REST API, and projects and groups being deleted (their repositories go first).
-- Timestamps are milliseconds since the Unix epoch.

-- One row per accepted bulk delete request; removed once done (or given up after 10 tries).
CREATE TABLE bulk_tag_deletions (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id      INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    name_regex_delete  TEXT    NOT NULL,
    name_regex_keep    TEXT    NULL,
    keep_n             INTEGER NULL,
    older_than_ms      INTEGER NULL,
    requested_at       INTEGER NOT NULL,
    next_attempt_at    INTEGER NOT NULL,
    started_at         INTEGER NULL,   -- set while a worker runs it; stale after 30 minutes
    failures           INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT    NULL
) STRICT;
CREATE INDEX bulk_tag_deletions_due ON bulk_tag_deletions (next_attempt_at);

-- A project being deleted: its repositories are scheduled for deletion, then the project
-- row goes. Cascades with the project.
CREATE TABLE project_deletions (
    project_id    INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    requested_at  INTEGER NOT NULL
) STRICT;

-- A group being deleted: its projects are deleted first, then its subgroups and itself.
CREATE TABLE group_deletions (
    namespace_id  INTEGER PRIMARY KEY REFERENCES namespaces(id) ON DELETE CASCADE,
    requested_at  INTEGER NOT NULL
) STRICT;
