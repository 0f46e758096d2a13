//! Garbage collection: an online collector driven by the metadata database, and an offline
//! mark-and-sweep ([`offline`]) for the `berth gc` admin command.
//!
//! # What is garbage
//!
//! Blob bytes are content-addressed and shared: the `blobs` row is global, `repository_blobs`
//! links make a blob visible in one repository, `manifest_blobs` rows are references.
//!
//! * A **blob** is garbage when no manifest in any repository references it
//!   (`manifest_blobs`). Repository links do not keep a blob alive: a link only records that a
//!   push uploaded or mounted it, and a push that never references it with a manifest within
//!   the review delay leaves a dangling blob (GitLab behaves the same). Deleting a blob deletes
//!   its links in every repository.
//! * A **manifest** is garbage when it has no tag, no index refers to it
//!   (`manifest_references`), and it has no `subject` that still exists in its repository (a
//!   signature or SBOM lives as long as its subject).
//!
//! # Queues
//!
//! `gc_blob_review_queue` (key: digest) and `gc_manifest_review_queue` (key: manifest id) are
//! filled by database triggers (migration `0006_gc.sql`) on every event that can leave
//! something unreferenced: a `manifest_blobs` row deleted (manifest or repository deleted), a
//! blob linked to or unlinked from a repository (upload, mount, blob DELETE), a tag deleted or
//! switched to another manifest, an index's `manifest_references` row deleted, a manifest
//! deleted (its referrers). An untagged manifest push is queued by
//! [`crate::meta::Meta::put_manifest`]. Queuing is an upsert on the key: queuing an item that
//! is already queued sets `queued_at` to now, i.e. postpones its review; it never duplicates.
//! Queue rows cascade away with their blob or manifest row.
//!
//! An item is *due* when `queued_at <= now - review_delay` and `retry_after <= now`.
//!
//! # The worker ([`Collector::run`])
//!
//! **Manifests** are reviewed one per write transaction:
//!
//! 1. lock the queue row, re-checking that it is still due (PostgreSQL:
//!    `FOR UPDATE SKIP LOCKED`, so another node's worker skips it and no item is processed
//!    twice; SQLite: the transaction already holds the single writer lock);
//! 2. lock the manifest row (`FOR UPDATE SKIP LOCKED`; a row locked by a push in progress
//!    means "busy": leave it queued for the next run);
//! 3. re-check the references; if referenced, drop the queue row and commit;
//! 4. delete the manifest (its cascades and triggers queue its blobs, children and
//!    referrers) and commit.
//!
//! **Blobs** are reviewed in batches ([`blobs`]), one write transaction per batch, by several
//! workers at once on PostgreSQL (`GcConfig::workers`; SQLite: one):
//!
//! 1. *claim* up to `batch_size` due queue rows together with their blob rows in one
//!    statement (PostgreSQL: `FOR UPDATE OF q, b SKIP LOCKED` — rows another worker or a
//!    push holds are skipped, so no item is processed twice; SQLite: writer lock; at most 200
//!    per batch there, since the batch holds the one writer lock);
//! 2. *re-check* in a new statement (at READ COMMITTED a fresh snapshot, taken after the
//!    locks): drop the queue rows of the claimed blobs a manifest references;
//! 3. in a savepoint, delete the links and blob rows of the unreferenced rest, set-based,
//!    `NOT EXISTS` re-checked in the same statements (their queue rows cascade away);
//! 4. delete their bytes from storage (`delete_concurrency` in flight), **still holding the
//!    row locks**;
//! 5. if every storage delete succeeded, release the savepoint; otherwise roll back to it,
//!    delete the rows of the successful ones again (the locks are still held, so the set
//!    cannot have changed) and record each failure with exponential back-off (`attempts`,
//!    `retry_after`, `last_error`, logged with the backend's message) — such an item is never
//!    counted as done; add the totals to `gc_state`; commit.
//!
//! A run repeats passes (manifests first, since deleting one queues its blobs) until a pass
//! changes nothing or `max_passes` is reached. With a review delay of 0 every fresh upload is
//! due at once, before its manifest arrives: a push then fails with `MANIFEST_BLOB_UNKNOWN`
//! and the client uploads again — correct, but only sensible for tests.
//!
//! # Why a concurrent push cannot lose a blob
//!
//! Invariant: *a committed `blobs` row has its bytes in storage*, and a committed
//! `manifest_blobs` row has a `blobs` row (foreign key).
//!
//! * Bytes are deleted only by blob step 4, i.e. while the deleting transaction holds the
//!   blob row lock (PostgreSQL row lock; SQLite writer lock) and has deleted the row in that
//!   transaction (step 3; after a partial failure, step 5 deletes exactly the rows whose bytes
//!   went).
//! * **Manifest PUT** reads each referenced blob row inside its write transaction with
//!   `FOR SHARE` (PostgreSQL) — the same row the worker locks `FOR UPDATE`. Either
//!   (a) the worker locked first: the PUT waits, then sees the row deleted and fails cleanly
//!   with `MANIFEST_BLOB_UNKNOWN` (the client uploads the blob again); or (b) the PUT locked
//!   first: the worker's `SKIP LOCKED` claim passes over the item; or (c) the PUT committed
//!   before the worker locked: the worker's re-check (step 2, a new statement at READ
//!   COMMITTED, after the lock) sees the new `manifest_blobs` row and drops the item. While
//!   the worker holds the lock no new `manifest_blobs` row can appear (inserting one needs a
//!   key-share lock on the blob row), so steps 2–5 see one unchanging set. Child
//!   manifests of an index are share-locked the same way (`MANIFEST_UNKNOWN`).
//! * **Blob upload / mount** ([`crate::meta::Meta::link_blob`]) upserts the blob row with
//!   `ON CONFLICT DO UPDATE`, which takes the row lock (waiting for a worker that holds it).
//!   If the row already existed it is now locked and, by the invariant, its bytes exist. If
//!   the row had to be created (possibly just after a worker deleted it — and perhaps the
//!   bytes this upload had just moved into place), the bytes are checked with
//!   `BlobStore::stat` before commit; if they are gone the upload fails with
//!   `BLOB_UPLOAD_INVALID` (a mount falls back to an upload) and nothing is committed.
//! * **Tag push of an existing manifest** upserts the manifest row with `DO UPDATE` (row
//!   lock), so it waits for a worker deleting that manifest and then inserts it afresh.
//! * On **SQLite** every write transaction (pushes and each worker batch) starts by bumping
//!   `registry_write_lock`, so they are totally ordered and cases (a)/(c) are the only ones.
//!
//! Known window: if the database commit fails *after* step 4 deleted the bytes (crash,
//! connection loss), unreferenced blob rows without bytes remain (up to one batch); they stay
//! queued and the next review deletes them (deleting missing bytes succeeds) — a push that
//! references one in between would get a manifest whose blob cannot be read. Deadlocks
//! PostgreSQL may detect between a worker and a concurrent manifest/repository delete abort
//! one transaction; the worker's batch is simply retried on the next run. Such conflicts can
//! only hit steps 1–3, before any bytes are deleted: afterwards the batch touches only rows it
//! holds locked, and `gc_state`, which only workers update (each as its last statement).
//!
//! The offline sweep ([`offline`]) assumes nothing pushes meanwhile (stop Berth or make it
//! read-only): it also deletes stored bytes that no `blobs` row knows, which an upload in
//! flight would have.

