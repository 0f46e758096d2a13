-- Online garbage collection (berth-registry `gc` module). Two review queues are filled by
-- triggers on the events that can leave something unreferenced, and by the registry code for
-- uploads and untagged manifest pushes. A worker reviews an item once
-- `queued_at <= now - review_delay` and `retry_after <= now`, re-checks it under a lock and
-- deletes it. Re-queuing an item that is already queued postpones it (upsert on the key).
-- Timestamps are milliseconds since the Unix epoch.

CREATE TABLE gc_blob_review_queue (
    digest      TEXT    PRIMARY KEY REFERENCES blobs(digest) ON DELETE CASCADE,
    queued_at   INTEGER NOT NULL,
    event       TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,     -- failed storage deletions so far
    retry_after INTEGER NOT NULL DEFAULT 0,     -- back-off after a failure
    last_error  TEXT    NULL
) STRICT;
CREATE INDEX gc_blob_review_queue_due ON gc_blob_review_queue (queued_at);

CREATE TABLE gc_manifest_review_queue (
    manifest_id   INTEGER PRIMARY KEY REFERENCES manifests(id) ON DELETE CASCADE,
    repository_id INTEGER NOT NULL,
    queued_at     INTEGER NOT NULL,
    event         TEXT    NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    retry_after   INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT    NULL
) STRICT;
CREATE INDEX gc_manifest_review_queue_due ON gc_manifest_review_queue (queued_at);

-- Totals and the last run, for the admin page and /metrics (one row).
CREATE TABLE gc_state (
    id                  INTEGER PRIMARY KEY,
    review_delay_ms     INTEGER NOT NULL,
    blobs_deleted       INTEGER NOT NULL DEFAULT 0,
    manifests_deleted   INTEGER NOT NULL DEFAULT 0,
    bytes_freed         INTEGER NOT NULL DEFAULT 0,
    storage_failures    INTEGER NOT NULL DEFAULT 0,
    last_run_started_at INTEGER NULL,
    last_run_finished_at INTEGER NULL,
    last_run_blobs      INTEGER NOT NULL DEFAULT 0,
    last_run_manifests  INTEGER NOT NULL DEFAULT 0,
    last_run_bytes      INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO gc_state (id, review_delay_ms) VALUES (1, 86400000);

-- A manifest lost a blob reference (manifest deleted, repository deleted): review the blob.
CREATE TRIGGER gc_manifest_blobs_deleted AFTER DELETE ON manifest_blobs
BEGIN
    INSERT INTO gc_blob_review_queue (digest, queued_at, event)
    SELECT digest, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'manifest_delete'
    FROM blobs WHERE digest = OLD.blob_digest
    ON CONFLICT (digest) DO UPDATE SET queued_at = excluded.queued_at, event = excluded.event;
END;

-- A blob was linked to a repository (upload, mount) or unlinked: review it (it may never be
-- referenced by a manifest). A link postpones a pending review.
CREATE TRIGGER gc_repository_blobs_linked AFTER INSERT ON repository_blobs
BEGIN
    INSERT INTO gc_blob_review_queue (digest, queued_at, event)
    SELECT digest, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'blob_link'
    FROM blobs WHERE digest = NEW.blob_digest
    ON CONFLICT (digest) DO UPDATE SET queued_at = excluded.queued_at, event = excluded.event;
END;

CREATE TRIGGER gc_repository_blobs_unlinked AFTER DELETE ON repository_blobs
BEGIN
    INSERT INTO gc_blob_review_queue (digest, queued_at, event)
    SELECT digest, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'blob_unlink'
    FROM blobs WHERE digest = OLD.blob_digest
    ON CONFLICT (digest) DO UPDATE SET queued_at = excluded.queued_at, event = excluded.event;
END;

-- A tag was deleted or moved to another manifest: review the manifest it pointed at.
CREATE TRIGGER gc_tags_deleted AFTER DELETE ON tags
BEGIN
    INSERT INTO gc_manifest_review_queue (manifest_id, repository_id, queued_at, event)
    SELECT id, repository_id, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'tag_delete'
    FROM manifests WHERE id = OLD.manifest_id
    ON CONFLICT (manifest_id) DO UPDATE SET queued_at = excluded.queued_at, event = excluded.event;
END;

CREATE TRIGGER gc_tags_switched AFTER UPDATE OF manifest_id ON tags
WHEN OLD.manifest_id <> NEW.manifest_id
BEGIN
    INSERT INTO gc_manifest_review_queue (manifest_id, repository_id, queued_at, event)
    SELECT id, repository_id, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'tag_switch'
    FROM manifests WHERE id = OLD.manifest_id
    ON CONFLICT (manifest_id) DO UPDATE SET queued_at = excluded.queued_at, event = excluded.event;
END;

-- An index lost a child reference (index deleted): review the child.
CREATE TRIGGER gc_manifest_references_deleted AFTER DELETE ON manifest_references
BEGIN
    INSERT INTO gc_manifest_review_queue (manifest_id, repository_id, queued_at, event)
    SELECT id, repository_id, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'index_delete'
    FROM manifests WHERE id = OLD.child_id
    ON CONFLICT (manifest_id) DO UPDATE SET queued_at = excluded.queued_at, event = excluded.event;
END;

-- A manifest was deleted: review the manifests whose subject it was (signatures, SBOMs).
CREATE TRIGGER gc_manifests_deleted AFTER DELETE ON manifests
BEGIN
    INSERT INTO gc_manifest_review_queue (manifest_id, repository_id, queued_at, event)
    SELECT id, repository_id, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'subject_delete'
    FROM manifests WHERE repository_id = OLD.repository_id AND subject_digest = OLD.digest
    ON CONFLICT (manifest_id) DO UPDATE SET queued_at = excluded.queued_at, event = excluded.event;
END;
