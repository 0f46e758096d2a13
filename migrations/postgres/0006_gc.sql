-- Online garbage collection (berth-registry `gc` module). Two review queues are filled by
-- triggers on the events that can leave something unreferenced, and by the registry code for
-- uploads and untagged manifest pushes. A worker reviews an item once
-- `queued_at <= now - review_delay` and `retry_after <= now`, re-checks it under row locks
-- (FOR UPDATE SKIP LOCKED, so several nodes can run workers) and deletes it. Re-queuing an
-- item that is already queued postpones it (upsert on the key).
-- Timestamps are milliseconds since the Unix epoch.

CREATE TABLE gc_blob_review_queue (
    digest      TEXT    PRIMARY KEY REFERENCES blobs(digest) ON DELETE CASCADE,
    queued_at   BIGINT  NOT NULL,
    event       TEXT    NOT NULL,
    attempts    BIGINT  NOT NULL DEFAULT 0,
    retry_after BIGINT  NOT NULL DEFAULT 0,
    last_error  TEXT    NULL
);
CREATE INDEX gc_blob_review_queue_due ON gc_blob_review_queue (queued_at);

CREATE TABLE gc_manifest_review_queue (
    manifest_id   BIGINT  PRIMARY KEY REFERENCES manifests(id) ON DELETE CASCADE,
    repository_id BIGINT  NOT NULL,
    queued_at     BIGINT  NOT NULL,
    event         TEXT    NOT NULL,
    attempts      BIGINT  NOT NULL DEFAULT 0,
    retry_after   BIGINT  NOT NULL DEFAULT 0,
    last_error    TEXT    NULL
);
CREATE INDEX gc_manifest_review_queue_due ON gc_manifest_review_queue (queued_at);

CREATE TABLE gc_state (
    id                   BIGINT PRIMARY KEY,
    review_delay_ms      BIGINT NOT NULL,
    blobs_deleted        BIGINT NOT NULL DEFAULT 0,
    manifests_deleted    BIGINT NOT NULL DEFAULT 0,
    bytes_freed          BIGINT NOT NULL DEFAULT 0,
    storage_failures     BIGINT NOT NULL DEFAULT 0,
    last_run_started_at  BIGINT NULL,
    last_run_finished_at BIGINT NULL,
    last_run_blobs       BIGINT NOT NULL DEFAULT 0,
    last_run_manifests   BIGINT NOT NULL DEFAULT 0,
    last_run_bytes       BIGINT NOT NULL DEFAULT 0
);
INSERT INTO gc_state (id, review_delay_ms) VALUES (1, 86400000);

CREATE FUNCTION gc_now_ms() RETURNS BIGINT LANGUAGE sql VOLATILE AS
$$ SELECT FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT $$;

CREATE FUNCTION gc_queue_blob(d TEXT, ev TEXT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO gc_blob_review_queue (digest, queued_at, event)
    SELECT digest, gc_now_ms(), ev FROM blobs WHERE digest = d
    ON CONFLICT (digest) DO UPDATE SET queued_at = excluded.queued_at, event = excluded.event;
$$;

CREATE FUNCTION gc_queue_manifest(mid BIGINT, ev TEXT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO gc_manifest_review_queue (manifest_id, repository_id, queued_at, event)
    SELECT id, repository_id, gc_now_ms(), ev FROM manifests WHERE id = mid
    ON CONFLICT (manifest_id) DO UPDATE SET queued_at = excluded.queued_at, event = excluded.event;
$$;

-- A manifest lost a blob reference (manifest deleted, repository deleted): review the blob.
CREATE FUNCTION gc_manifest_blobs_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM gc_queue_blob(OLD.blob_digest, 'manifest_delete');
    RETURN NULL;
END $$;
CREATE TRIGGER gc_manifest_blobs_deleted AFTER DELETE ON manifest_blobs
    FOR EACH ROW EXECUTE FUNCTION gc_manifest_blobs_deleted();

-- A blob was linked to a repository (upload, mount) or unlinked: review it. A link postpones
-- a pending review.
CREATE FUNCTION gc_repository_blobs_linked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM gc_queue_blob(NEW.blob_digest, 'blob_link');
    RETURN NULL;
END $$;
CREATE TRIGGER gc_repository_blobs_linked AFTER INSERT ON repository_blobs
    FOR EACH ROW EXECUTE FUNCTION gc_repository_blobs_linked();

CREATE FUNCTION gc_repository_blobs_unlinked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM gc_queue_blob(OLD.blob_digest, 'blob_unlink');
    RETURN NULL;
END $$;
CREATE TRIGGER gc_repository_blobs_unlinked AFTER DELETE ON repository_blobs
    FOR EACH ROW EXECUTE FUNCTION gc_repository_blobs_unlinked();

-- A tag was deleted or moved to another manifest: review the manifest it pointed at.
CREATE FUNCTION gc_tags_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM gc_queue_manifest(OLD.manifest_id, 'tag_delete');
    RETURN NULL;
END $$;
CREATE TRIGGER gc_tags_deleted AFTER DELETE ON tags
    FOR EACH ROW EXECUTE FUNCTION gc_tags_deleted();

CREATE FUNCTION gc_tags_switched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM gc_queue_manifest(OLD.manifest_id, 'tag_switch');
    RETURN NULL;
END $$;
CREATE TRIGGER gc_tags_switched AFTER UPDATE OF manifest_id ON tags
    FOR EACH ROW WHEN (OLD.manifest_id <> NEW.manifest_id) EXECUTE FUNCTION gc_tags_switched();

-- An index lost a child reference (index deleted): review the child.
CREATE FUNCTION gc_manifest_references_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM gc_queue_manifest(OLD.child_id, 'index_delete');
    RETURN NULL;
END $$;
CREATE TRIGGER gc_manifest_references_deleted AFTER DELETE ON manifest_references
    FOR EACH ROW EXECUTE FUNCTION gc_manifest_references_deleted();

-- A manifest was deleted: review the manifests whose subject it was (signatures, SBOMs).
CREATE FUNCTION gc_manifests_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO gc_manifest_review_queue (manifest_id, repository_id, queued_at, event)
    SELECT id, repository_id, gc_now_ms(), 'subject_delete' FROM manifests
    WHERE repository_id = OLD.repository_id AND subject_digest = OLD.digest
    ON CONFLICT (manifest_id) DO UPDATE SET queued_at = excluded.queued_at, event = excluded.event;
    RETURN NULL;
END $$;
CREATE TRIGGER gc_manifests_deleted AFTER DELETE ON manifests
    FOR EACH ROW EXECUTE FUNCTION gc_manifests_deleted();
