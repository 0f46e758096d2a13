use berth_db::sqlx::{self, Row};

use super::Meta;
use crate::error::Result;

/// A tag with the manifest it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRecord {
    pub name: String,
    pub digest: String,
    pub media_type: String,
    /// Manifest bytes.
    pub manifest_size: i64,
    /// Manifest plus referenced blobs (what the UI shows as the image size).
    pub total_size: i64,
    pub config_digest: Option<String>,
    pub created_at: i64,
    /// When the tag was last (re)pointed.
    pub updated_at: i64,
    pub pushed_at: i64,
}

impl Meta {
    /// Tag names in lexical order after `last`, at most `limit`.
    pub async fn tag_names(&self, repository_id: i64, last: Option<&str>, limit: i64) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT name FROM tags WHERE repository_id = $1 AND name > $2 ORDER BY name LIMIT $3")
            .bind(repository_id)
            .bind(last.unwrap_or(""))
            .bind(limit)
            .fetch_all(&self.db.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("name")?)).collect()
    }

    /// Every tag of a repository with its manifest, by name.
    pub async fn tags(&self, repository_id: i64) -> Result<Vec<TagRecord>> {
        let rows = sqlx::query(
            "SELECT t.name, m.digest, m.media_type, m.size, m.total_size, m.config_digest, t.created_at, t.updated_at, m.pushed_at \
             FROM tags t JOIN manifests m ON m.id = t.manifest_id WHERE t.repository_id = $1 ORDER BY t.name",
        )
        .bind(repository_id)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TagRecord {
                    name: r.try_get("name")?,
                    digest: r.try_get("digest")?,
                    media_type: r.try_get("media_type")?,
                    manifest_size: r.try_get("size")?,
                    total_size: r.try_get("total_size")?,
                    config_digest: r.try_get("config_digest")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    pushed_at: r.try_get("pushed_at")?,
                })
            })
            .collect()
    }

    /// Removes one tag; `false` when it did not exist.
    pub async fn delete_tag(&self, repository_id: i64, name: &str) -> Result<bool> {
        let mut w = self.begin_write().await?;
        let n = sqlx::query("DELETE FROM tags WHERE repository_id = $1 AND name = $2")
            .bind(repository_id)
            .bind(name)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        if n > 0 {
            Meta::touch_repository(&mut w.tx, repository_id).await?;
        }
        w.commit().await?;
        Ok(n > 0)
    }
}
