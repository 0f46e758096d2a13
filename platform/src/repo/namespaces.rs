//! SQL of `namespaces` (groups and personal namespaces).

use berth_db::sqlx::{self, any::AnyRow, Any, Executor, Row};
use berth_db::Db;

use crate::model::Visibility;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamespaceKind {
    Group,
    /// A user's personal namespace.
    User,
}

impl NamespaceKind {
    fn as_str(self) -> &'static str {
        match self {
            NamespaceKind::Group => "group",
            NamespaceKind::User => "user",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    pub id: i64,
    pub kind: NamespaceKind,
    pub parent_id: Option<i64>,
    /// Set for personal namespaces: the user who owns it.
    pub owner_user_id: Option<i64>,
    pub path: String,
    pub full_path: String,
    pub name: String,
    pub visibility: Visibility,
    pub created_at: i64,
}

const COLUMNS: &str = "id, kind, parent_id, owner_user_id, path, full_path, name, visibility, created_at";

fn from_row(r: &AnyRow) -> Namespace {
    Namespace {
        id: r.get("id"),
        kind: if r.get::<String, _>("kind") == "user" { NamespaceKind::User } else { NamespaceKind::Group },
        parent_id: r.get("parent_id"),
        owner_user_id: r.get("owner_user_id"),
        path: r.get("path"),
        full_path: r.get("full_path"),
        name: r.get("name"),
        visibility: super::visibility(r, "visibility"),
        created_at: r.get("created_at"),
    }
}

pub struct NewNamespaceRow<'a> {
    pub kind: NamespaceKind,
    pub parent_id: Option<i64>,
    pub owner_user_id: Option<i64>,
    pub path: &'a str,
    pub full_path: &'a str,
    pub name: &'a str,
    pub visibility: Visibility,
    pub created_at: i64,
}

pub async fn insert<'c, E: Executor<'c, Database = Any>>(e: E, n: &NewNamespaceRow<'_>) -> sqlx::Result<Namespace> {
    let row = sqlx::query(&format!(
        "INSERT INTO namespaces (kind, parent_id, owner_user_id, path, full_path, name, visibility, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    ))
    .bind(n.kind.as_str())
    .bind(n.parent_id)
    .bind(n.owner_user_id)
    .bind(n.path)
    .bind(n.full_path)
    .bind(n.name)
    .bind(n.visibility.as_str())
    .bind(n.created_at)
    .fetch_one(e)
    .await?;
    Ok(from_row(&row))
}

pub async fn by_id(db: &Db, id: i64) -> sqlx::Result<Option<Namespace>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM namespaces WHERE id = $1")).bind(id).fetch_optional(&db.pool).await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn by_full_path(db: &Db, full_path: &str) -> sqlx::Result<Option<Namespace>> {
    let row =
        sqlx::query(&format!("SELECT {COLUMNS} FROM namespaces WHERE full_path = $1")).bind(full_path).fetch_optional(&db.pool).await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn by_owner(db: &Db, user_id: i64) -> sqlx::Result<Option<Namespace>> {
    let row =
        sqlx::query(&format!("SELECT {COLUMNS} FROM namespaces WHERE owner_user_id = $1")).bind(user_id).fetch_optional(&db.pool).await?;
    Ok(row.as_ref().map(from_row))
}

/// The namespace and all its ancestors' ids, nearest first.
pub async fn self_and_ancestor_ids(db: &Db, id: i64) -> sqlx::Result<Vec<i64>> {
    let rows = sqlx::query(
        "WITH RECURSIVE chain(id, parent_id, depth) AS ( \
             SELECT id, parent_id, 0 FROM namespaces WHERE id = $1 \
             UNION ALL \
             SELECT n.id, n.parent_id, c.depth + 1 FROM namespaces n JOIN chain c ON n.id = c.parent_id \
         ) SELECT id FROM chain ORDER BY depth",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(|r| r.get("id")).collect())
}
