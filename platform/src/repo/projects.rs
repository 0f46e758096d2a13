//! SQL of `projects`.

use berth_db::sqlx::{self, any::AnyRow, Row};
use berth_db::Db;

use crate::model::{RegistryAccessLevel, Visibility};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: i64,
    pub namespace_id: i64,
    pub path: String,
    pub full_path: String,
    pub name: String,
    pub visibility: Visibility,
    pub registry_access: RegistryAccessLevel,
    pub created_at: i64,
}

const COLUMNS: &str = "id, namespace_id, path, full_path, name, visibility, container_registry_access_level, created_at";

fn from_row(r: &AnyRow) -> Project {
    Project {
        id: r.get("id"),
        namespace_id: r.get("namespace_id"),
        path: r.get("path"),
        full_path: r.get("full_path"),
        name: r.get("name"),
        visibility: super::visibility(r, "visibility"),
        registry_access: super::registry_access(r, "container_registry_access_level"),
        created_at: r.get("created_at"),
    }
}

pub struct NewProjectRow<'a> {
    pub namespace_id: i64,
    pub path: &'a str,
    pub full_path: &'a str,
    pub name: &'a str,
    pub visibility: Visibility,
    pub registry_access: RegistryAccessLevel,
    pub created_at: i64,
}

pub async fn insert(db: &Db, p: &NewProjectRow<'_>) -> sqlx::Result<Project> {
    let row = sqlx::query(&format!(
        "INSERT INTO projects (namespace_id, path, full_path, name, visibility, container_registry_access_level, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(p.namespace_id)
    .bind(p.path)
    .bind(p.full_path)
    .bind(p.name)
    .bind(p.visibility.as_str())
    .bind(p.registry_access.as_str())
    .bind(p.created_at)
    .fetch_one(&db.pool)
    .await?;
    Ok(from_row(&row))
}

pub async fn by_id(db: &Db, id: i64) -> sqlx::Result<Option<Project>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM projects WHERE id = $1")).bind(id).fetch_optional(&db.pool).await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn by_full_path(db: &Db, full_path: &str) -> sqlx::Result<Option<Project>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM projects WHERE full_path = $1")).bind(full_path).fetch_optional(&db.pool).await?;
    Ok(row.as_ref().map(from_row))
}

/// The project with the longest full path among `candidates`, if any exists.
pub async fn longest_of(db: &Db, candidates: &[&str]) -> sqlx::Result<Option<Project>> {
    // At most three candidates: one query per candidate, longest first, stops at the first hit.
    for candidate in candidates {
        if let Some(p) = by_full_path(db, candidate).await? {
            return Ok(Some(p));
        }
    }
    Ok(None)
}

pub async fn set_visibility(db: &Db, id: i64, visibility: Visibility) -> sqlx::Result<bool> {
    let done =
        sqlx::query("UPDATE projects SET visibility = $1 WHERE id = $2").bind(visibility.as_str()).bind(id).execute(&db.pool).await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_registry_access(db: &Db, id: i64, level: RegistryAccessLevel) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE projects SET container_registry_access_level = $1 WHERE id = $2")
        .bind(level.as_str())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A project's display name (not its path).
pub async fn set_name(db: &Db, id: i64, name: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query("UPDATE projects SET name = $1 WHERE id = $2").bind(name).bind(id).execute(&db.pool).await?.rows_affected() == 1)
}
