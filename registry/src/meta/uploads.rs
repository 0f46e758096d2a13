use berth_db::now_millis;
use berth_db::sqlx::{self, Row};

use super::Meta;
use crate::error::Result;

/// What the database knows of an upload session: its repository, and its progress as the
/// last successful append left it.
pub struct UploadRecord {
    pub repository_path: String,
    /// Bytes committed; `None`: ask the blob store.
    pub size: Option<u64>,
    /// [`crate::digest::Hasher::saved_state`] after `size` bytes; `None`: re-read to hash.
    pub hash_state: Option<String>,
}

impl Meta {
    pub async fn insert_upload(&self, id: &str, repository_path: &str, hash_state: Option<&str>) -> Result<()> {
        let mut w = self.begin_write().await?;
        let now = now_millis();
        sqlx::query("INSERT INTO uploads (id, repository_path, created_at, updated_at, size, hash_state) VALUES ($1, $2, $3, $3, 0, $4)")
            .bind(id)
            .bind(repository_path)
            .bind(now)
            .bind(hash_state)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    pub async fn upload(&self, id: &str) -> Result<Option<UploadRecord>> {
        let row = sqlx::query("SELECT repository_path, size, hash_state FROM uploads WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        let size: Option<i64> = r.try_get("size")?;
        Ok(Some(UploadRecord {
            repository_path: r.try_get("repository_path")?,
            size: size.and_then(|s| u64::try_from(s).ok()),
            hash_state: r.try_get("hash_state")?,
        }))
    }

    /// Records a successful append that took the upload from `from` bytes to `size`. `false`
    /// when another request changed the upload meanwhile (its progress is then forgotten, so
    /// the next request asks the blob store and re-hashes).
    pub async fn record_upload_progress(&self, id: &str, from: Option<u64>, size: u64, hash_state: Option<&str>) -> Result<bool> {
        let mut w = self.begin_write().await?;
        let from = from.map(|f| f as i64);
        let updated = sqlx::query(
            "UPDATE uploads SET size = $1, hash_state = $2, updated_at = $3 WHERE id = $4 AND (size = $5 OR (size IS NULL AND $5 IS NULL))",
        )
        .bind(size as i64)
        .bind(hash_state)
        .bind(now_millis())
        .bind(id)
        .bind(from)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if updated == 0 {
            sqlx::query("UPDATE uploads SET size = NULL, hash_state = NULL, updated_at = $1 WHERE id = $2")
                .bind(now_millis())
                .bind(id)
                .execute(&mut *w.tx)
                .await?;
        }
        w.commit().await?;
        Ok(updated > 0)
    }

    /// Forgets an upload's progress after an append failed part-way: the blob store is then
    /// the only truth about its size.
    pub async fn forget_upload_progress(&self, id: &str) -> Result<()> {
        let mut w = self.begin_write().await?;
        sqlx::query("UPDATE uploads SET size = NULL, hash_state = NULL, updated_at = $1 WHERE id = $2")
            .bind(now_millis())
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    pub async fn delete_upload(&self, id: &str) -> Result<()> {
        let mut w = self.begin_write().await?;
        sqlx::query("DELETE FROM uploads WHERE id = $1").bind(id).execute(&mut *w.tx).await?;
        w.commit().await
    }

    /// Upload ids idle since before `before_millis`.
    pub async fn stale_uploads(&self, before_millis: i64) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT id FROM uploads WHERE updated_at < $1").bind(before_millis).fetch_all(&self.db.pool).await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }
}
