//! Offline mark-and-sweep (`berth gc`): run it while nothing pushes (Berth stopped or
//! read-only).
//!
//! Mark: a manifest is alive when it is tagged, is a child of an alive index, or has an alive
//! subject in its repository (to a fixed point). A blob row is alive when an alive manifest
//! references it. Sweep: dead manifests and blob rows are deleted from the database, then
//! their bytes — and every stored blob no `blobs` row knows (crash leftovers) — from storage.
//! Upload sessions go too when their bytes have no `uploads` row (a crash between creating
//! the session in storage and recording it) or the session has been idle longer than the
//! stale limit (row and bytes).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use berth_db::sqlx::{self, Row};
use futures::StreamExt;

use crate::digest::Digest;
use crate::error::Result;
use crate::meta::Meta;
use crate::storage::BlobStore;

/// Progress callback: `(phase, done, total)`; `total` is 0 when unknown.
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Send + Sync);

/// A manifest the sweep would delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadManifest {
    pub id: i64,
    pub repository: String,
    pub digest: String,
}

/// What the sweep would delete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub manifests: Vec<DeadManifest>,
    /// Blob rows no alive manifest references: `(digest, size)`.
    pub blobs: Vec<(String, u64)>,
    /// Stored blobs without a database row: `(digest, size)`.
    pub orphans: Vec<(String, u64)>,
    /// Upload sessions to remove, by id.
    pub uploads: Vec<DeadUpload>,
}

/// An upload session the sweep would remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadUpload {
    pub id: String,
    /// Bytes in storage (0 when only the database row is left).
    pub size: u64,
    /// Why it goes.
    pub reason: UploadReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadReason {
    /// Bytes in storage, no `uploads` row.
    NoDatabaseRow,
    /// Idle since `updated_at` (ms), longer than the stale limit.
    Stale { updated_at: i64 },
}

impl Plan {
    pub fn bytes(&self) -> u64 {
        let blobs: u64 = self.blobs.iter().chain(&self.orphans).map(|(_, s)| s).sum();
        blobs + self.uploads.iter().map(|u| u.size).sum::<u64>()
    }
    pub fn is_empty(&self) -> bool {
        self.manifests.is_empty() && self.blobs.is_empty() && self.orphans.is_empty() && self.uploads.is_empty()
    }
}

/// What the sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub manifests_deleted: u64,
    pub blobs_deleted: u64,
    pub orphans_deleted: u64,
    pub uploads_deleted: u64,
    pub bytes_freed: u64,
    /// Storage deletions that failed: `(digest, backend error)`. Their bytes stay (a later
    /// run finds them as orphans).
    pub failures: Vec<(String, String)>,
}

/// Marks: reads the whole metadata and lists the store. Upload sessions idle longer than
/// `upload_stale_after` count as dead.
pub async fn plan(meta: &Meta, store: &Arc<dyn BlobStore>, upload_stale_after: Duration, progress: Progress<'_>) -> Result<Plan> {
    let pool = &meta.db().pool;
    progress("reading manifests", 0, 0);
    let mut repo_of: HashMap<i64, (i64, String, Option<String>)> = HashMap::new();
    let mut by_digest: HashMap<(i64, String), i64> = HashMap::new();
    let rows = sqlx::query("SELECT id, repository_id, digest, subject_digest FROM manifests").fetch_all(pool).await?;
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let repo: i64 = r.try_get("repository_id")?;
        let digest: String = r.try_get("digest")?;
        by_digest.insert((repo, digest.clone()), id);
        repo_of.insert(id, (repo, digest, r.try_get("subject_digest")?));
    }
    let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in sqlx::query("SELECT parent_id, child_id FROM manifest_references").fetch_all(pool).await? {
        children.entry(r.try_get("parent_id")?).or_default().push(r.try_get("child_id")?);
    }
    // subject manifest id -> referrer ids
    let mut referrers: HashMap<i64, Vec<i64>> = HashMap::new();
    for (id, (repo, _, subject)) in &repo_of {
        if let Some(s) = subject {
            if let Some(sid) = by_digest.get(&(*repo, s.clone())) {
                referrers.entry(*sid).or_default().push(*id);
            }
        }
    }
    let mut alive: HashSet<i64> = HashSet::new();
    let mut stack: Vec<i64> = Vec::new();
    for r in sqlx::query("SELECT DISTINCT manifest_id FROM tags").fetch_all(pool).await? {
        stack.push(r.try_get("manifest_id")?);
    }
    while let Some(id) = stack.pop() {
        if !alive.insert(id) {
            continue;
        }
        for c in children.get(&id).into_iter().flatten() {
            stack.push(*c);
        }
        for c in referrers.get(&id).into_iter().flatten() {
            stack.push(*c);
        }
    }
    let paths: HashMap<i64, String> = sqlx::query("SELECT id, path FROM repositories")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("path")?)))
        .collect::<Result<_>>()?;
    let mut dead_manifests: Vec<DeadManifest> = repo_of
        .iter()
        .filter(|(id, _)| !alive.contains(id))
        .map(|(id, (repo, digest, _))| DeadManifest {
            id: *id,
            repository: paths.get(repo).cloned().unwrap_or_default(),
            digest: digest.clone(),
        })
        .collect();
    dead_manifests.sort_by(|a, b| (&a.repository, &a.digest).cmp(&(&b.repository, &b.digest)));

    progress("reading blobs", 0, 0);
    let mut referenced: HashSet<String> = HashSet::new();
    for r in sqlx::query("SELECT manifest_id, blob_digest FROM manifest_blobs").fetch_all(pool).await? {
        if alive.contains(&r.try_get::<i64, _>("manifest_id")?) {
            referenced.insert(r.try_get("blob_digest")?);
        }
    }
    let mut known: HashSet<String> = HashSet::new();
    let mut dead_blobs = Vec::new();
    for r in sqlx::query("SELECT digest, size FROM blobs ORDER BY digest").fetch_all(pool).await? {
        let d: String = r.try_get("digest")?;
        if !referenced.contains(&d) {
            dead_blobs.push((d.clone(), r.try_get::<i64, _>("size")? as u64));
        }
        known.insert(d);
    }

    progress("listing storage", 0, 0);
    let mut orphans = Vec::new();
    let mut listed = store.list().await?;
    let mut n = 0u64;
    while let Some(d) = listed.next().await {
        let d = d?;
        n += 1;
        if n.is_multiple_of(1000) {
            progress("listing storage", n, 0);
        }
        if !known.contains(&d.to_string()) {
            let size = store.stat(&d).await?.unwrap_or(0);
            orphans.push((d.to_string(), size));
        }
    }
    orphans.sort();
    let uploads = dead_uploads(meta, store, upload_stale_after).await?;
    Ok(Plan { manifests: dead_manifests, blobs: dead_blobs, orphans, uploads })
}