use std::sync::Arc;
use std::time::Duration;

use berth_db::sqlx::{self, Any, Transaction};
use berth_db::{now_millis, Backend, Db};

use crate::error::Result;
use crate::meta::Meta;
use crate::storage::BlobStore;

mod blobs;
pub mod offline;
mod online;
mod status;

pub use online::{Collector, RunReport};
pub use status::{status, FailingItem, GcStatus, LastRun};

/// Online collector settings.
#[derive(Debug, Clone)]
pub struct GcConfig {
    /// How long a queued item waits before it is reviewed (default 24 h; zero allowed).
    pub review_delay: Duration,
    /// Manifests fetched per pass; blobs claimed per batch (SQLite: at most 200, as a batch
    /// holds the single writer lock).
    pub batch_size: i64,
    /// Concurrent blob workers per run on PostgreSQL (each claims its own batches with
    /// `SKIP LOCKED`); SQLite always uses one.
    pub workers: usize,
    /// Storage deletions in flight per blob batch.
    pub delete_concurrency: usize,
    /// First back-off after a failed storage deletion; doubled per further failure.
    pub retry_base: Duration,
    /// Largest back-off.
    pub retry_max: Duration,
    /// A run stops after this many passes even if the last one made progress (pushes keep
    /// queuing fresh uploads); the next run continues.
    pub max_passes: u32,
}

impl Default for GcConfig {
    fn default() -> Self {
        GcConfig {
            review_delay: Duration::from_secs(24 * 3600),
            batch_size: 500,
            workers: 4,
            delete_concurrency: 32,
            retry_base: Duration::from_secs(60),
            retry_max: Duration::from_secs(24 * 3600),
            max_passes: 10_000,
        }
    }
}

impl GcConfig {
    pub fn with_review_delay(review_delay: Duration) -> GcConfig {
        GcConfig { review_delay, ..GcConfig::default() }
    }

    /// Back-off before attempt `attempts + 1`, after `attempts` failures (≥ 1).
    pub fn backoff(&self, attempts: i64) -> Duration {
        let exp = (attempts.max(1) - 1).min(30) as u32;
        self.retry_base.checked_mul(1u32 << exp).unwrap_or(self.retry_max).min(self.retry_max)
    }
}

/// Queues (or postpones) the review of a manifest, inside the caller's transaction.
pub(crate) async fn queue_manifest(tx: &mut Transaction<'static, Any>, manifest_id: i64, repository_id: i64, event: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO gc_manifest_review_queue (manifest_id, repository_id, queued_at, event) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (manifest_id) DO UPDATE SET queued_at = excluded.queued_at, event = excluded.event",
    )
    .bind(manifest_id)
    .bind(repository_id)
    .bind(now_millis())
    .bind(event)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `IN (…)` over the strings of a JSON array bound as parameter `$n` (one parameter for a
/// whole batch; the `Any` driver binds no arrays).
pub(crate) fn in_json_array(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Postgres => format!("IN (SELECT jsonb_array_elements_text(CAST(${n} AS jsonb)))"),
        Backend::Sqlite => format!("IN (SELECT value FROM json_each(${n}))"),
    }
}

/// Row-lock suffix for a backend: `FOR UPDATE SKIP LOCKED` on PostgreSQL, nothing on SQLite
/// (whose write transaction already excludes every other writer).
pub(crate) fn skip_locked(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    }
}

impl crate::Registry {
    /// An online collector sharing this registry's metadata access (and, on SQLite, its
    /// writer lock) and blob store.
    pub fn collector(&self, config: GcConfig) -> Collector {
        Collector::new(self.engine.meta().clone(), self.engine.store().clone(), config)
    }
}

/// A collector over a database and store without a [`crate::Registry`] (admin tools).
pub fn collector(db: Db, store: Arc<dyn BlobStore>, config: GcConfig) -> Collector {
    Collector::new(Meta::new(db), store, config)
}
