use berth_db::now_millis;
use berth_db::sqlx::{self, Row};

use super::Meta;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::storage::BlobStore;

impl Meta {
    /// Records a stored blob and links it to repository `path` (created if needed).
    ///
    /// Returns `false` (and changes nothing) when the blob row had to be created and `store`
    /// no longer holds the bytes: garbage collection removed them concurrently (see
    /// [`crate::gc`] for the locking argument). The caller re-uploads.
    pub async fn link_blob(&self, path: &str, project_id: Option<i64>, digest: &str, size: i64, store: &dyn BlobStore) -> Result<bool> {
        let mut w = self.begin_write().await?;
        let repo = Meta::ensure_repository(&mut w.tx, path, project_id).await?;
        let now = now_millis();
        // DO UPDATE (not DO NOTHING) takes the row lock on PostgreSQL, so this waits for a GC
        // worker holding the blob row; if the worker deleted it, the row is inserted afresh.
        let created_at: i64 = sqlx::query(
            "INSERT INTO blobs (digest, size, media_type, created_at) VALUES ($1, $2, NULL, $3) \
             ON CONFLICT (digest) DO UPDATE SET size = blobs.size RETURNING created_at",
        )
        .bind(digest)
        .bind(size)
        .bind(now)
        .fetch_one(&mut *w.tx)
        .await?
        .try_get("created_at")?;
        if created_at == now {
            // A (probably) new row: the bytes must be in storage before the row may commit.
            let parsed: Digest = digest.parse().map_err(|_| Error::internal(format!("invalid digest {digest}")))?;
            if store.stat(&parsed).await?.is_none() {
                tracing::info!(%digest, "blob bytes were garbage-collected during the upload");
                return Ok(false);
            }
        }
        sqlx::query(
            "INSERT INTO repository_blobs (repository_id, blob_digest, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (repository_id, blob_digest) DO NOTHING",
        )
        .bind(repo)
        .bind(digest)
        .bind(now)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(true)
    }

    /// Size of a blob linked to the repository, or `None`.
    pub async fn repository_blob(&self, repository_id: i64, digest: &str) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT b.size FROM repository_blobs rb JOIN blobs b ON b.digest = rb.blob_digest \
             WHERE rb.repository_id = $1 AND rb.blob_digest = $2",
        )
        .bind(repository_id)
        .bind(digest)
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("size")?),
            None => None,
        })
    }

    /// Size of a known blob in any repository (used to skip re-uploads).
    pub async fn blob_size(&self, digest: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT size FROM blobs WHERE digest = $1").bind(digest).fetch_optional(&self.db.pool).await?;
        Ok(match row {
            Some(r) => Some(r.try_get("size")?),
            None => None,
        })
    }

    /// Removes a blob's link from a repository; `false` when it was not linked.
    /// Refused while a manifest of the repository uses the blob (as config or layer): its
    /// tags would no longer pull.
    pub async fn unlink_blob(&self, repository_id: i64, digest: &str) -> Result<bool> {
        let mut w = self.begin_write().await?;
        let user = sqlx::query(
            "SELECT m.digest FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id \
             WHERE m.repository_id = $1 AND mb.blob_digest = $2 LIMIT 1",
        )
        .bind(repository_id)
        .bind(digest)
        .fetch_optional(&mut *w.tx)
        .await?;
        if let Some(row) = user {
            let manifest: String = row.try_get("digest")?;
            return Err(crate::Error::oci(
                crate::Code::Denied,
                format!("blob {digest} is used by manifest {manifest} in this repository; delete the manifest first"),
            )
            .with_status(axum::http::StatusCode::CONFLICT));
        }
        let done = sqlx::query("DELETE FROM repository_blobs WHERE repository_id = $1 AND blob_digest = $2")
            .bind(repository_id)
            .bind(digest)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        w.commit().await?;
        Ok(done > 0)
    }
}
