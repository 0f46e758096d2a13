use berth_db::now_millis;
use berth_db::sqlx::{self, Row};

use super::Meta;
use crate::error::Result;

impl Meta {
    pub async fn insert_upload(&self, id: &str, repository_path: &str) -> Result<()> {
        let mut w = self.begin_write().await?;
        let now = now_millis();
        sqlx::query("INSERT INTO uploads (id, repository_path, created_at, updated_at) VALUES ($1, $2, $3, $3)")
            .bind(id)
            .bind(repository_path)
            .bind(now)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    /// The repository path of an upload session.
    pub async fn upload_repository(&self, id: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT repository_path FROM uploads WHERE id = $1").bind(id).fetch_optional(&self.db.pool).await?;
        Ok(match row {
            Some(r) => Some(r.try_get("repository_path")?),
            None => None,
        })
    }

    pub async fn touch_upload(&self, id: &str) -> Result<()> {
        let mut w = self.begin_write().await?;
        sqlx::query("UPDATE uploads SET updated_at = $1 WHERE id = $2").bind(now_millis()).bind(id).execute(&mut *w.tx).await?;
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
