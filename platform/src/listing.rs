//! Read-only listings for the UI and the REST API: the user's groups and projects, a group's
//! children, every project, group and user. One SQL text for SQLite and PostgreSQL, like the
//! `repo` module; permission filtering is the caller's (it asks `permissions::can`).

use berth_db::sqlx::{self, any::AnyRow, Row};
use berth_db::Db;

#[derive(Debug, Clone)]
pub struct NamespaceRow {
    pub id: i64,
    pub full_path: String,
    pub name: String,
    pub visibility: String,
}

#[derive(Debug, Clone)]
pub struct ProjectRow {
    pub id: i64,
    pub full_path: String,
    pub name: String,
    pub visibility: String,
}

fn ns(r: &AnyRow) -> NamespaceRow {
    NamespaceRow { id: r.get("id"), full_path: r.get("full_path"), name: r.get("name"), visibility: r.get("visibility") }
}

fn project(r: &AnyRow) -> ProjectRow {
    ProjectRow { id: r.get("id"), full_path: r.get("full_path"), name: r.get("name"), visibility: r.get("visibility") }
}

/// `g` is the namespace `n` itself or one of its ancestors (paths contain no `/` inside a segment).
const SELF_OR_DESCENDANT: &str = "(g.id = n.id OR substr(n.full_path, 1, length(g.full_path) + 1) = g.full_path || '/')";

/// Groups where the user is a member (directly, or through a group above), at least at
/// `min_level`; every group for administrators when `all` is set.
pub async fn groups_of_user(db: &Db, user_id: i64, min_level: i64, all: bool) -> sqlx::Result<Vec<NamespaceRow>> {
    let sql = format!(
        "SELECT n.id, n.full_path, n.name, n.visibility FROM namespaces n WHERE n.kind = 'group' AND ($3 = 1 OR EXISTS ( \
             SELECT 1 FROM group_members gm JOIN namespaces g ON g.id = gm.namespace_id \
             WHERE gm.user_id = $1 AND gm.access_level >= $2 AND {SELF_OR_DESCENDANT})) \
         ORDER BY n.full_path"
    );
    let rows = sqlx::query(&sql).bind(user_id).bind(min_level).bind(all as i64).fetch_all(&db.pool).await?;
    Ok(rows.iter().map(ns).collect())
}

/// Projects the user is a member of: directly, through a group above, or in their personal namespace.
pub async fn projects_of_user(db: &Db, user_id: i64) -> sqlx::Result<Vec<ProjectRow>> {
    let sql = "SELECT p.id, p.full_path, p.name, p.visibility FROM projects p WHERE \
                   p.id IN (SELECT project_id FROM project_members WHERE user_id = $1) \
                   OR p.namespace_id IN (SELECT id FROM namespaces WHERE owner_user_id = $1) \
                   OR EXISTS (SELECT 1 FROM group_members gm JOIN namespaces g ON g.id = gm.namespace_id \
                       WHERE gm.user_id = $1 AND substr(p.full_path, 1, length(g.full_path) + 1) = g.full_path || '/') \
               ORDER BY p.full_path";
    let rows = sqlx::query(sql).bind(user_id).fetch_all(&db.pool).await?;
    Ok(rows.iter().map(project).collect())
}

pub async fn subgroups(db: &Db, group_id: i64) -> sqlx::Result<Vec<NamespaceRow>> {
    let rows = sqlx::query("SELECT id, full_path, name, visibility FROM namespaces WHERE parent_id = $1 ORDER BY full_path")
        .bind(group_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(ns).collect())
}

pub async fn projects_in(db: &Db, namespace_id: i64) -> sqlx::Result<Vec<ProjectRow>> {
    let rows = sqlx::query("SELECT id, full_path, name, visibility FROM projects WHERE namespace_id = $1 ORDER BY full_path")
        .bind(namespace_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(project).collect())
}

pub async fn all_users(db: &Db) -> sqlx::Result<Vec<crate::accounts::User>> {
    let rows =
        sqlx::query("SELECT id, username, name, email, is_admin, is_blocked FROM users ORDER BY username").fetch_all(&db.pool).await?;
    Ok(rows
        .iter()
        .map(|r| crate::accounts::User {
            id: r.get("id"),
            username: r.get("username"),
            name: r.get("name"),
            email: r.get("email"),
            is_admin: r.get::<i64, _>("is_admin") == 1,
            is_blocked: r.get::<i64, _>("is_blocked") == 1,
        })
        .collect())
}

/// Every project, newest first.
pub async fn all_projects(db: &Db) -> crate::error::Result<Vec<crate::projects::Project>> {
    let rows = sqlx::query("SELECT id FROM projects ORDER BY id DESC").fetch_all(&db.pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.extend(crate::projects::find_project(db, r.get("id")).await?);
    }
    Ok(out)
}

/// Every group, by full path.
pub async fn all_groups(db: &Db) -> crate::error::Result<Vec<crate::namespaces::Namespace>> {
    let rows = sqlx::query("SELECT id FROM namespaces WHERE kind = 'group' ORDER BY full_path").fetch_all(&db.pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.extend(crate::namespaces::find_namespace(db, r.get("id")).await?);
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