/// Upload sessions in storage without a row, and sessions (row, with or without bytes) idle
/// longer than `stale_after`; sorted by id.
async fn dead_uploads(meta: &Meta, store: &Arc<dyn BlobStore>, stale_after: Duration) -> Result<Vec<DeadUpload>> {
    let stale_before = berth_db::now_millis() - stale_after.as_millis() as i64;
    let mut rows: HashMap<String, i64> = HashMap::new();
    for r in sqlx::query("SELECT id, updated_at FROM uploads").fetch_all(&meta.db().pool).await? {
        rows.insert(r.try_get("id")?, r.try_get("updated_at")?);
    }
    let stored: BTreeMap<String, u64> = store.upload_list().await?.into_iter().map(|u| (u.id, u.size)).collect();
    let mut dead: Vec<DeadUpload> = stored
        .iter()
        .filter(|(id, _)| !rows.contains_key(*id))
        .map(|(id, size)| DeadUpload { id: id.clone(), size: *size, reason: UploadReason::NoDatabaseRow })
        .collect();
    dead.extend(rows.iter().filter(|(_, at)| **at < stale_before).map(|(id, at)| DeadUpload {
        id: id.clone(),
        size: stored.get(id).copied().unwrap_or(0),
        reason: UploadReason::Stale { updated_at: *at },
    }));
    dead.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(dead)
}

/// Deletes what `plan` found: database rows first (in chunks), then bytes.
pub async fn sweep(meta: &Meta, store: &Arc<dyn BlobStore>, plan: &Plan, progress: Progress<'_>) -> Result<SweepReport> {
    let mut report = SweepReport::default();
    let total = (plan.manifests.len() + plan.blobs.len() * 2 + plan.orphans.len() + plan.uploads.len()) as u64;
    let mut done = 0u64;
    for chunk in plan.manifests.chunks(500) {
        let mut w = meta.begin_write().await?;
        for m in chunk {
            report.manifests_deleted +=
                sqlx::query("DELETE FROM manifests WHERE id = $1").bind(m.id).execute(&mut *w.tx).await?.rows_affected();
        }
        w.commit().await?;
        done += chunk.len() as u64;
        progress("deleting manifests", done, total);
    }
    let mut removed_rows: Vec<&(String, u64)> = Vec::new();
    for chunk in plan.blobs.chunks(500) {
        let mut w = meta.begin_write().await?;
        for b in chunk {
            // Re-checked: the plan is a snapshot.
            let referenced = sqlx::query("SELECT 1 AS x FROM manifest_blobs WHERE blob_digest = $1 LIMIT 1")
                .bind(&b.0)
                .fetch_optional(&mut *w.tx)
                .await?
                .is_some();
            if referenced {
                continue;
            }
            sqlx::query("DELETE FROM repository_blobs WHERE blob_digest = $1").bind(&b.0).execute(&mut *w.tx).await?;
            sqlx::query("DELETE FROM blobs WHERE digest = $1").bind(&b.0).execute(&mut *w.tx).await?;
            removed_rows.push(b);
        }
        w.commit().await?;
        done += chunk.len() as u64;
        progress("deleting blob rows", done, total);
    }
    for (digest, size, orphan) in removed_rows.iter().map(|(d, s)| (d, *s, false)).chain(plan.orphans.iter().map(|(d, s)| (d, *s, true))) {
        let parsed: Digest = match digest.parse() {
            Ok(d) => d,
            Err(_) => continue,
        };
        match store.delete(&parsed).await {
            Ok(()) => {
                report.bytes_freed += size;
                if orphan {
                    report.orphans_deleted += 1;
                } else {
                    report.blobs_deleted += 1;
                }
            }
            Err(e) => {
                tracing::warn!(%digest, error = %e, "blob storage refused to delete a blob");
                report.failures.push((digest.clone(), e.to_string()));
            }
        }
        done += 1;
        progress("deleting bytes", done, total);
    }
    for u in &plan.uploads {
        // The row first: a session whose bytes fail to go is then an orphan the next run finds.
        let mut w = meta.begin_write().await?;
        sqlx::query("DELETE FROM uploads WHERE id = $1").bind(&u.id).execute(&mut *w.tx).await?;
        w.commit().await?;
        match store.upload_abort(&u.id).await {
            Ok(()) => {
                report.uploads_deleted += 1;
                report.bytes_freed += u.size;
            }
            Err(e) => {
                tracing::warn!(upload = %u.id, error = %e, "blob storage refused to delete an upload session");
                report.failures.push((format!("upload {}", u.id), e.to_string()));
            }
        }
        done += 1;
        progress("deleting uploads", done, total);
    }
    Ok(report)
}
