//! The few reads (and one write) the REST API needs that the platform services do not offer
//! yet: listings. Each returns ids or rows loaded through the platform's own finders.

use berth_db::sqlx::{self, Row};
use berth_db::Db;
use berth_platform::accounts::User;
use berth_platform::namespaces::{find_namespace, Namespace};
use berth_platform::projects::{find_project, Project};
use berth_platform::users::find_user;

use crate::error::ApiResult;

async fn ids(db: &Db, sql: &str, bind: Option<&str>) -> sqlx::Result<Vec<i64>> {
    let mut q = sqlx::query(sql);
    if let Some(b) = bind {
        q = q.bind(b);
    }
    Ok(q.fetch_all(&db.pool).await?.iter().map(|r| r.get("id")).collect())
}

/// Every project, newest first.
pub async fn all_projects(db: &Db) -> ApiResult<Vec<Project>> {
    let mut out = Vec::new();
    for id in ids(db, "SELECT id FROM projects ORDER BY id DESC", None).await? {
        out.extend(find_project(db, id).await?);
    }
    Ok(out)
}

/// Projects in a group and its subgroups, by path.
pub async fn projects_below(db: &Db, group_full_path: &str) -> ApiResult<Vec<Project>> {
    let mut out = Vec::new();
    let sql = "SELECT id FROM projects WHERE substr(full_path, 1, length($1) + 1) = $1 || '/' ORDER BY full_path";
    for id in ids(db, sql, Some(group_full_path)).await? {
        out.extend(find_project(db, id).await?);
    }
    Ok(out)
}

/// Every group, by full path.
pub async fn all_groups(db: &Db) -> ApiResult<Vec<Namespace>> {
    let mut out = Vec::new();
    for id in ids(db, "SELECT id FROM namespaces WHERE kind = 'group' ORDER BY full_path", None).await? {
        out.extend(find_namespace(db, id).await?);
    }
    Ok(out)
}

/// Every user, by id.
pub async fn all_users(db: &Db) -> ApiResult<Vec<User>> {
    let mut out = Vec::new();
    for id in ids(db, "SELECT id FROM users ORDER BY id", None).await? {
        out.extend(find_user(db, id).await?);
    }
    Ok(out)
}

pub async fn user_created_at(db: &Db, id: i64) -> sqlx::Result<Option<i64>> {
    Ok(sqlx::query("SELECT created_at FROM users WHERE id = $1").bind(id).fetch_optional(&db.pool).await?.map(|r| r.get("created_at")))
}

/// The owner of a personal access token.
pub async fn pat_owner(db: &Db, id: i64) -> sqlx::Result<Option<i64>> {
    Ok(sqlx::query("SELECT user_id FROM personal_access_tokens WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| r.get("user_id")))
}

/// A project's display name (not its path).
pub async fn set_project_name(db: &Db, id: i64, name: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE projects SET name = $1 WHERE id = $2").bind(name).bind(id).execute(&db.pool).await?;
    Ok(())
}
