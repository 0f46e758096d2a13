-- Registry metadata (berth-registry). The database is the source of truth for repositories,
-- manifests, tags and references; blob storage only holds content-addressed bytes.
-- Timestamps are milliseconds since the Unix epoch.

CREATE TABLE repositories (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    path        TEXT    NOT NULL UNIQUE,
    project_id  INTEGER NULL,          -- filled by the platform (projects); unused by the engine
    status      TEXT    NULL,          -- e.g. delete_scheduled; NULL = active
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE blobs (
    digest      TEXT    PRIMARY KEY,
    size        INTEGER NOT NULL,
    media_type  TEXT    NULL,
    created_at  INTEGER NOT NULL
) STRICT;

-- A blob is visible in a repository only through this link (uploads, mounts).
CREATE TABLE repository_blobs (
    repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    blob_digest   TEXT    NOT NULL REFERENCES blobs(digest),
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (repository_id, blob_digest)
) STRICT;
CREATE INDEX repository_blobs_by_digest ON repository_blobs (blob_digest);

CREATE TABLE manifests (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id  INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    digest         TEXT    NOT NULL,
    media_type     TEXT    NOT NULL,
    size           INTEGER NOT NULL,   -- length of payload
    payload        BLOB    NOT NULL,   -- exact bytes as pushed
    config_digest  TEXT    NULL,
    total_size     INTEGER NOT NULL,   -- payload + referenced blobs (or child manifests' totals)
    subject_digest TEXT    NULL,
    artifact_type  TEXT    NULL,
    pushed_at      INTEGER NOT NULL,
    UNIQUE (repository_id, digest)
) STRICT;
CREATE INDEX manifests_by_subject ON manifests (repository_id, subject_digest);

CREATE TABLE manifest_blobs (
    manifest_id  INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
    blob_digest  TEXT    NOT NULL REFERENCES blobs(digest),
    PRIMARY KEY (manifest_id, blob_digest)
) STRICT;
CREATE INDEX manifest_blobs_by_digest ON manifest_blobs (blob_digest);

-- An index (manifest list) referring to its child manifests.
CREATE TABLE manifest_references (
    parent_id  INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
    child_id   INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
    PRIMARY KEY (parent_id, child_id)
) STRICT;
CREATE INDEX manifest_references_by_child ON manifest_references (child_id);

CREATE TABLE tags (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id  INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    manifest_id    INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (repository_id, name)
) STRICT;
CREATE INDEX tags_by_manifest ON tags (manifest_id);

-- Upload sessions in progress; the bytes live in the blob store under the same id.
CREATE TABLE uploads (
    id               TEXT    PRIMARY KEY,
    repository_path  TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX uploads_by_updated ON uploads (updated_at);

-- SQLite: every registry write transaction starts by bumping this row, which takes the
-- write lock before any read (no deferred read->write upgrade that fails with SQLITE_BUSY).
CREATE TABLE registry_write_lock (
    id  INTEGER PRIMARY KEY,
    n   INTEGER NOT NULL
) STRICT;
INSERT INTO registry_write_lock (id, n) VALUES (1, 0);
