//! Storage used by a project's repositories, from metadata: the bytes of the distinct blobs
//! (configs and layers) their manifests reference. A layer shared by two repositories counts
//! in each repository's figure but once in the project's total.

use berth_db::sqlx::{self, Row};
use berth_db::Db;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepositorySize {
    pub repository_id: i64,
    pub path: String,
    pub bytes: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectStorage {
    pub total_bytes: i64,
    /// Biggest first, at most the number asked for.
    pub biggest: Vec<RepositorySize>,
}

pub async fn project_storage(db: &Db, project_id: i64, biggest: i64) -> sqlx::Result<ProjectStorage> {
    let total: i64 = sqlx::query(
        "SELECT CAST(COALESCE(SUM(b.size), 0) AS BIGINT) AS bytes FROM blobs b WHERE b.digest IN ( \
             SELECT mb.blob_digest FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id \
             JOIN repositories r ON r.id = m.repository_id WHERE r.project_id = $1)",
    )
    .bind(project_id)
    .fetch_one(&db.pool)
    .await?
    .try_get("bytes")?;
    let rows = sqlx::query(
        "SELECT x.repository_id, r.path, CAST(SUM(b.size) AS BIGINT) AS bytes FROM ( \
             SELECT DISTINCT m.repository_id, mb.blob_digest FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id \
             JOIN repositories r ON r.id = m.repository_id WHERE r.project_id = $1) x \
         JOIN blobs b ON b.digest = x.blob_digest JOIN repositories r ON r.id = x.repository_id \
         GROUP BY x.repository_id, r.path ORDER BY bytes DESC, r.path LIMIT $2",
    )
    .bind(project_id)
    .bind(biggest)
    .fetch_all(&db.pool)
    .await?;
    let biggest = rows
        .iter()
        .map(|r| Ok(RepositorySize { repository_id: r.try_get("repository_id")?, path: r.try_get("path")?, bytes: r.try_get("bytes")? }))
        .collect::<sqlx::Result<Vec<_>>>()?;
    Ok(ProjectStorage { total_bytes: total, biggest })
}
