-- Cheap garbage collection status (berth-registry `gc::status`, the admin page, /metrics):
-- the due count and the claim (`ORDER BY queued_at`) read one index on
-- (queued_at, retry_after); failing items (storage deletion refused at least once) have a
-- small partial index of their own.

DROP INDEX gc_blob_review_queue_due;
CREATE INDEX gc_blob_review_queue_due ON gc_blob_review_queue (queued_at, retry_after);
CREATE INDEX gc_blob_review_queue_failing ON gc_blob_review_queue (attempts) WHERE attempts > 0;

DROP INDEX gc_manifest_review_queue_due;
CREATE INDEX gc_manifest_review_queue_due ON gc_manifest_review_queue (queued_at, retry_after);
CREATE INDEX gc_manifest_review_queue_failing ON gc_manifest_review_queue (attempts) WHERE attempts > 0;
