//! SQL about a project's repositories for cleanup: which ones, their cleanup status, and
//! the manifest graph of one (for the bytes a preview frees).

use std::collections::HashMap;

use berth_db::sqlx::{self, Row};
use berth_db::Db;

use super::freed::ManifestNode;

/// Where a repository stands in its project's cleanup (GitLab's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CleanupStatus {
    /// Idle: no run is working on it.
    Unscheduled,
    /// The running policy will get to it.
    Scheduled,
    /// A run stopped inside it when its budget ran out; the next run continues here.
    Unfinished,
    /// A run is deleting its tags now.
    Ongoing,
}

impl CleanupStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CleanupStatus::Unscheduled => "cleanup_unscheduled",
            CleanupStatus::Scheduled => "cleanup_scheduled",
            CleanupStatus::Unfinished => "cleanup_unfinished",
            CleanupStatus::Ongoing => "cleanup_ongoing",
        }
    }

    pub fn parse(s: &str) -> CleanupStatus {
        match s {
            "cleanup_scheduled" => CleanupStatus::Scheduled,
            "cleanup_unfinished" => CleanupStatus::Unfinished,
            "cleanup_ongoing" => CleanupStatus::Ongoing,
            _ => CleanupStatus::Unscheduled,
        }
    }
}

/// A repository of the project with its cleanup bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryCleanup {
    pub repository_id: i64,
    pub path: String,
    pub status: CleanupStatus,
    /// When a cleanup run (or a bulk delete) last started on it (ms).
    pub cleanup_policy_started_at: Option<i64>,
}

/// The project's active repositories (not being deleted): its path and everything below, by path.
pub async fn of_project(db: &Db, project_path: &str) -> sqlx::Result<Vec<RepositoryCleanup>> {
    let rows = sqlx::query(
        "SELECT id, path, expiration_policy_cleanup_status, cleanup_policy_started_at FROM repositories \
         WHERE (path = $1 OR substr(path, 1, length($1) + 1) = $1 || '/') AND status IS NULL ORDER BY path",
    )
    .bind(project_path)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| RepositoryCleanup {
            repository_id: r.get("id"),
            path: r.get("path"),
            status: CleanupStatus::parse(&r.get::<String, _>("expiration_policy_cleanup_status")),
            cleanup_policy_started_at: r.get("cleanup_policy_started_at"),
        })
        .collect())
}

pub async fn set_status(db: &Db, repository_id: i64, status: CleanupStatus) -> sqlx::Result<()> {
    sqlx::query("UPDATE repositories SET expiration_policy_cleanup_status = $1 WHERE id = $2")
        .bind(status.as_str())
        .bind(repository_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Marks a repository `cleanup_ongoing`, started at `now`.
pub async fn start(db: &Db, repository_id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE repositories SET expiration_policy_cleanup_status = $1, cleanup_policy_started_at = $2 WHERE id = $3")
        .bind(CleanupStatus::Ongoing.as_str())
        .bind(now)
        .bind(repository_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Every manifest of the repository with its tags, dependents (index children and
/// referrers) and blobs.
pub async fn manifest_graph(db: &Db, repository_id: i64) -> sqlx::Result<Vec<ManifestNode>> {
    let manifests = sqlx::query("SELECT id, digest, subject_digest FROM manifests WHERE repository_id = $1 ORDER BY id")
        .bind(repository_id)
        .fetch_all(&db.pool)
        .await?;
    let mut nodes: Vec<ManifestNode> = Vec::with_capacity(manifests.len());
    let mut index: HashMap<i64, usize> = HashMap::new();
    let mut by_digest: HashMap<String, i64> = HashMap::new();
    for r in &manifests {
        let id: i64 = r.get("id");
        index.insert(id, nodes.len());
        by_digest.insert(r.get("digest"), id);
        nodes.push(ManifestNode { id, ..ManifestNode::default() });
    }
    for r in &manifests {
        let subject: Option<String> = r.get("subject_digest");
        if let Some(parent) = subject.and_then(|s| by_digest.get(&s).copied()) {
            nodes[index[&parent]].dependents.push(r.get("id"));
        }
    }
    let tags = sqlx::query("SELECT manifest_id, name FROM tags WHERE repository_id = $1").bind(repository_id).fetch_all(&db.pool).await?;
    for r in &tags {
        if let Some(&i) = index.get(&r.get::<i64, _>("manifest_id")) {
            nodes[i].tags.push(r.get("name"));
        }
    }
    let references = sqlx::query(
        "SELECT r.parent_id, r.child_id FROM manifest_references r JOIN manifests m ON m.id = r.parent_id WHERE m.repository_id = $1",
    )
    .bind(repository_id)
    .fetch_all(&db.pool)
    .await?;
    for r in &references {
        if let Some(&i) = index.get(&r.get::<i64, _>("parent_id")) {
            nodes[i].dependents.push(r.get("child_id"));
        }
    }
    let blobs = sqlx::query(
        "SELECT mb.manifest_id, mb.blob_digest, b.size FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id \
         JOIN blobs b ON b.digest = mb.blob_digest WHERE m.repository_id = $1",
    )
    .bind(repository_id)
    .fetch_all(&db.pool)
    .await?;
    for r in &blobs {
        if let Some(&i) = index.get(&r.get::<i64, _>("manifest_id")) {
            nodes[i].blobs.push((r.get("blob_digest"), r.get("size")));
        }
    }
    Ok(nodes)
}
