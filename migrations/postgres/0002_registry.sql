-- Registry metadata (berth-registry). The database is the source of truth for repositories,
-- manifests, tags and references; blob storage only holds content-addressed bytes.
-- Timestamps are milliseconds since the Unix epoch.

CREATE TABLE repositories (
    id          BIGSERIAL PRIMARY KEY,
    path        TEXT    NOT NULL UNIQUE,
    project_id  BIGINT  NULL,          -- filled by the platform (projects); unused by the engine
    status      TEXT    NULL,          -- e.g. delete_scheduled; NULL = active
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE blobs (
    digest      TEXT    PRIMARY KEY,
    size        BIGINT  NOT NULL,
    media_type  TEXT    NULL,
    created_at  BIGINT  NOT NULL
);

-- A blob is visible in a repository only through this link (uploads, mounts).
CREATE TABLE repository_blobs (
    repository_id BIGINT  NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    blob_digest   TEXT    NOT NULL REFERENCES blobs(digest),
    created_at    BIGINT  NOT NULL,
    PRIMARY KEY (repository_id, blob_digest)
);
CREATE INDEX repository_blobs_by_digest ON repository_blobs (blob_digest);

CREATE TABLE manifests (
    id             BIGSERIAL PRIMARY KEY,
    repository_id  BIGINT  NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    digest         TEXT    NOT NULL,
    media_type     TEXT    NOT NULL,
    size           BIGINT  NOT NULL,   -- length of payload
    payload        BYTEA   NOT NULL,   -- exact bytes as pushed
    config_digest  TEXT    NULL,
    total_size     BIGINT  NOT NULL,   -- payload + referenced blobs (or child manifests' totals)
    subject_digest TEXT    NULL,
    artifact_type  TEXT    NULL,
    pushed_at      BIGINT  NOT NULL,
    UNIQUE (repository_id, digest)
);
CREATE INDEX manifests_by_subject ON manifests (repository_id, subject_digest);

CREATE TABLE manifest_blobs (
    manifest_id  BIGINT  NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
    blob_digest  TEXT    NOT NULL REFERENCES blobs(digest),
    PRIMARY KEY (manifest_id, blob_digest)
);
CREATE INDEX manifest_blobs_by_digest ON manifest_blobs (blob_digest);

-- An index (manifest list) referring to its child manifests.
CREATE TABLE manifest_references (
    parent_id  BIGINT  NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
    child_id   BIGINT  NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
    PRIMARY KEY (parent_id, child_id)
);
CREATE INDEX manifest_references_by_child ON manifest_references (child_id);

CREATE TABLE tags (
    id             BIGSERIAL PRIMARY KEY,
    repository_id  BIGINT  NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    manifest_id    BIGINT  NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    UNIQUE (repository_id, name)
);
CREATE INDEX tags_by_manifest ON tags (manifest_id);

-- Upload sessions in progress; the bytes live in the blob store under the same id.
CREATE TABLE uploads (
    id               TEXT    PRIMARY KEY,
    repository_path  TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX uploads_by_updated ON uploads (updated_at);

-- SQLite: every registry write transaction starts by bumping this row, which takes the
-- write lock before any read (no deferred read->write upgrade that fails with SQLITE_BUSY).
CREATE TABLE registry_write_lock (
    id  BIGINT PRIMARY KEY,
    n   BIGINT NOT NULL
);
INSERT INTO registry_write_lock (id, n) VALUES (1, 0);
