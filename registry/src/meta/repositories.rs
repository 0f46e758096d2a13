use berth_db::now_millis;
use berth_db::sqlx::{self, Any, Row, Transaction};

use super::Meta;
use crate::error::Result;

/// A repository row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryRecord {
    pub id: i64,
    pub path: String,
    pub project_id: Option<i64>,
    pub status: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub tag_count: i64,
}

const SELECT: &str = "SELECT r.id, r.path, r.project_id, r.status, r.created_at, r.updated_at, \
    (SELECT COUNT(*) FROM tags t WHERE t.repository_id = r.id) AS tag_count FROM repositories r";

fn record(row: &sqlx::any::AnyRow) -> Result<RepositoryRecord> {
    Ok(RepositoryRecord {
        id: row.try_get("id")?,
        path: row.try_get("path")?,
        project_id: row.try_get("project_id")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        tag_count: row.try_get("tag_count")?,
    })
}

impl Meta {
    pub async fn repository_id(&self, path: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT id FROM repositories WHERE path = $1").bind(path).fetch_optional(&self.db.pool).await?;
        Ok(match row {
            Some(r) => Some(r.try_get("id")?),
            None => None,
        })
    }

    pub async fn repository(&self, path: &str) -> Result<Option<RepositoryRecord>> {
        let row = sqlx::query(&format!("{SELECT} WHERE r.path = $1")).bind(path).fetch_optional(&self.db.pool).await?;
        row.as_ref().map(record).transpose()
    }

    /// Repositories ordered by path, after `last`, at most `limit`; `prefix` filters by
    /// `path = prefix` or `path LIKE prefix/%`.
    pub async fn repositories(&self, prefix: Option<&str>, last: Option<&str>, limit: i64) -> Result<Vec<RepositoryRecord>> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE r.path > $1 AND ($2 = '' OR r.path = $2 OR substr(r.path, 1, length($2) + 1) = $2 || '/') \
             ORDER BY r.path LIMIT $3"
        ))
        .bind(last.unwrap_or(""))
        .bind(prefix.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(record).collect()
    }

    /// Paths only, for `/v2/_catalog`.
    pub async fn catalog(&self, last: Option<&str>, limit: i64) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT path FROM repositories WHERE path > $1 ORDER BY path LIMIT $2")
            .bind(last.unwrap_or(""))
            .bind(limit)
            .fetch_all(&self.db.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("path")?)).collect()
    }

    /// Creates the repository row if needed; returns its id and bumps `updated_at`.
    pub(crate) async fn ensure_repository(tx: &mut Transaction<'static, Any>, path: &str, project_id: Option<i64>) -> Result<i64> {
        let now = now_millis();
        sqlx::query(
            "INSERT INTO repositories (path, project_id, status, created_at, updated_at) VALUES ($1, $2, NULL, $3, $3) \
             ON CONFLICT (path) DO UPDATE SET updated_at = excluded.updated_at",
        )
        .bind(path)
        .bind(project_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        let row = sqlx::query("SELECT id FROM repositories WHERE path = $1").bind(path).fetch_one(&mut **tx).await?;
        Ok(row.try_get("id")?)
    }

    pub(crate) async fn touch_repository(tx: &mut Transaction<'static, Any>, id: i64) -> Result<()> {
        sqlx::query("UPDATE repositories SET updated_at = $1 WHERE id = $2").bind(now_millis()).bind(id).execute(&mut **tx).await?;
        Ok(())
    }
}
